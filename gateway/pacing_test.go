package gateway

import (
	"fmt"
	"testing"
	"time"
)

// TestPacerPause: the pause after each failure in a row, from the third:
// 1 s doubling to a cap of a minute.
func TestPacerPause(t *testing.T) {
	p := newPacer(4, 10, 20)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	want := []time.Duration{0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second,
		32 * time.Second, time.Minute, time.Minute, time.Minute}
	for i, w := range want {
		if h := p.hosts["a.example"]; h != nil && h.pausedUntil.After(now) {
			now = h.pausedUntil // the pause ends: a probe may go
		}
		if !p.start("a.example", now) {
			t.Fatalf("failure %d: start refused, want a probe", i+1)
		}
		p.done("a.example", now, failed)
		if got := p.hosts["a.example"].pausedUntil; w == 0 && !got.IsZero() || w != 0 && got.Sub(now) != w {
			t.Errorf("after failure %d: got paused until %v, want %v after %v", i+1, got, w, now)
		}
	}
	for range 100 { // no overflow however long it fails
		now = p.hosts["a.example"].pausedUntil
		p.start("a.example", now)
		p.done("a.example", now, failed)
	}
	if got := p.hosts["a.example"].pausedUntil.Sub(now); got != time.Minute {
		t.Errorf("after 111 failures: got a pause of %v, want 1m0s", got)
	}
	now = p.hosts["a.example"].pausedUntil
	p.start("a.example", now)
	p.done("a.example", now, acked)
	if h := p.hosts["a.example"]; h.failures != 0 || !h.pausedUntil.IsZero() {
		t.Errorf("after an acknowledgement: got %d failures, paused until %v, want none", h.failures, h.pausedUntil)
	}
	p.start("a.example", now)
	p.done("a.example", now, unsent) // not signed: says nothing of the host
	if h := p.hosts["a.example"]; h.failures != 0 || h.inflight != 0 {
		t.Errorf("after an unsent delivery: got %d failures, %d running, want none", h.failures, h.inflight)
	}
}

// TestPacerForgets: the pacer keeps only the hosts it has heard from
// lately: idle ones with a full bucket go, a paused or running one stays.
func TestPacerForgets(t *testing.T) {
	p := newPacer(4, 10, 20)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for i := range 10_000 {
		host := fmt.Sprintf("h%d.example", i)
		p.start(host, now)
		p.done(host, now, acked)
	}
	p.start("running.example", now)
	for range pauseAfter {
		p.start("failing.example", now)
		p.done("failing.example", now, failed)
	}
	if got := len(p.hosts); got != 10_002 {
		t.Fatalf("got %d hosts, want 10002", got)
	}
	now = now.Add(10 * time.Second) // every bucket is full again
	p.start("new.example", now)
	if got := len(p.hosts); got != 3 {
		t.Errorf("got %d hosts, want 3 (running, paused lately, new)", got)
	}
	now = now.Add(maxPause)
	p.done("running.example", now, acked)
	p.done("new.example", now, acked)
	now = now.Add(time.Second)
	p.forget(now)
	if len(p.hosts) != 0 {
		t.Errorf("got hosts %v, want none", p.hosts)
	}
}

// TestPacerNext: a host refused for want of a token or while paused says
// when it may start again, so the dispatcher can look then.
func TestPacerNext(t *testing.T) {
	p := newPacer(4, 10, 5)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for range 5 {
		p.start("a.example", now)
		p.done("a.example", now, acked)
	}
	if p.start("a.example", now) || !p.next.Equal(now.Add(100*time.Millisecond)) {
		t.Errorf("past the burst: got next %v, want a token 100ms after %v", p.next, now)
	}
	p.next = time.Time{}
	now = now.Add(time.Hour)
	for range pauseAfter {
		p.start("b.example", now)
		p.done("b.example", now, failed)
	}
	if p.start("b.example", now) || !p.next.Equal(now.Add(firstPause)) {
		t.Errorf("paused: got next %v, want the pause's end %v", p.next, now.Add(firstPause))
	}
}

func TestPacingKeys(t *testing.T) {
	tests := []struct{ url, endpoint, host string }{
		{"https://shop.example/a", "https://shop.example:443", "shop.example"},
		{"HTTPS://Shop.Example.:443/b", "https://shop.example:443", "shop.example"},
		{"http://shop.example:8080/c", "http://shop.example:8080", "shop.example"},
		{"http://[2001:db8::1]/d", "http://[2001:db8::1]:80", "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if e, h := pacingKeys(tt.url); e != tt.endpoint || h != tt.host {
				t.Errorf("got %q %q, want %q %q", e, h, tt.endpoint, tt.host)
			}
		})
	}
}
