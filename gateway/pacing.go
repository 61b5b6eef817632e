package gateway

import (
	"net"
	"net/url"
	"strings"
	"time"
)

// A failing host is paused after pauseAfter consecutive failed deliveries:
// firstPause, doubling with each further failure up to maxPause. A
// delivery it acknowledges ends the pause.
const (
	pauseAfter = 3
	firstPause = time.Second
	maxPause   = time.Minute
)

// pacer limits the deliveries to each target host, whatever the schemes and
// ports they use (one host can sit behind any number of a merchant's
// subscriptions and orders): how many run at once, how many start per
// second (a token bucket), and a pause that grows while the host keeps
// failing. Hosts not heard from for a while are forgotten, so its memory
// holds only the hosts being delivered to. It runs on the gateway's clock,
// as the API's rate limiter does. Not safe for concurrent use: the
// Dispatcher's mutex guards it.
type pacer struct {
	perHost int
	rate    float64 // tokens per second
	burst   float64 // bucket size
	hosts   map[string]*hostPace
	swept   time.Time // the last forgetting of idle hosts
	next    time.Time // the earliest time a host refused for its rate or pause may start
}

type hostPace struct {
	inflight    int
	tokens      float64
	last        time.Time // when tokens was brought up to date
	failures    int       // consecutive failed deliveries
	pausedUntil time.Time
}

func newPacer(perHost int, rate float64, burst int) *pacer {
	return &pacer{perHost: perHost, rate: rate, burst: float64(burst), hosts: map[string]*hostPace{}}
}

// start reports whether a delivery to host may start at now, and if so
// counts it as running and takes its token.
func (p *pacer) start(host string, now time.Time) bool {
	p.forget(now)
	h := p.hosts[host]
	if h == nil {
		h = &hostPace{tokens: p.burst, last: now}
		p.hosts[host] = h
	}
	if dt := now.Sub(h.last); dt > 0 {
		h.tokens = min(p.burst, h.tokens+dt.Seconds()*p.rate)
		h.last = now
	}
	limit := p.perHost
	if h.failures >= pauseAfter {
		limit = 1 // a failing host gets one delivery at a time, a probe
	}
	switch {
	case h.inflight >= limit:
		return false // a delivery ending frees the slot and wakes the dispatcher
	case now.Before(h.pausedUntil):
		p.retryAt(h.pausedUntil)
		return false
	case h.tokens < 1:
		if wait := (1 - h.tokens) / p.rate; wait < 3600 { // beyond that, the next interval's look does
			p.retryAt(now.Add(time.Duration(wait * float64(time.Second))))
		}
		return false
	}
	h.inflight++
	h.tokens--
	return true
}

func (p *pacer) retryAt(at time.Time) {
	if p.next.IsZero() || at.Before(p.next) {
		p.next = at
	}
}

// cancel undoes start for a delivery that did not go out after all (its
// claim was lost): it neither counts nor costs a token.
func (p *pacer) cancel(host string) {
	if h := p.hosts[host]; h != nil {
		h.inflight--
		h.tokens = min(p.burst, h.tokens+1)
	}
}

// done records the end at now of a delivery started with start.
func (p *pacer) done(host string, now time.Time, o outcome) {
	h := p.hosts[host]
	if h == nil {
		return
	}
	h.inflight--
	switch o {
	case acked:
		h.failures, h.pausedUntil = 0, time.Time{}
	case failed:
		h.failures++
		if h.failures >= pauseAfter {
			pause := maxPause
			if n := h.failures - pauseAfter; n < 6 { // 1 s << 6 is past the cap already
				pause = min(maxPause, firstPause<<n)
			}
			if until := now.Add(pause); until.After(h.pausedUntil) {
				h.pausedUntil = until
			}
		}
	}
}

// forget drops the hosts with nothing running, a full bucket again and no
// pause for maxPause, at most once a second, so a stream of new hosts costs
// one scan a second. A host that failed a little while ago is kept, so that
// its next failure pauses it for longer.
func (p *pacer) forget(now time.Time) {
	if now.Sub(p.swept) < time.Second {
		return
	}
	p.swept = now
	for k, h := range p.hosts {
		refilled := h.tokens+now.Sub(h.last).Seconds()*p.rate >= p.burst
		if h.inflight == 0 && refilled && !now.Before(h.pausedUntil.Add(maxPause)) {
			delete(p.hosts, k)
		}
	}
}

// outcome is how a delivery went, for its host's pacing.
type outcome int

const (
	unsent outcome = iota // not sent (it could not be signed): says nothing of the host
	acked                 // a 2xx answer
	failed                // anything else
)

// pacingKeys returns the units of the concurrency limits of a notification URL:
// its endpoint, the scheme, host and port written one way
// ("HTTPS://Shop.example.:443" is "https://shop.example:443"), and its host,
// the lower-cased name without a final dot ("shop.example").
func pacingKeys(raw string) (endpoint, host string) {
	u, err := url.Parse(raw)
	if err != nil {
		return raw, raw
	}
	host = strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return u.Scheme + "://" + net.JoinHostPort(host, port), host
}
