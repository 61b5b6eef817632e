package paygate

import (
	"encoding/json"
	"time"
)

// Notification event types (docs/notifications.md).
const (
	EventPaymentAuthorized = "payment.authorized"
	EventPaymentSucceeded  = "payment.succeeded"
	EventPaymentFailed     = "payment.failed"
	EventPaymentCancelled  = "payment.cancelled"
	EventPaymentExpired    = "payment.expired"
	EventPaymentRefunded   = "payment.refunded"
	EventRefundSucceeded   = "refund.succeeded"
	EventRefundFailed      = "refund.failed"
	EventCheckoutCompleted = "checkout.completed"
	EventCheckoutExpired   = "checkout.expired"
	EventTrackingUpdated   = "tracking.updated"
	EventPaymentDisputed   = "payment.disputed"
	EventDisputeWon        = "dispute.won"
	EventDisputeLost       = "dispute.lost"
	EventSettlementClosed  = "settlement.closed"
)

// APIVersion is the notification format version; the only one so far.
const APIVersion = "20250703"

// EventType returns the notification event type for a status change, or ""
// when the change is not notified (a payment becoming PENDING or
// REQUIRES_ACTION, a refund created PROCESSING).
func EventType(e Event) string {
	if e.ObjectType == "tracker" {
		return EventTrackingUpdated // every change of a tracker, whatever its status
	}
	switch e.ObjectType + ":" + e.To {
	case "payment:" + string(StatusAuthorized):
		return EventPaymentAuthorized
	case "payment:" + string(StatusSucceeded):
		return EventPaymentSucceeded
	case "payment:" + string(StatusFailed):
		return EventPaymentFailed
	case "payment:" + string(StatusCancelled):
		return EventPaymentCancelled
	case "payment:" + string(StatusExpired):
		return EventPaymentExpired
	case "payment:" + string(StatusPartiallyRefunded), "payment:" + string(StatusRefunded):
		return EventPaymentRefunded
	case "refund:" + string(RefundSucceeded):
		return EventRefundSucceeded
	case "refund:" + string(RefundFailed):
		return EventRefundFailed
	case "session:" + string(SessionComplete):
		return EventCheckoutCompleted
	case "session:" + string(SessionExpired):
		return EventCheckoutExpired
	case "dispute:" + string(DisputeNeedsResponse):
		return EventPaymentDisputed
	case "dispute:" + string(DisputeWon):
		return EventDisputeWon
	case "dispute:" + string(DisputeLost):
		return EventDisputeLost
	}
	return ""
}

// Subscription sends every notification of a merchant to one URL, signed
// with the subscription's own secret.
type Subscription struct {
	ID           string
	MerchantID   string
	URL          string
	APIVersion   string
	SignMethod   string
	SecretSealed []byte // the signing key, sealed by the vault
	KeyID        string
	CreatedAt    time.Time
}

// NotificationStatus is the delivery state of a notification.
type NotificationStatus string

// Notification delivery states.
const (
	NotificationPending   NotificationStatus = "PENDING"
	NotificationDelivered NotificationStatus = "DELIVERED"
	NotificationFailed    NotificationStatus = "FAILED"
)

// Notification is one message to one target. Its body is fixed when the
// state change commits (in the same transaction); only its delivery state
// changes afterwards.
//
// The json tags are the stored format of a resent notification kept as an
// idempotent answer (testdata/stored_format.golden): a tag must not change
// without a migration; a renamed Go field keeps its tag.
type Notification struct {
	NotifyID       string             `json:"NotifyID"`
	MerchantID     string             `json:"MerchantID"`
	EventType      string             `json:"EventType"`
	OrderNo        string             `json:"OrderNo"`
	ObjectID       string             `json:"ObjectID"` // tradeNo or refundId
	Sequence       int64              `json:"Sequence"` // per order, increasing with every notified change
	URL            string             `json:"URL"`
	SubscriptionID string             `json:"SubscriptionID"` // "" for the order's notificationUrl
	Body           json.RawMessage    `json:"Body"`
	Status         NotificationStatus `json:"Status"`
	Attempts       int                `json:"Attempts"`
	MaxAttempts    int                `json:"MaxAttempts"`
	NextAttemptAt  time.Time          `json:"NextAttemptAt"`
	LeaseUntil     time.Time          `json:"LeaseUntil"` // a dispatcher owns the delivery until then
	Version        int64              `json:"Version"`
	CreatedAt      time.Time          `json:"CreatedAt"`
	UpdatedAt      time.Time          `json:"UpdatedAt"`
}

// Attempt is one delivery try of a notification.
type Attempt struct {
	NotifyID   string
	MerchantID string
	N          int
	At         time.Time
	StatusCode int    // 0 when no answer came
	Error      string // why it failed, if it did
	LatencyMs  int64
}
