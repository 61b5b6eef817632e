package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"paygate/acquirer/stripe/stripetest"
)

// TestMain stops stripe-mock, which the first test that needs it starts.
func TestMain(m *testing.M) {
	code := m.Run()
	stripetest.Stop()
	os.Exit(code)
}

// cli runs one paygate command on the app's database and returns what it
// printed.
func (a *app) cli(args ...string) (string, error) {
	var out, errb syncBuffer
	err := run(context.Background(), append(args, "--db", "sqlite:"+a.dbPath), func(string) string { return "" }, &out, &errb)
	return out.String(), err
}

// TestStripeConnectorEndToEnd: the operator registers a Stripe connector
// (pointed at stripe-mock, which checks each request against Stripe's API
// document) and routes USD card payments to it, with the CLI while the
// node runs. The node takes both up within seconds. stripe-mock answers a
// canned PaymentIntent, which reads as a decline: a USD payment is
// declined through Stripe, and, with the rule failing over on that code,
// approved by the sandbox next; it shows both attempts, and its capture
// goes to the sandbox. A JPY payment goes to the sandbox alone. The
// credentials are never printed; connector list and /readyz show the
// connector.
func TestStripeConnectorEndToEnd(t *testing.T) {
	mockURL := stripetest.URL(t)
	a := startApp(t)
	out, err := a.cli("connector", "add", "--name", "stripe_test", "--type", "stripe", "--api-key", "sk_test_SECRET123",
		"--webhook-secret", "whsec_SECRET456", "--base-url", mockURL, "--timeout", "5s")
	if err != nil {
		t.Fatalf("connector add: %v", err)
	}
	if strings.Contains(out, "SECRET") {
		t.Errorf("connector add printed a credential: %s", out)
	}
	setRouting := func(doc string) {
		t.Helper()
		f := filepath.Join(t.TempDir(), "routing.json")
		os.WriteFile(f, []byte(doc), 0o600)
		if _, err := a.cli("routing", "set", "--file", f); err != nil {
			t.Fatalf("routing set: %v", err)
		}
	}
	setRouting(`{"rules": [{"name": "usd", "match": {"currencies": ["USD"]}, "connectors": [{"connector": "stripe_test"}, {"connector": "sandbox"}]}]}`)
	c := a.sandbox()
	eventually(t, 5*time.Second, "the node to take up the connector", func() bool {
		r := c.do("GET", "/readyz", nil)
		return r.status == 200 && strings.Contains(string(r.body), `"stripe_test"`)
	})
	pay := func(currency, amount string) *response {
		body := cardPayment(nextOrderNo("stripe"), "4242424242424242")
		body["captureMethod"], body["threeDsMode"], body["currency"], body["amount"] = "manual", "no", currency, amount
		return c.do("POST", "/v1/payments", body).want(201)
	}
	p := pay("USD", "100.99")
	if p.str("status") != "FAILED" || p.str("connector") != "stripe_test" || p.get("attempts.0.outcome") != "declined" {
		t.Fatalf("USD payment: got %s, want it declined through stripe_test", p.body)
	}
	setRouting(`{"rules": [{"name": "usd", "match": {"currencies": ["USD"]}, "connectors": [{"connector": "stripe_test"}, {"connector": "sandbox"}],
		"failoverOn": ["` + p.str("failureCode") + `"]}]}`)
	time.Sleep(2100 * time.Millisecond) // the node reads routing again within 2 s
	p = pay("USD", "100.99")
	if p.str("status") != "AUTHORIZED" || p.str("connector") != "sandbox" || p.get("attempts.0.connector") != "stripe_test" ||
		p.get("attempts.1.connector") != "sandbox" || p.get("attempts.1.outcome") != "approved" {
		t.Fatalf("USD payment with failover: got %s, want stripe_test's decline then the sandbox's approval", p.body)
	}
	c.do("POST", "/v1/payments/capture", map[string]any{"tradeNo": p.str("tradeNo"), "captureAmount": "100.99"}).want(200)
	if r := pay("JPY", "500"); r.str("connector") != "sandbox" || r.str("status") != "AUTHORIZED" || r.get("attempts.1") != nil {
		t.Errorf("JPY payment: got %s, want it through the sandbox alone", r.body)
	}
	out, err = a.cli("connector", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var second map[string]any
	if len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &second) != nil || second["name"] != "stripe_test" ||
		second["baseUrl"] != mockURL || strings.Contains(out, "SECRET") {
		t.Errorf("connector list: got %s, want the sandbox then stripe_test, without credentials", out)
	}
	if out, _ := a.cli("routing", "show"); !strings.Contains(out, `"stripe_test"`) {
		t.Errorf("routing show: got %s", out)
	}
}

// TestRoutingSetRefused: a document with a fault is refused with the JSON
// path of the fault, and the previous one stays.
func TestRoutingSetRefused(t *testing.T) {
	a := startApp(t)
	doc := filepath.Join(t.TempDir(), "routing.json")
	os.WriteFile(doc, []byte(`{"rules": [{"name": "x", "match": {"currencies": ["USD"], "amountMin": "5.00", "amountMax": "1.00"},
		"connectors": [{"connector": "sandbox"}]}]}`), 0o600)
	_, err := a.cli("routing", "set", "--file", doc)
	if err == nil || !strings.Contains(err.Error(), "rules[0].match.amountMax") {
		t.Fatalf("got %v, want a refusal at rules[0].match.amountMax", err)
	}
	if out, _ := a.cli("routing", "show"); strings.TrimSpace(out) != "{}" {
		t.Errorf("routing show after a refusal: got %s, want none set", out)
	}
	if _, err := a.cli("connector", "add", "--name", "sandbox", "--type", "sandbox"); err == nil || !strings.Contains(err.Error(), "built-in") {
		t.Errorf("connector add sandbox: got %v, want the name refused as the built-in one's", err)
	}
}

// TestStripeWebhookEndToEnd: Stripe's events reach POST
// /connectors/{name}/webhook and are checked with the connector's signing
// secret over real HTTP: unsigned, wrongly signed and stale events are
// refused (400); a signed one is taken once, then answered as a replay.
func TestStripeWebhookEndToEnd(t *testing.T) {
	a := startApp(t)
	const secret = "whsec_test_endtoend"
	if _, err := a.cli("connector", "add", "--name", "stripe_hooks", "--type", "stripe", "--api-key", "sk_test_123",
		"--webhook-secret", secret); err != nil {
		t.Fatal(err)
	}
	payload, err := os.ReadFile("../../acquirer/stripe/testdata/event_payment_intent_succeeded.json")
	if err != nil {
		t.Fatal(err)
	}
	c := &client{a: a}
	post := func(header string) *response {
		return c.do("POST", "/connectors/stripe_hooks/webhook", payload, "Stripe-Signature", header)
	}
	sign := func(secret string, at time.Time) string {
		return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
	}
	eventually(t, 5*time.Second, "the node to take up the connector", func() bool {
		return c.do("POST", "/connectors/stripe_hooks/webhook", payload, "Stripe-Signature", sign(secret, time.Now())).status == 200
	})
	if r := post(sign(secret, time.Now())).want(200); r.get("replay") != true {
		t.Errorf("the same event again: got %s, want a replay", r.body)
	}
	post("").wantError(400, "invalid_parameter", "signature")
	post(sign("whsec_other", time.Now())).wantError(400, "invalid_parameter", "signature")
	post(sign(secret, time.Now().Add(-10*time.Minute))).wantError(400, "invalid_parameter", "signature")
	c.do("POST", "/connectors/nope/webhook", payload, "Stripe-Signature", sign(secret, time.Now())).wantError(404, "not_found", "")
}
