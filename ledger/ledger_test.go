package ledger

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"paygate"
)

var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func usd(minor int64) paygate.Money { return paygate.Money{Minor: minor, Currency: "USD"} }

func TestFee(t *testing.T) {
	for _, tc := range []struct {
		gross   paygate.Money
		percent string
		fixed   int64
		want    int64
	}{
		{usd(10_099), "2.9", 30, 293 + 30}, // 292.871 rounds to 293
		{usd(10_000), "2.9", 30, 290 + 30},
		{usd(50), "1", 0, 1},     // 0.5 rounds half up to 1
		{usd(49), "1", 0, 0},     // 0.49 rounds to 0
		{usd(150), "1", 0, 2},    // 1.5 to 2
		{usd(20), "2.9", 30, 20}, // never more than the capture
		{paygate.Money{Minor: 999_999_999_999, Currency: "USD"}, "100", 0, 999_999_999_999},
		{paygate.Money{Minor: 150_000, Currency: "JPY"}, "3.6", 0, 5_400},
	} {
		pct, err := ParsePercent(tc.percent)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Fee(tc.gross, Pricing{PercentHundredths: pct, Fixed: paygate.Money{Minor: tc.fixed, Currency: tc.gross.Currency}})
		if err != nil || got.Minor != tc.want || got.Currency != tc.gross.Currency {
			t.Errorf("fee of %v at %s%% + %d = %v %v, want %d", tc.gross, tc.percent, tc.fixed, got, err, tc.want)
		}
	}
	if _, err := Fee(usd(100), Pricing{PercentHundredths: 100, Fixed: paygate.Money{Minor: 30, Currency: "EUR"}}); err == nil {
		t.Error("a fixed fee in another currency was taken")
	}
}

func TestParsePercent(t *testing.T) {
	for in, want := range map[string]int64{"2.9": 290, "0.25": 25, "3": 300, "100": 10_000, "0": 0} {
		if got, err := ParsePercent(in); err != nil || got != want {
			t.Errorf("ParsePercent(%q) = %d, %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "2.999", "-1", "1e2", "100.01", "2,9", ".5", "abc"} {
		if _, err := ParsePercent(bad); err == nil {
			t.Errorf("ParsePercent(%q) passed", bad)
		}
	}
}

func TestCheck(t *testing.T) {
	good, err := Capture("J1", "M1", "T1", t0, usd(1_000), usd(59))
	if err != nil || Check(good) != nil {
		t.Fatalf("a capture: %v %v", err, Check(good))
	}
	for name, j := range map[string]Journal{
		"one entry":  {ID: "J", Entries: []Entry{line(AcquirerOwes, "", "USD", 5)}},
		"unbalanced": {ID: "J", Entries: []Entry{line(AcquirerOwes, "", "USD", 5), line(ProviderFees, "", "USD", -4)}},
		"currencies": {ID: "J", Entries: []Entry{line(AcquirerOwes, "", "USD", 5), line(ProviderFees, "", "EUR", -5)}},
		"zero":       {ID: "J", Entries: []Entry{line(AcquirerOwes, "", "USD", 0), line(ProviderFees, "", "USD", 0)}},
	} {
		if Check(&j) == nil {
			t.Errorf("%s passed", name)
		}
	}
	free, _ := Capture("J2", "M1", "T2", t0, usd(1_000), usd(0))
	if len(free.Entries) != 2 || Check(free) != nil {
		t.Errorf("a capture without a fee: %+v", free)
	}
	for _, bad := range []paygate.Money{usd(1_001), {Minor: 1, Currency: "EUR"}, usd(-1)} {
		if _, err := Capture("J", "M1", "T", t0, usd(1_000), bad); err == nil {
			t.Errorf("a capture with fee %v passed", bad)
		}
	}
}

// TestRandomMovements: random captures and refunds of random merchants and
// currencies keep every journal balanced, and the balances are what the
// movements add up to: the acquirer owes captures less refunds, the
// provider has the fees, each merchant is owed its net less its refunds.
func TestRandomMovements(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var js []*Journal
	type key struct{ merchant, currency string }
	want := map[Account]int64{}
	captured := map[key]int64{}
	for i := range 5_000 {
		m, c := fmt.Sprintf("M%d", r.IntN(4)), []string{"USD", "JPY", "KWD"}[r.IntN(3)]
		k := key{m, c}
		id := fmt.Sprintf("J%05d", i)
		if r.IntN(3) > 0 || captured[k] == 0 {
			gross := paygate.Money{Minor: 1 + r.Int64N(1_000_000), Currency: c}
			fee, err := Fee(gross, Pricing{PercentHundredths: r.Int64N(500), Fixed: paygate.Money{Minor: r.Int64N(50), Currency: c}})
			if err != nil {
				t.Fatal(err)
			}
			j, err := Capture(id, m, "T"+id, t0, gross, fee)
			if err != nil {
				t.Fatal(err)
			}
			js = append(js, j)
			captured[k] += gross.Minor
			want[acct(AcquirerOwes, "", c)] += gross.Minor
			want[acct(ProviderFees, "", c)] -= fee.Minor
			want[acct(MerchantPending, m, c)] -= gross.Minor - fee.Minor
			continue
		}
		amount := 1 + r.Int64N(captured[k])
		j, err := Refund(id, m, "T"+id, "R"+id, t0, paygate.Money{Minor: amount, Currency: c})
		if err != nil {
			t.Fatal(err)
		}
		js = append(js, j)
		captured[k] -= amount
		want[acct(AcquirerOwes, "", c)] -= amount
		want[acct(MerchantPending, m, c)] += amount
	}
	for _, j := range js {
		if err := Check(j); err != nil {
			t.Fatal(err)
		}
	}
	got := Balances(js)
	for a, w := range want {
		if got[a] != w {
			t.Errorf("%s = %d, want %d", a, got[a], w)
		}
	}
	total := map[string]int64{}
	for a, b := range got {
		total[a.Currency] += b
	}
	for c, sum := range total {
		if sum != 0 {
			t.Errorf("the books in %s sum to %d", c, sum)
		}
	}
	if !strings.Contains(acct(MerchantPending, "M1", "USD").String(), "M1") {
		t.Error("an account's name lacks its merchant")
	}
}

func TestPriceFor(t *testing.T) {
	prices := []paygate.Price{
		{Merchant: "", Method: "", Currency: "", PercentHundredths: 300},
		{Merchant: "", Method: "card", Currency: "USD", PercentHundredths: 290, FixedMinor: 30},
		{Merchant: "M1", Method: "", Currency: "", PercentHundredths: 250},
		{Merchant: "M1", Method: "", Currency: "EUR", PercentHundredths: 240, FixedMinor: 25},
		{Merchant: "M1", Method: "card", Currency: "", PercentHundredths: 200},
		{Merchant: "M1", Method: "card", Currency: "SGD", PercentHundredths: 180, FixedMinor: 50},
		{Merchant: "M2", Method: "", Currency: "", PercentHundredths: 1},
	}
	for _, tc := range []struct {
		merchant, method, currency string
		pct, fixed                 int64
	}{
		{"M1", "card", "SGD", 180, 50},   // the merchant's method and currency
		{"M1", "card", "EUR", 200, 0},    // method before currency
		{"M1", "alipay", "EUR", 240, 25}, // currency alone
		{"M1", "alipay", "USD", 250, 0},  // the merchant's catch-all before any default
		{"M3", "card", "USD", 290, 30},   // the default plan's method and currency
		{"M3", "card", "EUR", 300, 0},    // the default catch-all
	} {
		got := PriceFor(prices, tc.merchant, tc.method, tc.currency)
		if got.PercentHundredths != tc.pct || got.Fixed.Minor != tc.fixed || got.Fixed.Currency != tc.currency {
			t.Errorf("%s %s %s: %+v, want %d%% + %d", tc.merchant, tc.method, tc.currency, got, tc.pct, tc.fixed)
		}
	}
	if got := PriceFor(nil, "M1", "card", "USD"); got.PercentHundredths != 0 || got.Fixed.Minor != 0 {
		t.Errorf("no prices: %+v, want nothing", got)
	}
}

func TestFormatPercent(t *testing.T) {
	for _, s := range []string{"0", "0.05", "0.5", "2.9", "2.95", "3", "100"} {
		h, err := ParsePercent(s)
		if err != nil || FormatPercent(h) != s {
			t.Errorf("%s: %d %v, back %q", s, h, err, FormatPercent(h))
		}
	}
}

func TestDisputeJournals(t *testing.T) {
	open, err := Dispute("J-dispute-D1", "m", "T1", "D1", t0, usd(10_099), usd(1_500))
	if err != nil || Check(open) != nil || !open.Settle {
		t.Fatalf("dispute: %+v %v", open, err)
	}
	won, err := DisputeWon("J-dispute-won-D1", "m", "T1", "D1", t0, usd(10_099), usd(1_500))
	if err != nil || Check(won) != nil || won.Kind != "dispute_won" {
		t.Fatalf("won: %+v %v", won, err)
	}
	for a, minor := range Balances([]*Journal{open, won}) {
		if minor != 0 {
			t.Errorf("a won dispute leaves %s at %d, want 0", a, minor)
		}
	}
	if b := Balances([]*Journal{open}); b[acct(MerchantPending, "m", "USD")] != 11_599 || b[acct(ProviderFees, "", "USD")] != -1_500 {
		t.Errorf("an open dispute: %v, want the merchant to owe the amount and the fee", b)
	}
	if _, err := Dispute("J", "m", "T1", "D1", t0, usd(0), usd(1)); err == nil {
		t.Error("a dispute of nothing was accepted")
	}
}
