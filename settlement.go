package paygate

import (
	"context"
	"time"
)

// SettlementStatus is where a settlement batch stands.
type SettlementStatus string

// A batch is SETTLED when it closes (the sandbox acquirer settles it at
// once: its net moves from the merchant's pending to available) and PAID
// when the operator records the payout.
const (
	SettlementSettled SettlementStatus = "SETTLED"
	SettlementPaid    SettlementStatus = "PAID"
	// SettlementClosing is a batch whose movements are still being taken
	// in: the stores hide it from the merchant.
	SettlementClosing SettlementStatus = "CLOSING"
)

// Settlement is a closed batch of one merchant's money movements in one
// currency: every journal of the merchant in that currency posted before
// Cutoff and in no earlier batch.
type Settlement struct {
	ID            string
	MerchantID    string
	Currency      string
	Cutoff        time.Time
	Status        SettlementStatus
	Captures      int   // capture journals in the batch
	Refunds       int   // refund journals in the batch
	Disputes      int   // dispute journals (opened, won) in the batch
	GrossMinor    int64 // captured
	RefundedMinor int64 // refunded
	DisputedMinor int64 // held for disputes opened, less what won disputes returned
	FeeMinor      int64 // the provider's fees (captures' and disputes')
	NetMinor      int64 // gross - refunded - disputed - fees: what the merchant is owed
	CreatedAt     time.Time
	PaidAt        *time.Time
}

// SettlementTotal is the sum of one account kind's entries over a batch's
// journals of one kind, and how many such journals there are.
type SettlementTotal struct {
	JournalKind string
	Account     AccountKind
	Journals    int
	Minor       int64
}

// SettlementItem is one journal of a batch, as a statement line: the gross
// the acquirer owes for it (negative for a refund), the fee, and the net
// the merchant is owed.
type SettlementItem struct {
	JournalID  string
	Kind       string
	TradeNo    string
	Ref        string
	At         time.Time
	GrossMinor int64
	FeeMinor   int64
	NetMinor   int64
}

// Due is a merchant and currency with movements waiting for a batch, and
// when the oldest of them was posted.
type Due struct {
	MerchantID string
	Currency   string
	Oldest     time.Time
}

// Balance is a sum of one kind of a merchant's lines in one currency (a
// credit is negative).
type Balance struct {
	Account  AccountKind
	Currency string
	Minor    int64
}

// SettlementStore keeps settlement batches. A journal with Settle set
// waits for a batch from the moment it is posted.
type SettlementStore interface {
	// CloseSettlement closes batch id of the merchant's journals in
	// currency posted before cutoff and waiting: it opens the batch CLOSING
	// (hidden from Settlement, Settlements and SettlementItems; its
	// journals still count in Balances), takes the journals into it
	// a chunk at a time, each chunk a transaction of its own, then in one
	// last transaction takes what still waits, calls build with the
	// batch's totals and writes the settlement build returns (SETTLED) with
	// the change's journals and notifications (nothing else of it). build
	// returning a nil settlement (nothing waited) removes the batch and
	// CloseSettlement returns nil, nil; so does a batch already closed. A
	// close cut short leaves the batch CLOSING (ClosingSettlements); the
	// same call with its id finishes it. Another batch of the same
	// merchant, currency and cutoff is EConflict.
	CloseSettlement(ctx context.Context, id, merchantID, currency string, cutoff time.Time,
		build func([]SettlementTotal) (*Settlement, Change, error)) (*Settlement, error)
	// ClosingSettlements lists batches whose close was cut short.
	ClosingSettlements(ctx context.Context) ([]*Settlement, error)
	// Due lists the merchants and currencies with journals waiting, with
	// the time of the oldest.
	Due(ctx context.Context) ([]Due, error)
	// SettlementTimeZone is the IANA name of the time zone of a merchant's
	// daily cut-off; "" when the operator set none (UTC).
	SettlementTimeZone(ctx context.Context, merchantID string) (string, error)
	// SetSettlementTimeZone sets it ("" removes it); ENotFound for an
	// unknown merchant.
	SetSettlementTimeZone(ctx context.Context, merchantID, tz string) error
	// Settlement returns a merchant's batch; ENotFound if absent.
	Settlement(ctx context.Context, merchantID, id string) (*Settlement, error)
	// Settlements lists up to limit of a merchant's batches, newest (highest
	// id) first, after the id given ("" from the newest).
	Settlements(ctx context.Context, merchantID, before string, limit int) ([]*Settlement, error)
	// SettlementItems lists up to limit lines of a batch in journal id
	// order, after the id given.
	SettlementItems(ctx context.Context, merchantID, id, after string, limit int) ([]SettlementItem, error)
	// PaySettlement marks a SETTLED batch PAID at paidAt and posts j, in one
	// transaction; a batch not SETTLED is EConflict, an absent one ENotFound.
	PaySettlement(ctx context.Context, merchantID, id string, paidAt time.Time, j *Journal) error
	// Balances sums, in one snapshot, ordered by currency: per account
	// kind, the merchant's own lines of its journals still waiting for a
	// batch or in a CLOSING one (what it is owed for movements not settled
	// yet: each batch's settlement journal cancels its movements' lines);
	// and, as Account "", the net of its SETTLED batches (what it is owed
	// for batches not paid out yet).
	Balances(ctx context.Context, merchantID string) ([]Balance, error)
}
