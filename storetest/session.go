package storetest

import (
	"reflect"
	"testing"
	"time"

	"paygate"
)

func newSession(merchantID, id, tradeNo string, expires time.Time) *paygate.Session {
	return &paygate.Session{SessionID: id, MerchantID: merchantID, TradeNo: tradeNo, OrderNo: "order-" + tradeNo,
		Status: paygate.SessionOpen, Version: 1, LinkMode: "session", FrontURL: "https://shop.example/back",
		CheckoutURL: "https://pay.example/checkout/" + id, ExpiresAt: expires, CreatedAt: t0, UpdatedAt: t0}
}

func checkSession(t *testing.T, got, want *paygate.Session) {
	t.Helper()
	g, w := *got, *want
	if !g.ExpiresAt.Equal(w.ExpiresAt) || !g.CreatedAt.Equal(w.CreatedAt) || !g.UpdatedAt.Equal(w.UpdatedAt) {
		t.Errorf("session times: got %v/%v/%v, want %v/%v/%v", g.ExpiresAt, g.CreatedAt, g.UpdatedAt, w.ExpiresAt, w.CreatedAt, w.UpdatedAt)
	}
	g.ExpiresAt, g.CreatedAt, g.UpdatedAt = w.ExpiresAt, w.CreatedAt, w.UpdatedAt
	if !reflect.DeepEqual(g, w) {
		t.Errorf("session: got %+v, want %+v", g, w)
	}
}

func testSession(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"RoundTripWithPayment", testSessionRoundTripWithPayment},
		{"Isolation", testSessionIsolation},
		{"DuplicateAndAtomic", testSessionDuplicateAndAtomic},
		{"CompareAndSet", testSessionCompareAndSet},
		{"DueSessions", testSessionDueSessions},
	})
}

func testSessionRoundTripWithPayment(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	p := newPayment("m_1", "T1", "order-T1")
	sess := newSession("m_1", "cs_1", "T1", at(time.Hour))
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Sessions: []*paygate.Session{sess}})
	for name, get := range map[string]func() (*paygate.Session, error){
		"Session":          func() (*paygate.Session, error) { return s.Session(ctx, "m_1", "cs_1") },
		"SessionByID":      func() (*paygate.Session, error) { return s.SessionByID(ctx, "cs_1") },
		"SessionByTradeNo": func() (*paygate.Session, error) { return s.SessionByTradeNo(ctx, "m_1", "T1") },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkSession(t, got, sess)
	}
}

func testSessionIsolation(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	mustApply(t, s, paygate.Change{Sessions: []*paygate.Session{newSession("m_1", "cs_1", "T1", at(time.Hour))}})
	_, err := s.Session(ctx, "m_2", "cs_1")
	wantCode(t, err, paygate.ENotFound)
	_, err = s.SessionByTradeNo(ctx, "m_2", "T1")
	wantCode(t, err, paygate.ENotFound)
	_, err = s.SessionByID(ctx, "cs_nope")
	wantCode(t, err, paygate.ENotFound)
	u := newSession("m_2", "cs_1", "T1", at(time.Hour))
	u.Version = 2
	wantCode(t, s.Apply(ctx, paygate.Change{Sessions: []*paygate.Session{u}}), paygate.EConflict)
}

func testSessionDuplicateAndAtomic(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	mustApply(t, s, paygate.Change{Sessions: []*paygate.Session{newSession("m_1", "cs_1", "T1", at(time.Hour))}})
	err := s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{newPayment("m_1", "T2", "order-T2")},
		Sessions: []*paygate.Session{newSession("m_1", "cs_1", "T2", at(time.Hour))}})
	wantCode(t, err, paygate.EConflict)
	_, err = s.Payment(ctx, "m_1", "T2")
	wantCode(t, err, paygate.ENotFound)
}

func testSessionCompareAndSet(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	mustApply(t, s, paygate.Change{Sessions: []*paygate.Session{newSession("m_1", "cs_1", "T1", at(time.Hour))}})
	u := newSession("m_1", "cs_1", "T1", at(time.Hour))
	u.Status, u.Version, u.UpdatedAt = paygate.SessionComplete, 2, at(time.Minute)
	mustApply(t, s, paygate.Change{Sessions: []*paygate.Session{u}})
	got, err := s.Session(ctx, "m_1", "cs_1")
	if err != nil {
		t.Fatal(err)
	}
	checkSession(t, got, u)
	stale := *u
	stale.Status = paygate.SessionExpired
	wantCode(t, s.Apply(ctx, paygate.Change{Sessions: []*paygate.Session{&stale}}), paygate.EConflict)
}

func testSessionDueSessions(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	late := newSession("m_1", "cs_late", "T1", at(3*time.Hour))
	due1 := newSession("m_2", "cs_due1", "T2", at(time.Hour))
	due2 := newSession("m_1", "cs_due2", "T3", at(2*time.Hour))
	done := newSession("m_1", "cs_done", "T4", at(time.Hour))
	done.Status = paygate.SessionComplete
	mustApply(t, s, paygate.Change{Sessions: []*paygate.Session{late, due2, due1, done}})
	got, err := s.DueSessions(ctx, at(2*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, x := range got {
		ids = append(ids, x.SessionID)
	}
	if want := []string{"cs_due1", "cs_due2"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("DueSessions: got %v, want %v (OPEN, due at or before now, oldest first)", ids, want)
	}
	if got, _ := s.DueSessions(ctx, at(2*time.Hour), 1); len(got) != 1 {
		t.Errorf("DueSessions limit 1: got %d, want 1", len(got))
	}
}
