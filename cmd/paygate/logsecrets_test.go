package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestLogsKeepSecrets: whatever the input (card numbers and CVCs in every
// field, malformed bodies, wrong and right secrets, tokens in headers and
// paths, a stored card, a challenge), no log line holds a card number, a
// CVC, a secret, an access token or an Authorization header, at debug
// level. The request lines carry route, status, request id, merchant and
// the trade number.
func TestLogsKeepSecrets(t *testing.T) {
	a := startApp(t, func(m *Main) { m.LogLevel = "debug" })
	c := a.sandbox()
	const pan, challengePAN, cvc = "4242424242424242", "4000000000003220", "739"
	stored := cardPayment(nextOrderNo("ls"), pan)
	stored["card"].(map[string]any)["cvc"] = cvc
	stored["billing"] = map[string]any{"storedcredentials": "store"}
	p := c.do("POST", "/v1/payments", stored).want(201)
	c.do("POST", "/v1/payments", cardPayment(nextOrderNo("ls"), challengePAN)).want(201)
	c.do("POST", "/v1/payments/token", map[string]any{"orderNo": nextOrderNo("ls"), "amount": "5.00",
		"transactionIdentifier": p.str("transactionIdentifier"), "expiryMonth": "06", "expiryYear": "2040",
		"customerInitiatedReason": "UNSCHEDULED", "cardNo": pan}).want(201)
	for i, body := range []string{
		`{"card":{"cardNo":"` + pan + `","cvc":"` + cvc + `"}`, // not JSON
		`{"card":{"cardNo":` + pan + `}}`,                      // a number where a string goes
		`{"amount":"` + pan + `","currency":"USD","orderNo":"` + pan + `"}`,
		`{"metadata":{"` + pan + `":"` + cvc + `"}}`,
		`{"description":"` + pan + `","paymentMethodType":"card","card":{"cardNo":"` + pan + `1","cvc":"` + cvc + `"}}`,
		fmt.Sprintf(`{"%s":1,"%s":2}`, pan, pan),
	} {
		if r := c.do("POST", "/v1/payments", body); r.status != 400 {
			t.Errorf("body %d: got %d, want 400", i, r.status)
		}
	}
	c.do("GET", "/v1/payments/"+pan, nil).want(404)
	wrong := &client{a: a, token: c.token + "x"}
	wrong.do("GET", "/v1/notifications/subscriptions", nil).want(401)
	c.do("POST", "/v1/auth/token", map[string]string{"appId": a.Sandbox.Merchant.AppID, "secret": a.Sandbox.Secret + "0"}).want(401)
	c.do("POST", "/v1/auth/token", map[string]string{"appId": pan, "secret": a.Sandbox.Secret}).want(401)
	req, _ := http.NewRequest("GET", a.URL+"/v1/payments/x", nil)
	req.Header.Set("Authorization", "Basic "+pan)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}

	logs := a.logs.String()
	for what, secret := range map[string]string{"card number": pan, "challenge card number": challengePAN, "CVC": `"` + cvc + `"`,
		"merchant secret": a.Sandbox.Secret, "notify secret": a.Sandbox.NotifySecret, "access token": c.token,
		"Authorization header": "Basic ", "bearer scheme": "Bearer"} {
		if strings.Contains(logs, secret) {
			t.Errorf("a log line holds the %s", what)
		}
	}
	if !strings.Contains(logs, `"tradeNo":"`+p.str("tradeNo")+`"`) || !strings.Contains(logs, `"route":"POST /v1/payments"`) {
		t.Errorf("the request lines lack the route or the trade number:\n%.2000s", logs)
	}
}
