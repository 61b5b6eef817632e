package main

import (
	"database/sql"
	"strings"
	"testing"
)

// TestLedger: captures and refunds post their journals with the change, and
// `paygate ledger verify` holds them against the payments; a tampered entry
// fails it.
func TestLedger(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	paid := c.do("POST", "/v1/payments", cardPayment(nextOrderNo("books"), "4242424242424242")).want(201).str("tradeNo")
	held := cardPayment(nextOrderNo("books"), "5555555555554444")
	held["captureMethod"] = "manual"
	heldNo := c.do("POST", "/v1/payments", held).want(201).str("orderNo")
	c.do("POST", "/v1/payments/capture", map[string]string{"orderNo": heldNo, "captureAmount": "60.00"}).want(200)
	c.do("POST", "/v1/refunds", map[string]string{"tradeNo": paid, "amount": "10.00", "refundNumber": "books-r1",
		"reason": "returned", "clientIp": "10.1.1.1"}).want(201)
	c.do("POST", "/v1/payments", cardPayment(nextOrderNo("books"), "4000000000000002")).want(201) // declined: no journal

	journals, err := a.Gateway.VerifyLedger(t.Context())
	if err != nil || len(journals.Violations) != 0 || journals.Journals != 3 || journals.Payments != 2 {
		t.Fatalf("the books: %+v %v, want 3 journals (2 captures, 1 refund) of 2 payments, no violation", journals, err)
	}
	out, _, err := runCmd(t, "ledger", "verify", "--db", "sqlite:"+a.dbPath)
	if err != nil || !strings.Contains(out, "3 journals, 2 payments checked, 0 violations") {
		t.Fatalf("ledger verify: %v\n%s", err, out)
	}
	// Someone edits the books by hand: verify says so and fails.
	db, err := sql.Open("sqlite", a.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE journal_entries SET minor = minor + 1 WHERE journal_id = ? AND account_kind = 'acquirer_owes'`,
		"J-capture-"+paid); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCmd(t, "ledger", "verify", "--db", "sqlite:"+a.dbPath)
	if err == nil || !strings.Contains(out, "does not balance") || !strings.Contains(out, paid) {
		t.Errorf("verify of tampered books: %v\n%s", err, out)
	}
}

// TestPricing: the operator sets prices with `paygate pricing set`; a
// capture's fee follows the most specific one, is shown on the payment with
// its net, posts to the provider's fees, and a refund leaves it be.
func TestPricing(t *testing.T) {
	a := startApp(t)
	db := "sqlite:" + a.dbPath
	for _, bad := range [][]string{
		{"--percent", "2.9", "--fixed", "0.30"},                           // a fixed amount needs a currency
		{"--percent", "2.9", "--method", "bitcoin"},                       // no such method
		{"--percent", "2.999"},                                            // three decimals
		{"--percent", "101"},                                              // more than everything
		{"--percent", "1", "--currency", "usd"},                           // not a code
		{"--percent", "1", "--currency", "JPY", "--fixed", "0.5"},         // JPY has no minor unit
		{"--percent", "1", "--merchant", "m_nobody", "--currency", "USD"}, // no such merchant
	} {
		if out, _, err := runCmd(t, append([]string{"pricing", "set", "--db", db}, bad...)...); err == nil {
			t.Errorf("pricing set %v: accepted\n%s", bad, out)
		}
	}
	// Set before the merchant's first call, so no node holds an older read.
	mustRun(t, "pricing", "set", "--db", db, "--method", "card", "--currency", "USD", "--percent", "2.9", "--fixed", "0.30")
	mustRun(t, "pricing", "set", "--db", db, "--merchant", a.Sandbox.Merchant.ID, "--currency", "EUR", "--percent", "1.5")
	out := mustRun(t, "pricing", "show", "--db", db, "--merchant", a.Sandbox.Merchant.ID)
	if want := `{"merchant":"` + a.Sandbox.Merchant.ID + `","method":"","currency":"EUR","percent":"1.5","fixed":"0"}` + "\n" +
		`{"merchant":"","method":"card","currency":"USD","percent":"2.9","fixed":"0.30"}` + "\n"; out != want {
		t.Errorf("pricing show:\n%s\nwant\n%s", out, want)
	}

	c := a.sandbox()
	usd := c.do("POST", "/v1/payments", cardPayment(nextOrderNo("fee"), "4242424242424242")).want(201)
	if usd.str("fee") != "3.23" || usd.str("net") != "97.76" { // 2.9% of 100.99 is 2.92871: 2.93, plus 0.30
		t.Errorf("USD card payment: fee %q net %q, want 3.23 and 97.76", usd.str("fee"), usd.str("net"))
	}
	eur := cardPayment(nextOrderNo("fee"), "4242424242424242")
	eur["currency"] = "EUR"
	eurNo := c.do("POST", "/v1/payments", eur).want(201).str("tradeNo")
	c.do("POST", "/v1/refunds", map[string]string{"tradeNo": eurNo, "amount": "100.99", "refundNumber": "fee-r1",
		"reason": "returned", "clientIp": "10.1.1.1"}).want(201)
	got := c.do("GET", "/v1/payments/"+eurNo, nil).want(200)
	if got.str("fee") != "1.51" || got.str("net") != "99.48" || got.str("refundedAmount") != "100.99" { // 1.5% of 100.99 is 1.51485
		t.Errorf("EUR payment refunded in full: fee %q net %q refunded %q; want the fee kept", got.str("fee"), got.str("net"), got.str("refundedAmount"))
	}
	sq, err := sql.Open("sqlite", a.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	var fees int64
	if err := sq.QueryRow(`SELECT -SUM(minor) FROM journal_entries WHERE account_kind = 'provider_fees'`).Scan(&fees); err != nil || fees != 323+151 {
		t.Errorf("the provider's fees: %d %v, want 474 minor units", fees, err)
	}
	if out := mustRun(t, "ledger", "verify", "--db", db); !strings.Contains(out, " 0 violations") {
		t.Errorf("ledger verify: %s", out)
	}
	// A movement lost from the settlement queue: the balance no longer
	// matches the books, and verify says so.
	if _, err := sq.Exec(`DELETE FROM unsettled WHERE journal_id = ?`, "J-capture-"+eurNo); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCmd(t, "ledger", "verify", "--db", db); err == nil || !strings.Contains(out, "its balance says") {
		t.Errorf("verify with a movement lost from the queue: %v\n%s", err, out)
	}
}

// mustRun runs a command line that must succeed and returns its output.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := runCmd(t, args...)
	if err != nil {
		t.Fatalf("%v: %v\n%s%s", args, err, out, errOut)
	}
	return out
}
