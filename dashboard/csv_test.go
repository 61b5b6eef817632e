package dashboard

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"paygate"
	"paygate/gateway"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func csvPayment(tradeNo, orderNo string, minor int64, currency string, status paygate.Status) *paygate.Payment {
	return &paygate.Payment{TradeNo: tradeNo, OrderNo: orderNo, Status: status, PaymentMethodType: "card",
		Amount: paygate.Money{Minor: minor, Currency: currency}, CapturedMinor: minor,
		CreatedAt: time.Date(2026, 11, 25, 12, 0, 0, 123_000_000, time.UTC)}
}

// TestCSVGolden: the export's columns, amounts in the currency's digits,
// every page in order, and cells a spreadsheet would run as a formula
// disarmed; never more of a card than brand and last4.
func TestCSVGolden(t *testing.T) {
	a := csvPayment("T1", "ORDER-1", 10_099, "USD", paygate.StatusPartiallyRefunded)
	a.RefundedMinor = 1_000
	a.Card = &paygate.CardDetails{Brand: "visa", BIN: "424242", Last4: "4242", HolderName: "Zhong Yang", Fingerprint: "fp_secret"}
	b := csvPayment("T2", "=HYPERLINK(\"http://x\")", 150_000, "JPY", paygate.StatusFailed)
	b.FailureCode, b.CapturedMinor = "card_declined", 0
	c := csvPayment("T3", "order, with \"quotes\"", 1_234, "KWD", paygate.StatusSucceeded)
	d := csvPayment("T4", "+1-555", 1, "IDR", paygate.StatusSucceeded)
	pages := map[string]*gateway.PaymentList{
		"":   {Payments: []*paygate.Payment{a, b}, Next: "c2"},
		"c2": {Payments: []*paygate.Payment{c}, Next: "c3"},
		"c3": {Payments: []*paygate.Payment{d}},
	}
	var out bytes.Buffer
	flushes := 0
	err := writeCSV(&out, func() error { flushes++; return nil }, pages[""], func(cursor string) (*gateway.PaymentList, error) {
		return pages[cursor], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if flushes != 3 {
		t.Errorf("flushed %d times, want once a page (3)", flushes)
	}
	golden := filepath.Join("testdata", "payments.csv")
	if *update {
		os.WriteFile(golden, out.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("export =\n%s\nwant (testdata/payments.csv; go test ./dashboard -update)\n%s", out.String(), want)
	}
	for _, secret := range []string{"424242", "Zhong", "fp_secret"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("the export holds %q", secret)
		}
	}
}

// TestCSVStopsOnError: a page that cannot be read ends the export with the
// error (the handler breaks the download off), after the rows before it.
func TestCSVStopsOnError(t *testing.T) {
	first := &gateway.PaymentList{Payments: []*paygate.Payment{csvPayment("T1", "ORDER-1", 1, "USD", paygate.StatusSucceeded)}, Next: "c2"}
	var out bytes.Buffer
	boom := errors.New("database gone")
	err := writeCSV(&out, func() error { return nil }, first, func(string) (*gateway.PaymentList, error) { return nil, boom })
	if !errors.Is(err, boom) || !strings.Contains(out.String(), "T1") {
		t.Errorf("got %v after %q", err, out.String())
	}
}
