package wire

import (
	"encoding/json"

	"paygate"
)

// SubscriptionView is a notification subscription as the API answers it;
// SigningSecret only in the answer that creates it.
type SubscriptionView struct {
	SubscriptionID string `json:"subscriptionId"`
	SubscribeURL   string `json:"subscribeUrl"`
	APIVersion     string `json:"apiVersion"`
	SignMethod     string `json:"signMethod"`
	SigningSecret  string `json:"signingSecret,omitempty"`
	CreatedAt      string `json:"createdAt"`
}

// AttemptView is one delivery attempt in the delivery log.
type AttemptView struct {
	N          int    `json:"n"`
	At         string `json:"at"`
	StatusCode int    `json:"statusCode,omitempty"`
	Error      string `json:"error,omitempty"`
	LatencyMs  int64  `json:"latencyMs"`
}

// NotificationView is one notification in the delivery log, with its
// attempts.
type NotificationView struct {
	NotifyID       string          `json:"notifyId"`
	EventType      string          `json:"eventType"`
	OrderNo        string          `json:"orderNo"`
	Sequence       int64           `json:"sequence"`
	URL            string          `json:"url"`
	SubscriptionID string          `json:"subscriptionId,omitempty"`
	Status         string          `json:"status"`
	NextAttemptAt  string          `json:"nextAttemptAt,omitempty"`
	CreatedAt      string          `json:"createdAt"`
	Payload        json.RawMessage `json:"payload"`
	Attempts       []AttemptView   `json:"attempts"`
}

// NewSubscriptionView renders a subscription; secret is shown only once.
func NewSubscriptionView(s *paygate.Subscription, secret string) SubscriptionView {
	return SubscriptionView{SubscriptionID: s.ID, SubscribeURL: s.URL, APIVersion: s.APIVersion,
		SignMethod: s.SignMethod, SigningSecret: secret, CreatedAt: TimeString(s.CreatedAt)}
}

// NewNotificationView renders a notification and its attempts.
func NewNotificationView(n *paygate.Notification, attempts []paygate.Attempt) NotificationView {
	v := NotificationView{NotifyID: n.NotifyID, EventType: n.EventType, OrderNo: n.OrderNo, Sequence: n.Sequence,
		URL: n.URL, SubscriptionID: n.SubscriptionID, Status: string(n.Status), CreatedAt: TimeString(n.CreatedAt),
		Payload: n.Body, Attempts: []AttemptView{}}
	if n.Status == paygate.NotificationPending {
		v.NextAttemptAt = TimeString(n.NextAttemptAt)
	}
	for _, a := range attempts {
		v.Attempts = append(v.Attempts, AttemptView{N: a.N, At: TimeString(a.At), StatusCode: a.StatusCode, Error: a.Error, LatencyMs: a.LatencyMs})
	}
	return v
}

// NotificationBody is what a notification's receiver gets, with the
// order's sequence so events can be put in order.
type NotificationBody struct {
	NotifyID   string          `json:"notifyId"`
	EventType  string          `json:"eventType"`
	APIVersion string          `json:"apiVersion"`
	CreatedAt  string          `json:"createdAt"`
	Sequence   int64           `json:"sequence"`
	Data       json.RawMessage `json:"data"`
}

// PaymentJSON renders a payment as inquiry answers it, for a notification's
// data.
func PaymentJSON(p *paygate.Payment, refunds []*paygate.Refund) (json.RawMessage, error) {
	return json.Marshal(NewPaymentView(p, refunds))
}

// RefundJSON renders a refund as refund inquiry answers it.
func RefundJSON(r *paygate.Refund) (json.RawMessage, error) {
	return json.Marshal(NewRefundView(r))
}

// SessionJSON renders a checkout session as GET /v1/checkout/sessions/{id}
// answers it.
func SessionJSON(sess *paygate.Session, p *paygate.Payment) (json.RawMessage, error) {
	return json.Marshal(NewSessionView(sess, p))
}

// TrackerJSON renders a tracker as tracking inquiry answers it.
func TrackerJSON(t *paygate.Tracker) (json.RawMessage, error) {
	return json.Marshal(NewTrackerView(t))
}
