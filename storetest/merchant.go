package storetest

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"paygate"
)

func testMerchant(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"RoundTrip", testMerchantRoundTrip},
		{"Duplicate", testMerchantDuplicate},
		{"NotFound", testMerchantNotFound},
		{"Count", testMerchantCount},
		{"List", testMerchantList},
		{"Disable", testMerchantDisable},
		{"ReplaceSecret", testMerchantReplaceSecret},
		{"Limits", testMerchantLimits},
		{"ReplaceNotifySecret", testMerchantReplaceNotifySecret},
	})
}

func testMerchantRoundTrip(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	want := newMerchant("m_1")
	if err := s.CreateMerchant(ctx, want); err != nil {
		t.Fatalf("CreateMerchant: %v", err)
	}
	got, err := s.Merchant(ctx, "m_1")
	if err != nil {
		t.Fatalf("Merchant: %v", err)
	}
	checkMerchant(t, got, want)
	got, err = s.MerchantByAppID(ctx, want.AppID)
	if err != nil {
		t.Fatalf("MerchantByAppID: %v", err)
	}
	checkMerchant(t, got, want)
}

func testMerchantDuplicate(t *testing.T, open func(t *testing.T) paygate.Store) {
	for _, tc := range []struct {
		name string
		dup  func(m *paygate.Merchant)
	}{
		{"ID", func(m *paygate.Merchant) { m.AppID = "app_other" }},
		{"AppID", func(m *paygate.Merchant) { m.ID = "m_other" }},
		{"Both", func(m *paygate.Merchant) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, ctx := open(t), t.Context()
			first := newMerchant("m_1")
			if err := s.CreateMerchant(ctx, first); err != nil {
				t.Fatalf("CreateMerchant: %v", err)
			}
			dup := newMerchant("m_1")
			dup.Name = "Someone Else"
			tc.dup(dup)
			wantCode(t, s.CreateMerchant(ctx, dup), paygate.EConflict)
			got, err := s.Merchant(ctx, "m_1")
			if err != nil {
				t.Fatalf("Merchant: %v", err)
			}
			checkMerchant(t, got, first)
			if n := countMerchants(t, s); n != 1 {
				t.Errorf("CountMerchants: got %d, want 1", n)
			}
		})
	}
}

func testMerchantNotFound(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	if err := s.CreateMerchant(ctx, newMerchant("m_1")); err != nil {
		t.Fatalf("CreateMerchant: %v", err)
	}
	_, err := s.Merchant(ctx, "m_unknown")
	wantCode(t, err, paygate.ENotFound)
	_, err = s.MerchantByAppID(ctx, "app_unknown")
	wantCode(t, err, paygate.ENotFound)
	// An id is not an appId and the other way round.
	_, err = s.MerchantByAppID(ctx, "m_1")
	wantCode(t, err, paygate.ENotFound)
	_, err = s.Merchant(ctx, newMerchant("m_1").AppID)
	wantCode(t, err, paygate.ENotFound)
}

func testMerchantCount(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	if n := countMerchants(t, s); n != 0 {
		t.Errorf("CountMerchants on an empty store: got %d, want 0", n)
	}
	for i, id := range []string{"m_1", "m_2", "m_3"} {
		if err := s.CreateMerchant(ctx, newMerchant(id)); err != nil {
			t.Fatalf("CreateMerchant %s: %v", id, err)
		}
		if n := countMerchants(t, s); n != i+1 {
			t.Errorf("CountMerchants: got %d, want %d", n, i+1)
		}
	}
}

func testMerchantList(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	for _, id := range []string{"m_c", "m_a", "m_b"} {
		if err := s.CreateMerchant(ctx, newMerchant(id)); err != nil {
			t.Fatalf("CreateMerchant %s: %v", id, err)
		}
	}
	for _, tc := range []struct {
		name  string
		after string
		limit int
		want  []string
	}{
		{"All", "", 100, []string{"m_a", "m_b", "m_c"}},
		{"Limit", "", 2, []string{"m_a", "m_b"}},
		{"After", "m_a", 100, []string{"m_b", "m_c"}},
		{"AfterAbsent", "m_aa", 1, []string{"m_b"}},
		{"AfterLast", "m_c", 100, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListMerchants(ctx, tc.after, tc.limit)
			if err != nil {
				t.Fatalf("ListMerchants: %v", err)
			}
			var ids []string
			for _, m := range got {
				ids = append(ids, m.ID)
				checkMerchant(t, m, newMerchant(m.ID))
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("ListMerchants(%q, %d): got %v, want %v", tc.after, tc.limit, ids, tc.want)
			}
		})
	}
}

func testMerchantDisable(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	for _, id := range []string{"m_1", "m_2"} {
		if err := s.CreateMerchant(ctx, newMerchant(id)); err != nil {
			t.Fatalf("CreateMerchant %s: %v", id, err)
		}
	}
	when := at(time.Hour)
	if err := s.SetMerchantDisabled(ctx, "m_1", &when); err != nil {
		t.Fatalf("SetMerchantDisabled: %v", err)
	}
	want := newMerchant("m_1")
	want.DisabledAt = &when
	got, err := s.MerchantByAppID(ctx, want.AppID)
	if err != nil {
		t.Fatalf("MerchantByAppID: %v", err)
	}
	checkMerchant(t, got, want)
	list, err := s.ListMerchants(ctx, "", 10)
	if err != nil || len(list) != 2 {
		t.Fatalf("ListMerchants: got %d merchants, %v; want 2", len(list), err)
	}
	checkMerchant(t, list[0], want)
	checkMerchant(t, list[1], newMerchant("m_2")) // the other is untouched

	if err := s.SetMerchantDisabled(ctx, "m_1", nil); err != nil {
		t.Fatalf("SetMerchantDisabled nil: %v", err)
	}
	got, err = s.Merchant(ctx, "m_1")
	if err != nil {
		t.Fatalf("Merchant: %v", err)
	}
	checkMerchant(t, got, newMerchant("m_1"))
	wantCode(t, s.SetMerchantDisabled(ctx, "m_unknown", &when), paygate.ENotFound)
	wantCode(t, s.SetMerchantDisabled(ctx, "m\x00bad", &when), paygate.ENotFound)
}

func testMerchantReplaceSecret(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	for _, id := range []string{"m_1", "m_2"} {
		if err := s.CreateMerchant(ctx, newMerchant(id)); err != nil {
			t.Fatalf("CreateMerchant %s: %v", id, err)
		}
	}
	check := func(t *testing.T, want *paygate.Merchant) {
		t.Helper()
		got, err := s.MerchantByAppID(ctx, want.AppID)
		if err != nil {
			t.Fatalf("MerchantByAppID: %v", err)
		}
		checkMerchant(t, got, want)
	}
	want := newMerchant("m_1")
	until := at(24 * time.Hour)
	if err := s.ReplaceMerchantSecret(ctx, "m_1", want.SecretHash, "$argon2id$new1", &until); err != nil {
		t.Fatalf("ReplaceMerchantSecret: %v", err)
	}
	want.PrevSecretHash, want.SecretHash, want.PrevSecretUntil = want.SecretHash, "$argon2id$new1", &until
	check(t, want)
	check(t, newMerchant("m_2")) // the other is untouched

	// A second rotation from the same hash lost the race: nothing changes.
	wantCode(t, s.ReplaceMerchantSecret(ctx, "m_1", newMerchant("m_1").SecretHash, "$argon2id$late", &until), paygate.EConflict)
	check(t, want)

	// Without a grace, the replaced hash is not kept.
	if err := s.ReplaceMerchantSecret(ctx, "m_1", "$argon2id$new1", "$argon2id$new2", nil); err != nil {
		t.Fatalf("ReplaceMerchantSecret without grace: %v", err)
	}
	want.SecretHash, want.PrevSecretHash, want.PrevSecretUntil = "$argon2id$new2", "", nil
	check(t, want)
	wantCode(t, s.ReplaceMerchantSecret(ctx, "m_unknown", "$argon2id$new2", "x", nil), paygate.ENotFound)
}

func newMerchant(id string) *paygate.Merchant {
	return &paygate.Merchant{
		ID:                 id,
		Name:               "Merchant " + id,
		AppID:              "app_" + id,
		SecretHash:         "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA",
		NotifySecretSealed: []byte{0x00, 0x01, 0xfe, 0xff, 's', 'e', 'a', 'l', 'e', 'd'},
		KeyID:              "key_2026_01",
		CreatedAt:          at(-24 * time.Hour),
	}
}

func countMerchants(t *testing.T, s paygate.Store) int {
	t.Helper()
	n, err := s.CountMerchants(t.Context())
	if err != nil {
		t.Fatalf("CountMerchants: %v", err)
	}
	return n
}

func checkMerchant(t *testing.T, got, want *paygate.Merchant) {
	t.Helper()
	g, w := *got, *want
	if !bytes.Equal(g.NotifySecretSealed, w.NotifySecretSealed) {
		t.Errorf("Merchant %s NotifySecretSealed: got %x, want %x", w.ID, g.NotifySecretSealed, w.NotifySecretSealed)
	}
	if !bytes.Equal(g.PrevNotifySecretSealed, w.PrevNotifySecretSealed) {
		t.Errorf("Merchant %s PrevNotifySecretSealed: got %x, want %x", w.ID, g.PrevNotifySecretSealed, w.PrevNotifySecretSealed)
	}
	if !g.CreatedAt.Equal(w.CreatedAt) {
		t.Errorf("Merchant %s CreatedAt: got %v, want %v", w.ID, g.CreatedAt, w.CreatedAt)
	}
	for _, f := range []struct {
		name      string
		got, want *time.Time
	}{{"DisabledAt", g.DisabledAt, w.DisabledAt}, {"PrevSecretUntil", g.PrevSecretUntil, w.PrevSecretUntil},
		{"PrevNotifyUntil", g.PrevNotifyUntil, w.PrevNotifyUntil}} {
		if (f.got == nil) != (f.want == nil) || f.got != nil && !f.got.Equal(*f.want) {
			t.Errorf("Merchant %s %s: got %v, want %v", w.ID, f.name, f.got, f.want)
		}
	}
	g.NotifySecretSealed, w.NotifySecretSealed = nil, nil
	g.PrevNotifySecretSealed, w.PrevNotifySecretSealed = nil, nil
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	g.DisabledAt, w.DisabledAt = nil, nil
	g.PrevSecretUntil, w.PrevSecretUntil = nil, nil
	g.PrevNotifyUntil, w.PrevNotifyUntil = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("Merchant: got %+v, want %+v", g, w)
	}
}
