package dashboard

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"paygate"
	"paygate/gateway"
)

// authed wraps a page that needs a signed-in person with permission p.
// Without a session the browser goes to the sign-in page (and comes back);
// without the permission the answer is the not-found page; a form without
// the session's CSRF token is refused.
func (h *Handler) authed(p paygate.Permission, page func(w http.ResponseWriter, r *http.Request, v *view)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.rememberLang(w, r)
		who, err := h.session(r)
		if err != nil {
			if paygate.ErrorCode(err) != paygate.EUnauthorized {
				h.failed(w, r, nil, err)
				return
			}
			next := r.URL.Path
			if r.Method == http.MethodGet && r.URL.RawQuery != "" {
				next += "?" + r.URL.RawQuery
			} else if r.Method != http.MethodGet {
				next = "/dashboard/" // a form's address answers posts only
				if strings.HasPrefix(r.URL.Path, "/dashboard/payments/") {
					next = path.Dir(r.URL.Path) // back to the payment
				}
			}
			http.Redirect(w, r, "/dashboard/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		v := &view{T: messages[lang(r)], Who: who, CSRF: h.users.CSRFToken(who.Session), Merchant: who.Merchant()}
		if who.User.Operator() {
			v.Merchant = r.URL.Query().Get("m")
		}
		if !who.User.Role.Can(p) {
			h.notFound(w, r, who)
			return
		}
		if r.Method == http.MethodPost && !h.users.CheckCSRF(who.Session, r.PostFormValue("csrf")) {
			h.render(w, r, http.StatusForbidden, "message", &view{T: v.T, Who: who, Title: v.T["errorTitle"], Error: v.T["csrf"]})
			return
		}
		page(w, r, v)
	}
}

func (h *Handler) session(r *http.Request) (*gateway.SignedIn, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, paygate.Errorf(paygate.EUnauthorized, "not signed in")
	}
	return h.users.Session(r.Context(), c.Value)
}

func (h *Handler) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/dashboard", MaxAge: maxAge, HttpOnly: true,
		Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// signInPage shows the sign-in form, its token bound to a cookie of the
// browser's own (a site elsewhere cannot sign the browser in as itself).
func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	h.rememberLang(w, r)
	h.showSignIn(w, r, http.StatusOK, "", "")
}

func (h *Handler) showSignIn(w http.ResponseWriter, r *http.Request, status int, msg, field string) {
	bind := ""
	if c, err := r.Cookie(formCookie); err == nil && len(c.Value) == 43 {
		bind = c.Value
	} else {
		b := make([]byte, 32)
		rand.Read(b)
		bind = base64.RawURLEncoding.EncodeToString(b)
		h.setCookie(w, formCookie, bind, 3600)
	}
	t := messages[lang(r)]
	v := &view{T: t, Title: t["signIn"], CSRF: h.users.FormToken("signin|" + bind), Error: msg, ErrorField: field,
		Data: signInForm{Email: r.PostFormValue("email"), Next: safeNext(r.FormValue("next"))}}
	if r.URL.Query().Get("set") == "1" {
		v.Flash = t["passwordSet"]
	}
	h.render(w, r, status, "signin", v)
}

type signInForm struct{ Email, Next string }

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	t := messages[lang(r)]
	c, err := r.Cookie(formCookie)
	if err != nil || !h.users.CheckFormToken("signin|"+c.Value, r.PostFormValue("csrf")) {
		h.showSignIn(w, r, http.StatusForbidden, t["csrf"], "")
		return
	}
	device := ""
	if c, err := r.Cookie(deviceCookie); err == nil {
		device = c.Value
	}
	res, err := h.users.SignIn(r.Context(), r.PostFormValue("email"), r.PostFormValue("password"), clientIP(r), device)
	if err != nil {
		var pe *paygate.Error
		switch code := paygate.ErrorCode(err); {
		case code == paygate.EInvalidParameter && errors.As(err, &pe):
			h.showSignIn(w, r, http.StatusBadRequest, t["bad_"+pe.Param], pe.Param)
		case code == paygate.EUnauthorized:
			h.showSignIn(w, r, http.StatusUnauthorized, t["wrongPassword"], "password")
		case code == paygate.ERateLimited && errors.As(err, &pe):
			w.Header().Set("Retry-After", strconv.Itoa(pe.RetryAfter))
			h.showSignIn(w, r, http.StatusTooManyRequests, strings.ReplaceAll(t["locked"], "{s}", strconv.Itoa(pe.RetryAfter)), "")
		default:
			h.failed(w, r, nil, err)
		}
		return
	}
	h.setCookie(w, sessionCookie, res.Token, 0)
	h.setCookie(w, deviceCookie, res.Device, 90*86400)
	h.setCookie(w, formCookie, "", -1)
	h.record(r, res.Who, res.Who.Merchant(), "signin", "", nil)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	who, err := h.session(r)
	if err == nil && h.users.CheckCSRF(who.Session, r.PostFormValue("csrf")) {
		c, _ := r.Cookie(sessionCookie)
		if err := h.users.SignOut(r.Context(), c.Value); err != nil {
			h.failed(w, r, who, err)
			return
		}
		h.record(r, who, who.Merchant(), "signout", "", nil)
	}
	h.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/dashboard/signin", http.StatusSeeOther)
}

// safeNext is where to go after signing in: a dashboard page of this
// server, never another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/dashboard/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/dashboard/"
	}
	return next
}

func (h *Handler) setupPage(w http.ResponseWriter, r *http.Request) {
	h.rememberLang(w, r)
	h.showSetup(w, r, http.StatusOK, "", "")
}

func (h *Handler) showSetup(w http.ResponseWriter, r *http.Request, status int, msg, field string) {
	t := messages[lang(r)]
	token := r.PathValue("token")
	u, err := h.users.SetupUser(r.Context(), token)
	if err != nil {
		if paygate.ErrorCode(err) == paygate.ENotFound {
			h.render(w, r, http.StatusNotFound, "message", &view{T: t, Title: t["setupTitle"], Error: t["linkGone"]})
			return
		}
		h.failed(w, r, nil, err)
		return
	}
	h.render(w, r, status, "setup", &view{T: t, Title: t["setupTitle"], CSRF: h.users.FormToken("setup|" + token),
		Error: msg, ErrorField: field, Data: u.Email})
}

func (h *Handler) setup(w http.ResponseWriter, r *http.Request) {
	t := messages[lang(r)]
	token := r.PathValue("token")
	if !h.users.CheckFormToken("setup|"+token, r.PostFormValue("csrf")) {
		h.showSetup(w, r, http.StatusForbidden, t["csrf"], "")
		return
	}
	if r.PostFormValue("password") != r.PostFormValue("confirm") {
		h.showSetup(w, r, http.StatusBadRequest, t["mismatch"], "confirm")
		return
	}
	u, err := h.users.SetPassword(r.Context(), token, r.PostFormValue("password"))
	if paygate.ErrorCode(err) == paygate.EInvalidParameter {
		h.showSetup(w, r, http.StatusBadRequest, t["bad_password"], "password")
		return
	}
	if paygate.ErrorCode(err) == paygate.ENotFound {
		h.showSetup(w, r, http.StatusNotFound, "", "") // says the link is used or gone
		return
	}
	if err != nil {
		h.failed(w, r, nil, err)
		return
	}
	h.record(r, &gateway.SignedIn{User: u}, u.MerchantID, "set password", "", nil)
	http.Redirect(w, r, "/dashboard/signin?set=1", http.StatusSeeOther)
}

// record appends an action to the audit log; a failure to record is
// logged, and the action's outcome stands.
func (h *Handler) record(r *http.Request, who *gateway.SignedIn, merchantID, action, object string, outcome error) {
	if err := h.users.Record(r.Context(), who, merchantID, action, object, clientIP(r), outcome); err != nil {
		h.log.ErrorContext(r.Context(), "audit log", "action", action, "err", err)
	}
}
