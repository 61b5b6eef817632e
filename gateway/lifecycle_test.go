package gateway_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/wire"
)

// countingAcquirer counts authorizations, each taking a moment, so that
// concurrent callers overlap.
type countingAcquirer struct {
	acquirer.Sandbox
	auths atomic.Int32
}

func (c *countingAcquirer) Authorize(ctx context.Context, req acquirer.AuthorizeRequest) (acquirer.Result, error) {
	c.auths.Add(1)
	time.Sleep(20 * time.Millisecond)
	return c.Sandbox.Authorize(ctx, req)
}

// challenged creates a card payment that waits for its 3-D Secure challenge
// and returns it with the challenge's token.
func challenged(t *testing.T, gw *gateway.Service, ctx context.Context, orderNo string, store bool) (*paygate.Payment, string) {
	t.Helper()
	req := &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: orderNo, PaymentMethodType: "card",
		ThreeDsMode: "auto", DeviceInfo: &wire.DeviceInfo{},
		Card: &wire.CardInput{CardNo: acquirer.CardChallenge, CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}}
	if store {
		req.Billing = &wire.Billing{StoredCredentials: "store"}
	}
	p, _, err := gw.Payments.CreatePayment(ctx, req)
	if err != nil || p.Status != paygate.StatusRequiresAction || p.NextAction == nil {
		t.Fatalf("payment: got %v %v, want REQUIRES_ACTION", p, err)
	}
	_, token, _ := strings.Cut(p.NextAction.URL, "/3ds/")
	return p, token
}

// TestChallengeAnsweredTwice: two answers to one challenge (a double click,
// two tabs) authorize once.
func TestChallengeAnsweredTwice(t *testing.T) {
	acq := &countingAcquirer{}
	gw, _, ctx, _ := newTestGateway(t, acq, nil)
	_, token := challenged(t, gw, ctx, "order-3ds-1", false)
	ch, err := gw.Checkout.ChallengePage(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if _, err := gw.Checkout.CompleteChallenge(context.Background(), token, true, ch.Code); err != nil {
				t.Errorf("answer: %v", err)
			}
		})
	}
	wg.Wait()
	if got := acq.auths.Load(); got != 1 {
		t.Errorf("authorizations: got %d, want 1", got)
	}
	p, _, err := gw.Payments.Payment(ctx, wire.OrderRef{OrderNo: "order-3ds-1"})
	if err != nil || p.Status != paygate.StatusSucceeded {
		t.Errorf("payment: got %v %v, want SUCCEEDED", p, err)
	}
}

// TestChallengeAnsweredLate: an answer after the challenge's deadline
// expires the payment, even before the sweep has run.
func TestChallengeAnsweredLate(t *testing.T) {
	acq := &countingAcquirer{}
	gw, _, ctx, now := newTestGateway(t, acq, nil)
	_, token := challenged(t, gw, ctx, "order-3ds-2", false)
	ch, err := gw.Checkout.ChallengePage(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(2 * time.Hour)
	p, err := gw.Checkout.CompleteChallenge(context.Background(), token, true, ch.Code)
	if err != nil || p.Status != paygate.StatusExpired || p.FailureCode != "authentication_abandoned" {
		t.Errorf("late answer: got %v %v, want EXPIRED authentication_abandoned", p, err)
	}
	if got := acq.auths.Load(); got != 0 {
		t.Errorf("authorizations: got %d, want none", got)
	}
}

// TestChallengedCardIsStored: a card to store that goes through a challenge
// is stored once the authorization after it succeeds.
func TestChallengedCardIsStored(t *testing.T) {
	gw, _, ctx, _ := newTestGateway(t, &countingAcquirer{}, nil)
	_, token := challenged(t, gw, ctx, "order-3ds-3", true)
	ch, err := gw.Checkout.ChallengePage(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	p, err := gw.Checkout.CompleteChallenge(context.Background(), token, true, ch.Code)
	if err != nil || p.Status != paygate.StatusSucceeded || p.TransactionIdentifier == "" {
		t.Fatalf("after the challenge: got %+v %v, want SUCCEEDED with a transactionIdentifier", p, err)
	}
	q, _, err := gw.StoredCards.CreateTokenPayment(ctx, &wire.TokenPaymentRequest{Amount: "5.00", OrderNo: "order-3ds-4",
		TransactionIdentifier: p.TransactionIdentifier, ExpiryMonth: "06", ExpiryYear: "2040", CustomerInitiatedReason: "UNSCHEDULED"})
	if err != nil || q.Status != paygate.StatusSucceeded {
		t.Errorf("token payment on the stored card: got %v %v, want SUCCEEDED", q, err)
	}
}

// TestSessionLifecycleRules: a manual-capture session offers card only, a
// cancelled session payment expires its session, and an expired
// authorization cannot be captured.
func TestSessionLifecycleRules(t *testing.T) {
	w := &flakySandbox{}
	gw, _, ctx, now := newTestGateway(t, w, w)
	_, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "SGD", OrderNo: "order-s-1",
		CaptureMethod: "manual", PaymentMethodTypes: []string{"card", "payNow"}})
	if paygate.ErrorParam(err) != "paymentMethodTypes[1]" {
		t.Errorf("manual session with a wallet: got %v, want invalid_parameter paymentMethodTypes[1]", err)
	}
	sess, p, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "SGD", OrderNo: "order-s-2", CaptureMethod: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	if m := gw.Checkout.CheckoutMethods(sess, p); len(m) != 0 {
		t.Errorf("methods of a manual session: got %v, want card only", m)
	}
	if _, err := gw.Payments.Cancel(ctx, &wire.CancelRequest{OrderRef: wire.OrderRef{OrderNo: "order-s-2"}}, ""); err != nil {
		t.Fatal(err)
	}
	if sess, _, err := gw.Checkout.Session(ctx, sess.SessionID); err != nil || sess.Status != paygate.SessionExpired {
		t.Errorf("session of a cancelled payment: got %v %v, want EXPIRED", sess, err)
	}

	a, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-s-3",
		PaymentMethodType: "card", ThreeDsMode: "no", CaptureMethod: "manual", DeviceInfo: &wire.DeviceInfo{},
		Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}})
	if err != nil || a.Status != paygate.StatusAuthorized {
		t.Fatalf("manual payment: got %v %v, want AUTHORIZED", a, err)
	}
	*now = now.Add(8 * 24 * time.Hour)
	_, err = gw.Payments.Capture(ctx, &wire.CaptureRequest{OrderRef: wire.OrderRef{OrderNo: "order-s-3"}, CaptureAmount: "10.00"}, "")
	if paygate.ErrorCode(err) != paygate.EInvalidState {
		t.Errorf("capture of an expired authorization: got %v, want invalid_state", err)
	}
}

// TestTokenPaymentRepeatedAfterRevoke: the same token payment sent again
// after its card was revoked answers the stored payment; another body with
// that orderNo is duplicate_order_no, not not_found.
func TestTokenPaymentRepeatedAfterRevoke(t *testing.T) {
	gw, _, ctx, _ := newTestGateway(t, &countingAcquirer{}, nil)
	p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-r-1",
		PaymentMethodType: "card", ThreeDsMode: "no", DeviceInfo: &wire.DeviceInfo{}, Billing: &wire.Billing{StoredCredentials: "store"},
		Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}})
	if err != nil || p.TransactionIdentifier == "" {
		t.Fatalf("payment: got %v %v, want a stored card", p, err)
	}
	req := &wire.TokenPaymentRequest{Amount: "5.00", OrderNo: "order-r-2", TransactionIdentifier: p.TransactionIdentifier,
		ExpiryMonth: "06", ExpiryYear: "2040", CustomerInitiatedReason: "RECURRING"}
	first, created, err := gw.StoredCards.CreateTokenPayment(ctx, req)
	if err != nil || !created || first.Status != paygate.StatusSucceeded {
		t.Fatalf("token payment: got %v %v %v", first, created, err)
	}
	if _, err := gw.StoredCards.RevokeStoredCard(ctx, p.TransactionIdentifier); err != nil {
		t.Fatal(err)
	}
	again, created, err := gw.StoredCards.CreateTokenPayment(ctx, req)
	if err != nil || created || again.TradeNo != first.TradeNo {
		t.Errorf("repeat after revoke: got %v created=%v %v, want the stored payment", again, created, err)
	}
	other := *req
	other.Amount = "6.00"
	if _, _, err := gw.StoredCards.CreateTokenPayment(ctx, &other); paygate.ErrorCode(err) != paygate.EDuplicateOrderNo {
		t.Errorf("another body after revoke: got %v, want duplicate_order_no", err)
	}
	fresh := *req
	fresh.OrderNo = "order-r-3"
	if _, _, err := gw.StoredCards.CreateTokenPayment(ctx, &fresh); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("a new payment on the revoked card: got %v, want not_found", err)
	}
}

// TestTrackerOfACancelledOrder: the shipment of a cancelled order can be
// cancelled, not delivered.
func TestTrackerOfACancelledOrder(t *testing.T) {
	gw, _, ctx, _ := newTestGateway(t, &countingAcquirer{}, nil)
	if _, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-t-1",
		PaymentMethodType: "card", ThreeDsMode: "no", CaptureMethod: "manual", DeviceInfo: &wire.DeviceInfo{},
		Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := gw.Tracking.AddTracker(ctx, &wire.TrackerRequest{Carrier: "UPS", OrderNo: "order-t-1", ShipmentDate: "2026-11-25",
		ShipmentDirection: "FORWARD", ShippingStatus: "SHIPPED", TrackingNo: "TR-1", TrackingNumberType: "CARRIER_PROVIDED"}); err != nil {
		t.Fatal(err)
	}
	if _, err := gw.Payments.Cancel(ctx, &wire.CancelRequest{OrderRef: wire.OrderRef{OrderNo: "order-t-1"}}, ""); err != nil {
		t.Fatal(err)
	}
	status := func(to string) error {
		_, err := gw.Tracking.UpdateTracker(ctx, &wire.TrackerUpdateRequest{OrderNo: "order-t-1", TrackingNo: "TR-1",
			Items: []wire.PatchOp{{Op: "replace", Path: "/status", Value: []byte(`"` + to + `"`)}}}, "")
		return err
	}
	if err := status("DELIVERED"); paygate.ErrorCode(err) != paygate.EInvalidState {
		t.Errorf("delivered after the order was cancelled: got %v, want invalid_state", err)
	}
	if err := status("CANCELLED"); err != nil {
		t.Errorf("cancelled after the order was cancelled: got %v, want it done", err)
	}
}

// losingAnswers is a store that fails to save finished idempotent answers
// while lose is set, as a crash right after the effect's commit would.
type losingAnswers struct {
	paygate.Store
	lose atomic.Bool
}

func (l *losingAnswers) Apply(ctx context.Context, c paygate.Change) error {
	if l.lose.Load() && len(c.Idempotency) == 1 && c.Idempotency[0].Version > 1 {
		return errors.New("crashed before saving the answer")
	}
	return l.Store.Apply(ctx, c)
}

// TestIdempotentAnswerLost: a capture or cancel whose answer was never saved
// (the process died after the effect) answers its effect to the retry with
// the same key, not invalid_state.
func TestIdempotentAnswerLost(t *testing.T) {
	var ls *losingAnswers
	gw, _, ctx, now := newTestGateway(t, acquirer.Sandbox{}, nil, func(s paygate.Store) paygate.Store {
		ls = &losingAnswers{Store: s}
		return ls
	})
	for _, orderNo := range []string{"order-i-1", "order-i-2"} {
		if _, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: orderNo,
			PaymentMethodType: "card", ThreeDsMode: "no", CaptureMethod: "manual", DeviceInfo: &wire.DeviceInfo{},
			Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}}); err != nil {
			t.Fatal(err)
		}
	}
	capture := &wire.CaptureRequest{OrderRef: wire.OrderRef{OrderNo: "order-i-1"}, CaptureAmount: "10.00"}
	cancel := &wire.CancelRequest{OrderRef: wire.OrderRef{OrderNo: "order-i-2"}}
	ls.lose.Store(true)
	if p, err := gw.Payments.Capture(ctx, capture, "key-capture"); err != nil || p.Status != paygate.StatusSucceeded {
		t.Fatalf("capture: got %v %v", p, err)
	}
	if p, err := gw.Payments.Cancel(ctx, cancel, "key-cancel"); err != nil || p.Status != paygate.StatusCancelled {
		t.Fatalf("cancel: got %v %v", p, err)
	}
	ls.lose.Store(false)
	*now = now.Add(2 * time.Minute) // the unfinished keys are taken over
	if p, err := gw.Payments.Capture(ctx, capture, "key-capture"); err != nil || p.Status != paygate.StatusSucceeded {
		t.Errorf("capture retried: got %v %v, want the capture", p, err)
	}
	if p, err := gw.Payments.Cancel(ctx, cancel, "key-cancel"); err != nil || p.Status != paygate.StatusCancelled {
		t.Errorf("cancel retried: got %v %v, want the cancel", p, err)
	}
	// Without the key a second capture is still refused.
	if _, err := gw.Payments.Capture(ctx, capture, ""); paygate.ErrorCode(err) != paygate.EInvalidState {
		t.Errorf("capture again without the key: got %v, want invalid_state", err)
	}
}

// TestSessionExpiresDuringChallenge: a session that runs out while its
// payment waits for the challenge expires with it, EXPIRED
// authentication_abandoned, as a direct payment's unanswered challenge does.
func TestSessionExpiresDuringChallenge(t *testing.T) {
	gw, _, ctx, now := newTestGateway(t, &countingAcquirer{}, nil)
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-x-1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := gw.Checkout.Pay(context.Background(), sess.SessionID, gateway.CardForm{CardNo: acquirer.CardChallenge, ExpiryMonth: "06", ExpiryYear: "2040", CVC: "123"})
	if err != nil || p.Status != paygate.StatusRequiresAction {
		t.Fatalf("pay: got %v %v, want REQUIRES_ACTION", p, err)
	}
	*now = now.Add(3 * time.Hour)
	if _, err := gw.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	sess, p, err = gw.Checkout.Session(ctx, sess.SessionID)
	if err != nil || sess.Status != paygate.SessionExpired || p.Status != paygate.StatusExpired || p.FailureCode != "authentication_abandoned" {
		t.Errorf("after the session's deadline: got session %v, payment %v %s, %v; want EXPIRED and EXPIRED authentication_abandoned", sess.Status, p.Status, p.FailureCode, err)
	}
}

// oddAcquirer fails the next 3-D Secure completion (no answer) while
// failACS is set, and refuses every void.
type oddAcquirer struct {
	acquirer.Sandbox
	failACS atomic.Bool
}

func (o *oddAcquirer) CompleteChallenge(ctx context.Context, ref string, c acquirer.Card, passed bool) (*paygate.ThreeDS, error) {
	if o.failACS.CompareAndSwap(true, false) {
		return nil, errors.New("ACS unreachable")
	}
	return o.Sandbox.CompleteChallenge(ctx, ref, c, passed)
}

func (o *oddAcquirer) Void(ctx context.Context, ref string) (acquirer.Result, error) {
	return acquirer.Result{Code: "auth_expired", Message: "the authorization has lapsed"}, nil
}

// TestChallengeAnswerAfterAFault: an answer that could not reach the ACS
// gives the pending card back, so the customer's next answer goes through.
func TestChallengeAnswerAfterAFault(t *testing.T) {
	acq := &oddAcquirer{}
	gw, _, ctx, _ := newTestGateway(t, acq, nil)
	_, token := challenged(t, gw, ctx, "order-f-1", false)
	ch, err := gw.Checkout.ChallengePage(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	acq.failACS.Store(true)
	if _, err := gw.Checkout.CompleteChallenge(context.Background(), token, true, ch.Code); err == nil {
		t.Fatal("answer while the ACS is away: got no error")
	}
	p, err := gw.Checkout.CompleteChallenge(context.Background(), token, true, ch.Code)
	if err != nil || p.Status != paygate.StatusSucceeded {
		t.Errorf("answer again: got %v %v, want SUCCEEDED", p, err)
	}
}

// TestRefusedVoidExpires: an expired authorization whose void the acquirer
// refuses still expires (it stayed AUTHORIZED for ever, and such payments
// crowded every sweep).
func TestRefusedVoidExpires(t *testing.T) {
	gw, _, ctx, now := newTestGateway(t, &oddAcquirer{}, nil)
	if _, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-v-1",
		PaymentMethodType: "card", ThreeDsMode: "no", CaptureMethod: "manual", DeviceInfo: &wire.DeviceInfo{},
		Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}}); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(8 * 24 * time.Hour)
	if _, err := gw.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	if p, _, err := gw.Payments.Payment(ctx, wire.OrderRef{OrderNo: "order-v-1"}); err != nil || p.Status != paygate.StatusExpired {
		t.Errorf("after the sweep: got %v %v, want EXPIRED", p, err)
	}
}

// silentAcquirer counts authorizations and answers none (the outcome is
// unknown: a timeout after the request left).
type silentAcquirer struct {
	acquirer.Sandbox
	auths atomic.Int32
}

func (s *silentAcquirer) Authorize(ctx context.Context, req acquirer.AuthorizeRequest) (acquirer.Result, error) {
	s.auths.Add(1)
	return acquirer.Result{}, errors.New("timeout")
}

// TestCashierNoSecondAttemptAfterNoAnswer: once an attempt's outcome is
// unknown, the cashier page takes no other attempt, even after its claim's
// minute: the first may have charged the card.
func TestCashierNoSecondAttemptAfterNoAnswer(t *testing.T) {
	acq := &silentAcquirer{}
	gw, _, ctx, now := newTestGateway(t, acq, nil)
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-c-1", ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	form := gateway.CardForm{CardNo: "4242424242424242", ExpiryMonth: "06", ExpiryYear: "2040", CVC: "123"}
	if _, err := gw.Checkout.Pay(context.Background(), sess.SessionID, form); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(2 * time.Minute)
	if _, err := gw.Checkout.Pay(context.Background(), sess.SessionID, form); !errors.Is(err, gateway.ErrInProgress) {
		t.Errorf("second attempt: got %v, want ErrInProgress", err)
	}
	if got := acq.auths.Load(); got != 1 {
		t.Errorf("authorizations: got %d, want 1", got)
	}
}

// answerCounter counts the challenge outcomes sent to the ACS, and the
// authorizations.
type answerCounter struct {
	countingAcquirer
	passed, failed atomic.Int32
}

func (a *answerCounter) CompleteChallenge(ctx context.Context, ref string, c acquirer.Card, passed bool) (*paygate.ThreeDS, error) {
	if passed {
		a.passed.Add(1)
	} else {
		a.failed.Add(1)
	}
	return a.countingAcquirer.CompleteChallenge(ctx, ref, c, passed)
}

// outcome is a payment's status and failure code, for messages.
func outcome(p *paygate.Payment) string {
	if p == nil {
		return "no payment"
	}
	return string(p.Status) + " " + p.FailureCode
}

// TestChallengeWrongCodes: the ACS page takes 4 wrong codes, each
// answered invalid_parameter with the tries left; the 5th fails the
// authentication as the "fail" button does (FAILED authentication_failed,
// through the ACS), and the right code after it changes nothing.
func TestChallengeWrongCodes(t *testing.T) {
	acq := &answerCounter{}
	gw, _, ctx, _ := newTestGateway(t, acq, nil)
	_, token := challenged(t, gw, ctx, "order-w3ds-1", false)
	ch, err := gw.Checkout.ChallengePage(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 5; i++ {
		p, err := gw.Checkout.CompleteChallenge(context.Background(), token, true, "000000")
		if paygate.ErrorCode(err) != paygate.EInvalidParameter || paygate.ErrorParam(err) != "code" {
			t.Fatalf("wrong code %d: got %v, want invalid_parameter code", i, err)
		}
		if p == nil || p.Status != paygate.StatusRequiresAction || p.WrongChallengeCodes != i {
			t.Fatalf("wrong code %d: got %s, want the payment still REQUIRES_ACTION with %d wrong codes", i, outcome(p), i)
		}
		if ch, err := gw.Checkout.ChallengePage(ctx, token); err != nil || ch.TriesLeft != gateway.ChallengeCodeTries-i {
			t.Fatalf("page after wrong code %d: got %v, %v, want %d tries left", i, ch, err, gateway.ChallengeCodeTries-i)
		}
	}
	p, err := gw.Checkout.CompleteChallenge(context.Background(), token, true, "000000")
	if err != nil || p.Status != paygate.StatusFailed || p.FailureCode != "authentication_failed" {
		t.Fatalf("5th wrong code: got %s, %v, want FAILED authentication_failed", outcome(p), err)
	}
	if p.PendingCard != nil || p.NextAction != nil || p.WrongChallengeCodes != 5 || !strings.Contains(p.FailureMessage, "wrong") {
		t.Errorf("5th wrong code: got card kept %v, nextAction %v, %d wrong codes, %q; want the card erased, 5 and a message about wrong codes",
			p.PendingCard != nil, p.NextAction, p.WrongChallengeCodes, p.FailureMessage)
	}
	if ch, err := gw.Checkout.ChallengePage(ctx, token); err != nil || ch.TriesLeft != 0 {
		t.Errorf("page after: got %v, %v, want no tries left", ch, err)
	}
	p, err = gw.Checkout.CompleteChallenge(context.Background(), token, true, ch.Code)
	if err != nil || p.Status != paygate.StatusFailed {
		t.Errorf("right code after: got %s, %v, want FAILED unchanged", outcome(p), err)
	}
	if got := acq.failed.Load(); got != 1 {
		t.Errorf("failed challenges sent to the ACS: got %d, want 1", got)
	}
	if got, auths := acq.passed.Load(), acq.auths.Load(); got != 0 || auths != 0 {
		t.Errorf("passed challenges, authorizations: got %d, %d, want none", got, auths)
	}
}

// TestChallengeWrongCodesConcurrent: wrong codes sent at once (a script, many
// tabs) get no more than 5 tries between them, and the right code sent with
// them cannot slip past the 5th.
func TestChallengeWrongCodesConcurrent(t *testing.T) {
	acq := &answerCounter{}
	gw, _, ctx, _ := newTestGateway(t, acq, nil)
	_, token := challenged(t, gw, ctx, "order-w3ds-2", false)
	var wrong atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := gw.Checkout.CompleteChallenge(context.Background(), token, true, "000000")
			switch paygate.ErrorCode(err) {
			case paygate.EInvalidParameter:
				wrong.Add(1)
			case "":
			default:
				t.Errorf("wrong code: got %v, want nil or invalid_parameter", err)
			}
		})
	}
	wg.Wait()
	if got := wrong.Load(); got != 4 {
		t.Errorf("wrong codes answered as such: got %d, want 4 (the 5th fails the payment)", got)
	}
	ch, err := gw.Checkout.ChallengePage(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if p := ch.Payment; p.Status != paygate.StatusFailed || p.FailureCode != "authentication_failed" || p.WrongChallengeCodes != 5 {
		t.Errorf("after: got %s with %d wrong codes, want FAILED authentication_failed with 5", outcome(p), p.WrongChallengeCodes)
	}
	if p, err := gw.Checkout.CompleteChallenge(context.Background(), token, true, ch.Code); err != nil || p.Status != paygate.StatusFailed {
		t.Errorf("right code after: got %s, %v, want FAILED unchanged", outcome(p), err)
	}
	if got, passed := acq.failed.Load(), acq.passed.Load(); got != 1 || passed != 0 {
		t.Errorf("challenges sent to the ACS: got %d failed, %d passed, want 1 failed", got, passed)
	}
}

// TestSessionChallengeWrongCodes: on the cashier page's payment, the 5th
// wrong code fails the payment and completes the session, as "fail" does.
func TestSessionChallengeWrongCodes(t *testing.T) {
	gw, _, ctx, _ := newTestGateway(t, &answerCounter{}, nil)
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-w3ds-3"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := gw.Checkout.Pay(context.Background(), sess.SessionID, gateway.CardForm{CardNo: acquirer.CardChallenge, ExpiryMonth: "06", ExpiryYear: "2040", CVC: "123"})
	if err != nil || p.Status != paygate.StatusRequiresAction {
		t.Fatalf("pay: got %v %v, want REQUIRES_ACTION", p, err)
	}
	_, token, _ := strings.Cut(p.NextAction.URL, "/3ds/")
	for range 5 {
		p, err = gw.Checkout.CompleteChallenge(context.Background(), token, true, "000000")
	}
	if err != nil || p.Status != paygate.StatusFailed || p.FailureCode != "authentication_failed" {
		t.Fatalf("5th wrong code: got %s, %v, want FAILED authentication_failed", outcome(p), err)
	}
	sess, p, err = gw.Checkout.Session(ctx, sess.SessionID)
	if err != nil || sess.Status != paygate.SessionComplete || p.Status != paygate.StatusFailed {
		t.Errorf("after: got session %v, payment %v, %v; want COMPLETE and FAILED", sess.Status, p.Status, err)
	}
}

// TestChallengeLastWrongCodeAfterAFault: when the failure of the last wrong
// code cannot reach the ACS, the card is given back but the tries stay used
// up: the next answer, even the right code, fails the authentication.
func TestChallengeLastWrongCodeAfterAFault(t *testing.T) {
	acq := &oddAcquirer{}
	gw, _, ctx, _ := newTestGateway(t, acq, nil)
	_, token := challenged(t, gw, ctx, "order-w3ds-4", false)
	for range 4 {
		if _, err := gw.Checkout.CompleteChallenge(context.Background(), token, true, "000000"); paygate.ErrorCode(err) != paygate.EInvalidParameter {
			t.Fatalf("wrong code: got %v, want invalid_parameter", err)
		}
	}
	acq.failACS.Store(true)
	if _, err := gw.Checkout.CompleteChallenge(context.Background(), token, true, "000000"); paygate.ErrorCode(err) != paygate.EInternal {
		t.Fatalf("last wrong code while the ACS is away: got %v, want internal", err)
	}
	ch, err := gw.Checkout.ChallengePage(ctx, token)
	if err != nil || ch.Payment.Status != paygate.StatusRequiresAction || ch.Payment.PendingCard == nil || ch.TriesLeft != 0 {
		t.Fatalf("after the fault: got %v, %v, want REQUIRES_ACTION with the card given back and no tries left", ch, err)
	}
	p, err := gw.Checkout.CompleteChallenge(context.Background(), token, true, ch.Code)
	if err != nil || p.Status != paygate.StatusFailed || p.FailureCode != "authentication_failed" {
		t.Errorf("right code after: got %s, %v, want FAILED authentication_failed", outcome(p), err)
	}
}

// TestChallengeWrongCodeLate: a wrong code after the challenge ran out is
// an answer too late, not a try: the payment expires as the sweep would.
func TestChallengeWrongCodeLate(t *testing.T) {
	gw, _, ctx, now := newTestGateway(t, &countingAcquirer{}, nil)
	_, token := challenged(t, gw, ctx, "order-w3ds-5", false)
	*now = now.Add(2 * time.Hour)
	p, err := gw.Checkout.CompleteChallenge(context.Background(), token, true, "000000")
	if err != nil || p.Status != paygate.StatusExpired || p.FailureCode != "authentication_abandoned" || p.WrongChallengeCodes != 0 {
		t.Errorf("late wrong code: got %s, %v, want EXPIRED authentication_abandoned, no try counted", outcome(p), err)
	}
}
