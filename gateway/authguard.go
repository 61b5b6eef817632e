package gateway

import (
	"context"
	"math"
	"net/netip"
	"strings"
	"sync"
	"time"

	"paygate"
)

// The token call's defences against guessing and against one client
// starving the others (docs/security.md):
//
//   - failures are counted per appId and per client address; past
//     freeFailures, each failure shuts that key for a back-off that doubles
//     up to maxBackoff, and a shut key is answered 429 without hashing;
//   - an address that has presented the right secret for an appId is not
//     shut out by that appId's back-off (only by its own), so a guesser
//     elsewhere cannot lock a merchant out of its own servers;
//   - the argon2id hashes run in a pool of hashSlots shared fairly: a freed
//     slot goes to the waiting address with the fewest hashes running, and
//     an address may have at most maxWaiting calls waiting;
//   - an appId that does not exist is answered without hashing, after the
//     time a hash takes, so the answer does not tell it from a wrong secret.
const (
	hashSlots    = 4
	maxWaiting   = 8 // per address
	hashWait     = 5 * time.Second
	freeFailures = 5
	maxBackoff   = 5 * time.Minute
	forgetAfter  = 15 * time.Minute // failures this old no longer count
	knownFor     = 30 * 24 * time.Hour
	maxKeys      = 100_000 // failure and known-address entries kept at most
)

// tokenGuard is one node's state of those defences; it is in memory, so
// with N nodes a guesser gets up to N times the attempts.
type tokenGuard struct {
	now   func() time.Time
	sleep func(context.Context, time.Duration) // pretendHash's wait; tests record it
	// boundAll bounds the "app:" entries too, as the addresses' are: the
	// sign-in guard keeps one per email tried, known to a user or not.
	boundAll bool

	mu      sync.Mutex
	fails   map[string]*failures // "app:<appId>" or "ip:<address>"
	known   map[string]time.Time // "<appId>|<address>" -> last success
	swept   time.Time
	free    int                        // hash slots free
	running map[string]int             // hashes running per address
	waiting map[string][]chan struct{} // callers waiting per address, oldest first
	order   []string                   // addresses with callers waiting, in turn
	hashAvg time.Duration              // moving average of a hash's duration
}

type failures struct {
	n       int
	last    time.Time
	until   time.Time // shut until then
	pending int       // calls admitted and not yet settled
}

func newTokenGuard(now func() time.Time) *tokenGuard {
	return &tokenGuard{now: now, sleep: sleep, fails: map[string]*failures{}, known: map[string]time.Time{},
		free: hashSlots, running: map[string]int{}, waiting: map[string][]chan struct{}{},
		hashAvg: 50 * time.Millisecond}
}

// clientKey is the unit an address is counted in: the address itself, or
// for IPv6 its /64, which one client usually has whole.
func clientKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// admit decides whether a call for appID from client may try now: 0, and
// a settle to call with the outcome; or how long to wait. Past the free
// failures a key lets one call at a time through (the others wait for its
// outcome), so calls sent at once cannot all slip past a back-off that the
// first of them would start.
func (g *tokenGuard) admit(appID, client string) (settle func(r tokenResult, appExists bool), wait time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.sweep(now)
	keys := []string{"ip:" + client}
	if _, known := g.known[appID+"|"+client]; !known {
		keys = append(keys, "app:"+appID)
	}
	for _, k := range keys {
		wait = max(wait, g.waitFor(k, now))
		if f := g.fails[k]; wait == 0 && f != nil && f.pending > 0 && f.n+f.pending >= freeFailures {
			wait = time.Second // the outcome of the one in flight decides
		}
	}
	if wait > 0 {
		return nil, wait
	}
	// Reserve a place on the keys that have an entry (an appId gets one
	// with its first failure, so made-up appIds are never kept).
	var reserved []*failures
	for _, k := range keys {
		f := g.fails[k]
		if f == nil && strings.HasPrefix(k, "ip:") {
			f = g.entry(k, now)
		}
		if f != nil {
			f.pending++
			reserved = append(reserved, f)
		}
	}
	return func(r tokenResult, appExists bool) { g.settle(reserved, appID, client, r, appExists) }, 0
}

// tokenResult is what became of an admitted token call.
type tokenResult int

const (
	tokenUndecided tokenResult = iota // no answer on the secret (the database, the pool): nothing counts
	tokenRight
	tokenWrong
)

func (g *tokenGuard) waitFor(key string, now time.Time) time.Duration {
	f := g.fails[key]
	if f == nil || !now.Before(f.until) {
		return 0
	}
	return f.until.Sub(now)
}

// entry is key's failure record, new if it has none; nil when the table is
// full of addresses even after forgetting what no longer counts (an
// appId's record is always kept: there are only as many as merchants).
func (g *tokenGuard) entry(key string, now time.Time) *failures {
	if f := g.fails[key]; f != nil {
		return f
	}
	if len(g.fails) >= maxKeys && (g.boundAll || strings.HasPrefix(key, "ip:")) {
		g.swept = time.Time{}
		g.sweep(now)
		if len(g.fails) >= maxKeys {
			return nil // the pool's fairness still holds for this address
		}
	}
	f := &failures{}
	g.fails[key] = f
	return f
}

// settle releases a call's reservations and records its outcome: a
// failure counts against the address and, when a merchant has the appId,
// against the appId; a success makes the address known for the appId. A
// success does not clear the address's failures (a client with the
// secret of one merchant must not reset its count of guesses at another's).
func (g *tokenGuard) settle(reserved []*failures, appID, client string, r tokenResult, appExists bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, f := range reserved {
		f.pending--
	}
	now := g.now()
	switch r {
	case tokenUndecided:
		return
	case tokenRight:
		if _, known := g.known[appID+"|"+client]; known || len(g.known) < maxKeys {
			g.known[appID+"|"+client] = now
		}
		return
	}
	g.fail("ip:"+client, now)
	if appExists {
		g.fail("app:"+appID, now)
	}
}

func (g *tokenGuard) fail(key string, now time.Time) {
	f := g.entry(key, now)
	if f == nil {
		return
	}
	if now.Sub(f.last) >= forgetAfter && !f.last.IsZero() {
		f.n, f.until = 0, time.Time{}
	}
	f.n++
	f.last = now
	if f.n > freeFailures {
		shift := min(f.n-freeFailures-1, 16)
		f.until = now.Add(min(time.Second<<shift, maxBackoff))
	}
}

// sweep forgets what no longer counts, at most once a minute.
func (g *tokenGuard) sweep(now time.Time) {
	if now.Sub(g.swept) < time.Minute {
		return
	}
	g.swept = now
	for k, f := range g.fails {
		if f.pending == 0 && now.Sub(f.last) >= forgetAfter && !now.Before(f.until) {
			delete(g.fails, k)
		}
	}
	for k, at := range g.known {
		if now.Sub(at) >= knownFor {
			delete(g.known, k)
		}
	}
}

// errHashBusy is the answer when no hash slot came free in time: the node
// is busy, not this client at fault.
func errHashBusy() error {
	err := paygate.Errorf(paygate.EUnavailable, "too many token requests at once; retry shortly")
	err.RetryAfter = 1
	return err
}

// errTooManyWaiting is the answer when the address has maxWaiting calls
// waiting for a hash slot already.
func errTooManyWaiting() error {
	err := paygate.Errorf(paygate.ERateLimited, "too many token requests at once from this address; retry shortly")
	err.RetryAfter = 1
	return err
}

// acquire takes a hash slot for client, waiting at most hashWait.
func (g *tokenGuard) acquire(ctx context.Context, client string) error {
	g.mu.Lock()
	if g.free > 0 && len(g.order) == 0 {
		g.free--
		g.running[client]++
		g.mu.Unlock()
		return nil
	}
	if len(g.waiting[client]) >= maxWaiting {
		g.mu.Unlock()
		return errTooManyWaiting()
	}
	ch := make(chan struct{}, 1)
	if len(g.waiting[client]) == 0 {
		g.order = append(g.order, client)
	}
	g.waiting[client] = append(g.waiting[client], ch)
	g.mu.Unlock()

	wait, cancel := context.WithTimeout(ctx, hashWait)
	defer cancel()
	select {
	case <-ch:
		return nil
	case <-wait.Done():
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	q := g.waiting[client]
	for i, c := range q {
		if c == ch {
			g.waiting[client] = append(q[:i:i], q[i+1:]...)
			if len(g.waiting[client]) == 0 {
				g.dropWaiting(client)
			}
			return errHashBusy()
		}
	}
	// Granted while giving up: pass the slot on.
	g.releaseLocked(client)
	return errHashBusy()
}

// release gives client's slot back, to the waiting address with the
// fewest hashes running (the first of them in turn).
func (g *tokenGuard) release(client string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.releaseLocked(client)
}

func (g *tokenGuard) releaseLocked(client string) {
	if g.running[client]--; g.running[client] <= 0 {
		delete(g.running, client)
	}
	if len(g.order) == 0 {
		g.free++
		return
	}
	best := 0
	for i, a := range g.order {
		if g.running[a] < g.running[g.order[best]] {
			best = i
		}
	}
	next := g.order[best]
	q := g.waiting[next]
	ch := q[0]
	g.waiting[next] = q[1:]
	// The address goes to the back of the turn, or out of it.
	g.order = append(g.order[:best:best], g.order[best+1:]...)
	if len(g.waiting[next]) > 0 {
		g.order = append(g.order, next)
	} else {
		delete(g.waiting, next)
	}
	g.running[next]++
	ch <- struct{}{}
}

func (g *tokenGuard) dropWaiting(client string) {
	delete(g.waiting, client)
	for i, a := range g.order {
		if a == client {
			g.order = append(g.order[:i:i], g.order[i+1:]...)
			return
		}
	}
}

// timeHash runs hash in client's slot and keeps the average duration.
func (g *tokenGuard) timeHash(ctx context.Context, client string, hash func() bool) (bool, error) {
	if err := g.acquire(ctx, client); err != nil {
		return false, err
	}
	defer g.release(client) // also if a corrupt stored hash makes argon2 panic
	start := time.Now()
	ok := hash()
	d := time.Since(start)
	g.mu.Lock()
	g.hashAvg += (d - g.hashAvg) / 8
	g.mu.Unlock()
	return ok, nil
}

// pretendHash waits as long as a hash takes, without hashing.
func (g *tokenGuard) pretendHash(ctx context.Context) {
	g.mu.Lock()
	d := g.hashAvg
	g.mu.Unlock()
	g.sleep(ctx, d)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// retryAfter is a wait in whole seconds, rounded up, at least 1.
func retryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
