package dashboard

import (
	"net/http"

	"paygate"
	"paygate/gateway"
)

// auditView is the audit page's data.
type auditView struct {
	Entries []*paygate.AuditEntry
	Next    string
}

// auditPage lists what people did: a merchant's people see their
// merchant's entries, an operator every entry.
func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request, v *view) {
	es, err := h.users.AuditLog(r.Context(), v.Who, r.URL.Query().Get("before"))
	if err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	av := &auditView{Entries: es}
	if len(es) == gateway.AuditPageSize {
		av.Next = "/dashboard/audit?before=" + es[len(es)-1].ID
	}
	v.Nav, v.Title, v.Data = "audit", v.T["audit"], av
	h.render(w, r, http.StatusOK, "audit", v)
}
