package dashboard

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"

	"paygate"
	"paygate/risk"
	"paygate/wire"
)

// The risk page: the merchant's block lists, rules and settings, through
// the same gateway methods as the API. Everyone of the merchant sees it; an
// admin changes it.

type riskView struct {
	Lists     []risk.List
	List      string // the list shown
	Entries   []*paygate.RiskListEntry
	Next      string
	Rules     []*paygate.RiskRule
	ScreenAll bool
	Form      url.Values
}

func (h *Handler) riskPage(w http.ResponseWriter, r *http.Request, v *view) {
	h.showRisk(w, r, v, http.StatusOK)
}

func (h *Handler) showRisk(w http.ResponseWriter, r *http.Request, v *view, status int) {
	ctx := paygate.WithMerchantID(r.Context(), v.Merchant)
	rv := &riskView{Lists: risk.AllLists, List: r.URL.Query().Get("list"), Form: url.Values{}}
	if r.Method == http.MethodPost {
		if r.URL.Path == "/dashboard/risk/entries" || r.URL.Path == "/dashboard/risk/rules" {
			rv.Form = r.PostForm // the add form that was refused, to fill it again
		}
		rv.List = cmp.Or(r.PostFormValue("list"), r.PathValue("list"))
	}
	if rv.List == "" {
		rv.List = string(risk.ListIP)
	}
	var err error
	if rv.Entries, rv.Next, err = h.risk.ListEntries(ctx, rv.List, "50", r.URL.Query().Get("after")); err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	if rv.Next != "" {
		rv.Next = v.Link("/dashboard/risk?list=" + url.QueryEscape(rv.List) + "&after=" + url.QueryEscape(rv.Next))
	}
	if rv.Rules, err = h.risk.Rules(ctx); err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	if rv.ScreenAll, err = h.risk.ScreenAll(ctx); err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	v.Nav, v.Title, v.Data = "risk", v.T["riskTitle"], rv
	h.render(w, r, status, "risk", v)
}

// riskDone records an action on the risk page and goes back to it, or
// shows the page with the error beside field.
func (h *Handler) riskDone(w http.ResponseWriter, r *http.Request, v *view, action, object, field, list string, err error) {
	h.record(r, v.Who, v.Merchant, action, object, err)
	if err == nil {
		http.Redirect(w, r, "/dashboard/risk?list="+url.QueryEscape(list)+"&done=1", http.StatusSeeOther)
		return
	}
	var pe *paygate.Error
	if !errors.As(err, &pe) || pe.Code == paygate.EInternal || pe.Code == paygate.EUnavailable {
		h.failed(w, r, v.Who, err)
		return
	}
	v.Error = pe.Message
	if pe.Param != "" {
		v.ErrorField = field + "-" + pe.Param
	}
	h.showRisk(w, r, v, wire.HTTPStatus(pe.Code))
}

func (h *Handler) addRiskEntry(w http.ResponseWriter, r *http.Request, v *view) {
	list := r.PostFormValue("list")
	e, _, err := h.risk.AddListEntry(paygate.WithMerchantID(r.Context(), v.Merchant), list, r.PostFormValue("value"), r.PostFormValue("note"))
	object := list
	if e != nil {
		object = list + " " + e.Value
	}
	h.riskDone(w, r, v, "add risk list entry", object, "entry", list, err)
}

func (h *Handler) deleteRiskEntry(w http.ResponseWriter, r *http.Request, v *view) {
	list, id := r.PathValue("list"), r.PathValue("id")
	if r.PostFormValue("confirm") != "yes" {
		v.Nav, v.Title = "risk", v.T["confirm_unlist"]
		v.Data = &confirmView{URL: r.URL.Path, Back: "/dashboard/risk?list=" + url.QueryEscape(list),
			Facts: []fact{{v.T["list"], list}, {v.T["value"], r.PostFormValue("value")}}, Hidden: []fact{{"value", r.PostFormValue("value")}}}
		h.render(w, r, http.StatusOK, "confirm", v)
		return
	}
	err := h.risk.DeleteListEntry(paygate.WithMerchantID(r.Context(), v.Merchant), list, id)
	h.riskDone(w, r, v, "delete risk list entry", list+" "+id, "entry", list, err) // the id, not what the form says
}

func (h *Handler) addRiskRule(w http.ResponseWriter, r *http.Request, v *view) {
	enabled := r.PostFormValue("enabled") == "on"
	rule, err := h.risk.AddRule(paygate.WithMerchantID(r.Context(), v.Merchant), &wire.RiskRuleRequest{Name: r.PostFormValue("name"),
		Expression: r.PostFormValue("expression"), Action: r.PostFormValue("action"), Enabled: &enabled})
	object := r.PostFormValue("name")
	if rule != nil {
		object = rule.Name
	}
	h.riskDone(w, r, v, "add risk rule", object, "rule", r.URL.Query().Get("list"), err)
}

func (h *Handler) setRiskRule(w http.ResponseWriter, r *http.Request, v *view) {
	id, state := r.PathValue("id"), r.PathValue("state")
	ctx := paygate.WithMerchantID(r.Context(), v.Merchant)
	var err error
	switch state {
	case "enable", "disable":
		_, err = h.risk.SetRuleEnabled(ctx, id, state == "enable")
	case "delete":
		if r.PostFormValue("confirm") != "yes" {
			v.Nav, v.Title = "risk", v.T["confirm_delete_rule"]
			v.Data = &confirmView{URL: r.URL.Path, Back: "/dashboard/risk", Facts: []fact{{v.T["rule"], r.PostFormValue("name")}},
				Hidden: []fact{{"name", r.PostFormValue("name")}}}
			h.render(w, r, http.StatusOK, "confirm", v)
			return
		}
		err = h.risk.DeleteRule(ctx, id)
	default:
		h.notFound(w, r, v.Who)
		return
	}
	h.riskDone(w, r, v, state+" risk rule", id, "rule", "", err) // the id, not what the form says
}

func (h *Handler) setScreenAll(w http.ResponseWriter, r *http.Request, v *view) {
	on := r.PostFormValue("screenAll") == "on"
	err := h.risk.SetScreenAll(paygate.WithMerchantID(r.Context(), v.Merchant), on)
	action := "screen all payments off"
	if on {
		action = "screen all payments on"
	}
	h.riskDone(w, r, v, action, "", "settings", "", err)
}
