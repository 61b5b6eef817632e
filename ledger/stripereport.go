package ledger

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"paygate"
)

// Stripe's itemized balance report ("Balance change from activity",
// balance_change_from_activity.itemized.*), run with at least these
// columns (docs/ledger.md): each line is one balance transaction.
const (
	stripeCreated   = "created_utc"
	stripeCurrency  = "currency"
	stripeGross     = "gross"
	stripeCategory  = "reporting_category"
	stripeSource    = "source_id"
	stripeTradeNo   = "payment_metadata[tradeNo]"
	stripeReference = "refund_metadata[reference]"
)

// StripeReportColumns are the columns ReadStripeReport needs; others are
// ignored.
var StripeReportColumns = []string{stripeCreated, stripeCurrency, stripeGross, stripeCategory, stripeSource, stripeTradeNo, stripeReference}

// stripeTypes are the reporting categories that are movements of the books,
// and their file types. Others (fees, payouts, transfers, ...) are the
// provider's own dealings with Stripe and are skipped.
var stripeTypes = map[string]string{
	"charge":           "CAPTURE",
	"refund":           "REFUND",
	"refund_failure":   "REFUND_FAILURE", // a refund Stripe failed after it was pending: never in the books, so always reported
	"dispute":          "CHARGEBACK",
	"dispute_reversal": "CHARGEBACK_REVERSAL",
}

// ReadStripeReport reads Stripe's itemized balance report into settlement
// file lines: a charge is the capture of the payment its
// payment_metadata[tradeNo] names, a refund the refund its
// refund_metadata[reference] names, both at their gross; a dispute or its
// reversal is named by Stripe's id (the books hold no Stripe disputes, so
// each shows as missing from the books). A charge or refund without our
// metadata was not made through paygate and is skipped. Stripe's report
// names no merchant, so lines carry none.
func ReadStripeReport(r io.Reader) ([]FileLine, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line 1: %v", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	for _, c := range StripeReportColumns {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("line 1: the report has no %s column; run it with %s", c, strings.Join(StripeReportColumns, ", "))
		}
	}
	var out []FileLine
	for n := 2; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		l, ok, err := stripeLine(n, func(c string) string { return strings.TrimSpace(rec[col[c]]) })
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		if ok {
			out = append(out, l)
		}
	}
}

// stripeLine reads one report line; ok is false for a line that is not a
// movement of the books.
func stripeLine(n int, get func(string) string) (l FileLine, ok bool, err error) {
	typ, known := stripeTypes[get(stripeCategory)]
	if !known {
		return l, false, nil
	}
	l = FileLine{N: n, Type: typ, Currency: strings.ToUpper(get(stripeCurrency)), TradeNo: get(stripeTradeNo)}
	switch typ {
	case "CAPTURE":
		l.Reference = l.TradeNo
	case "REFUND", "REFUND_FAILURE":
		l.Reference = get(stripeReference)
	default:
		l.Reference = get(stripeSource)
	}
	if l.Reference == "" {
		return l, false, nil // not made through paygate
	}
	created := get(stripeCreated)
	if len(created) < 10 || created[4] != '-' || created[7] != '-' {
		return l, false, errors.New("created_utc must start with YYYY-MM-DD")
	}
	l.Date = created[:10]
	gross, negative := strings.CutPrefix(get(stripeGross), "-")
	m, err := paygate.ParseAmount(trimZeros(gross, l.Currency), l.Currency)
	if err != nil {
		return l, false, fmt.Errorf("gross %v", err)
	}
	if l.Minor = m.Minor; negative {
		l.Minor = -m.Minor
	}
	return l, true, nil
}

// trimZeros drops fraction zeros beyond the currency's exponent: Stripe
// writes some zero-decimal currencies with two (ISK "100.00").
func trimZeros(amount, currency string) string {
	exp, ok := paygate.CurrencyExponent(currency)
	whole, frac, found := strings.Cut(amount, ".")
	if !ok || !found || len(frac) <= exp || strings.Trim(frac[exp:], "0") != "" {
		return amount
	}
	if exp == 0 {
		return whole
	}
	return whole + "." + frac[:exp]
}
