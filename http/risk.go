package http

import (
	"net/http"

	"paygate"
	"paygate/wire"
)

func (s *Server) handleAddListEntry(w http.ResponseWriter, r *http.Request) {
	var req wire.RiskListEntryRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	e, created, err := s.risk.AddListEntry(r.Context(), r.PathValue("list"), req.Value, req.Note)
	if err != nil {
		s.error(w, r, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	s.json(w, status, wire.NewRiskListEntryView(e))
}

func (s *Server) handleListEntries(w http.ResponseWriter, r *http.Request) {
	q, err := wire.Query(r.URL.RawQuery)
	if err != nil {
		s.error(w, r, err)
		return
	}
	es, next, err := s.risk.ListEntries(r.Context(), r.PathValue("list"), q.Get("limit"), q.Get("startingAfter"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := wire.RiskListPage{Data: []wire.RiskListEntryView{}, HasMore: next != "", NextCursor: next}
	for _, e := range es {
		out.Data = append(out.Data, wire.NewRiskListEntryView(e))
	}
	s.json(w, http.StatusOK, out)
}

func (s *Server) handleDeleteListEntry(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.risk.DeleteListEntry(r.Context(), r.PathValue("list"), id); err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, struct {
		ID      string `json:"id"`
		Deleted bool   `json:"deleted"`
	}{id, true})
}

func (s *Server) handleAddRule(w http.ResponseWriter, r *http.Request) {
	var req wire.RiskRuleRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	rule, err := s.risk.AddRule(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusCreated, wire.NewRiskRuleView(rule))
}

func (s *Server) handleListRules(w http.ResponseWriter, r *http.Request) {
	rules, err := s.risk.Rules(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := wire.RiskRuleList{Data: []wire.RiskRuleView{}}
	for _, rule := range rules {
		out.Data = append(out.Data, wire.NewRiskRuleView(rule))
	}
	s.json(w, http.StatusOK, out)
}

func (s *Server) handlePatchRule(w http.ResponseWriter, r *http.Request) {
	var req wire.RiskRulePatch
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	if req.Enabled == nil {
		s.error(w, r, paygate.InvalidParam("enabled", "enabled is required: true or false"))
		return
	}
	rule, err := s.risk.SetRuleEnabled(r.Context(), r.PathValue("id"), *req.Enabled)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, wire.NewRiskRuleView(rule))
}

func (s *Server) handleDeleteRule(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.risk.DeleteRule(r.Context(), id); err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, struct {
		ID      string `json:"id"`
		Deleted bool   `json:"deleted"`
	}{id, true})
}

func (s *Server) handleEvaluate(w http.ResponseWriter, r *http.Request) {
	var req wire.CreatePaymentRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	res, err := s.risk.Evaluate(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, wire.NewRiskView(res))
}

func (s *Server) handleGetRiskSettings(w http.ResponseWriter, r *http.Request) {
	on, err := s.risk.ScreenAll(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, wire.RiskSettings{ScreenAllPayments: &on})
}

func (s *Server) handlePutRiskSettings(w http.ResponseWriter, r *http.Request) {
	var req wire.RiskSettings
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	if req.ScreenAllPayments == nil {
		s.error(w, r, paygate.InvalidParam("screenAllPayments", "screenAllPayments is required: true or false"))
		return
	}
	if err := s.risk.SetScreenAll(r.Context(), *req.ScreenAllPayments); err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, req)
}
