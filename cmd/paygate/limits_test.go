package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMerchantLimits: a merchant's own rate limit applies to its requests
// (and not to another merchant's) on the next second, and 0 returns it to
// the node's default; set-limits refuses a burst without a rate.
func TestMerchantLimits(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	other := a.newMerchant("other")
	if _, err := a.Gateway.Merchants.SetLimits(context.Background(), a.Sandbox.Merchant.ID, 1, 2); err != nil {
		t.Fatal(err)
	}
	// The clock stands still: no token comes back within the test.
	c.do("GET", "/v1/payments/T-none", nil).want(404)
	c.do("GET", "/v1/payments/T-none", nil).want(404)
	r := c.do("GET", "/v1/payments/T-none", nil)
	r.wantError(429, "rate_limited", "")
	for range 3 {
		other.do("GET", "/v1/payments/T-none", nil).want(404)
	}
	if _, err := a.Gateway.Merchants.SetLimits(context.Background(), a.Sandbox.Merchant.ID, 0, 0); err != nil {
		t.Fatal(err)
	}
	a.clock.Advance(time.Second) // the nodes read the merchant again
	c.do("GET", "/v1/payments/T-none", nil).want(404)

	var out, errb syncBuffer
	db := "sqlite:" + filepath.Join(t.TempDir(), "p.db")
	if err := run(context.Background(), []string{"migrate", "--db", db}, func(string) string { return "" }, &out, &errb); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"merchant", "set-limits", "M-none", "--rps", "0", "--burst", "5", "--db", db},
		func(string) string { return "" }, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "a burst needs a rate") {
		t.Errorf("set-limits with a burst and no rate: got %v", err)
	}
}
