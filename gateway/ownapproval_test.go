package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/wire"
)

// TestOwnApprovalNotGivenBack: a direct API payment at a connector whose
// answer is lost (a timeout) although the connector approved. The
// connector's event arrives meanwhile, and its question reads the payment
// before the unknown attempt is written; the question's approval must then
// be recorded on the fresh copy (the same card), never given back as if the
// payment held another.
func TestOwnApprovalNotGivenBack(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`, withOwnThreeDS)
	inCall, releaseCall := make(chan struct{}), make(chan struct{})
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		close(inCall)
		<-releaseCall
		return acquirer.Result{}, errTimeout // approved and captured there; the answer is lost
	}
	inResolve, releaseResolve := make(chan struct{}), make(chan struct{})
	first := true
	c["a"].resolve = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		if first {
			first = false
			close(inResolve)
			<-releaseResolve
		}
		return approve(req)
	}
	created := make(chan *paygate.Payment)
	go func() {
		p, _, _ := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-rev4-1",
			PaymentMethodType: "card", ThreeDsMode: "no",
			Card:       &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2030", FirstName: "A", LastName: "B"},
			DeviceInfo: &wire.DeviceInfo{ClientIP: "10.1.1.1", Language: "en-US"}})
		created <- p
	}()
	<-inCall
	p, _, err := gw.Payments.Payment(ctx, wire.OrderRef{OrderNo: "order-rev4-1"})
	if err != nil {
		t.Fatal(err)
	}
	hook := make(chan error)
	go func() {
		_, err := gw.Connectors.Webhook(ctx, "a", []byte(`{"ID":"evt_1","TradeNo":"`+p.TradeNo+`","Outcome":"approved"}`), http.Header{"Sig": {"good"}})
		hook <- err
	}()
	<-inResolve        // the question has read the payment (PENDING, no attempt)
	close(releaseCall) // the call's timeout: awaitOutcome writes the unknown attempt
	<-created
	close(releaseResolve) // the question's answer: approved
	if err := <-hook; err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Minute)
	gw.Sweep(ctx)
	q := mustPayment(t, gw, ctx, p.TradeNo)
	refunds, voids := c["a"].count(&c["a"].refunds), c["a"].count(&c["a"].voids)
	if refunds+voids > 0 {
		t.Errorf("payment %s (attempts %s, captured %d) after its own approval was given back: %d refunds, %d voids at the connector",
			q.Status, outcomes(q), q.CapturedMinor, refunds, voids)
	}
}
