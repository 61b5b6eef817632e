package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSettlements: a sandbox merchant's captures and refunds wait in its
// pending balance; closing the batch on demand settles them (net to
// available), the batch and its lines read as JSON and CSV, another
// merchant sees none of it, and `paygate payout` pays it once; the books
// hold throughout.
func TestSettlements(t *testing.T) {
	a := startApp(t)
	db := "sqlite:" + a.dbPath
	mustRun(t, "pricing", "set", "--db", db, "--currency", "USD", "--percent", "2.9", "--fixed", "0.30")
	c := a.sandbox()
	paid := c.do("POST", "/v1/payments", cardPayment(nextOrderNo("stl"), "4242424242424242")).want(201).str("tradeNo")
	c.do("POST", "/v1/payments", cardPayment(nextOrderNo("stl"), "5555555555554444")).want(201)
	refundID := c.do("POST", "/v1/refunds", map[string]string{"tradeNo": paid, "amount": "10.00", "refundNumber": "stl-r1",
		"reason": "returned", "clientIp": "10.1.1.1"}).want(201).str("refundId")
	// Two captures of 100.99 at 3.23 each, less a refund of 10.00.
	const net = "185.52"
	if b := c.do("GET", "/v1/balance", nil).want(200).get("data.0"); b == nil || b.(map[string]any)["pending"] != net ||
		b.(map[string]any)["available"] != "0.00" {
		t.Fatalf("balance before the batch: %v, want %s pending", b, net)
	}

	rcv := newReceiver(t)
	c.do("POST", "/v1/notifications/subscriptions", map[string]string{
		"subscribeUrl": rcv.URL + "/sub", "apiVersion": "20250703", "signMethod": "sha256"}).want(201)
	closed := c.do("POST", "/v1/settlements/close", nil).want(200)
	id, _ := closed.get("data.0.settlementId").(string)
	if got := rcv.wait(t, "/sub", 1)[0].JSON; got["eventType"] != "settlement.closed" || got["sequence"] != 1.0 ||
		got["data"].(map[string]any)["settlementId"] != id || got["data"].(map[string]any)["net"] != net {
		t.Errorf("the batch's notification: %v", got)
	}
	if id == "" || closed.get("data.0.net") != net || closed.get("data.0.captures") != 2.0 || closed.get("data.0.refunds") != 1.0 ||
		closed.get("data.0.fees") != "6.46" || closed.get("data.0.status") != "SETTLED" || closed.get("data.1") != nil {
		t.Fatalf("close: %s", closed.body)
	}
	if again := c.do("POST", "/v1/settlements/close", nil).want(200); again.get("data.0") != nil {
		t.Errorf("closing with nothing waiting: %s", again.body)
	}
	if b := c.do("GET", "/v1/balance", nil).want(200).get("data.0").(map[string]any); b["pending"] != "0.00" || b["available"] != net {
		t.Errorf("balance after the batch: %v, want %s available", b, net)
	}
	if list := c.do("GET", "/v1/settlements?limit=1", nil).want(200); list.get("data.0.settlementId") != id || list.get("hasMore") != false {
		t.Errorf("settlements: %s", list.body)
	}
	c.do("GET", "/v1/settlements/"+id, nil).want(200)
	items := c.do("GET", "/v1/settlements/"+id+"/items", nil).want(200)
	var lines struct{ Data []map[string]string }
	if err := json.Unmarshal(items.body, &lines); err != nil || len(lines.Data) != 3 {
		t.Fatalf("items: %v %s", err, items.body)
	}
	sum := map[string]int{}
	for _, l := range lines.Data {
		sum[l["type"]+" "+l["gross"]+" "+l["fee"]+" "+l["net"]]++
	}
	if sum["capture 100.99 3.23 97.76"] != 2 || sum["refund -10.00 0.00 -10.00"] != 1 {
		t.Errorf("items: %v", sum)
	}
	csvBody := c.do("GET", "/v1/settlements/"+id+"/items", nil, "Accept", "text/csv").want(200)
	rows, err := csv.NewReader(strings.NewReader(string(csvBody.body))).ReadAll()
	if err != nil || len(rows) != 4 || strings.Join(rows[0], ",") != "type,tradeNo,refundId,disputeId,at,currency,gross,fee,net" ||
		!strings.Contains(string(csvBody.body), "refund,"+paid+","+refundID+",,") {
		t.Errorf("items as CSV: %v\n%s", err, csvBody.body)
	}

	other := a.newMerchant("Other")
	other.do("GET", "/v1/settlements/"+id, nil).wantError(404, "not_found", "")
	other.do("GET", "/v1/settlements/"+id+"/items", nil).wantError(404, "not_found", "")
	if l := other.do("GET", "/v1/settlements", nil).want(200); l.get("data.0") != nil {
		t.Errorf("another merchant's settlements: %s", l.body)
	}

	mid := a.Sandbox.Merchant.ID
	if out, _, err := runCmd(t, "payout", "--db", db, "--merchant", "m_nobody", "--settlement", id); err == nil {
		t.Errorf("payout under a merchant the batch is not of: accepted\n%s", out)
	}
	if out := mustRun(t, "payout", "--db", db, "--merchant", mid, "--settlement", id); !strings.Contains(out, `"status":"PAID"`) {
		t.Errorf("payout: %s", out)
	}
	if out, _, err := runCmd(t, "payout", "--db", db, "--merchant", mid, "--settlement", id); err == nil {
		t.Errorf("a second payout: accepted\n%s", out)
	}
	if b := c.do("GET", "/v1/balance", nil).want(200); b.get("data.0") != nil {
		t.Errorf("balance after the payout: %s, want nothing pending or available", b.body)
	}
	if out := mustRun(t, "ledger", "verify", "--db", db); !strings.Contains(out, " 0 violations") {
		t.Errorf("ledger verify: %s", out)
	}
}

// TestSetTimezoneCommand: the operator sets a merchant's cut-off time zone,
// sees it on the merchant, and a name that is no time zone is refused.
func TestSetTimezoneCommand(t *testing.T) {
	a := startApp(t)
	db, id := "sqlite:"+a.dbPath, a.Sandbox.Merchant.ID
	if out := mustRun(t, "merchant", "set-timezone", id, "--timezone", "Asia/Singapore", "--db", db); !strings.Contains(out,
		`"settlementTimeZone":"Asia/Singapore"`) {
		t.Errorf("set-timezone: %s", out)
	}
	if out := mustRun(t, "merchant", "show", id, "--db", db); !strings.Contains(out, `"settlementTimeZone":"Asia/Singapore"`) {
		t.Errorf("merchant show: %s", out)
	}
	if out, _, err := runCmd(t, "merchant", "set-timezone", id, "--timezone", "Asia/Atlantis", "--db", db); err == nil {
		t.Errorf("an unknown time zone was set: %s", out)
	}
	if out := mustRun(t, "merchant", "set-timezone", id, "--timezone", "UTC", "--db", db); strings.Contains(out, "settlementTimeZone") {
		t.Errorf("back to UTC: %s", out)
	}
}

// TestMultiNodeSettlement: two nodes on one PostgreSQL database take
// payments, the day passes, and both nodes' sweeps run at once, twice each:
// exactly one batch closes, with every capture of the day, and the books
// hold.
func TestMultiNodeSettlement(t *testing.T) {
	db := pgSchema(t)
	key := newMasterKey(t)
	pg := func(m *Main) { m.DB, m.MasterKey, m.RateLimit = db, key, 1e6 }
	a := startApp(t, pg)
	b := startApp(t, pg, func(m *Main) { m.Now = a.clock.Now })
	ca, cb := a.sandbox(), b.login(a.Sandbox.Merchant.AppID, a.Sandbox.Secret)
	for i, c := range []*client{ca, cb, ca, cb, ca, cb} {
		c.do("POST", "/v1/payments", cardPayment(nextOrderNo(fmt.Sprintf("mn-stl-%d", i)), "4242424242424242")).want(201)
	}
	a.clock.Advance(13 * time.Hour) // past midnight UTC
	var wg sync.WaitGroup
	for _, n := range []*app{a, b, a, b} {
		wg.Go(func() {
			if _, err := n.Gateway.Sweep(context.Background()); err != nil {
				t.Errorf("sweep: %v", err)
			}
		})
	}
	wg.Wait()
	cb = b.login(a.Sandbox.Merchant.AppID, a.Sandbox.Secret) // the first token lived 2 h
	list := cb.do("GET", "/v1/settlements", nil).want(200)
	if list.get("data.0.captures") != 6.0 || list.get("data.1") != nil || list.get("data.0.cutoff") != "2026-11-26T00:00:00Z" {
		t.Errorf("the batches after both nodes' sweeps: %s, want one of the 6 captures", list.body)
	}
	rep, err := a.Gateway.VerifyLedger(context.Background())
	if err != nil || len(rep.Violations) != 0 {
		t.Errorf("the books: %+v %v", rep, err)
	}
}
