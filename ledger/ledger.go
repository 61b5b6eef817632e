// Package ledger holds the double-entry books' rules, pure: the accounts,
// the journal each money movement posts, the fee of a capture and its
// rounding, and the checks every journal and every set of balances must
// pass. It keeps nothing and calls nothing; the gateway posts the journals
// a change makes in the change's own commit.
//
// Amounts are integer minor units. An entry's amount is signed: a debit is
// positive, a credit negative, so the entries of a journal sum to zero in
// each currency.
package ledger

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"paygate"
)

// The accounts. The merchant's are per merchant and currency; the
// provider's and the acquirer's per currency.
const (
	// MerchantPending is what the provider owes the merchant for captures
	// the acquirer has not settled yet: credited by a capture (net of the
	// fee), debited by a refund.
	MerchantPending paygate.AccountKind = "merchant_pending"
	// ProviderFees is the provider's fee revenue: credited by each fee.
	ProviderFees paygate.AccountKind = "provider_fees"
	// AcquirerOwes is what the acquirer owes for captures not yet settled:
	// debited by a capture (gross), credited by a refund.
	AcquirerOwes paygate.AccountKind = "acquirer_owes"
	// MerchantAvailable is what the provider owes the merchant for settled
	// batches not paid out yet: credited by a settlement (its net),
	// debited by the payout.
	MerchantAvailable paygate.AccountKind = "merchant_available"
	// ProviderCash is the provider's bank account: debited by what the
	// acquirer settles, credited by payouts.
	ProviderCash paygate.AccountKind = "provider_cash"
)

type (
	// Account is an account of the books.
	Account = paygate.Account
	// Entry is a line of a journal.
	Entry = paygate.Entry
	// Journal is a money movement's entries.
	Journal = paygate.Journal
)

// Check reports what is wrong with a journal: fewer than two entries, an
// entry of zero or without an account, or a currency whose entries do not
// sum to zero.
func Check(j *Journal) error {
	if len(j.Entries) < 2 {
		return fmt.Errorf("journal %s: %d entries, at least 2 needed", j.ID, len(j.Entries))
	}
	sums := map[string]int64{}
	for _, e := range j.Entries {
		if e.Minor == 0 || e.Account.Kind == "" || e.Account.Currency == "" {
			return fmt.Errorf("journal %s: an entry of zero or without an account (%s %d)", j.ID, e.Account, e.Minor)
		}
		sums[e.Account.Currency] += e.Minor
	}
	var unbalanced []string
	for c, sum := range sums {
		if sum != 0 {
			unbalanced = append(unbalanced, fmt.Sprintf("%s %+d", c, sum))
		}
	}
	if len(unbalanced) > 0 {
		sort.Strings(unbalanced)
		return fmt.Errorf("journal %s does not balance: %s", j.ID, strings.Join(unbalanced, ", "))
	}
	return nil
}

// acct is an account.
func acct(kind paygate.AccountKind, merchant, currency string) Account {
	return Account{Kind: kind, Merchant: merchant, Currency: currency}
}

// line is an entry of minor to an account.
func line(kind paygate.AccountKind, merchant, currency string, minor int64) Entry {
	return Entry{Account: acct(kind, merchant, currency), Minor: minor}
}

// entries drops the zero lines of a journal (a fee of nothing).
func entries(es ...Entry) []Entry {
	out := es[:0:0]
	for _, e := range es {
		if e.Minor != 0 {
			out = append(out, e)
		}
	}
	return out
}

// Capture is the journal of a capture of gross whose fee is fee: the
// acquirer owes the gross, the merchant is owed the net, the provider
// earns the fee.
func Capture(id, merchant, tradeNo string, at time.Time, gross, fee paygate.Money) (*Journal, error) {
	if gross.Currency != fee.Currency || gross.Minor <= 0 || fee.Minor < 0 || fee.Minor > gross.Minor {
		return nil, fmt.Errorf("capture %s: gross %d %s and fee %d %s do not make a capture", tradeNo, gross.Minor, gross.Currency,
			fee.Minor, fee.Currency)
	}
	c := gross.Currency
	return &Journal{ID: id, MerchantID: merchant, TradeNo: tradeNo, Kind: "capture", Ref: tradeNo, At: at, Settle: true, Currency: c, Entries: entries(
		line(AcquirerOwes, "", c, gross.Minor),
		line(MerchantPending, merchant, c, -(gross.Minor-fee.Minor)),
		line(ProviderFees, "", c, -fee.Minor),
	)}, nil
}

// Refund is the journal of a succeeded refund of amount: the merchant's
// pending balance pays it back and the acquirer owes that much less. The
// fee of the capture is not returned (as at Stripe).
func Refund(id, merchant, tradeNo, refundID string, at time.Time, amount paygate.Money) (*Journal, error) {
	if amount.Minor <= 0 {
		return nil, errors.New("refund " + refundID + ": the amount must be positive")
	}
	c := amount.Currency
	return &Journal{ID: id, MerchantID: merchant, TradeNo: tradeNo, Kind: "refund", Ref: refundID, At: at, Settle: true, Currency: c, Entries: []Entry{
		line(MerchantPending, merchant, c, amount.Minor),
		line(AcquirerOwes, "", c, -amount.Minor),
	}}, nil
}

// Balances sums journals' entries by account.
func Balances(js []*Journal) map[Account]int64 {
	out := map[Account]int64{}
	for _, j := range js {
		for _, e := range j.Entries {
			out[e.Account] += e.Minor
		}
	}
	return out
}

// Dispute is the journal of a dispute opened on a capture: the acquirer
// takes the amount back, and the merchant's pending balance pays it and the
// dispute fee, which the provider earns.
func Dispute(id, merchant, tradeNo, disputeID string, at time.Time, amount, fee paygate.Money) (*Journal, error) {
	if amount.Minor <= 0 || fee.Minor < 0 || fee.Currency != amount.Currency {
		return nil, fmt.Errorf("dispute %s: amount %d %s and fee %d %s do not make a dispute", disputeID, amount.Minor, amount.Currency,
			fee.Minor, fee.Currency)
	}
	c := amount.Currency
	return &Journal{ID: id, MerchantID: merchant, TradeNo: tradeNo, Kind: "dispute", Ref: disputeID, At: at, Settle: true, Currency: c,
		Entries: entries(
			line(MerchantPending, merchant, c, amount.Minor+fee.Minor),
			line(AcquirerOwes, "", c, -amount.Minor),
			line(ProviderFees, "", c, -fee.Minor),
		)}, nil
}

// DisputeWon is the journal of a dispute the merchant won: the opening
// journal reversed, the amount and the fee back to the merchant.
func DisputeWon(id, merchant, tradeNo, disputeID string, at time.Time, amount, fee paygate.Money) (*Journal, error) {
	j, err := Dispute(id, merchant, tradeNo, disputeID, at, amount, fee)
	if err != nil {
		return nil, err
	}
	j.Kind = "dispute_won"
	for i := range j.Entries {
		j.Entries[i].Minor = -j.Entries[i].Minor
	}
	return j, nil
}
