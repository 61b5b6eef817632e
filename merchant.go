package paygate

import (
	"context"
	"time"
)

// Merchant is a client of the gateway. Its secret is kept only as a hash.
type Merchant struct {
	ID         string
	Name       string
	AppID      string
	SecretHash string // argon2id/bcrypt hash of the secret, never the secret
	// NotifySecretSealed is the merchant's notification signing key, encrypted by
	// the vault (it must be read back to sign, so it cannot be hashed).
	NotifySecretSealed []byte
	KeyID              string
	CreatedAt          time.Time
	// DisabledAt is when an operator disabled the merchant; nil while it is
	// enabled. A disabled merchant gets no token and its tokens stop working.
	DisabledAt *time.Time
	// PrevSecretHash is the hash of the secret the last rotation replaced,
	// still good for token calls before PrevSecretUntil; "" and nil when
	// there is none.
	PrevSecretHash  string
	PrevSecretUntil *time.Time
	// PrevNotifySecretSealed is the notification signing key the last
	// notify-secret rotation replaced, sealed under PrevNotifyKeyID: until
	// PrevNotifyUntil, notifications carry its signature beside the new
	// key's. nil, "" and nil when there is none.
	PrevNotifySecretSealed []byte
	PrevNotifyKeyID        string
	PrevNotifyUntil        *time.Time
}

// Disabled reports whether the merchant is disabled.
func (m *Merchant) Disabled() bool { return m.DisabledAt != nil }

// PrevSecretGood reports whether the secret the last rotation replaced is
// still good at now.
func (m *Merchant) PrevSecretGood(now time.Time) bool {
	return m.PrevSecretHash != "" && m.PrevSecretUntil != nil && now.Before(*m.PrevSecretUntil)
}

// PrevNotifySecretGood reports whether the notification secret the last
// rotation replaced still signs at now.
func (m *Merchant) PrevNotifySecretGood(now time.Time) bool {
	return m.PrevNotifySecretSealed != nil && m.PrevNotifyUntil != nil && now.Before(*m.PrevNotifyUntil)
}

type ctxKey int

const (
	merchantKey ctxKey = iota
	requestIDKey
)

// WithMerchantID returns ctx carrying the authenticated merchant's id.
func WithMerchantID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, merchantKey, id)
}

// MerchantID returns the authenticated merchant's id, or "".
func MerchantID(ctx context.Context) string {
	s, _ := ctx.Value(merchantKey).(string)
	return s
}

// WithRequestID returns ctx carrying the id of the request being served.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the id of the request being served, or "".
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}
