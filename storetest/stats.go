package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"paygate"
)

// testStats: a merchant's payments and refunds add up by UTC day and
// currency, in the range asked and of that merchant only.
func testStats(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	day := 24 * time.Hour
	n := 0
	pay := func(merchant string, created time.Time, status paygate.Status, minor int64, currency, failure string) *paygate.Payment {
		n++
		p := newPayment(merchant, fmt.Sprintf("T%03d", n), fmt.Sprintf("ORDER-%03d", n))
		p.Status, p.Amount, p.CreatedAt, p.FailureCode = status, paygate.Money{Minor: minor, Currency: currency}, created, failure
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}})
		return p
	}
	a := pay("m_1", at(time.Hour), paygate.StatusSucceeded, 1_000, "USD", "")
	pay("m_1", at(2*time.Hour), paygate.StatusAuthorized, 2_000, "USD", "")
	pay("m_1", at(3*time.Hour), paygate.StatusFailed, 5_000, "USD", "card_declined")
	pay("m_1", at(4*time.Hour), paygate.StatusFailed, 700, "USD", "insufficient_funds")
	pay("m_1", at(5*time.Hour), paygate.StatusFailed, 600, "USD", "insufficient_funds")
	pay("m_1", at(6*time.Hour), paygate.StatusExpired, 9_999, "USD", "")
	pay("m_1", at(7*time.Hour), paygate.StatusRefunded, 300, "EUR", "")
	pay("m_1", at(8*time.Hour), paygate.StatusFailed, 100_000, "JPY", "card_declined") // 100,000 yen: not more than 50 dollars
	pay("m_1", at(day+time.Hour), paygate.StatusPartiallyRefunded, 4_000, "USD", "")
	pay("m_1", at(-time.Hour), paygate.StatusSucceeded, 1, "USD", "")  // before the range
	pay("m_1", at(2*day), paygate.StatusSucceeded, 1, "USD", "")       // at its end
	pay("m_2", at(time.Hour), paygate.StatusFailed, 1, "USD", "other") // another merchant's
	r1 := newRefund(a, "R1", "RN-0001", at(8*time.Hour))
	r1.Status, r1.Amount.Minor = paygate.RefundSucceeded, 400
	r2 := newRefund(a, "R2", "RN-0002", at(day+2*time.Hour))
	r2.Status, r2.Amount.Minor = paygate.RefundSucceeded, 100
	r3 := newRefund(a, "R3", "RN-0003", at(day+3*time.Hour))
	r3.Status = paygate.RefundFailed
	mustApply(t, s, paygate.Change{Refunds: []*paygate.Refund{r1, r2, r3}})

	got, err := s.Stats(ctx, "m_1", t0, at(2*day))
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	want := &paygate.Stats{
		Days: []paygate.DayStats{
			{Day: t0, Currency: "EUR", Count: 1, Approved: 1, VolumeMinor: 300},
			{Day: t0, Currency: "JPY", Count: 1, Declined: 1},
			{Day: t0, Currency: "USD", Count: 6, Approved: 2, Declined: 3, VolumeMinor: 3_000},
			{Day: at(day), Currency: "USD", Count: 1, Approved: 1, VolumeMinor: 4_000},
		},
		Refunds: []paygate.DayRefunds{
			{Day: t0, Currency: "USD", Count: 1, AmountMinor: 400},
			{Day: at(day), Currency: "USD", Count: 1, AmountMinor: 100},
		},
		Failures: []paygate.FailureStats{
			{Code: "card_declined", Currency: "JPY", Count: 1, AmountMinor: 100_000},
			{Code: "card_declined", Currency: "USD", Count: 1, AmountMinor: 5_000},
			{Code: "insufficient_funds", Currency: "USD", Count: 2, AmountMinor: 1_300},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Stats =\n%+v\nwant\n%+v", got, want)
	}
	empty, err := s.Stats(ctx, "m_3", t0, at(2*day))
	if err != nil || len(empty.Days)+len(empty.Refunds)+len(empty.Failures) != 0 {
		t.Errorf("Stats of a merchant without payments = %+v, %v", empty, err)
	}
}
