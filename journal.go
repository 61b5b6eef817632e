package paygate

import (
	"context"
	"time"
)

// AccountKind is what an account of the books holds (ledger/ names them).
type AccountKind string

// Account is one account of the books: per merchant and currency, or the
// provider's or the acquirer's per currency (Merchant "").
type Account struct {
	Kind     AccountKind
	Merchant string
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

// Journal is the entries of one money movement, posted in the same commit
// as the change that made it, or not at all. Journals are never changed or
// deleted: a correction is a new journal. Its ID is unique, one per
// movement (the capture of a payment, a refund), so a movement cannot be
// posted twice.
type Journal struct {
	ID         string
	MerchantID string
	TradeNo    string // the payment the movement is of
	Kind       string // capture, refund, ...
	Ref        string // what moved: the tradeNo, the refundId
	At         time.Time
	Entries    []Entry
	// Settle: the movement waits for the merchant's next settlement batch
	// in Currency (captures and refunds).
	Settle   bool
	Currency string
}

// Price is what the provider takes of a merchant's captures of one
// method, in one currency or in every currency (Currency ""): a
// percentage in hundredths of a percent and a fixed amount in minor units
// of Currency. Merchant "" is the default plan of every merchant.
type Price struct {
	Merchant          string
	Method            string // paymentMethodType; "" for every method
	Currency          string // "" for every currency (then FixedMinor must be 0)
	PercentHundredths int64
	FixedMinor        int64
}

// PricingStore keeps the prices.
type PricingStore interface {
	// SetPrice inserts or replaces the price of its merchant, method and
	// currency.
	SetPrice(ctx context.Context, p Price) error
	// Prices lists the prices of a merchant and the default plan
	// (Merchant ""), the merchant's first.
	Prices(ctx context.Context, merchantID string) ([]Price, error)
}
