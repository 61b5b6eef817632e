package gateway_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/sqlite"
	"paygate/vault"
)

// twoNodes is two gateways over one store and one master key, on one clock
// the test moves through the returned pointer.
func twoNodes(t *testing.T) (a, b *gateway.Service, now *time.Time) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key := vault.NewKey()
	clock := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	node := func() *gateway.Service {
		v, err := vault.New(key)
		if err != nil {
			t.Fatal(err)
		}
		return gateway.New(db, acquirer.Sandbox{}, v, nil, gateway.Config{Now: func() time.Time { return clock }})
	}
	return node(), node(), &clock
}

func wantAuth(t *testing.T, gw *gateway.Service, tok, wantID string) {
	t.Helper()
	id, err := gw.Merchants.Authenticate(t.Context(), tok)
	if wantID == "" {
		if paygate.ErrorCode(err) != paygate.EUnauthorized {
			t.Errorf("Authenticate: got %q, %v; want unauthorized", id, err)
		}
		return
	}
	if err != nil || id != wantID {
		t.Errorf("Authenticate: got %q, %v; want %q", id, err, wantID)
	}
}

// TestDisableMerchant: a disabled merchant gets no token (the answer to a
// wrong secret) and its tokens stop working, on the node that disabled it
// at once and on the others within a second; enabling it undoes both.
func TestDisableMerchant(t *testing.T) {
	a, b, now := twoNodes(t)
	ctx := t.Context()
	nm, err := a.Merchants.CreateMerchant(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.Merchants.CreateMerchant(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	id := nm.Merchant.ID
	tok, _, err := a.Merchants.IssueToken(ctx, nm.Merchant.AppID, nm.Secret, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	otherTok, _, err := a.Merchants.IssueToken(ctx, other.Merchant.AppID, other.Secret, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	wantAuth(t, a, tok, id)
	wantAuth(t, b, tok, id) // b has read the merchant: enabled

	info, err := a.Merchants.SetDisabled(ctx, id, true)
	if err != nil || info.DisabledAt == nil || !info.DisabledAt.Equal(*now) {
		t.Fatalf("SetDisabled: got %+v, %v; want disabled at %v", info, err, *now)
	}
	wantAuth(t, a, tok, "")
	*now = now.Add(999 * time.Millisecond)
	wantAuth(t, b, tok, id) // b trusts its read for up to a second
	*now = now.Add(time.Millisecond)
	wantAuth(t, b, tok, "")
	wantAuth(t, b, otherTok, other.Merchant.ID)

	_, _, err = b.Merchants.IssueToken(ctx, nm.Merchant.AppID, nm.Secret, "192.0.2.1")
	wrong := func() error {
		_, _, err := b.Merchants.IssueToken(ctx, nm.Merchant.AppID, "wrong-"+nm.Secret, "192.0.2.9")
		return err
	}()
	if paygate.ErrorCode(err) != paygate.EUnauthorized || paygate.ErrorMessage(err) != paygate.ErrorMessage(wrong) {
		t.Errorf("IssueToken of a disabled merchant: got %v, want the answer to a wrong secret, %v", err, wrong)
	}
	if again, err := a.Merchants.SetDisabled(ctx, id, true); err != nil || !again.DisabledAt.Equal(*info.DisabledAt) {
		t.Errorf("SetDisabled again: got %+v, %v; want the first time kept", again, err)
	}

	if _, err := b.Merchants.SetDisabled(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	wantAuth(t, b, tok, id)
	*now = now.Add(time.Second)
	wantAuth(t, a, tok, id)
	if _, _, err := a.Merchants.IssueToken(ctx, nm.Merchant.AppID, nm.Secret, "192.0.2.2"); err != nil {
		t.Errorf("IssueToken after enabling: %v", err)
	}
	if _, err := a.Merchants.SetDisabled(ctx, "M_unknown", true); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("SetDisabled of an unknown merchant: got %v, want not_found", err)
	}
}

// TestAuthenticateReadsOncePerSecond: a busy merchant costs one store read
// a second per node, however many requests it makes.
func TestAuthenticateReadsOncePerSecond(t *testing.T) {
	gw, store, _, now := newTestGateway(t, acquirer.Sandbox{}, acquirer.Sandbox{}, func(s paygate.Store) paygate.Store { return &countingStore{Store: s} })
	cs := store.(*countingStore)
	nm, err := gw.Merchants.CreateMerchant(t.Context(), "busy")
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := gw.Merchants.IssueToken(t.Context(), nm.Merchant.AppID, nm.Secret, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	for sec := range 3 {
		for range 100 {
			wantAuth(t, gw, tok, nm.Merchant.ID)
			*now = now.Add(5 * time.Millisecond)
		}
		if got := cs.reads.Load(); got != int64(sec+1) {
			t.Errorf("after %d s: got %d reads, want %d", sec+1, got, sec+1)
		}
		*now = now.Add(500 * time.Millisecond)
	}
}

// countingStore counts the reads of a merchant by id.
type countingStore struct {
	paygate.Store
	reads atomic.Int64
}

func (s *countingStore) Merchant(ctx context.Context, id string) (*paygate.Merchant, error) {
	s.reads.Add(1)
	return s.Store.Merchant(ctx, id)
}
