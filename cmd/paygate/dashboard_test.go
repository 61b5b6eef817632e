package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"paygate"
)

const dashPassword = "a long enough password"

// person is a browser without a browser: a cookie jar and no redirects
// followed, speaking to the dashboard as one user.
type person struct {
	t    *testing.T
	base string // the server's URL
	hc   *http.Client
}

type webPage struct {
	status int
	loc    string
	body   string
	header http.Header
}

func newPerson(a *app) *person { return newPersonAt(a.t, a.URL) }

// newPersonAt is a person speaking to the server at base.
func newPersonAt(t *testing.T, base string) *person {
	jar, _ := cookiejar.New(nil)
	return &person{t: t, base: base, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (p *person) get(path string) *webPage { return p.send("GET", path, nil) }

func (p *person) post(path string, form url.Values) *webPage { return p.send("POST", path, form) }

func (p *person) send(method, path string, form url.Values) *webPage {
	t := p.t
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, p.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &webPage{status: resp.StatusCode, loc: resp.Header.Get("Location"), body: string(b), header: resp.Header}
}

func (pg *webPage) want(t *testing.T, status int) *webPage {
	t.Helper()
	if pg.status != status {
		t.Fatalf("got %d (location %q), want %d:\n%s", pg.status, pg.loc, status, pg.body)
	}
	return pg
}

var inputRE = regexp.MustCompile(`<input type="hidden" name="([a-zA-Z]+)" value="([^"]*)">`)

// hidden is the value of the first hidden input named name after the
// element with id after ("" from the start).
func (pg *webPage) hidden(t *testing.T, after, name string) string {
	t.Helper()
	body := pg.body
	if after != "" {
		i := strings.Index(body, `id="`+after+`"`)
		if i < 0 {
			t.Fatalf("no #%s on the webPage:\n%s", after, body)
		}
		body = body[i:]
	}
	for _, m := range inputRE.FindAllStringSubmatch(body, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("no hidden %s after #%s", name, after)
	return ""
}

// newUser creates a dashboard user, sets its password through its link,
// and returns it signed in.
func (a *app) newUser(merchantID, email string, role paygate.Role) *person {
	t := a.t
	t.Helper()
	nu, err := a.Gateway.Users.CreateUser(context.Background(), merchantID, email, role)
	if err != nil {
		t.Fatal(err)
	}
	p := newPerson(a)
	p.setPassword(strings.TrimPrefix(nu.SetupURL, a.URL))
	p.signIn(email, dashPassword).want(t, 303)
	return p
}

// setPassword sets dashPassword through the set-password link's path.
func (p *person) setPassword(link string) {
	t := p.t
	t.Helper()
	setup := p.get(link).want(t, 200)
	p.post(link, url.Values{"csrf": {setup.hidden(t, "", "csrf")}, "password": {dashPassword},
		"confirm": {dashPassword}}).want(t, 303)
}

func (p *person) signIn(email, password string) *webPage {
	t := p.t
	t.Helper()
	form := p.get("/dashboard/signin").want(t, 200)
	return p.post("/dashboard/signin", url.Values{"csrf": {form.hidden(t, "", "csrf")}, "email": {email},
		"password": {password}, "next": {form.hidden(t, "", "next")}})
}

func TestDashboardSignIn(t *testing.T) {
	a := startApp(t)
	p := newPerson(a)
	if pg := p.get("/dashboard/payments?status=FAILED").want(t, 303); pg.loc != "/dashboard/signin?next=%2Fdashboard%2Fpayments%3Fstatus%3DFAILED" {
		t.Errorf("signed out, the dashboard sends to %q", pg.loc)
	}
	nu, err := a.Gateway.Users.CreateUser(t.Context(), a.Sandbox.Merchant.ID, "ana@example.com", paygate.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	link := strings.TrimPrefix(nu.SetupURL, a.URL)
	setup := p.get(link).want(t, 200)
	csrf := setup.hidden(t, "", "csrf")
	if pg := p.post(link, url.Values{"csrf": {csrf}, "password": {"short"}, "confirm": {"short"}}).want(t, 400); !strings.Contains(pg.body, `id="password-error"`) {
		t.Errorf("a short password's error is not next to the field:\n%s", pg.body)
	}
	if pg := p.post(link, url.Values{"csrf": {csrf}, "password": {dashPassword}, "confirm": {dashPassword + "x"}}).want(t, 400); !strings.Contains(pg.body, `id="confirm-error"`) {
		t.Errorf("differing passwords are not said next to the second:\n%s", pg.body)
	}
	p.post(link, url.Values{"csrf": {"forged"}, "password": {dashPassword}, "confirm": {dashPassword}}).want(t, 403)
	p.post(link, url.Values{"csrf": {csrf}, "password": {dashPassword}, "confirm": {dashPassword}}).want(t, 303)
	p.get(link).want(t, 404) // used

	form := p.get("/dashboard/signin").want(t, 200)
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options"} {
		if form.header.Get(h) == "" {
			t.Errorf("the sign-in webPage has no %s", h)
		}
	}
	// A form token without the browser's own cookie is refused (a site
	// elsewhere cannot sign a browser in).
	other := newPerson(a)
	other.post("/dashboard/signin", url.Values{"csrf": {form.hidden(t, "", "csrf")}, "email": {"ana@example.com"},
		"password": {dashPassword}}).want(t, 403)
	if pg := p.signIn("ana@example.com", "wrong password!!").want(t, 401); !strings.Contains(pg.body, "wrong") {
		t.Errorf("wrong password webPage: %s", pg.body)
	}
	pg := p.signIn("ana@example.com", dashPassword).want(t, 303)
	if pg.loc != "/dashboard/" {
		t.Errorf("after sign-in: %q", pg.loc)
	}
	var session *http.Cookie
	for _, c := range p.hc.Jar.Cookies(mustURL(t, a.URL+"/dashboard/")) {
		if c.Name == "paygate_dashboard" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	raw := pg.header.Values("Set-Cookie")
	if s := strings.Join(raw, "\n"); !strings.Contains(s, "HttpOnly") || !strings.Contains(s, "SameSite=Lax") {
		t.Errorf("session cookie %q lacks HttpOnly or SameSite", s)
	}
	home := p.get("/dashboard/").want(t, 200)
	p.post("/dashboard/signout", url.Values{"csrf": {home.hidden(t, "", "csrf")}}).want(t, 303)
	p.get("/dashboard/").want(t, 303)
	// The old cookie, kept by someone, is dead too.
	q := newPerson(a)
	q.hc.Jar.SetCookies(mustURL(t, a.URL+"/dashboard/"), []*http.Cookie{session})
	q.get("/dashboard/").want(t, 303)
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestDashboardPayments(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	paid := c.do("POST", "/v1/payments", cardPayment(nextOrderNo("dash"), "4242424242424242")).want(201).str("tradeNo")
	held := cardPayment(nextOrderNo("dash"), "5555555555554444")
	held["captureMethod"] = "manual"
	authorized := c.do("POST", "/v1/payments", held).want(201).str("tradeNo")
	c.do("POST", "/v1/payments", cardPayment(nextOrderNo("dash"), "4000000000000002")).want(201)
	admin := a.newUser(a.Sandbox.Merchant.ID, "ana@example.com", paygate.RoleAdmin)
	viewer := a.newUser(a.Sandbox.Merchant.ID, "vic@example.com", paygate.RoleViewer)
	other := a.newMerchant("other")
	otherPaid := other.do("POST", "/v1/payments", cardPayment(nextOrderNo("dash"), "4242424242424242")).want(201).str("tradeNo")

	t.Run("list and filters", func(t *testing.T) {
		list := admin.get("/dashboard/payments").want(t, 200)
		for _, tn := range []string{paid, authorized} {
			if !strings.Contains(list.body, tn) {
				t.Errorf("the list lacks %s", tn)
			}
		}
		if strings.Contains(list.body, otherPaid) {
			t.Error("the list shows another merchant's payment")
		}
		failed := admin.get("/dashboard/payments?status=FAILED").want(t, 200)
		if strings.Contains(failed.body, paid) || !strings.Contains(failed.body, "card_declined") && !strings.Contains(failed.body, "FAILED") {
			t.Errorf("status filter:\n%s", failed.body)
		}
		if pg := admin.get("/dashboard/payments?q=4444").want(t, 200); !strings.Contains(pg.body, authorized) || strings.Contains(pg.body, paid) {
			t.Errorf("search by last4 4444 does not find only %s", authorized)
		}
		if pg := admin.get("/dashboard/payments?q="+paid).want(t, 303); pg.loc != "/dashboard/payments/"+paid {
			t.Errorf("search by tradeNo goes to %q", pg.loc)
		}
		bad := admin.get("/dashboard/payments?createdFrom=yesterday").want(t, 400)
		if !strings.Contains(bad.body, `id="createdFrom-error"`) {
			t.Errorf("a bad date's error is not next to its field:\n%s", bad.body)
		}
	})

	t.Run("no card number on a page or in the export", func(t *testing.T) {
		for _, path := range []string{"/dashboard/payments/" + paid, "/dashboard/payments/" + authorized, "/dashboard/payments",
			"/dashboard/payments.csv", "/dashboard/"} {
			pg := admin.get(path).want(t, 200)
			for _, pan := range []string{"4242424242424242", "5555555555554444", "4000000000000002"} {
				if strings.Contains(pg.body, pan) {
					t.Errorf("%s shows the card number %s", path, pan)
				}
			}
		}
		csv := admin.get("/dashboard/payments.csv?status=SUCCEEDED").want(t, 200)
		if !strings.HasPrefix(csv.body, "tradeNo,orderNo,") || !strings.Contains(csv.body, paid) || strings.Contains(csv.body, authorized) {
			t.Errorf("the filtered export:\n%s", csv.body)
		}
		if ct, cd := csv.header.Get("Content-Type"), csv.header.Get("Content-Disposition"); ct != "text/csv; charset=utf-8" || cd != `attachment; filename="payments.csv"` {
			t.Errorf("the export is sent as %q, %q; want a CSV download", ct, cd)
		}
		admin.get("/dashboard/payments.csv?createdFrom=never").want(t, 400)
	})

	t.Run("not found is one page", func(t *testing.T) {
		missing := admin.get("/dashboard/payments/T00000000000000000000").want(t, 404)
		theirs := admin.get("/dashboard/payments/"+otherPaid).want(t, 404)
		if strings.ReplaceAll(missing.body, "T00000000000000000000", otherPaid) != theirs.body {
			t.Error("another merchant's payment is not the same page as a missing one")
		}
	})

	t.Run("refund acts once", func(t *testing.T) {
		detail := admin.get("/dashboard/payments/"+paid).want(t, 200)
		if !strings.Contains(detail.body, `<dd id="connector">sandbox (sandbox: approved)</dd>`) {
			t.Errorf("the payment page does not show its connector and attempts:\n%s", detail.body)
		}
		csrf, key := detail.hidden(t, "refund-form", "csrf"), detail.hidden(t, "refund-form", "key")
		form := url.Values{"csrf": {csrf}, "key": {key}, "amount": {"10.00"}, "reason": {"damaged"}}
		confirm := admin.post("/dashboard/payments/"+paid+"/refund", form).want(t, 200)
		if !strings.Contains(confirm.body, "10.00") {
			t.Errorf("the confirmation does not show the amount:\n%s", confirm.body)
		}
		form.Set("confirm", "yes")
		for _, done := range []string{"refund", "refund_repeat"} { // a double click: the same form twice
			if pg := admin.post("/dashboard/payments/"+paid+"/refund", form).want(t, 303); pg.loc != "/dashboard/payments/"+paid+"?done="+done {
				t.Errorf("after the refund: %q, want done=%s", pg.loc, done)
			}
		}
		p := c.do("GET", "/v1/payments/"+paid, nil).want(200)
		if refunds := p.get("refunds").([]any); len(refunds) != 1 || p.str("refundedAmount") != "10.00" {
			t.Errorf("after a double submit: refunds %v, refunded %v; want one of 10.00", p.get("refunds"), p.get("refundedAmount"))
		}
		after := admin.get("/dashboard/payments/"+paid+"?done=refund").want(t, 200)
		if !strings.Contains(after.body, `id="flash"`) || !strings.Contains(after.body, "dashboard-"+key) {
			t.Errorf("the refund is not on the payment's page:\n%s", after.body)
		}
		// Too much: the error is next to the amount, and nothing is refunded.
		detail = admin.get("/dashboard/payments/"+paid).want(t, 200)
		form = url.Values{"csrf": {csrf}, "key": {detail.hidden(t, "refund-form", "key")}, "amount": {"1000.00"},
			"reason": {"too much"}, "confirm": {"yes"}}
		if pg := admin.post("/dashboard/payments/"+paid+"/refund", form); pg.status < 400 || !strings.Contains(pg.body, `id="refund-amount-error"`) {
			t.Errorf("an excessive refund: %d\n%s", pg.status, pg.body)
		}
		if p := c.do("GET", "/v1/payments/"+paid, nil).want(200); p.str("refundedAmount") != "10.00" {
			t.Errorf("refunded %v after a refused refund", p.get("refundedAmount"))
		}
	})

	t.Run("capture", func(t *testing.T) {
		detail := admin.get("/dashboard/payments/"+authorized).want(t, 200)
		form := url.Values{"csrf": {detail.hidden(t, "capture-form", "csrf")}, "key": {detail.hidden(t, "capture-form", "key")},
			"amount": {"50.00"}, "confirm": {"yes"}}
		admin.post("/dashboard/payments/"+authorized+"/capture", form).want(t, 303)
		if p := c.do("GET", "/v1/payments/"+authorized, nil).want(200); p.str("status") != "SUCCEEDED" {
			t.Errorf("after capture: %v", p.get("status"))
		}
	})

	t.Run("viewer cannot act", func(t *testing.T) {
		detail := viewer.get("/dashboard/payments/"+paid).want(t, 200)
		if strings.Contains(detail.body, "refund-form") {
			t.Error("a viewer is shown the refund form")
		}
		csrf := detail.hidden(t, "", "csrf")
		form := url.Values{"csrf": {csrf}, "key": {"0123456789abcdef01234567"}, "amount": {"1.00"}, "reason": {"x"}, "confirm": {"yes"}}
		viewer.post("/dashboard/payments/"+paid+"/refund", form).want(t, 404)
		if p := c.do("GET", "/v1/payments/"+paid, nil).want(200); p.str("refundedAmount") != "10.00" {
			t.Errorf("a viewer refunded: %v", p.get("refundedAmount"))
		}
	})

	t.Run("forms need the session's token", func(t *testing.T) {
		detail := admin.get("/dashboard/payments/"+paid).want(t, 200)
		form := url.Values{"csrf": {"forged"}, "key": {detail.hidden(t, "refund-form", "key")}, "amount": {"1.00"},
			"reason": {"x"}, "confirm": {"yes"}}
		admin.post("/dashboard/payments/"+paid+"/refund", form).want(t, 403)
	})

	t.Run("audit", func(t *testing.T) {
		audit := admin.get("/dashboard/audit").want(t, 200)
		for _, want := range []string{"refund", "capture", "signin", "ana@example.com"} {
			if !strings.Contains(audit.body, want) {
				t.Errorf("the audit log lacks %q", want)
			}
		}
	})

	t.Run("overview", func(t *testing.T) {
		o := admin.get("/dashboard/").want(t, 200)
		for _, want := range []string{"<svg", "USD", "card_declined", "66%"} {
			if !strings.Contains(o.body, want) {
				t.Errorf("the overview lacks %q", want)
			}
		}
	})
}

func TestDashboardDevelopers(t *testing.T) {
	a := startApp(t)
	dev := a.newUser(a.Sandbox.Merchant.ID, "dev@example.com", paygate.RoleDeveloper)
	viewer := a.newUser(a.Sandbox.Merchant.ID, "vic@example.com", paygate.RoleViewer)
	viewer.get("/dashboard/developers").want(t, 404)
	page := dev.get("/dashboard/developers").want(t, 200)
	if !strings.Contains(page.body, a.Sandbox.Merchant.AppID) || !strings.Contains(page.body, "4000000000003220") {
		t.Errorf("the developers page lacks the appId or the test cards")
	}
	csrf := page.hidden(t, "", "csrf")
	// Rotate the API secret with an hour's grace: confirmation, then the
	// new secret once; the old one still gets tokens, the new one too.
	key := page.hidden(t, "rotate-secret-form", "key")
	dev.post("/dashboard/developers/rotate-secret", url.Values{"csrf": {csrf}, "grace": {"1h"}, "key": {key}}).want(t, 200)
	shown := regexp.MustCompile(`<code id="shown-secret">([^<]+)</code>`)
	var secrets []string
	for range 2 { // a double click on Confirm: one rotation, the same secret shown twice
		done := dev.post("/dashboard/developers/rotate-secret", url.Values{"csrf": {csrf}, "grace": {"1h"}, "key": {key},
			"confirm": {"yes"}}).want(t, 200)
		m := shown.FindStringSubmatch(done.body)
		if m == nil {
			t.Fatalf("no new secret shown:\n%s", done.body)
		}
		secrets = append(secrets, m[1])
	}
	if secrets[0] != secrets[1] {
		t.Errorf("a double submit rotated twice: %q then %q", secrets[0], secrets[1])
	}
	m := []string{"", secrets[0]}
	a.login(a.Sandbox.Merchant.AppID, m[1])
	a.login(a.Sandbox.Merchant.AppID, a.Sandbox.Secret) // the original, in its grace
	if again := dev.get("/dashboard/developers").want(t, 200); strings.Contains(again.body, m[1]) || !strings.Contains(again.body, "13:00:00") {
		t.Errorf("the secret is shown again, or the old one's end (13:00 UTC) is not")
	}
	if pg := dev.post("/dashboard/developers/rotate-secret", url.Values{"csrf": {csrf}, "grace": {"9999h"}}).want(t, 400); !strings.Contains(pg.body, `id="secret-grace-error"`) {
		t.Errorf("a bad grace's error is not next to its field")
	}
	// A subscription: added with its secret shown, its deliveries listed, deleted.
	rcv := newReceiver(t)
	if pg := dev.post("/dashboard/developers/subscriptions", url.Values{"csrf": {csrf}, "url": {"ftp://x"},
		"key": {page.hidden(t, "subscribe-form", "key")}}).want(t, 400); !strings.Contains(pg.body, `id="url-error"`) {
		t.Errorf("a bad URL's error is not next to its field")
	}
	subKey := dev.get("/dashboard/developers").want(t, 200).hidden(t, "subscribe-form", "key")
	added := dev.post("/dashboard/developers/subscriptions", url.Values{"csrf": {csrf}, "url": {rcv.URL + "/hook"}, "key": {subKey}}).want(t, 201)
	if !strings.Contains(added.body, "whsec_") {
		t.Errorf("the subscription's secret is not shown")
	}
	again := dev.post("/dashboard/developers/subscriptions", url.Values{"csrf": {csrf}, "url": {rcv.URL + "/hook"}, "key": {subKey}}).want(t, 201)
	if n := strings.Count(again.body, `<a href="/dashboard/developers/subscriptions/S`); n != 1 {
		t.Errorf("the form sent twice made %d subscriptions", n)
	}
	sub := regexp.MustCompile(`/dashboard/developers/subscriptions/(S\d+)"`).FindStringSubmatch(added.body)
	if sub == nil {
		t.Fatal("no subscription listed")
	}
	a.sandbox().do("POST", "/v1/payments", cardPayment(nextOrderNo("hook"), "4242424242424242")).want(201)
	if d := dev.get("/dashboard/developers/subscriptions/"+sub[1]).want(t, 200); !strings.Contains(d.body, "payment.succeeded") {
		t.Errorf("the subscription's deliveries lack the payment:\n%s", d.body)
	}
	dev.post("/dashboard/developers/subscriptions/"+sub[1]+"/delete", url.Values{"csrf": {csrf}, "confirm": {"yes"}}).want(t, 303)
	dev.get("/dashboard/developers/subscriptions/"+sub[1]).want(t, 404)
}

func TestDashboardOperator(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo := nextOrderNo("op")
	tradeNo := c.do("POST", "/v1/payments", cardPayment(orderNo, "4242424242424242")).want(201).str("tradeNo")
	op := a.newUser("", "ops@example.com", paygate.RoleOperator)
	if pg := op.get("/dashboard/").want(t, 303); pg.loc != "/dashboard/merchants" {
		t.Errorf("an operator's home goes to %q", pg.loc)
	}
	list := op.get("/dashboard/merchants").want(t, 200)
	if !strings.Contains(list.body, a.Sandbox.Merchant.ID) || !strings.Contains(list.body, "100.99 USD") {
		t.Errorf("the merchants page lacks the sandbox merchant's volume")
	}
	found := op.get("/dashboard/search?q="+orderNo).want(t, 200)
	if !strings.Contains(found.body, tradeNo) {
		t.Errorf("the search across merchants does not find %s", orderNo)
	}
	op.get("/dashboard/payments/"+tradeNo+"?m="+a.Sandbox.Merchant.ID).want(t, 200)
	csrf, key := list.hidden(t, "", "csrf"), list.hidden(t, "create-merchant", "key")
	var ids []string
	for range 2 { // sent twice (a double click, a reload): one merchant
		created := op.post("/dashboard/merchants", url.Values{"csrf": {csrf}, "name": {"Shop two"}, "key": {key}}).want(t, 201)
		if !strings.Contains(created.body, `id="new-secret"`) {
			t.Error("a new merchant's secret is not shown")
		}
		ids = append(ids, regexp.MustCompile(`<dt>merchantId</dt><dd>(M\d+)</dd>`).FindStringSubmatch(created.body)[1])
	}
	if n, _ := a.Gateway.Merchants.ListMerchants(t.Context(), "", 100); ids[0] != ids[1] || len(n) != 2 {
		t.Errorf("the create form sent twice: merchants %v, %d in all", ids, len(n))
	}
	fresh := op.get("/dashboard/merchants").want(t, 200).hidden(t, "create-merchant", "key")
	if pg := op.post("/dashboard/merchants", url.Values{"csrf": {csrf}, "name": {""}, "key": {fresh}}).want(t, 400); !strings.Contains(pg.body, `id="name-error"`) {
		t.Error("an empty name's error is not next to its field")
	}
	// Disabling the sandbox merchant signs its people out.
	ana := a.newUser(a.Sandbox.Merchant.ID, "ana@example.com", paygate.RoleAdmin)
	op.post("/dashboard/merchants/"+a.Sandbox.Merchant.ID+"/disable", url.Values{"csrf": {csrf}, "confirm": {"yes"}}).want(t, 303)
	a.clock.Advance(2 * time.Second)
	ana.get("/dashboard/payments").want(t, 303)
	// A merchant's admin has no operator pages.
	nm, err := a.Gateway.Merchants.CreateMerchant(t.Context(), "b")
	if err != nil {
		t.Fatal(err)
	}
	admin := a.newUser(nm.Merchant.ID, "bea@example.com", paygate.RoleAdmin)
	admin.get("/dashboard/merchants").want(t, 404)
	admin.get("/dashboard/search?q="+orderNo).want(t, 404)
	// ... and its m= is ignored: it sees its own merchant only.
	admin.get("/dashboard/payments/"+tradeNo+"?m="+a.Sandbox.Merchant.ID).want(t, 404)
}

func TestUserCommands(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "p.db")
	if _, _, err := runCmd(t, "merchant", "create", "--name", "Shop", "--db", db); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "merchant", "list", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	var mi struct{ ID string }
	json.Unmarshal([]byte(out), &mi)
	out, _, err = runCmd(t, "user", "create", "--merchant", mi.ID, "--email", "Ana@Example.com", "--role", "admin", "--db", db,
		"--base-url", "https://pay.example")
	if err != nil || !strings.Contains(out, `"setPasswordUrl":"https://pay.example/dashboard/setup/`) || !strings.Contains(out, `"email":"ana@example.com"`) {
		t.Fatalf("user create: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "set-role", "--email", "ana@example.com", "--role", "viewer"}, `"role":"viewer"`},
		{[]string{"user", "reset-password", "--email", "ana@example.com"}, `"setPasswordUrl":"http://127.0.0.1:8080/dashboard/setup/`},
		{[]string{"user", "create", "--operator", "--email", "ops@example.com"}, `"role":"operator"`},
		{[]string{"user", "delete", "--email", "ana@example.com"}, `"deleted":"ana@example.com"`},
	} {
		out, _, err := runCmd(t, append(tc.args, "--db", db)...)
		if err != nil || !strings.Contains(out, tc.want) {
			t.Errorf("%v: %v\n%s", tc.args, err, out)
		}
	}
	for _, tc := range [][]string{
		{"user", "set-role", "--email", "ops@example.com", "--role", "admin"},
		{"user", "create", "--operator", "--role", "admin", "--email", "x@example.com"},
		{"user", "create", "--merchant", "M404", "--email", "y@example.com"},
		{"user", "delete", "--email", "ana@example.com"},
	} {
		if _, _, err := runCmd(t, append(tc, "--db", db)...); err == nil {
			t.Errorf("%v: no error", tc)
		}
	}
}

func TestDashboardRisk(t *testing.T) {
	a := startApp(t)
	admin := a.newUser(a.Sandbox.Merchant.ID, "ana@example.com", paygate.RoleAdmin)
	viewer := a.newUser(a.Sandbox.Merchant.ID, "vic@example.com", paygate.RoleViewer)
	page := admin.get("/dashboard/risk").want(t, 200)
	csrf := page.hidden(t, "", "csrf")
	if pg := admin.post("/dashboard/risk/entries", url.Values{"csrf": {csrf}, "list": {"ip"}, "value": {"203.0.113"}}).want(t, 400); !strings.Contains(pg.body, `id="entry-value-error"`) {
		t.Errorf("a bad value's error is not beside its field")
	}
	admin.post("/dashboard/risk/entries", url.Values{"csrf": {csrf}, "list": {"ip"}, "value": {"203.0.113.9/24"}, "note": {"testers"}}).want(t, 303)
	if pg := admin.get("/dashboard/risk?list=ip").want(t, 200); !strings.Contains(pg.body, "203.0.113.0/24") {
		t.Errorf("the entry is not listed")
	}
	bad := admin.post("/dashboard/risk/rules", url.Values{"csrf": {csrf}, "name": {"typo"}, "expression": {"amout > 1"}, "action": {"decline"}, "enabled": {"on"}})
	if bad.status != 400 || !strings.Contains(bad.body, `id="rule-expression-error"`) || !strings.Contains(bad.body, "amout") {
		t.Errorf("a bad expression: %d, error beside the field: %v", bad.status, strings.Contains(bad.body, "rule-expression-error"))
	}
	admin.post("/dashboard/risk/rules", url.Values{"csrf": {csrf}, "name": {"big"}, "expression": {"amount > 50000"}, "action": {"decline"}, "enabled": {"on"}}).want(t, 303)
	admin.post("/dashboard/risk/settings", url.Values{"csrf": {csrf}, "screenAll": {"on"}}).want(t, 303)
	// The merchant's payments now meet them, fraudMode or not.
	c := a.sandbox()
	body := cardPayment(nextOrderNo("dash-risk"), "4242424242424242")
	body["amount"] = "600.00"
	if p := c.do("POST", "/v1/payments", body).want(201); p.str("failureCode") != "fraud_suspected" || reasonCodes(p) != "rule:big" {
		t.Errorf("a payment after the dashboard's rule: %s %v", p.str("status"), p.get("risk"))
	}
	rules := c.do("GET", "/v1/risk/rules", nil).want(200)
	id := rules.get("data").([]any)[0].(map[string]any)["id"].(string)
	admin.post("/dashboard/risk/rules/"+id+"/disable", url.Values{"csrf": {csrf}, "name": {"big"}}).want(t, 303)
	if r := c.do("GET", "/v1/risk/rules", nil).want(200); r.get("data").([]any)[0].(map[string]any)["enabled"] != false {
		t.Error("the rule is still on")
	}
	admin.post("/dashboard/risk/rules/"+id+"/delete", url.Values{"csrf": {csrf}, "name": {"big"}}).want(t, 200) // the confirmation
	admin.post("/dashboard/risk/rules/"+id+"/delete", url.Values{"csrf": {csrf}, "name": {"big"}, "confirm": {"yes"}}).want(t, 303)
	// A viewer sees the page, without its forms, and cannot post them.
	vp := viewer.get("/dashboard/risk").want(t, 200)
	if strings.Contains(vp.body, `id="entry-form"`) || strings.Contains(vp.body, `id="rule-form"`) {
		t.Error("a viewer is shown the risk forms")
	}
	viewer.post("/dashboard/risk/entries", url.Values{"csrf": {vp.hidden(t, "", "csrf")}, "list": {"ip"}, "value": {"192.0.2.1"}}).want(t, 404)
	if audit := admin.get("/dashboard/audit").want(t, 200); !strings.Contains(audit.body, "add risk rule") || !strings.Contains(audit.body, "screen all payments on") {
		t.Error("the risk changes are not in the audit log")
	}
}

// TestDashboardMoney: the money page shows the merchant's balance, its
// batches and its disputes, in both languages, and another merchant's
// people see none of it.
func TestDashboardMoney(t *testing.T) {
	a := startApp(t)
	viewer := a.newUser(a.Sandbox.Merchant.ID, "val@example.com", paygate.RoleViewer)
	if pg := viewer.get("/dashboard/money").want(t, 200); !strings.Contains(pg.body, `id="balance-h"`) || strings.Contains(pg.body, `id="balance"`) {
		t.Errorf("an empty money page:\n%s", pg.body)
	}
	c := a.sandbox()
	c.do("POST", "/v1/payments", cardPayment(nextOrderNo("dash-money"), "4242424242424242")).want(201)
	disputed := c.do("POST", "/v1/payments", cardPayment(nextOrderNo("dash-money"), "4000000000000259")).want(201).str("tradeNo")
	c.do("POST", "/v1/settlements/close", nil).want(200)
	c.do("POST", "/v1/payments", cardPayment(nextOrderNo("dash-money"), "4242424242424242")).want(201)
	pg := viewer.get("/dashboard/money").want(t, 200)
	for _, want := range []string{`id="balance"`, "100.99 USD", // the third payment waits
		"85.99 USD", "SETTLED", // the first batch: two captures less the dispute and its fee
		`id="disputes"`, disputed, "NEEDS_RESPONSE"} {
		if !strings.Contains(pg.body, want) {
			t.Errorf("the money page lacks %q", want)
		}
	}
	if zh := viewer.get("/dashboard/money?lang=zh").want(t, 200); !strings.Contains(zh.body, "结算批次") {
		t.Errorf("the money page in Chinese lacks its headings")
	}
	other, err := a.Gateway.Merchants.CreateMerchant(context.Background(), "Other shop")
	if err != nil {
		t.Fatal(err)
	}
	outsider := a.newUser(other.Merchant.ID, "out@example.com", paygate.RoleAdmin)
	if pg := outsider.get("/dashboard/money").want(t, 200); strings.Contains(pg.body, disputed) || strings.Contains(pg.body, "100.99") {
		t.Errorf("another merchant's money page shows this merchant's money")
	}
}
