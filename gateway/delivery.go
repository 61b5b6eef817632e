package gateway

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"paygate"
	"paygate/notify"
)

// retrySchedule is the wait before each retry after a failed delivery
// (API.md: about 1 m, 5 m, 30 m, 2 h, 5 h, 10 h, 24 h; then failed).
var retrySchedule = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 24 * time.Hour}

// Sender delivers one notification over HTTP; notify.Client is the real one.
type Sender interface {
	Send(ctx context.Context, url string, header http.Header, body []byte) (status int, latency time.Duration, err error)
}

// Dispatcher delivers due notifications from the outbox. Each delivery is
// claimed with a lease (compare-and-set), so several nodes can run
// dispatchers on one database and a crashed node's claims are taken over when
// their lease ends. Deliveries run concurrently, at most PerEndpoint at once
// per endpoint, so a slow or failing receiver never delays the others.
type Dispatcher struct {
	s           *Service
	send        Sender
	perEndpoint int
	lease       time.Duration

	mu       sync.Mutex
	inflight map[string]int
	wg       sync.WaitGroup
}

// NewDispatcher returns a dispatcher; perEndpoint <= 0 means 4.
func (s *Service) NewDispatcher(send Sender, perEndpoint int) *Dispatcher {
	if perEndpoint <= 0 {
		perEndpoint = 4
	}
	// The lease outlives a delivery (10 s timeout) with room to record it; a
	// crashed node's claims are retried once it runs out.
	return &Dispatcher{s: s, send: send, perEndpoint: perEndpoint, lease: 15 * time.Second, inflight: map[string]int{}}
}

// Run delivers until ctx ends: at every interval, and at once when a change
// commits a notification on this node. It waits for deliveries in flight.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	defer d.wg.Wait()
	for {
		if _, err := d.Tick(ctx); err != nil && ctx.Err() == nil {
			d.s.log.ErrorContext(ctx, "notification dispatch", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.s.wake:
		}
	}
}

// Tick claims the notifications due now whose endpoint has a free slot and
// starts their deliveries; it returns how many it started.
func (d *Dispatcher) Tick(ctx context.Context) (int, error) {
	now := d.s.now()
	due, err := d.s.store.DueNotifications(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	started := 0
	for _, n := range due {
		key := endpoint(n.URL)
		d.mu.Lock()
		busy := d.inflight[key] >= d.perEndpoint
		if !busy {
			d.inflight[key]++
		}
		d.mu.Unlock()
		if busy {
			continue
		}
		q := *n
		q.LeaseUntil = now.Add(d.lease)
		q.UpdatedAt = now
		q.Version++
		if err := d.s.store.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{&q}}); err != nil {
			d.release(key)
			if isCode(err, paygate.EConflict) {
				continue // another dispatcher claimed it
			}
			return started, err
		}
		started++
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			defer d.release(key)
			d.deliver(context.WithoutCancel(ctx), &q)
		}()
	}
	return started, nil
}

// Wait blocks until the deliveries started so far are done.
func (d *Dispatcher) Wait() { d.wg.Wait() }

func (d *Dispatcher) release(key string) {
	d.mu.Lock()
	d.inflight[key]--
	d.mu.Unlock()
	// A freed slot may take the next due delivery at once, so a backlog to
	// one endpoint drains at its concurrency, not one batch per tick.
	select {
	case d.s.wake <- struct{}{}:
	default:
	}
}

// endpoint is the unit of the per-endpoint concurrency limit: scheme and host.
func endpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

// deliver makes one attempt and records it with the notification's next state.
func (d *Dispatcher) deliver(ctx context.Context, n *paygate.Notification) {
	s := d.s
	var status int
	var latency time.Duration
	key, err := s.signingKey(ctx, n)
	if err == nil {
		status, latency, err = d.send.Send(ctx, n.URL, notify.Headers(key, n.NotifyID, s.now(), n.Body), n.Body)
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
		a.Error = err.Error()
	default:
		a.Error = err.Error()
		q.NextAttemptAt = now.Add(jitter(retrySchedule[min(q.Attempts, len(retrySchedule))-1]))
	}
	if err := s.store.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{&q}, Attempts: []paygate.Attempt{a}}); err != nil {
		// Lost the lease to another dispatcher: its attempt is the one recorded.
		s.log.WarnContext(ctx, "recording delivery attempt failed", "notifyId", n.NotifyID, "err", err)
	}
}

// jitter spreads retries by ±10% so failing receivers are not hit in waves.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

// signingKey is the subscription's secret, or for an order's
// notificationUrl the merchant's notify secret.
func (s *Service) signingKey(ctx context.Context, n *paygate.Notification) ([]byte, error) {
	if n.SubscriptionID != "" {
		sub, err := s.store.Subscription(ctx, n.MerchantID, n.SubscriptionID)
		if isCode(err, paygate.ENotFound) {
			return nil, paygate.Errorf(paygate.ENotFound, "the subscription was deleted")
		}
		if err != nil {
			return nil, err // the database is away: a retry may find it
		}
		return s.vault.Open(sub.SecretSealed, []byte("subscription/"+sub.ID))
	}
	m, err := s.store.Merchant(ctx, n.MerchantID)
	if err != nil {
		return nil, err
	}
	return s.vault.Open(m.NotifySecretSealed, []byte("merchant-notify/"+m.ID))
}
