package ledger

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"paygate"
)

// SettlementFileHeader is the header line of the sandbox acquirer's daily
// settlement file (docs/ledger.md).
var SettlementFileHeader = []string{"date", "type", "reference", "trade_no", "merchant_id", "currency", "amount"}

// The file's line types, and the journal kind each matches.
var fileTypes = map[string]string{
	"CAPTURE":             "capture",
	"REFUND":              "refund",
	"CHARGEBACK":          "dispute",
	"CHARGEBACK_REVERSAL": "dispute_won",
}

// FileLine is one line of a settlement file: what the acquirer settled for
// one movement. Minor is signed: what the acquirer pays (a capture, a
// reversed chargeback) is positive, what it takes back negative.
type FileLine struct {
	N          int // the line's number in the file, the header being 1
	Date       string
	Type       string
	Reference  string // the tradeNo of a capture, the refundId, the disputeId
	TradeNo    string
	MerchantID string
	Currency   string
	Minor      int64
}

// reconciled reports whether a journal's movement is one a settlement file
// lists, and its file type.
func reconciled(j *Journal) (string, bool) {
	for t, kind := range fileTypes {
		if kind == j.Kind {
			return t, true
		}
	}
	return "", false
}

// owedMinor is what the acquirer pays for a journal's movement: its
// acquirer_owes line.
func owedMinor(j *Journal) (int64, string) {
	for _, e := range j.Entries {
		if e.Account.Kind == AcquirerOwes {
			return e.Minor, e.Account.Currency
		}
	}
	return 0, ""
}

// FileLineOf is the settlement file's line of a journal, if it has one.
func FileLineOf(j *Journal) (FileLine, bool) {
	t, ok := reconciled(j)
	if !ok {
		return FileLine{}, false
	}
	minor, cur := owedMinor(j)
	return FileLine{Date: j.At.UTC().Format(time.DateOnly), Type: t, Reference: j.Ref, TradeNo: j.TradeNo, MerchantID: j.MerchantID,
		Currency: cur, Minor: minor}, true
}

// fields is the line as the file's CSV fields.
func (l FileLine) fields() []string {
	amount := paygate.Money{Minor: max(l.Minor, -l.Minor), Currency: l.Currency}.String()
	if l.Minor < 0 {
		amount = "-" + amount
	}
	return []string{l.Date, l.Type, l.Reference, l.TradeNo, l.MerchantID, l.Currency, amount}
}

// WriteFile writes a settlement file: the header, then the lines.
func WriteFile(w io.Writer, lines []FileLine) error {
	cw := csv.NewWriter(w)
	cw.Write(SettlementFileHeader)
	for _, l := range lines {
		cw.Write(l.fields())
	}
	cw.Flush()
	return cw.Error()
}

// ReadFile reads a settlement file, refusing it whole at its first bad
// line (named by number).
func ReadFile(r io.Reader) ([]FileLine, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(SettlementFileHeader)
	head, err := cr.Read()
	if err != nil || !slices.Equal(head, SettlementFileHeader) {
		return nil, fmt.Errorf("line 1: the header must be %s", strings.Join(SettlementFileHeader, ","))
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
		l, err := parseLine(n, rec)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		out = append(out, l)
	}
}

func parseLine(n int, rec []string) (FileLine, error) {
	l := FileLine{N: n, Date: rec[0], Type: rec[1], Reference: rec[2], TradeNo: rec[3], MerchantID: rec[4], Currency: rec[5]}
	if _, err := time.Parse(time.DateOnly, l.Date); err != nil {
		return l, errors.New("date must be YYYY-MM-DD")
	}
	if _, ok := fileTypes[l.Type]; !ok {
		return l, errors.New("type must be CAPTURE, REFUND, CHARGEBACK or CHARGEBACK_REVERSAL")
	}
	if l.Reference == "" {
		return l, errors.New("reference is empty")
	}
	amount, negative := strings.CutPrefix(rec[6], "-")
	m, err := paygate.ParseAmount(amount, l.Currency)
	if err != nil {
		return l, fmt.Errorf("amount %v", err)
	}
	l.Minor = m.Minor
	if negative {
		l.Minor = -m.Minor
	}
	return l, nil
}

// Reconciliation is what Reconcile found. A line names its movement and the
// amounts: each is a sentence.
type Reconciliation struct {
	Matched           int
	MissingFromFile   []string // in the books on the file's dates, not in the file
	MissingFromLedger []string // in the file, not in the books
	AmountDiffers     []string // in both, with another amount, currency, merchant or payment
}

// Differences counts what did not match.
func (r *Reconciliation) Differences() int {
	return len(r.MissingFromFile) + len(r.MissingFromLedger) + len(r.AmountDiffers)
}

// Reconcile matches a settlement file's lines to the journals of the
// movements it lists (by type and reference), over the dates the file
// covers: journals must hold every journal posted on those dates (more is
// fine). A line that names no merchant or payment (Stripe's report names
// no merchant) is not compared on it.
func Reconcile(lines []FileLine, journals []*Journal) *Reconciliation {
	rep := &Reconciliation{}
	dates := map[string]bool{}
	type key struct{ typ, ref string }
	inFile := map[key]FileLine{}
	for _, l := range lines {
		dates[l.Date] = true
		k := key{l.Type, l.Reference}
		if _, dup := inFile[k]; dup {
			rep.AmountDiffers = append(rep.AmountDiffers, fmt.Sprintf("line %d: %s %s is in the file twice", l.N, l.Type, l.Reference))
			continue
		}
		inFile[k] = l
	}
	for _, j := range journals {
		want, ok := FileLineOf(j)
		if !ok || !dates[want.Date] {
			continue
		}
		k := key{want.Type, want.Reference}
		got, ok := inFile[k]
		switch {
		case !ok:
			rep.MissingFromFile = append(rep.MissingFromFile, fmt.Sprintf("%s %s of %s (payment %s, %s %s)", want.Type, want.Reference,
				want.Date, want.TradeNo, want.Currency, signedAmount(want)))
		case got.MerchantID != "" && got.MerchantID != want.MerchantID || got.TradeNo != "" && got.TradeNo != want.TradeNo:
			rep.AmountDiffers = append(rep.AmountDiffers, fmt.Sprintf("line %d: %s %s: the file names merchant %s and payment %s, the books %s and %s",
				got.N, got.Type, got.Reference, got.MerchantID, got.TradeNo, want.MerchantID, want.TradeNo))
		case got.Minor != want.Minor || got.Currency != want.Currency:
			rep.AmountDiffers = append(rep.AmountDiffers, fmt.Sprintf("line %d: %s %s: the file says %s %s, the books %s %s", got.N,
				got.Type, got.Reference, got.Currency, signedAmount(got), want.Currency, signedAmount(want)))
		default:
			rep.Matched++
		}
		delete(inFile, k)
	}
	left := make([]FileLine, 0, len(inFile))
	for _, l := range inFile {
		left = append(left, l)
	}
	slices.SortFunc(left, func(a, b FileLine) int { return a.N - b.N })
	for _, l := range left {
		rep.MissingFromLedger = append(rep.MissingFromLedger, fmt.Sprintf("line %d: %s %s (%s %s) is not in the books", l.N, l.Type,
			l.Reference, l.Currency, signedAmount(l)))
	}
	return rep
}

// signedAmount is a line's amount as the file writes it.
func signedAmount(l FileLine) string { return l.fields()[6] }
