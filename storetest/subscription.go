package storetest

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"paygate"
)

func testSubscription(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"RoundTrip", testSubscriptionRoundTrip},
		{"NotFound", testSubscriptionNotFound},
		{"ListOldestFirst", testSubscriptionListOldestFirst},
		{"ListSeesChanges", testSubscriptionListSeesChanges},
		{"Delete", testSubscriptionDelete},
		{"Isolation", testSubscriptionIsolation},
		{"Duplicate", testSubscriptionDuplicate},
	})
}

func testSubscriptionRoundTrip(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	want := newSubscription("m_a", "sub_1", at(time.Minute+123*time.Millisecond))
	if err := s.CreateSubscription(ctx, want); err != nil {
		t.Fatalf("CreateSubscription: %v", err)
	}
	checkSubscription(t, mustSubscription(t, s, "m_a", "sub_1"), want)
	got := mustSubscriptions(t, s, "m_a")
	if len(got) != 1 {
		t.Fatalf("Subscriptions: got %v, want [sub_1]", subscriptionIDs(got))
	}
	checkSubscription(t, got[0], want)
}

func testSubscriptionNotFound(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	if err := s.CreateSubscription(ctx, newSubscription("m_a", "sub_1", at(0))); err != nil {
		t.Fatalf("CreateSubscription: %v", err)
	}
	_, err := s.Subscription(ctx, "m_a", "sub_unknown")
	wantCode(t, err, paygate.ENotFound)
	wantCode(t, s.DeleteSubscription(ctx, "m_a", "sub_unknown"), paygate.ENotFound)
	if subs := mustSubscriptions(t, s, "m_unknown"); len(subs) != 0 {
		t.Errorf("Subscriptions of an unknown merchant: got %v, want none", subscriptionIDs(subs))
	}
}

func testSubscriptionListOldestFirst(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	s1 := newSubscription("m_a", "sub_c", at(1*time.Minute))
	s2 := newSubscription("m_a", "sub_a", at(2*time.Minute))
	s3 := newSubscription("m_a", "sub_b", at(3*time.Minute))
	sb := newSubscription("m_b", "sub_d", at(90*time.Second))
	// Created neither in time nor in id order.
	for _, sub := range []*paygate.Subscription{s3, sb, s1, s2} {
		if err := s.CreateSubscription(ctx, sub); err != nil {
			t.Fatalf("CreateSubscription %s: %v", sub.ID, err)
		}
	}
	got := mustSubscriptions(t, s, "m_a")
	want := []*paygate.Subscription{s1, s2, s3}
	if len(got) != len(want) {
		t.Fatalf("Subscriptions: got %v, want [sub_c sub_a sub_b]", subscriptionIDs(got))
	}
	for i := range want {
		checkSubscription(t, got[i], want[i])
	}
	if got := mustSubscriptions(t, s, "m_b"); len(got) != 1 || got[0].ID != "sub_d" {
		t.Errorf("Subscriptions of m_b: got %v, want [sub_d]", subscriptionIDs(got))
	}
}

func testSubscriptionListSeesChanges(t *testing.T, open func(t *testing.T) paygate.Store) {
	// A store may keep lists between calls; each one must still show
	// every create and delete before it, and not what a caller did to
	// an earlier answer.
	s, ctx := open(t), t.Context()
	if subs := mustSubscriptions(t, s, "m_a"); len(subs) != 0 {
		t.Fatalf("Subscriptions before any: got %v, want none", subscriptionIDs(subs))
	}
	s1 := newSubscription("m_a", "sub_1", at(1*time.Minute))
	if err := s.CreateSubscription(ctx, s1); err != nil {
		t.Fatalf("CreateSubscription: %v", err)
	}
	got := mustSubscriptions(t, s, "m_a")
	if len(got) != 1 {
		t.Fatalf("Subscriptions after a create: got %v, want [sub_1]", subscriptionIDs(got))
	}
	got[0].URL = "https://changed.example/"
	if got := mustSubscriptions(t, s, "m_a"); len(got) != 1 || got[0].URL != s1.URL {
		t.Fatalf("Subscriptions after a caller changed an answer: got %+v, want sub_1 unchanged", got)
	}
	if err := s.CreateSubscription(ctx, newSubscription("m_a", "sub_2", at(2*time.Minute))); err != nil {
		t.Fatalf("CreateSubscription: %v", err)
	}
	if got := mustSubscriptions(t, s, "m_a"); len(got) != 2 {
		t.Fatalf("Subscriptions after a second create: got %v, want [sub_1 sub_2]", subscriptionIDs(got))
	}
	if err := s.DeleteSubscription(ctx, "m_a", "sub_1"); err != nil {
		t.Fatalf("DeleteSubscription: %v", err)
	}
	if got := mustSubscriptions(t, s, "m_a"); len(got) != 1 || got[0].ID != "sub_2" {
		t.Fatalf("Subscriptions after a delete: got %v, want [sub_2]", subscriptionIDs(got))
	}
}

func testSubscriptionDelete(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	s1 := newSubscription("m_a", "sub_1", at(1*time.Minute))
	s2 := newSubscription("m_a", "sub_2", at(2*time.Minute))
	for _, sub := range []*paygate.Subscription{s1, s2} {
		if err := s.CreateSubscription(ctx, sub); err != nil {
			t.Fatalf("CreateSubscription %s: %v", sub.ID, err)
		}
	}
	if err := s.DeleteSubscription(ctx, "m_a", "sub_1"); err != nil {
		t.Fatalf("DeleteSubscription: %v", err)
	}
	_, err := s.Subscription(ctx, "m_a", "sub_1")
	wantCode(t, err, paygate.ENotFound)
	got := mustSubscriptions(t, s, "m_a")
	if len(got) != 1 {
		t.Fatalf("Subscriptions after delete: got %v, want [sub_2]", subscriptionIDs(got))
	}
	checkSubscription(t, got[0], s2)
	// Deleting again finds nothing.
	wantCode(t, s.DeleteSubscription(ctx, "m_a", "sub_1"), paygate.ENotFound)
	checkSubscription(t, mustSubscription(t, s, "m_a", "sub_2"), s2)
}

func testSubscriptionIsolation(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	want := newSubscription("m_a", "sub_1", at(0))
	if err := s.CreateSubscription(ctx, want); err != nil {
		t.Fatalf("CreateSubscription: %v", err)
	}
	_, err := s.Subscription(ctx, "m_b", "sub_1")
	wantCode(t, err, paygate.ENotFound)
	if subs := mustSubscriptions(t, s, "m_b"); len(subs) != 0 {
		t.Errorf("Subscriptions of m_b: got %v, want none", subscriptionIDs(subs))
	}
	wantCode(t, s.DeleteSubscription(ctx, "m_b", "sub_1"), paygate.ENotFound)
	_, err = s.Subscription(ctx, "", "sub_1")
	wantCode(t, err, paygate.ENotFound)
	// Still there for its merchant.
	checkSubscription(t, mustSubscription(t, s, "m_a", "sub_1"), want)
}

func testSubscriptionDuplicate(t *testing.T, open func(t *testing.T) paygate.Store) {
	for _, tc := range []struct {
		name       string
		merchantID string
	}{
		{"SameMerchant", "m_a"},
		{"OtherMerchant", "m_b"}, // a subscription id is the gateway's, unique overall
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, ctx := open(t), t.Context()
			first := newSubscription("m_a", "sub_1", at(0))
			if err := s.CreateSubscription(ctx, first); err != nil {
				t.Fatalf("CreateSubscription: %v", err)
			}
			dup := newSubscription(tc.merchantID, "sub_1", at(time.Minute))
			dup.URL = "https://evil.example/hook"
			dup.SecretSealed = []byte("other")
			wantCode(t, s.CreateSubscription(ctx, dup), paygate.EConflict)
			checkSubscription(t, mustSubscription(t, s, "m_a", "sub_1"), first)
			if subs := mustSubscriptions(t, s, "m_a"); len(subs) != 1 {
				t.Errorf("Subscriptions of m_a: got %v, want [sub_1]", subscriptionIDs(subs))
			}
			if tc.merchantID != "m_a" {
				if subs := mustSubscriptions(t, s, tc.merchantID); len(subs) != 0 {
					t.Errorf("Subscriptions of %s: got %v, want none", tc.merchantID, subscriptionIDs(subs))
				}
			}
		})
	}
}

// newSubscription returns a subscription with every field set.
func newSubscription(merchantID, id string, created time.Time) *paygate.Subscription {
	return &paygate.Subscription{
		ID:           id,
		MerchantID:   merchantID,
		URL:          "https://shop.example/hooks/" + id + "?v=1&x=ü",
		APIVersion:   paygate.APIVersion,
		SignMethod:   "HMAC-SHA256",
		SecretSealed: []byte{0x00, 0xff, 0x10, 0x80, 's', 'e', 'a', 'l', 0x00, byte(len(id))},
		KeyID:        "key_2026_01",
		CreatedAt:    created,
	}
}

func mustSubscription(t *testing.T, s paygate.Store, merchantID, id string) *paygate.Subscription {
	t.Helper()
	sub, err := s.Subscription(t.Context(), merchantID, id)
	if err != nil {
		t.Fatalf("Subscription %s: %v", id, err)
	}
	return sub
}

func mustSubscriptions(t *testing.T, s paygate.Store, merchantID string) []*paygate.Subscription {
	t.Helper()
	subs, err := s.Subscriptions(t.Context(), merchantID)
	if err != nil {
		t.Fatalf("Subscriptions %s: %v", merchantID, err)
	}
	return subs
}

func checkSubscription(t *testing.T, got, want *paygate.Subscription) {
	t.Helper()
	g, w := *got, *want
	if !bytes.Equal(g.SecretSealed, w.SecretSealed) {
		t.Errorf("Subscription %s SecretSealed: got %x, want %x", w.ID, g.SecretSealed, w.SecretSealed)
	}
	g.SecretSealed, w.SecretSealed = nil, nil
	g.CreatedAt, w.CreatedAt = normTime(g.CreatedAt), normTime(w.CreatedAt)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("Subscription %s:\ngot  %+v\nwant %+v", w.ID, g, w)
	}
}

func subscriptionIDs(subs []*paygate.Subscription) []string {
	var ids []string
	for _, s := range subs {
		ids = append(ids, s.ID)
	}
	return ids
}
