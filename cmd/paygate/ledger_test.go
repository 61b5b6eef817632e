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
