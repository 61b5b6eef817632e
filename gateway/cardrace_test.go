package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/wire"
)

// TestSessionDoesNotExpireUnderACallOut: a card posted just before the
// session ends is at the connector when the session sweep runs. The session
// waits for the call (had it expired, the call's lost answer would never be
// asked about); the sweep then asks the connector and records its answer.
func TestSessionDoesNotExpireUnderACallOut(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`)
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-r3-1", ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	inCall, release := make(chan struct{}), make(chan struct{})
	c["a"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) {
		close(inCall)
		<-release
		return acquirer.Result{}, errTimeout // approved at the connector, answer lost
	}
	resolved := 0
	c["a"].resolve = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) { resolved++; return approve(req) }
	*now = sess.ExpiresAt.Add(-time.Second)
	done := make(chan *paygate.Payment)
	go func() {
		p, _ := gw.Checkout.Pay(ctx, sess.SessionID, gateway.CardForm{CardNo: "4242424242424242", ExpiryMonth: "06", ExpiryYear: "2040", CVC: "123"})
		done <- p
	}()
	<-inCall
	*now = now.Add(2 * time.Second) // the session's end passes during the call
	gw.Sweep(ctx)
	close(release)
	p := <-done
	for range 10 { // every sweep for the next 10 hours
		*now = now.Add(time.Hour)
		gw.Sweep(ctx)
	}
	q := mustPayment(t, gw, ctx, p.TradeNo)
	if q.Status != paygate.StatusSucceeded && resolved == 0 {
		t.Errorf("payment %s (attempts %s), connector asked %d times: an approval that may exist is never asked about", q.Status, outcomes(q), resolved)
	}
}

// TestOldCardQuestionKeepsTheLiveClaim: card 1 declined at a; its late
// event makes the gateway ask a about attempt 1. While that question is
// out, card 2 is posted and sent. The question's decline must not be
// written over card 2's live claim: card 3 is refused while card 2 is at
// the connector, so at most one card is charged and kept.
func TestOldCardQuestionKeepsTheLiveClaim(t *testing.T) {
	gw, ctx, _, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`, withOwnThreeDS)
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-r3-2", ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	form := gateway.CardForm{CardNo: "4242424242424242", ExpiryMonth: "06", ExpiryYear: "2040", CVC: "123"}
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{Code: "insufficient_funds", AcquirerRef: "pi-1"}, nil
	}
	p, err := gw.Checkout.Pay(ctx, sess.SessionID, form)
	if err != nil || p.Status != paygate.StatusPending {
		t.Fatalf("card 1: %v %v", p, err)
	}
	inResolve, releaseResolve := make(chan struct{}), make(chan struct{})
	c["a"].resolve = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		close(inResolve)
		<-releaseResolve
		return acquirer.Result{Code: "insufficient_funds", AcquirerRef: "pi-1"}, nil // card 1: declined, as recorded
	}
	hook := make(chan error)
	go func() {
		_, err := gw.Connectors.Webhook(ctx, "a", []byte(`{"ID":"evt_1","TradeNo":"`+p.TradeNo+`","Outcome":"declined","Attempt":1}`), http.Header{"Sig": {"good"}})
		hook <- err
	}()
	<-inResolve
	inCall2, release2 := make(chan struct{}), make(chan struct{})
	charged := 0
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		c["a"].mu.Lock()
		charged++
		c["a"].mu.Unlock()
		if req.Attempt == 2 {
			close(inCall2)
			<-release2
		}
		return acquirer.Result{Approved: true, AcquirerRef: "pi-" + string(rune('0'+req.Attempt))}, nil
	}
	card2 := make(chan *paygate.Payment)
	go func() {
		f := form
		f.CardNo = "5555555555554444"
		p, _ := gw.Checkout.Pay(ctx, sess.SessionID, f)
		card2 <- p
	}()
	<-inCall2
	close(releaseResolve)
	if err := <-hook; err != nil {
		t.Fatal(err)
	}
	form.CardNo = "4000056655665556"
	_, err3 := gw.Checkout.Pay(ctx, sess.SessionID, form) // card 3 while card 2 is out
	close(release2)
	<-card2
	voids, refunds := c["a"].count(&c["a"].voids), c["a"].count(&c["a"].refunds)
	if err3 != gateway.ErrInProgress || charged-voids-refunds > 1 {
		t.Errorf("card 3 while card 2 was out: %v; %d cards charged, %d given back", err3, charged, voids+refunds)
	}
}
