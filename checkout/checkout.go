// Package checkout serves the pages a customer sees: the hosted cashier
// page of a checkout session and the sandbox 3-D Secure challenge (ACS)
// page. Templates, script and style are embedded; nothing is loaded from
// another origin, every page sets a strict Content-Security-Policy, and
// every form post carries a CSRF token bound to its session.
package checkout

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"paygate"
	"paygate/card"
	"paygate/gateway"
	"paygate/wire"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assets embed.FS

var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// Handler serves /checkout/... and /3ds/....
type Handler struct {
	checkout checkoutService
	wallets  walletService
	baseURL  string
	log      *slog.Logger
	mux      *http.ServeMux
}

// New returns the pages' handler.
func New(gw *gateway.Service, log *slog.Logger) *Handler {
	h := &Handler{checkout: gw.Checkout, wallets: gw.Wallets, baseURL: gw.Config().BaseURL, log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /checkout/assets/{file}", h.asset)
	h.mux.HandleFunc("GET /checkout/{sessionId}", h.cashier)
	h.mux.HandleFunc("POST /checkout/{sessionId}", h.pay)
	h.mux.HandleFunc("GET /3ds/{token}", h.challenge)
	h.mux.HandleFunc("POST /3ds/{token}", h.answer)
	h.mux.HandleFunc("GET /connectors/{name}/return/{token}", h.connectorReturn)
	h.walletRoutes()
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.render(w, r, http.StatusNotFound, "message", view{T: messages[language(r)], Message: messages[language(r)]["notFound"]}, "")
	})
	return h
}

// ServeHTTP sets the headers every page shares and routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) asset(w http.ResponseWriter, r *http.Request) {
	f := r.PathValue("file")
	if f != "checkout.js" && f != "checkout.css" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, assets, "assets/"+f)
}

// view is what every template gets.
type view struct {
	T          map[string]string
	Title      string // the page's title; "" for T.title
	TestMode   bool   // no real money moves: a badge and the test cards hint
	Page       *gateway.CheckoutPage
	Challenge  *gateway.Challenge
	Lines      []line
	Total      string
	CSRF       string
	Action     string
	Message    string
	Error      string
	ErrorField string
	State      string // "open", "processing", "paid", "authorized", "failed", "expired", "cancelled"
	Holder     string
	Month      string
	Year       string
	BackURL    string
	LangURL    string
	Masked     string
	Methods    []method            // the wallet methods the cashier page offers
	Attempt    *attempt            // the cashier page's open wallet attempt
	Wallet     *gateway.WalletPage // the sandbox wallet page's order
	Accounts   map[string]string   // the sandbox shopper's accounts, by funding
}

type line struct{ Name, Qty, Price string }

// render writes a page with the security headers. formTarget is the origin
// a form on the page may end up at after the server's redirect (the
// merchant's frontUrl); form-action allows it and nothing else but us.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view, formTarget string) {
	formAction := "'self'"
	if formTarget != "" {
		formAction += " " + formTarget
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.T["lang"])
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name+".html", v); err != nil {
		h.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
	}
}

// origin returns scheme://host of a URL, for CSP.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func (h *Handler) cashier(w http.ResponseWriter, r *http.Request) {
	h.showCashier(w, r, http.StatusOK, "", "")
}

// showCashier renders the session's page in its current state.
func (h *Handler) showCashier(w http.ResponseWriter, r *http.Request, status int, errMsg, errField string) {
	lang := language(r)
	t := messages[lang]
	page, err := h.checkout.CheckoutPage(r.Context(), r.PathValue("sessionId"))
	if err != nil {
		h.errorPage(w, r, t, err)
		return
	}
	v := view{T: t, Page: page, CSRF: h.checkout.CSRFToken(page.Session.SessionID), Error: errMsg, ErrorField: errField,
		Action: "/checkout/" + page.Session.SessionID, LangURL: "/checkout/" + page.Session.SessionID + "?lang=" + t["other"],
		Holder: r.PostFormValue("holderName"), Month: r.PostFormValue("expiryMonth"), Year: r.PostFormValue("expiryYear")}
	v.TestMode = page.TestMode
	p := page.Payment
	v.Total = p.Amount.String() + " " + p.Amount.Currency
	v.Lines = productLines(p)
	v.State = state(page)
	if v.State != "open" && v.State != "processing" {
		v.BackURL = backURL(page.Session.FrontURL, p)
	}
	if v.State == "open" && p.FailureCode != "" && errMsg == "" {
		v.Error = declineMessage(t, p.FailureCode)
	}
	h.walletView(&v, page)
	h.render(w, r, status, "cashier", v, origin(page.Session.FrontURL))
}

func state(page *gateway.CheckoutPage) string {
	p := page.Payment
	switch {
	case p.Status.Paid():
		return "paid"
	case p.Status == paygate.StatusAuthorized:
		return "authorized"
	case p.Status == paygate.StatusFailed:
		return "failed"
	case p.Status == paygate.StatusCancelled:
		return "cancelled"
	case p.Status == paygate.StatusExpired:
		return "expired"
	}
	if page.Expired {
		return "expired"
	}
	if p.ClaimedUntil != nil || p.Status == paygate.StatusRequiresAction {
		return "processing"
	}
	return "open"
}

func declineMessage(t map[string]string, code string) string {
	if m, ok := t[code]; ok {
		return m
	}
	return t["declined"]
}

// backURL is the merchant's frontUrl with the outcome in its query.
func backURL(front string, p *paygate.Payment) string {
	if front == "" {
		return ""
	}
	u, err := url.Parse(front)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("orderNo", p.OrderNo)
	q.Set("tradeNo", p.TradeNo)
	q.Set("status", string(p.Status))
	u.RawQuery = q.Encode()
	return u.String()
}

func (h *Handler) pay(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	t := messages[language(r)]
	sid := r.PathValue("sessionId")
	if !h.checkout.CheckCSRF(sid, r.PostFormValue("csrf")) || !sameOrigin(r) {
		h.showCashier(w, r, http.StatusForbidden, t["csrf"], "")
		return
	}
	p, err := h.checkout.Pay(r.Context(), sid, gateway.CardForm{CardNo: r.PostFormValue("cardNo"),
		ExpiryMonth: r.PostFormValue("expiryMonth"), ExpiryYear: r.PostFormValue("expiryYear"),
		CVC: r.PostFormValue("cvc"), HolderName: r.PostFormValue("holderName"), ClientIP: shopperIP(r)})
	switch {
	case paygate.ErrorCode(err) == paygate.ENotFound:
		h.render(w, r, errStatus(err), "message", view{T: t, Message: t["notFound"]}, "")
		return
	case paygate.ErrorCode(err) == paygate.EInvalidParameter:
		field := paygate.ErrorParam(err)
		msg := map[string]string{"cardNo": t["badCardNo"], "expiryMonth": t["badExpiry"], "expiryYear": t["badExpiry"],
			"cvc": t["badCvc"], "holderName": t["badHolder"]}[field]
		if errors.Is(err, card.ErrExpired) {
			msg = t["expiredCard"]
		}
		h.showCashier(w, r, errStatus(err), msg, field)
		return
	case errors.Is(err, gateway.ErrInProgress), paygate.ErrorCode(err) == paygate.EInvalidState:
		h.redirect(w, r, "/checkout/"+sid)
		return
	case err != nil:
		h.log.ErrorContext(r.Context(), "checkout pay", "err", err)
		h.showCashier(w, r, errStatus(err), t["processing_error"], "")
		return
	}
	h.after(w, r, p, "/checkout/"+sid)
}

// after sends the customer on once a payment moved: to the challenge, back
// to the merchant with the outcome, or to our page showing it.
func (h *Handler) after(w http.ResponseWriter, r *http.Request, p *paygate.Payment, page string) {
	if p.Status == paygate.StatusRequiresAction && p.NextAction != nil {
		h.redirect(w, r, p.NextAction.URL)
		return
	}
	if !p.Status.Open() && p.FrontURL != "" {
		h.redirect(w, r, backURL(p.FrontURL, p))
		return
	}
	if p.Status == paygate.StatusPending && p.FailureCode != "" {
		// Declined: show the form again with the reason, so another card can be tried.
		h.showCashier(w, r, http.StatusOK, "", "")
		return
	}
	h.redirect(w, r, page)
}

func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, to string) {
	if lang := r.FormValue("lang"); lang != "" && strings.HasPrefix(to, "/") {
		to += "?lang=" + url.QueryEscape(lang)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// sameOrigin refuses a post that a browser says came from another site.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	return o == "" || o == "null" || strings.TrimPrefix(strings.TrimPrefix(o, "http://"), "https://") == r.Host
}

func (h *Handler) challenge(w http.ResponseWriter, r *http.Request) {
	h.showChallenge(w, r, http.StatusOK, "")
}

// showChallenge renders the ACS page, with the message errKey names if
// any; a wrong code's message says how many tries are left.
func (h *Handler) showChallenge(w http.ResponseWriter, r *http.Request, status int, errKey string) {
	t := messages[language(r)]
	token := r.PathValue("token")
	ch, err := h.checkout.ChallengePage(r.Context(), token)
	if err != nil {
		h.errorPage(w, r, t, err)
		return
	}
	t = messages[languageFor(r, ch.Payment)]
	errMsg := t[errKey]
	if errKey == "wrongCode" {
		errMsg = fmt.Sprintf(t["wrongCode"], ch.TriesLeft)
		if ch.TriesLeft == 1 {
			errMsg = t["wrongCodeLast"]
		}
	}
	p := ch.Payment
	v := view{T: t, Title: t["acsTitle"], TestMode: ch.TestMode, Challenge: ch, CSRF: h.checkout.CSRFToken("3ds:" + token), Action: "/3ds/" + token,
		Error: errMsg, Total: p.Amount.String() + " " + p.Amount.Currency, LangURL: "/3ds/" + token + "?lang=" + t["other"]}
	if p.Card != nil {
		v.Masked = p.Card.BIN + strings.Repeat("•", 6) + p.Card.Last4
	}
	v.State = "open"
	if p.Status != paygate.StatusRequiresAction {
		v.State = state(&gateway.CheckoutPage{Payment: p})
		v.BackURL = backURL(p.FrontURL, p)
		if v.State == "failed" {
			v.Error = declineMessage(t, p.FailureCode)
		}
	}
	h.render(w, r, status, "acs", v, origin(p.FrontURL))
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	t := messages[language(r)]
	token := r.PathValue("token")
	if !h.checkout.CheckCSRF("3ds:"+token, r.PostFormValue("csrf")) || !sameOrigin(r) {
		h.showChallenge(w, r, http.StatusForbidden, "csrf")
		return
	}
	p, err := h.checkout.CompleteChallenge(r.Context(), token, r.PostFormValue("action") != "fail", strings.TrimSpace(r.PostFormValue("code")))
	switch {
	case paygate.ErrorCode(err) == paygate.ENotFound:
		h.render(w, r, errStatus(err), "message", view{T: t, Message: t["notFound"]}, "")
		return
	case paygate.ErrorCode(err) == paygate.EInvalidParameter:
		h.showChallenge(w, r, errStatus(err), "wrongCode")
		return
	case err != nil:
		h.log.ErrorContext(r.Context(), "3ds answer", "err", err)
		h.showChallenge(w, r, errStatus(err), "processing_error")
		return
	}
	page := "/3ds/" + token
	if p.SessionID != "" {
		page = "/checkout/" + p.SessionID
	}
	h.after(w, r, p, page)
}

// errStatus is the HTTP status of a gateway error, as the JSON API would
// answer it.
func errStatus(err error) int { return wire.HTTPStatus(paygate.ErrorCode(err)) }

// errorPage renders the page of an error that leaves nothing to show: not
// found, or a fault of ours (logged), with the error's status.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, t map[string]string, err error) {
	msg := t["notFound"]
	if paygate.ErrorCode(err) != paygate.ENotFound {
		h.log.ErrorContext(r.Context(), "checkout page", "err", err)
		msg = t["processing_error"]
	}
	h.render(w, r, errStatus(err), "message", view{T: t, Message: msg}, "")
}

// shopperIP is the address the cashier page was posted from, for the risk
// engine's address signals.
func shopperIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	return host
}

// connectorReturn takes the customer back from a connector's own 3-D
// Secure: the gateway asks the connector for the outcome, and the customer
// goes on as after our own challenge: to the cashier (a checkout), to the
// connector again (not done yet), to the merchant's frontUrl, or to a page
// with the outcome.
func (h *Handler) connectorReturn(w http.ResponseWriter, r *http.Request) {
	t := messages[language(r)]
	p, err := h.checkout.ConnectorReturn(r.Context(), r.PathValue("name"), r.PathValue("token"))
	if err != nil {
		h.errorPage(w, r, t, err)
		return
	}
	switch {
	case p.SessionID != "":
		h.redirect(w, r, "/checkout/"+p.SessionID)
	case p.Status == paygate.StatusRequiresAction && p.NextAction != nil:
		h.redirect(w, r, p.NextAction.URL)
	case !p.Status.Open() && p.FrontURL != "":
		h.redirect(w, r, backURL(p.FrontURL, p))
	default:
		h.render(w, r, http.StatusOK, "message", view{T: t, Message: outcomeText(t, p)}, "")
	}
}

// outcomeText says a payment's outcome in the page's language.
func outcomeText(t map[string]string, p *paygate.Payment) string {
	switch p.Status {
	case paygate.StatusSucceeded:
		return t["paid"]
	case paygate.StatusAuthorized:
		return t["authorized"]
	case paygate.StatusFailed:
		return t["failed"]
	case paygate.StatusExpired:
		return t["expired"]
	case paygate.StatusCancelled:
		return t["cancelled"]
	}
	return t["processing"]
}
