package gateway_test

import (
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/wire"
)

// TestCashierRiskDeclineIsNotHeld: a cashier card declined by risk
// screening never reached the connector: the merchant can cancel the
// payment, and the sweep never asks the connector about it.
func TestCashierRiskDeclineIsNotHeld(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`)
	if _, err := gw.Risk.AddRule(ctx, &wire.RiskRuleRequest{Name: "no-mc", Expression: `card_brand == "mastercard"`, Action: "decline"}); err != nil {
		t.Fatal(err)
	}
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-rv-1",
		FraudMode: "Y", ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := gw.Checkout.Pay(ctx, sess.SessionID, gateway.CardForm{CardNo: "5555555555554444", ExpiryMonth: "06", ExpiryYear: "2040", CVC: "123", ClientIP: "192.0.2.9"})
	if err != nil || p.Status != paygate.StatusPending || p.FailureCode != "fraud_suspected" {
		t.Fatalf("got %v %v", p, err)
	}
	_, err = gw.Payments.Cancel(ctx, &wire.CancelRequest{OrderRef: wire.OrderRef{TradeNo: p.TradeNo}}, "")
	if err != nil {
		t.Errorf("merchant cancel of a risk-declined cashier payment (never sent): %v", err)
	}
	*now = now.Add(2 * time.Hour)
	gw.Sweep(ctx)
	if n := c["a"].count(&c["a"].resolves); n != 0 {
		t.Errorf("the sweep asked connector a %d times about a payment never sent to it", n)
	}
}

// TestCashierDeclineWaitsForTheSession: a cashier card whose unknown
// outcome is resolved as a decline leaves the payment waiting for another
// card until its session ends, not due at every sweep (where it would take
// one of the due slots).
func TestCashierDeclineWaitsForTheSession(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`)
	c["a"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) { return acquirer.Result{}, errTimeout }
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-rv-2",
		ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := gw.Checkout.Pay(ctx, sess.SessionID, gateway.CardForm{CardNo: "4242424242424242", ExpiryMonth: "06", ExpiryYear: "2040", CVC: "123"})
	c["a"].resolve = func(acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{Code: "card_declined"}, nil
	}
	*now = now.Add(time.Minute)
	gw.Sweep(ctx)
	q := mustPayment(t, gw, ctx, p.TradeNo)
	if q.ExpiresAt == nil || q.ExpiresAt.Before(sess.ExpiresAt) {
		t.Errorf("after the decline the cashier payment's ExpiresAt is %v, before its session's %v: due and skipped at every sweep", q.ExpiresAt, sess.ExpiresAt)
	}
}

// TestSweepKeepsTheBackoffOfHeldSessions: a held cashier payment whose
// session is past its end is asked on the sweep's growing schedule, not at
// every sweep.
func TestSweepKeepsTheBackoffOfHeldSessions(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`)
	c["a"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) { return acquirer.Result{}, errTimeout }
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-rv-3",
		ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	gw.Checkout.Pay(ctx, sess.SessionID, gateway.CardForm{CardNo: "4242424242424242", ExpiryMonth: "06", ExpiryYear: "2040", CVC: "123"})
	*now = now.Add(40 * time.Minute)
	for range 5 {
		gw.Sweep(ctx)
		*now = now.Add(time.Second)
	}
	if n := c["a"].count(&c["a"].resolves); n > 2 {
		t.Errorf("5 sweeps within 5 s asked the connector %d times", n)
	}
}

// TestNewCardForgetsTheOldReference: card 1 pending at a (a reference
// set), then declined; card 2 routed to b and its answer lost: b is asked
// with no reference (not a's), and the merchant cannot cancel meanwhile.
func TestNewCardForgetsTheOldReference(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, `{"rules": [{"name": "mc", "match": {"brands": ["mastercard"]}, "connectors": [{"connector": "b"}]}], "default": [{"connector": "a"}]}`)
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{AcquirerRef: "pi-at-a", Pending: true}, nil
	}
	c["a"].resolve = func(acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{Code: "card_declined"}, nil
	}
	c["b"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) { return acquirer.Result{}, errTimeout }
	var asked []string
	c["b"].resolve = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		asked = append(asked, req.AcquirerRef)
		return acquirer.Result{}, errTimeout
	}
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-rv-4", ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	form := gateway.CardForm{CardNo: "4242424242424242", ExpiryMonth: "06", ExpiryYear: "2040", CVC: "123"}
	gw.Checkout.Pay(ctx, sess.SessionID, form)
	*now = now.Add(time.Minute)
	gw.Sweep(ctx)
	form.CardNo = "5555555555554444"
	p, err := gw.Checkout.Pay(ctx, sess.SessionID, form)
	if err != nil || p.AcquirerRef != "" {
		t.Fatalf("card 2: %+v, %v; want it sent to b with no reference of a's", p, err)
	}
	*now = now.Add(time.Minute)
	gw.Sweep(ctx)
	if len(asked) == 0 || asked[0] != "" {
		t.Errorf("connector b was asked about card 2 with AcquirerRef %q (connector a's payment)", asked)
	}
	// The merchant's cancel cannot void a's reference at b: b's outcome is
	// unknown, so the cancel is refused until b answers.
	_, err = gw.Payments.Cancel(ctx, &wire.CancelRequest{OrderRef: wire.OrderRef{TradeNo: p.TradeNo}}, "")
	q := mustPayment(t, gw, ctx, p.TradeNo)
	if paygate.ErrorCode(err) != paygate.EInvalidState || q.Status != paygate.StatusPending || c["b"].count(&c["b"].voids) != 0 {
		t.Errorf("cancel while b's outcome is unknown: got %v, %s, %d voids at b; want invalid_state, PENDING, none", err, q.Status, c["b"].voids)
	}
}

// TestSweepLeavesACallOutAlone: while card 2 is at the connector, the
// sweep does not ask the connector about the payment (which has not seen
// card 2 yet and would say no effect, dropping the claim), and card 3 is
// refused: one approval.
func TestSweepLeavesACallOutAlone(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`)
	c["a"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) { return acquirer.Result{}, errTimeout }
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-rv-5", ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	form := gateway.CardForm{CardNo: "4242424242424242", ExpiryMonth: "06", ExpiryYear: "2040", CVC: "123"}
	gw.Checkout.Pay(ctx, sess.SessionID, form)
	c["a"].resolve = func(acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{Code: "card_declined"}, nil
	}
	*now = now.Add(time.Minute)
	gw.Sweep(ctx)

	inCall, release := make(chan struct{}), make(chan struct{})
	var approvals int
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		c["a"].mu.Lock()
		approvals++
		first := approvals == 1
		c["a"].mu.Unlock()
		if first {
			close(inCall)
			<-release
		}
		return approve(req)
	}
	c["a"].resolve = func(acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{}, acquirer.ErrNoEffect // the connector has not seen card 2 yet
	}
	done := make(chan *paygate.Payment)
	go func() {
		form.CardNo = "5555555555554444"
		p, _ := gw.Checkout.Pay(ctx, sess.SessionID, form)
		done <- p
	}()
	<-inCall
	gw.Sweep(ctx) // card 2 is at the connector
	form.CardNo = "4000056655665556"
	p3, err3 := gw.Checkout.Pay(ctx, sess.SessionID, form)
	close(release)
	p2 := <-done
	if p2 == nil || p2.Status != paygate.StatusSucceeded || err3 != gateway.ErrInProgress {
		t.Errorf("card 2: %v; card 3: %v, %v; want card 2 paid and card 3 refused while card 2 was out", p2, p3, err3)
	}
	if approvals > 1 {
		t.Errorf("two cards approved at the connector for one payment")
	}
}
