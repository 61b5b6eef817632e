package main

import (
	"net/url"
	"slices"
	"testing"
	"time"
)

// TestListPayments: GET /v1/payments pages a merchant's payments newest
// first; payments created between pages shift nothing; filters narrow it;
// another merchant's cursor finds nothing; bad parameters are 400 naming
// them.
func TestListPayments(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	var made []string
	for i := range 5 {
		card := "4242424242424242"
		if i == 2 {
			card = "4000000000000002" // declined
		}
		made = append(made, c.do("POST", "/v1/payments", cardPayment(nextOrderNo("ls"), card)).want(201).str("tradeNo"))
		a.clock.Advance(time.Millisecond) // distinct creation times, as in life
	}
	page := func(c *client, query string) (ids []string, next string) {
		t.Helper()
		r := c.do("GET", "/v1/payments?"+query, nil).want(200)
		for _, p := range r.get("data").([]any) {
			ids = append(ids, p.(map[string]any)["tradeNo"].(string))
		}
		if n, ok := r.json["nextCursor"].(string); ok {
			next = n
		}
		if (next != "") != r.json["hasMore"].(bool) {
			t.Errorf("hasMore %v with nextCursor %q", r.json["hasMore"], next)
		}
		return ids, next
	}
	first, next := page(c, "limit=2")
	// A payment created after the first page does not shift the next ones.
	a.clock.Advance(time.Millisecond)
	c.do("POST", "/v1/payments", cardPayment(nextOrderNo("ls"), "4242424242424242")).want(201)
	var got []string
	got = append(got, first...)
	for next != "" {
		var ids []string
		ids, next = page(c, "limit=2&startingAfter="+url.QueryEscape(next))
		got = append(got, ids...)
	}
	want := slices.Clone(made)
	slices.Reverse(want)
	if !slices.Equal(got, want) {
		t.Errorf("pages: got %v, want %v (newest first, each once)", got, want)
	}
	if ids, _ := page(c, "status=FAILED"); !slices.Equal(ids, []string{made[2]}) {
		t.Errorf("status=FAILED: got %v, want %v", ids, made[2:3])
	}
	if ids, _ := page(c, "last4=0002&currency=USD&paymentMethodType=card"); !slices.Equal(ids, []string{made[2]}) {
		t.Errorf("last4=0002: got %v, want %v", ids, made[2:3])
	}
	_, cursor := page(c, "limit=1")
	if ids, _ := page(a.newMerchant("other"), "startingAfter="+url.QueryEscape(cursor)); len(ids) != 0 {
		t.Errorf("another merchant's cursor: got %v, want nothing", ids)
	}
	for _, tc := range []struct{ query, param string }{
		{"status=PAID", "status"}, {"limit=0", "limit"}, {"limit=101", "limit"}, {"last4=12", "last4"},
		{"createdFrom=yesterday", "createdFrom"}, {"currency=XYZ", "currency"}, {"paymentMethodType=cash", "paymentMethodType"},
		{"startingAfter=nonsense", "startingAfter"},
		{"status=FAILED;", "status"}, {"status=FAILED%zz", "status"}, {"limit=1&limit=2", "limit"},
	} {
		c.do("GET", "/v1/payments?"+tc.query, nil).wantError(400, "invalid_parameter", tc.param)
	}
}

// TestListRefunds: GET /v1/refunds pages a merchant's refunds newest
// first, across payments; refunds made between pages shift nothing;
// filters narrow it; another merchant's cursor and a payment list's cursor
// find nothing; bad parameters are 400 naming them.
func TestListRefunds(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	var made []string
	for i := range 4 {
		orderNo := nextOrderNo("lr")
		c.do("POST", "/v1/payments", cardPayment(orderNo, "4242424242424242")).want(201)
		for range 1 + i%2 { // two refunds on some payments
			a.clock.Advance(time.Millisecond)
			made = append(made, c.do("POST", "/v1/refunds", map[string]string{"orderNo": orderNo, "amount": "10",
				"refundNumber": nextOrderNo("rf"), "reason": "r", "clientIp": "1.1.1.1"}).want(201).str("refundId"))
		}
	}
	page := func(c *client, query string) (ids []string, next string) {
		t.Helper()
		r := c.do("GET", "/v1/refunds?"+query, nil).want(200)
		for _, rf := range r.get("data").([]any) {
			ids = append(ids, rf.(map[string]any)["refundId"].(string))
		}
		if n, ok := r.json["nextCursor"].(string); ok {
			next = n
		}
		if (next != "") != r.json["hasMore"].(bool) {
			t.Errorf("hasMore %v with nextCursor %q", r.json["hasMore"], next)
		}
		return ids, next
	}
	first, next := page(c, "limit=4")
	orderNo := nextOrderNo("lr") // a refund made after the first page
	c.do("POST", "/v1/payments", cardPayment(orderNo, "4242424242424242")).want(201)
	a.clock.Advance(time.Millisecond)
	c.do("POST", "/v1/refunds", map[string]string{"orderNo": orderNo, "amount": "10",
		"refundNumber": nextOrderNo("rf"), "reason": "r", "clientIp": "1.1.1.1"}).want(201)
	got := slices.Clone(first)
	for next != "" {
		var ids []string
		ids, next = page(c, "limit=4&startingAfter="+url.QueryEscape(next))
		got = append(got, ids...)
	}
	want := slices.Clone(made)
	slices.Reverse(want)
	if !slices.Equal(got, want) {
		t.Errorf("pages: got %v, want %v (newest first, each once)", got, want)
	}
	if ids, _ := page(c, "status=SUCCEEDED&currency=USD&limit=100"); len(ids) != len(made)+1 {
		t.Errorf("status=SUCCEEDED: got %d refunds, want %d", len(ids), len(made)+1)
	}
	if ids, _ := page(c, "status=FAILED"); len(ids) != 0 {
		t.Errorf("status=FAILED: got %v, want none", ids)
	}
	_, cursor := page(c, "limit=1")
	if ids, _ := page(a.newMerchant("other"), "startingAfter="+url.QueryEscape(cursor)); len(ids) != 0 {
		t.Errorf("another merchant's cursor: got %v, want nothing", ids)
	}
	payCursor, _ := c.do("GET", "/v1/payments?limit=1", nil).want(200).json["nextCursor"].(string)
	if ids, _ := page(c, "startingAfter="+url.QueryEscape(payCursor)); len(ids) != 0 {
		t.Errorf("a payment list's cursor: got %v, want nothing", ids)
	}
	for _, tc := range []struct{ query, param string }{
		{"status=SUCCESS", "status"}, {"limit=0", "limit"}, {"limit=101", "limit"},
		{"createdTo=soon", "createdTo"}, {"currency=usd1", "currency"}, {"startingAfter=x.y", "startingAfter"},
		{"status=FAILED;", "status"}, {"status=FAILED%zz", "status"}, {"limit=1&limit=2", "limit"},
	} {
		c.do("GET", "/v1/refunds?"+tc.query, nil).wantError(400, "invalid_parameter", tc.param)
	}
}
