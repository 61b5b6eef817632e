package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"paygate/geoip/geoiptest"
)

// screened is a card payment with fraudMode Y from address ip.
func screened(card, amount, ip string) map[string]any {
	body := cardPayment(nextOrderNo("risk"), card)
	body["fraudMode"], body["amount"] = "Y", amount
	body["deviceInfo"] = map[string]any{"clientIp": ip, "language": "en-US"}
	return body
}

func reasonCodes(r *response) string {
	var out []string
	reasons, _ := r.get("risk.reasons").([]any)
	for _, x := range reasons {
		m, _ := x.(map[string]any)
		out = append(out, fmt.Sprint(m["code"]))
		if m["message"] == "" {
			out = append(out, "(no message)")
		}
	}
	return strings.Join(out, ",")
}

func TestRiskLists(t *testing.T) {
	a := startApp(t)
	c, other := a.sandbox(), a.newMerchant("other")
	add := c.do("POST", "/v1/risk/lists/ip/entries", map[string]string{"value": "203.0.113.9/24", "note": "testers"}).want(201)
	if add.str("value") != "203.0.113.0/24" {
		t.Errorf("the CIDR is kept as %q", add.str("value"))
	}
	id := add.str("id")
	c.do("POST", "/v1/risk/lists/ip/entries", map[string]string{"value": "203.0.113.0/24"}).want(200) // already there
	c.do("POST", "/v1/risk/lists/ip/entries", map[string]string{"value": "203.0.113"}).wantError(400, "invalid_parameter", "value")
	c.do("POST", "/v1/risk/lists/phone/entries", map[string]string{"value": "1"}).wantError(404, "not_found", "")
	c.do("POST", "/v1/risk/lists/email/entries", map[string]string{"value": "Bad@Example.com"}).want(201)

	// fraudMode Y from the listed network: declined before the acquirer.
	p := c.do("POST", "/v1/payments", screened("4242424242424242", "10.00", "203.0.113.77")).want(201)
	if p.str("status") != "FAILED" || p.str("failureCode") != "fraud_suspected" || reasonCodes(p) != "blocklist_ip" ||
		p.get("risk.decision") != "decline" || p.str("authCode") != "" {
		t.Errorf("a payment from a listed address: %s %s %v %v", p.str("status"), p.str("failureCode"), p.get("risk"), p.get("authCode"))
	}
	// fraudMode N: not screened.
	plain := cardPayment(nextOrderNo("risk"), "4242424242424242")
	plain["deviceInfo"] = map[string]any{"clientIp": "203.0.113.77"}
	if p := c.do("POST", "/v1/payments", plain).want(201); p.str("status") != "SUCCEEDED" || p.get("risk") != nil {
		t.Errorf("fraudMode N was screened: %v %v", p.str("status"), p.get("risk"))
	}
	// A card blocked by its fingerprint, never by its number; another
	// merchant sees another fingerprint for the same card.
	fp := c.do("POST", "/v1/payments", screened("5555555555554444", "11.00", "192.0.2.200")).want(201).get("card.fingerprint").(string)
	theirFP := other.do("POST", "/v1/payments", cardPayment(nextOrderNo("theirs"), "5555555555554444")).want(201).get("card.fingerprint")
	if len(fp) != 64 || theirFP == fp {
		t.Errorf("fingerprints %q and %q: want 64 hex digits, another for another merchant", fp, theirFP)
	}
	c.do("POST", "/v1/risk/lists/cardFingerprint/entries", map[string]string{"value": fp}).want(201)
	if p := c.do("POST", "/v1/payments", screened("5555555555554444", "12.00", "192.0.2.201")).want(201); reasonCodes(p) != "blocklist_cardFingerprint" {
		t.Errorf("the listed card: %s %v", p.str("status"), p.get("risk"))
	}
	// Another merchant's lists are its own.
	if p := other.do("POST", "/v1/payments", screened("4242424242424242", "10.00", "203.0.113.78")).want(201); p.str("status") != "SUCCEEDED" {
		t.Errorf("another merchant's payment was held by this merchant's list: %v", p.get("risk"))
	}
	other.do("DELETE", "/v1/risk/lists/ip/entries/"+id, nil).wantError(404, "not_found", "")

	page := c.do("GET", "/v1/risk/lists/ip/entries?limit=1", nil).want(200)
	if page.get("hasMore") != false || len(page.get("data").([]any)) != 1 {
		t.Errorf("list page: %s", page.body)
	}
	c.do("GET", "/v1/risk/lists/ip/entries?limit=0", nil).wantError(400, "invalid_parameter", "limit")
	c.do("DELETE", "/v1/risk/lists/ip/entries/"+id, nil).want(200)
	if p := c.do("POST", "/v1/payments", screened(luhnNumber("400003", 1), "10.00", "203.0.113.77")).want(201); p.str("status") != "SUCCEEDED" {
		t.Errorf("after the entry's delete: %s %v", p.str("status"), p.get("risk"))
	}
}

func TestRiskRules(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	bad := c.do("POST", "/v1/risk/rules", map[string]any{"name": "typo", "expression": "amout > 100", "action": "decline"})
	bad.wantError(400, "invalid_parameter", "expression")
	if msg := fmt.Sprint(bad.get("error.message")); !strings.Contains(msg, "amout") || !strings.Contains(msg, "1:1") {
		t.Errorf("a bad expression's message: %q", msg)
	}
	c.do("POST", "/v1/risk/rules", map[string]any{"name": "x", "expression": "amount", "action": "decline"}).wantError(400, "invalid_parameter", "expression")
	c.do("POST", "/v1/risk/rules", map[string]any{"name": "x", "expression": "true", "action": "block"}).wantError(400, "invalid_parameter", "action")
	big := c.do("POST", "/v1/risk/rules", map[string]any{"name": "big", "expression": "amount > 50000", "action": "decline"}).want(201)
	c.do("POST", "/v1/risk/rules", map[string]any{"name": "big", "expression": "true", "action": "review"}).wantError(409, "conflict", "")
	c.do("POST", "/v1/risk/rules", map[string]any{"name": "visa-review", "expression": `card_brand == "visa" && amount > 20000`,
		"action": "review"}).want(201)

	p := c.do("POST", "/v1/payments", screened("4242424242424242", "600.00", "192.0.2.10")).want(201)
	if p.str("status") != "FAILED" || reasonCodes(p) != "rule:big" {
		t.Errorf("the decline rule: %s %v", p.str("status"), p.get("risk"))
	}
	// A review asks for 3-D Secure: a challenge; with threeDsMode no, a decline.
	p = c.do("POST", "/v1/payments", screened("4242424242424242", "300.00", "192.0.2.11")).want(201)
	if p.str("status") != "REQUIRES_ACTION" || p.get("risk.decision") != "review" || reasonCodes(p) != "rule:visa-review" {
		t.Errorf("the review rule: %s %v", p.str("status"), p.get("risk"))
	}
	no := screened("4242424242424242", "300.00", "192.0.2.12")
	no["threeDsMode"] = "no"
	if p := c.do("POST", "/v1/payments", no).want(201); p.str("status") != "FAILED" || p.str("failureCode") != "fraud_suspected" {
		t.Errorf("a review with threeDsMode no: %s %s", p.str("status"), p.str("failureCode"))
	}
	c.do("PATCH", "/v1/risk/rules/"+big.str("id"), map[string]any{"enabled": false}).want(200)
	if p := c.do("POST", "/v1/payments", screened("5555555555554444", "600.00", "192.0.2.13")).want(201); p.str("status") != "SUCCEEDED" {
		t.Errorf("a disabled rule still decides: %s %v", p.str("status"), p.get("risk"))
	}
	rules := c.do("GET", "/v1/risk/rules", nil).want(200)
	enabled := map[any]any{}
	for _, r := range rules.get("data").([]any) {
		enabled[r.(map[string]any)["name"]] = r.(map[string]any)["enabled"]
	}
	if len(enabled) != 2 || enabled["big"] != false || enabled["visa-review"] != true {
		t.Errorf("rules: %s", rules.body)
	}
	c.do("DELETE", "/v1/risk/rules/"+big.str("id"), nil).want(200)
	c.do("DELETE", "/v1/risk/rules/"+big.str("id"), nil).wantError(404, "not_found", "")
	a.newMerchant("other").do("PATCH", "/v1/risk/rules/"+big.str("id"), map[string]any{"enabled": true}).wantError(404, "not_found", "")

	// A merchant has at most 100 rules.
	other := a.newMerchant("full")
	for i := range 100 {
		other.do("POST", "/v1/risk/rules", map[string]any{"name": fmt.Sprintf("r%d", i), "expression": "amount > 1", "action": "review",
			"enabled": false}).want(201)
	}
	other.do("POST", "/v1/risk/rules", map[string]any{"name": "r100", "expression": "true", "action": "review"}).wantError(422, "limit_exceeded", "")

	// Evaluate decides without making a payment.
	ev := c.do("POST", "/v1/risk/evaluate", screened("4242424242424242", "300.00", "192.0.2.14")).want(200)
	if ev.str("decision") != "review" {
		t.Errorf("evaluate: %s", ev.body)
	}
	if list := c.do("GET", "/v1/payments?limit=100", nil).want(200); len(list.get("data").([]any)) != 4 {
		t.Errorf("evaluate made a payment: %d payments", len(list.get("data").([]any)))
	}
}

// TestCardTestingBurst: a burst of small payments from one address is
// stopped at the threshold, and everything after it is declined.
func TestCardTestingBurst(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	var statuses []string
	for i := range 30 { // another card each time, as a card tester tries them
		p := c.do("POST", "/v1/payments", screened(luhnNumber("424242", i), "1.00", "198.51.100.66")).want(201)
		statuses = append(statuses, p.str("status"))
		if p.str("status") == "FAILED" && reasonCodes(p) != "card_testing" && !strings.HasPrefix(reasonCodes(p), "card_testing,") &&
			!strings.Contains(reasonCodes(p), "velocity") {
			t.Errorf("declined for %s", reasonCodes(p))
		}
	}
	passed := strings.Count(strings.Join(statuses, " "), "SUCCEEDED")
	if passed != 4 || statuses[4] != "FAILED" || statuses[29] != "FAILED" {
		t.Errorf("the burst: %v; want the first 4 through and the rest declined", statuses)
	}
	// Another address is not held.
	if p := c.do("POST", "/v1/payments", screened("5555555555554444", "80.00", "198.51.100.67")).want(201); p.str("status") != "SUCCEEDED" {
		t.Errorf("another address: %s %v", p.str("status"), p.get("risk"))
	}
	// The sandbox's fraud card keeps its behaviour.
	if p := c.do("POST", "/v1/payments", screened("4100000000000019", "80.00", "198.51.100.68")).want(201); p.str("failureCode") != "fraud_suspected" ||
		reasonCodes(p) != "card_on_risk_list" {
		t.Errorf("the sandbox fraud card: %s %v", p.str("failureCode"), p.get("risk"))
	}
}

// TestGeography: with an IP database (built here with MaxMind's writer), a
// card from one country paid from an address and a billing address in
// another is reviewed; without one, the address's country is unknown.
func TestGeography(t *testing.T) {
	db := geoiptest.WriteDB(t, map[string]string{"198.51.100.0/24": "US", "203.0.113.0/24": "GB"})
	binFile := filepath.Join(t.TempDir(), "bins.csv")
	if err := os.WriteFile(binFile, []byte("# our issuer\n41000000,GB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := startApp(t, func(m *Main) { m.GeoIPDB, m.BINFile = db, binFile })
	c := a.sandbox()
	gbCard := luhnNumber("410000", 2) // a GB card by the BIN file
	body := screened(gbCard, "20.00", "198.51.100.7")
	body["billing"] = map[string]any{"address": map[string]any{"country": "US"}}
	p := c.do("POST", "/v1/payments", body).want(201)
	if p.get("risk.decision") != "review" || reasonCodes(p) != "country_mismatch" {
		t.Errorf("a GB card from a US address, billed in the US: %v", p.get("risk"))
	}
	body = screened(luhnNumber("410000", 3), "20.00", "203.0.113.7")
	body["billing"] = map[string]any{"address": map[string]any{"country": "GB"}}
	if p := c.do("POST", "/v1/payments", body).want(201); p.get("risk.decision") != "approve" || p.str("status") != "SUCCEEDED" {
		t.Errorf("a GB card from a GB address: %v", p.get("risk"))
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("41000000,Great Britain\n"), 0o644)
	m := NewMain()
	m.Addr, m.DB, m.BINFile = "127.0.0.1:0", "sqlite:"+filepath.Join(t.TempDir(), "p.db"), bad
	m.Stdout, m.Stderr = io.Discard, io.Discard
	if err := m.Open(t.Context()); err == nil || !strings.Contains(err.Error(), "line 1") {
		m.Close()
		t.Errorf("a bad BIN file: %v, want it refused naming the line", err)
	}
}

// TestScreenAll: a merchant that screens all has card payments judged
// without fraudMode Y.
func TestScreenAll(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	if s := c.do("GET", "/v1/risk/settings", nil).want(200); s.get("screenAllPayments") != false {
		t.Errorf("settings at first: %s", s.body)
	}
	c.do("POST", "/v1/risk/lists/ip/entries", map[string]string{"value": "203.0.113.50"}).want(201)
	plain := func() map[string]any {
		body := cardPayment(nextOrderNo("all"), "4242424242424242")
		body["deviceInfo"] = map[string]any{"clientIp": "203.0.113.50"}
		return body
	}
	if p := c.do("POST", "/v1/payments", plain()).want(201); p.str("status") != "SUCCEEDED" || p.get("risk") != nil {
		t.Errorf("before screen-all: %s %v", p.str("status"), p.get("risk"))
	}
	c.do("PUT", "/v1/risk/settings", map[string]any{}).wantError(400, "invalid_parameter", "screenAllPayments")
	c.do("PUT", "/v1/risk/settings", map[string]any{"screenAllPayments": true}).want(200)
	if p := c.do("POST", "/v1/payments", plain()).want(201); p.str("failureCode") != "fraud_suspected" || reasonCodes(p) != "blocklist_ip" {
		t.Errorf("with screen-all: %s %v", p.str("status"), p.get("risk"))
	}
	if s := c.do("GET", "/v1/risk/settings", nil).want(200); s.get("screenAllPayments") != true {
		t.Errorf("settings after: %s", s.body)
	}
}
