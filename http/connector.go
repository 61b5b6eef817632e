package http

import (
	"io"
	"net/http"

	"paygate"
)

// handleConnectorWebhook takes a connector's event (Stripe's): verified by
// the connector's signing secret, refused when unsigned, stale or altered
// (400, nothing changes), answered 200 when taken or seen before.
func (s *Server) handleConnectorWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.error(w, r, paygate.Errorf(paygate.EInvalidJSON, "the event could not be read: %v", err))
		return
	}
	replay, err := s.connectors.Webhook(r.Context(), r.PathValue("name"), body, r.Header)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, map[string]bool{"received": true, "replay": replay})
}
