package http

import (
	"net/http"

	"paygate/gateway"
	"paygate/wire"
)

func (s *Server) handleCreateSubscription(w http.ResponseWriter, r *http.Request) {
	var req wire.SubscriptionRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	sub, secret, err := s.notifications.CreateSubscription(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusCreated, wire.NewSubscriptionView(sub, secret))
}

func (s *Server) handleListSubscriptions(w http.ResponseWriter, r *http.Request) {
	subs, err := s.notifications.Subscriptions(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := struct {
		Subscriptions []wire.SubscriptionView `json:"subscriptions"`
	}{Subscriptions: []wire.SubscriptionView{}}
	for _, sub := range subs {
		out.Subscriptions = append(out.Subscriptions, wire.NewSubscriptionView(sub, ""))
	}
	s.json(w, http.StatusOK, out)
}

func (s *Server) handleDeleteSubscription(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.notifications.DeleteSubscription(r.Context(), id); err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, struct {
		SubscriptionID string `json:"subscriptionId"`
		Deleted        bool   `json:"deleted"`
	}{id, true})
}

func (s *Server) handleListNotifications(w http.ResponseWriter, r *http.Request) {
	logs, err := s.notifications.Log(r.Context(), r.URL.Query().Get("orderNo"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := struct {
		Notifications []wire.NotificationView `json:"notifications"`
	}{Notifications: []wire.NotificationView{}}
	for _, l := range logs {
		out.Notifications = append(out.Notifications, wire.NewNotificationView(l.Notification, l.Attempts))
	}
	s.json(w, http.StatusOK, out)
}

func (s *Server) handleResend(w http.ResponseWriter, r *http.Request) {
	ctx, replayed := gateway.WithReplayFlag(r.Context())
	n, err := s.notifications.Resend(ctx, r.PathValue("notifyId"), r.Header.Get("Idempotency-Key"))
	if *replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, wire.NewNotificationView(n, nil))
}
