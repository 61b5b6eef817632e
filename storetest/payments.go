package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"paygate"
)

// listed returns a store holding payments of m_a created in neither time
// nor id order, two of them at the same millisecond, and one of m_b; and
// m_a's tradeNos newest first.
func listed(t *testing.T, open func(t *testing.T) paygate.Store) (paygate.Store, []string) {
	t.Helper()
	s := open(t)
	mk := func(merchantID, tradeNo string, st paygate.Status, created time.Duration) *paygate.Payment {
		p := newPayment(merchantID, tradeNo, "O_"+tradeNo)
		p.Status, p.CreatedAt = st, at(created)
		return p
	}
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{
		mk("m_a", "T_3", paygate.StatusSucceeded, 3*time.Minute),
		mk("m_a", "T_1", paygate.StatusPending, time.Minute),
		mk("m_b", "T_b", paygate.StatusSucceeded, 2*time.Minute),
		mk("m_a", "T_5b", paygate.StatusSucceeded, 5*time.Minute),
	}})
	wechat := mk("m_a", "T_2", paygate.StatusSucceeded, 2*time.Minute) // a CNY wallet payment, no card
	wechat.PaymentMethodType, wechat.Amount.Currency, wechat.Card = paygate.MethodWeChat, "CNY", nil
	other := mk("m_a", "T_4", paygate.StatusPending, 4*time.Minute+time.Millisecond)
	other.OrderNo, other.Card.Last4 = "X_"+other.TradeNo, "1111"
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{
		mk("m_a", "T_5a", paygate.StatusFailed, 5*time.Minute), // same millisecond as T_5b
		wechat,
		other,
	}})
	return s, []string{"T_5b", "T_5a", "T_4", "T_3", "T_2", "T_1"}
}

func mustPayments(t *testing.T, s paygate.Store, merchantID string, f paygate.PaymentFilter) ([]*paygate.Payment, paygate.PaymentCursor) {
	t.Helper()
	ps, next, err := s.Payments(t.Context(), merchantID, f)
	if err != nil {
		t.Fatalf("Payments %+v: %v", f, err)
	}
	return ps, next
}

func testPaymentsFilter(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, all := listed(t, open)
	for _, tc := range []struct {
		name string
		f    paygate.PaymentFilter
		want []string
	}{
		{"All", paygate.PaymentFilter{}, all},
		{"Status", paygate.PaymentFilter{Status: paygate.StatusSucceeded}, []string{"T_5b", "T_3", "T_2"}},
		{"StatusNone", paygate.PaymentFilter{Status: paygate.StatusRefunded}, nil},
		{"From", paygate.PaymentFilter{From: at(4*time.Minute + time.Millisecond)}, []string{"T_5b", "T_5a", "T_4"}},
		{"To", paygate.PaymentFilter{To: at(3 * time.Minute)}, []string{"T_2", "T_1"}},
		{"FromTo", paygate.PaymentFilter{From: at(2 * time.Minute), To: at(5 * time.Minute)}, []string{"T_4", "T_3", "T_2"}},
		{"StatusFromTo", paygate.PaymentFilter{Status: paygate.StatusPending, From: at(time.Minute), To: at(4 * time.Minute)}, []string{"T_1"}},
		{"Limit", paygate.PaymentFilter{Limit: 3}, all[:3]},
		{"NoLimit", paygate.PaymentFilter{Limit: 0}, all},
		{"NegativeLimit", paygate.PaymentFilter{Limit: -1}, all},
		{"After", paygate.PaymentFilter{After: paygate.PaymentCursor{CreatedAt: at(5 * time.Minute), TradeNo: "T_5b"}}, all[1:]},
		{"AfterTie", paygate.PaymentFilter{After: paygate.PaymentCursor{CreatedAt: at(5 * time.Minute), TradeNo: "T_5a"}}, all[2:]},
		{"AfterAbsent", paygate.PaymentFilter{After: paygate.PaymentCursor{CreatedAt: at(3 * time.Minute), TradeNo: "T_9"}}, all[3:]},
		{"AfterStatus", paygate.PaymentFilter{Status: paygate.StatusSucceeded,
			After: paygate.PaymentCursor{CreatedAt: at(5 * time.Minute), TradeNo: "T_5b"}}, []string{"T_3", "T_2"}},
		{"AfterLast", paygate.PaymentFilter{After: paygate.PaymentCursor{CreatedAt: at(time.Minute), TradeNo: "T_1"}}, nil},
		{"Method", paygate.PaymentFilter{Method: paygate.MethodWeChat}, []string{"T_2"}},
		{"Currency", paygate.PaymentFilter{Currency: "USD"}, []string{"T_5b", "T_5a", "T_4", "T_3", "T_1"}},
		{"OrderNoPrefix", paygate.PaymentFilter{OrderNoPrefix: "X_"}, []string{"T_4"}},
		{"OrderNoPrefixWhole", paygate.PaymentFilter{OrderNoPrefix: "O_T_5a"}, []string{"T_5a"}},
		{"OrderNoPrefixLonger", paygate.PaymentFilter{OrderNoPrefix: "O_T_5ab"}, nil},
		{"Last4", paygate.PaymentFilter{Last4: "1111"}, []string{"T_4"}},
		{"Last4Card", paygate.PaymentFilter{Last4: "4242", Status: paygate.StatusSucceeded}, []string{"T_5b", "T_3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, _ := mustPayments(t, s, "m_a", tc.f)
			if ids := tradeNos(got); !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("Payments: got %v, want %v", ids, tc.want)
			}
			for _, p := range got {
				checkPayment(t, p, mustPayment(t, s, "m_a", p.TradeNo))
			}
		})
	}
}

func testPaymentsPages(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, all := listed(t, open)
	for _, tc := range []struct {
		name  string
		f     paygate.PaymentFilter
		want  []string
		pages int
	}{
		{"ByTwo", paygate.PaymentFilter{Limit: 2}, all, 3}, // the last page is full, and last
		{"ByFour", paygate.PaymentFilter{Limit: 4}, all, 2},
		{"ByOne", paygate.PaymentFilter{Limit: 1}, all, 6},
		{"StatusByTwo", paygate.PaymentFilter{Limit: 2, Status: paygate.StatusSucceeded}, []string{"T_5b", "T_3", "T_2"}, 2},
		{"Whole", paygate.PaymentFilter{}, all, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var ids []string
			f, pages := tc.f, 0
			for {
				page, next := mustPayments(t, s, "m_a", f)
				ids = append(ids, tradeNos(page)...)
				pages++
				if next.IsZero() {
					break
				}
				if pages > len(all) {
					t.Fatalf("Payments: more than %d pages", pages)
				}
				if last := page[len(page)-1]; next.TradeNo != last.TradeNo || !next.CreatedAt.Equal(last.CreatedAt) {
					t.Errorf("next cursor: got %+v, want the last payment of the page, %s", next, last.TradeNo)
				}
				f.After = next
			}
			if !reflect.DeepEqual(ids, tc.want) || pages != tc.pages {
				t.Errorf("Payments page by page: got %v in %d pages, want %v in %d", ids, pages, tc.want, tc.pages)
			}
		})
	}
}

func testPaymentsIsolation(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, _ := listed(t, open)
	if got, _ := mustPayments(t, s, "m_b", paygate.PaymentFilter{}); !reflect.DeepEqual(tradeNos(got), []string{"T_b"}) {
		t.Errorf("Payments of m_b: got %v, want [T_b]", tradeNos(got))
	}
	for _, m := range []string{"m_unknown", ""} {
		if got, next := mustPayments(t, s, m, paygate.PaymentFilter{}); len(got) != 0 || !next.IsZero() {
			t.Errorf("Payments of %q: got %v and cursor %+v, want none", m, tradeNos(got), next)
		}
	}
}

func testPaymentsFollowUpdates(t *testing.T, open func(t *testing.T) paygate.Store) {
	// The status an update writes is the one the status filter sees.
	s, _ := listed(t, open)
	p := mustPayment(t, s, "m_a", "T_1")
	p.Version++
	if _, err := p.Transition(paygate.StatusSucceeded, at(time.Hour), "req_1"); err != nil {
		t.Fatalf("Transition: %v", err)
	}
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}})
	for st, want := range map[paygate.Status][]string{
		paygate.StatusSucceeded: {"T_5b", "T_3", "T_2", "T_1"},
		paygate.StatusPending:   {"T_4"},
	} {
		got, _ := mustPayments(t, s, "m_a", paygate.PaymentFilter{Status: st})
		if ids := tradeNos(got); !reflect.DeepEqual(ids, want) {
			t.Errorf("Payments %s: got %v, want %v", st, ids, want)
		}
	}
}

func testPaymentsMany(t *testing.T, open func(t *testing.T) paygate.Store) {
	// More payments than the largest page: pages of MaxPaymentPage.
	s := open(t)
	var ps []*paygate.Payment
	for i := range paygate.MaxPaymentPage + 1 {
		p := newPayment("m_a", fmt.Sprintf("T%03d", i), fmt.Sprintf("O%03d", i))
		p.CreatedAt = at(time.Duration(i) * time.Second)
		ps = append(ps, p)
	}
	mustApply(t, s, paygate.Change{Payments: ps})
	for _, limit := range []int{0, paygate.MaxPaymentPage + 1} {
		page, next := mustPayments(t, s, "m_a", paygate.PaymentFilter{Limit: limit})
		if len(page) != paygate.MaxPaymentPage || page[0].TradeNo != "T100" || next.TradeNo != "T001" {
			t.Fatalf("Payments limit %d: got %d payments from %s, next %+v, want %d from T100, next T001",
				limit, len(page), page[0].TradeNo, next, paygate.MaxPaymentPage)
		}
		rest, next := mustPayments(t, s, "m_a", paygate.PaymentFilter{Limit: limit, After: next})
		if ids := tradeNos(rest); !reflect.DeepEqual(ids, []string{"T000"}) || !next.IsZero() {
			t.Errorf("Payments limit %d, second page: got %v, next %+v, want [T000] and no next", limit, ids, next)
		}
	}
}

// testPayments checks Payments: a merchant's payments newest first, filtered
// and paged by cursor.
func testPayments(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"Filter", testPaymentsFilter},
		{"Pages", testPaymentsPages},
		{"Scan", testPaymentsScan},
		{"Isolation", testPaymentsIsolation},
		{"FollowsUpdates", testPaymentsFollowUpdates},
		{"Many", testPaymentsMany},
	})
}

// testPaymentsScan: a filter no index serves walks at most Scan payments a
// page; a page that stops there holds what it found (even nothing) and a
// cursor after the last payment it looked at, so the pages together hold
// each match once; a walk that reaches the list's end ends the listing.
func testPaymentsScan(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, all := listed(t, open)
	usd := []string{"T_5b", "T_5a", "T_4", "T_3", "T_1"}
	for _, tc := range []struct {
		name  string
		f     paygate.PaymentFilter
		want  []string
		sizes []int // the number of payments on each page
	}{
		{"ByTwo", paygate.PaymentFilter{Currency: "USD", Scan: 2}, usd, []int{2, 2, 1}},
		{"EmptyPages", paygate.PaymentFilter{Method: paygate.MethodWeChat, Scan: 2, Limit: 1}, []string{"T_2"}, []int{0, 0, 1}},
		{"ExactlyTheList", paygate.PaymentFilter{Method: paygate.MethodWeChat, Scan: 6}, []string{"T_2"}, []int{1}},
		{"PageFillsFirst", paygate.PaymentFilter{Currency: "USD", Scan: 4, Limit: 2}, usd, []int{2, 2, 1}},
		{"OnlyNarrowed", paygate.PaymentFilter{Scan: 2}, all, []int{6}},
		{"WithStatus", paygate.PaymentFilter{Status: paygate.StatusSucceeded, Last4: "4242", Scan: 1}, []string{"T_5b", "T_3"}, []int{1, 1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var ids []string
			var sizes []int
			f := tc.f
			for {
				page, next := mustPayments(t, s, "m_a", f)
				ids = append(ids, tradeNos(page)...)
				sizes = append(sizes, len(page))
				if next.IsZero() {
					break
				}
				if len(sizes) > len(all) {
					t.Fatalf("Payments: more than %d pages", len(sizes))
				}
				f.After = next
			}
			if !reflect.DeepEqual(ids, tc.want) || !reflect.DeepEqual(sizes, tc.sizes) {
				t.Errorf("Payments page by page: got %v in pages of %v, want %v in pages of %v", ids, sizes, tc.want, tc.sizes)
			}
		})
	}
}
