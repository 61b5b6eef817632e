package gateway_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/wire"
)

// TestStaleDeclineOverFailover: a direct payment routed [a, b] fails over
// on a's processing_error. a's event for its decline is taken while a's
// answer is on its way: its question reads the payment (connector a), then
// b's call goes out. The question's decline must not be recorded over b's
// call (b's approval, whose answer is lost, would be neither recorded nor
// given back): the payment stays with b, and b's approval is recorded.
func TestStaleDeclineOverFailover(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}, {"connector": "b"}], "failoverOn": ["processing_error"]}`, withOwnThreeDS)
	inResolve, releaseResolve := make(chan struct{}), make(chan struct{})
	hook := make(chan error, 1)
	c["a"].resolve = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		close(inResolve)
		<-releaseResolve
		return acquirer.Result{Code: "processing_error", AcquirerRef: "pi-a"}, nil
	}
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		b, _ := json.Marshal(map[string]string{"ID": "evt_a", "TradeNo": req.Reference, "Outcome": "declined"})
		go func() {
			_, err := gw.Connectors.Webhook(ctx, "a", b, http.Header{"Sig": {"good"}})
			hook <- err
		}()
		<-inResolve // the question has read the payment (connector a)
		return acquirer.Result{Code: "processing_error", AcquirerRef: "pi-a"}, nil
	}
	inCallB, releaseB := make(chan struct{}), make(chan struct{})
	c["b"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		close(inCallB)
		<-releaseB
		return acquirer.Result{}, errTimeout // approved and captured at b; the answer is lost
	}
	c["b"].resolve = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{Approved: true, AcquirerRef: "pi-b"}, nil
	}
	created := make(chan *paygate.Payment)
	go func() {
		p, _, _ := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-rev5-1",
			PaymentMethodType: "card", ThreeDsMode: "no",
			Card:       &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2030", FirstName: "A", LastName: "B"},
			DeviceInfo: &wire.DeviceInfo{ClientIP: "10.1.1.1", Language: "en-US"}})
		created <- p
	}()
	<-inCallB             // b's call is out
	close(releaseResolve) // a's question answers: declined (as it was)
	if err := <-hook; err != nil {
		t.Fatal(err)
	}
	close(releaseB)
	p := <-created
	// b's own event for its approval.
	b, _ := json.Marshal(map[string]string{"ID": "evt_b", "TradeNo": p.TradeNo, "Outcome": "approved", "Ref": "pi-b"})
	gw.Connectors.Webhook(ctx, "b", b, http.Header{"Sig": {"good"}})
	for range 5 {
		*now = now.Add(time.Hour)
		gw.Sweep(ctx)
	}
	q := mustPayment(t, gw, ctx, p.TradeNo)
	back := c["b"].count(&c["b"].refunds) + c["b"].count(&c["b"].voids)
	if q.Status != paygate.StatusSucceeded && back == 0 {
		t.Errorf("payment %s at connector %s (attempts %s); b asked %d times, %d give-backs at b: b's approval is neither recorded nor given back",
			q.Status, q.Connector, outcomes(q), c["b"].count(&c["b"].resolves), back)
	}
}
