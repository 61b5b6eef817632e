package ledger

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"paygate"
)

func TestReconcile(t *testing.T) {
	must := func(j *Journal, err error) *Journal {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	day2 := t0.Add(24 * time.Hour)
	js := []*Journal{
		must(Capture("J-capture-T1", "m", "T1", t0, usd(10_099), usd(323))),
		must(Refund("J-refund-R1", "m", "T1", "R1", t0.Add(time.Hour), usd(1_000))),
		must(Capture("J-capture-T2", "m", "T2", t0.Add(2*time.Hour), usd(5_000), usd(0))),
		must(Dispute("J-dispute-D1", "m", "T2", "D1", t0.Add(3*time.Hour), usd(5_000), usd(1_500))),
		must(DisputeWon("J-dispute-won-D1", "m", "T2", "D1", t0.Add(4*time.Hour), usd(5_000), usd(1_500))),
		must(Capture("J-capture-T3", "m", "T3", day2, usd(700), usd(0))), // another day: not in the file
	}
	var lines []FileLine
	for _, j := range js[:5] {
		l, ok := FileLineOf(j)
		if !ok {
			t.Fatalf("%s has no line", j.ID)
		}
		lines = append(lines, l)
	}
	var buf bytes.Buffer
	if err := WriteFile(&buf, lines); err != nil {
		t.Fatal(err)
	}
	want := "date,type,reference,trade_no,merchant_id,currency,amount\n" +
		"2026-12-01,CAPTURE,T1,T1,m,USD,100.99\n" +
		"2026-12-01,REFUND,R1,T1,m,USD,-10.00\n" +
		"2026-12-01,CAPTURE,T2,T2,m,USD,50.00\n" +
		"2026-12-01,CHARGEBACK,D1,T2,m,USD,-50.00\n" +
		"2026-12-01,CHARGEBACK_REVERSAL,D1,T2,m,USD,50.00\n"
	if buf.String() != want {
		t.Fatalf("the file:\n%s\nwant\n%s", buf.String(), want)
	}
	read, err := ReadFile(strings.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if rep := Reconcile(read, js); rep.Matched != 5 || rep.Differences() != 0 {
		t.Errorf("the file as written: %+v", rep)
	}
	// The acquirer lost the refund, settled the capture for less, and lists
	// a capture the books never saw.
	edited := strings.Replace(strings.Replace(want, "2026-12-01,REFUND,R1,T1,m,USD,-10.00\n", "", 1), "USD,100.99", "USD,100.90", 1) +
		"2026-12-01,CAPTURE,T9,T9,m,USD,1.00\n"
	read, err = ReadFile(strings.NewReader(edited))
	if err != nil {
		t.Fatal(err)
	}
	rep := Reconcile(read, js)
	if rep.Matched != 3 || len(rep.MissingFromFile) != 1 || !strings.Contains(rep.MissingFromFile[0], "REFUND R1") ||
		len(rep.AmountDiffers) != 1 || !strings.Contains(rep.AmountDiffers[0], "100.90") ||
		len(rep.MissingFromLedger) != 1 || !strings.Contains(rep.MissingFromLedger[0], "CAPTURE T9") {
		t.Errorf("the edited file: %+v", rep)
	}
	// A line naming another merchant's payment does not match.
	read, err = ReadFile(strings.NewReader(strings.Replace(want, "CAPTURE,T1,T1,m,", "CAPTURE,T1,T1,m_other,", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if rep := Reconcile(read, js); rep.Matched != 4 || len(rep.AmountDiffers) != 1 || !strings.Contains(rep.AmountDiffers[0], "m_other") {
		t.Errorf("a line of another merchant: %+v", rep)
	}
	for _, bad := range []string{
		"date,type\n",
		want + "2026-12-01,SALE,T1,T1,m,USD,1.00\n",
		want + "2026-13-01,CAPTURE,T1,T1,m,USD,1.00\n",
		want + "2026-12-01,CAPTURE,T1,T1,m,USD,1.001\n",
		want + "2026-12-01,CAPTURE,,T1,m,USD,1.00\n",
		want + "2026-12-01,CAPTURE,T1,T1,m,USD\n",
	} {
		if _, err := ReadFile(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line ") {
			t.Errorf("a bad file was read (%v):\n%s", err, bad)
		}
	}
}

// TestStripeReport reads Stripe's itemized balance report: charges and
// refunds made through paygate (by their metadata) become capture and
// refund lines at their gross, disputes lines named by Stripe's id; fees,
// payouts and others' charges are skipped. Reconciled against the books,
// what matches matches; the Stripe dispute and a refund Stripe failed after
// it was pending are missing from the books.
func TestStripeReport(t *testing.T) {
	f, err := os.Open("testdata/stripe_balance_report.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines, err := ReadStripeReport(f)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, fmt.Sprintf("%d %s %s %s %s %s %d", l.N, l.Date, l.Type, l.Reference, l.TradeNo, l.Currency, l.Minor))
	}
	want := []string{"2 2026-12-01 CAPTURE T1 T1 USD 10099", "3 2026-12-01 REFUND R1 T1 USD -1000", "4 2026-12-01 CAPTURE T2 T2 USD 5000",
		"5 2026-12-01 CHARGEBACK dp_1 T2 USD -5000", "9 2026-12-01 CAPTURE T4 T4 ISK 1500", "10 2026-12-01 REFUND_FAILURE R1 T1 USD 1000"}
	if !slices.Equal(got, want) {
		t.Fatalf("lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	isk := func(minor int64) paygate.Money { return paygate.Money{Minor: minor, Currency: "ISK"} }
	js := []*Journal{}
	for _, j := range []func() (*Journal, error){
		func() (*Journal, error) { return Capture("J1", "m", "T1", t0, usd(10_099), usd(323)) },
		func() (*Journal, error) { return Refund("J2", "m", "T1", "R1", t0.Add(time.Hour), usd(1_000)) },
		func() (*Journal, error) { return Capture("J3", "m", "T2", t0.Add(2*time.Hour), usd(5_000), usd(0)) },
		func() (*Journal, error) { return Capture("J4", "m", "T4", t0.Add(3*time.Hour), isk(1_500), isk(0)) },
	} {
		j, err := j()
		if err != nil {
			t.Fatal(err)
		}
		js = append(js, j)
	}
	rep := Reconcile(lines, js)
	if rep.Matched != 4 || len(rep.MissingFromLedger) != 2 || !strings.Contains(rep.MissingFromLedger[0], "CHARGEBACK dp_1") ||
		!strings.Contains(rep.MissingFromLedger[1], "REFUND_FAILURE R1") ||
		len(rep.MissingFromFile)+len(rep.AmountDiffers) != 0 {
		t.Errorf("reconciled: %+v", rep)
	}
	if _, err := ReadStripeReport(strings.NewReader("balance_transaction_id,currency,gross\n")); err == nil ||
		!strings.Contains(err.Error(), "payment_metadata[tradeNo]") && !strings.Contains(err.Error(), "created_utc") {
		t.Errorf("a report without the needed columns: got %v", err)
	}
}
