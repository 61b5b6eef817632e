package gateway

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"paygate"
	"paygate/notify"
)

// retrySchedule is the wait before each retry after a failed delivery
// (about 1 m, 5 m, 30 m, 2 h, 5 h, 10 h, 24 h; then failed: docs/api.md).
var retrySchedule = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 24 * time.Hour}

// Sender delivers one notification over HTTP; notify.Client is the real one.
type Sender interface {
	Send(ctx context.Context, url string, header http.Header, body []byte) (status int, latency time.Duration, err error)
}

// Dispatcher delivers due notifications from the outbox. Each delivery is
// claimed with a lease (compare-and-set), so several nodes can run
// dispatchers on one database and a crashed node's claims are taken over when
// their lease ends. Deliveries run concurrently, a few at once per endpoint
// and per host, and each host gets only so many a second and is paused while
// it keeps failing (DispatchConfig): a slow, failing or much-notified
// receiver never delays the others, and paygate cannot be made to flood a
// host. A notification that cannot start now stays due and is not claimed.
type Dispatcher struct {
	s           *core
	send        Sender
	perEndpoint int
	lease       time.Duration

	mu       sync.Mutex
	inflight map[string]int      // deliveries running per endpoint
	pace     *pacer              // per host
	sending  map[string]struct{} // notifyIds being delivered by this dispatcher
	wg       sync.WaitGroup
}

// DispatchConfig tunes a Dispatcher; zero fields take the defaults. The
// limits are per node: N nodes deliver up to N times as much.
type DispatchConfig struct {
	// PerEndpoint is how many deliveries run at once per endpoint: scheme,
	// host and port (DefaultPerEndpoint).
	PerEndpoint int
	// PerHost is how many deliveries run at once per host name, whatever
	// the scheme and port (DefaultPerHost).
	PerHost int
	// HostRate is how many deliveries start per second per host name
	// (DefaultHostRate), in bursts of up to HostBurst (DefaultHostBurst).
	HostRate  float64
	HostBurst int
}

// Dispatcher defaults: enough for a busy merchant's receiver, and far from
// a flood.
const (
	DefaultPerEndpoint = 4
	DefaultPerHost     = 4
	DefaultHostRate    = 10.0
	DefaultHostBurst   = 20
)

// NewDispatcher returns a dispatcher sending through send.
func (s *Notifications) NewDispatcher(send Sender, cfg DispatchConfig) *Dispatcher {
	if cfg.PerEndpoint <= 0 {
		cfg.PerEndpoint = DefaultPerEndpoint
	}
	if cfg.PerHost <= 0 {
		cfg.PerHost = DefaultPerHost
	}
	if !(cfg.HostRate > 0) {
		cfg.HostRate = DefaultHostRate
	}
	if cfg.HostBurst <= 0 {
		cfg.HostBurst = DefaultHostBurst
	}
	// The lease outlives a delivery (10 s timeout) several times over, with
	// room to record it; a crashed node's claims are retried once it runs out.
	return &Dispatcher{s: s.core, send: send, perEndpoint: cfg.PerEndpoint, lease: 45 * time.Second,
		inflight: map[string]int{}, pace: newPacer(cfg.PerHost, cfg.HostRate, cfg.HostBurst), sending: map[string]struct{}{}}
}

// Run delivers until ctx ends: at every interval, at once when a change
// commits a notification on this node or a delivery ends, and when a host
// held back by its rate or pause may start again. It waits for deliveries in
// flight.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	defer d.wg.Wait()
	pages := maxDuePages
	var soon <-chan time.Time // when a paced or paused host may start again
	var soonAt time.Time
	for {
		if _, err := d.tick(ctx, pages); err != nil && ctx.Err() == nil {
			d.s.log.ErrorContext(ctx, "notification dispatch", "err", err)
		}
		// A host refused for want of a token, or paused, may start again
		// before the next interval: look then, so that it gets its rate
		// rather than one burst per interval.
		if at := d.nextStart(); !at.IsZero() && (soon == nil || at.Before(soonAt)) {
			if wait := at.Sub(d.s.now()); wait < interval {
				soon, soonAt = time.After(max(wait, minWait)), at
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pages = maxDuePages // look past busy endpoints once per interval
		case <-d.s.wake:
			pages = 1 // a freed slot or a new notification: the head is enough
		case <-soon:
			soon, pages = nil, 1
		}
	}
}

// minWait keeps a dispatcher waiting for a host's next token from looking
// more than 100 times a second.
const minWait = 10 * time.Millisecond

// nextStart returns, and forgets, the earliest time a host refused since
// the last call may start again, or the zero Time.
func (d *Dispatcher) nextStart() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	at := d.pace.next
	d.pace.next = time.Time{}
	return at
}

// Tick claims the notifications due now that may start (a free slot at
// their endpoint and host, a token of their host's rate, their host not
// paused) and starts their deliveries; it returns how many it started. It
// pages past the notifications it cannot start, so a backlog for one slow
// or paced receiver does not hold up the others.
func (d *Dispatcher) Tick(ctx context.Context) (int, error) { return d.tick(ctx, maxDuePages) }

func (d *Dispatcher) tick(ctx context.Context, pages int) (int, error) {
	now := d.s.now()
	started := 0
	var after paygate.DueCursor
	for page := 0; page < pages && started < maxStartsPerTick; page++ {
		due, err := d.s.store.DueNotifications(ctx, now, after, duePage)
		if err != nil {
			return started, err
		}
		for _, n := range due {
			n, err := d.start(ctx, n)
			if err != nil {
				return started, err
			}
			started += n
		}
		if len(due) < duePage {
			break
		}
		after = due[len(due)-1].After()
	}
	return started, nil
}

const (
	duePage          = 200
	maxDuePages      = 20 // rows looked at per tick: at most 4,000
	maxStartsPerTick = 200
)

// start claims n and starts its delivery, unless its endpoint or host has
// no free slot, its host is paced or paused, or this dispatcher is
// delivering it already; it returns 1 if started.
func (d *Dispatcher) start(ctx context.Context, n *paygate.Notification) (int, error) {
	key, host := pacingKeys(n.URL)
	d.mu.Lock()
	_, sending := d.sending[n.NotifyID]
	busy := sending || d.inflight[key] >= d.perEndpoint || !d.pace.start(host, d.s.now())
	if !busy {
		d.inflight[key]++
		d.sending[n.NotifyID] = struct{}{}
	}
	d.mu.Unlock()
	if busy {
		return 0, nil
	}
	now := d.s.now()
	q := *n
	q.LeaseUntil = now.Add(d.lease)
	q.UpdatedAt = now
	q.Version++
	if err := d.s.store.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{&q}}); err != nil {
		d.release(n.NotifyID, key, host, nil)
		if isCode(err, paygate.EConflict) {
			return 0, nil // another dispatcher claimed it
		}
		return 0, err
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		o := d.deliver(context.WithoutCancel(ctx), &q)
		d.release(n.NotifyID, key, host, &o)
	}()
	return 1, nil
}

// Wait blocks until the deliveries started so far are done.
func (d *Dispatcher) Wait() { d.wg.Wait() }

// release frees the slots start took for a delivery, which went as o, or
// (o nil) never went out.
func (d *Dispatcher) release(notifyID, key, host string, o *outcome) {
	d.mu.Lock()
	delete(d.sending, notifyID)
	if d.inflight[key]--; d.inflight[key] == 0 {
		delete(d.inflight, key) // only endpoints in use take memory
	}
	if o == nil {
		d.pace.cancel(host)
	} else {
		d.pace.done(host, d.s.now(), *o)
	}
	d.mu.Unlock()
	// A freed slot may take the next due delivery at once, so a backlog to
	// one endpoint drains at its concurrency, not one batch per tick.
	select {
	case d.s.wake <- struct{}{}:
	default:
	}
}

// deliver makes one attempt and records it with the notification's next
// state; it returns how the attempt went.
func (d *Dispatcher) deliver(ctx context.Context, n *paygate.Notification) outcome {
	s := d.s
	var status int
	var latency time.Duration
	var failure string // the attempt's error as the merchant reads it: a fixed text
	o := unsent
	keys, err := s.signingKeys(ctx, n)
	switch {
	case errors.Is(err, errSubscriptionDeleted):
		failure = errSubscriptionDeleted.Message
	case err != nil:
		// The database or the vault: the operator's to see, not the merchant's.
		s.log.ErrorContext(ctx, "signing a notification", "notifyId", n.NotifyID, "err", err)
		failure = textUnsigned
	default:
		sent := time.Now()
		status, latency, err = d.send.Send(ctx, n.URL, notify.HeadersKeys(keys, n.NotifyID, s.now(), n.Body), n.Body)
		o = acked
		if err != nil {
			o, failure = failed, notify.FailureText(err)
		}
		result := "delivered"
		if err != nil {
			result = "failed"
		}
		s.obs.Delivery(ctx, result, sent, latency)
	}
	now := s.now()
	q := *n
	q.Attempts++
	q.LeaseUntil = time.Unix(0, 0).UTC()
	q.UpdatedAt = now
	q.Version++
	a := paygate.Attempt{NotifyID: n.NotifyID, MerchantID: n.MerchantID, N: q.Attempts, At: now,
		StatusCode: status, LatencyMs: latency.Milliseconds()}
	switch {
	case err == nil:
		q.Status = paygate.NotificationDelivered
	case q.Attempts >= q.MaxAttempts || isCode(err, paygate.ENotFound):
		// Out of attempts, or its subscription was deleted (no key to sign
		// with, no one to send to): it ends FAILED.
		q.Status = paygate.NotificationFailed
		a.Error = failure
	default:
		a.Error = failure
		q.NextAttemptAt = now.Add(jitter(retrySchedule[min(q.Attempts, len(retrySchedule))-1]))
	}
	if err := s.store.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{&q}, Attempts: []paygate.Attempt{a}}); err != nil {
		// Lost the lease to another dispatcher: its attempt is the one recorded.
		s.log.WarnContext(ctx, "recording delivery attempt failed", "notifyId", n.NotifyID, "err", err)
	}
	return o
}

// errSubscriptionDeleted is signingKeys' answer for a subscription deleted
// since the notification was queued; its Message is the attempt's error.
var errSubscriptionDeleted = paygate.Errorf(paygate.ENotFound, "the subscription was deleted")

// textUnsigned is the attempt's error when signing failed on our side (the
// database or the vault): their messages are not the merchant's to see.
const textUnsigned = "the notification could not be signed (a fault on our side)"

// jitter spreads retries by ±10% so failing receivers are not hit in waves.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

// signingKeys are the subscription's secret, or for an order's
// notificationUrl the merchant's notify secret and, during a rotation's
// grace, the one it replaced: new first, so a receiver holding either
// verifies.
func (s *core) signingKeys(ctx context.Context, n *paygate.Notification) ([][]byte, error) {
	if n.SubscriptionID != "" {
		sub, err := s.store.Subscription(ctx, n.MerchantID, n.SubscriptionID)
		if isCode(err, paygate.ENotFound) {
			return nil, errSubscriptionDeleted
		}
		if err != nil {
			return nil, err // the database is away: a retry may find it
		}
		key, err := s.vault.Open(sub.SecretSealed, []byte("subscription/"+sub.ID))
		return [][]byte{key}, err
	}
	m, err := s.store.Merchant(ctx, n.MerchantID)
	if err != nil {
		return nil, err
	}
	aad := []byte("merchant-notify/" + m.ID)
	key, err := s.vault.Open(m.NotifySecretSealed, aad)
	if err != nil {
		return nil, err
	}
	if !m.PrevNotifySecretGood(s.now()) {
		return [][]byte{key}, nil
	}
	prev, err := s.vault.Open(m.PrevNotifySecretSealed, aad)
	if err != nil {
		// The new key alone still reaches receivers that have it: better
		// than no delivery at all. The operator sees why.
		s.log.ErrorContext(ctx, "opening the replaced notification secret", "merchantId", m.ID, "err", err)
		return [][]byte{key}, nil
	}
	return [][]byte{key, prev}, nil
}
