package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
		_, _, err := gw.CreateSubscription(ctx, &wire.SubscriptionRequest{SubscribeURL: fmt.Sprintf("https://93.184.216.34/hook/%d", i),
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
	if _, err := gw.Resend(ctx, n.NotifyID, ""); paygate.ErrorCode(err) != paygate.EConflict {
		t.Errorf("resend while leased: got %v, want conflict", err)
	}
	*now = now.Add(time.Minute)
	q, err := gw.Resend(ctx, n.NotifyID, "")
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

// dispatcherFor stores ns and returns a dispatcher (4 deliveries per
// endpoint) sending through a blockingSender, released when the test ends.
func dispatcherFor(t *testing.T, gw *gateway.Service, store paygate.Store, ctx context.Context, ns []*paygate.Notification) (*gateway.Dispatcher, *blockingSender) {
	t.Helper()
	if err := store.Apply(ctx, paygate.Change{Notifications: ns}); err != nil {
		t.Fatal(err)
	}
	send := &blockingSender{release: make(chan struct{}), sent: map[string]int{}}
	d := gw.NewDispatcher(send, 4)
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
			d := gw.NewDispatcher(tt.send, 4)
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
