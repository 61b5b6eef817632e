package storetest

import (
	"reflect"
	"testing"
	"time"

	"paygate"
)

// refundsListed returns a store holding refunds of m_a, two of them at the
// same millisecond, one in EUR, and one of m_b; and m_a's refundIds newest
// first.
func refundsListed(t *testing.T, open func(t *testing.T) paygate.Store) (paygate.Store, []string) {
	t.Helper()
	s := open(t)
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
	return s, []string{"R_3b", "R_3a", "R_2", "R_1"}
}

// testListRefunds: a merchant's refunds newest first (a tie in time goes
// by refundId), filtered by status, currency and time, paged by cursor,
// never another merchant's.
func testListRefunds(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, all := refundsListed(t, open)
	ctx := t.Context()
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
		if err != nil || !reflect.DeepEqual(refundIDs(got), tc.want) {
			t.Errorf("%s: got %v, %v; want %v", tc.name, refundIDs(got), err, tc.want)
		}
	}
	var got []string
	f := paygate.RefundFilter{Limit: 3}
	for {
		page, next, err := s.ListRefunds(ctx, "m_a", f)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, refundIDs(page)...)
		if next.IsZero() {
			break
		}
		f.After = next
	}
	if !reflect.DeepEqual(got, all) {
		t.Errorf("pages of 3: got %v, want %v", got, all)
	}
}

// testListRefundsScan: status and currency narrow the walk, Scan refunds a
// page at most: a page can hold nothing and still go on.
func testListRefundsScan(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, all := refundsListed(t, open)
	for _, tc := range []struct {
		name  string
		f     paygate.RefundFilter
		want  []string
		sizes []int
	}{
		{"StatusScan", paygate.RefundFilter{Status: paygate.RefundSucceeded, Scan: 1}, []string{"R_3a", "R_1"}, []int{0, 1, 0, 1}},
		{"CurrencyScan", paygate.RefundFilter{Currency: "EUR", Scan: 2}, []string{"R_2"}, []int{0, 1}},
		{"ScanOnlyNarrowed", paygate.RefundFilter{Scan: 1}, all, []int{4}},
	} {
		var got []string
		var sizes []int
		f := tc.f
		for len(sizes) <= len(all) {
			page, next, err := s.ListRefunds(t.Context(), "m_a", f)
			if err != nil {
				t.Fatal(err)
			}
			got, sizes = append(got, refundIDs(page)...), append(sizes, len(page))
			if next.IsZero() {
				break
			}
			f.After = next
		}
		if !reflect.DeepEqual(got, tc.want) || !reflect.DeepEqual(sizes, tc.sizes) {
			t.Errorf("%s: got %v in pages of %v, want %v in pages of %v", tc.name, got, sizes, tc.want, tc.sizes)
		}
	}
}
