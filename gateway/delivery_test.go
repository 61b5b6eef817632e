package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"paygate"
	"paygate/gateway"
	"paygate/notify"
	"paygate/wire"
)

// blockingSender holds every delivery to slow.example until release closes,
// and counts deliveries per host.
type blockingSender struct {
	release chan struct{}
	mu      sync.Mutex
	sent    map[string]int
}

func (b *blockingSender) Send(ctx context.Context, url string, _ http.Header, _ []byte) (int, time.Duration, error) {
	b.mu.Lock()
	host := strings.Split(strings.TrimPrefix(url, "https://"), "/")[0]
	b.sent[host]++
	b.mu.Unlock()
	if host == "slow.example" {
		<-b.release
	}
	return 200, time.Millisecond, nil
}

func (b *blockingSender) count(host string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sent[host]
}

// TestSlowEndpointDoesNotHoldUpOthers: a backlog of more notifications for
// one stuck receiver than a page of due rows holds does not keep another
// receiver's notification from going out, and no notification is sent
// twice at once.
func TestSlowEndpointDoesNotHoldUpOthers(t *testing.T) {
	gw, store, ctx, now := newTestGateway(t, &countingAcquirer{}, nil)
	merchantID := paygate.MerchantID(ctx)
	var ns []*paygate.Notification
	add := func(i int, url string, at time.Time) {
		ns = append(ns, pendingNotification(merchantID, i, url, at, time.Unix(0, 0).UTC()))
	}
	for i := range 450 {
		add(i, "https://slow.example/hook", now.Add(-time.Hour))
	}
	add(450, "https://fast.example/hook", *now)
	d, send := dispatcherFor(t, gw, store, ctx, ns)
	for range 3 {
		if _, err := d.Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for send.count("fast.example") == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := send.count("fast.example"); got != 1 {
		t.Errorf("deliveries to fast.example: got %d, want 1", got)
	}
}

// TestLeaseRunsOutWhileSending: a delivery that outlasts its lease is not
// started a second time by the dispatcher still sending it.
func TestLeaseRunsOutWhileSending(t *testing.T) {
	gw, store, ctx, now := newTestGateway(t, &countingAcquirer{}, nil)
	merchantID := paygate.MerchantID(ctx)
	var ns []*paygate.Notification
	for i := range 2 {
		ns = append(ns, pendingNotification(merchantID, i, "https://slow.example/hook", *now, time.Unix(0, 0).UTC()))
	}
	d, send := dispatcherFor(t, gw, store, ctx, ns)
	if _, err := d.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for send.count("slow.example") < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	*now = now.Add(10 * time.Minute) // both leases have run out; the sends still hang
	if n, err := d.Tick(t.Context()); err != nil || n != 0 {
		t.Errorf("tick while the same deliveries hang: started %d %v, want none", n, err)
	}
	if got := send.count("slow.example"); got != 2 {
		t.Errorf("deliveries: got %d, want 2", got)
	}
}

// TestSubscriptionLimit: a merchant has at most MaxSubscriptions.
func TestSubscriptionLimit(t *testing.T) {
	gw, _, ctx, _ := newTestGateway(t, &countingAcquirer{}, nil)
	sub := func(i int) error {
		_, _, err := gw.Notifications.CreateSubscription(ctx, &wire.SubscriptionRequest{SubscribeURL: fmt.Sprintf("https://93.184.216.34/hook/%d", i),
			APIVersion: paygate.APIVersion, SignMethod: "sha256"})
		return err
	}
	for i := range gateway.MaxSubscriptions {
		if err := sub(i); err != nil {
			t.Fatalf("subscription %d: %v", i, err)
		}
	}
	if err := sub(99); paygate.ErrorCode(err) != paygate.EInvalidState {
		t.Errorf("one more: got %v, want invalid_state", err)
	}
}

// TestResendWhileSending: a resend of a notification a dispatcher is sending
// is refused (409), so that attempt's record is not lost; a resend of a
// pending one adds an attempt rather than using a scheduled one.
func TestResendWhileSending(t *testing.T) {
	gw, store, ctx, now := newTestGateway(t, &countingAcquirer{}, nil)
	n := pendingNotification(paygate.MerchantID(ctx), 1, "https://93.184.216.34/hook", *now, now.Add(30*time.Second))
	if err := store.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{n}}); err != nil {
		t.Fatal(err)
	}
	if _, err := gw.Notifications.Resend(ctx, n.NotifyID, ""); paygate.ErrorCode(err) != paygate.EConflict {
		t.Errorf("resend while leased: got %v, want conflict", err)
	}
	*now = now.Add(time.Minute)
	q, err := gw.Notifications.Resend(ctx, n.NotifyID, "")
	if err != nil || q.MaxAttempts != 9 {
		t.Errorf("resend of a pending notification: got %+v %v, want 9 attempts allowed", q, err)
	}
}

// pendingNotification is notification i of an order, due at due and leased
// until lease.
func pendingNotification(merchantID string, i int, url string, due, lease time.Time) *paygate.Notification {
	return &paygate.Notification{NotifyID: fmt.Sprintf("N%04d", i), MerchantID: merchantID, EventType: "payment.succeeded",
		OrderNo: "order-1", ObjectID: "T1", Sequence: int64(i + 1), URL: url, Body: []byte(`{}`),
		Status: paygate.NotificationPending, MaxAttempts: 8, NextAttemptAt: due, LeaseUntil: lease,
		Version: 1, CreatedAt: due, UpdatedAt: due}
}

// dispatcherFor stores ns and returns a dispatcher (the default limits)
// sending through a blockingSender, released when the test ends.
func dispatcherFor(t *testing.T, gw *gateway.Service, store paygate.Store, ctx context.Context, ns []*paygate.Notification) (*gateway.Dispatcher, *blockingSender) {
	t.Helper()
	if err := store.Apply(ctx, paygate.Change{Notifications: ns}); err != nil {
		t.Fatal(err)
	}
	send := &blockingSender{release: make(chan struct{}), sent: map[string]int{}}
	d := gw.Notifications.NewDispatcher(send, gateway.DispatchConfig{})
	t.Cleanup(d.Wait)
	t.Cleanup(func() { close(send.release) })
	return d, send
}

// failingSender answers every delivery with err.
type failingSender struct{ err error }

func (f failingSender) Send(context.Context, string, http.Header, []byte) (int, time.Duration, error) {
	return 0, time.Millisecond, f.err
}

// merchantStore is a store whose Merchant lookups can be made to fail, or
// to return a sealed notify secret the vault cannot open.
type merchantStore struct {
	paygate.Store
	err     error
	garbled bool
}

func (s *merchantStore) Merchant(ctx context.Context, id string) (*paygate.Merchant, error) {
	if s.err != nil {
		return nil, s.err
	}
	m, err := s.Store.Merchant(ctx, id)
	if err == nil && s.garbled {
		c := *m
		c.NotifySecretSealed = []byte("internal-bastion-7")
		m = &c
	}
	return m, err
}

// TestAttemptErrorTexts: whatever went wrong, an attempt records one of the
// delivery log's fixed texts, never another error's message (a receiver's
// answer echoed by a Sender, the database's or the vault's own words).
func TestAttemptErrorTexts(t *testing.T) {
	const fragment = "internal-bastion-7"
	tests := []struct {
		name       string
		send       gateway.Sender
		store      merchantStore
		sub        string // the notification's subscription
		want       string
		wantStatus paygate.NotificationStatus
	}{
		{"sender's failure", failingSender{notify.Failure("HTTP 503")}, merchantStore{}, "", "HTTP 503", paygate.NotificationPending},
		{"sender's own error", failingSender{errors.New(`malformed HTTP status code "` + fragment + `"`)}, merchantStore{}, "",
			"the delivery failed", paygate.NotificationPending},
		{"database away", failingSender{}, merchantStore{err: errors.New("sqlite: disk I/O error at /srv/" + fragment + "/paygate.db")}, "",
			"the notification could not be signed (a fault on our side)", paygate.NotificationPending},
		{"vault cannot open", failingSender{}, merchantStore{garbled: true}, "",
			"the notification could not be signed (a fault on our side)", paygate.NotificationPending},
		{"subscription deleted", failingSender{}, merchantStore{}, "S-gone", "the subscription was deleted", paygate.NotificationFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := tt.store
			gw, store, ctx, now := newTestGateway(t, &countingAcquirer{}, nil, func(s paygate.Store) paygate.Store {
				ms.Store = s
				return &ms
			})
			n := pendingNotification(paygate.MerchantID(ctx), 1, "https://93.184.216.34/hook", *now, time.Unix(0, 0).UTC())
			n.SubscriptionID = tt.sub
			if err := store.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{n}}); err != nil {
				t.Fatal(err)
			}
			d := gw.Notifications.NewDispatcher(tt.send, gateway.DispatchConfig{})
			if started, err := d.Tick(t.Context()); started != 1 || err != nil {
				t.Fatalf("tick: started %d %v, want 1", started, err)
			}
			d.Wait()
			as, err := store.Attempts(ctx, n.MerchantID, n.NotifyID)
			if err != nil || len(as) != 1 {
				t.Fatalf("attempts: got %v %v, want one", as, err)
			}
			if as[0].Error != tt.want {
				t.Errorf("got %q, want %q", as[0].Error, tt.want)
			}
			if strings.Contains(as[0].Error, fragment) {
				t.Errorf("got %q, want nothing of the underlying error", as[0].Error)
			}
			got, err := store.Notification(ctx, n.MerchantID, n.NotifyID)
			if err != nil || got.Status != tt.wantStatus {
				t.Errorf("notification: got %v %v, want %s", got, err, tt.wantStatus)
			}
		})
	}
}

// recordingSender acknowledges every delivery, or fails those to the hosts
// in failing, and records per host how many it got and the most that ran
// at once; deliveries to a host in hold wait for its channel to close.
type recordingSender struct {
	mu                        sync.Mutex
	hold                      map[string]chan struct{}
	failing                   map[string]bool
	sent, running, maxRunning map[string]int
}

func newRecordingSender() *recordingSender {
	return &recordingSender{hold: map[string]chan struct{}{}, failing: map[string]bool{},
		sent: map[string]int{}, running: map[string]int{}, maxRunning: map[string]int{}}
}

func (r *recordingSender) Send(_ context.Context, rawURL string, _ http.Header, _ []byte) (int, time.Duration, error) {
	u, _ := url.Parse(rawURL)
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	r.mu.Lock()
	r.sent[host]++
	r.running[host]++
	r.maxRunning[host] = max(r.maxRunning[host], r.running[host])
	hold, fail := r.hold[host], r.failing[host]
	r.mu.Unlock()
	if hold != nil {
		<-hold
	}
	r.mu.Lock()
	r.running[host]--
	r.mu.Unlock()
	if fail {
		return 503, time.Millisecond, notify.Failure("HTTP 503")
	}
	return 200, time.Millisecond, nil
}

// get returns a host's count in m, under the lock.
func (r *recordingSender) get(m map[string]int, host string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return m[host]
}

func (r *recordingSender) setFailing(host string, fail bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failing[host] = fail
}

// tickAll ticks until a tick starts nothing, waiting for each tick's
// deliveries; it returns how many it started.
func tickAll(t *testing.T, d *gateway.Dispatcher) int {
	t.Helper()
	total := 0
	for {
		n, err := d.Tick(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		d.Wait()
		if n == 0 {
			return total
		}
		total += n
	}
}

// hostURLs are endpoints of one host, a.example, written differently: the
// pacing is per host name, whatever the scheme and port.
var hostURLs = []string{"https://a.example/hook", "http://A.Example.:8080/x", "https://a.example.:8443/y"}

// TestHostRate: deliveries to one host, over any of its endpoints, start
// at most HostRate a second after a burst of HostBurst, while another
// host's deliveries go out at once.
func TestHostRate(t *testing.T) {
	gw, store, ctx, now := newTestGateway(t, &countingAcquirer{}, nil)
	merchantID := paygate.MerchantID(ctx)
	var ns []*paygate.Notification
	for i := range 100 {
		ns = append(ns, pendingNotification(merchantID, i, hostURLs[i%len(hostURLs)], *now, time.Unix(0, 0).UTC()))
	}
	for i := range 10 {
		ns = append(ns, pendingNotification(merchantID, 100+i, "https://b.example/hook", *now, time.Unix(0, 0).UTC()))
	}
	if err := store.Apply(ctx, paygate.Change{Notifications: ns}); err != nil {
		t.Fatal(err)
	}
	send := newRecordingSender()
	d := gw.Notifications.NewDispatcher(send, gateway.DispatchConfig{PerEndpoint: 100, PerHost: 100, HostRate: 10, HostBurst: 20})
	steps := []struct {
		advance time.Duration
		want    int // deliveries to a.example so far
	}{
		{0, 20},                      // the burst
		{0, 20},                      // no time passed: no token
		{time.Second, 30},            // 10 a second
		{500 * time.Millisecond, 35}, // and fractions of it
		{99 * time.Millisecond, 35},
		{time.Hour, 55}, // an idle hour saves up one burst, no more
	}
	for i, st := range steps {
		*now = now.Add(st.advance)
		tickAll(t, d)
		if got := send.get(send.sent, "a.example"); got != st.want {
			t.Errorf("step %d: got %d deliveries to a.example, want %d", i, got, st.want)
		}
		if got := send.get(send.sent, "b.example"); got != 10 {
			t.Errorf("step %d: got %d deliveries to b.example, want all 10", i, got)
		}
	}
}

// TestHostConcurrency: at most PerHost deliveries run at once to one host,
// over all its endpoints, while another host's deliveries go out.
func TestHostConcurrency(t *testing.T) {
	gw, store, ctx, now := newTestGateway(t, &countingAcquirer{}, nil)
	merchantID := paygate.MerchantID(ctx)
	var ns []*paygate.Notification
	for i := range 30 {
		ns = append(ns, pendingNotification(merchantID, i, hostURLs[i%len(hostURLs)], *now, time.Unix(0, 0).UTC()))
	}
	for i := range 5 {
		ns = append(ns, pendingNotification(merchantID, 30+i, "https://b.example/hook", *now, time.Unix(0, 0).UTC()))
	}
	if err := store.Apply(ctx, paygate.Change{Notifications: ns}); err != nil {
		t.Fatal(err)
	}
	send := newRecordingSender()
	release := make(chan struct{})
	send.hold["a.example"] = release
	d := gw.Notifications.NewDispatcher(send, gateway.DispatchConfig{PerEndpoint: 4, PerHost: 3, HostRate: 1000, HostBurst: 1000})
	t.Cleanup(d.Wait)
	for range 3 {
		if _, err := d.Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	// b.example's endpoint takes 4 at once: its 5th goes out at a tick
	// after one of the first four ended, however slow the machine.
	deadline := time.Now().Add(5 * time.Second)
	for (send.get(send.sent, "b.example") < 5 || send.get(send.running, "a.example") < 3) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		if _, err := d.Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if got := send.get(send.sent, "b.example"); got != 5 {
		t.Errorf("deliveries to b.example while a.example hangs: got %d, want 5", got)
	}
	if got := send.get(send.sent, "a.example"); got != 3 {
		t.Errorf("deliveries to a.example while its first ones hang: got %d, want 3", got)
	}
	close(release)
	d.Wait()
	tickAll(t, d)
	if got := send.get(send.sent, "a.example"); got != 30 {
		t.Errorf("deliveries to a.example: got %d, want all 30", got)
	}
	if got := send.get(send.maxRunning, "a.example"); got != 3 {
		t.Errorf("most deliveries at once to a.example: got %d, want 3", got)
	}
}

// TestFailingHostPaused: after a few failed deliveries in a row a host is
// paused, one second doubling with each further failure; while paused it
// gets no delivery and another host's deliveries go out; one acknowledged
// delivery ends the pause.
func TestFailingHostPaused(t *testing.T) {
	gw, store, ctx, now := newTestGateway(t, &countingAcquirer{}, nil)
	merchantID := paygate.MerchantID(ctx)
	t0 := *now
	var ns []*paygate.Notification
	for i := range 20 {
		ns = append(ns, pendingNotification(merchantID, i, hostURLs[i%len(hostURLs)], t0, time.Unix(0, 0).UTC()))
	}
	for i := range 3 {
		ns = append(ns, pendingNotification(merchantID, 20+i, "https://b.example/hook", t0, time.Unix(0, 0).UTC()))
	}
	ns = append(ns, pendingNotification(merchantID, 23, "https://b.example/hook", t0.Add(time.Second), time.Unix(0, 0).UTC()))
	if err := store.Apply(ctx, paygate.Change{Notifications: ns}); err != nil {
		t.Fatal(err)
	}
	send := newRecordingSender()
	send.setFailing("a.example", true)
	d := gw.Notifications.NewDispatcher(send, gateway.DispatchConfig{})
	// The first deliveries to a.example are held until all four (the
	// concurrency limit) are running, so that none ends before the others
	// start: they fail together.
	release := make(chan struct{})
	send.hold["a.example"] = release
	if _, err := d.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for send.get(send.running, "a.example") < 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	send.mu.Lock()
	delete(send.hold, "a.example")
	send.mu.Unlock()
	close(release)
	d.Wait()
	steps := []struct {
		at     time.Duration // since t0
		ok     bool          // a.example acknowledges from now on
		wantA  int           // deliveries to a.example so far
		wantB  int
		reason string
	}{
		{0, false, 4, 3, "four at once failed: paused for 2 s (1 s after the third, doubled)"},
		{time.Second, false, 4, 4, "paused; b.example is not"},
		{2*time.Second - time.Millisecond, false, 4, 4, "still paused"},
		{2 * time.Second, false, 5, 4, "one probe, which fails: paused for 4 s"},
		{6*time.Second - time.Millisecond, false, 5, 4, "still paused"},
		{6 * time.Second, false, 6, 4, "one probe, which fails: paused for 8 s"},
		{14 * time.Second, true, 20, 4, "the probe is acknowledged: the rest go"},
	}
	for _, st := range steps {
		*now = t0.Add(st.at)
		send.setFailing("a.example", !st.ok)
		tickAll(t, d)
		if a, b := send.get(send.sent, "a.example"), send.get(send.sent, "b.example"); a != st.wantA || b != st.wantB {
			t.Errorf("at %v: got %d deliveries to a.example and %d to b.example, want %d and %d (%s)", st.at, a, b, st.wantA, st.wantB, st.reason)
		}
	}
	if got := send.get(send.maxRunning, "a.example"); got > 4 {
		t.Errorf("most deliveries at once to a.example: got %d, want at most 4", got)
	}
}
