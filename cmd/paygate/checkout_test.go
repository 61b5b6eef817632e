package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"paygate/acquirer"
)

func sessionBody(orderNo string) map[string]any {
	return map[string]any{
		"amount": "100.99", "currency": "USD", "orderNo": orderNo, "description": "A shirt", "expiryTime": "60",
		"captureMethod": "auto", "fraudMode": "N", "linkMode": "session", "threeDsMode": "auto",
		"productInfo": []map[string]string{{"price": "5.55", "productName": "shirt", "quantity": "1", "sku": "00000000000001"}},
		"shipping":    map[string]any{"carrier": "Fedex", "address": map[string]string{"city": "Seattle", "country": "HK"}},
	}
}

// page is a browserless visitor of the customer pages.
type page struct {
	t      *testing.T
	client *http.Client
}

func newPage(t *testing.T) *page {
	return &page{t: t, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (p *page) get(u string) (int, string, http.Header) {
	p.t.Helper()
	resp, err := p.client.Get(u)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (p *page) post(u string, form url.Values) (int, string, string) {
	p.t.Helper()
	resp, err := p.client.PostForm(u, form)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func cardForm(html, pan string) url.Values {
	m := csrfRe.FindStringSubmatch(html)
	csrf := ""
	if m != nil {
		csrf = m[1]
	}
	return url.Values{"csrf": {csrf}, "cardNo": {pan}, "expiryMonth": {"06"}, "expiryYear": {"2030"}, "cvc": {"123"}, "holderName": {"Zhong Yang"}}
}

func TestCheckoutSessionAPI(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo := nextOrderNo("sess")
	body := sessionBody(orderNo)
	r := c.do("POST", "/v1/checkout/sessions", body).want(201)
	sid := r.str("sessionId")
	if r.str("status") != "OPEN" || r.get("payment.status") != "PENDING" || !strings.HasPrefix(r.str("checkoutUrl"), a.URL+"/checkout/") {
		t.Fatalf("got %s, want an OPEN session with a PENDING payment", r.body)
	}
	if exp, _ := time.Parse(time.RFC3339Nano, r.str("expiresAt")); !exp.Equal(a.clock.Now().Add(time.Hour)) {
		t.Errorf("got expiresAt %s, want an hour from now", r.str("expiresAt"))
	}
	again := c.do("POST", "/v1/checkout/sessions", body).want(200)
	if again.str("sessionId") != sid || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: got %s, want the same session", again.body)
	}
	body["amount"] = "1.00"
	c.do("POST", "/v1/checkout/sessions", body).wantError(409, "duplicate_order_no", "")
	g := c.do("GET", "/v1/checkout/sessions/"+sid, nil).want(200)
	if g.str("tradeNo") != r.str("tradeNo") || g.get("payment.orderNo") != orderNo {
		t.Errorf("got %s, want the session with its payment", g.body)
	}
	// Default expiry is 30 minutes.
	d := sessionBody(nextOrderNo("sess"))
	delete(d, "expiryTime")
	r2 := c.do("POST", "/v1/checkout/sessions", d).want(201)
	if exp, _ := time.Parse(time.RFC3339Nano, r2.str("expiresAt")); !exp.Equal(a.clock.Now().Add(30 * time.Minute)) {
		t.Errorf("got expiresAt %s, want 30 minutes from now", r2.str("expiresAt"))
	}

	bob := a.newMerchant("Bob")
	bob.do("GET", "/v1/checkout/sessions/"+sid, nil).wantError(404, "not_found", "")

	for _, tt := range []struct {
		name, param string
		edit        func(map[string]any)
	}{
		{"expiry 29", "expiryTime", func(b map[string]any) { b["expiryTime"] = "29" }},
		{"expiry 121", "expiryTime", func(b map[string]any) { b["expiryTime"] = "121" }},
		{"description 26", "description", func(b map[string]any) { b["description"] = strings.Repeat("d", 26) }},
		{"frontUrl 2", "frontUrl", func(b map[string]any) { b["frontUrl"] = "ab" }},
		{"frontUrl 129", "frontUrl", func(b map[string]any) { b["frontUrl"] = "https://shop.example/" + strings.Repeat("a", 108) }},
		{"frontUrl ftp", "frontUrl", func(b map[string]any) { b["frontUrl"] = "ftp://shop.example/x" }},
		{"linkMode", "linkMode", func(b map[string]any) { b["linkMode"] = "iframe" }},
		{"amount", "amount", func(b map[string]any) { b["amount"] = "1.001" }},
		{"orderNo", "orderNo", func(b map[string]any) { b["orderNo"] = "abc" }},
		{"threeDsMode", "threeDsMode", func(b map[string]any) { b["threeDsMode"] = "sometimes" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := sessionBody(nextOrderNo("bad"))
			tt.edit(b)
			c.do("POST", "/v1/checkout/sessions", b).wantError(400, "invalid_parameter", tt.param)
		})
	}
}

// TestCheckoutPagesOverHTTP pays a session by posting the cashier form
// without a browser: decline then retry, completion, notifications, the
// double post, CSRF, and pages for unknown or tampered ids.
func TestCheckoutPagesOverHTTP(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	rcv := newReceiver(t)
	body := sessionBody(nextOrderNo("pay"))
	body["frontUrl"] = rcv.URL + "/done"
	body["notificationUrl"] = rcv.URL + "/hook"
	s := c.do("POST", "/v1/checkout/sessions", body).want(201)
	checkoutURL := s.str("checkoutUrl")
	pg := newPage(t)

	status, html, hdr := pg.get(checkoutURL)
	if status != 200 || !strings.Contains(html, "100.99 USD") || !strings.Contains(html, "shirt") || !strings.Contains(html, "Sandbox merchant") {
		t.Fatalf("cashier page: got %d, want the merchant, the lines and the total", status)
	}
	csp := hdr.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("got CSP %q, want a strict policy", csp)
	}
	if strings.Contains(html, "http://") && !strings.Contains(html, rcv.URL) {
		t.Errorf("page references another origin")
	}
	// Without the CSRF token nothing is charged.
	form := cardForm(html, "4242424242424242")
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("csrf", "forged")
	if code, _, _ := pg.post(checkoutURL, bad); code != http.StatusForbidden {
		t.Errorf("forged CSRF: got %d, want 403", code)
	}
	// A decline keeps the session open; a retry pays it.
	code, _, declined := pg.post(checkoutURL, cardForm(html, acquirer.CardDeclined))
	if code != 200 || !strings.Contains(declined, "declined") {
		t.Fatalf("decline: got %d, want the page again with the reason", code)
	}
	if r := c.do("GET", "/v1/checkout/sessions/"+s.str("sessionId"), nil).want(200); r.str("status") != "OPEN" || r.get("payment.status") != "PENDING" {
		t.Fatalf("after a decline: got %s, want OPEN and PENDING", r.body)
	}
	// Ten posts at once (two tabs, double clicks): one charge.
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { pg.post(checkoutURL, cardForm(html, "4242424242424242")) })
	}
	wg.Wait()
	r := c.do("GET", "/v1/checkout/sessions/"+s.str("sessionId"), nil).want(200)
	if r.str("status") != "COMPLETE" || r.get("payment.status") != "SUCCEEDED" {
		t.Fatalf("got %s, want COMPLETE and SUCCEEDED", r.body)
	}
	evs, _ := a.store.Events(context.Background(), a.Sandbox.Merchant.ID, s.str("tradeNo"))
	succeeded := 0
	for _, e := range evs {
		if e.To == "SUCCEEDED" {
			succeeded++
		}
	}
	if succeeded != 1 {
		t.Errorf("got %d transitions to SUCCEEDED, want 1", succeeded)
	}
	// The completed page shows the result and takes no card.
	_, done, _ := pg.get(checkoutURL)
	if strings.Contains(done, `id="pay"`) || !strings.Contains(done, `data-state="paid"`) {
		t.Errorf("completed session page still offers the form")
	}
	if code, loc, _ := pg.post(checkoutURL, cardForm(html, "4242424242424242")); code != http.StatusSeeOther || strings.Contains(loc, "/3ds/") {
		t.Errorf("post to a completed session: got %d %s, want a redirect to its result", code, loc)
	}
	got := rcv.wait(t, "/hook", 2)
	types := map[any]bool{}
	for _, d := range got {
		types[d.JSON["eventType"]] = true
	}
	if !types["payment.succeeded"] || !types["checkout.completed"] {
		t.Errorf("got events %v, want payment.succeeded and checkout.completed", types)
	}

	// Unknown and tampered ids are 404 pages.
	if code, body, _ := pg.get(a.URL + "/checkout/cs_nope"); code != 404 || !strings.Contains(body, "does not exist") {
		t.Errorf("unknown session: got %d", code)
	}
	if code, _, _ := pg.get(a.URL + "/3ds/AAAA.BBBB"); code != 404 {
		t.Errorf("tampered challenge: got %d, want 404", code)
	}
}

func TestCheckoutExpiry(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	rcv := newReceiver(t)
	body := sessionBody(nextOrderNo("exp"))
	delete(body, "expiryTime")
	body["notificationUrl"] = rcv.URL + "/hook"
	s := c.do("POST", "/v1/checkout/sessions", body).want(201)
	pg := newPage(t)
	_, html, _ := pg.get(s.str("checkoutUrl"))
	a.clock.Advance(31 * time.Minute)
	// Past its deadline the page refuses cards even before the sweep.
	if code, _, _ := pg.post(s.str("checkoutUrl"), cardForm(html, "4242424242424242")); code != http.StatusSeeOther {
		t.Errorf("post after expiry: got %d, want a redirect to the expired page", code)
	}
	if n, err := a.Gateway.Sweep(context.Background()); n != 1 || err != nil {
		t.Fatalf("sweep: got %d %v, want 1", n, err)
	}
	c = a.sandbox()
	r := c.do("GET", "/v1/checkout/sessions/"+s.str("sessionId"), nil).want(200)
	if r.str("status") != "EXPIRED" || r.get("payment.status") != "EXPIRED" {
		t.Fatalf("got %s, want EXPIRED session and payment", r.body)
	}
	_, page, _ := pg.get(s.str("checkoutUrl"))
	if strings.Contains(page, `id="pay"`) || !strings.Contains(page, `data-state="expired"`) {
		t.Errorf("expired page offers the form")
	}
	types := map[any]bool{}
	for _, d := range rcv.wait(t, "/hook", 2) {
		types[d.JSON["eventType"]] = true
	}
	if !types["payment.expired"] || !types["checkout.expired"] {
		t.Errorf("got %v, want payment.expired and checkout.expired", types)
	}
}

// TestDirectPaymentChallenge: the 3-D Secure page serves direct API payments
// too. A wrong code shows the page again with the tries left; the 5th fails
// the authentication.
func TestDirectPaymentChallenge(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	pg := newPage(t)
	for _, tt := range []struct {
		name, action, code, status, failure string
		wrong                               int // wrong codes before the answer
	}{
		{"pass", "submit", acquirer.ChallengeCode, "SUCCEEDED", "", 1},
		{"fail", "fail", "", "FAILED", "authentication_failed", 1},
		{"five wrong codes", "submit", "000000", "FAILED", "authentication_failed", 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := cardPayment(nextOrderNo("3ds"), acquirer.CardChallenge)
			body["frontUrl"] = "https://shop.example/back"
			r := c.do("POST", "/v1/payments", body).want(201)
			acs := r.get("nextAction.url").(string)
			status, html, _ := pg.get(acs)
			if status != 200 || !strings.Contains(html, acquirer.ChallengeCode) || !strings.Contains(html, "400000••••••3220") {
				t.Fatalf("ACS page: got %d, want the code and the masked card", status)
			}
			wrong := url.Values{"csrf": {csrfRe.FindStringSubmatch(html)[1]}, "action": {"submit"}, "code": {"000000"}}
			for i := 1; i <= tt.wrong; i++ {
				want := fmt.Sprintf("You have %d tries left.", 5-i)
				if i == 4 {
					want = "You have one try left."
				}
				if code, _, body := pg.post(acs, wrong); code != 400 || !strings.Contains(body, want) || !strings.Contains(body, `id="acs"`) {
					t.Errorf("wrong code %d: got %d, want 400 and the form again with %q", i, code, want)
				}
			}
			form := url.Values{"csrf": {csrfRe.FindStringSubmatch(html)[1]}, "action": {tt.action}, "code": {tt.code}}
			code, loc, _ := pg.post(acs, form)
			if code != http.StatusSeeOther || !strings.HasPrefix(loc, "https://shop.example/back?") || !strings.Contains(loc, "status="+tt.status) {
				t.Fatalf("answer: got %d %s, want a redirect to frontUrl with status %s", code, loc, tt.status)
			}
			p := c.do("GET", "/v1/payments/"+r.str("tradeNo"), nil).want(200)
			if p.str("status") != tt.status || p.str("failureCode") != tt.failure {
				t.Fatalf("got %s, want %s %s", p.body, tt.status, tt.failure)
			}
			if _, html, _ := pg.get(acs); tt.status == "FAILED" && (!strings.Contains(html, `data-state="failed"`) || strings.Contains(html, `id="acs"`)) {
				t.Errorf("ACS page after: got %s, want the failed result and no form", html)
			}
			if tt.status == "SUCCEEDED" && (p.get("threeDs.version") != "2.2.0" || p.get("threeDs.liabilityShift") != true || p.get("threeDs.eci") == nil) {
				t.Errorf("got threeDs %v, want 2.2.0 with liability shift", p.get("threeDs"))
			}
		})
	}
	// An abandoned challenge expires when its time runs out.
	r := c.do("POST", "/v1/payments", cardPayment(nextOrderNo("3ds"), acquirer.CardChallenge)).want(201)
	a.clock.Advance(31 * time.Minute)
	a.Gateway.Sweep(context.Background())
	c = a.sandbox()
	if p := c.do("GET", "/v1/payments/"+r.str("tradeNo"), nil).want(200); p.str("status") != "EXPIRED" || p.str("failureCode") != "authentication_abandoned" {
		t.Errorf("abandoned: got %s %s, want EXPIRED authentication_abandoned", p.str("status"), p.str("failureCode"))
	}
}
