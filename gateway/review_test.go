package gateway_test

import (
	"context"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/wire"
)

// hookedAcquirer runs hook once, inside the next authorization.
type hookedAcquirer struct {
	acquirer.Sandbox
	hook func()
}

func (a *hookedAcquirer) Authorize(ctx context.Context, req acquirer.AuthorizeRequest) (acquirer.Result, error) {
	if h := a.hook; h != nil {
		a.hook = nil
		h()
	}
	return a.Sandbox.Authorize(ctx, req)
}

// TestRenewedCardChangedDuringPayment: two token payments renew the same
// stored card's expiry while both are at the acquirer. The second to record
// loses the stored card's compare-and-set; it must build its update again
// (or drop it), not resend the stale card until the sweep voids an approved
// payment.
func TestRenewedCardChangedDuringPayment(t *testing.T) {
	acq := &hookedAcquirer{}
	gw, store, ctx, _ := newTestGateway(t, acq, nil)
	p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "100.00", Currency: "USD", OrderNo: "order-1",
		PaymentMethodType: "card", ThreeDsMode: "no", DeviceInfo: &wire.DeviceInfo{}, Billing: &wire.Billing{StoredCredentials: "store"},
		Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2030"}})
	if err != nil || p.TransactionIdentifier == "" {
		t.Fatalf("first payment: got %v %v, want a stored card", p, err)
	}
	txID := p.TransactionIdentifier
	token := func(orderNo, amount string) (*paygate.Payment, error) {
		q, _, err := gw.StoredCards.CreateTokenPayment(ctx, &wire.TokenPaymentRequest{Amount: amount, OrderNo: orderNo,
			TransactionIdentifier: txID, ExpiryMonth: "07", ExpiryYear: "2031", CustomerInitiatedReason: "UNSCHEDULED"})
		return q, err
	}
	var inner *paygate.Payment
	var innerErr error
	acq.hook = func() { inner, innerErr = token("order-3", "6.00") }
	outer, err := token("order-2", "5.00")
	if innerErr != nil || inner.Status != paygate.StatusSucceeded {
		t.Errorf("token payment made during the other: got %v %v, want SUCCEEDED", inner, innerErr)
	}
	if err != nil || outer.Status != paygate.StatusSucceeded {
		t.Fatalf("token payment whose card changed meanwhile: got %v %v, want SUCCEEDED", outer, err)
	}
	sc, err := store.StoredCard(ctx, paygate.MerchantID(ctx), txID)
	if err != nil || sc.ExpiryMonth != 7 || sc.ExpiryYear != 2031 {
		t.Errorf("stored card: got %+v %v, want the renewed expiry 07/2031", sc, err)
	}
}

// TestWalletRefundSentAgainToTheWallet: a wallet refund without an answer is
// sent again by the sweep to the wallet, never to the card acquirer.
func TestWalletRefundSentAgainToTheWallet(t *testing.T) {
	w := &flakySandbox{}
	gw, _, ctx, now := newTestGateway(t, w, w)
	p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "CNY", OrderNo: "order-w1",
		PaymentMethodType: "wechat", DeviceInfo: &wire.DeviceInfo{}, Wechat: &wire.WechatInput{AuthCode: "1345678901234567"}})
	if err != nil || p.Status != paygate.StatusSucceeded {
		t.Fatalf("wallet payment: got %v %v, want SUCCEEDED", p, err)
	}
	w.down.Store(true)
	r, _, err := gw.Payments.CreateRefund(ctx, &wire.RefundRequest{OrderRef: wire.OrderRef{OrderNo: "order-w1"}, Amount: "4",
		ClientIP: "1.1.1.1", Reason: "r", RefundNumber: "refund-w1"})
	if err != nil || r.Status != paygate.RefundProcessing {
		t.Fatalf("refund: got %v %v, want PROCESSING", r, err)
	}
	w.down.Store(false)
	*now = now.Add(2 * time.Minute)
	if _, err := gw.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	r, err = gw.Payments.Refund(ctx, "refund-w1")
	if err != nil || r.Status != paygate.RefundSucceeded {
		t.Errorf("refund after the sweep: got %v %v, want SUCCEEDED", r, err)
	}
	if got := w.cardRefunds.Load(); got != 0 {
		t.Errorf("card acquirer refunds: got %d, want 0", got)
	}
	if got := w.walletRefunds.Load(); got != 2 {
		t.Errorf("wallet refunds: got %d, want 2 (the failed one and the sweep's)", got)
	}
}
