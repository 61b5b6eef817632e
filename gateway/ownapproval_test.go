package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
)

// TestOwnApprovalNotGivenBack: a direct API payment at a connector whose
// answer is lost (a timeout) although the connector approved. The
// connector's event arrives during the call: the call is out (claimed), so
// the event leaves the payment to it, and nothing is asked mid-call. The
// sweep then asks and records the approval, once; nothing is given back.
func TestOwnApprovalNotGivenBack(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`, withOwnThreeDS)
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		event := []byte(`{"ID":"evt_1","TradeNo":"` + req.Reference + `","Outcome":"approved"}`)
		if _, err := gw.Connectors.Webhook(ctx, "a", event, http.Header{"Sig": {"good"}}); err != nil {
			t.Errorf("webhook during the call: %v", err)
		}
		return acquirer.Result{}, errTimeout // approved and captured there; the answer is lost
	}
	c["a"].resolve = approve
	p := pay(t, gw, ctx, "order-own-1", "auto")
	if p.Status != paygate.StatusPending || outcomes(p) != "[a:unknown]" || c["a"].count(&c["a"].resolves) != 0 {
		t.Fatalf("after the call: %s, attempts %s, %d questions; want PENDING, [a:unknown], none asked mid-call", p.Status, outcomes(p), c["a"].resolves)
	}
	*now = now.Add(time.Minute)
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	q := mustPayment(t, gw, ctx, p.TradeNo)
	refunds, voids := c["a"].count(&c["a"].refunds), c["a"].count(&c["a"].voids)
	if q.Status != paygate.StatusSucceeded || refunds+voids > 0 {
		t.Errorf("payment %s (attempts %s): %d refunds, %d voids; want SUCCEEDED, nothing given back", q.Status, outcomes(q), refunds, voids)
	}
}
