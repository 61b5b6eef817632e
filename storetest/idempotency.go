package storetest

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"paygate"
)

func testIdempotency(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"RoundTrip", testIdempotencyRoundTrip},
		{"Duplicate", testIdempotencyDuplicate},
		{"CompareAndSet", testIdempotencyCompareAndSet},
		{"DeleteExpired", testIdempotencyDeleteExpired},
	})
}

func testIdempotencyRoundTrip(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	want := newIdempotency("m_a", "k1", at(24*time.Hour))
	mustApply(t, s, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{want}})
	got, err := s.Idempotency(ctx, "m_a", "k1")
	if err != nil {
		t.Fatalf("Idempotency: %v", err)
	}
	checkIdempotency(t, got, want)
	_, err = s.Idempotency(ctx, "m_a", "k_unknown")
	wantCode(t, err, paygate.ENotFound)
}

func testIdempotencyDuplicate(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	first := newIdempotency("m_a", "k1", at(24*time.Hour))
	mustApply(t, s, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{first}})
	dup := newIdempotency("m_a", "k1", at(48*time.Hour))
	dup.Op, dup.RequestHash = "cancel", "other-hash"
	wantCode(t, s.Apply(ctx, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{dup}}), paygate.EConflict)
	got, err := s.Idempotency(ctx, "m_a", "k1")
	if err != nil {
		t.Fatalf("Idempotency: %v", err)
	}
	checkIdempotency(t, got, first)

	// Keys are per merchant.
	other := newIdempotency("m_b", "k1", at(24*time.Hour))
	mustApply(t, s, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{other}})
	got, err = s.Idempotency(ctx, "m_b", "k1")
	if err != nil {
		t.Fatalf("Idempotency: %v", err)
	}
	checkIdempotency(t, got, other)
}

func testIdempotencyCompareAndSet(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	rec := newIdempotency("m_a", "k1", at(24*time.Hour))
	mustApply(t, s, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{rec}})

	// Done with an error answer.
	v2 := *rec
	v2.Version = 2
	v2.Done, v2.IsError = true, true
	v2.Result = []byte(`{"Code":"invalid_state","Message":"payment T1 is CANCELLED"}`)
	v2.UpdatedAt = at(time.Second)
	mustApply(t, s, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{&v2}})
	got, err := s.Idempotency(ctx, "m_a", "k1")
	if err != nil {
		t.Fatalf("Idempotency: %v", err)
	}
	checkIdempotency(t, got, &v2)

	// Stale: version 2 again.
	stale := *rec
	stale.Version = 2
	stale.Done = true
	stale.Result = []byte(`{"TradeNo":"T_stale"}`)
	wantCode(t, s.Apply(ctx, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{&stale}}), paygate.EConflict)
	got, err = s.Idempotency(ctx, "m_a", "k1")
	if err != nil {
		t.Fatalf("Idempotency: %v", err)
	}
	checkIdempotency(t, got, &v2)

	// Taken over after expiry: every field replaced, a zero UpdatedAt kept
	// (the gateway writes one to mark an answer not worth keeping).
	v3 := paygate.IdempotencyRecord{MerchantID: "m_a", Key: "k1", Op: "refund", RequestHash: "hash-3",
		Version: 3, CreatedAt: at(25 * time.Hour), ExpiresAt: at(49 * time.Hour)}
	mustApply(t, s, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{&v3}})
	got, err = s.Idempotency(ctx, "m_a", "k1")
	if err != nil {
		t.Fatalf("Idempotency: %v", err)
	}
	checkIdempotency(t, got, &v3)
	if !got.UpdatedAt.IsZero() {
		t.Errorf("UpdatedAt: got %v, want the zero time", got.UpdatedAt)
	}

	// Done with a successful answer.
	v4 := v3
	v4.Version = 4
	v4.Done, v4.IsError = true, false
	v4.Result = []byte(`{"TradeNo":"T1","Status":"SUCCEEDED"}`)
	v4.UpdatedAt = at(25*time.Hour + time.Second)
	mustApply(t, s, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{&v4}})
	got, err = s.Idempotency(ctx, "m_a", "k1")
	if err != nil {
		t.Fatalf("Idempotency: %v", err)
	}
	checkIdempotency(t, got, &v4)
}

func testIdempotencyDeleteExpired(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	now := at(24 * time.Hour)
	recs := []*paygate.IdempotencyRecord{
		newIdempotency("m_a", "old", at(time.Hour)),
		newIdempotency("m_b", "old", now.Add(-time.Millisecond)),
		newIdempotency("m_a", "at_now", now), // expired: a record is valid before ExpiresAt only
		newIdempotency("m_a", "live", now.Add(time.Millisecond)),
		newIdempotency("m_b", "live", at(48*time.Hour)),
	}
	mustApply(t, s, paygate.Change{Idempotency: recs})
	n, err := s.DeleteExpiredIdempotency(ctx, now)
	if err != nil {
		t.Fatalf("DeleteExpiredIdempotency: %v", err)
	}
	if n != 3 {
		t.Errorf("DeleteExpiredIdempotency: got %d, want 3", n)
	}
	for _, k := range recs {
		_, err := s.Idempotency(ctx, k.MerchantID, k.Key)
		if k.ExpiresAt.After(now) {
			if err != nil {
				t.Errorf("Idempotency %s/%s: got %v, want it kept", k.MerchantID, k.Key, err)
			}
		} else {
			wantCode(t, err, paygate.ENotFound)
		}
	}
	n, err = s.DeleteExpiredIdempotency(ctx, now)
	if err != nil {
		t.Fatalf("DeleteExpiredIdempotency: %v", err)
	}
	if n != 0 {
		t.Errorf("DeleteExpiredIdempotency again: got %d, want 0", n)
	}
}

// newIdempotency returns an unfinished idempotency record (Version 1).
func newIdempotency(merchantID, key string, expires time.Time) *paygate.IdempotencyRecord {
	return &paygate.IdempotencyRecord{
		MerchantID:  merchantID,
		Key:         key,
		Op:          "capture",
		RequestHash: "hash-" + key,
		Version:     1,
		CreatedAt:   expires.Add(-24 * time.Hour),
		UpdatedAt:   expires.Add(-24*time.Hour + time.Millisecond),
		ExpiresAt:   expires,
	}
}

func checkIdempotency(t *testing.T, got, want *paygate.IdempotencyRecord) {
	t.Helper()
	g, w := *got, *want
	if !bytes.Equal(g.Result, w.Result) {
		t.Errorf("Idempotency %s Result: got %q, want %q", w.Key, g.Result, w.Result)
	}
	g.Result, w.Result = nil, nil
	for _, tm := range []*time.Time{&g.CreatedAt, &g.UpdatedAt, &g.ExpiresAt, &w.CreatedAt, &w.UpdatedAt, &w.ExpiresAt} {
		*tm = normTime(*tm)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("Idempotency:\ngot  %+v\nwant %+v", g, w)
	}
}
