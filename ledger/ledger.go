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

// Kind is what an account holds.
type Kind string

// The accounts. The merchant's are per merchant and currency; the
// provider's and the acquirer's per currency.
const (
	// MerchantPending is what the provider owes the merchant for captures
	// the acquirer has not settled yet: credited by a capture (net of the
	// fee), debited by a refund.
	MerchantPending Kind = "merchant_pending"
	// ProviderFees is the provider's fee revenue: credited by each fee.
	ProviderFees Kind = "provider_fees"
	// AcquirerOwes is what the acquirer owes for captures not yet settled:
	// debited by a capture (gross), credited by a refund.
	AcquirerOwes Kind = "acquirer_owes"
)

// Account is one account of the books.
type Account struct {
	Kind     Kind
	Merchant string // "" for the provider's and the acquirer's accounts
	Currency string
}

func (a Account) String() string {
	if a.Merchant == "" {
		return string(a.Kind) + ":" + a.Currency
	}
	return string(a.Kind) + ":" + a.Merchant + ":" + a.Currency
}

// Entry is one line of a journal: Minor debited (positive) or credited
// (negative) to Account.
type Entry struct {
	Account Account
	Minor   int64
}

// Journal is the entries of one money movement, posted together or not at
// all. Entries are never changed: a correction is a new journal.
type Journal struct {
	ID      string
	Kind    string // capture, refund, ...
	Ref     string // what moved: a tradeNo, a refundId
	At      time.Time
	Entries []Entry
}

// Check reports what is wrong with a journal: fewer than two entries, an
// entry of zero or without an account, or a currency whose entries do not
// sum to zero.
func (j Journal) Check() error {
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
func Capture(id, merchant, tradeNo string, at time.Time, gross, fee paygate.Money) (Journal, error) {
	if gross.Currency != fee.Currency || gross.Minor <= 0 || fee.Minor < 0 || fee.Minor > gross.Minor {
		return Journal{}, fmt.Errorf("capture %s: gross %d %s and fee %d %s do not make a capture", tradeNo, gross.Minor, gross.Currency,
			fee.Minor, fee.Currency)
	}
	c := gross.Currency
	return Journal{ID: id, Kind: "capture", Ref: tradeNo, At: at, Entries: entries(
		Entry{Account{AcquirerOwes, "", c}, gross.Minor},
		Entry{Account{MerchantPending, merchant, c}, -(gross.Minor - fee.Minor)},
		Entry{Account{ProviderFees, "", c}, -fee.Minor},
	)}, nil
}

// Refund is the journal of a succeeded refund of amount: the merchant's
// pending balance pays it back and the acquirer owes that much less. The
// fee of the capture is not returned (as at Stripe).
func Refund(id, merchant, refundID string, at time.Time, amount paygate.Money) (Journal, error) {
	if amount.Minor <= 0 {
		return Journal{}, errors.New("refund " + refundID + ": the amount must be positive")
	}
	c := amount.Currency
	return Journal{ID: id, Kind: "refund", Ref: refundID, At: at, Entries: []Entry{
		{Account{MerchantPending, merchant, c}, amount.Minor},
		{Account{AcquirerOwes, "", c}, -amount.Minor},
	}}, nil
}

// Balances sums journals' entries by account.
func Balances(js []Journal) map[Account]int64 {
	out := map[Account]int64{}
	for _, j := range js {
		for _, e := range j.Entries {
			out[e.Account] += e.Minor
		}
	}
	return out
}
