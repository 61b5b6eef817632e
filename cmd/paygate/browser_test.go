package main

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"paygate/acquirer"
)

// browser starts headless Chromium (Debian's, as root: --no-sandbox) for the
// test. Without Chromium the test skips, except under CI=true where it fails.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("PAYGATE_CHROMIUM")
	if path == "" {
		for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if found, err := exec.LookPath(p); err == nil {
				path = found
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is not installed (apt-get install chromium); CI needs it")
		}
		t.Skip("Chromium is not installed; the browser tests need it (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844), chromedp.Flag("lang", "en-US"))
	// A start can fail on a busy machine (the browser does not print its
	// DevTools address in time): try a few times before failing the test.
	var err error
	for attempt := range 3 {
		actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel2 := chromedp.NewContext(actx)
		if err = chromedp.Do(ctx); err == nil { // starts the browser; no timeout on this first call
			t.Cleanup(cancel)
			t.Cleanup(cancel2)
			return ctx
		}
		cancel2()
		cancel()
		t.Logf("start chromium, attempt %d: %v", attempt+1, err)
		time.Sleep(time.Second)
	}
	t.Fatalf("start chromium: %v", err)
	return nil
}

// do runs browser steps with a timeout, so a stuck page fails the test.
func do(ctx context.Context, steps ...chromedp.Action[chromedp.Void]) error {
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return chromedp.Do(c, steps...)
}

// get runs one browser action that returns a value, with a timeout.
func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// screenshot saves the page as a test artifact in ../../artifacts.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf := get(t, ctx, chromedp.CaptureScreenshot())
	dir := filepath.Join("..", "..", "artifacts")
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fillCard types a card into the cashier form.
func fillCard(pan string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS("#cardNo")),
		clearForm(),
		chromedp.SendKeys(chromedp.CSS("#cardNo"), pan),
		chromedp.SendKeys(chromedp.CSS("#expiryMonth"), "06"),
		chromedp.SendKeys(chromedp.CSS("#expiryYear"), "2030"),
		chromedp.SendKeys(chromedp.CSS("#cvc"), "123"),
		chromedp.SendKeys(chromedp.CSS("#holderName"), "Zhong Yang"),
	)
}

// clearForm empties the card form's fields (a re-shown form keeps some).
func clearForm() chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](`["cardNo","expiryMonth","expiryYear","cvc","holderName"].forEach(function (id) { document.getElementById(id).value = ""; }); true`)(ctx, t)
		return chromedp.Void{}, err
	}
}

// waitURL waits until the browser is at a URL starting with prefix.
func waitURL(t *testing.T, ctx context.Context, prefix string) *url.URL {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		loc, err := chromedp.Run(c, chromedp.Location())
		cancel()
		if err == nil && strings.HasPrefix(loc, prefix) {
			u, _ := url.Parse(loc)
			return u
		}
		if time.Now().After(deadline) {
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("got location %q showing %q, want %s...", loc, body, prefix)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestCheckoutInBrowser(t *testing.T) {
	ctx := browser(t)
	a := startApp(t)
	c := a.sandbox()
	rcv := newReceiver(t)
	newSession := func(mode string) (string, string) {
		body := sessionBody(nextOrderNo("web"))
		body["frontUrl"] = rcv.URL + "/done"
		body["threeDsMode"] = mode
		r := c.do("POST", "/v1/checkout/sessions", body).want(201)
		return r.str("checkoutUrl"), r.str("tradeNo")
	}

	t.Run("approved, with brand detection and client checks", func(t *testing.T) {
		u, tradeNo := newSession("auto")
		if err := do(ctx, chromedp.Navigate(u), fillCard("4242424242424241"),
			chromedp.Click(chromedp.CSS("#pay-button")),
			chromedp.WaitVisible(chromedp.CSS("#client-error"))); err != nil {
			t.Fatal(err)
		}
		clientErr := get(t, ctx, chromedp.Text(chromedp.CSS("#client-error")))
		if !strings.Contains(clientErr, "card number") {
			t.Errorf("got client error %q, want the card number named", clientErr)
		}
		if err := do(ctx, fillCard("4242424242424242")); err != nil {
			t.Fatal(err)
		}
		brand := get(t, ctx, chromedp.Text(chromedp.CSS("#brand")))
		if !strings.EqualFold(brand, "visa") {
			t.Errorf("got brand %q, want visa", brand)
		}
		if badge := get(t, ctx, chromedp.Text(chromedp.CSS("#test-mode"))); !strings.EqualFold(badge, "Test mode") {
			t.Errorf("got badge %q, want Test mode", badge)
		}
		if hint := get(t, ctx, chromedp.Text(chromedp.CSS("#test-cards"))); !strings.Contains(hint, "4242 4242 4242 4242") || !strings.Contains(hint, "CVC") {
			t.Errorf("got test cards hint %q, want the cards, the expiry and the CVC", hint)
		}
		screenshot(t, ctx, "checkout-cashier")
		if err := do(ctx, chromedp.Click(chromedp.CSS("#pay-button"))); err != nil {
			t.Fatal(err)
		}
		back := waitURL(t, ctx, rcv.URL+"/done")
		if q := back.Query(); q.Get("status") != "SUCCEEDED" || q.Get("tradeNo") != tradeNo {
			t.Errorf("got return %s, want SUCCEEDED for %s", back, tradeNo)
		}
	})

	t.Run("declined then retry", func(t *testing.T) {
		u, _ := newSession("auto")
		if err := do(ctx, chromedp.Navigate(u), fillCard(acquirer.CardDeclined), chromedp.Click(chromedp.CSS("#pay-button")),
			chromedp.WaitVisible(chromedp.CSS("#error"))); err != nil {
			t.Fatal(err)
		}
		msg := get(t, ctx, chromedp.Text(chromedp.CSS("#error")))
		if !strings.Contains(msg, "declined") {
			t.Errorf("got %q, want a decline message", msg)
		}
		if err := do(ctx, fillCard(acquirer.CardIncorrectCVC), chromedp.Click(chromedp.CSS("#pay-button"))); err != nil {
			t.Fatal(err)
		}
		// The old page's message stays until the new page arrives: wait for the new one.
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(msg, "security code") && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			c, cancel := context.WithTimeout(ctx, 5*time.Second)
			msg, _ = chromedp.Run(c, chromedp.Text(chromedp.CSS("#error")))
			cancel()
		}
		if !strings.Contains(msg, "security code") {
			t.Errorf("got %q, want the wrong CVC named", msg)
		}
		if err := do(ctx, fillCard("5555555555554444"), chromedp.Click(chromedp.CSS("#pay-button"))); err != nil {
			t.Fatal(err)
		}
		if q := waitURL(t, ctx, rcv.URL+"/done").Query(); q.Get("status") != "SUCCEEDED" {
			t.Errorf("got %s, want SUCCEEDED after the retry", q.Get("status"))
		}
	})

	t.Run("challenge passes", func(t *testing.T) {
		u, tradeNo := newSession("auto")
		if err := do(ctx, chromedp.Navigate(u), fillCard(acquirer.CardChallenge), chromedp.Click(chromedp.CSS("#pay-button")),
			chromedp.WaitVisible(chromedp.CSS("#sandbox-code"))); err != nil {
			t.Fatal(err)
		}
		if title := get(t, ctx, chromedp.Title()); title != "Verify your payment" {
			t.Errorf("got 3-D Secure page title %q, want its own", title)
		}
		if badge := get(t, ctx, chromedp.Text(chromedp.CSS("#test-mode"))); !strings.EqualFold(badge, "Test mode") {
			t.Errorf("got badge %q, want Test mode on the 3-D Secure page", badge)
		}
		screenshot(t, ctx, "checkout-3ds-challenge")
		// A wrong code first: the page comes back saying how many tries are left.
		if err := do(ctx, chromedp.SendKeys(chromedp.CSS("#code"), "000000"), chromedp.Click(chromedp.CSS("#acs-submit")),
			chromedp.WaitVisible(chromedp.CSS("#error"))); err != nil {
			t.Fatal(err)
		}
		if msg := get(t, ctx, chromedp.Text(chromedp.CSS("#error"))); !strings.Contains(msg, "4 tries left") {
			t.Errorf("after a wrong code: got %q, want 4 tries left", msg)
		}
		if err := do(ctx, chromedp.SendKeys(chromedp.CSS("#code"), acquirer.ChallengeCode), chromedp.Click(chromedp.CSS("#acs-submit"))); err != nil {
			t.Fatal(err)
		}
		if q := waitURL(t, ctx, rcv.URL+"/done").Query(); q.Get("status") != "SUCCEEDED" {
			t.Fatalf("got %s, want SUCCEEDED", q.Get("status"))
		}
		p := c.do("GET", "/v1/payments/"+tradeNo, nil).want(200)
		if p.get("threeDs.liabilityShift") != true || p.get("threeDs.version") != "2.2.0" {
			t.Errorf("got threeDs %v, want the challenge result recorded", p.get("threeDs"))
		}
	})

	t.Run("challenge fails", func(t *testing.T) {
		u, tradeNo := newSession("standard")
		if err := do(ctx, chromedp.Navigate(u), fillCard("4242424242424242"), chromedp.Click(chromedp.CSS("#pay-button")),
			chromedp.WaitVisible(chromedp.CSS("#acs-fail")), chromedp.Click(chromedp.CSS("#acs-fail"))); err != nil {
			t.Fatal(err)
		}
		if q := waitURL(t, ctx, rcv.URL+"/done").Query(); q.Get("status") != "FAILED" {
			t.Fatalf("got %s, want FAILED", q.Get("status"))
		}
		if p := c.do("GET", "/v1/payments/"+tradeNo, nil).want(200); p.str("failureCode") != "authentication_failed" {
			t.Errorf("got %s, want authentication_failed", p.str("failureCode"))
		}
	})

	t.Run("frictionless", func(t *testing.T) {
		u, tradeNo := newSession("standard")
		if err := do(ctx, chromedp.Navigate(u), fillCard(acquirer.CardFrictionless), chromedp.Click(chromedp.CSS("#pay-button"))); err != nil {
			t.Fatal(err)
		}
		if q := waitURL(t, ctx, rcv.URL+"/done").Query(); q.Get("status") != "SUCCEEDED" {
			t.Fatalf("got %s, want SUCCEEDED without a challenge", q.Get("status"))
		}
		if p := c.do("GET", "/v1/payments/"+tradeNo, nil).want(200); p.get("threeDs.liabilityShift") != true {
			t.Errorf("got %v, want a liability shift", p.get("threeDs"))
		}
	})

	t.Run("chinese and expired", func(t *testing.T) {
		u, _ := newSession("auto")
		if err := do(ctx, chromedp.Navigate(u+"?lang=zh")); err != nil {
			t.Fatal(err)
		}
		title := get(t, ctx, chromedp.Title())
		if title != "收银台" {
			t.Errorf("got title %q, want 收银台", title)
		}
		a.clock.Advance(2 * time.Hour)
		a.Gateway.Sweep(context.Background())
		if err := do(ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("#status"))); err != nil {
			t.Fatal(err)
		}
		state := get(t, ctx, chromedp.AttributeValue(chromedp.CSS("#status"), "data-state")).Value
		if state != "expired" {
			t.Errorf("got state %q, want expired", state)
		}
		screenshot(t, ctx, "checkout-expired")
	})
}
