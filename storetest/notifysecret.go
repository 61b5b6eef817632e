package storetest

import (
	"fmt"
	"testing"
	"time"

	"paygate"
)

// testMerchantReplaceNotifySecret checks the compare-and-set of a
// notification secret rotation and what it keeps of the replaced secret.
func testMerchantReplaceNotifySecret(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	for _, id := range []string{"m_1", "m_2"} {
		if err := s.CreateMerchant(ctx, newMerchant(id)); err != nil {
			t.Fatalf("CreateMerchant %s: %v", id, err)
		}
	}
	check := func(t *testing.T, want *paygate.Merchant) {
		t.Helper()
		got, err := s.Merchant(ctx, want.ID)
		if err != nil {
			t.Fatalf("Merchant: %v", err)
		}
		checkMerchant(t, got, want)
	}
	want := newMerchant("m_1")
	first := []byte{0x00, 'n', 'e', 'w', '1', 0xff}
	until := at(24 * time.Hour)
	if err := s.ReplaceNotifySecret(ctx, "m_1", want.NotifySecretSealed, first, "key_2026_02", &until); err != nil {
		t.Fatalf("ReplaceNotifySecret: %v", err)
	}
	want.PrevNotifySecretSealed, want.PrevNotifyKeyID, want.PrevNotifyUntil = want.NotifySecretSealed, want.KeyID, &until
	want.NotifySecretSealed, want.KeyID = first, "key_2026_02"
	check(t, want)
	check(t, newMerchant("m_2")) // the other is untouched

	// A second rotation from the same sealed secret lost the race.
	wantCode(t, s.ReplaceNotifySecret(ctx, "m_1", newMerchant("m_1").NotifySecretSealed, []byte("late"), "key_2026_03", &until),
		paygate.EConflict)
	check(t, want)

	// A rotation with a grace replaces the previous secret kept.
	second := []byte("second")
	later := at(48 * time.Hour)
	if err := s.ReplaceNotifySecret(ctx, "m_1", first, second, "key_2026_02", &later); err != nil {
		t.Fatalf("ReplaceNotifySecret again: %v", err)
	}
	want.PrevNotifySecretSealed, want.PrevNotifyKeyID, want.PrevNotifyUntil = first, "key_2026_02", &later
	want.NotifySecretSealed = second
	check(t, want)

	// Without a grace, the replaced secret is not kept.
	if err := s.ReplaceNotifySecret(ctx, "m_1", second, []byte("third"), "key_2026_03", nil); err != nil {
		t.Fatalf("ReplaceNotifySecret without grace: %v", err)
	}
	want.NotifySecretSealed, want.KeyID = []byte("third"), "key_2026_03"
	want.PrevNotifySecretSealed, want.PrevNotifyKeyID, want.PrevNotifyUntil = nil, "", nil
	check(t, want)
	wantCode(t, s.ReplaceNotifySecret(ctx, "m_unknown", []byte("third"), []byte("x"), "key_2026_03", nil), paygate.ENotFound)
}

// prevNotifySecrets returns a store of three merchants, of which m_a and
// m_c keep a replaced notification secret, each under its own key id.
func prevNotifySecrets(t *testing.T, open func(t *testing.T) paygate.Store) paygate.Store {
	t.Helper()
	s, ctx := open(t), t.Context()
	until := at(time.Hour)
	for i, id := range []string{"m_c", "m_b", "m_a"} {
		m := newMerchant(id)
		m.NotifySecretSealed = append(m.NotifySecretSealed, id...)
		m.KeyID = fmt.Sprintf("key_prev_%s", id)
		if err := s.CreateMerchant(ctx, m); err != nil {
			t.Fatalf("CreateMerchant %s: %v", id, err)
		}
		if id == "m_b" {
			continue
		}
		if err := s.ReplaceNotifySecret(ctx, id, m.NotifySecretSealed, []byte{byte(i), 'n'}, "key_now", &until); err != nil {
			t.Fatalf("ReplaceNotifySecret %s: %v", id, err)
		}
	}
	return s
}

// testPrevNotifySecret checks that a replaced notification secret is listed,
// resealed and counted in the key ids as the current ones are, and only
// while it is kept.
func testPrevNotifySecret(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := prevNotifySecrets(t, open), t.Context()
	prev := func(id string) paygate.SealedSecret {
		return paygate.SealedSecret{Kind: "merchant-prev", ID: id, Sealed: append(newMerchant(id).NotifySecretSealed, id...),
			KeyID: "key_prev_" + id}
	}
	list := func(after string, limit int) []paygate.SealedSecret {
		t.Helper()
		got, err := s.SealedSecretsAfter(ctx, "merchant-prev", after, limit)
		if err != nil {
			t.Fatalf("SealedSecretsAfter: %v", err)
		}
		return got
	}
	checkSealedSecrets(t, list("", 100), []paygate.SealedSecret{prev("m_a"), prev("m_c")})
	checkSealedSecrets(t, list("m_a", 1), []paygate.SealedSecret{prev("m_c")})

	ids, err := s.SealedKeyIDs(ctx)
	if err != nil {
		t.Fatalf("SealedKeyIDs: %v", err)
	}
	if want := "[key_now key_prev_m_a key_prev_m_b key_prev_m_c]"; fmt.Sprint(ids) != want {
		t.Errorf("SealedKeyIDs: got %v, want %s", ids, want)
	}

	// m_b keeps none: nothing to reseal.
	x := paygate.SealedSecret{Kind: "merchant-prev", ID: "m_b", Sealed: newSealed, KeyID: "key_next"}
	wantCode(t, s.ResealSecret(ctx, x, "key_prev_m_b"), paygate.EConflict)
	x.ID = "m_a"
	wantCode(t, s.ResealSecret(ctx, x, "key_now"), paygate.EConflict) // the current secret's key, not the kept one's
	if err := s.ResealSecret(ctx, x, "key_prev_m_a"); err != nil {
		t.Fatalf("ResealSecret: %v", err)
	}
	checkSealedSecrets(t, list("", 100), []paygate.SealedSecret{x, prev("m_c")})
	m, err := s.Merchant(ctx, "m_a")
	if err != nil {
		t.Fatalf("Merchant: %v", err)
	}
	if m.KeyID != "key_now" || string(m.NotifySecretSealed) != string([]byte{2, 'n'}) {
		t.Errorf("Merchant m_a after resealing the kept secret: key %s sealed %x, want key_now 026e (untouched)", m.KeyID, m.NotifySecretSealed)
	}

	// A rotation without a grace drops the kept secret and its key id.
	if err := s.ReplaceNotifySecret(ctx, "m_c", []byte{0, 'n'}, []byte("z"), "key_now", nil); err != nil {
		t.Fatalf("ReplaceNotifySecret: %v", err)
	}
	checkSealedSecrets(t, list("", 100), []paygate.SealedSecret{x})
	ids, err = s.SealedKeyIDs(ctx)
	if err != nil {
		t.Fatalf("SealedKeyIDs: %v", err)
	}
	if want := "[key_next key_now key_prev_m_b]"; fmt.Sprint(ids) != want {
		t.Errorf("SealedKeyIDs after the drop: got %v, want %s", ids, want)
	}
}
