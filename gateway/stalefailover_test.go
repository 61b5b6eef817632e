package gateway_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"paygate"
	"paygate/acquirer"
)

// TestStaleDeclineOverFailover: a direct payment routed [a, b] fails over
// on a's processing_error. a's event for its decline arrives during the
// call: the call is out (claimed), so nothing is asked then, and no stale
// decline can land over b's call. b's answer is lost (a timeout) though b
// approved; b's own event then has the payment asked and recorded paid at b.
func TestStaleDeclineOverFailover(t *testing.T) {
	gw, ctx, _, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}, {"connector": "b"}], "failoverOn": ["processing_error"]}`, withOwnThreeDS)
	good := http.Header{"Sig": {"good"}}
	event := func(id, tradeNo, outcome string) []byte {
		b, _ := json.Marshal(map[string]any{"ID": id, "TradeNo": tradeNo, "Outcome": outcome})
		return b
	}
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		if _, err := gw.Connectors.Webhook(ctx, "a", event("evt_a", req.Reference, "declined"), good); err != nil {
			t.Errorf("a's event during the call: %v", err)
		}
		return acquirer.Result{Code: "processing_error", AcquirerRef: "pi-a"}, nil
	}
	c["b"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) { return acquirer.Result{}, errTimeout }
	c["b"].resolve = func(acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{Approved: true, AcquirerRef: "pi-b"}, nil
	}
	p := pay(t, gw, ctx, "order-stale-1", "auto")
	if p.Status != paygate.StatusPending || p.Connector != "b" || outcomes(p) != "[a:declined:processing_error b:unknown]" {
		t.Fatalf("after the calls: %s at %q, attempts %s; want PENDING at b", p.Status, p.Connector, outcomes(p))
	}
	if _, err := gw.Connectors.Webhook(ctx, "b", event("evt_b", p.TradeNo, "approved"), good); err != nil {
		t.Fatal(err)
	}
	q := mustPayment(t, gw, ctx, p.TradeNo)
	if q.Status != paygate.StatusSucceeded || q.Connector != "b" || q.AcquirerRef != "pi-b" || c["a"].count(&c["a"].resolves) != 0 {
		t.Errorf("payment %s at %q ref %q, a asked %d times; want SUCCEEDED at b, a never asked", q.Status, q.Connector, q.AcquirerRef, c["a"].resolves)
	}
}
