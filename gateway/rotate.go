package gateway

import (
	"context"
	"time"

	"paygate"
)

// DefaultGrace is how long a rotated secret keeps working when the rotation
// names no grace; MaxGrace the longest it may.
const (
	DefaultGrace = 24 * time.Hour
	MaxGrace     = 7 * 24 * time.Hour
)

// RotatedSecret is what a rotation returns: the only time the new secret is
// shown.
type RotatedSecret struct {
	MerchantID string
	AppID      string
	Secret     string
	// PrevSecretUntil is when the replaced secret stops working for token
	// calls; nil: it stopped at once (no grace).
	PrevSecretUntil *time.Time
}

// ParseGrace reads a rotation's grace, a Go duration such as 24h or 90m;
// "" is DefaultGrace.
//
// Errors: invalid_parameter (grace).
func ParseGrace(s string) (time.Duration, error) {
	if s == "" {
		return DefaultGrace, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > MaxGrace {
		return 0, paygate.InvalidParam("grace", "grace must be a duration from 0s to 168h (7 days), such as 24h")
	}
	return d, nil
}

// RotateSecret gives the merchant a new API secret (the operator's command).
// The secret it replaces keeps working for token calls for grace, and then
// stops; so does one an earlier rotation replaced, at once. Access tokens
// already issued are not touched.
//
// Errors: invalid_parameter (grace), not_found, conflict (another rotation
// came first).
func (s *Merchants) RotateSecret(ctx context.Context, id string, grace time.Duration) (*RotatedSecret, error) {
	if grace < 0 || grace > MaxGrace {
		return nil, paygate.InvalidParam("grace", "grace must be from 0s to 168h (7 days)")
	}
	m, err := s.store.Merchant(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.rotateSecret(ctx, m, grace)
}

// RotateOwnSecret is RotateSecret for the merchant of ctx, which must also
// present its current secret (not one in a grace): a stolen access token
// alone cannot take the merchant's credentials. The check of the secret is
// guarded as a token call is (tokenGuard): client is the caller's address.
//
// Errors: invalid_parameter (secret, grace), unauthorized, rate_limited,
// unavailable, conflict.
func (s *Merchants) RotateOwnSecret(ctx context.Context, current string, grace time.Duration, client string) (*RotatedSecret, error) {
	m, err := s.checkOwnSecret(ctx, current, grace, client)
	if err != nil {
		return nil, err
	}
	return s.rotateSecret(ctx, m, grace)
}

// checkOwnSecret returns the merchant of ctx if current is its current API
// secret (not one in a grace) and grace is one a rotation may take: the
// check every rotation the merchant asks for makes. It is guarded as a
// token call is (tokenGuard): client is the caller's address.
//
// Errors: invalid_parameter (secret, grace), unauthorized, rate_limited,
// unavailable, not_found.
func (s *Merchants) checkOwnSecret(ctx context.Context, current string, grace time.Duration, client string) (*paygate.Merchant, error) {
	if current == "" {
		return nil, paygate.InvalidParam("secret", "secret is required: the merchant's current API secret")
	}
	if grace < 0 || grace > MaxGrace {
		return nil, paygate.InvalidParam("grace", "grace must be from 0s to 168h (7 days)")
	}
	m, err := s.store.Merchant(ctx, paygate.MerchantID(ctx))
	if err != nil {
		return nil, err
	}
	g := s.guard
	client = clientKey(client)
	settle, wait := g.admit(m.AppID, client)
	if wait > 0 {
		err := paygate.Errorf(paygate.ERateLimited, "too many failed secret checks; retry after %d s", retryAfter(wait))
		err.RetryAfter = retryAfter(wait)
		return nil, err
	}
	result := tokenUndecided
	defer func() { settle(result, true) }()
	ok, err := g.timeHash(ctx, client, func() bool { return verifySecret(m.SecretHash, current) })
	if err != nil {
		return nil, err
	}
	if !ok {
		result = tokenWrong
		err := paygate.Errorf(paygate.EUnauthorized, "secret is not the merchant's current API secret")
		err.Param = "secret"
		return nil, err
	}
	result = tokenRight
	return m, nil
}

func (s *core) rotateSecret(ctx context.Context, m *paygate.Merchant, grace time.Duration) (*RotatedSecret, error) {
	return s.rotateSecretTo(ctx, m, grace, randomHex(16))
}

// rotateSecretTo makes secret m's API secret, the current one good for grace.
func (s *core) rotateSecretTo(ctx context.Context, m *paygate.Merchant, grace time.Duration, secret string) (*RotatedSecret, error) {
	var until *time.Time
	if grace > 0 {
		u := s.now().Add(grace)
		until = &u
	}
	if err := s.store.ReplaceMerchantSecret(ctx, m.ID, m.SecretHash, hashSecret(secret), until); err != nil {
		return nil, err
	}
	return &RotatedSecret{MerchantID: m.ID, AppID: m.AppID, Secret: secret, PrevSecretUntil: until}, nil
}
