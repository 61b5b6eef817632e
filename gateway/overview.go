package gateway

import (
	"cmp"
	"context"
	"slices"
	"time"

	"paygate"
)

// OverviewDays is the span of the dashboard's overview, today included.
const OverviewDays = 30

// Overview is a merchant's last 30 days (UTC, today included) per
// currency, and the failure codes that cost the most.
type Overview struct {
	From, To   time.Time // the first day's midnight; tomorrow's
	Currencies []CurrencyOverview
	Failures   []paygate.FailureStats
}

// CurrencyOverview is one currency's overview: today's and the period's
// totals, and one point a day, oldest first, days without payments zero.
type CurrencyOverview struct {
	Currency     string
	Today, Month Totals
	Days         []DayPoint
}

// Totals add up payments and refunds.
type Totals struct {
	Count, Approved, Declined int
	Volume, Refunds           paygate.Money // approved amounts; succeeded refunds
	RefundCount               int
}

// ApprovalRate is the approved share of the decided payments in percent,
// rounded down, and false when none was decided.
func (t Totals) ApprovalRate() (int, bool) {
	n := t.Approved + t.Declined
	if n == 0 {
		return 0, false
	}
	return t.Approved * 100 / n, true
}

// DayPoint is one day of a currency's overview.
type DayPoint struct {
	Day                 time.Time
	Count               int
	VolumeMinor, Refund int64
}

// Overview sums the merchant's payments and refunds of the last 30 days.
func (s *Payments) Overview(ctx context.Context) (*Overview, error) {
	tomorrow := s.now().Truncate(24 * time.Hour).Add(24 * time.Hour)
	from := tomorrow.AddDate(0, 0, -OverviewDays)
	st, err := s.store.Stats(ctx, paygate.MerchantID(ctx), from, tomorrow)
	if err != nil {
		return nil, err
	}
	o := &Overview{From: from, To: tomorrow, Failures: st.Failures}
	byCur := map[string]*CurrencyOverview{}
	cur := func(c string) *CurrencyOverview {
		if co := byCur[c]; co != nil {
			return co
		}
		co := &CurrencyOverview{Currency: c, Today: Totals{Volume: paygate.Money{Currency: c}, Refunds: paygate.Money{Currency: c}}}
		co.Month = co.Today
		for d := range OverviewDays {
			co.Days = append(co.Days, DayPoint{Day: from.AddDate(0, 0, d)})
		}
		byCur[c] = co
		return co
	}
	today := tomorrow.Add(-24 * time.Hour)
	for _, d := range st.Days {
		co := cur(d.Currency)
		i := int(d.Day.Sub(from) / (24 * time.Hour))
		co.Days[i].Count += d.Count
		co.Days[i].VolumeMinor += d.VolumeMinor
		for _, t := range totalsFor(co, d.Day.Equal(today)) {
			t.Count, t.Approved, t.Declined = t.Count+d.Count, t.Approved+d.Approved, t.Declined+d.Declined
			t.Volume.Minor += d.VolumeMinor
		}
	}
	for _, r := range st.Refunds {
		co := cur(r.Currency)
		co.Days[int(r.Day.Sub(from)/(24*time.Hour))].Refund += r.AmountMinor
		for _, t := range totalsFor(co, r.Day.Equal(today)) {
			t.RefundCount += r.Count
			t.Refunds.Minor += r.AmountMinor
		}
	}
	for _, co := range byCur {
		o.Currencies = append(o.Currencies, *co)
	}
	// The busiest currency first.
	slices.SortFunc(o.Currencies, func(a, b CurrencyOverview) int {
		if a.Month.Count != b.Month.Count {
			return b.Month.Count - a.Month.Count
		}
		return cmp.Compare(a.Currency, b.Currency)
	})
	return o, nil
}

func totalsFor(co *CurrencyOverview, today bool) []*Totals {
	if today {
		return []*Totals{&co.Month, &co.Today}
	}
	return []*Totals{&co.Month}
}
