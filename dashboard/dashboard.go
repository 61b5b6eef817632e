// Package dashboard serves the web console at /dashboard: a merchant's
// people see and act on their payments, the provider's operators see every
// merchant. Pages are rendered on the server from embedded templates, with
// no script and nothing from another origin, under a strict
// Content-Security-Policy; every form carries a CSRF token, and every
// action goes through the same gateway methods as the API.
package dashboard

import (
	"embed"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"paygate"
	"paygate/checkout"
	"paygate/gateway"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assets embed.FS

// pages holds one template set per page: the layout and the page's own.
var pages = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	names, _ := templateFS.ReadDir("templates")
	for _, n := range names {
		name := strings.TrimSuffix(n.Name(), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+n.Name()))
	}
	return out
}()

const (
	sessionCookie = "paygate_dashboard"
	formCookie    = "paygate_dashboard_form"   // binds the sign-in form's token before a session exists
	deviceCookie  = "paygate_dashboard_device" // this browser signed in before: an email's lock does not hold it off
	langCookie    = "paygate_lang"
)

// Handler serves /dashboard/....
type Handler struct {
	users         userService
	payments      paymentService
	notifications notificationService
	merchants     merchantService
	risk          riskService
	settlements   settlementService
	disputes      disputeService
	secure        bool // cookies only over https
	log           *slog.Logger
	mux           *http.ServeMux
}

// New returns the dashboard's handler. Its cookies are Secure when the
// gateway's base URL is https.
func New(gw *gateway.Service, log *slog.Logger) *Handler {
	h := &Handler{users: gw.Users, payments: gw.Payments, notifications: gw.Notifications,
		merchants: gw.Merchants, risk: gw.Risk, settlements: gw.Settlements, disputes: gw.Disputes, secure: strings.HasPrefix(gw.Config().BaseURL, "https://"), log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /dashboard/assets/{file}", h.asset)
	h.mux.HandleFunc("GET /dashboard/signin", h.signInPage)
	h.mux.HandleFunc("POST /dashboard/signin", h.signIn)
	h.mux.HandleFunc("POST /dashboard/signout", h.signOut)
	h.mux.HandleFunc("GET /dashboard/setup/{token}", h.setupPage)
	h.mux.HandleFunc("POST /dashboard/setup/{token}", h.setup)
	h.mux.HandleFunc("GET /dashboard/{$}", h.authed(paygate.PermView, h.overview))
	h.mux.HandleFunc("GET /dashboard/payments", h.authed(paygate.PermView, h.paymentList))
	h.mux.HandleFunc("GET /dashboard/payments.csv", h.authed(paygate.PermView, h.paymentCSV))
	h.mux.HandleFunc("GET /dashboard/payments/{tradeNo}", h.authed(paygate.PermView, h.paymentPage))
	h.mux.HandleFunc("POST /dashboard/payments/{tradeNo}/capture", h.authed(paygate.PermMoney, h.capture))
	h.mux.HandleFunc("POST /dashboard/payments/{tradeNo}/cancel", h.authed(paygate.PermMoney, h.cancel))
	h.mux.HandleFunc("POST /dashboard/payments/{tradeNo}/refund", h.authed(paygate.PermMoney, h.refund))
	h.mux.HandleFunc("POST /dashboard/payments/{tradeNo}/resend", h.authed(paygate.PermResend, h.resend))
	h.mux.HandleFunc("GET /dashboard/audit", h.authed(paygate.PermView, h.auditPage))
	h.mux.HandleFunc("GET /dashboard/developers", h.authed(paygate.PermDevelop, h.developersPage))
	h.mux.HandleFunc("POST /dashboard/developers/rotate-secret", h.authed(paygate.PermDevelop, h.rotate("secret")))
	h.mux.HandleFunc("POST /dashboard/developers/rotate-notify-secret", h.authed(paygate.PermDevelop, h.rotate("notify")))
	h.mux.HandleFunc("POST /dashboard/developers/subscriptions", h.authed(paygate.PermDevelop, h.addSubscription))
	h.mux.HandleFunc("GET /dashboard/developers/subscriptions/{id}", h.authed(paygate.PermDevelop, h.deliveriesPage))
	h.mux.HandleFunc("POST /dashboard/developers/subscriptions/{id}/delete", h.authed(paygate.PermDevelop, h.deleteSubscription))
	h.mux.HandleFunc("GET /dashboard/risk", h.authed(paygate.PermView, h.merchantPage(h.riskPage)))
	h.mux.HandleFunc("GET /dashboard/money", h.authed(paygate.PermView, h.merchantPage(h.moneyPage)))
	h.mux.HandleFunc("POST /dashboard/risk/entries", h.authed(paygate.PermRisk, h.addRiskEntry))
	h.mux.HandleFunc("POST /dashboard/risk/lists/{list}/entries/{id}/delete", h.authed(paygate.PermRisk, h.deleteRiskEntry))
	h.mux.HandleFunc("POST /dashboard/risk/rules", h.authed(paygate.PermRisk, h.addRiskRule))
	h.mux.HandleFunc("POST /dashboard/risk/rules/{id}/{state}", h.authed(paygate.PermRisk, h.setRiskRule))
	h.mux.HandleFunc("POST /dashboard/risk/settings", h.authed(paygate.PermRisk, h.setScreenAll))
	h.mux.HandleFunc("GET /dashboard/merchants", h.authed(paygate.PermOperate, h.merchantsPage))
	h.mux.HandleFunc("POST /dashboard/merchants", h.authed(paygate.PermOperate, h.createMerchant))
	h.mux.HandleFunc("POST /dashboard/merchants/{id}/{state}", h.authed(paygate.PermOperate, h.setMerchantState))
	h.mux.HandleFunc("GET /dashboard/search", h.authed(paygate.PermOperate, h.searchPage))
	h.mux.HandleFunc("/dashboard", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/dashboard/", http.StatusSeeOther)
	})
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { h.notFound(w, r, nil) })
	return h
}

// merchantPage wraps a page that is about one merchant: an operator without
// one picks it first.
func (h *Handler) merchantPage(page func(w http.ResponseWriter, r *http.Request, v *view)) func(w http.ResponseWriter, r *http.Request, v *view) {
	return func(w http.ResponseWriter, r *http.Request, v *view) {
		if v.Merchant == "" {
			http.Redirect(w, r, "/dashboard/merchants", http.StatusSeeOther)
			return
		}
		page(w, r, v)
	}
}

// ServeHTTP sets the headers every page shares and routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "+
		"frame-ancestors 'none'; base-uri 'none'")
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) asset(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("file") != "dashboard.css" {
		h.notFound(w, r, nil)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, assets, "assets/dashboard.css")
}

// view is what every page's template gets.
type view struct {
	T          map[string]string
	Who        *gateway.SignedIn // nil on the sign-in pages
	CSRF       string
	Nav        string // the menu item of the page
	Title      string
	Merchant   string // the merchant the page is about ("" for an operator's own pages)
	Flash      string // the outcome of the last action
	Error      string // the page's error, next to ErrorField's input when it names one
	ErrorField string
	LangURL    string
	Data       any
}

// Can reports whether the signed-in person may do p: the pages show only
// what the person may do (the handlers check again).
func (v *view) Can(p string) bool { return v.Who != nil && v.Who.User.Role.Can(paygate.Permission(p)) }

// Link is path for the page's merchant: an operator's links carry it.
func (v *view) Link(path string) string {
	if v.Who == nil || !v.Who.User.Operator() || v.Merchant == "" {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "m=" + url.QueryEscape(v.Merchant)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	if v.T == nil {
		v.T = messages[lang(r)]
	}
	q := r.URL.Query()
	q.Set("lang", v.T["other"])
	if r.Method == http.MethodGet {
		v.LangURL = r.URL.Path + "?" + q.Encode()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.T["lang"])
	w.WriteHeader(status)
	if err := pages[name].ExecuteTemplate(w, "layout", v); err != nil {
		h.log.ErrorContext(r.Context(), "render dashboard page", "page", name, "err", err)
	}
}

// lang is the page language: ?lang= (remembered in a cookie), the cookie,
// then the browser's.
func lang(r *http.Request) string {
	if r.URL.Query().Get("lang") == "" {
		if c, err := r.Cookie(langCookie); err == nil && (c.Value == "en" || c.Value == "zh") {
			return c.Value
		}
	}
	return checkout.Language(r)
}

func (h *Handler) rememberLang(w http.ResponseWriter, r *http.Request) {
	if l := r.URL.Query().Get("lang"); l != "" {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: checkout.Language(r), Path: "/dashboard", MaxAge: 365 * 86400,
			HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
	}
}

// notFound is the one page for what does not exist and what is not the
// person's to see: a guessed URL learns nothing.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, who *gateway.SignedIn) {
	t := messages[lang(r)]
	h.render(w, r, http.StatusNotFound, "message", &view{T: t, Who: who, Title: t["notFoundTitle"], Error: t["notFound"]})
}

// failed renders err as a page: not found, or a fault (logged).
func (h *Handler) failed(w http.ResponseWriter, r *http.Request, who *gateway.SignedIn, err error) {
	if paygate.ErrorCode(err) == paygate.ENotFound {
		h.notFound(w, r, who)
		return
	}
	t := messages[lang(r)]
	// The route, not the path: a set-password link's path is its secret.
	h.log.ErrorContext(r.Context(), "dashboard page", "route", r.Pattern, "err", err)
	h.render(w, r, http.StatusInternalServerError, "message", &view{T: t, Who: who, Title: t["errorTitle"], Error: t["fault"]})
}

// clientIP is the caller's address, without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
