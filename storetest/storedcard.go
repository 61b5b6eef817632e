package storetest

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"time"

	"paygate"
)

func testStoredCard(t *testing.T, open func(t *testing.T) paygate.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := open(t)
		want := newStoredCard("m_a", "tx_1", at(time.Minute+123*time.Millisecond))
		mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{want}})
		checkStoredCard(t, mustStoredCard(t, s, "m_a", "tx_1"), want)
	})

	t.Run("NotFound", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{newStoredCard("m_a", "tx_1", at(0))}})
		_, err := s.StoredCard(ctx, "m_a", "tx_unknown")
		wantCode(t, err, paygate.ENotFound)
		// Another merchant's card is not found, like any other object.
		_, err = s.StoredCard(ctx, "m_b", "tx_1")
		wantCode(t, err, paygate.ENotFound)
		_, err = s.StoredCard(ctx, "", "tx_1")
		wantCode(t, err, paygate.ENotFound)
	})

	t.Run("DuplicateTransactionIdentifier", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		first := newStoredCard("m_a", "tx_1", at(0))
		mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{first}})

		p := newPayment("m_a", "T1", "O1")
		fresh := newStoredCard("m_a", "tx_2", at(time.Minute)) // written before the duplicate in the same Change
		dup := newStoredCard("m_a", "tx_1", at(time.Minute))
		dup.Last4 = "0005"
		dup.Sealed = []byte("other sealed bytes")
		err := s.Apply(ctx, paygate.Change{
			Payments:    []*paygate.Payment{p},
			Events:      []paygate.Event{p.Created("req_1")},
			Idempotency: []*paygate.IdempotencyRecord{newIdempotency("m_a", "k1", at(time.Hour))},
			StoredCards: []*paygate.StoredCard{fresh, dup},
		})
		wantCode(t, err, paygate.EConflict)
		checkStoredCard(t, mustStoredCard(t, s, "m_a", "tx_1"), first)
		_, err = s.StoredCard(ctx, "m_a", "tx_2")
		wantCode(t, err, paygate.ENotFound)
		checkNothingWritten(t, s, "m_a", []string{"T1"}, nil, nil, []string{"k1"})
		_, err = s.PaymentByOrderNo(ctx, "m_a", "O1")
		wantCode(t, err, paygate.ENotFound)
	})

	t.Run("CompareAndSet", func(t *testing.T) {
		s := open(t)
		c := newStoredCard("m_a", "tx_1", at(0))
		mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{c}})

		// Version 2: moved to a new vault key, new expiry.
		v2 := *c
		v2.Version = 2
		v2.Sealed = []byte{0xff, 0x00, 'r', 'e', 's', 'e', 'a', 'l', 'e', 'd'}
		v2.KeyID = "key_2026_02"
		v2.Fingerprint = "fp_rekeyed_0123456789"
		v2.ExpiryMonth = 3
		v2.ExpiryYear = 2031
		v2.UpdatedAt = at(time.Hour + 7*time.Millisecond)
		mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{&v2}})
		checkStoredCard(t, mustStoredCard(t, s, "m_a", "tx_1"), &v2)

		// Version 3: revoked, the sealed data erased.
		v3 := v2
		v3.Version = 3
		v3.Status = paygate.StoredCardRevoked
		v3.Sealed = nil
		v3.Fingerprint = ""
		v3.KeyID = "key_2026_03"
		v3.ExpiryMonth = 1
		v3.ExpiryYear = 2032
		v3.UpdatedAt = at(2*time.Hour + 9*time.Millisecond)
		mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{&v3}})
		got := mustStoredCard(t, s, "m_a", "tx_1")
		checkStoredCard(t, got, &v3)
		if got.Sealed != nil {
			t.Errorf("Sealed of a revoked card: got %s, want nil", showSealed(got.Sealed))
		}
	})

	t.Run("CompareAndSetStale", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			version  int64
			merchant string
		}{
			{"SameVersionAgain", 2, "m_a"}, // stored is 2 after the setup below
			{"Older", 1, "m_a"},            // an insert: the identifier is taken
			{"Skipped", 4, "m_a"},
			{"Zero", 0, "m_a"},
			{"OtherMerchant", 3, "m_b"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				c := newStoredCard("m_a", "tx_1", at(0))
				mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{c}})
				v2 := *c
				v2.Version = 2
				v2.KeyID = "key_2026_02"
				v2.Sealed = []byte("sealed under key 2")
				v2.UpdatedAt = at(time.Minute)
				mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{&v2}})

				stale := v2
				stale.MerchantID = tc.merchant
				stale.Version = tc.version
				stale.Status = paygate.StoredCardRevoked
				stale.Sealed = nil
				stale.Fingerprint = ""
				stale.KeyID = "key_stale"
				stale.ExpiryMonth = 1
				stale.ExpiryYear = 2040
				stale.UpdatedAt = at(2 * time.Minute)
				p := newPayment("m_a", "T1", "O1")
				err := s.Apply(ctx, paygate.Change{
					Payments:    []*paygate.Payment{p},
					Events:      []paygate.Event{p.Created("req_1")},
					StoredCards: []*paygate.StoredCard{&stale},
				})
				wantCode(t, err, paygate.EConflict)
				checkStoredCard(t, mustStoredCard(t, s, "m_a", "tx_1"), &v2)
				checkNothingWritten(t, s, "m_a", []string{"T1"}, nil, nil, nil)
				if tc.merchant != "m_a" {
					_, err = s.StoredCard(ctx, tc.merchant, "tx_1")
					wantCode(t, err, paygate.ENotFound)
				}
			})
		}
	})

	t.Run("UpdateAbsent", func(t *testing.T) {
		// An update of a card that does not exist matches no row: conflict.
		s, ctx := open(t), t.Context()
		c := newStoredCard("m_a", "tx_1", at(0))
		c.Version = 2
		wantCode(t, s.Apply(ctx, paygate.Change{StoredCards: []*paygate.StoredCard{c}}), paygate.EConflict)
		_, err := s.StoredCard(ctx, "m_a", "tx_1")
		wantCode(t, err, paygate.ENotFound)
	})

	t.Run("WithPayment", func(t *testing.T) {
		// The first payment of a series and the card it stores commit together.
		s := open(t)
		p := newPayment("m_a", "T1", "O1")
		c := newStoredCard("m_a", "tx_1", at(0))
		c.FirstTradeNo = "T1"
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Events: []paygate.Event{p.Created("req_1")},
			StoredCards: []*paygate.StoredCard{c}})
		checkPayment(t, mustPayment(t, s, "m_a", "T1"), p)
		checkStoredCard(t, mustStoredCard(t, s, "m_a", "tx_1"), c)
	})

	t.Run("PaymentConflictWritesNoCard", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		first := newPayment("m_a", "T1", "O1")
		kept := newStoredCard("m_a", "tx_kept", at(0))
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{first}, StoredCards: []*paygate.StoredCard{kept}})

		// The payment's orderNo is taken: neither the new card nor the update
		// of the kept one is written.
		dup := newPayment("m_a", "T2", "O1")
		c := newStoredCard("m_a", "tx_new", at(time.Minute))
		c.FirstTradeNo = "T2"
		revoked := *kept
		revoked.Version = 2
		revoked.Status = paygate.StoredCardRevoked
		revoked.Sealed = nil
		revoked.Fingerprint = ""
		revoked.UpdatedAt = at(time.Minute)
		err := s.Apply(ctx, paygate.Change{
			Payments:    []*paygate.Payment{dup},
			Events:      []paygate.Event{dup.Created("req_2")},
			StoredCards: []*paygate.StoredCard{c, &revoked},
		})
		wantCode(t, err, paygate.EConflict)
		_, err = s.StoredCard(ctx, "m_a", "tx_new")
		wantCode(t, err, paygate.ENotFound)
		checkStoredCard(t, mustStoredCard(t, s, "m_a", "tx_kept"), kept)
		checkNothingWritten(t, s, "m_a", []string{"T2"}, nil, nil, nil)
		checkPayment(t, mustPayment(t, s, "m_a", "T1"), first)
		if got := storedCardIDs(mustStoredCardsAfter(t, s, "", 100)); !reflect.DeepEqual(got, []string{"tx_kept"}) {
			t.Errorf("StoredCardsAfter: got %v, want [tx_kept]", got)
		}
	})
}

func testStoredCardsAfter(t *testing.T, open func(t *testing.T) paygate.Store) {
	// setup stores five cards of three merchants, neither in identifier nor in
	// merchant order, one of them revoked; it returns them by identifier.
	setup := func(t *testing.T) (paygate.Store, map[string]*paygate.StoredCard) {
		t.Helper()
		s := open(t)
		cards := map[string]*paygate.StoredCard{
			"tx_c": newStoredCard("m_a", "tx_c", at(1*time.Minute)),
			"tx_a": newStoredCard("m_b", "tx_a", at(2*time.Minute)),
			"tx_e": newStoredCard("m_a", "tx_e", at(3*time.Minute)),
			"tx_b": newStoredCard("m_c", "tx_b", at(4*time.Minute)),
			"tx_d": newStoredCard("m_b", "tx_d", at(5*time.Minute)),
		}
		mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{cards["tx_c"], cards["tx_a"]}})
		mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{cards["tx_e"], cards["tx_d"]}})
		mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{cards["tx_b"]}})
		revoked := *cards["tx_d"]
		revoked.Version = 2
		revoked.Status = paygate.StoredCardRevoked
		revoked.Sealed = nil
		revoked.Fingerprint = ""
		revoked.UpdatedAt = at(time.Hour)
		mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{&revoked}})
		cards["tx_d"] = &revoked
		return s, cards
	}

	for _, tc := range []struct {
		name  string
		after string
		limit int
		want  []string
	}{
		{"All", "", 100, []string{"tx_a", "tx_b", "tx_c", "tx_d", "tx_e"}},
		{"Limit", "", 2, []string{"tx_a", "tx_b"}},
		{"LimitOne", "", 1, []string{"tx_a"}},
		{"AfterExclusive", "tx_b", 2, []string{"tx_c", "tx_d"}},
		{"AfterAbsent", "tx_bb", 100, []string{"tx_c", "tx_d", "tx_e"}},
		{"LastPage", "tx_d", 2, []string{"tx_e"}},
		{"AfterLast", "tx_e", 100, nil},
		{"AfterAll", "tx_z", 100, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, cards := setup(t)
			got := mustStoredCardsAfter(t, s, tc.after, tc.limit)
			if ids := storedCardIDs(got); !reflect.DeepEqual(ids, tc.want) {
				t.Fatalf("StoredCardsAfter(%q, %d): got %v, want %v", tc.after, tc.limit, ids, tc.want)
			}
			for _, c := range got {
				checkStoredCard(t, c, cards[c.TransactionIdentifier])
			}
		})
	}

	t.Run("Pages", func(t *testing.T) {
		// Paging as Rekey does visits every card once, revoked ones included.
		s, cards := setup(t)
		var seen []string
		for after, pages := "", 0; ; pages++ {
			if pages > len(cards) {
				t.Fatalf("StoredCardsAfter: more than %d pages (seen %v)", len(cards), seen)
			}
			page := mustStoredCardsAfter(t, s, after, 2)
			if len(page) > 2 {
				t.Fatalf("StoredCardsAfter(%q, 2): got %d cards, want at most 2", after, len(page))
			}
			if len(page) == 0 {
				break
			}
			for _, c := range page {
				seen = append(seen, c.TransactionIdentifier)
				checkStoredCard(t, c, cards[c.TransactionIdentifier])
			}
			after = page[len(page)-1].TransactionIdentifier
		}
		if want := []string{"tx_a", "tx_b", "tx_c", "tx_d", "tx_e"}; !reflect.DeepEqual(seen, want) {
			t.Errorf("pages: got %v, want %v", seen, want)
		}
	})

	t.Run("Revoked", func(t *testing.T) {
		s, _ := setup(t)
		got := mustStoredCardsAfter(t, s, "tx_c", 1)
		if len(got) != 1 {
			t.Fatalf("StoredCardsAfter(tx_c, 1): got %v, want [tx_d]", storedCardIDs(got))
		}
		if got[0].Status != paygate.StoredCardRevoked {
			t.Errorf("Status: got %q, want %q", got[0].Status, paygate.StoredCardRevoked)
		}
		if got[0].Sealed != nil {
			t.Errorf("Sealed of a revoked card: got %s, want nil", showSealed(got[0].Sealed))
		}
	})

	t.Run("Empty", func(t *testing.T) {
		s := open(t)
		if got := mustStoredCardsAfter(t, s, "", 100); len(got) != 0 {
			t.Errorf("StoredCardsAfter on an empty store: got %v, want none", storedCardIDs(got))
		}
	})
}

func testSealedSecrets(t *testing.T, open func(t *testing.T) paygate.Store) {
	// setup creates three merchants and four subscriptions, neither in id
	// order, each with its own sealed bytes and key id.
	setup := func(t *testing.T) paygate.Store {
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

	// want reads the secrets of kind with ids from the objects themselves.
	want := func(t *testing.T, s paygate.Store, kind string, ids ...string) []paygate.SealedSecret {
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
			s := setup(t)
			got, err := s.SealedSecretsAfter(t.Context(), tc.kind, tc.after, tc.limit)
			if err != nil {
				t.Fatalf("SealedSecretsAfter: %v", err)
			}
			checkSealedSecrets(t, got, want(t, s, tc.kind, tc.want...))
		})
	}

	t.Run("Pages", func(t *testing.T) {
		s := setup(t)
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
			checkSealedSecrets(t, seen, want(t, s, kind, ids...))
		}
	})

	t.Run("Empty", func(t *testing.T) {
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
	})

	t.Run("UnknownKind", func(t *testing.T) {
		s := setup(t)
		for _, kind := range []string{"stored_card", "", "Merchant", "merchants"} {
			got, err := s.SealedSecretsAfter(t.Context(), kind, "", 100)
			if err == nil {
				t.Errorf("SealedSecretsAfter(%q): got %d secrets and no error, want an error", kind, len(got))
			}
		}
	})
}

// subscriptionMerchant names the merchant of each subscription of
// testSealedSecrets and testResealSecret.
var subscriptionMerchant = map[string]string{"sub_a": "m_a", "sub_b": "m_b", "sub_c": "m_c", "sub_d": "m_a"}

func testResealSecret(t *testing.T, open func(t *testing.T) paygate.Store) {
	setup := func(t *testing.T) (paygate.Store, map[string]*paygate.Merchant, map[string]*paygate.Subscription) {
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
	// check checks that every merchant and subscription reads as in ms and subs.
	check := func(t *testing.T, s paygate.Store, ms map[string]*paygate.Merchant, subs map[string]*paygate.Subscription) {
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
	newSealed := []byte{0x01, 0x00, 0xfe, 'n', 'e', 'w', 0x00}

	t.Run("Merchant", func(t *testing.T) {
		s, ms, subs := setup(t)
		x := paygate.SealedSecret{Kind: "merchant", ID: "m_a", Sealed: newSealed, KeyID: "key_2026_02"}
		if err := s.ResealSecret(t.Context(), x, "key_2026_01"); err != nil {
			t.Fatalf("ResealSecret: %v", err)
		}
		m := *ms["m_a"]
		m.NotifySecretSealed, m.KeyID = newSealed, "key_2026_02"
		ms["m_a"] = &m
		check(t, s, ms, subs)

		// The same reseal again finds the new key id: conflict, no change.
		x.Sealed = []byte("third")
		x.KeyID = "key_2026_03"
		wantCode(t, s.ResealSecret(t.Context(), x, "key_2026_01"), paygate.EConflict)
		check(t, s, ms, subs)
	})

	t.Run("Subscription", func(t *testing.T) {
		s, ms, subs := setup(t)
		x := paygate.SealedSecret{Kind: "subscription", ID: "sub_d", Sealed: newSealed, KeyID: "key_2026_02"}
		if err := s.ResealSecret(t.Context(), x, "key_2026_01"); err != nil {
			t.Fatalf("ResealSecret: %v", err)
		}
		sub := *subs["sub_d"]
		sub.SecretSealed, sub.KeyID = newSealed, "key_2026_02"
		subs["sub_d"] = &sub
		check(t, s, ms, subs)
		got, err := s.SealedSecretsAfter(t.Context(), "subscription", "sub_a", 1)
		if err != nil {
			t.Fatalf("SealedSecretsAfter: %v", err)
		}
		checkSealedSecrets(t, got, []paygate.SealedSecret{x})
	})

	t.Run("KeyChanged", func(t *testing.T) {
		for _, kind := range []string{"merchant", "subscription"} {
			t.Run(kind, func(t *testing.T) {
				s, ms, subs := setup(t)
				id := map[string]string{"merchant": "m_a", "subscription": "sub_a"}[kind]
				x := paygate.SealedSecret{Kind: kind, ID: id, Sealed: newSealed, KeyID: "key_2026_02"}
				wantCode(t, s.ResealSecret(t.Context(), x, "key_2025_12"), paygate.EConflict)
				check(t, s, ms, subs)
			})
		}
	})

	t.Run("UnknownID", func(t *testing.T) {
		for _, kind := range []string{"merchant", "subscription"} {
			t.Run(kind, func(t *testing.T) {
				s, ms, subs := setup(t)
				// sub_a names a subscription, not a merchant, and m_a the other way round.
				for _, id := range []string{"unknown", map[string]string{"merchant": "sub_a", "subscription": "m_a"}[kind]} {
					x := paygate.SealedSecret{Kind: kind, ID: id, Sealed: newSealed, KeyID: "key_2026_02"}
					wantCode(t, s.ResealSecret(t.Context(), x, "key_2026_01"), paygate.EConflict)
				}
				check(t, s, ms, subs)
				if _, err := s.Merchant(t.Context(), "unknown"); paygate.ErrorCode(err) != paygate.ENotFound {
					t.Errorf("Merchant unknown: got %v, want code %q", err, paygate.ENotFound)
				}
			})
		}
	})
}

// newStoredCard returns an ACTIVE stored card (Version 1) with every field set.
func newStoredCard(merchantID, txID string, created time.Time) *paygate.StoredCard {
	return &paygate.StoredCard{
		TransactionIdentifier: txID,
		MerchantID:            merchantID,
		Status:                paygate.StoredCardActive,
		Version:               1,
		Brand:                 "visa",
		BIN:                   "424242",
		Last4:                 "4242",
		ExpiryMonth:           12,
		ExpiryYear:            2030,
		Fingerprint:           "fp_" + txID,
		Sealed:                append([]byte{0x00, 0x01, 0xfe, 0xff, 0x00}, txID...),
		KeyID:                 "key_2026_01",
		Currency:              "EUR",
		FirstTradeNo:          "T_first_" + txID,
		SchemeTransactionID:   "STID-" + txID,
		CreatedAt:             created,
		UpdatedAt:             created.Add(17 * time.Millisecond),
	}
}

func mustStoredCard(t *testing.T, s paygate.Store, merchantID, txID string) *paygate.StoredCard {
	t.Helper()
	c, err := s.StoredCard(t.Context(), merchantID, txID)
	if err != nil {
		t.Fatalf("StoredCard %s: %v", txID, err)
	}
	return c
}

func mustStoredCardsAfter(t *testing.T, s paygate.Store, after string, limit int) []*paygate.StoredCard {
	t.Helper()
	cs, err := s.StoredCardsAfter(t.Context(), after, limit)
	if err != nil {
		t.Fatalf("StoredCardsAfter(%q, %d): %v", after, limit, err)
	}
	return cs
}

// checkStoredCard compares every field; a nil Sealed (a revoked card) must
// come back nil, not empty.
func checkStoredCard(t *testing.T, got, want *paygate.StoredCard) {
	t.Helper()
	g, w := *got, *want
	if (g.Sealed == nil) != (w.Sealed == nil) || !bytes.Equal(g.Sealed, w.Sealed) {
		t.Errorf("StoredCard %s Sealed: got %s, want %s", w.TransactionIdentifier, showSealed(g.Sealed), showSealed(w.Sealed))
	}
	g.Sealed, w.Sealed = nil, nil
	g.CreatedAt, g.UpdatedAt = normTime(g.CreatedAt), normTime(g.UpdatedAt)
	w.CreatedAt, w.UpdatedAt = normTime(w.CreatedAt), normTime(w.UpdatedAt)
	if reflect.DeepEqual(g, w) {
		return
	}
	gv, wv := reflect.ValueOf(g), reflect.ValueOf(w)
	for i := range gv.NumField() {
		gf, wf := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(gf, wf) {
			t.Errorf("StoredCard %s %s: got %v, want %v", w.TransactionIdentifier, gv.Type().Field(i).Name, gf, wf)
		}
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

// showSealed formats sealed bytes for a message, telling nil from empty.
func showSealed(b []byte) string {
	if b == nil {
		return "nil"
	}
	return fmt.Sprintf("%x (%d bytes)", b, len(b))
}

func storedCardIDs(cs []*paygate.StoredCard) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.TransactionIdentifier)
	}
	return ids
}

func sealedIDs(xs []paygate.SealedSecret) []string {
	var ids []string
	for _, x := range xs {
		ids = append(ids, x.Kind+"/"+x.ID)
	}
	return ids
}
