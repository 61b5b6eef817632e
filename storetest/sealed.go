package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"paygate"
)

// sealedSecrets returns a store holding three merchants and four
// subscriptions, created neither in id order, each with its own sealed bytes
// and key id.
func sealedSecrets(t *testing.T, open func(t *testing.T) paygate.Store) paygate.Store {
	t.Helper()
	s, ctx := open(t), t.Context()
	for i, id := range []string{"m_c", "m_a", "m_b"} {
		m := newMerchant(id)
		m.NotifySecretSealed = append(m.NotifySecretSealed, id...)
		m.KeyID = fmt.Sprintf("key_m_%d", i)
		if err := s.CreateMerchant(ctx, m); err != nil {
			t.Fatalf("CreateMerchant %s: %v", id, err)
		}
	}
	for i, sub := range []*paygate.Subscription{
		newSubscription("m_a", "sub_d", at(1*time.Minute)),
		newSubscription("m_b", "sub_b", at(2*time.Minute)),
		newSubscription("m_a", "sub_a", at(3*time.Minute)),
		newSubscription("m_c", "sub_c", at(4*time.Minute)),
	} {
		sub.KeyID = fmt.Sprintf("key_s_%d", i)
		if err := s.CreateSubscription(ctx, sub); err != nil {
			t.Fatalf("CreateSubscription %s: %v", sub.ID, err)
		}
	}
	return s
}

// wantSealed reads the secrets of kind with ids from the objects themselves.
func wantSealed(t *testing.T, s paygate.Store, kind string, ids ...string) []paygate.SealedSecret {
	t.Helper()
	var out []paygate.SealedSecret
	for _, id := range ids {
		x := paygate.SealedSecret{Kind: kind, ID: id}
		switch kind {
		case "merchant":
			m, err := s.Merchant(t.Context(), id)
			if err != nil {
				t.Fatalf("Merchant %s: %v", id, err)
			}
			x.Sealed, x.KeyID = m.NotifySecretSealed, m.KeyID
		case "subscription":
			sub := mustSubscription(t, s, subscriptionMerchant[id], id)
			x.Sealed, x.KeyID = sub.SecretSealed, sub.KeyID
		}
		out = append(out, x)
	}
	return out
}

func testSealedSecrets(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := sealedSecrets(t, open) // only read by the cases of the table
	for _, tc := range []struct {
		name  string
		kind  string
		after string
		limit int
		want  []string
	}{
		{"MerchantAll", "merchant", "", 100, []string{"m_a", "m_b", "m_c"}},
		{"MerchantLimit", "merchant", "", 2, []string{"m_a", "m_b"}},
		{"MerchantAfter", "merchant", "m_a", 100, []string{"m_b", "m_c"}},
		{"MerchantAfterAbsent", "merchant", "m_aa", 1, []string{"m_b"}},
		{"MerchantAfterLast", "merchant", "m_c", 100, nil},
		{"SubscriptionAll", "subscription", "", 100, []string{"sub_a", "sub_b", "sub_c", "sub_d"}},
		{"SubscriptionLimit", "subscription", "", 3, []string{"sub_a", "sub_b", "sub_c"}},
		{"SubscriptionAfter", "subscription", "sub_b", 1, []string{"sub_c"}},
		{"SubscriptionAfterLast", "subscription", "sub_d", 100, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.SealedSecretsAfter(t.Context(), tc.kind, tc.after, tc.limit)
			if err != nil {
				t.Fatalf("SealedSecretsAfter: %v", err)
			}
			checkSealedSecrets(t, got, wantSealed(t, s, tc.kind, tc.want...))
		})
	}

	parallel(t, open, []subtest{
		{"Pages", testSealedSecretsPages},
		{"Empty", testSealedSecretsEmpty},
		{"UnknownKind", testSealedSecretsUnknownKind},
	})
}

func testSealedSecretsPages(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := sealedSecrets(t, open)
	for kind, ids := range map[string][]string{
		"merchant":     {"m_a", "m_b", "m_c"},
		"subscription": {"sub_a", "sub_b", "sub_c", "sub_d"},
	} {
		var seen []paygate.SealedSecret
		for after, pages := "", 0; ; pages++ {
			if pages > len(ids) {
				t.Fatalf("SealedSecretsAfter %s: more than %d pages", kind, len(ids))
			}
			page, err := s.SealedSecretsAfter(t.Context(), kind, after, 2)
			if err != nil {
				t.Fatalf("SealedSecretsAfter %s: %v", kind, err)
			}
			if len(page) > 2 {
				t.Fatalf("SealedSecretsAfter(%s, %q, 2): got %d, want at most 2", kind, after, len(page))
			}
			if len(page) == 0 {
				break
			}
			seen = append(seen, page...)
			after = page[len(page)-1].ID
		}
		checkSealedSecrets(t, seen, wantSealed(t, s, kind, ids...))
	}
}

func testSealedSecretsEmpty(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	for _, kind := range []string{"merchant", "subscription"} {
		got, err := s.SealedSecretsAfter(t.Context(), kind, "", 100)
		if err != nil {
			t.Fatalf("SealedSecretsAfter %s: %v", kind, err)
		}
		if len(got) != 0 {
			t.Errorf("SealedSecretsAfter %s on an empty store: got %d, want none", kind, len(got))
		}
	}
}

func testSealedSecretsUnknownKind(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := sealedSecrets(t, open)
	for _, kind := range []string{"stored_card", "", "Merchant", "merchants"} {
		got, err := s.SealedSecretsAfter(t.Context(), kind, "", 100)
		if err == nil {
			t.Errorf("SealedSecretsAfter(%q): got %d secrets and no error, want an error", kind, len(got))
		}
	}
}

// subscriptionMerchant names the merchant of each subscription of
// testSealedSecrets and testResealSecret.
var subscriptionMerchant = map[string]string{"sub_a": "m_a", "sub_b": "m_b", "sub_c": "m_c", "sub_d": "m_a"}

// resealed returns a store holding two merchants and two subscriptions,
// and them by id.
func resealed(t *testing.T, open func(t *testing.T) paygate.Store) (paygate.Store, map[string]*paygate.Merchant, map[string]*paygate.Subscription) {
	t.Helper()
	s, ctx := open(t), t.Context()
	ms := map[string]*paygate.Merchant{}
	for _, id := range []string{"m_a", "m_b"} {
		m := newMerchant(id)
		m.NotifySecretSealed = append(m.NotifySecretSealed, id...)
		if err := s.CreateMerchant(ctx, m); err != nil {
			t.Fatalf("CreateMerchant %s: %v", id, err)
		}
		ms[id] = m
	}
	subs := map[string]*paygate.Subscription{}
	for _, id := range []string{"sub_a", "sub_d"} {
		sub := newSubscription(subscriptionMerchant[id], id, at(time.Minute))
		if err := s.CreateSubscription(ctx, sub); err != nil {
			t.Fatalf("CreateSubscription %s: %v", id, err)
		}
		subs[id] = sub
	}
	return s, ms, subs
}

// checkSecrets checks that every merchant and subscription reads as in ms and subs.
func checkSecrets(t *testing.T, s paygate.Store, ms map[string]*paygate.Merchant, subs map[string]*paygate.Subscription) {
	t.Helper()
	for id, want := range ms {
		got, err := s.Merchant(t.Context(), id)
		if err != nil {
			t.Fatalf("Merchant %s: %v", id, err)
		}
		checkMerchant(t, got, want)
	}
	for id, want := range subs {
		checkSubscription(t, mustSubscription(t, s, want.MerchantID, id), want)
	}
}

// newSealed is what the reseal tests seal anew.
var newSealed = []byte{0x01, 0x00, 0xfe, 'n', 'e', 'w', 0x00}

func testResealSecret(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"Merchant", testResealSecretMerchant},
		{"Subscription", testResealSecretSubscription},
		{"KeyChanged", testResealSecretKeyChanged},
		{"UnknownID", testResealSecretUnknownID},
	})
}

func testResealSecretMerchant(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ms, subs := resealed(t, open)
	x := paygate.SealedSecret{Kind: "merchant", ID: "m_a", Sealed: newSealed, KeyID: "key_2026_02"}
	if err := s.ResealSecret(t.Context(), x, "key_2026_01"); err != nil {
		t.Fatalf("ResealSecret: %v", err)
	}
	m := *ms["m_a"]
	m.NotifySecretSealed, m.KeyID = newSealed, "key_2026_02"
	ms["m_a"] = &m
	checkSecrets(t, s, ms, subs)

	// The same reseal again finds the new key id: conflict, no change.
	x.Sealed = []byte("third")
	x.KeyID = "key_2026_03"
	wantCode(t, s.ResealSecret(t.Context(), x, "key_2026_01"), paygate.EConflict)
	checkSecrets(t, s, ms, subs)
}

func testResealSecretSubscription(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ms, subs := resealed(t, open)
	x := paygate.SealedSecret{Kind: "subscription", ID: "sub_d", Sealed: newSealed, KeyID: "key_2026_02"}
	if err := s.ResealSecret(t.Context(), x, "key_2026_01"); err != nil {
		t.Fatalf("ResealSecret: %v", err)
	}
	sub := *subs["sub_d"]
	sub.SecretSealed, sub.KeyID = newSealed, "key_2026_02"
	subs["sub_d"] = &sub
	checkSecrets(t, s, ms, subs)
	got, err := s.SealedSecretsAfter(t.Context(), "subscription", "sub_a", 1)
	if err != nil {
		t.Fatalf("SealedSecretsAfter: %v", err)
	}
	checkSealedSecrets(t, got, []paygate.SealedSecret{x})
}

func testResealSecretKeyChanged(t *testing.T, open func(t *testing.T) paygate.Store) {
	for _, kind := range []string{"merchant", "subscription"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			s, ms, subs := resealed(t, open)
			id := map[string]string{"merchant": "m_a", "subscription": "sub_a"}[kind]
			x := paygate.SealedSecret{Kind: kind, ID: id, Sealed: newSealed, KeyID: "key_2026_02"}
			wantCode(t, s.ResealSecret(t.Context(), x, "key_2025_12"), paygate.EConflict)
			checkSecrets(t, s, ms, subs)
		})
	}
}

func testResealSecretUnknownID(t *testing.T, open func(t *testing.T) paygate.Store) {
	for _, kind := range []string{"merchant", "subscription"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			s, ms, subs := resealed(t, open)
			// sub_a names a subscription, not a merchant, and m_a the other way round.
			for _, id := range []string{"unknown", map[string]string{"merchant": "sub_a", "subscription": "m_a"}[kind]} {
				x := paygate.SealedSecret{Kind: kind, ID: id, Sealed: newSealed, KeyID: "key_2026_02"}
				wantCode(t, s.ResealSecret(t.Context(), x, "key_2026_01"), paygate.EConflict)
			}
			checkSecrets(t, s, ms, subs)
			if _, err := s.Merchant(t.Context(), "unknown"); paygate.ErrorCode(err) != paygate.ENotFound {
				t.Errorf("Merchant unknown: got %v, want code %q", err, paygate.ENotFound)
			}
		})
	}
}

func checkSealedSecrets(t *testing.T, got, want []paygate.SealedSecret) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("sealed secrets: got %v, want %v", sealedIDs(got), sealedIDs(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Kind != w.Kind || g.ID != w.ID || g.KeyID != w.KeyID || !bytes.Equal(g.Sealed, w.Sealed) {
			t.Errorf("sealed secret %d: got {%s %s %s %s}, want {%s %s %s %s}", i,
				g.Kind, g.ID, g.KeyID, showSealed(g.Sealed), w.Kind, w.ID, w.KeyID, showSealed(w.Sealed))
		}
	}
}

func sealedIDs(xs []paygate.SealedSecret) []string {
	var ids []string
	for _, x := range xs {
		ids = append(ids, x.Kind+"/"+x.ID)
	}
	return ids
}

// testSealedKeyIDs checks that every table holding sealed data is asked, and
// that a revoked card, which holds none, is not.
func testSealedKeyIDs(t *testing.T, open func(t *testing.T) paygate.Store) {
	empty, err := open(t).SealedKeyIDs(t.Context())
	if err != nil || len(empty) != 0 {
		t.Errorf("SealedKeyIDs on an empty store: got %v, %v, want none", empty, err)
	}
	s := sealedSecrets(t, open)
	live := newStoredCard("m_a", "tx_live", at(0))
	live.KeyID = "key_c_live"
	gone := newStoredCard("m_b", "tx_gone", at(0))
	gone.KeyID = "key_c_gone"
	mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{live, gone}})
	revoked := *gone
	revoked.Version, revoked.Status, revoked.Sealed, revoked.Fingerprint = 2, paygate.StoredCardRevoked, nil, ""
	mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{&revoked}})
	got, err := s.SealedKeyIDs(t.Context())
	if err != nil {
		t.Fatalf("SealedKeyIDs: %v", err)
	}
	want := []string{"key_c_live", "key_m_0", "key_m_1", "key_m_2", "key_s_0", "key_s_1", "key_s_2", "key_s_3"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("SealedKeyIDs: got %v, want %v", got, want)
	}
}
