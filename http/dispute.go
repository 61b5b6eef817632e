package http

import (
	"net/http"

	"paygate/wire"
)

func (s *Server) handleListDisputes(w http.ResponseWriter, r *http.Request) {
	v, err := wire.Query(r.URL.RawQuery)
	if err != nil {
		s.error(w, r, err)
		return
	}
	page, next, err := s.disputes.List(r.Context(), v.Get("startingAfter"), v.Get("limit"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := wire.DisputeListView{Data: []wire.DisputeView{}, HasMore: next != "", NextCursor: next}
	for _, d := range page {
		out.Data = append(out.Data, wire.NewDisputeView(d))
	}
	s.json(w, http.StatusOK, out)
}

func (s *Server) handleGetDispute(w http.ResponseWriter, r *http.Request) {
	d, err := s.disputes.Dispute(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, wire.NewDisputeView(d))
}

func (s *Server) handleDisputeEvidence(w http.ResponseWriter, r *http.Request) {
	var req wire.EvidenceRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	d, err := s.disputes.SubmitEvidence(r.Context(), r.PathValue("id"), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, wire.NewDisputeView(d))
}
