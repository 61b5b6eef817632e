package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"paygate"
)

// TestDashboardInBrowser walks the dashboard in Chromium as a merchant's
// admin and viewer would: set a password from the link, sign in, filter
// the payments, open one, refund part of it through the confirmation,
// see the refund in its timeline; as a viewer find no refund and be
// refused a forged one; find another merchant's payment not there; switch
// to Chinese; sign out. The screenshots are docs/dashboard.md's.
func TestDashboardInBrowser(t *testing.T) {
	ctx := browser(t)
	a := startApp(t)
	c := a.sandbox()
	var paid string
	for i, card := range []string{"4242424242424242", "4000000000000002", "5555555555554444", "4000000000009995", "4242424242424242"} {
		body := cardPayment(nextOrderNo("shop"), card)
		body["amount"] = []string{"120.00", "35.50", "89.90", "410.00", "18.25"}[i]
		r := c.do("POST", "/v1/payments", body).want(201)
		if i == 0 {
			paid = r.str("tradeNo")
		}
	}
	other := a.newMerchant("other").do("POST", "/v1/payments", cardPayment(nextOrderNo("theirs"), "4242424242424242")).want(201).str("tradeNo")
	nu, err := a.Gateway.Users.CreateUser(t.Context(), a.Sandbox.Merchant.ID, "ana@example.com", paygate.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	desktop := chromedp.EmulateViewport(1280, 900)
	text := func(sel string) string { return get(t, ctx, chromedp.Text(chromedp.CSS(sel))) }

	// The link sets the password, then the sign-in page takes it.
	if err := do(ctx, desktop, chromedp.Navigate(nu.SetupURL), chromedp.WaitVisible(chromedp.CSS("#setup-form")),
		chromedp.SendKeys(chromedp.CSS("#password"), dashPassword), chromedp.SendKeys(chromedp.CSS("#confirm"), dashPassword),
		chromedp.Click(chromedp.CSS("#set-password"))); err != nil {
		t.Fatal(err)
	}
	waitURL(t, ctx, a.URL+"/dashboard/signin")
	if err := do(ctx, chromedp.WaitVisible(chromedp.CSS("#flash")), chromedp.SendKeys(chromedp.CSS("#email"), "ana@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), dashPassword)); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "dashboard-signin")
	if err := do(ctx, chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("svg"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#totals-USD"); !strings.Contains(got, "228.15 USD") || !strings.Contains(got, "60%") {
		t.Errorf("overview totals %q, want 228.15 USD approved, 60%% approval", got)
	}
	screenshot(t, ctx, "dashboard-overview")

	// Filter the list to the succeeded payments, open the first.
	if err := do(ctx, chromedp.Navigate(a.URL+"/dashboard/payments"), chromedp.WaitVisible(chromedp.CSS("#payments")),
		chromedp.SetValue(chromedp.CSS("#status"), "SUCCEEDED"), chromedp.Click(chromedp.CSS("#filter"))); err != nil {
		t.Fatal(err)
	}
	waitURL(t, ctx, a.URL+"/dashboard/payments?")
	if err := do(ctx, chromedp.WaitVisible(chromedp.CSS("#payments"))); err != nil {
		t.Fatal(err)
	}
	list := text("#payments")
	if strings.Contains(list, "FAILED") || strings.Count(list, "SUCCEEDED") != 3 {
		t.Errorf("filtered list:\n%s", list)
	}
	screenshot(t, ctx, "dashboard-payments")
	if err := do(ctx, chromedp.Click(chromedp.CSS(`a[href="/dashboard/payments/`+paid+`"]`))); err != nil {
		t.Fatal(err)
	}
	waitURL(t, ctx, a.URL+"/dashboard/payments/"+paid)

	// Refund part of it: a confirmation, then the outcome and the timeline.
	if err := do(ctx, chromedp.WaitVisible(chromedp.CSS("#refund-form")), chromedp.SendKeys(chromedp.CSS("#refund-amount"), "20.00"),
		chromedp.SendKeys(chromedp.CSS("#refund-reason"), "one item returned"), chromedp.Click(chromedp.CSS("#refund")),
		chromedp.WaitVisible(chromedp.CSS("#confirm-form"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "dashboard-confirm")
	if err := do(ctx, chromedp.Click(chromedp.CSS("#confirm"))); err != nil {
		t.Fatal(err)
	}
	waitURL(t, ctx, a.URL+"/dashboard/payments/"+paid+"?done=refund")
	if err := do(ctx, chromedp.WaitVisible(chromedp.CSS("#flash"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#timeline"); !strings.Contains(got, "SUCCEEDED → PARTIALLY_REFUNDED") || !strings.Contains(got, "Dashboard (ana@example.com)") {
		t.Errorf("timeline after the refund:\n%s", got)
	}
	if got := text("#refunded"); got != "20.00 USD" {
		t.Errorf("refunded %q, want 20.00 USD", got)
	}
	screenshot(t, ctx, "dashboard-payment")

	// Another merchant's payment is the not-found page.
	if err := do(ctx, chromedp.Navigate(a.URL+"/dashboard/payments/"+other), chromedp.WaitVisible(chromedp.CSS("#error"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#error"); !strings.Contains(got, "does not exist") {
		t.Errorf("another merchant's payment shows %q", got)
	}

	// The developers page: the appId, the rotations, the test cards.
	if err := do(ctx, chromedp.Navigate(a.URL+"/dashboard/developers"), chromedp.WaitVisible(chromedp.CSS("#test-cards"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#app-id"); got != a.Sandbox.Merchant.AppID {
		t.Errorf("developers page appId %q", got)
	}
	screenshot(t, ctx, "dashboard-developers")

	// The risk page: a list entry added through its form.
	if err := do(ctx, chromedp.Navigate(a.URL+"/dashboard/risk?list=ip"), chromedp.WaitVisible(chromedp.CSS("#entry-form")),
		chromedp.SendKeys(chromedp.CSS("#entry-value"), "203.0.113.0/24"), chromedp.SendKeys(chromedp.CSS("#entry-note"), "card testers"),
		chromedp.Click(chromedp.CSS("#add-entry"))); err != nil {
		t.Fatal(err)
	}
	waitURL(t, ctx, a.URL+"/dashboard/risk?list=ip&done=1")
	if err := do(ctx, chromedp.WaitVisible(chromedp.CSS("#entries"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#entries"); !strings.Contains(got, "203.0.113.0/24") {
		t.Errorf("risk list: %s", got)
	}
	screenshot(t, ctx, "dashboard-risk")

	// In Chinese, on a phone.
	if err := do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(a.URL+"/dashboard/payments/"+paid),
		chromedp.WaitVisible(chromedp.CSS("#lang-switch")), chromedp.Click(chromedp.CSS("#lang-switch"))); err != nil {
		t.Fatal(err)
	}
	waitURL(t, ctx, a.URL+"/dashboard/payments/"+paid+"?lang=zh")
	if title := get(t, ctx, chromedp.Title()); !strings.Contains(title, "支付") {
		t.Errorf("Chinese title %q", title)
	}
	screenshot(t, ctx, "dashboard-payment-zh-phone")
	if err := do(ctx, desktop, chromedp.Navigate(a.URL+"/dashboard/payments?lang=en"), chromedp.WaitVisible(chromedp.CSS("#signout")),
		chromedp.Click(chromedp.CSS("#signout"))); err != nil {
		t.Fatal(err)
	}
	waitURL(t, ctx, a.URL+"/dashboard/signin")

	// A viewer sees the payment without the refund form, and a refund
	// form forged into the page is refused.
	if _, err := a.Gateway.Users.CreateUser(t.Context(), a.Sandbox.Merchant.ID, "vic@example.com", paygate.RoleViewer); err != nil {
		t.Fatal(err)
	}
	reset, err := a.Gateway.Users.ResetPassword(t.Context(), "vic@example.com")
	if err != nil {
		t.Fatal(err)
	}
	token := reset.SetupURL[strings.LastIndex(reset.SetupURL, "/")+1:]
	if _, err := a.Gateway.Users.SetPassword(t.Context(), token, dashPassword); err != nil {
		t.Fatal(err)
	}
	if err := do(ctx, chromedp.Navigate(a.URL+"/dashboard/payments/"+paid), chromedp.WaitVisible(chromedp.CSS("#signin-form")),
		chromedp.SendKeys(chromedp.CSS("#email"), "vic@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), dashPassword),
		chromedp.Click(chromedp.CSS("#signin"))); err != nil {
		t.Fatal(err)
	}
	waitURL(t, ctx, a.URL+"/dashboard/payments/"+paid)
	if err := do(ctx, chromedp.WaitVisible(chromedp.CSS("#timeline"))); err != nil {
		t.Fatal(err)
	}
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#refund-form").length`)); n != 0 {
		t.Error("a viewer is shown the refund form")
	}
	forge := `(function () {
		var f = document.createElement("form"); f.method = "post"; f.action = location.pathname + "/refund";
		[["csrf", document.querySelector("input[name=csrf]").value], ["key", "0123456789abcdef01234567"],
		 ["amount", "1.00"], ["reason", "forged"], ["confirm", "yes"]].forEach(function (kv) {
			var i = document.createElement("input"); i.type = "hidden"; i.name = kv[0]; i.value = kv[1]; f.appendChild(i);
		});
		document.body.appendChild(f); f.submit(); return true; })()`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](forge)); err != nil {
		t.Fatal(err)
	}
	waitURL(t, ctx, a.URL+"/dashboard/payments/"+paid+"/refund")
	if err := do(ctx, chromedp.WaitVisible(chromedp.CSS("#error"))); err != nil {
		t.Fatal(err)
	}
	if p := c.do("GET", "/v1/payments/"+paid, nil).want(200); p.str("refundedAmount") != "20.00" {
		t.Errorf("after a viewer's forged refund: refunded %v", p.get("refundedAmount"))
	}
	if err := do(ctx, chromedp.Navigate(a.URL+"/dashboard/audit"), chromedp.WaitVisible(chromedp.CSS("#audit"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#audit"); !strings.Contains(got, "refund") || !strings.Contains(got, "ana@example.com") {
		t.Errorf("audit log:\n%s", got)
	}
	screenshot(t, ctx, "dashboard-audit")
	if err := do(ctx, chromedp.Click(chromedp.CSS("#signout"))); err != nil {
		t.Fatal(err)
	}
	waitURL(t, ctx, a.URL+"/dashboard/signin")
	if err := do(ctx, chromedp.Navigate(a.URL+"/dashboard/payments")); err != nil {
		t.Fatal(err)
	}
	waitURL(t, ctx, a.URL+"/dashboard/signin?next=")
}
