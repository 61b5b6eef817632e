package gateway_test

import (
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
)

// TestStoppedNodeSwept: the node making a direct payment's call stops
// during it (here: another node's sweeps run while the call is out). The
// payment is left alone while its claim lasts, then asked about and
// recorded; with a PendingTTL shorter than the claim it is not expired
// under the call either.
func TestStoppedNodeSwept(t *testing.T) {
	for _, ttl := range []time.Duration{0, 2 * time.Minute} {
		gw, ctx, now, c := routedGatewayWith(t, routedOptions{tune: func(cfg *gateway.Config) { cfg.PendingTTL = ttl }},
			`{"rules": [], "default": [{"connector": "a"}]}`, withOwnThreeDS)
		c["a"].resolve = approve
		var during *paygate.Payment
		c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
			*now = now.Add(9 * time.Minute)
			gw.Sweep(ctx)
			if got := mustPayment(t, gw, ctx, req.Reference); got.Status != paygate.StatusPending || c["a"].count(&c["a"].resolves) != 0 {
				t.Errorf("PendingTTL %s: at +9 min: %s, %d questions; want left to the call", ttl, got.Status, c["a"].resolves)
			}
			*now = now.Add(time.Minute)
			gw.Sweep(ctx)
			during = mustPayment(t, gw, ctx, req.Reference)
			return acquirer.Result{}, errTimeout
		}
		pay(t, gw, ctx, "order-stopped-1", "manual")
		if during.Status != paygate.StatusAuthorized {
			t.Errorf("PendingTTL %s: once the claim ran out: %s, want AUTHORIZED as the connector says", ttl, during.Status)
		}
	}
}
