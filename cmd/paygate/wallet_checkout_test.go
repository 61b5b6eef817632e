package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Wallets on the cashier page: the picker, a QR attempt the page watches,
// switching methods, declines, PayPal's approval page, expiry.

var (
	qrImgRe    = regexp.MustCompile(`id="wallet-qr" class="qr" src="([^"]+)"`)
	simulateRe = regexp.MustCompile(`id="wallet-simulate" href="([^"]+)"`)
)

func walletSession(c *client, currency, frontURL string, methods ...string) *response {
	body := sessionBody(nextOrderNo("wsess"))
	body["currency"], body["amount"] = currency, "100.00"
	body["productInfo"] = []map[string]string{{"price": "100.00", "productName": "shirt", "quantity": "1"}}
	if frontURL != "" {
		body["frontUrl"] = frontURL
	}
	if len(methods) > 0 {
		body["paymentMethodTypes"] = methods
	}
	return c.do("POST", "/v1/checkout/sessions", body).want(201)
}

// choose posts the picker's button for method on the cashier page.
func choose(t *testing.T, pg *page, checkoutURL, method string) (int, string) {
	t.Helper()
	_, html, _ := pg.get(checkoutURL)
	code, loc, _ := pg.post(checkoutURL+"/method", url.Values{"csrf": cardForm(html, "")["csrf"], "method": {method}})
	return code, loc
}

func sessionStatus(t *testing.T, a *app, sessionID string) map[string]string {
	t.Helper()
	resp, err := http.Get(a.URL + "/checkout/status/" + sessionID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	json.NewDecoder(resp.Body).Decode(&out)
	return out
}

func TestWalletCheckout(t *testing.T) {
	a, c := walletApp(t)
	rcv := newReceiver(t)

	t.Run("the picker offers what fits the currency", func(t *testing.T) {
		s := walletSession(c, "SGD", "")
		var got []string
		for _, m := range s.get("paymentMethodTypes").([]any) {
			got = append(got, m.(string))
		}
		want := []string{"card", "wechat", "alipay", "alipayPlus", "upay", "payNow", "grabPay", "shopeePay", "paypal"}
		if !slices.Equal(got, want) {
			t.Errorf("SGD methods: got %v, want %v", got, want)
		}
		_, html, _ := newPage(t).get(s.str("checkoutUrl"))
		for _, m := range want[1:] {
			if !strings.Contains(html, `id="method-`+m+`"`) {
				t.Errorf("the picker lacks %s", m)
			}
		}
		_, html, _ = newPage(t).get(walletSession(c, "CNY", "", "card", "wechat").str("checkoutUrl"))
		if !strings.Contains(html, `id="method-wechat"`) || strings.Contains(html, `id="method-payNow"`) {
			t.Errorf("a CNY session limited to wechat: got a picker without wechat or with payNow")
		}
		body := sessionBody(nextOrderNo("wsess"))
		body["paymentMethodTypes"] = []string{"card", "payNow"}
		c.do("POST", "/v1/checkout/sessions", body).wantError(400, "invalid_parameter", "paymentMethodTypes[1]")
		body["paymentMethodTypes"] = []string{"applePay"}
		c.do("POST", "/v1/checkout/sessions", body).wantError(400, "invalid_parameter", "paymentMethodTypes[0]")
	})

	t.Run("a QR code paid in the wallet completes the session", func(t *testing.T) {
		s := walletSession(c, "SGD", rcv.URL+"/done")
		u, sid, tradeNo := s.str("checkoutUrl"), s.str("sessionId"), s.str("tradeNo")
		pg := newPage(t)
		if code, loc := choose(t, pg, u, "payNow"); code != http.StatusSeeOther || loc != "/checkout/"+sid {
			t.Fatalf("choose payNow: got %d %s", code, loc)
		}
		_, html, hdr := pg.get(u)
		img, sim := qrImgRe.FindStringSubmatch(html), simulateRe.FindStringSubmatch(html)
		if img == nil || sim == nil || !strings.HasPrefix(img[1], "/wallet/qr/") {
			t.Fatalf("cashier page: got no QR image or wallet link:\n%s", html)
		}
		if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
			t.Errorf("CSP: got %q", csp)
		}
		p := c.do("GET", "/v1/checkout/sessions/"+sid, nil).want(200)
		if p.get("payment.status") != "PENDING" || p.get("payment.paymentMethodType") != "payNow" || p.get("payment.nextAction.type") != "qr_code" {
			t.Fatalf("session payment: got %v", p.get("payment"))
		}
		code := p.get("payment.nextAction.qrCode").(string)
		if got := decodeQR(t, a.URL+img[1]); got != code {
			t.Errorf("cashier QR: got %q, want %q", got, code)
		}
		checkEMV(t, code)
		if st := sessionStatus(t, a, sid); st["state"] != "wallet" {
			t.Errorf("status while waiting: got %v", st)
		}
		// Choosing the same method again keeps the code.
		choose(t, pg, u, "payNow")
		if p := c.do("GET", "/v1/checkout/sessions/"+sid, nil); p.get("payment.nextAction.qrCode") != code {
			t.Errorf("the same method again: got a new code")
		}
		decide(t, a.URL+html2text(sim[1]), "approve", "balance")
		st := sessionStatus(t, a, sid)
		if st["state"] != "paid" || !strings.HasPrefix(st["next"], rcv.URL+"/done?") || !strings.Contains(st["next"], "tradeNo="+tradeNo) {
			t.Errorf("status after payment: got %v, want paid and the frontUrl", st)
		}
		s2 := c.do("GET", "/v1/checkout/sessions/"+sid, nil).want(200)
		if s2.str("status") != "COMPLETE" || s2.get("payment.status") != "SUCCEEDED" || s2.get("payment.wallet.funding") != "balance" {
			t.Errorf("after payment: got %s", s2.body)
		}
	})

	t.Run("another method closes the attempt", func(t *testing.T) {
		s := walletSession(c, "USD", "")
		u := s.str("checkoutUrl")
		pg := newPage(t)
		choose(t, pg, u, "wechat")
		_, html, _ := pg.get(u)
		sim := simulateRe.FindStringSubmatch(html)
		answer := openWallet(t, a.URL+html2text(sim[1]))
		choose(t, pg, u, "alipay")
		if code, _, _ := answer("approve", "balance"); code != http.StatusConflict {
			t.Errorf("approving the replaced WeChat Pay order: got %d, want 409", code)
		}
		choose(t, pg, u, "card")
		_, html, _ = pg.get(u)
		if !strings.Contains(html, `id="cardNo"`) || strings.Contains(html, `id="wallet-qr"`) {
			t.Fatalf("after choosing card: got no card form")
		}
		code, loc, _ := pg.post(u, cardForm(html, "4242424242424242"))
		if code != http.StatusSeeOther {
			t.Fatalf("card: got %d %s", code, loc)
		}
		if p := c.do("GET", "/v1/payments/"+s.str("tradeNo"), nil); p.str("status") != "SUCCEEDED" || p.str("paymentMethodType") != "card" || p.get("wallet") != nil {
			t.Errorf("paid by card: got %s", p.body)
		}
	})

	t.Run("a declined wallet leaves the picker", func(t *testing.T) {
		s := walletSession(c, "MYR", "")
		u, sid := s.str("checkoutUrl"), s.str("sessionId")
		pg := newPage(t)
		choose(t, pg, u, "grabPay")
		_, html, _ := pg.get(u)
		decide(t, a.URL+html2text(simulateRe.FindStringSubmatch(html)[1]), "decline", "")
		if st := sessionStatus(t, a, sid); st["state"] != "open" {
			t.Errorf("status after a decline: got %v, want open", st)
		}
		_, html, _ = pg.get(u)
		if !strings.Contains(html, "declined in the wallet") || !strings.Contains(html, `id="method-grabPay"`) {
			t.Errorf("after a decline: got no reason or no picker:\n%s", html)
		}
		if p := c.do("GET", "/v1/payments/"+s.str("tradeNo"), nil); p.str("status") != "PENDING" || p.str("failureCode") != "customer_declined" {
			t.Errorf("after a decline: got %s", p.body)
		}
	})

	t.Run("paypal approval returns to frontUrl", func(t *testing.T) {
		s := walletSession(c, "EUR", rcv.URL+"/done", "card", "paypal")
		u := s.str("checkoutUrl")
		pg := newPage(t)
		code, loc := choose(t, pg, u, "paypal")
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/wallet/pay/") {
			t.Fatalf("choose paypal: got %d %s, want the approval page", code, loc)
		}
		if _, html, _ := pg.get(a.URL + loc); !strings.Contains(html, "PayPal") {
			t.Errorf("approval page: got no PayPal")
		}
		code, back, _ := decide(t, a.URL+loc, "approve", "")
		if code != http.StatusSeeOther || !strings.HasPrefix(back, rcv.URL+"/done?") || !strings.Contains(back, "status=SUCCEEDED") {
			t.Errorf("approve: got %d %s, want frontUrl with SUCCEEDED", code, back)
		}
	})

	t.Run("the session expires with its attempt", func(t *testing.T) {
		s := walletSession(c, "CNY", "")
		u, sid := s.str("checkoutUrl"), s.str("sessionId")
		pg := newPage(t)
		choose(t, pg, u, "alipay")
		_, html, _ := pg.get(u)
		answer := openWallet(t, a.URL+html2text(simulateRe.FindStringSubmatch(html)[1]))
		a.clock.Advance(61 * time.Minute)
		if code, _, _ := answer("approve", "balance"); code != http.StatusConflict {
			t.Errorf("approval after the session's time: got %d, want 409", code)
		}
		a.Gateway.Sweep(context.Background())
		s2 := c.do("GET", "/v1/checkout/sessions/"+sid, nil).want(200)
		if s2.str("status") != "EXPIRED" || s2.get("payment.status") != "EXPIRED" {
			t.Errorf("after expiry: got %s", s2.body)
		}
		if st := sessionStatus(t, a, sid); st["state"] != "expired" {
			t.Errorf("status: got %v", st)
		}
	})
}

// html2text undoes the template's escaping of a URL in an attribute.
func html2text(s string) string { return strings.ReplaceAll(s, "&amp;", "&") }

func TestWalletCheckoutInBrowser(t *testing.T) {
	ctx := browser(t)
	a, c := walletApp(t)
	rcv := newReceiver(t)
	s := walletSession(c, "CNY", rcv.URL+"/done")
	u, tradeNo := s.str("checkoutUrl"), s.str("tradeNo")
	if err := do(ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("#method-wechat"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "wallet-cashier-picker")
	if err := do(ctx, chromedp.Click(chromedp.CSS("#method-wechat")), chromedp.WaitVisible(chromedp.CSS("#wallet-qr"))); err != nil {
		t.Fatal(err)
	}
	// The image loaded under the page's CSP.
	width := get(t, ctx, chromedp.Evaluate[int](`document.getElementById("wallet-qr").naturalWidth`))
	if width == 0 {
		t.Errorf("the QR image did not load")
	}
	screenshot(t, ctx, "wallet-cashier-qr")
	sim := get(t, ctx, chromedp.AttributeValue(chromedp.CSS("#wallet-simulate"), "href"))
	// The shopper pays on the phone; the cashier page moves on by itself.
	decide(t, a.URL+sim.Value, "approve", "balance")
	back := waitURL(t, ctx, rcv.URL+"/done")
	if q := back.Query(); q.Get("status") != "SUCCEEDED" || q.Get("tradeNo") != tradeNo {
		t.Errorf("got return %s, want SUCCEEDED for %s", back, tradeNo)
	}
	if err := do(ctx, chromedp.Navigate(a.URL+sim.Value), chromedp.WaitVisible(chromedp.CSS("#status"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "wallet-sandbox-page-paid")

	// The sandbox wallet page of a direct payment, open.
	r := c.do("POST", "/v1/payments", walletPayment(nextOrderNo("wb"), "payNow", "SGD", "12.50", map[string]any{})).want(201)
	if err := do(ctx, chromedp.Navigate(r.get("nextAction.simulateUrl").(string)), chromedp.WaitVisible(chromedp.CSS("#wallet-approve"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "wallet-sandbox-page")
	if err := do(ctx, chromedp.Click(chromedp.CSS("#account-credit")), chromedp.Click(chromedp.CSS("#wallet-approve")),
		chromedp.WaitVisible(chromedp.CSS("#status"))); err != nil {
		t.Fatal(err)
	}
	if p := c.do("GET", "/v1/payments/"+r.str("tradeNo"), nil); p.str("status") != "SUCCEEDED" || p.get("wallet.funding") != "credit" {
		t.Errorf("approved in the browser: got %s", p.body)
	}
}
