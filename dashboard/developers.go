package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/wire"
)

// The developers page: the merchant's appId, the rotation of its API and
// notification secrets (the old one keeps working for the grace chosen),
// its webhook subscriptions with their recent deliveries, and the test
// cards when the acquirer is the sandbox.

type developersView struct {
	Merchant      gateway.MerchantInfo
	Subscriptions []*paygate.Subscription
	TestCards     []acquirer.TestCard
	Graces        []string
	Secret        *shownSecret // just made: shown this once
	Form          url.Values
	Keys          map[string]string // each form's key: one that makes a secret acts once
}

// shownSecret is a secret shown once, with what it is and, for a rotation,
// until when the old one works.
type shownSecret struct {
	Label, Value string
	OldUntil     *time.Time
}

var graces = []string{"0s", "1h", "24h", "72h", "168h"}

func (h *Handler) developersPage(w http.ResponseWriter, r *http.Request, v *view) {
	h.showDevelopers(w, r, v, http.StatusOK, nil)
}

func (h *Handler) showDevelopers(w http.ResponseWriter, r *http.Request, v *view, status int, secret *shownSecret) {
	ctx := paygate.WithMerchantID(r.Context(), v.Merchant)
	mi, err := h.merchants.Merchant(ctx, v.Merchant)
	if err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	subs, err := h.notifications.Subscriptions(ctx)
	if err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	dv := &developersView{Merchant: mi, Subscriptions: subs, TestCards: h.merchants.TestCards(), Graces: graces,
		Secret: secret, Form: url.Values{}, Keys: map[string]string{}}
	for _, f := range []string{"secret", "notify", "subscribe"} {
		dv.Keys[f] = h.users.NewFormKey()
	}
	if r.Method == http.MethodPost && secret == nil {
		dv.Form = r.PostForm
	}
	v.Nav, v.Title, v.Data = "developers", v.T["developers"], dv
	h.render(w, r, status, "developers", v)
}

// rotate rotates the API secret (which "secret") or the notification
// secret ("notify"), after a confirmation.
func (h *Handler) rotate(which string) func(w http.ResponseWriter, r *http.Request, v *view) {
	return func(w http.ResponseWriter, r *http.Request, v *view) {
		grace, err := gateway.ParseGrace(r.PostFormValue("grace"))
		if err != nil {
			h.fieldError(w, r, v, err, which+"-grace")
			return
		}
		key := r.PostFormValue("key")
		if r.PostFormValue("confirm") != "yes" {
			v.Nav, v.Title = "developers", v.T["confirm_rotate_"+which]
			v.Data = &confirmView{URL: r.URL.Path, Back: "/dashboard/developers",
				Facts: []fact{{v.T["grace"], grace.String()}}, Hidden: []fact{{"grace", r.PostFormValue("grace")}, {"key", key}}}
			h.render(w, r, http.StatusOK, "confirm", v)
			return
		}
		var shown *shownSecret
		if which == "secret" {
			var rs *gateway.RotatedSecret
			if rs, err = h.merchants.RotateSecretForm(r.Context(), v.Merchant, grace, key); err == nil {
				shown = &shownSecret{Label: "secret", Value: rs.Secret, OldUntil: rs.PrevSecretUntil}
			}
		} else {
			var rs *gateway.RotatedNotifySecret
			if rs, err = h.merchants.RotateNotifySecretForm(r.Context(), v.Merchant, grace, key); err == nil {
				shown = &shownSecret{Label: "notifySecret", Value: rs.NotifySecret, OldUntil: rs.PrevNotifySecretUntil}
			}
		}
		h.record(r, v.Who, v.Merchant, "rotate "+which, v.Merchant, err)
		if err != nil {
			h.fieldError(w, r, v, err, which+"-grace")
			return
		}
		v.Flash = v.T["rotated"]
		h.showDevelopers(w, r, v, http.StatusOK, shown)
	}
}

// fieldError shows the developers page with err next to field, or as a
// fault.
func (h *Handler) fieldError(w http.ResponseWriter, r *http.Request, v *view, err error, field string) {
	var pe *paygate.Error
	if !errors.As(err, &pe) || pe.Code == paygate.EInternal || pe.Code == paygate.EUnavailable {
		h.failed(w, r, v.Who, err)
		return
	}
	v.Error = pe.Message
	if pe.Param != "" {
		v.ErrorField = field
	}
	h.showDevelopers(w, r, v, wire.HTTPStatus(pe.Code), nil)
}

func (h *Handler) addSubscription(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := paygate.WithMerchantID(r.Context(), v.Merchant)
	sub, secret, err := h.notifications.CreateSubscriptionForm(ctx, &wire.SubscriptionRequest{APIVersion: paygate.APIVersion,
		SignMethod: "sha256", SubscribeURL: r.PostFormValue("url")}, r.PostFormValue("key"))
	object := ""
	if sub != nil {
		object = sub.ID
	}
	h.record(r, v.Who, v.Merchant, "add subscription", object, err)
	if err != nil {
		h.fieldError(w, r, v, err, "url")
		return
	}
	v.Flash = v.T["subscribed"]
	h.showDevelopers(w, r, v, http.StatusCreated, &shownSecret{Label: sub.ID, Value: secret})
}

func (h *Handler) deleteSubscription(w http.ResponseWriter, r *http.Request, v *view) {
	id := r.PathValue("id")
	if r.PostFormValue("confirm") != "yes" {
		v.Nav, v.Title = "developers", v.T["confirm_unsubscribe"]
		v.Data = &confirmView{URL: r.URL.Path, Back: "/dashboard/developers", Facts: []fact{{v.T["subscription"], id}}}
		h.render(w, r, http.StatusOK, "confirm", v)
		return
	}
	err := h.notifications.DeleteSubscription(paygate.WithMerchantID(r.Context(), v.Merchant), id)
	h.record(r, v.Who, v.Merchant, "delete subscription", id, err)
	if err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	http.Redirect(w, r, "/dashboard/developers", http.StatusSeeOther)
}

type deliveriesView struct {
	Subscription  *paygate.Subscription
	Notifications []*paygate.Notification
}

func (h *Handler) deliveriesPage(w http.ResponseWriter, r *http.Request, v *view) {
	sub, ns, err := h.notifications.Deliveries(paygate.WithMerchantID(r.Context(), v.Merchant), r.PathValue("id"))
	if err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	v.Nav, v.Title, v.Data = "developers", v.T["deliveries"], &deliveriesView{Subscription: sub, Notifications: ns}
	h.render(w, r, http.StatusOK, "deliveries", v)
}
