package gateway_test

import (
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/wire"
)

// TestDisputeDeadline: a dispute not answered by its deadline is lost by
// the sweep, and evidence after the deadline is refused.
func TestDisputeDeadline(t *testing.T) {
	gw, _, ctx, now := newTestGateway(t, &acquirer.Sandbox{}, nil)
	pay := func(orderNo string) *paygate.Payment {
		t.Helper()
		p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10", Currency: "JPY", OrderNo: orderNo,
			PaymentMethodType: "card", DeviceInfo: &wire.DeviceInfo{ClientIP: "203.0.113.9"},
			Card: &wire.CardInput{CardNo: acquirer.CardDisputed, CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}})
		if err != nil || p.DisputeStatus != paygate.DisputeNeedsResponse {
			t.Fatalf("payment: %+v %v", p, err)
		}
		return p
	}
	late, unanswered := pay("dsp-late"), pay("dsp-quiet")
	if d, err := gw.Disputes.Dispute(ctx, late.DisputeID); err != nil || d.FeeMinor != 15 || d.Amount.Minor != 10 {
		t.Fatalf("a JPY dispute: %+v %v, want a fee of 15 yen", d, err)
	}
	*now = now.Add(7*24*time.Hour - time.Minute)
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if d, _ := gw.Disputes.Dispute(ctx, unanswered.DisputeID); d.Status != paygate.DisputeNeedsResponse {
		t.Fatalf("before the deadline: %s", d.Status)
	}
	*now = now.Add(2 * time.Minute)
	_, err := gw.Disputes.SubmitEvidence(ctx, late.DisputeID, &wire.EvidenceRequest{Evidence: "winning_evidence"})
	if paygate.ErrorCode(err) != paygate.EInvalidState {
		t.Errorf("evidence after the deadline: %v, want invalid_state", err)
	}
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*paygate.Payment{late, unanswered} {
		d, err := gw.Disputes.Dispute(ctx, p.DisputeID)
		if err != nil || d.Status != paygate.DisputeLost || d.ClosedAt == nil {
			t.Errorf("after the deadline: %+v %v, want LOST", d, err)
		}
		if q, _, err := gw.Payments.Payment(ctx, wire.OrderRef{TradeNo: p.TradeNo}); err != nil || q.DisputeStatus != paygate.DisputeLost {
			t.Errorf("its payment: %+v %v, want disputeStatus LOST", q, err)
		}
	}
}
