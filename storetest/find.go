package storetest

import (
	"testing"
	"time"

	"paygate"
)

// testFindPayments: an operator's search finds a payment by tradeNo or by
// orderNo across merchants, newest first, and nothing else.
func testFindPayments(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	for i, p := range []*paygate.Payment{
		newPayment("m_1", "T1", "ORDER-1"),
		newPayment("m_2", "T2", "ORDER-1"), // another merchant's orderNo, the same text
		newPayment("m_2", "T3", "T1"),      // an orderNo that is another payment's tradeNo
		newPayment("m_1", "T4", "ORDER-10"),
	} {
		p.CreatedAt = at(time.Duration(i) * time.Second)
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}})
	}
	for _, tc := range []struct {
		ref   string
		limit int
		want  string
	}{
		{"ORDER-1", 10, "T2 T1 "},
		{"T1", 10, "T3 T1 "},
		{"T1", 1, "T3 "},
		{"T4", 10, "T4 "},
		{"ORDER", 10, ""},
		{"", 10, ""},
	} {
		ps, err := s.FindPayments(ctx, tc.ref, tc.limit)
		if err != nil {
			t.Fatalf("FindPayments(%q): %v", tc.ref, err)
		}
		got := ""
		for _, p := range ps {
			got += p.TradeNo + " "
		}
		if got != tc.want {
			t.Errorf("FindPayments(%q, %d) = %q, want %q", tc.ref, tc.limit, got, tc.want)
		}
	}
}
