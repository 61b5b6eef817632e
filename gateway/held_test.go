package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/wire"
)

// TestCashierWaitsForThePendingCard: on the cashier page, while a card's
// outcome waits at the connector, no other card is tried (a second
// connector could charge it while the first still may).
func TestCashierWaitsForThePendingCard(t *testing.T) {
	gw, ctx, _, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`)
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{AcquirerRef: "pi-" + req.Reference, Pending: true}, nil
	}
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-cashier-1",
		ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	form := gateway.CardForm{CardNo: "4242424242424242", ExpiryMonth: "06", ExpiryYear: "2030", CVC: "123", HolderName: "A B"}
	p, err := gw.Checkout.Pay(ctx, sess.SessionID, form)
	if err != nil || p.Status != paygate.StatusPending || outcomes(p) != "[a:pending]" {
		t.Fatalf("first card: got %v, %v", p, err)
	}
	form.CardNo = "5555555555554444"
	if _, err := gw.Checkout.Pay(ctx, sess.SessionID, form); err != gateway.ErrInProgress {
		t.Errorf("a second card while the first is pending: got %v, want ErrInProgress", err)
	}
	if n := c["a"].count(&c["a"].authorizes); n != 1 {
		t.Errorf("authorizations: got %d, want 1", n)
	}
}

// TestCancelHeld: a merchant's cancel of a payment pending at the
// connector voids it there first; one whose outcome is unknown is refused
// until the connector answers.
func TestCancelHeld(t *testing.T) {
	gw, ctx, _, c := routedGateway(t, routeAB)
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{AcquirerRef: "pi-" + req.Reference, Pending: true}, nil
	}
	p := pay(t, gw, ctx, "order-cancel-1", "auto")
	q, err := gw.Payments.Cancel(ctx, &wire.CancelRequest{OrderRef: wire.OrderRef{TradeNo: p.TradeNo}}, "")
	if err != nil || q.Status != paygate.StatusCancelled || c["a"].count(&c["a"].voids) != 1 {
		t.Fatalf("cancel of a pending payment: got %v, %v, %d voids; want CANCELLED after a void at a", q, err, c["a"].voids)
	}
	c["a"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) { return acquirer.Result{}, errTimeout }
	p = pay(t, gw, ctx, "order-cancel-2", "auto")
	if _, err := gw.Payments.Cancel(ctx, &wire.CancelRequest{OrderRef: wire.OrderRef{TradeNo: p.TradeNo}}, ""); paygate.ErrorCode(err) != paygate.EInvalidState {
		t.Errorf("cancel of an unknown outcome: got %v, want invalid_state", err)
	}
	c["a"].refuseVoid = true
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{AcquirerRef: "pi-" + req.Reference, Pending: true}, nil
	}
	p = pay(t, gw, ctx, "order-cancel-3", "auto")
	if _, err := gw.Payments.Cancel(ctx, &wire.CancelRequest{OrderRef: wire.OrderRef{TradeNo: p.TradeNo}}, ""); paygate.ErrorCode(err) != paygate.EInvalidState ||
		mustPayment(t, gw, ctx, p.TradeNo).Status != paygate.StatusPending {
		t.Errorf("cancel the connector refuses to release: got %v, want invalid_state and the payment still PENDING", err)
	}
}

// TestAbandonRefusedVoid: a customer who never came back from the
// connector's 3-D Secure: the sweep voids at the connector, and only then
// expires the payment; a refused void (the customer just finished) leaves
// it for the next question, which records the approval.
func TestAbandonRefusedVoid(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`, withOwnThreeDS)
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{AcquirerRef: "pi-" + req.Reference, RedirectURL: "https://stripe.example/3ds"}, nil
	}
	c["a"].resolve = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{AcquirerRef: req.AcquirerRef, RedirectURL: "https://stripe.example/3ds"}, nil
	}
	c["a"].refuseVoid = true
	p := pay(t, gw, ctx, "order-abandon-1", "auto")
	if p.Status != paygate.StatusRequiresAction {
		t.Fatalf("got %s, want REQUIRES_ACTION", p.Status)
	}
	*now = now.Add(31 * time.Minute)
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustPayment(t, gw, ctx, p.TradeNo); got.Status != paygate.StatusRequiresAction || c["a"].count(&c["a"].voids) != 1 {
		t.Fatalf("after a refused void: got %s, %d voids; want it still waiting", got.Status, c["a"].voids)
	}
	c["a"].resolve = approve
	*now = now.Add(time.Hour)
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustPayment(t, gw, ctx, p.TradeNo); got.Status != paygate.StatusSucceeded {
		t.Errorf("after the connector says approved: got %s, want SUCCEEDED", got.Status)
	}
}

// TestHeldTooLong: past 23 hours a payment the connector never named is
// no longer asked about under its own reference (the connector could take
// the question for a new payment): it stays as it is for an operator.
func TestHeldTooLong(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, routeAB)
	c["a"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) { return acquirer.Result{}, errTimeout }
	p := pay(t, gw, ctx, "order-long-1", "auto")
	*now = now.Add(24 * time.Hour)
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustPayment(t, gw, ctx, p.TradeNo); got.Status != paygate.StatusPending || c["a"].count(&c["a"].resolves) != 0 {
		t.Errorf("after 24 h: got %s, %d questions; want PENDING, not asked", got.Status, c["a"].resolves)
	}
}

// TestNoFailoverAcrossThreeDS: a payment to be authenticated never goes on
// from a connector that runs 3-D Secure itself to one that does not (it
// would be charged unauthenticated).
func TestNoFailoverAcrossThreeDS(t *testing.T) {
	var c map[string]*scripted
	gw, ctx, _, c := routedGateway(t, routeAB, func(s *scripted) acquirer.Acquirer {
		if s == c["a"] {
			return withOwnThreeDS(s)
		}
		return s
	})
	c["a"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{}, fmt.Errorf("refused: %w", acquirer.ErrNoEffect)
	}
	p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-3ds-fo",
		PaymentMethodType: "card", ThreeDsMode: "standard",
		Card:       &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2030", FirstName: "A", LastName: "B"},
		DeviceInfo: &wire.DeviceInfo{ClientIP: "10.1.1.1", Language: "en-US"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != paygate.StatusFailed || p.FailureCode != "processing_error" || c["b"].count(&c["b"].authorizes) != 0 {
		t.Errorf("got %s %s, b called %d times; want FAILED processing_error, b never called", p.Status, p.FailureCode, c["b"].authorizes)
	}
}

// TestEventOnAnOpenCashierPayment: on the cashier page a card was declined
// and the page waits for another; the connector's event says the payment
// was approved after all (a confirmation read as declined, then taken):
// asked, the connector confirms, and the payment is recorded paid.
func TestEventOnAnOpenCashierPayment(t *testing.T) {
	gw, ctx, _, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`, withOwnThreeDS)
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{Code: "card_declined", Message: "no", AcquirerRef: "pi-" + req.Reference}, nil
	}
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-open-1",
		ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := gw.Checkout.Pay(ctx, sess.SessionID, gateway.CardForm{CardNo: "4242424242424242", ExpiryMonth: "06", ExpiryYear: "2030",
		CVC: "123", HolderName: "A B"})
	if err != nil || p.Status != paygate.StatusPending || p.FailureCode != "card_declined" {
		t.Fatalf("first card: got %+v, %v; want PENDING after a decline", p, err)
	}
	c["a"].resolve = approve
	b, _ := json.Marshal(map[string]any{"ID": "evt_open", "TradeNo": p.TradeNo, "Outcome": "approved", "Attempt": 1})
	if _, err := gw.Connectors.Webhook(ctx, "a", b, http.Header{"Sig": {"good"}}); err != nil {
		t.Fatal(err)
	}
	if got := mustPayment(t, gw, ctx, p.TradeNo); got.Status != paygate.StatusSucceeded {
		t.Errorf("after the connector confirmed the approval: got %s, want SUCCEEDED", got.Status)
	}
}

// TestEarlierCardApprovedGivenBack: each card of the cashier page is its
// own authorization at the connector (Attempt). An approval of an earlier
// card, reported while the page has moved on to another, is given back,
// once, and the payment goes on with the card it holds.
func TestEarlierCardApprovedGivenBack(t *testing.T) {
	gw, ctx, _, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`, withOwnThreeDS)
	var attempts []int
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		attempts = append(attempts, req.Attempt)
		if req.Attempt == 1 {
			return acquirer.Result{Code: "card_declined", Message: "no", AcquirerRef: "pi-1"}, nil
		}
		return acquirer.Result{AcquirerRef: "pi-2", Pending: true}, nil
	}
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-earlier-1",
		ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	form := gateway.CardForm{CardNo: "4242424242424242", ExpiryMonth: "06", ExpiryYear: "2030", CVC: "123", HolderName: "A B"}
	if _, err := gw.Checkout.Pay(ctx, sess.SessionID, form); err != nil {
		t.Fatal(err)
	}
	form.CardNo = "5555555555554444"
	p, err := gw.Checkout.Pay(ctx, sess.SessionID, form)
	if err != nil || p.Status != paygate.StatusPending || fmt.Sprint(attempts) != "[1 2]" {
		t.Fatalf("second card: %v, %v, attempts %v; want PENDING after attempts 1 and 2", p, err, attempts)
	}
	var asked []string
	c["a"].resolve = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		asked = append(asked, fmt.Sprintf("%s#%d", req.AcquirerRef, req.Attempt))
		return acquirer.Result{Approved: true, AcquirerRef: req.AcquirerRef}, nil
	}
	for range 2 { // and again: given back once
		b, _ := json.Marshal(map[string]any{"ID": "evt_card1", "TradeNo": p.TradeNo, "Outcome": "approved", "Attempt": 1, "Ref": "pi-1"})
		if _, err := gw.Connectors.Webhook(ctx, "a", b, http.Header{"Sig": {"good"}}); err != nil {
			t.Fatal(err)
		}
	}
	q := mustPayment(t, gw, ctx, p.TradeNo)
	if fmt.Sprint(asked) != "[pi-1#1]" || c["a"].count(&c["a"].refunds) != 1 || c["a"].lastRefundRef != "pi-1" ||
		q.Status != paygate.StatusPending || q.CardAttempts != 2 {
		t.Errorf("asked %v, %d refunds (last of %q), payment %s after %d cards; want card 1 asked and given back once, the payment still on card 2",
			asked, c["a"].refunds, c["a"].lastRefundRef, q.Status, q.CardAttempts)
	}
}
