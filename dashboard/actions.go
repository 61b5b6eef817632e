package dashboard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"paygate"
	"paygate/wire"
)

// The payment actions: capture, cancel, refund and resend. Each form
// carries an idempotency key made when the page was drawn; the first post
// shows a confirmation, the confirmed post acts through the gateway (so a
// double click or a browser's retry acts once) and comes back to the
// payment with the outcome. Every confirmed action is in the audit log.

// confirmView is the confirmation page's data: what the action will do,
// and the form that does it (the fields of the first post, and confirm).
type confirmView struct {
	URL    string
	Facts  []fact
	Hidden []fact // the form's fields, sent again
	Back   string
}

type fact struct{ Name, Value string }

// An action's outcome, beyond "done": what the page says after it.
const (
	outcomeDone       = ""
	outcomeProcessing = "processing" // the acquirer has not answered yet
	outcomeRefused    = "refused"    // the acquirer said no; nothing moved
	outcomeRepeat     = "repeat"     // the form was sent before: its first outcome stands
)

func (h *Handler) capture(w http.ResponseWriter, r *http.Request, v *view) {
	h.act(w, r, v, "capture", func(ctx context.Context, tradeNo, key string) (string, error) {
		p, err := h.payments.Capture(ctx, &wire.CaptureRequest{OrderRef: wire.OrderRef{TradeNo: tradeNo},
			CaptureAmount: r.PostFormValue("amount")}, "dashboard-capture-"+key)
		if err == nil && !p.Status.Paid() {
			return outcomeRefused, nil
		}
		return outcomeDone, err
	})
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request, v *view) {
	h.act(w, r, v, "cancel", func(ctx context.Context, tradeNo, key string) (string, error) {
		p, err := h.payments.Cancel(ctx, &wire.CancelRequest{OrderRef: wire.OrderRef{TradeNo: tradeNo}}, "dashboard-cancel-"+key)
		if err == nil && p.Status != paygate.StatusCancelled {
			return outcomeRefused, nil
		}
		return outcomeDone, err
	})
}

func (h *Handler) refund(w http.ResponseWriter, r *http.Request, v *view) {
	h.act(w, r, v, "refund", func(ctx context.Context, tradeNo, key string) (string, error) {
		// The address the form was drawn for: a double submit from another
		// address (a phone changing networks) is the same request.
		ip := r.PostFormValue("ip")
		if net.ParseIP(ip) == nil {
			ip = clientIP(r)
		}
		rf, created, err := h.payments.CreateRefund(ctx, &wire.RefundRequest{OrderRef: wire.OrderRef{TradeNo: tradeNo},
			Amount: r.PostFormValue("amount"), Reason: r.PostFormValue("reason"), ClientIP: ip,
			RefundNumber: "dashboard-" + key})
		switch {
		case err != nil:
			return "", err
		case !created:
			return outcomeRepeat, nil
		case rf.Status == paygate.RefundFailed:
			return outcomeRefused, nil
		case rf.Status == paygate.RefundProcessing:
			return outcomeProcessing, nil
		}
		return outcomeDone, nil
	})
}

func (h *Handler) resend(w http.ResponseWriter, r *http.Request, v *view) {
	h.act(w, r, v, "resend", func(ctx context.Context, _, key string) (string, error) {
		_, err := h.notifications.Resend(ctx, r.PostFormValue("notifyId"), "dashboard-resend-"+key)
		return outcomeDone, err
	})
}

// act runs one action: the confirmation first, then do, then the record
// and the way back to the payment.
func (h *Handler) act(w http.ResponseWriter, r *http.Request, v *view, action string,
	do func(ctx context.Context, tradeNo, key string) (outcome string, err error)) {
	tradeNo, key := r.PathValue("tradeNo"), r.PostFormValue("key")
	back := v.Link("/dashboard/payments/" + url.PathEscape(tradeNo))
	if !validKey(key) {
		v.Error = v.T["staleForm"]
		h.showPayment(w, r, v, http.StatusBadRequest)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		v.Nav, v.Title = "payments", v.T["confirm_"+action]
		cv := &confirmView{URL: v.Link("/dashboard/payments/" + url.PathEscape(tradeNo) + "/" + action), Back: back,
			Facts: []fact{{v.T["tradeNo"], tradeNo}}, Hidden: []fact{{"key", key}}}
		for _, f := range []struct{ name, label string }{{"amount", "amount"}, {"reason", "reason"}, {"notifyId", "event"}} {
			if val := r.PostFormValue(f.name); val != "" {
				cv.Facts = append(cv.Facts, fact{v.T[f.label], val})
				cv.Hidden = append(cv.Hidden, fact{f.name, val})
			}
		}
		if ip := r.PostFormValue("ip"); ip != "" {
			cv.Hidden = append(cv.Hidden, fact{"ip", ip})
		}
		v.Data = cv
		h.render(w, r, http.StatusOK, "confirm", v)
		return
	}
	ctx := paygate.WithMerchantID(r.Context(), v.Merchant)
	ctx = paygate.WithRequestID(ctx, "dashboard:"+v.Who.User.Email)
	outcome, err := do(ctx, tradeNo, key)
	object := tradeNo
	if action == "resend" {
		object = r.PostFormValue("notifyId")
	}
	recorded := err
	if recorded == nil {
		recorded = outcomeError(outcome)
	}
	h.record(r, v.Who, v.Merchant, action, object, recorded)
	if err == nil {
		done := action
		if outcome != outcomeDone {
			done += "_" + outcome
		}
		http.Redirect(w, r, back+sepFor(back)+"done="+done, http.StatusSeeOther)
		return
	}
	var pe *paygate.Error
	if !errors.As(err, &pe) || pe.Code == paygate.EInternal || pe.Code == paygate.EUnavailable {
		h.failed(w, r, v.Who, err)
		return
	}
	if pe.Code == paygate.ENotFound && action != "resend" {
		h.notFound(w, r, v.Who)
		return
	}
	v.Error = pe.Message
	param := pe.Param
	if pe.Code == paygate.EAmountExceeded {
		param = "amount"
	}
	if f := action + "-" + formField(param); actionFields[f] {
		v.ErrorField = f
	}
	h.showPayment(w, r, v, wire.HTTPStatus(pe.Code))
}

// actionFields are the action forms' inputs that show an error beside
// them; any other error is shown at the top of the page.
var actionFields = map[string]bool{"capture-amount": true, "refund-amount": true, "refund-reason": true}

// outcomeError is how the audit log records an outcome other than done.
func outcomeError(outcome string) error {
	if outcome == outcomeDone {
		return nil
	}
	return &paygate.Error{Code: outcome, Message: outcome}
}

func sepFor(link string) string {
	if strings.Contains(link, "?") {
		return "&"
	}
	return "?"
}
