package http

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"paygate/wire"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &limiter{rate: 2, burst: 3, now: func() time.Time { return now }, buckets: map[string]*bucket{}}
	for i := range 3 {
		if _, ok := l.allow("m1"); !ok {
			t.Fatalf("request %d: got refused, want allowed within the burst", i)
		}
	}
	wait, ok := l.allow("m1")
	if ok || wait != 1 {
		t.Fatalf("got ok %v wait %d, want refused with Retry-After 1", ok, wait)
	}
	if _, ok := l.allow("m2"); !ok {
		t.Error("another key: got refused, want its own bucket")
	}
	now = now.Add(500 * time.Millisecond)
	if _, ok := l.allow("m1"); !ok {
		t.Error("after refill: got refused, want allowed")
	}
}

func TestDecodeBytes(t *testing.T) {
	var v struct {
		Card *struct {
			CardNo string `json:"cardNo"`
		} `json:"card"`
	}
	err := wire.Decode([]byte(`{"card":{"cardNo":4242424242424242}}`), &v)
	if err == nil || err.Error() == "" {
		t.Fatal("got nil, want an error")
	}
	if got := err.Error(); strings.Contains(got, "4242424242424242") {
		t.Errorf("got %q, want no card number in the error", got)
	}
}

// TestJSONNotSniffed: every JSON answer, errors included, tells browsers
// not to guess another content type.
func TestJSONNotSniffed(t *testing.T) {
	srv, _, _, _ := testServer(t)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("GET", "/v1/payments/x", nil))
	if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options: got %q, want nosniff", got)
	}
}
