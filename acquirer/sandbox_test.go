package acquirer

import (
	"context"
	"errors"
	"testing"
	"time"

	"paygate"
)

// TestSandboxLatency: each call waits the sandbox's latency, and a caller
// that gives up first gets its context's error (an unknown outcome, as from
// a remote acquirer), not an answer.
func TestSandboxLatency(t *testing.T) {
	s := Sandbox{Latency: 40 * time.Millisecond}
	req := AuthorizeRequest{Reference: "T1", Amount: paygate.Money{Minor: 100, Currency: "USD"},
		Card: Card{Number: "4242424242424242", ExpiryMonth: 6, ExpiryYear: 2030}}
	start := time.Now()
	if r, err := s.Authorize(context.Background(), req); err != nil || !r.Approved {
		t.Fatalf("authorize: %+v, %v", r, err)
	}
	if took := time.Since(start); took < s.Latency {
		t.Errorf("authorize took %s, want at least the latency %s", took, s.Latency)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := s.Refund(ctx, "ref", "R1", req.Amount); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("refund cut short: got %v, want the context's deadline error", err)
	}
	if _, err := s.OpenOrder(ctx, OrderRequest{Reference: "T2"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wallet order cut short: got %v, want the context's deadline error", err)
	}
}
