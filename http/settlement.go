package http

import (
	"encoding/csv"
	"encoding/json"
	"mime"
	"net/http"
	"strings"

	"paygate"
	"paygate/wire"
)

func (s *Server) handleBalance(w http.ResponseWriter, r *http.Request) {
	bs, err := s.settlements.Balances(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := wire.BalancesView{Data: []wire.BalanceView{}}
	for _, b := range bs {
		out.Data = append(out.Data, wire.BalanceView{Currency: b.Currency, Pending: wire.Signed(b.Pending, b.Currency),
			Available: wire.Signed(b.Available, b.Currency)})
	}
	s.json(w, http.StatusOK, out)
}

func (s *Server) handleListSettlements(w http.ResponseWriter, r *http.Request) {
	v, err := wire.Query(r.URL.RawQuery)
	if err != nil {
		s.error(w, r, err)
		return
	}
	page, next, err := s.settlements.List(r.Context(), v.Get("startingAfter"), v.Get("limit"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := wire.SettlementListView{Data: []wire.SettlementView{}, HasMore: next != "", NextCursor: next}
	for _, st := range page {
		out.Data = append(out.Data, wire.NewSettlementView(st))
	}
	s.json(w, http.StatusOK, out)
}

func (s *Server) handleGetSettlement(w http.ResponseWriter, r *http.Request) {
	st, err := s.settlements.Settlement(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, wire.NewSettlementView(st))
}

func (s *Server) handleCloseSettlements(w http.ResponseWriter, r *http.Request) {
	closed, err := s.settlements.CloseNow(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := wire.SettlementListView{Data: []wire.SettlementView{}}
	for _, st := range closed {
		out.Data = append(out.Data, wire.NewSettlementView(st))
	}
	s.json(w, http.StatusOK, out)
}

// wantsCSV reports whether the request's Accept header asks for text/csv
// before JSON.
func wantsCSV(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/csv":
			return true
		case "application/json", "*/*", "application/*":
			return false
		}
	}
	return false
}

// handleSettlementItems streams a batch's lines as JSON, or as CSV when
// asked: a page at a time, so a batch of any size takes bounded memory. The
// status is sent with the first line, so a batch that is not there is
// still a 404; a failure after that cuts the body short.
func (s *Server) handleSettlementItems(w http.ResponseWriter, r *http.Request) {
	asCSV := wantsCSV(r)
	var cw *csv.Writer
	var enc *json.Encoder
	started := false
	start := func(st *paygate.Settlement) {
		started = true
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if asCSV {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="`+st.ID+`.csv"`)
			w.WriteHeader(http.StatusOK)
			cw = csv.NewWriter(w)
			cw.Write(wire.SettlementItemHeader)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		enc = json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		w.Write([]byte(`{"settlementId":"` + st.ID + `","data":[`))
	}
	n := 0
	err := s.settlements.Items(r.Context(), r.PathValue("id"), func(st *paygate.Settlement, it paygate.SettlementItem) error {
		if !started {
			start(st)
		}
		v := wire.NewSettlementItemView(st, it)
		if asCSV {
			cw.Write(v.CSV())
			if n++; n%1000 == 0 {
				cw.Flush()
			}
			return cw.Error()
		}
		if n++; n > 1 {
			w.Write([]byte(","))
		}
		return enc.Encode(v)
	})
	switch {
	case err != nil && !started:
		s.error(w, r, err)
		return
	case err != nil:
		s.log.WarnContext(r.Context(), "settlement items cut short", "err", err)
		return
	}
	if !started { // a batch with no line
		st, err := s.settlements.Settlement(r.Context(), r.PathValue("id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		start(st)
	}
	if asCSV {
		cw.Flush()
		return
	}
	w.Write([]byte("]}\n"))
}
