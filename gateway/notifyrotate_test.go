package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/notify"
	"paygate/sqlite"
	"paygate/vault"
)

// headerSender records the headers of every delivery and acknowledges it.
type headerSender struct {
	mu   sync.Mutex
	sent []http.Header
}

func (h *headerSender) Send(_ context.Context, _ string, header http.Header, _ []byte) (int, time.Duration, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sent = append(h.sent, header)
	return http.StatusNoContent, time.Millisecond, nil
}

// deliverOne stores notification i of the merchant of ctx, due now, delivers
// it and returns the headers it went with.
func deliverOne(t *testing.T, gw *gateway.Service, store paygate.Store, ctx context.Context, now time.Time, i int) (http.Header, []byte) {
	t.Helper()
	n := pendingNotification(paygate.MerchantID(ctx), i, "https://merchant.example/hook", now, time.Unix(0, 0).UTC())
	if err := store.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{n}}); err != nil {
		t.Fatal(err)
	}
	send := &headerSender{}
	d := gw.Notifications.NewDispatcher(send, gateway.DispatchConfig{})
	if started, err := d.Tick(ctx); err != nil || started != 1 {
		t.Fatalf("Tick: started %d, %v, want 1", started, err)
	}
	d.Wait()
	if len(send.sent) != 1 {
		t.Fatalf("deliveries: got %d, want 1", len(send.sent))
	}
	return send.sent[0], n.Body
}

// TestRotateNotifySecret: during the grace a notification carries the new
// key's signature and the old one's, so a receiver holding either secret
// verifies; after it, only the new one's.
func TestRotateNotifySecret(t *testing.T) {
	gw, store, _, now := newTestGateway(t, acquirer.Sandbox{}, acquirer.Sandbox{})
	nm, err := gw.Merchants.CreateMerchant(t.Context(), "rotating")
	if err != nil {
		t.Fatal(err)
	}
	ctx := paygate.WithMerchantID(t.Context(), nm.Merchant.ID)
	rs, err := gw.Merchants.RotateNotifySecret(ctx, nm.Merchant.ID, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if rs.NotifySecret == nm.NotifySecret || !strings.HasPrefix(rs.NotifySecret, "whsec_") ||
		rs.PrevNotifySecretUntil == nil || !rs.PrevNotifySecretUntil.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("RotateNotifySecret: got %+v, want a new whsec_ secret, the old one signing until %v", rs, now.Add(24*time.Hour))
	}
	verify := func(t *testing.T, h http.Header, body []byte, secret string, want error) {
		t.Helper()
		if err := notify.VerifyAt(secret, h, body, 0, *now); !errors.Is(err, want) {
			t.Errorf("VerifyAt: got %v, want %v", err, want)
		}
	}

	*now = now.Add(24*time.Hour - time.Second)
	h, body := deliverOne(t, gw, store, ctx, *now, 1)
	if sigs := strings.Fields(h.Get(notify.HeaderSignature)); len(sigs) != 2 {
		t.Fatalf("webhook-signature in the grace: got %q, want two entries", sigs)
	}
	newKey, _ := notify.ParseSecret(rs.NotifySecret)
	if first := strings.Fields(h.Get(notify.HeaderSignature))[0]; first != notify.Sign(newKey, "N0001", *now, body) {
		t.Errorf("first signature: got %s, want the new key's", first)
	}
	verify(t, h, body, rs.NotifySecret, nil)
	verify(t, h, body, nm.NotifySecret, nil) // a receiver not yet switched
	other, _ := notify.NewSecret()
	verify(t, h, body, other, notify.ErrSignature)

	*now = now.Add(time.Second)
	h, body = deliverOne(t, gw, store, ctx, *now, 2)
	if sigs := strings.Fields(h.Get(notify.HeaderSignature)); len(sigs) != 1 {
		t.Fatalf("webhook-signature after the grace: got %q, want one entry", sigs)
	}
	verify(t, h, body, rs.NotifySecret, nil)
	verify(t, h, body, nm.NotifySecret, notify.ErrSignature)

	// Without a grace the old secret stops at once, and so does one still
	// in an earlier rotation's grace.
	rs2, err := gw.Merchants.RotateNotifySecret(ctx, nm.Merchant.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rs3, err := gw.Merchants.RotateNotifySecret(ctx, nm.Merchant.ID, 0)
	if err != nil || rs3.PrevNotifySecretUntil != nil {
		t.Fatalf("RotateNotifySecret without grace: got %+v, %v", rs3, err)
	}
	h, body = deliverOne(t, gw, store, ctx, *now, 3)
	verify(t, h, body, rs3.NotifySecret, nil)
	for _, old := range []string{rs.NotifySecret, rs2.NotifySecret} {
		verify(t, h, body, old, notify.ErrSignature)
	}
	if _, err := gw.Merchants.RotateNotifySecret(ctx, nm.Merchant.ID, gateway.MaxGrace+time.Second); paygate.ErrorCode(err) != paygate.EInvalidParameter {
		t.Errorf("RotateNotifySecret over the longest grace: got %v, want invalid_parameter", err)
	}
	if _, err := gw.Merchants.RotateNotifySecret(ctx, "M_unknown", time.Hour); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("RotateNotifySecret of an unknown merchant: got %v, want not_found", err)
	}
}

// TestRotateOwnNotifySecret: the merchant's own rotation needs its current
// API secret, checked as the API secret's rotation checks it.
func TestRotateOwnNotifySecret(t *testing.T) {
	gw, _, _, _ := newTestGateway(t, acquirer.Sandbox{}, acquirer.Sandbox{})
	nm, err := gw.Merchants.CreateMerchant(t.Context(), "rotating")
	if err != nil {
		t.Fatal(err)
	}
	ctx := paygate.WithMerchantID(t.Context(), nm.Merchant.ID)
	for _, tc := range []struct {
		name, secret string
		grace        time.Duration
		want         string
	}{
		{"no secret", "", time.Hour, paygate.EInvalidParameter},
		{"wrong secret", "0123456789abcdef0123456789abcdef", time.Hour, paygate.EUnauthorized},
		{"the notify secret", nm.NotifySecret, time.Hour, paygate.EUnauthorized},
		{"negative grace", nm.Secret, -time.Second, paygate.EInvalidParameter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := gw.Merchants.RotateOwnNotifySecret(ctx, tc.secret, tc.grace, "192.0.2.9"); paygate.ErrorCode(err) != tc.want {
				t.Errorf("RotateOwnNotifySecret: got %v, want %s", err, tc.want)
			}
		})
	}
	rs, err := gw.Merchants.RotateOwnNotifySecret(ctx, nm.Secret, time.Hour, "192.0.2.9")
	if err != nil || rs.MerchantID != nm.Merchant.ID || rs.NotifySecret == nm.NotifySecret {
		t.Fatalf("RotateOwnNotifySecret: got %+v, %v", rs, err)
	}
}

// TestRekeyMovesReplacedNotifySecret: a master-key rotation reseals the
// notification secret a rotation replaced, so it still signs in its grace
// once the old master key is gone.
func TestRekeyMovesReplacedNotifySecret(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cfg := gateway.Config{Now: func() time.Time { return now }}
	oldMaster, newMaster := vault.NewKey(), vault.NewKey()
	v1, _ := vault.New(oldMaster)
	gw := gateway.New(db, acquirer.Sandbox{}, v1, nil, cfg)
	nm, err := gw.Merchants.CreateMerchant(t.Context(), "m")
	if err != nil {
		t.Fatal(err)
	}
	ctx := paygate.WithMerchantID(t.Context(), nm.Merchant.ID)
	rs, err := gw.Merchants.RotateNotifySecret(ctx, nm.Merchant.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	v2, _ := vault.New(newMaster, oldMaster)
	rep, err := gateway.New(db, acquirer.Sandbox{}, v2, nil, cfg).StoredCards.Rekey(ctx, 10)
	if err != nil || rep.Moved != 2 || len(rep.Unreadable) != 0 {
		t.Fatalf("Rekey: got %+v, %v, want 2 moved (the secret and the replaced one)", rep, err)
	}
	ids, err := db.SealedKeyIDs(ctx)
	if err != nil || len(ids) != 1 || ids[0] != v2.KeyID() {
		t.Fatalf("SealedKeyIDs after the rekey: got %v, %v, want only %s", ids, err, v2.KeyID())
	}

	v3, _ := vault.New(newMaster) // the old master key is gone
	h, body := deliverOne(t, gateway.New(db, acquirer.Sandbox{}, v3, nil, cfg), db, ctx, now, 1)
	for _, secret := range []string{rs.NotifySecret, nm.NotifySecret} {
		if err := notify.VerifyAt(secret, h, body, 0, now); err != nil {
			t.Errorf("VerifyAt after the rekey: %v", err)
		}
	}
}
