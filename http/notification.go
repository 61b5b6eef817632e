package http

import (
	"encoding/json"
	"net/http"

	"paygate"
	"paygate/gateway"
	"paygate/wire"
)

// Renderer renders objects exactly as the API answers with them; the gateway
// uses it for notification data.
type Renderer struct{}

var _ paygate.Renderer = Renderer{}

// PaymentJSON renders a payment as inquiry does.
func (Renderer) PaymentJSON(p *paygate.Payment, refunds []*paygate.Refund) (json.RawMessage, error) {
	return json.Marshal(newPaymentView(p, refunds))
}

// RefundJSON renders a refund as refund inquiry does.
func (Renderer) RefundJSON(r *paygate.Refund) (json.RawMessage, error) {
	return json.Marshal(newRefundView(r))
}

// SessionJSON renders a checkout session as GET /v1/checkout/sessions/{id} does.
func (Renderer) SessionJSON(sess *paygate.Session, p *paygate.Payment) (json.RawMessage, error) {
	return json.Marshal(newSessionView(sess, p))
}

type subscriptionView struct {
	SubscriptionID string `json:"subscriptionId"`
	SubscribeURL   string `json:"subscribeUrl"`
	APIVersion     string `json:"apiVersion"`
	SignMethod     string `json:"signMethod"`
	SigningSecret  string `json:"signingSecret,omitempty"`
	CreatedAt      string `json:"createdAt"`
}

func newSubscriptionView(s *paygate.Subscription, secret string) subscriptionView {
	return subscriptionView{SubscriptionID: s.ID, SubscribeURL: s.URL, APIVersion: s.APIVersion,
		SignMethod: s.SignMethod, SigningSecret: secret, CreatedAt: timeString(s.CreatedAt)}
}

type attemptView struct {
	N          int    `json:"n"`
	At         string `json:"at"`
	StatusCode int    `json:"statusCode,omitempty"`
	Error      string `json:"error,omitempty"`
	LatencyMs  int64  `json:"latencyMs"`
}

type notificationView struct {
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
	Attempts       []attemptView   `json:"attempts"`
}

func newNotificationView(n *paygate.Notification, attempts []paygate.Attempt) notificationView {
	v := notificationView{NotifyID: n.NotifyID, EventType: n.EventType, OrderNo: n.OrderNo, Sequence: n.Sequence,
		URL: n.URL, SubscriptionID: n.SubscriptionID, Status: string(n.Status), CreatedAt: timeString(n.CreatedAt),
		Payload: n.Body, Attempts: []attemptView{}}
	if n.Status == paygate.NotificationPending {
		v.NextAttemptAt = timeString(n.NextAttemptAt)
	}
	for _, a := range attempts {
		v.Attempts = append(v.Attempts, attemptView{N: a.N, At: timeString(a.At), StatusCode: a.StatusCode, Error: a.Error, LatencyMs: a.LatencyMs})
	}
	return v
}

func (s *Server) handleCreateSubscription(w http.ResponseWriter, r *http.Request) {
	var req wire.SubscriptionRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	sub, secret, err := s.gw.CreateSubscription(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusCreated, newSubscriptionView(sub, secret))
}

func (s *Server) handleListSubscriptions(w http.ResponseWriter, r *http.Request) {
	subs, err := s.gw.Subscriptions(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := struct {
		Subscriptions []subscriptionView `json:"subscriptions"`
	}{Subscriptions: []subscriptionView{}}
	for _, sub := range subs {
		out.Subscriptions = append(out.Subscriptions, newSubscriptionView(sub, ""))
	}
	s.json(w, http.StatusOK, out)
}

func (s *Server) handleDeleteSubscription(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.gw.DeleteSubscription(r.Context(), id); err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, struct {
		SubscriptionID string `json:"subscriptionId"`
		Deleted        bool   `json:"deleted"`
	}{id, true})
}

func (s *Server) handleListNotifications(w http.ResponseWriter, r *http.Request) {
	logs, err := s.gw.Notifications(r.Context(), r.URL.Query().Get("orderNo"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := struct {
		Notifications []notificationView `json:"notifications"`
	}{Notifications: []notificationView{}}
	for _, l := range logs {
		out.Notifications = append(out.Notifications, newNotificationView(l.Notification, l.Attempts))
	}
	s.json(w, http.StatusOK, out)
}

func (s *Server) handleResend(w http.ResponseWriter, r *http.Request) {
	ctx, replayed := gateway.WithReplayFlag(r.Context())
	n, err := s.gw.Resend(ctx, r.PathValue("notifyId"), r.Header.Get("Idempotency-Key"))
	if *replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, newNotificationView(n, nil))
}
