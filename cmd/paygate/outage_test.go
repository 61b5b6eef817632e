package main

import (
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestOutage takes the database away from a node under load (a proxy between
// them drops every connection and refuses new ones, as a stopped server does)
// and brings it back: requests fail fast with 503 unavailable, /readyz
// reports not ready while /healthz stays alive, nothing is half-written, and
// the node recovers by itself, its background work included.
func TestOutage(t *testing.T) {
	db := pgSchema(t)
	p := newProxy(t, db)
	rcv := newHub(t)
	key := newMasterKey(t)
	a := startApp(t, func(m *Main) { m.DB, m.MasterKey, m.RateLimit, m.NotifyConcurrency = p.url, key, 1e6, 16 })
	token := a.sandbox().token
	probe := func(path string) int {
		status, _, err := send("GET", a.URL+path, "", nil)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return status
	}
	if got := probe("/readyz"); got != 200 {
		t.Fatalf("/readyz before the outage: got %d, want 200", got)
	}

	type result struct {
		orderNo      string
		start, end   time.Time
		status       int
		code         string
		transportErr error
	}
	var mu sync.Mutex
	var results []result
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				orderNo := nextOrderNo("outage")
				body := cardPayment(orderNo, "4242424242424242")
				body["notificationUrl"] = rcv.URL + "/outage"
				r := result{orderNo: orderNo, start: time.Now()}
				var m map[string]any
				r.status, m, r.transportErr = send("POST", a.URL+"/v1/payments", token, body)
				r.end = time.Now()
				if e, ok := m["error"].(map[string]any); ok {
					r.code, _ = e["code"].(string)
				}
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
				time.Sleep(time.Duration(40+w*5) * time.Millisecond)
			}
		})
	}

	time.Sleep(400 * time.Millisecond)
	p.cut()
	cutAt := time.Now()
	eventually(t, 3*time.Second, "/readyz to answer 503", func() bool { return probe("/readyz") == 503 })
	if got := probe("/healthz"); got != 200 {
		t.Errorf("/healthz while the database is away: got %d, want 200 (the process is alive)", got)
	}
	time.Sleep(1500 * time.Millisecond)
	if got := probe("/readyz"); got != 503 {
		t.Errorf("/readyz while the database is away: got %d, want 503", got)
	}
	p.restore()
	restoredAt := time.Now()
	eventually(t, 10*time.Second, "/readyz to answer 200 again", func() bool { return probe("/readyz") == 200 })
	readyAt := time.Now()
	t.Logf("ready again %v after the database came back", readyAt.Sub(restoredAt).Round(time.Millisecond))
	time.Sleep(time.Second)
	stop.Store(true)
	wg.Wait()

	// Every answer was a payment or a fast 503; during the outage, only 503s.
	var during, after, unavailable int
	var slowest time.Duration
	for _, r := range results {
		if r.transportErr != nil {
			t.Fatalf("%s: %v", r.orderNo, r.transportErr)
		}
		switch {
		case r.status == 201:
		case r.status == 503 && r.code == "unavailable":
			unavailable++
			slowest = max(slowest, r.end.Sub(r.start))
		default:
			t.Errorf("%s: got %d %q, want 201, or 503 unavailable", r.orderNo, r.status, r.code)
		}
		if r.start.After(cutAt.Add(100*time.Millisecond)) && r.end.Before(restoredAt) {
			during++
			if r.status != 503 {
				t.Errorf("%s during the outage: got %d, want 503", r.orderNo, r.status)
			}
		}
		if r.start.After(readyAt) && r.status == 201 {
			after++
		}
	}
	if during == 0 || unavailable == 0 {
		t.Errorf("got %d requests during the outage (%d answered 503), want some", during, unavailable)
	}
	if after == 0 {
		t.Errorf("got no payment created once ready again, want the node to recover without a restart")
	}
	if slowest > 3*time.Second {
		t.Errorf("slowest 503: %v, want under 3s", slowest)
	}
	t.Logf("%d requests: %d during the outage, %d answered 503 (slowest %v), %d succeeded after recovery",
		len(results), during, unavailable, slowest.Round(time.Millisecond), after)

	// Nothing half-written: a payment exists whole, with the notification
	// its state change owes (SUCCEEDED), or was left PENDING before the
	// acquirer's answer could be recorded (the expiry sweep resolves it),
	// or does not exist at all.
	owed := map[string]bool{}
	for _, r := range results {
		status, pay, err := send("POST", a.URL+"/v1/payments/inquiry", token, map[string]string{"orderNo": r.orderNo})
		if err != nil {
			t.Fatal(err)
		}
		notified := 0
		if status == 200 { // the log of an order that does not exist is not_found
			notified = countEvents(t, a.URL, token, r.orderNo, "payment.succeeded")
		}
		switch {
		case status == 404:
			if r.status == 201 {
				t.Errorf("%s: acknowledged, then not found", r.orderNo)
			}
		case status == 200 && str(pay, "status") == "SUCCEEDED":
			owed[r.orderNo] = true
			if notified != 1 {
				t.Errorf("%s: SUCCEEDED with %d payment.succeeded notifications, want 1", r.orderNo, notified)
			}
		case status == 200 && str(pay, "status") == "PENDING" && r.status != 201:
			if notified != 0 {
				t.Errorf("%s: PENDING with %d payment.succeeded notifications, want none", r.orderNo, notified)
			}
		default:
			t.Errorf("%s (answered %d): got %d %v after recovery, want SUCCEEDED, PENDING or not found", r.orderNo, r.status, status, pay["status"])
		}
	}
	// The dispatcher carried on by itself: every owed notification arrives.
	// A delivery claimed while the database was away could not record its
	// outcome and keeps its 45-second lease before another tick takes it
	// over: move the clock past it rather than wait.
	a.clock.Advance(3 * time.Minute)
	eventually(t, 20*time.Second, "the notification of every SUCCEEDED payment", func() bool {
		got := rcv.orders("payment.succeeded")
		for o := range owed {
			if got[o].IsZero() {
				return false
			}
		}
		return true
	})
}

// proxy forwards TCP to the database server; cut drops every connection and
// refuses new ones, as a stopped server does, and restore accepts again on
// the same address.
type proxy struct {
	t      *testing.T
	target string
	url    string // the database URL, pointing at the proxy
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

func newProxy(t *testing.T, dbURL string) *proxy {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, target: u.Host, conns: map[net.Conn]bool{}}
	p.listen("127.0.0.1:0")
	u.Host = p.addr
	p.url = u.String()
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) listen(addr string) {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *proxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

func (p *proxy) restore() { p.listen(p.addr) }
