package dashboard

import (
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"paygate"
	"paygate/gateway"
	"paygate/wire"
)

// listView is the payments page's data.
type listView struct {
	Filter   url.Values // the filters as given, to fill the form again
	Payments []*paygate.Payment
	Next     string // the link of the next page, "" on the last
	First    string // the link of the first page of the same filters
	Export   string // the CSV link of the same filters
	Statuses []paygate.Status
	Methods  []string
}

// listQuery reads the payments page's filters into the API's list query.
// Dates are whole UTC days: createdTo includes its day. The search box
// takes a tradeNo, four digits (a card's last4) or an orderNo prefix.
func listQuery(q url.Values) *wire.PaymentListQuery {
	lq := &wire.PaymentListQuery{Status: q.Get("status"), PaymentMethodType: q.Get("paymentMethodType"),
		Currency: strings.ToUpper(q.Get("currency")), OrderNo: q.Get("orderNo"), Last4: q.Get("last4"),
		Limit: "25", StartingAfter: q.Get("startingAfter")}
	if d := q.Get("createdFrom"); d != "" {
		lq.CreatedFrom = d + "T00:00:00Z"
	}
	if d := q.Get("createdTo"); d != "" {
		if t, err := time.Parse(time.DateOnly, d); err == nil {
			lq.CreatedTo = t.AddDate(0, 0, 1).Format(time.RFC3339)
		} else {
			lq.CreatedTo = d // refused by the list, naming createdTo
		}
	}
	if s := strings.TrimSpace(q.Get("q")); s != "" {
		if len(s) == 4 && strings.Trim(s, "0123456789") == "" {
			lq.Last4 = s
		} else {
			lq.OrderNo = s
		}
	}
	return lq
}

func (h *Handler) paymentList(w http.ResponseWriter, r *http.Request, v *view) {
	if v.Merchant == "" {
		http.Redirect(w, r, "/dashboard/merchants", http.StatusSeeOther)
		return
	}
	ctx := paygate.WithMerchantID(r.Context(), v.Merchant)
	q := r.URL.Query()
	// A tradeNo in the search box opens that payment.
	if s := strings.TrimSpace(q.Get("q")); s != "" && q.Get("startingAfter") == "" {
		if _, _, err := h.payments.Payment(ctx, wire.OrderRef{TradeNo: s}); err == nil {
			http.Redirect(w, r, v.Link("/dashboard/payments/"+url.PathEscape(s)), http.StatusSeeOther)
			return
		}
	}
	v.Nav, v.Title = "payments", v.T["payments"]
	lv := &listView{Filter: q, Statuses: listStatuses, Methods: paygate.PaymentMethodTypes()}
	v.Data = lv
	list, err := h.payments.List(ctx, listQuery(q))
	var pe *paygate.Error
	if errors.As(err, &pe) && pe.Code == paygate.EInvalidParameter {
		v.Error = pe.Message
		if f := formField(pe.Param); listFields[f] {
			v.ErrorField = f
		}
		h.render(w, r, http.StatusBadRequest, "payments", v)
		return
	}
	if err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	lv.Payments = list.Payments
	filters := url.Values{}
	for k, vs := range q {
		if k != "startingAfter" && k != "lang" && k != "m" && len(vs) > 0 && vs[0] != "" {
			filters.Set(k, vs[0])
		}
	}
	if list.Next != "" {
		next := url.Values{}
		for k := range filters {
			next.Set(k, filters.Get(k))
		}
		next.Set("startingAfter", list.Next)
		lv.Next = v.Link("/dashboard/payments?" + next.Encode())
	}
	lv.Export = v.Link("/dashboard/payments.csv?" + filters.Encode())
	lv.First = v.Link("/dashboard/payments?" + filters.Encode())
	h.render(w, r, http.StatusOK, "payments", v)
}

var listStatuses = []paygate.Status{paygate.StatusPending, paygate.StatusRequiresAction, paygate.StatusAuthorized,
	paygate.StatusSucceeded, paygate.StatusPartiallyRefunded, paygate.StatusRefunded, paygate.StatusFailed,
	paygate.StatusCancelled, paygate.StatusExpired}

// listFields are the inputs of the payments page that show an error beside
// them; any other error (a cursor, the status) is shown above the list.
var listFields = map[string]bool{"q": true, "currency": true, "createdFrom": true, "createdTo": true}

// formField is the form input an API parameter's error belongs next to.
func formField(param string) string {
	switch param {
	case "orderNo", "last4":
		return "q"
	case "captureAmount":
		return "amount"
	}
	return param
}

// paymentCSV streams the filtered list as CSV, every page of it: rows go
// out as they are read, so an export of any size holds one page in memory.
func (h *Handler) paymentCSV(w http.ResponseWriter, r *http.Request, v *view) {
	if v.Merchant == "" {
		h.notFound(w, r, v.Who)
		return
	}
	ctx := paygate.WithMerchantID(r.Context(), v.Merchant)
	lq := listQuery(r.URL.Query())
	lq.Limit, lq.StartingAfter = "100", ""
	first, err := h.payments.List(ctx, lq)
	var pe *paygate.Error
	if errors.As(err, &pe) && pe.Code == paygate.EInvalidParameter {
		h.render(w, r, http.StatusBadRequest, "message", &view{T: v.T, Who: v.Who, CSRF: v.CSRF, Merchant: v.Merchant,
			Title: v.T["export"], Error: pe.Message})
		return
	}
	if err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="payments.csv"`)
	// An export of a million payments takes longer than the server's
	// write timeout allows an answer; this one may, as long as it moves:
	// each page written gives the next 30 seconds.
	rc := http.NewResponseController(w)
	flush := func() error {
		rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		return rc.Flush()
	}
	flush()
	err = writeCSV(w, flush, first, func(cursor string) (*gateway.PaymentList, error) {
		lq.StartingAfter = cursor
		return h.payments.List(ctx, lq)
	})
	if err != nil {
		// The header is sent: break the download off rather than end it
		// as if the file were whole.
		h.log.ErrorContext(r.Context(), "payments export", "err", err)
		panic(http.ErrAbortHandler)
	}
}

var csvHeader = []string{"tradeNo", "orderNo", "createdAt", "status", "paymentMethodType", "amount", "currency",
	"captured", "refunded", "cardBrand", "cardLast4", "failureCode"}

// writeCSV writes page and the pages after it. A cell a spreadsheet would
// read as a formula (an orderNo starting with =, +, - or @) is written
// with a leading apostrophe.
func writeCSV(w io.Writer, flush func() error, page *gateway.PaymentList, next func(cursor string) (*gateway.PaymentList, error)) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for {
		for _, p := range page.Payments {
			brand, last4 := "", ""
			if p.Card != nil {
				brand, last4 = p.Card.Brand, p.Card.Last4
			}
			row := []string{p.TradeNo, p.OrderNo, p.CreatedAt.UTC().Format(time.RFC3339Nano), string(p.Status),
				p.PaymentMethodType, p.Amount.String(), p.Amount.Currency, p.Captured().String(), p.Refunded().String(),
				brand, last4, p.FailureCode}
			for i, c := range row {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					row[i] = "'" + c
				}
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		flush() // a writer that cannot flush sends as its buffer fills
		if page.Next == "" {
			return nil
		}
		var err error
		if page, err = next(page.Next); err != nil {
			return err
		}
	}
}

// detailView is the payment page's data.
type detailView struct {
	*gateway.PaymentDetail
	Capturable, Refundable string // what may be captured and refunded now ("" none)
	Cancellable            bool
	Keys                   map[string]string // a fresh idempotency key per action form
	Form                   url.Values        // a refused action's form, to fill it again
	IP                     string            // the address the page is drawn for (a refund's clientIp)
}

func (h *Handler) paymentPage(w http.ResponseWriter, r *http.Request, v *view) {
	h.showPayment(w, r, v, http.StatusOK)
}

// showPayment renders a payment with its action forms.
func (h *Handler) showPayment(w http.ResponseWriter, r *http.Request, v *view, status int) {
	if v.Merchant == "" {
		h.notFound(w, r, v.Who)
		return
	}
	d, err := h.payments.Detail(paygate.WithMerchantID(r.Context(), v.Merchant), r.PathValue("tradeNo"))
	if err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	p := d.Payment
	dv := &detailView{PaymentDetail: d, Keys: map[string]string{}, Form: url.Values{}, IP: clientIP(r)}
	if r.Method == http.MethodPost {
		dv.Form = r.PostForm
	}
	if p.Status == paygate.StatusAuthorized {
		dv.Capturable, dv.Cancellable = p.Amount.String(), true
	}
	if m, err := p.RefundableAmount(); err == nil && m.Minor > 0 {
		dv.Refundable = m.String()
	}
	for _, a := range []string{"capture", "cancel", "refund"} {
		dv.Keys[a] = h.users.NewFormKey()
	}
	for _, n := range d.Notifications {
		dv.Keys["resend-"+n.NotifyID] = h.users.NewFormKey()
	}
	if f := r.URL.Query().Get("done"); f != "" {
		v.Flash = v.T["done_"+f]
	}
	v.Nav, v.Title, v.Data = "payments", v.T["payment"]+" "+p.TradeNo, dv
	h.render(w, r, status, "payment", v)
}

// validKey reports whether a form's key is one NewFormKey could make. The
// form carries it, so a double click or a browser's retry of the same form
// acts once.
func validKey(k string) bool {
	_, err := hex.DecodeString(k)
	return err == nil && len(k) == 24
}
