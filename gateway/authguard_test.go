package gateway

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/sqlite"
	"paygate/vault"
)

// guardGateway is a gateway with one merchant on a clock the test moves;
// the guard's pretended hashes are recorded, not slept.
func guardGateway(t *testing.T) (*Service, *NewMerchant, *time.Time, *[]time.Duration) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	v, _ := vault.New(vault.NewKey())
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s := New(db, acquirer.Sandbox{}, v, nil, Config{Now: func() time.Time { return now }})
	var mu sync.Mutex
	var slept []time.Duration
	s.core.guard.sleep = func(_ context.Context, d time.Duration) {
		mu.Lock()
		slept = append(slept, d)
		mu.Unlock()
	}
	nm, err := s.Merchants.CreateMerchant(t.Context(), "m")
	if err != nil {
		t.Fatal(err)
	}
	return s, nm, &now, &slept
}

// TestTokenBackoff: past five failures an address is shut, for a back-off
// that doubles with each further failure; a shut address is answered 429
// with Retry-After and without hashing, even with the right secret; the
// wait over, the right secret works and clears the count.
func TestTokenBackoff(t *testing.T) {
	s, nm, now, _ := guardGateway(t)
	ctx := t.Context()
	app := nm.Merchant.AppID
	for i := range freeFailures {
		if _, _, err := s.Merchants.IssueToken(ctx, app, "wrong", "198.51.100.7"); paygate.ErrorCode(err) != paygate.EUnauthorized {
			t.Fatalf("failure %d: got %v, want unauthorized", i+1, err)
		}
	}
	for i, want := range []int{1, 2, 4, 8} {
		// Each failure past the fifth is answered 401 and shuts the
		// address for twice as long as the one before.
		if _, _, err := s.Merchants.IssueToken(ctx, app, "wrong", "198.51.100.7"); paygate.ErrorCode(err) != paygate.EUnauthorized {
			t.Fatalf("failure %d: got %v, want unauthorized", freeFailures+i+1, err)
		}
		_, _, err := s.Merchants.IssueToken(ctx, app, nm.Secret, "198.51.100.7")
		if paygate.ErrorCode(err) != paygate.ERateLimited || paygate.ErrorRetryAfter(err) != want {
			t.Fatalf("back-off %d: got %v (Retry-After %d), want rate_limited after %d s", i, err, paygate.ErrorRetryAfter(err), want)
		}
		*now = now.Add(time.Duration(want) * time.Second)
	}
	// Another address is not shut by this one's failures (the appId's count
	// is at 9, past its own five: so use a second merchant's appId).
	other, err := s.Merchants.CreateMerchant(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Merchants.IssueToken(ctx, other.Merchant.AppID, other.Secret, "203.0.113.9"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	if _, _, err := s.Merchants.IssueToken(ctx, app, nm.Secret, "198.51.100.7"); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
	// A success does not clear the address's count (a client with one
	// merchant's secret must not reset its guesses at another's): the
	// next failure doubles the back-off again.
	if _, _, err := s.Merchants.IssueToken(ctx, app, "wrong", "198.51.100.7"); paygate.ErrorCode(err) != paygate.EUnauthorized {
		t.Fatalf("a failure after the wait: got %v, want unauthorized", err)
	}
	if _, _, err := s.Merchants.IssueToken(ctx, app, nm.Secret, "198.51.100.7"); paygate.ErrorRetryAfter(err) != 16 {
		t.Fatalf("after a success and a failure: got %v, want rate_limited after 16 s", err)
	}
}

// TestTokenCallsAtOnce: calls sent at once from one address past its free
// failures do not all slip past the back-off the first of them starts:
// one is admitted at a time, the others wait for its outcome.
func TestTokenCallsAtOnce(t *testing.T) {
	s, nm, _, _ := guardGateway(t)
	ctx := t.Context()
	app := nm.Merchant.AppID
	for range freeFailures - 1 {
		s.Merchants.IssueToken(ctx, app, "wrong", "198.51.100.7")
	}
	var hashed atomic.Int64
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			_, _, err := s.Merchants.IssueToken(ctx, app, "wrong", "198.51.100.7")
			if paygate.ErrorCode(err) == paygate.EUnauthorized {
				hashed.Add(1)
			}
		})
	}
	wg.Wait()
	// The fifth failure is free and admitted with the others waiting; it
	// and the sixth (whose failure shuts the address) are all that run.
	if n := hashed.Load(); n > 2 {
		t.Errorf("%d of 12 calls at once were hashed past the free failures, want at most 2", n)
	}
}

// TestTokenGuardFull: a table full of addresses still counts an appId's
// failures, so guessing from ever new addresses is shut out.
func TestTokenGuardFull(t *testing.T) {
	s, nm, _, _ := guardGateway(t)
	g := s.core.guard
	for i := range maxKeys {
		g.fails[fmt.Sprintf("ip:2001:db8:%x::/64", i)] = &failures{n: 1, last: g.now()}
	}
	for i := range freeFailures + 1 {
		s.Merchants.IssueToken(t.Context(), nm.Merchant.AppID, "wrong", fmt.Sprintf("2001:db9:%x::1", i))
	}
	if _, _, err := s.Merchants.IssueToken(t.Context(), nm.Merchant.AppID, "wrong", "2001:dba::1"); paygate.ErrorCode(err) != paygate.ERateLimited {
		t.Errorf("a new address after %d failures with the table full: got %v, want rate_limited", freeFailures+1, err)
	}
}

// TestTokenAppIDBackoff: failures spread over many addresses shut the
// appId for a new address, but not for one that has presented the right
// secret before, so a guesser cannot lock a merchant out of its servers.
func TestTokenAppIDBackoff(t *testing.T) {
	s, nm, _, _ := guardGateway(t)
	ctx := t.Context()
	app := nm.Merchant.AppID
	if _, _, err := s.Merchants.IssueToken(ctx, app, nm.Secret, "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	for i := range freeFailures + 1 {
		addr := "198.51.100." + string(rune('1'+i))
		if _, _, err := s.Merchants.IssueToken(ctx, app, "wrong", addr); paygate.ErrorCode(err) != paygate.EUnauthorized {
			t.Fatalf("failure %d: got %v", i, err)
		}
	}
	if _, _, err := s.Merchants.IssueToken(ctx, app, nm.Secret, "203.0.113.50"); paygate.ErrorCode(err) != paygate.ERateLimited {
		t.Fatalf("a new address: got %v, want rate_limited", err)
	}
	if _, _, err := s.Merchants.IssueToken(ctx, app, nm.Secret, "192.0.2.10"); err != nil {
		t.Fatalf("the merchant's known address: %v", err)
	}
}

// TestTokenUnknownAppID: an appId no merchant has is answered without a
// hash (the pool full of another client's hashes does not delay it), after
// a pretended wait as long as a hash takes; its failures count against the
// address, and it keeps no entry per made-up appId.
func TestTokenUnknownAppID(t *testing.T) {
	s, nm, _, slept := guardGateway(t)
	ctx := t.Context()
	if _, _, err := s.Merchants.IssueToken(ctx, nm.Merchant.AppID, nm.Secret, "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	avg := s.core.guard.hashAvg
	for range hashSlots {
		if err := s.core.guard.acquire(ctx, "192.0.2.99"); err != nil {
			t.Fatal(err)
		}
	}
	for i := range freeFailures + 1 {
		if _, _, err := s.Merchants.IssueToken(ctx, "999999999999999", "x", "198.51.100.7"); paygate.ErrorCode(err) != paygate.EUnauthorized {
			t.Fatalf("unknown appId %d: got %v, want unauthorized", i, err)
		}
	}
	if len(*slept) != freeFailures+1 || (*slept)[0] != avg {
		t.Errorf("pretended waits %v, want %d of %v", *slept, freeFailures+1, avg)
	}
	if _, _, err := s.Merchants.IssueToken(ctx, "999999999999999", "x", "198.51.100.7"); paygate.ErrorCode(err) != paygate.ERateLimited {
		t.Errorf("after six unknown appIds: got %v, want rate_limited", err)
	}
	if _, ok := s.core.guard.fails["app:999999999999999"]; ok {
		t.Error("a made-up appId is kept")
	}
}

// TestHashPoolFair: an address holding every slot with more waiting does
// not keep the next free slot from another address; past maxWaiting its
// calls are refused at once.
func TestHashPoolFair(t *testing.T) {
	g := newTokenGuard(time.Now)
	ctx := t.Context()
	for range hashSlots {
		if err := g.acquire(ctx, "A"); err != nil {
			t.Fatal(err)
		}
	}
	granted := make(chan string, maxWaiting+1)
	var wg sync.WaitGroup
	for range maxWaiting {
		wg.Go(func() {
			if g.acquire(ctx, "A") == nil {
				granted <- "A"
			}
		})
	}
	waitFor(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.waiting["A"]) == maxWaiting })
	if err := g.acquire(ctx, "A"); paygate.ErrorCode(err) != paygate.ERateLimited {
		t.Fatalf("A's call past %d waiting: got %v, want rate_limited", maxWaiting, err)
	}
	wg.Go(func() {
		if g.acquire(ctx, "B") == nil {
			granted <- "B"
		}
	})
	waitFor(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.waiting["B"]) == 1 })
	g.release("A")
	if got := <-granted; got != "B" {
		t.Fatalf("the freed slot went to %s, want B (no slot, one waiting) before A's queue", got)
	}
	for range hashSlots - 1 + maxWaiting {
		g.release("A")
	}
	wg.Wait()
	g.release("B")
	if g.free != hashSlots || len(g.running) != 0 || len(g.waiting) != 0 || len(g.order) != 0 {
		t.Errorf("after all released: free %d, running %v, waiting %v, order %v", g.free, g.running, g.waiting, g.order)
	}
}

// TestHashPoolTimeout: a caller that waits past hashWait is answered
// unavailable, leaving no trace in the queue.
func TestHashPoolTimeout(t *testing.T) {
	g := newTokenGuard(time.Now)
	for range hashSlots {
		g.acquire(t.Context(), "A")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := g.acquire(ctx, "B"); paygate.ErrorCode(err) != paygate.EUnavailable || paygate.ErrorRetryAfter(err) != 1 {
		t.Fatalf("got %v, want unavailable with Retry-After", err)
	}
	if len(g.waiting) != 0 || len(g.order) != 0 {
		t.Errorf("waiting %v, order %v after a timeout", g.waiting, g.order)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
	}
}

// TestClientKey: an IPv6 client counts by its /64; IPv4-mapped is IPv4.
func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64", "2001:db8:1:2::9": "2001:db8:1:2::/64",
		"::ffff:192.0.2.1": "192.0.2.1", "192.0.2.1": "192.0.2.1", "pipe": "pipe",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
