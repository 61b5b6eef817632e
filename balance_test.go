package paygate

import (
	"math"
	"testing"
)

// TestRefundBalance: a reservation settles into refunded or back into the
// refundable amount; another currency or an overflow is an error that
// leaves the balance as it was.
func TestRefundBalance(t *testing.T) {
	p := &Payment{Amount: Money{Minor: 1000, Currency: "USD"}, CapturedMinor: 1000}
	usd := func(n int64) Money { return Money{Minor: n, Currency: "USD"} }
	if err := p.ReserveRefund(usd(400)); err != nil {
		t.Fatal(err)
	}
	if left, _ := p.RefundableAmount(); left != usd(600) {
		t.Errorf("refundable after reserving 4.00: got %v, want 6.00", left)
	}
	if err := p.SettleRefund(usd(400), false); err != nil || p.RefundingMinor != 0 || p.RefundedMinor != 0 {
		t.Errorf("a failed refund: got refunding %d refunded %d (%v), want 0 0", p.RefundingMinor, p.RefundedMinor, err)
	}
	p.ReserveRefund(usd(1000))
	if err := p.SettleRefund(usd(1000), true); err != nil || !p.FullyRefunded() || p.RefundingMinor != 0 {
		t.Errorf("a full refund: got refunded %d refunding %d (%v), want 1000 0", p.RefundedMinor, p.RefundingMinor, err)
	}
	before := [3]int64{p.CapturedMinor, p.RefundedMinor, p.RefundingMinor}
	now := func() [3]int64 { return [3]int64{p.CapturedMinor, p.RefundedMinor, p.RefundingMinor} }
	if err := p.ReserveRefund(Money{Minor: 1, Currency: "EUR"}); err == nil || now() != before {
		t.Errorf("another currency: got %v and %+v, want an error and no change", err, p)
	}
	p.RefundingMinor = math.MaxInt64
	before = now()
	if err := p.ReserveRefund(usd(1)); err == nil || now() != before {
		t.Errorf("an overflow: got %v and %+v, want an error and no change", err, p)
	}
}
