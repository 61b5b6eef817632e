package http

import (
	"net/http"

	"paygate/gateway"
	"paygate/wire"
)

// handleRotateSecret gives the merchant a new API secret; it needs the
// bearer token and the current secret.
func (s *Server) handleRotateSecret(w http.ResponseWriter, r *http.Request) {
	var req wire.SecretRotateRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	grace, err := gateway.ParseGrace(req.Grace)
	if err != nil {
		s.error(w, r, err)
		return
	}
	rs, err := s.merchants.RotateOwnSecret(r.Context(), req.Secret, grace, clientAddr(r))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, wire.SecretView{MerchantID: rs.MerchantID, AppID: rs.AppID, Secret: rs.Secret,
		PreviousSecretValidUntil: wire.OptTime(rs.PrevSecretUntil)})
}

// handleRotateNotifySecret gives the merchant a new notification secret; it
// needs the bearer token and the current API secret.
func (s *Server) handleRotateNotifySecret(w http.ResponseWriter, r *http.Request) {
	var req wire.SecretRotateRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	grace, err := gateway.ParseGrace(req.Grace)
	if err != nil {
		s.error(w, r, err)
		return
	}
	rs, err := s.merchants.RotateOwnNotifySecret(r.Context(), req.Secret, grace, clientAddr(r))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, wire.NotifySecretView{MerchantID: rs.MerchantID, NotifySecret: rs.NotifySecret,
		PreviousNotifySecretValidUntil: wire.OptTime(rs.PrevNotifySecretUntil)})
}
