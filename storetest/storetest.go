// Package storetest is the conformance suite of paygate.Store: every store
// implementation (sqlite/, postgres/) runs the same tests, so the gateway can
// rely on one behaviour whatever keeps its data (like river's
// riverdrivertest, or testing/fstest.TestFS).
package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"paygate"
)

// Run runs the conformance suite against the store open returns. open is
// called once per subtest and must return a fresh, empty store; it should
// register the store's Close with t.Cleanup. Every subtest runs in parallel
// with the others (as river's driver suite does) on a store of its own, or,
// for the cases of a table that only read, on one store they share; so open
// must be safe to call from several goroutines at once.
func Run(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"Merchant", testMerchant},
		{"Payment", testPayment},
		{"Refund", testRefund},
		{"Event", testEvent},
		{"Isolation", testIsolation},
		{"Atomicity", testAtomicity},
		{"DuePayments", testDuePayments},
		{"Idempotency", testIdempotency},
		{"Concurrency", testConcurrency},
		{"Subscription", testSubscription},
		{"Notification", testNotification},
		{"Attempts", testAttempts},
		{"DueNotifications", testDueNotifications},
		{"NotificationConcurrency", testNotificationConcurrency},
		{"StoredCard", testStoredCard},
		{"StoredCardsAfter", testStoredCardsAfter},
		{"StoredCardsByFingerprint", testStoredCardsByFingerprint},
		{"SealedSecrets", testSealedSecrets},
		{"ResealSecret", testResealSecret},
		{"SealedKeyIDs", testSealedKeyIDs},
		{"PrevNotifySecret", testPrevNotifySecret},
		{"Tracker", testTracker},
		{"Session", testSession},
		{"StaleRefunds", testStaleRefunds},
		{"Payments", testPayments},
		{"ListRefunds", testListRefunds},
		{"ListRefundsScan", testListRefundsScan},
		{"Columns", testColumns},
		{"User", testUser},
		{"FindPayments", testFindPayments},
		{"Stats", testStats},
		{"SubscriptionNotifications", testSubscriptionNotifications},
		{"Risk", testRisk},
		{"Journals", testJournals},
		{"Prices", testPrices},
		{"Settlements", testSettlements},
		{"SettlementResume", testSettlementResume},
		{"SettlementTimeZone", testSettlementTimeZone},
		{"Disputes", testDisputes},
		{"Connectors", testConnectors},
		{"Routing", testRouting},
		{"MerchantLive", testMerchantLive},
		{"BooksProperty", testBooksProperty},
	})
}

// subtest is one named test of the suite.
type subtest struct {
	name string
	run  func(t *testing.T, open func(t *testing.T) paygate.Store)
}

// parallel runs each test as a subtest of t, in parallel with the others.
func parallel(t *testing.T, open func(t *testing.T) paygate.Store, tests []subtest) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open)
		})
	}
}

// t0 is the suite's clock: times are whole milliseconds, the precision every
// store must keep.
var t0 = time.UnixMilli(1_767_225_600_000).UTC() // 2026-01-01T00:00:00Z

func at(d time.Duration) time.Time { return t0.Add(d) }

func ptr[T any](v T) *T { return &v }

// checkNothingWritten checks that none of the named objects of merchantID
// exist, and that none of the payments and refunds has events.
func checkNothingWritten(t *testing.T, s paygate.Store, merchantID string, tradeNos, refunds, refundNumbers, keys []string) {
	t.Helper()
	ctx := t.Context()
	for _, id := range tradeNos {
		if _, err := s.Payment(ctx, merchantID, id); paygate.ErrorCode(err) != paygate.ENotFound {
			t.Errorf("Payment %s: got %v, want code %q", id, err, paygate.ENotFound)
		}
		if rs := mustRefunds(t, s, merchantID, id); len(rs) != 0 {
			t.Errorf("Refunds of %s: got %v, want none", id, refundIDs(rs))
		}
	}
	for _, id := range refunds {
		if _, err := s.Refund(ctx, merchantID, id); paygate.ErrorCode(err) != paygate.ENotFound {
			t.Errorf("Refund %s: got %v, want code %q", id, err, paygate.ENotFound)
		}
	}
	for _, no := range refundNumbers {
		if _, err := s.RefundByNumber(ctx, merchantID, no); paygate.ErrorCode(err) != paygate.ENotFound {
			t.Errorf("RefundByNumber %s: got %v, want code %q", no, err, paygate.ENotFound)
		}
	}
	for _, id := range append(append([]string(nil), tradeNos...), refunds...) {
		if evs := mustEvents(t, s, merchantID, id); len(evs) != 0 {
			t.Errorf("Events of %s: got %d, want 0", id, len(evs))
		}
	}
	for _, k := range keys {
		if _, err := s.Idempotency(ctx, merchantID, k); paygate.ErrorCode(err) != paygate.ENotFound {
			t.Errorf("Idempotency %s: got %v, want code %q", k, err, paygate.ENotFound)
		}
	}
}

func mustApply(t *testing.T, s paygate.Store, c paygate.Change) {
	t.Helper()
	if err := s.Apply(t.Context(), c); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := paygate.ErrorCode(err); got != code {
		t.Errorf("error: got %v (code %q), want code %q", err, got, code)
	}
}

// normTime makes equal instants compare equal with ==: UTC, no monotonic reading.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Round(0)
}

func normJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return raw // compared as bytes; the mismatch shows in the message
	}
	b, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return b
}

// show formats a field value for a message: JSON parts as text, nil apart.
func show(v any) string {
	switch v := v.(type) {
	case json.RawMessage:
		if v == nil {
			return "nil"
		}
		return fmt.Sprintf("%q", v)
	case *time.Time:
		if v == nil {
			return "nil"
		}
		return v.String()
	}
	return asJSON(v)
}

func asJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}
