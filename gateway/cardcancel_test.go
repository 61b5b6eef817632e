package gateway_test

import (
	"context"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/wire"
)

// hookStore runs hook once, the first time a payment is read by orderNo:
// to slip another request in between a request's read and its write.
type hookStore struct {
	paygate.Store
	hook func()
}

func (h *hookStore) PaymentByOrderNo(ctx context.Context, m, o string) (*paygate.Payment, error) {
	p, err := h.Store.PaymentByOrderNo(ctx, m, o)
	if f := h.hook; f != nil {
		h.hook = nil
		f()
	}
	return p, err
}

// TestCancelRefusedUnderANewCard: the merchant's Cancel reads the cashier
// payment (card 1 declined, no claim), then the customer posts card 2
// (claim, call out). The cancel must not land over the live claim (card 2's
// answer would be lost, its approval never asked about): it is refused.
func TestCancelRefusedUnderANewCard(t *testing.T) {
	var hs *hookStore
	gw, ctx, now, c := routedGatewayWith(t, routedOptions{store: func(db paygate.Store) paygate.Store {
		hs = &hookStore{Store: db}
		return hs
	}}, `{"rules": [], "default": [{"connector": "a"}]}`)
	a := c["a"]
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-r3-c", ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	a.authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{Code: "insufficient_funds"}, nil
	}
	form := gateway.CardForm{CardNo: "4242424242424242", ExpiryMonth: "06", ExpiryYear: "2040", CVC: "123"}
	p, _ := gw.Checkout.Pay(ctx, sess.SessionID, form)
	inCall, release := make(chan struct{}), make(chan struct{})
	a.authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) {
		close(inCall)
		<-release
		return acquirer.Result{}, errTimeout
	}
	a.resolve = approve
	done := make(chan struct{})
	hs.hook = func() {
		go func() {
			f := form
			f.CardNo = "5555555555554444"
			gw.Checkout.Pay(ctx, sess.SessionID, f)
			close(done)
		}()
		<-inCall
	}
	if _, err := gw.Payments.Cancel(ctx, &wire.CancelRequest{OrderRef: wire.OrderRef{OrderNo: "order-r3-c"}}, ""); paygate.ErrorCode(err) != paygate.EInvalidState {
		t.Errorf("cancel while card 2 is out: got %v, want invalid_state", err)
	}
	close(release)
	<-done
	for range 5 {
		*now = now.Add(time.Hour)
		gw.Sweep(ctx)
	}
	got := mustPayment(t, gw, ctx, p.TradeNo)
	if got.Status == paygate.StatusCancelled && a.count(&a.resolves) == 0 {
		t.Errorf("CANCELLED over card 2's call (attempts %s); card 2's unknown outcome never asked about", outcomes(got))
	}
}
