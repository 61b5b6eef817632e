package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestClientAddress(t *testing.T) {
	tp, err := parseTrustedProxies("10.0.0.0/8, 192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		remote, xff, want string
	}{
		{"10.1.2.3:5000", "203.0.113.9", "203.0.113.9"},
		{"10.1.2.3:5000", "1.1.1.1, 203.0.113.9, 10.9.9.9", "203.0.113.9"}, // the client wrote 1.1.1.1; the proxies appended the rest
		{"192.0.2.1:5000", "203.0.113.9", "203.0.113.9"},
		{"198.51.100.7:5000", "203.0.113.9", ""}, // not a proxy: its header is the caller's word
		{"10.1.2.3:5000", "", ""},
		{"10.1.2.3:5000", "10.4.4.4", ""}, // only proxies: the connection's own
		{"10.1.2.3:5000", "not-an-ip", ""},
		{"10.1.2.3:5000", "::ffff:203.0.113.9", "203.0.113.9"},
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		a, ok := tp.clientAddress(r)
		got := ""
		if ok {
			got = a.String()
		}
		if got != tc.want {
			t.Errorf("from %s with %q: got %q, want %q", tc.remote, tc.xff, got, tc.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "fe80::1%eth0"} {
		if _, err := parseTrustedProxies(bad); err == nil || !strings.Contains(err.Error(), "--trusted-proxies") {
			t.Errorf("parseTrustedProxies(%q) = %v", bad, err)
		}
	}
}

// TestTrustedProxyEndToEnd: behind a trusted proxy, the token call's
// address limits and the cashier's risk address are the client's.
func TestTrustedProxyEndToEnd(t *testing.T) {
	a := startApp(t, func(m *Main) { m.TrustedProxies = "127.0.0.1" })
	c := a.sandbox()
	c.do("POST", "/v1/risk/lists/ip/entries", map[string]string{"value": "203.0.113.0/24"}).want(201)
	c.do("PUT", "/v1/risk/settings", map[string]any{"screenAllPayments": true}).want(200)
	// A direct payment's address is the merchant's deviceInfo.clientIp,
	// whatever the proxy says; the header matters for pages and limits.
	body := cardPayment(nextOrderNo("proxy"), "4242424242424242")
	if p := c.do("POST", "/v1/payments", body, "X-Forwarded-For", "203.0.113.5").want(201); p.str("status") != "SUCCEEDED" {
		t.Errorf("a direct payment judged by the proxy's header: %v", p.get("risk"))
	}
	// The token call's address: wrong secrets from the client behind the
	// proxy back off that client, not every client of the proxy.
	for range 6 {
		r := &client{a: a}
		r.do("POST", "/v1/auth/token", map[string]string{"appId": a.Sandbox.Merchant.AppID, "secret": "wrong"}, "X-Forwarded-For", "198.51.100.66")
	}
	other := &client{a: a}
	if r := other.do("POST", "/v1/auth/token", map[string]string{"appId": "123456789012345", "secret": "x"}, "X-Forwarded-For", "198.51.100.67"); r.status == 429 {
		t.Error("another client behind the proxy is held off by the first one's failures")
	}
}
