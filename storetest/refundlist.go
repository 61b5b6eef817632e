package storetest

import (
	"reflect"
	"testing"
	"time"

	"paygate"
)

// testListRefunds: a merchant's refunds newest first (a tie in time goes
// by refundId), filtered by status, currency and time, paged by cursor,
// never another merchant's.
func testListRefunds(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	pa, pb := newPayment("m_a", "T_a", "O_a"), newPayment("m_b", "T_b", "O_b")
	eur := newPayment("m_a", "T_e", "O_e")
	eur.Amount.Currency = "EUR"
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{pa, pb, eur}})
	mk := func(p *paygate.Payment, id string, st paygate.RefundStatus, created time.Duration) *paygate.Refund {
		r := newRefund(p, id, "N_"+id, at(created))
		r.Status = st
		return r
	}
	mustApply(t, s, paygate.Change{Refunds: []*paygate.Refund{
		mk(pa, "R_1", paygate.RefundSucceeded, time.Minute),
		mk(pa, "R_3b", paygate.RefundFailed, 3*time.Minute),
		mk(pb, "R_b", paygate.RefundSucceeded, 2*time.Minute),
		mk(pa, "R_3a", paygate.RefundSucceeded, 3*time.Minute), // same millisecond as R_3b
		mk(eur, "R_2", paygate.RefundProcessing, 2*time.Minute),
	}})
	all := []string{"R_3b", "R_3a", "R_2", "R_1"}
	ids := func(rs []*paygate.Refund) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.RefundID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    paygate.RefundFilter
		want []string
	}{
		{"All", paygate.RefundFilter{}, all},
		{"Status", paygate.RefundFilter{Status: paygate.RefundSucceeded}, []string{"R_3a", "R_1"}},
		{"Currency", paygate.RefundFilter{Currency: "EUR"}, []string{"R_2"}},
		{"FromTo", paygate.RefundFilter{From: at(2 * time.Minute), To: at(3 * time.Minute)}, []string{"R_2"}},
		{"After", paygate.RefundFilter{After: paygate.RefundCursor{CreatedAt: at(3 * time.Minute), RefundID: "R_3b"}}, all[1:]},
	} {
		got, _, err := s.ListRefunds(ctx, "m_a", tc.f)
		if err != nil || !reflect.DeepEqual(ids(got), tc.want) {
			t.Errorf("%s: got %v, %v; want %v", tc.name, ids(got), err, tc.want)
		}
	}
	var got []string
	f := paygate.RefundFilter{Limit: 3}
	for {
		page, next, err := s.ListRefunds(ctx, "m_a", f)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(page)...)
		if next.IsZero() {
			break
		}
		f.After = next
	}
	if !reflect.DeepEqual(got, all) {
		t.Errorf("pages of 3: got %v, want %v", got, all)
	}
}
