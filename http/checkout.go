package http

import (
	"net/http"

	"paygate/wire"
)

func (s *Server) handleCreateSession(w http.ResponseWriter, r *http.Request) {
	var req wire.SessionRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	sess, p, created, err := s.sessions.CreateSession(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.created(w, created, wire.NewSessionView(sess, p))
}

func (s *Server) handleGetSession(w http.ResponseWriter, r *http.Request) {
	sess, p, err := s.sessions.Session(r.Context(), r.PathValue("sessionId"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, wire.NewSessionView(sess, p))
}
