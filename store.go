package paygate

import (
	"context"
	"time"
)

// Change is the set of writes one step of a request makes. A store applies it
// in one transaction: all of it or none. Keeping a step's writes in one value
// lets a store commit many requests' changes together later (group commit).
type Change struct {
	// Payments to insert (Version 1) or update (compare-and-set: the stored
	// version must be Version-1).
	Payments []*Payment
	// Refunds to insert (Version 1) or update, like Payments.
	Refunds []*Refund
	// Events to append.
	Events []Event
	// Idempotency records to insert (Version 1) or update, like Payments.
	Idempotency []*IdempotencyRecord
	// Notifications to insert (Version 1) or update, like Payments: the
	// notifications a state change owes are written in its transaction.
	Notifications []*Notification
	// Attempts to append to notifications' delivery logs.
	Attempts []Attempt
	// StoredCards to insert (Version 1) or update (compare-and-set, like
	// Payments). An update replaces the status, card fields, sealed data and
	// key id; what describes the first payment (currency, first tradeNo,
	// scheme transaction id) never changes. transactionIdentifier is unique
	// across merchants.
	StoredCards []*StoredCard
	// Sessions to insert (Version 1) or update, like Payments.
	Sessions []*Session
	// Journals to append to the books: the money movements the change
	// makes. A journal's id is unique: one already there is EConflict and
	// writes nothing.
	Journals []*Journal
	// Trackers to insert (Version 1) or update, like Payments. A tracker
	// change carries its payment too (compare-and-set), whose NotifySeq numbers
	// the tracking.updated notification. (merchant, orderNo, trackingNo) is
	// unique, trackingNo without regard to ASCII case.
	Trackers []*Tracker
	// Disputes to insert (Version 1) or update (compare-and-set, like
	// Payments); a change of a dispute carries its payment too.
	Disputes []*Dispute
}

// IdempotencyRecord remembers the first answer to a request sent with an
// Idempotency-Key header, so a retry gets the same answer (kept 24 h).
type IdempotencyRecord struct {
	MerchantID  string
	Key         string
	Op          string // "capture", "cancel", ...
	RequestHash string
	Version     int64
	Done        bool
	Result      []byte // the JSON of the answer: a Payment, or an Error
	IsError     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ExpiresAt   time.Time
}

// PaymentStore keeps payments, refunds, their events and idempotency records.
// Every read takes the merchant id: another merchant's objects are not_found.
type PaymentStore interface {
	// Apply writes c atomically. A unique key taken (orderNo, refundNumber,
	// idempotency key) or a stale version is EConflict and writes nothing.
	Apply(ctx context.Context, c Change) error
	// Payment returns a payment by tradeNo; ENotFound if absent.
	Payment(ctx context.Context, merchantID, tradeNo string) (*Payment, error)
	// PaymentByOrderNo returns a payment by the merchant's orderNo; ENotFound.
	PaymentByOrderNo(ctx context.Context, merchantID, orderNo string) (*Payment, error)
	// Refund returns a refund by refundId; ENotFound.
	Refund(ctx context.Context, merchantID, refundID string) (*Refund, error)
	// RefundByNumber returns a refund by the merchant's refundNumber; ENotFound.
	RefundByNumber(ctx context.Context, merchantID, refundNumber string) (*Refund, error)
	// Refunds lists a payment's refunds, oldest first.
	Refunds(ctx context.Context, merchantID, tradeNo string) ([]*Refund, error)
	// StaleRefunds lists up to limit PROCESSING refunds of any merchant last
	// updated at or before before, oldest first: refunds whose acquirer call
	// had no answer (a fault, a crash) and must be sent again.
	StaleRefunds(ctx context.Context, before time.Time, limit int) ([]*Refund, error)
	// Events lists the events of one object, oldest first.
	Events(ctx context.Context, merchantID, objectID string) ([]Event, error)
	// Payments lists one page of a merchant's payments that f selects, newest
	// first (CreatedAt, then TradeNo, both descending; times compared in
	// milliseconds). next is the cursor of the following page, zero after the
	// last page.
	Payments(ctx context.Context, merchantID string, f PaymentFilter) (page []*Payment, next PaymentCursor, err error)
	// ListRefunds lists a page of the merchant's refunds, newest first (by
	// creation time, then refundId), as f selects; next is the cursor of
	// the following page, zero on the last.
	ListRefunds(ctx context.Context, merchantID string, f RefundFilter) (page []*Refund, next RefundCursor, err error)
	// Stats sums the merchant's payments and refunds created at or after
	// from and before to (whole UTC days), by day and currency.
	Stats(ctx context.Context, merchantID string, from, to time.Time) (*Stats, error)
	// FindPayments lists up to limit payments of any merchant whose tradeNo
	// or orderNo is ref, newest first: an operator's search across merchants.
	FindPayments(ctx context.Context, ref string, limit int) ([]*Payment, error)
	// Journals lists up to limit journals of every merchant, with their
	// entries, in id order after the id after ("" starts at the first).
	Journals(ctx context.Context, after string, limit int) ([]*Journal, error)
	// DuePayments lists up to limit payments of any merchant in one of statuses
	// whose ExpiresAt is at or before now, oldest deadline first.
	DuePayments(ctx context.Context, statuses []Status, now time.Time, limit int) ([]*Payment, error)
	// Idempotency returns a record by merchant and key; ENotFound.
	Idempotency(ctx context.Context, merchantID, key string) (*IdempotencyRecord, error)
	// DeleteExpiredIdempotency removes records whose ExpiresAt is at or before now.
	DeleteExpiredIdempotency(ctx context.Context, now time.Time) (int, error)
}

// MaxPaymentPage is the most payments one call of Payments returns.
const MaxPaymentPage = 100

// MaxListScan is the most payments (or refunds) one page of a list looks
// at when a filter no index serves narrows it: a filter that matches
// little must not walk a million rows for one request. A page that stops
// there can hold fewer than its Limit, even none, with a cursor to go on.
const MaxListScan = 1_000

// PaymentFilter selects a merchant's payments for Payments.
type PaymentFilter struct {
	// Status keeps only the payments in this status; "" keeps every status.
	Status Status
	// From and To keep only the payments created at or after From and
	// before To; a zero time sets no bound.
	From, To time.Time
	// Method, Currency, OrderNoPrefix and Last4 keep only the payments of
	// this paymentMethodType, in this currency, whose orderNo starts so, or
	// whose card number ends in these four digits; "" keeps all. (They
	// narrow the merchant's list as it is walked, MaxListScan payments
	// a page at most; they have no index.)
	Method, Currency, OrderNoPrefix, Last4 string
	// Limit is the size of the page, 1 to MaxPaymentPage; any other value
	// is MaxPaymentPage.
	Limit int
	// Scan is the most payments a narrowed page looks at, 1 to
	// MaxListScan; any other value is MaxListScan.
	Scan int
	// After continues a listing after the last payment of the page that
	// returned it; the zero cursor starts with the newest payment.
	After PaymentCursor
}

// PageSize is the number of payments a page of f holds at most.
func (f PaymentFilter) PageSize() int {
	if f.Limit < 1 || f.Limit > MaxPaymentPage {
		return MaxPaymentPage
	}
	return f.Limit
}

// Page cuts the payments a store read for f, up to PageSize()+1 of them in
// order, to one page, and returns the cursor of the next page: zero when
// there are no more.
func (f PaymentFilter) Page(ps []*Payment) ([]*Payment, PaymentCursor) {
	n := f.PageSize()
	if len(ps) <= n {
		return ps, PaymentCursor{}
	}
	last := ps[n-1]
	return ps[:n], PaymentCursor{CreatedAt: last.CreatedAt, TradeNo: last.TradeNo}
}

// ScanSize is the number of payments a narrowed page of f looks at most.
func (f PaymentFilter) ScanSize() int { return scanSize(f.Scan) }

func scanSize(n int) int {
	if n < 1 || n > MaxListScan {
		return MaxListScan
	}
	return n
}

// Narrowed reports whether f has a filter no index serves, so that a page
// walks at most ScanSize payments.
func (f PaymentFilter) Narrowed() bool {
	return f.Method != "" || f.Currency != "" || f.OrderNoPrefix != "" || f.Last4 != ""
}

// PageWalked is Page for a narrowed walk: when the page is the last that
// the rows read make but the walk stopped at ScanSize payments
// (walkEnd, the last one it looked at, not zero), the next page starts
// after walkEnd.
func (f PaymentFilter) PageWalked(ps []*Payment, walkEnd PaymentCursor) ([]*Payment, PaymentCursor) {
	page, next := f.Page(ps)
	if next.IsZero() {
		next = walkEnd
	}
	return page, next
}

// PaymentCursor is where a page of Payments ended: the next page starts
// after the payment created at CreatedAt with TradeNo, in the listing order.
type PaymentCursor struct {
	CreatedAt time.Time
	TradeNo   string
}

// IsZero reports whether c is the zero cursor, which starts a listing.
func (c PaymentCursor) IsZero() bool { return c.CreatedAt.IsZero() && c.TradeNo == "" }

// NotificationStore keeps subscriptions, notifications and their attempts.
type NotificationStore interface {
	// CreateSubscription inserts a subscription; EConflict if its id is taken.
	CreateSubscription(ctx context.Context, sub *Subscription) error
	// Subscriptions lists a merchant's subscriptions, oldest first.
	Subscriptions(ctx context.Context, merchantID string) ([]*Subscription, error)
	// Subscription returns one subscription; ENotFound.
	Subscription(ctx context.Context, merchantID, id string) (*Subscription, error)
	// DeleteSubscription removes a subscription; ENotFound.
	DeleteSubscription(ctx context.Context, merchantID, id string) error
	// Notification returns one notification; ENotFound.
	Notification(ctx context.Context, merchantID, notifyID string) (*Notification, error)
	// Notifications lists an order's notifications, oldest first.
	Notifications(ctx context.Context, merchantID, orderNo string) ([]*Notification, error)
	// SubscriptionNotifications lists up to limit of the notifications sent
	// to one of the merchant's subscriptions, newest first.
	SubscriptionNotifications(ctx context.Context, merchantID, subscriptionID string, limit int) ([]*Notification, error)
	// Attempts lists a notification's delivery attempts, oldest first.
	Attempts(ctx context.Context, merchantID, notifyID string) ([]Attempt, error)
	// DueNotifications lists up to limit PENDING notifications of any merchant
	// whose NextAttemptAt and LeaseUntil are at or before now, oldest due first
	// (ties by NotifyID), starting after the cursor (the zero DueCursor starts
	// at the beginning).
	DueNotifications(ctx context.Context, now time.Time, after DueCursor, limit int) ([]*Notification, error)
	// NotificationBacklog counts the PENDING notifications due at now, of
	// every merchant, leased or not: what the dispatchers have yet to deliver.
	NotificationBacklog(ctx context.Context, now time.Time) (int, error)
}

// DueCursor is where a page of due notifications ended: the next page starts
// after this NextAttemptAt and NotifyID. A dispatcher pages on past the rows
// it cannot start (their endpoint is busy), so one slow receiver's backlog
// never hides the others' notifications.
type DueCursor struct {
	NextAttemptAt time.Time
	NotifyID      string
}

// After is the cursor just past n.
func (n *Notification) After() DueCursor {
	return DueCursor{NextAttemptAt: n.NextAttemptAt, NotifyID: n.NotifyID}
}

// MerchantStore keeps merchants.
type MerchantStore interface {
	// CreateMerchant inserts m; EConflict if its id or appId is taken.
	CreateMerchant(ctx context.Context, m *Merchant) error
	// Merchant returns a merchant by id; ENotFound.
	Merchant(ctx context.Context, id string) (*Merchant, error)
	// MerchantByAppID returns a merchant by appId; ENotFound.
	MerchantByAppID(ctx context.Context, appID string) (*Merchant, error)
	// CountMerchants returns how many merchants exist.
	CountMerchants(ctx context.Context) (int, error)
	// ListMerchants lists up to limit merchants in id order, starting after
	// the id after ("" starts at the beginning).
	ListMerchants(ctx context.Context, after string, limit int) ([]*Merchant, error)
	// SetMerchantDisabled sets the merchant's DisabledAt (nil enables it);
	// ENotFound.
	SetMerchantDisabled(ctx context.Context, id string, disabledAt *time.Time) error
	// ReplaceMerchantSecret sets the merchant's SecretHash to newHash if it is
	// still oldHash, keeping oldHash as PrevSecretHash until prevUntil (nil:
	// the old secret stops at once, and no previous one is kept). EConflict if
	// the hash is no longer oldHash (another rotation came first); ENotFound.
	ReplaceMerchantSecret(ctx context.Context, id, oldHash, newHash string, prevUntil *time.Time) error
	// MerchantLimits returns the merchant's own request rate limit (per
	// second) and burst; 0, 0 when it has none and the node's default
	// applies.
	MerchantLimits(ctx context.Context, id string) (rate float64, burst int, err error)
	// SetMerchantLimits sets the merchant's own limits (0, 0: back to the
	// default); ENotFound.
	SetMerchantLimits(ctx context.Context, id string, rate float64, burst int) error
	// ReplaceNotifySecret sets the merchant's NotifySecretSealed to
	// newSealed and its KeyID to keyID if the sealed secret is still
	// oldSealed, keeping the replaced one and its key id as
	// PrevNotifySecretSealed and PrevNotifyKeyID until prevUntil (nil: the
	// old secret stops at once, and no previous one is kept). EConflict if
	// the sealed secret is no longer oldSealed (another rotation or a rekey
	// came first); ENotFound.
	ReplaceNotifySecret(ctx context.Context, id string, oldSealed, newSealed []byte, keyID string, prevUntil *time.Time) error
}

// Store is everything the gateway keeps, implemented by sqlite/ and postgres/.
type Store interface {
	PaymentStore
	NotificationStore
	VaultStore
	SessionStore
	TrackerStore
	MerchantStore
	UserStore
	RiskStore
	PricingStore
	SettlementStore
	DisputeStore
	ConnectorStore
	// Ping reports whether the database answers (for /readyz); EUnavailable if not.
	Ping(ctx context.Context) error
	// Close releases the store's connections.
	Close() error
}

// PoolStats is what a store tells of one of its connection pools, for the
// metrics: a store that has pools implements
// PoolStats() map[string]PoolStats, by pool name.
type PoolStats struct {
	Max          int           // connections the pool may open
	Open         int           // connections open now
	InUse        int           // of those, in use
	Waits        int64         // times a caller waited for a connection, in all
	WaitDuration time.Duration // the time spent waiting, in all
}

// RefundFilter selects a merchant's refunds for ListRefunds. Status and
// Currency have no index: they narrow the walk, ScanSize refunds a page
// at most, as PaymentFilter's Method does.
type RefundFilter struct {
	Status   RefundStatus // "" keeps every status
	Currency string       // "" keeps every currency
	From, To time.Time    // created at or after From, before To; zero: no bound
	Limit    int          // 1 to MaxPaymentPage; any other value is MaxPaymentPage
	Scan     int          // 1 to MaxListScan; any other value is MaxListScan
	After    RefundCursor // the zero cursor starts with the newest refund
}

// PageSize is the number of refunds a page of f holds at most.
func (f RefundFilter) PageSize() int { return PaymentFilter{Limit: f.Limit}.PageSize() }

// ScanSize is the number of refunds a narrowed page of f looks at most.
func (f RefundFilter) ScanSize() int { return scanSize(f.Scan) }

// Narrowed reports whether f has a filter no index serves.
func (f RefundFilter) Narrowed() bool { return f.Status != "" || f.Currency != "" }

// RefundCursor is where a page of refunds ended.
type RefundCursor struct {
	CreatedAt time.Time
	RefundID  string
}

// IsZero reports whether c is the zero cursor, which starts a listing.
func (c RefundCursor) IsZero() bool { return c.CreatedAt.IsZero() && c.RefundID == "" }

// Page cuts the refunds a store read for f, up to its page size + 1 of
// them in order, to one page, and returns the cursor of the next page.
//
// When the rows read do not fill the page but a narrowed walk stopped at
// ScanSize refunds (walkEnd, the last it looked at, not zero), the next
// page starts after walkEnd.
func (f RefundFilter) Page(rs []*Refund, walkEnd RefundCursor) ([]*Refund, RefundCursor) {
	n := f.PageSize()
	if len(rs) <= n {
		return rs, walkEnd
	}
	last := rs[n-1]
	return rs[:n], RefundCursor{CreatedAt: last.CreatedAt, RefundID: last.RefundID}
}
