package gateway

import (
	"context"
	"math"

	"paygate"
)

// The bounds of a merchant's own limits: far above any real merchant's
// traffic, and finite.
const (
	maxMerchantRate  = 100_000
	maxMerchantBurst = 1_000_000
)

// SetLimits gives a merchant its own request rate limit (requests a
// second, on each node) and burst; 0, 0 returns it to the node's default
// (--rate-limit). A burst of 0 with a rate means twice the rate. Nodes
// apply it within a second.
//
// Errors: invalid_parameter, not_found.
func (s *Merchants) SetLimits(ctx context.Context, id string, rate float64, burst int) (MerchantInfo, error) {
	if math.IsNaN(rate) || rate < 0 || rate > maxMerchantRate {
		return MerchantInfo{}, paygate.InvalidParam("rps", "rps must be from 0 (the default) to %d", maxMerchantRate)
	}
	if burst < 0 || burst > maxMerchantBurst {
		return MerchantInfo{}, paygate.InvalidParam("burst", "burst must be from 0 to %d", maxMerchantBurst)
	}
	if rate == 0 && burst != 0 {
		return MerchantInfo{}, paygate.InvalidParam("burst", "a burst needs a rate (rps)")
	}
	if err := s.store.SetMerchantLimits(ctx, id, rate, burst); err != nil {
		return MerchantInfo{}, err
	}
	return s.Merchant(ctx, id)
}
