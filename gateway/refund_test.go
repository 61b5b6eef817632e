package gateway_test

import (
	"testing"
	"time"

	"paygate"
	"paygate/wire"
)

// TestRefundWithoutAnswerIsSentAgain: a refund whose acquirer call had no
// answer stays PROCESSING with its amount reserved, and the sweep sends it
// again and settles it.
func TestRefundWithoutAnswerIsSentAgain(t *testing.T) {
	acq := &flakySandbox{}
	gw, _, ctx, now := newTestGateway(t, acq, nil)
	p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "100.00", Currency: "USD", OrderNo: "order-1",
		PaymentMethodType: "card", ThreeDsMode: "no", DeviceInfo: &wire.DeviceInfo{},
		Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2030"}})
	if err != nil || p.Status != paygate.StatusSucceeded {
		t.Fatalf("payment: got %v %v, want SUCCEEDED", p, err)
	}
	acq.down.Store(true)
	r, _, err := gw.Payments.CreateRefund(ctx, &wire.RefundRequest{OrderRef: wire.OrderRef{OrderNo: "order-1"}, Amount: "40",
		ClientIP: "1.1.1.1", Reason: "r", RefundNumber: "refund-1"})
	if err != nil || r.Status != paygate.RefundProcessing {
		t.Fatalf("refund: got %v %v, want PROCESSING", r, err)
	}
	// The reservation holds: no more than the rest can be refunded meanwhile.
	if _, _, err := gw.Payments.CreateRefund(ctx, &wire.RefundRequest{OrderRef: wire.OrderRef{OrderNo: "order-1"}, Amount: "60.01",
		ClientIP: "1.1.1.1", Reason: "r", RefundNumber: "refund-2"}); paygate.ErrorCode(err) != paygate.EAmountExceeded {
		t.Errorf("refund above the rest: got %v, want amount_exceeded", err)
	}
	acq.down.Store(false)
	*now = now.Add(2 * time.Minute)
	if _, err := gw.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	r, err = gw.Payments.Refund(ctx, "refund-1")
	if err != nil || r.Status != paygate.RefundSucceeded {
		t.Fatalf("after the sweep: got %v %v, want SUCCEEDED", r, err)
	}
	pay, _, _ := gw.Payments.Payment(ctx, wire.OrderRef{OrderNo: "order-1"})
	if pay.Status != paygate.StatusPartiallyRefunded || pay.RefundedMinor != 4000 || pay.RefundingMinor != 0 {
		t.Errorf("payment: got %s refunded %d reserved %d, want PARTIALLY_REFUNDED 4000 0", pay.Status, pay.RefundedMinor, pay.RefundingMinor)
	}
}
