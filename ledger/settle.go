package ledger

import (
	"errors"
	"fmt"
	"time"

	"paygate"
)

// Settle is a batch of a merchant's movements in one currency (captures,
// refunds, disputes opened and won), from the totals of its journals, and
// the journal of its settlement by the acquirer: the acquirer pays what it
// owes for the batch (gross less refunds and disputed) into the provider's
// cash, and the batch's net moves from the
// merchant's pending balance to its available one. No journal at all is a
// nil batch.
func Settle(id, merchant, currency string, cutoff, at time.Time, totals []paygate.SettlementTotal) (*paygate.Settlement, *Journal, error) {
	s := &paygate.Settlement{ID: id, MerchantID: merchant, Currency: currency, Cutoff: cutoff, Status: paygate.SettlementSettled,
		CreatedAt: at}
	var owed, pending int64
	for _, t := range totals {
		switch {
		case t.Account == AcquirerOwes && t.JournalKind == "capture":
			s.Captures += t.Journals
			s.GrossMinor += t.Minor
		case t.Account == AcquirerOwes && t.JournalKind == "refund":
			s.Refunds += t.Journals
			s.RefundedMinor -= t.Minor
		case t.Account == AcquirerOwes && (t.JournalKind == "dispute" || t.JournalKind == "dispute_won"):
			s.Disputes += t.Journals
			s.DisputedMinor -= t.Minor
		case t.Account == ProviderFees:
			s.FeeMinor -= t.Minor
		}
		switch t.Account {
		case AcquirerOwes:
			owed += t.Minor
		case MerchantPending:
			pending += t.Minor
		}
	}
	if s.Captures+s.Refunds+s.Disputes == 0 {
		return nil, nil, nil
	}
	s.NetMinor = s.GrossMinor - s.RefundedMinor - s.DisputedMinor - s.FeeMinor
	if owed != s.GrossMinor-s.RefundedMinor-s.DisputedMinor || pending != -s.NetMinor {
		return nil, nil, fmt.Errorf("batch %s: the acquirer owes %d and the merchant is owed %d, the movements say %d and %d",
			id, owed, -pending, s.GrossMinor-s.RefundedMinor-s.DisputedMinor, s.NetMinor)
	}
	j := &Journal{ID: "J-settle-" + id, MerchantID: merchant, Kind: "settlement", Ref: id, At: at, Entries: entries(
		line(ProviderCash, "", currency, owed),
		line(AcquirerOwes, "", currency, -owed),
		line(MerchantPending, merchant, currency, s.NetMinor),
		line(MerchantAvailable, merchant, currency, -s.NetMinor),
	)}
	if len(j.Entries) == 0 {
		return s, nil, nil // a batch that nets to nothing moves nothing
	}
	return s, j, Check(j)
}

// Payout is the journal of paying a settled batch's net to the merchant:
// its available balance goes down by the net and so does the provider's
// cash. A negative net is the merchant paying the provider back.
func Payout(s *paygate.Settlement, at time.Time) (*Journal, error) {
	if s.Status != paygate.SettlementSettled {
		return nil, errors.New("batch " + s.ID + " is " + string(s.Status) + ", not SETTLED")
	}
	j := &Journal{ID: "J-payout-" + s.ID, MerchantID: s.MerchantID, Kind: "payout", Ref: s.ID, At: at, Entries: entries(
		line(MerchantAvailable, s.MerchantID, s.Currency, s.NetMinor),
		line(ProviderCash, "", s.Currency, -s.NetMinor),
	)}
	if len(j.Entries) == 0 {
		return nil, nil
	}
	return j, Check(j)
}
