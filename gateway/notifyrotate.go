package gateway

import (
	"context"
	"time"

	"paygate"
	"paygate/notify"
)

// RotatedNotifySecret is what a notification secret rotation returns: the
// only time the new secret is shown.
type RotatedNotifySecret struct {
	MerchantID   string
	NotifySecret string // whsec_<base64 key>
	// PrevNotifySecretUntil is when notifications stop carrying the
	// replaced secret's signature too; nil: they stopped at once (no grace).
	PrevNotifySecretUntil *time.Time
}

// RotateNotifySecret gives the merchant a new notification secret (the
// operator's command). Until grace ends, notifications to an order's
// notificationUrl carry two signatures, the new key's first, so a receiver
// verifies with either secret while it is being switched; one an earlier
// rotation replaced stops at once. Subscriptions' secrets are not touched.
//
// Errors: invalid_parameter (grace), not_found, conflict (another rotation,
// or a vault rekey, came first).
func (s *Merchants) RotateNotifySecret(ctx context.Context, id string, grace time.Duration) (*RotatedNotifySecret, error) {
	if grace < 0 || grace > MaxGrace {
		return nil, paygate.InvalidParam("grace", "grace must be from 0s to 168h (7 days)")
	}
	m, err := s.store.Merchant(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.rotateNotifySecret(ctx, m, grace)
}

// RotateOwnNotifySecret is RotateNotifySecret for the merchant of ctx,
// which must also present its current API secret, checked as
// RotateOwnSecret checks it: a stolen access token alone cannot take the
// key that proves a notification is paygate's.
//
// Errors: invalid_parameter (secret, grace), unauthorized, rate_limited,
// unavailable, conflict.
func (s *Merchants) RotateOwnNotifySecret(ctx context.Context, current string, grace time.Duration, client string) (*RotatedNotifySecret, error) {
	m, err := s.checkOwnSecret(ctx, current, grace, client)
	if err != nil {
		return nil, err
	}
	return s.rotateNotifySecret(ctx, m, grace)
}

func (s *core) rotateNotifySecret(ctx context.Context, m *paygate.Merchant, grace time.Duration) (*RotatedNotifySecret, error) {
	_, key := notify.NewSecret()
	return s.rotateNotifySecretTo(ctx, m, grace, key)
}

// rotateNotifySecretTo makes key m's notification key, the current one
// signing too for grace.
func (s *core) rotateNotifySecretTo(ctx context.Context, m *paygate.Merchant, grace time.Duration, key []byte) (*RotatedNotifySecret, error) {
	display := notify.FormatSecret(key)
	sealed, err := s.vault.Seal(key, []byte("merchant-notify/"+m.ID))
	if err != nil {
		return nil, paygate.Internal("rotate notify secret", err)
	}
	var until *time.Time
	if grace > 0 {
		u := s.now().Add(grace)
		until = &u
	}
	if err := s.store.ReplaceNotifySecret(ctx, m.ID, m.NotifySecretSealed, sealed, s.vault.KeyID(), until); err != nil {
		return nil, err
	}
	return &RotatedNotifySecret{MerchantID: m.ID, NotifySecret: display, PrevNotifySecretUntil: until}, nil
}
