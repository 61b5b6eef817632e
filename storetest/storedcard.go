package storetest

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"paygate"
)

func testStoredCard(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"RoundTrip", testStoredCardRoundTrip},
		{"NotFound", testStoredCardNotFound},
		{"DuplicateTransactionIdentifier", testStoredCardDuplicateTransactionIdentifier},
		{"CompareAndSet", testStoredCardCompareAndSet},
		{"CompareAndSetStale", testStoredCardCompareAndSetStale},
		{"UpdateAbsent", testStoredCardUpdateAbsent},
		{"WithPayment", testStoredCardWithPayment},
		{"PaymentConflictWritesNoCard", testStoredCardPaymentConflictWritesNoCard},
	})
}

func testStoredCardRoundTrip(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	want := newStoredCard("m_a", "tx_1", at(time.Minute+123*time.Millisecond))
	mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{want}})
	checkStoredCard(t, mustStoredCard(t, s, "m_a", "tx_1"), want)
}

func testStoredCardNotFound(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{newStoredCard("m_a", "tx_1", at(0))}})
	_, err := s.StoredCard(ctx, "m_a", "tx_unknown")
	wantCode(t, err, paygate.ENotFound)
	// Another merchant's card is not found, like any other object.
	_, err = s.StoredCard(ctx, "m_b", "tx_1")
	wantCode(t, err, paygate.ENotFound)
	_, err = s.StoredCard(ctx, "", "tx_1")
	wantCode(t, err, paygate.ENotFound)
}

func testStoredCardDuplicateTransactionIdentifier(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testStoredCardCompareAndSet(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testStoredCardCompareAndSetStale(t *testing.T, open func(t *testing.T) paygate.Store) {
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
			t.Parallel()
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
}

func testStoredCardUpdateAbsent(t *testing.T, open func(t *testing.T) paygate.Store) {
	// An update of a card that does not exist matches no row: conflict.
	s, ctx := open(t), t.Context()
	c := newStoredCard("m_a", "tx_1", at(0))
	c.Version = 2
	wantCode(t, s.Apply(ctx, paygate.Change{StoredCards: []*paygate.StoredCard{c}}), paygate.EConflict)
	_, err := s.StoredCard(ctx, "m_a", "tx_1")
	wantCode(t, err, paygate.ENotFound)
}

func testStoredCardWithPayment(t *testing.T, open func(t *testing.T) paygate.Store) {
	// The first payment of a series and the card it stores commit together.
	s := open(t)
	p := newPayment("m_a", "T1", "O1")
	c := newStoredCard("m_a", "tx_1", at(0))
	c.FirstTradeNo = "T1"
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Events: []paygate.Event{p.Created("req_1")},
		StoredCards: []*paygate.StoredCard{c}})
	checkPayment(t, mustPayment(t, s, "m_a", "T1"), p)
	checkStoredCard(t, mustStoredCard(t, s, "m_a", "tx_1"), c)
}

func testStoredCardPaymentConflictWritesNoCard(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

// storedCards returns a store holding five cards of three merchants, stored
// neither in identifier nor in merchant order, one of them revoked, and the
// cards by identifier.
func storedCards(t *testing.T, open func(t *testing.T) paygate.Store) (paygate.Store, map[string]*paygate.StoredCard) {
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

func testStoredCardsAfter(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, cards := storedCards(t, open) // only read by the cases of the table
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
			t.Parallel()
			got := mustStoredCardsAfter(t, s, tc.after, tc.limit)
			if ids := storedCardIDs(got); !reflect.DeepEqual(ids, tc.want) {
				t.Fatalf("StoredCardsAfter(%q, %d): got %v, want %v", tc.after, tc.limit, ids, tc.want)
			}
			for _, c := range got {
				checkStoredCard(t, c, cards[c.TransactionIdentifier])
			}
		})
	}

	parallel(t, open, []subtest{
		{"Pages", testStoredCardsAfterPages},
		{"Revoked", testStoredCardsAfterRevoked},
		{"Empty", testStoredCardsAfterEmpty},
	})
}

// testStoredCardsAfterPages: paging as Rekey does visits every card once,
// revoked ones included.
func testStoredCardsAfterPages(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, cards := storedCards(t, open)
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
}

func testStoredCardsAfterRevoked(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, _ := storedCards(t, open)
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
}

func testStoredCardsAfterEmpty(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	if got := mustStoredCardsAfter(t, s, "", 100); len(got) != 0 {
		t.Errorf("StoredCardsAfter on an empty store: got %v, want none", storedCardIDs(got))
	}
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

// testStoredCardsByFingerprint: the merchant's active cards with the
// fingerprint, newest first; other merchants' and revoked cards are not found.
func testStoredCardsByFingerprint(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	card := func(merchantID, txID string, minute int) *paygate.StoredCard {
		c := newStoredCard(merchantID, txID, at(time.Duration(minute)*time.Minute))
		c.Fingerprint = "fp_same"
		return c
	}
	old, newer, other, gone := card("m_a", "tx_old", 1), card("m_a", "tx_new", 2), card("m_b", "tx_other", 3), card("m_a", "tx_gone", 4)
	mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{old, newer, other, gone, newStoredCard("m_a", "tx_else", at(5*time.Minute))}})
	revoked := *gone
	revoked.Version, revoked.Status, revoked.Sealed, revoked.UpdatedAt = 2, paygate.StoredCardRevoked, nil, at(time.Hour)
	mustApply(t, s, paygate.Change{StoredCards: []*paygate.StoredCard{&revoked}})
	for _, tc := range []struct {
		name, merchantID, fingerprint string
		want                          []string
	}{
		{"NewestFirst", "m_a", "fp_same", []string{"tx_new", "tx_old"}},
		{"OtherMerchant", "m_b", "fp_same", []string{"tx_other"}},
		{"NoMerchant", "m_c", "fp_same", nil},
		{"NoFingerprint", "m_a", "fp_none", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.StoredCardsByFingerprint(context.Background(), tc.merchantID, tc.fingerprint)
			if err != nil {
				t.Fatal(err)
			}
			if ids := storedCardIDs(got); !reflect.DeepEqual(ids, tc.want) {
				t.Fatalf("StoredCardsByFingerprint(%s, %s): got %v, want %v", tc.merchantID, tc.fingerprint, ids, tc.want)
			}
			for _, c := range got {
				want := map[string]*paygate.StoredCard{"tx_old": old, "tx_new": newer, "tx_other": other}[c.TransactionIdentifier]
				checkStoredCard(t, c, want)
			}
		})
	}
}
