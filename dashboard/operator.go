package dashboard

import (
	"errors"
	"net/http"
	"net/url"

	"paygate"
	"paygate/gateway"
)

// The operator's pages: every merchant, with its volume; creating,
// disabling and enabling one; and a search by tradeNo or orderNo across
// merchants.

const merchantsPageSize = 50

// merchantRow is one merchant on the merchants page.
type merchantRow struct {
	gateway.MerchantInfo
	Month []gateway.Totals // the last 30 days, per currency
}

type merchantsView struct {
	Merchants []merchantRow
	Next      string
	Created   *gateway.NewMerchant // just created: its secrets, shown this once
	Name      string
	Key       string // the create form's key: sent twice, it creates one merchant
}

func (h *Handler) merchantsPage(w http.ResponseWriter, r *http.Request, v *view) {
	h.showMerchants(w, r, v, http.StatusOK, &merchantsView{})
}

func (h *Handler) showMerchants(w http.ResponseWriter, r *http.Request, v *view, status int, mv *merchantsView) {
	ms, err := h.merchants.ListMerchants(r.Context(), r.URL.Query().Get("after"), merchantsPageSize)
	if err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	for _, m := range ms {
		o, err := h.payments.Overview(paygate.WithMerchantID(r.Context(), m.ID))
		if err != nil {
			h.failed(w, r, v.Who, err)
			return
		}
		row := merchantRow{MerchantInfo: m}
		for _, c := range o.Currencies {
			row.Month = append(row.Month, c.Month)
		}
		mv.Merchants = append(mv.Merchants, row)
	}
	if len(ms) == merchantsPageSize {
		mv.Next = "/dashboard/merchants?after=" + url.QueryEscape(ms[len(ms)-1].ID)
	}
	mv.Key = h.users.NewFormKey()
	v.Nav, v.Title, v.Data = "merchants", v.T["merchants"], mv
	h.render(w, r, status, "merchants", v)
}

func (h *Handler) createMerchant(w http.ResponseWriter, r *http.Request, v *view) {
	name := r.PostFormValue("name")
	nm, err := h.merchants.CreateMerchantForm(r.Context(), name, r.PostFormValue("key"))
	id := ""
	if nm != nil {
		id = nm.Merchant.ID
	}
	h.record(r, v.Who, "", "create merchant", id, err) // the operator's own log, not the merchant's
	var pe *paygate.Error
	if errors.As(err, &pe) && pe.Code == paygate.EInvalidParameter {
		v.Error, v.ErrorField = pe.Message, "name"
		h.showMerchants(w, r, v, http.StatusBadRequest, &merchantsView{Name: name})
		return
	}
	if err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	v.Flash = v.T["merchantCreated"]
	h.showMerchants(w, r, v, http.StatusCreated, &merchantsView{Created: nm})
}

func (h *Handler) setMerchantState(w http.ResponseWriter, r *http.Request, v *view) {
	id, state := r.PathValue("id"), r.PathValue("state")
	if state != "disable" && state != "enable" {
		h.notFound(w, r, v.Who)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		v.Nav, v.Title = "merchants", v.T["confirm_"+state]
		v.Data = &confirmView{URL: "/dashboard/merchants/" + url.PathEscape(id) + "/" + state,
			Facts: []fact{{v.T["merchant"], id}}, Back: "/dashboard/merchants"}
		h.render(w, r, http.StatusOK, "confirm", v)
		return
	}
	_, err := h.merchants.SetDisabled(r.Context(), id, state == "disable")
	h.record(r, v.Who, "", state+" merchant", id, err)
	if err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	http.Redirect(w, r, "/dashboard/merchants", http.StatusSeeOther)
}

type searchView struct {
	Q        string
	Payments []*paygate.Payment
}

// searchPage finds payments by tradeNo or orderNo across merchants.
func (h *Handler) searchPage(w http.ResponseWriter, r *http.Request, v *view) {
	sv := &searchView{Q: r.URL.Query().Get("q")}
	v.Nav, v.Title, v.Data = "search", v.T["searchAll"], sv
	status := http.StatusOK
	if sv.Q != "" {
		ps, err := h.payments.Find(r.Context(), sv.Q)
		var pe *paygate.Error
		switch {
		case errors.As(err, &pe) && pe.Code == paygate.EInvalidParameter:
			v.Error, v.ErrorField, status = pe.Message, "q", http.StatusBadRequest
		case err != nil:
			h.failed(w, r, v.Who, err)
			return
		}
		sv.Payments = ps
	}
	h.render(w, r, status, "search", v)
}
