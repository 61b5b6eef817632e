package http

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTokenFlood: one address floods the token call (wrong secrets for the
// merchant's appId and made-up appIds, floodConns connections) while the
// merchant's server, at another address, fetches tokens: every one of its
// calls succeeds, and the flood is mostly turned away with 429 before any
// hash. Over real HTTP, the two clients on two loopback addresses.
func TestTokenFlood(t *testing.T) {
	srv, gw, _, _ := testServer(t)
	nm, err := gw.Merchants.CreateMerchant(t.Context(), "flooded")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	from := func(ip string) *http.Client {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext,
			MaxConnsPerHost: floodConns, MaxIdleConnsPerHost: floodConns}}
	}
	attacker, merchant := from("127.0.0.1"), from("127.0.0.2")
	token := func(c *http.Client, appID, secret string) (int, error) {
		resp, err := c.Post(ts.URL+"/v1/auth/token", "application/json",
			strings.NewReader(fmt.Sprintf(`{"appId":%q,"secret":%q}`, appID, secret)))
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body) // read to the end, so the connection is used again
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	// The merchant's server has fetched a token from its address before.
	if code, err := token(merchant, nm.Merchant.AppID, nm.Secret); code != 200 {
		t.Fatalf("first token: %d %v", code, err)
	}

	ctx, stop := context.WithCancel(t.Context())
	var codes sync.Map // status -> *atomic.Int64
	var wg sync.WaitGroup
	for i := range floodConns {
		wg.Go(func() {
			for ctx.Err() == nil {
				app := nm.Merchant.AppID
				if i%2 == 1 {
					app = fmt.Sprintf("9%014d", i)
				}
				code, err := token(attacker, app, "guess")
				if err != nil {
					code = 0
				}
				n, _ := codes.LoadOrStore(code, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
			}
		})
	}
	var took []time.Duration
	for range 10 {
		start := time.Now()
		if code, err := token(merchant, nm.Merchant.AppID, nm.Secret); code != 200 {
			t.Errorf("the merchant's token during the flood: %d %v", code, err)
		}
		took = append(took, time.Since(start))
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	wg.Wait()
	count := func(code int) int64 {
		if n, ok := codes.Load(code); ok {
			return n.(*atomic.Int64).Load()
		}
		return 0
	}
	slices.Sort(took)
	t.Logf("merchant token calls during the flood: median %v, slowest %v; flood answers: %d × 401, %d × 429, %d × 503, %d errors",
		took[len(took)/2], took[len(took)-1], count(401), count(429), count(503), count(0))
	// Past the free failures one call at a time is admitted: a few
	// answers of 401, however many connections.
	if n := count(401); n > 20 {
		t.Errorf("the flood got %d answers of 401, want at most 20: guessing is not slowed", n)
	}
	if count(429) == 0 {
		t.Error("the flood got no 429")
	}
}

const floodConns = 300
