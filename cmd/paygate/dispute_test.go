package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDisputes: the dispute test card's capture opens a dispute in the same
// commit (notified, shown on the payment, the amount and fee held from the
// balance, refunds refused); evidence decides it, won returning the money;
// the batch and the books carry it; another merchant sees none of it.
func TestDisputes(t *testing.T) {
	a := startApp(t)
	db := "sqlite:" + a.dbPath
	c := a.sandbox()
	pay := func() (tradeNo, disputeID string) {
		t.Helper()
		body := cardPayment(nextOrderNo("dsp"), "4000000000000259")
		body["notificationUrl"] = "https://merchant.example/notify"
		p := c.do("POST", "/v1/payments", body).want(201)
		if p.str("status") != "SUCCEEDED" || p.str("disputeStatus") != "NEEDS_RESPONSE" || p.str("disputeId") == "" {
			t.Fatalf("payment with the dispute card: %s", p.body)
		}
		return p.str("tradeNo"), p.str("disputeId")
	}
	won, wonID := pay()
	lost, lostID := pay()

	d := c.do("GET", "/v1/disputes/"+wonID, nil).want(200)
	if d.str("status") != "NEEDS_RESPONSE" || d.str("amount") != "100.99" || d.str("fee") != "15.00" || d.str("tradeNo") != won ||
		d.str("reason") != "fraudulent" {
		t.Errorf("dispute: %s", d.body)
	}
	l := c.do("GET", "/v1/disputes?limit=1", nil).want(200)
	next := c.do("GET", "/v1/disputes?limit=1&startingAfter="+l.str("nextCursor"), nil).want(200)
	if got := []any{l.get("data.0.disputeId"), next.get("data.0.disputeId")}; l.get("hasMore") != true || next.get("hasMore") != false ||
		!(got[0] == wonID && got[1] == lostID || got[0] == lostID && got[1] == wonID) {
		t.Errorf("disputes a page at a time: %s then %s", l.body, next.body)
	}
	log := c.do("GET", "/v1/notifications?orderNo="+c.do("GET", "/v1/payments/"+won, nil).want(200).str("orderNo"), nil).want(200)
	if !strings.Contains(string(log.body), `"eventType":"payment.disputed"`) {
		t.Errorf("no payment.disputed in the delivery log: %s", log.body)
	}
	// Two captures of 100.99, each held with a 15.00 fee.
	if b := c.do("GET", "/v1/balance", nil).want(200); b.get("data.0.pending") != "-30.00" {
		t.Errorf("balance with two open disputes: %s, want -30.00 pending", b.body)
	}
	refund := map[string]string{"tradeNo": won, "amount": "1.00", "refundNumber": "dsp-r1", "reason": "returned", "clientIp": "10.1.1.1"}
	c.do("POST", "/v1/refunds", refund).wantError(409, "invalid_state", "")

	c.do("POST", "/v1/disputes/"+wonID+"/evidence", map[string]string{}).wantError(400, "invalid_parameter", "evidence")
	if r := c.do("POST", "/v1/disputes/"+wonID+"/evidence", map[string]string{"evidence": "receipt and delivery: winning_evidence"}).want(200); r.str("status") != "WON" || r.str("closedAt") == "" {
		t.Errorf("winning evidence: %s", r.body)
	}
	if r := c.do("POST", "/v1/disputes/"+lostID+"/evidence", map[string]string{"evidence": "we think it was fine"}).want(200); r.str("status") != "LOST" {
		t.Errorf("other evidence: %s", r.body)
	}
	c.do("POST", "/v1/disputes/"+lostID+"/evidence", map[string]string{"evidence": "again"}).wantError(409, "invalid_state", "")
	if r := c.do("POST", "/v1/disputes/"+lostID+"/evidence", map[string]string{"evidence": "we think it was fine"}).want(200); r.str("status") != "LOST" {
		t.Errorf("the same evidence again (a retry): %s", r.body)
	}
	// Won: the amount and the fee are back, and the payment refundable again.
	if b := c.do("GET", "/v1/balance", nil).want(200); b.get("data.0.pending") != "85.99" {
		t.Errorf("balance after one won and one lost: %s, want 100.99 - 15.00 = 85.99 pending", b.body)
	}
	if p := c.do("GET", "/v1/payments/"+won, nil).want(200); p.str("disputeStatus") != "WON" {
		t.Errorf("the won payment: %s", p.body)
	}
	c.do("POST", "/v1/refunds", refund).want(201)
	refund["tradeNo"], refund["refundNumber"] = lost, "dsp-r2"
	c.do("POST", "/v1/refunds", refund).wantError(409, "invalid_state", "")

	other := a.newMerchant("Other")
	other.do("GET", "/v1/disputes/"+wonID, nil).wantError(404, "not_found", "")
	other.do("POST", "/v1/disputes/"+lostID+"/evidence", map[string]string{"evidence": "winning_evidence"}).wantError(404, "not_found", "")

	closed := c.do("POST", "/v1/settlements/close", nil).want(200)
	// Gross 201.98, refunded 1.00, disputed 100.99 (two held, one returned), fees 15.00: net 84.99.
	if closed.get("data.0.disputes") != 3.0 || closed.get("data.0.disputed") != "100.99" || closed.get("data.0.fees") != "15.00" ||
		closed.get("data.0.net") != "84.99" {
		t.Errorf("the batch: %s", closed.body)
	}
	if out := mustRun(t, "ledger", "verify", "--db", db); !strings.Contains(out, " 0 violations") {
		t.Errorf("ledger verify: %s", out)
	}
}

// TestReconcile: the sandbox's settlement file of a day matches the books;
// an edited one is reported line by line and fails the command.
func TestReconcile(t *testing.T) {
	a := startApp(t)
	db := "sqlite:" + a.dbPath
	c := a.sandbox()
	paid := c.do("POST", "/v1/payments", cardPayment(nextOrderNo("rec"), "4242424242424242")).want(201).str("tradeNo")
	c.do("POST", "/v1/payments", cardPayment(nextOrderNo("rec"), "4000000000000259")).want(201)
	c.do("POST", "/v1/refunds", map[string]string{"tradeNo": paid, "amount": "10.00", "refundNumber": "rec-r1",
		"reason": "returned", "clientIp": "10.1.1.1"}).want(201)
	day := a.clock.Now().UTC().Format("2006-01-02")
	file := filepath.Join(t.TempDir(), "settlement.csv")
	mustRun(t, "settlement-file", "--db", db, "--date", day, "--out", file)
	body, err := os.ReadFile(file)
	if err != nil || strings.Count(string(body), "\n") != 5 || !strings.Contains(string(body), ",REFUND,") ||
		!strings.Contains(string(body), ",CHARGEBACK,") {
		t.Fatalf("the settlement file: %v\n%s", err, body)
	}
	if out := mustRun(t, "reconcile", "--db", db, "--file", file, "--connector", "sandbox"); !strings.Contains(out,
		"4 matched, 0 missing from the file, 0 missing from the books, 0 differ") {
		t.Errorf("reconcile: %s", out)
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	edited := strings.Join(append([]string{lines[0], strings.Replace(lines[1], "100.99", "100.00", 1)}, lines[3:]...), "\n") +
		"\n" + day + ",CAPTURE,T_unknown,T_unknown,m_x,USD,1.00\n"
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "reconcile", "--db", db, "--file", file)
	if err == nil || !strings.Contains(out, "2 matched, 1 missing from the file, 1 missing from the books, 1 differ") ||
		!strings.Contains(out, "differs: line 2") || !strings.Contains(out, "T_unknown") {
		t.Errorf("reconcile of an edited file: %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, "reconcile", "--db", db, "--file", file, "--connector", "stripe"); err == nil {
		t.Error("an unknown connector's file was read")
	}
}
