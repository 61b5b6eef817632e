// Package storetest is the conformance suite of paygate.Store: every store
// implementation (sqlite/, postgres/) runs the same tests, so the gateway can
// rely on one behaviour whatever keeps its data (like river's
// riverdrivertest, or testing/fstest.TestFS).
package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"paygate"
)

// Run runs the conformance suite against the store open returns. open is
// called once per subtest and must return a fresh, empty store; it should
// register the store's Close with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) paygate.Store) {
	t.Run("Merchant", func(t *testing.T) { testMerchant(t, open) })
	t.Run("Payment", func(t *testing.T) { testPayment(t, open) })
	t.Run("Refund", func(t *testing.T) { testRefund(t, open) })
	t.Run("Event", func(t *testing.T) { testEvent(t, open) })
	t.Run("Isolation", func(t *testing.T) { testIsolation(t, open) })
	t.Run("Atomicity", func(t *testing.T) { testAtomicity(t, open) })
	t.Run("DuePayments", func(t *testing.T) { testDuePayments(t, open) })
	t.Run("Idempotency", func(t *testing.T) { testIdempotency(t, open) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, open) })
	t.Run("Subscription", func(t *testing.T) { testSubscription(t, open) })
	t.Run("Notification", func(t *testing.T) { testNotification(t, open) })
	t.Run("Attempts", func(t *testing.T) { testAttempts(t, open) })
	t.Run("DueNotifications", func(t *testing.T) { testDueNotifications(t, open) })
	t.Run("NotificationConcurrency", func(t *testing.T) { testNotificationConcurrency(t, open) })
	t.Run("StoredCard", func(t *testing.T) { testStoredCard(t, open) })
	t.Run("StoredCardsAfter", func(t *testing.T) { testStoredCardsAfter(t, open) })
	t.Run("SealedSecrets", func(t *testing.T) { testSealedSecrets(t, open) })
	t.Run("ResealSecret", func(t *testing.T) { testResealSecret(t, open) })
	t.Run("Tracker", func(t *testing.T) { testTracker(t, open) })
	t.Run("Session", func(t *testing.T) { testSession(t, open) })
	t.Run("StaleRefunds", func(t *testing.T) { testStaleRefunds(t, open) })
	t.Run("Payments", func(t *testing.T) { testPayments(t, open) })
	t.Run("Columns", func(t *testing.T) { testColumns(t, open) })
}

// t0 is the suite's clock: times are whole milliseconds, the precision every
// store must keep.
var t0 = time.UnixMilli(1_767_225_600_000).UTC() // 2026-01-01T00:00:00Z

func at(d time.Duration) time.Time { return t0.Add(d) }

func ptr[T any](v T) *T { return &v }

func testMerchant(t *testing.T, open func(t *testing.T) paygate.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
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
	})

	t.Run("Duplicate", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			dup  func(m *paygate.Merchant)
		}{
			{"ID", func(m *paygate.Merchant) { m.AppID = "app_other" }},
			{"AppID", func(m *paygate.Merchant) { m.ID = "m_other" }},
			{"Both", func(m *paygate.Merchant) {}},
		} {
			t.Run(tc.name, func(t *testing.T) {
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
	})

	t.Run("NotFound", func(t *testing.T) {
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
	})

	t.Run("Count", func(t *testing.T) {
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
	})
}

func testPayment(t *testing.T, open func(t *testing.T) paygate.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		want := newPayment("m_a", "T1", "O1")
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{want}})
		checkPayment(t, mustPayment(t, s, "m_a", "T1"), want)
		got, err := s.PaymentByOrderNo(ctx, "m_a", "O1")
		if err != nil {
			t.Fatalf("PaymentByOrderNo: %v", err)
		}
		checkPayment(t, got, want)
	})

	t.Run("RoundTripMinimal", func(t *testing.T) {
		// Absent optional parts stay absent: nil pointers, nil JSON, nil times.
		s := open(t)
		want := &paygate.Payment{TradeNo: "T1", MerchantID: "m_a", OrderNo: "O1",
			Status: paygate.StatusPending, Version: 1, Amount: paygate.Money{Minor: 500, Currency: "JPY"},
			CreatedAt: at(0), UpdatedAt: at(0)}
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{want}})
		checkPayment(t, mustPayment(t, s, "m_a", "T1"), want)
	})

	t.Run("NotFound", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{newPayment("m_a", "T1", "O1")}})
		_, err := s.Payment(ctx, "m_a", "T_unknown")
		wantCode(t, err, paygate.ENotFound)
		_, err = s.PaymentByOrderNo(ctx, "m_a", "O_unknown")
		wantCode(t, err, paygate.ENotFound)
		// A tradeNo is not an orderNo and the other way round.
		_, err = s.Payment(ctx, "m_a", "O1")
		wantCode(t, err, paygate.ENotFound)
		_, err = s.PaymentByOrderNo(ctx, "m_a", "T1")
		wantCode(t, err, paygate.ENotFound)
	})

	t.Run("DuplicateTradeNo", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		first := newPayment("m_a", "T1", "O1")
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{first}})
		wantCode(t, s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{newPayment("m_a", "T1", "O2")}}), paygate.EConflict)
		checkPayment(t, mustPayment(t, s, "m_a", "T1"), first)
		_, err := s.PaymentByOrderNo(ctx, "m_a", "O2")
		wantCode(t, err, paygate.ENotFound)
	})

	t.Run("OrderNoUniquePerMerchant", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		first := newPayment("m_a", "T1", "O1")
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{first}})

		dup := newPayment("m_a", "T2", "O1")
		other := newPayment("m_a", "T3", "O3") // written before the duplicate in the same Change
		r := newRefund(dup, "R2", "RN2", at(time.Minute))
		err := s.Apply(ctx, paygate.Change{
			Payments:    []*paygate.Payment{other, dup},
			Refunds:     []*paygate.Refund{r},
			Events:      []paygate.Event{other.Created("req_1"), dup.Created("req_1")},
			Idempotency: []*paygate.IdempotencyRecord{newIdempotency("m_a", "k1", at(time.Hour))},
		})
		wantCode(t, err, paygate.EConflict)
		checkPayment(t, mustPayment(t, s, "m_a", "T1"), first)
		got, err := s.PaymentByOrderNo(ctx, "m_a", "O1")
		if err != nil {
			t.Fatalf("PaymentByOrderNo: %v", err)
		}
		checkPayment(t, got, first)
		checkNothingWritten(t, s, "m_a", []string{"T2", "T3"}, []string{"R2"}, []string{"RN2"}, []string{"k1"})

		// Another merchant may use the same orderNo.
		b := newPayment("m_b", "T4", "O1")
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{b}})
		got, err = s.PaymentByOrderNo(ctx, "m_b", "O1")
		if err != nil {
			t.Fatalf("PaymentByOrderNo: %v", err)
		}
		checkPayment(t, got, b)
		got, err = s.PaymentByOrderNo(ctx, "m_a", "O1")
		if err != nil {
			t.Fatalf("PaymentByOrderNo: %v", err)
		}
		checkPayment(t, got, first)
	})

	t.Run("CompareAndSet", func(t *testing.T) {
		s := open(t)
		p := newPayment("m_a", "T1", "O1")
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}})

		// Version 2 replaces every field of version 1.
		v2 := *p
		ev, err := v2.Transition(paygate.StatusSucceeded, at(time.Minute), "req_2")
		if err != nil {
			t.Fatalf("Transition: %v", err)
		}
		v2.Version = 2
		v2.CapturedMinor = v2.Amount.Minor
		v2.ExpiresAt = nil
		v2.NextAction = nil
		v2.AuthCode = "CAP123"
		v2.Metadata = json.RawMessage(`{"step":"captured"}`)
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{&v2}, Events: []paygate.Event{ev}})
		checkPayment(t, mustPayment(t, s, "m_a", "T1"), &v2)
		got, err := s.PaymentByOrderNo(t.Context(), "m_a", "O1")
		if err != nil {
			t.Fatalf("PaymentByOrderNo: %v", err)
		}
		checkPayment(t, got, &v2)

		// Version 3 follows version 2.
		v3 := v2
		v3.Version = 3
		v3.RefundingMinor = 100
		v3.UpdatedAt = at(2 * time.Minute)
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{&v3}})
		checkPayment(t, mustPayment(t, s, "m_a", "T1"), &v3)
		if evs := mustEvents(t, s, "m_a", "T1"); len(evs) != 1 {
			t.Errorf("Events: got %d, want 1", len(evs))
		}
	})

	t.Run("CompareAndSetStale", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			version int64
		}{
			{"SameVersionAgain", 2}, // stored is 2 after the setup below
			{"Older", 1},
			{"Skipped", 4},
			{"Zero", 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				p := newPayment("m_a", "T1", "O1")
				mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}})
				v2 := *p
				v2.Version = 2
				v2.Description = "version 2"
				mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{&v2}})

				stale := v2
				stale.Version = tc.version
				stale.Description = "stale"
				stale.Status = paygate.StatusCancelled
				if tc.version == 1 {
					// Version 1 is an insert: the tradeNo is taken.
					stale.OrderNo = "O_other"
				}
				fresh := newPayment("m_a", "T2", "O2")
				r := newRefund(p, "R1", "RN1", at(time.Minute))
				err := s.Apply(ctx, paygate.Change{
					Payments:    []*paygate.Payment{fresh, &stale},
					Refunds:     []*paygate.Refund{r},
					Events:      []paygate.Event{{MerchantID: "m_a", ObjectType: "payment", ObjectID: "T1", From: "PENDING", To: "CANCELLED", RequestID: "req_x", At: at(time.Minute)}},
					Idempotency: []*paygate.IdempotencyRecord{newIdempotency("m_a", "k1", at(time.Hour))},
				})
				wantCode(t, err, paygate.EConflict)
				checkPayment(t, mustPayment(t, s, "m_a", "T1"), &v2)
				checkNothingWritten(t, s, "m_a", []string{"T2"}, []string{"R1"}, []string{"RN1"}, []string{"k1"})
				if evs := mustEvents(t, s, "m_a", "T1"); len(evs) != 0 {
					t.Errorf("Events of T1: got %d, want 0", len(evs))
				}
			})
		}
	})

	t.Run("UpdateAbsent", func(t *testing.T) {
		// An update of a payment that does not exist matches no row: conflict.
		s, ctx := open(t), t.Context()
		p := newPayment("m_a", "T1", "O1")
		p.Version = 2
		wantCode(t, s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{p}}), paygate.EConflict)
		_, err := s.Payment(ctx, "m_a", "T1")
		wantCode(t, err, paygate.ENotFound)
	})
}

func testRefund(t *testing.T, open func(t *testing.T) paygate.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		p := newPayment("m_a", "T1", "O1")
		want := newRefund(p, "R1", "RN1", at(time.Minute))
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Refunds: []*paygate.Refund{want}})
		got, err := s.Refund(ctx, "m_a", "R1")
		if err != nil {
			t.Fatalf("Refund: %v", err)
		}
		checkRefund(t, got, want)
		got, err = s.RefundByNumber(ctx, "m_a", "RN1")
		if err != nil {
			t.Fatalf("RefundByNumber: %v", err)
		}
		checkRefund(t, got, want)
	})

	t.Run("NotFound", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		p := newPayment("m_a", "T1", "O1")
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Refunds: []*paygate.Refund{newRefund(p, "R1", "RN1", at(0))}})
		_, err := s.Refund(ctx, "m_a", "R_unknown")
		wantCode(t, err, paygate.ENotFound)
		_, err = s.RefundByNumber(ctx, "m_a", "RN_unknown")
		wantCode(t, err, paygate.ENotFound)
		_, err = s.Refund(ctx, "m_a", "RN1")
		wantCode(t, err, paygate.ENotFound)
		_, err = s.RefundByNumber(ctx, "m_a", "R1")
		wantCode(t, err, paygate.ENotFound)
		if rs := mustRefunds(t, s, "m_a", "T_unknown"); len(rs) != 0 {
			t.Errorf("Refunds of an unknown payment: got %d, want 0", len(rs))
		}
	})

	t.Run("ListOldestFirst", func(t *testing.T) {
		s := open(t)
		p := newPayment("m_a", "T1", "O1")
		q := newPayment("m_a", "T2", "O2")
		r1 := newRefund(p, "R_c", "RN1", at(1*time.Minute))
		r2 := newRefund(p, "R_a", "RN2", at(2*time.Minute))
		r3 := newRefund(p, "R_b", "RN3", at(3*time.Minute))
		rq := newRefund(q, "R_q", "RN4", at(90*time.Second))
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p, q}})
		// Inserted out of order, partly in one Change.
		mustApply(t, s, paygate.Change{Refunds: []*paygate.Refund{r3, rq}})
		mustApply(t, s, paygate.Change{Refunds: []*paygate.Refund{r1}})
		mustApply(t, s, paygate.Change{Refunds: []*paygate.Refund{r2}})
		got := mustRefunds(t, s, "m_a", "T1")
		want := []*paygate.Refund{r1, r2, r3}
		if len(got) != len(want) {
			t.Fatalf("Refunds: got %d, want %d", len(got), len(want))
		}
		for i := range want {
			checkRefund(t, got[i], want[i])
		}
		if got := mustRefunds(t, s, "m_a", "T2"); len(got) != 1 || got[0].RefundID != "R_q" {
			t.Errorf("Refunds of T2: got %v, want [R_q]", refundIDs(got))
		}
	})

	t.Run("RefundNumberUniquePerMerchant", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		p := newPayment("m_a", "T1", "O1")
		first := newRefund(p, "R1", "RN1", at(time.Minute))
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Refunds: []*paygate.Refund{first}})

		fresh := newRefund(p, "R3", "RN3", at(3*time.Minute))
		dup := newRefund(p, "R2", "RN1", at(2*time.Minute))
		p2 := *p
		p2.Version = 2
		p2.RefundingMinor = 200
		err := s.Apply(ctx, paygate.Change{
			Payments: []*paygate.Payment{&p2},
			Refunds:  []*paygate.Refund{fresh, dup},
			Events:   []paygate.Event{fresh.Created("req_2"), dup.Created("req_2")},
		})
		wantCode(t, err, paygate.EConflict)
		checkPayment(t, mustPayment(t, s, "m_a", "T1"), p)
		checkNothingWritten(t, s, "m_a", nil, []string{"R2", "R3"}, []string{"RN3"}, nil)
		got, err := s.RefundByNumber(ctx, "m_a", "RN1")
		if err != nil {
			t.Fatalf("RefundByNumber: %v", err)
		}
		checkRefund(t, got, first)

		// Another merchant may use the same refundNumber.
		q := newPayment("m_b", "T9", "O1")
		rb := newRefund(q, "R9", "RN1", at(time.Minute))
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{q}, Refunds: []*paygate.Refund{rb}})
		got, err = s.RefundByNumber(ctx, "m_b", "RN1")
		if err != nil {
			t.Fatalf("RefundByNumber: %v", err)
		}
		checkRefund(t, got, rb)
	})

	t.Run("DuplicateRefundID", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		p := newPayment("m_a", "T1", "O1")
		first := newRefund(p, "R1", "RN1", at(time.Minute))
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Refunds: []*paygate.Refund{first}})
		wantCode(t, s.Apply(ctx, paygate.Change{Refunds: []*paygate.Refund{newRefund(p, "R1", "RN2", at(2*time.Minute))}}), paygate.EConflict)
		got, err := s.Refund(ctx, "m_a", "R1")
		if err != nil {
			t.Fatalf("Refund: %v", err)
		}
		checkRefund(t, got, first)
		_, err = s.RefundByNumber(ctx, "m_a", "RN2")
		wantCode(t, err, paygate.ENotFound)
	})

	t.Run("CompareAndSet", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		p := newPayment("m_a", "T1", "O1")
		r := newRefund(p, "R1", "RN1", at(time.Minute))
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Refunds: []*paygate.Refund{r}})

		v2 := *r
		ev, err := v2.Transition(paygate.RefundSucceeded, at(2*time.Minute), "req_2")
		if err != nil {
			t.Fatalf("Transition: %v", err)
		}
		v2.Version = 2
		v2.AcquirerRef = "ACQ-R1"
		mustApply(t, s, paygate.Change{Refunds: []*paygate.Refund{&v2}, Events: []paygate.Event{ev}})
		got, err := s.Refund(ctx, "m_a", "R1")
		if err != nil {
			t.Fatalf("Refund: %v", err)
		}
		checkRefund(t, got, &v2)

		stale := *r
		stale.Version = 2
		stale.Status = paygate.RefundFailed
		stale.FailureCode = "declined"
		err = s.Apply(ctx, paygate.Change{Refunds: []*paygate.Refund{&stale},
			Events: []paygate.Event{{MerchantID: "m_a", ObjectType: "refund", ObjectID: "R1", From: "PROCESSING", To: "FAILED", RequestID: "req_3", At: at(3 * time.Minute)}}})
		wantCode(t, err, paygate.EConflict)
		got, err = s.RefundByNumber(ctx, "m_a", "RN1")
		if err != nil {
			t.Fatalf("RefundByNumber: %v", err)
		}
		checkRefund(t, got, &v2)
		if evs := mustEvents(t, s, "m_a", "R1"); len(evs) != 1 || evs[0].RequestID != "req_2" {
			t.Errorf("Events of R1: got %+v, want only the event of req_2", evs)
		}
	})
}

func testEvent(t *testing.T, open func(t *testing.T) paygate.Store) {
	t.Run("ListedInOrder", func(t *testing.T) {
		s := open(t)
		p := newPayment("m_a", "T1", "O1")
		p.Status = paygate.StatusPending
		q := newPayment("m_a", "T2", "O2")
		r := newRefund(p, "R1", "RN1", at(5*time.Minute))

		e1 := p.Created("req_1")
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p, q}, Events: []paygate.Event{e1, q.Created("req_1")}})
		e2, err := p.Transition(paygate.StatusAuthorized, at(time.Minute), "req_2")
		if err != nil {
			t.Fatalf("Transition: %v", err)
		}
		// Events keep the order they are appended in, not the order of At.
		e3, err := p.Transition(paygate.StatusSucceeded, at(30*time.Second), "req_3")
		if err != nil {
			t.Fatalf("Transition: %v", err)
		}
		e4 := r.Created("req_4")
		mustApply(t, s, paygate.Change{Events: []paygate.Event{e2, e3, e4}})

		want := []paygate.Event{e1, e2, e3}
		got := mustEvents(t, s, "m_a", "T1")
		checkEvents(t, got, want)
		checkEvents(t, mustEvents(t, s, "m_a", "R1"), []paygate.Event{e4})
		if got := mustEvents(t, s, "m_a", "T2"); len(got) != 1 || got[0].To != string(q.Status) {
			t.Errorf("Events of T2: got %+v, want one creation event", got)
		}
		if got := mustEvents(t, s, "m_a", "T_unknown"); len(got) != 0 {
			t.Errorf("Events of an unknown object: got %d, want 0", len(got))
		}
	})

	t.Run("IDsIncrease", func(t *testing.T) {
		s := open(t)
		var last int64
		for i := range 5 {
			ev := paygate.Event{MerchantID: "m_a", ObjectType: "payment", ObjectID: "T1",
				From: "PENDING", To: "PENDING", RequestID: fmt.Sprintf("req_%d", i), At: at(0)}
			mustApply(t, s, paygate.Change{Events: []paygate.Event{ev}})
		}
		for i, ev := range mustEvents(t, s, "m_a", "T1") {
			if want := fmt.Sprintf("req_%d", i); ev.RequestID != want {
				t.Errorf("event %d RequestID: got %q, want %q", i, ev.RequestID, want)
			}
			if ev.ID <= last {
				t.Errorf("event %d ID: got %d, want more than %d", i, ev.ID, last)
			}
			last = ev.ID
		}
	})
}

func testIsolation(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	p := newPayment("m_a", "T1", "O1")
	r := newRefund(p, "R1", "RN1", at(time.Minute))
	mustApply(t, s, paygate.Change{
		Payments:    []*paygate.Payment{p},
		Refunds:     []*paygate.Refund{r},
		Events:      []paygate.Event{p.Created("req_1"), r.Created("req_1")},
		Idempotency: []*paygate.IdempotencyRecord{newIdempotency("m_a", "k1", at(time.Hour))},
	})

	t.Run("Reads", func(t *testing.T) {
		_, err := s.Payment(ctx, "m_b", "T1")
		wantCode(t, err, paygate.ENotFound)
		_, err = s.PaymentByOrderNo(ctx, "m_b", "O1")
		wantCode(t, err, paygate.ENotFound)
		_, err = s.Refund(ctx, "m_b", "R1")
		wantCode(t, err, paygate.ENotFound)
		_, err = s.RefundByNumber(ctx, "m_b", "RN1")
		wantCode(t, err, paygate.ENotFound)
		if rs := mustRefunds(t, s, "m_b", "T1"); len(rs) != 0 {
			t.Errorf("Refunds of another merchant's payment: got %d, want 0", len(rs))
		}
		for _, id := range []string{"T1", "R1"} {
			if evs := mustEvents(t, s, "m_b", id); len(evs) != 0 {
				t.Errorf("Events of another merchant's %s: got %d, want 0", id, len(evs))
			}
		}
		_, err = s.Idempotency(ctx, "m_b", "k1")
		wantCode(t, err, paygate.ENotFound)
		_, err = s.Payment(ctx, "", "T1")
		wantCode(t, err, paygate.ENotFound)
	})

	t.Run("Writes", func(t *testing.T) {
		// Merchant B cannot update merchant A's objects by naming their ids.
		pb := *p
		pb.MerchantID = "m_b"
		pb.Version = 2
		pb.Status = paygate.StatusCancelled
		wantCode(t, s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{&pb}}), paygate.EConflict)
		rb := *r
		rb.MerchantID = "m_b"
		rb.Version = 2
		rb.Status = paygate.RefundFailed
		wantCode(t, s.Apply(ctx, paygate.Change{Refunds: []*paygate.Refund{&rb}}), paygate.EConflict)
		kb := newIdempotency("m_b", "k1", at(time.Hour))
		kb.Version = 2
		wantCode(t, s.Apply(ctx, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{kb}}), paygate.EConflict)

		checkPayment(t, mustPayment(t, s, "m_a", "T1"), p)
		got, err := s.Refund(ctx, "m_a", "R1")
		if err != nil {
			t.Fatalf("Refund: %v", err)
		}
		checkRefund(t, got, r)
		_, err = s.Idempotency(ctx, "m_b", "k1")
		wantCode(t, err, paygate.ENotFound)
	})
}

func testAtomicity(t *testing.T, open func(t *testing.T) paygate.Store) {
	// A Change that fails on its last part writes none of its earlier parts.
	t.Run("IdempotencyConflict", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		mustApply(t, s, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{newIdempotency("m_a", "k1", at(time.Hour))}})
		p := newPayment("m_a", "T1", "O1")
		r := newRefund(p, "R1", "RN1", at(time.Minute))
		err := s.Apply(ctx, paygate.Change{
			Payments:    []*paygate.Payment{p},
			Refunds:     []*paygate.Refund{r},
			Events:      []paygate.Event{p.Created("req_1"), r.Created("req_1")},
			Idempotency: []*paygate.IdempotencyRecord{newIdempotency("m_a", "k2", at(time.Hour)), newIdempotency("m_a", "k1", at(time.Hour))},
		})
		wantCode(t, err, paygate.EConflict)
		checkNothingWritten(t, s, "m_a", []string{"T1"}, []string{"R1"}, []string{"RN1"}, []string{"k2"})
	})

	t.Run("DuplicateWithinChange", func(t *testing.T) {
		s := open(t)
		p := newPayment("m_a", "T1", "O1")
		q := newPayment("m_a", "T2", "O1")
		wantCode(t, s.Apply(t.Context(), paygate.Change{Payments: []*paygate.Payment{p, q},
			Events: []paygate.Event{p.Created("req_1")}}), paygate.EConflict)
		checkNothingWritten(t, s, "m_a", []string{"T1", "T2"}, nil, nil, nil)
	})

	t.Run("EmptyChange", func(t *testing.T) {
		s := open(t)
		mustApply(t, s, paygate.Change{})
	})
}

func testDuePayments(t *testing.T, open func(t *testing.T) paygate.Store) {
	now := at(5 * time.Minute)
	expiring := []paygate.Status{paygate.StatusPending, paygate.StatusRequiresAction, paygate.StatusAuthorized}
	setup := func(t *testing.T) paygate.Store {
		t.Helper()
		s := open(t)
		due := func(merchantID, tradeNo string, st paygate.Status, exp *time.Time) *paygate.Payment {
			p := newPayment(merchantID, tradeNo, "O_"+tradeNo)
			p.Status = st
			p.ExpiresAt = exp
			return p
		}
		// Inserted neither in deadline nor in id order.
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{
			due("m_a", "T_a3", paygate.StatusPending, ptr(at(10*time.Minute))),       // not yet due
			due("m_a", "T_a2", paygate.StatusAuthorized, ptr(at(3*time.Minute))),     // due third
			due("m_a", "T_a4", paygate.StatusSucceeded, ptr(at(30*time.Second))),     // status not asked for
			due("m_a", "T_a6", paygate.StatusPending, ptr(now)),                      // due at now exactly
			due("m_a", "T_a5", paygate.StatusPending, nil),                           // no deadline
			due("m_b", "T_b1", paygate.StatusRequiresAction, ptr(at(2*time.Minute))), // other merchant
		}})
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{
			due("m_a", "T_a1", paygate.StatusPending, ptr(at(1*time.Minute))),
			due("m_c", "T_c1", paygate.StatusFailed, ptr(at(0))),
			due("m_c", "T_c2", paygate.StatusExpired, nil),
		}})
		return s
	}

	for _, tc := range []struct {
		name     string
		statuses []paygate.Status
		now      time.Time
		limit    int
		want     []string
	}{
		{"All", expiring, now, 100, []string{"T_a1", "T_b1", "T_a2", "T_a6"}},
		{"Limit", expiring, now, 2, []string{"T_a1", "T_b1"}},
		{"LimitOne", expiring, now, 1, []string{"T_a1"}},
		{"OneStatus", []paygate.Status{paygate.StatusAuthorized}, now, 100, []string{"T_a2"}},
		{"OtherStatuses", []paygate.Status{paygate.StatusSucceeded, paygate.StatusFailed}, now, 100, []string{"T_c1", "T_a4"}},
		{"Earlier", expiring, at(2*time.Minute - time.Millisecond), 100, []string{"T_a1"}},
		{"Later", expiring, at(time.Hour), 100, []string{"T_a1", "T_b1", "T_a2", "T_a6", "T_a3"}},
		{"NoneDue", expiring, at(0), 100, nil},
		{"NoStatuses", nil, now, 100, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := setup(t)
			got, err := s.DuePayments(t.Context(), tc.statuses, tc.now, tc.limit)
			if err != nil {
				t.Fatalf("DuePayments: %v", err)
			}
			if ids := tradeNos(got); !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("DuePayments: got %v, want %v", ids, tc.want)
			}
			for _, p := range got {
				checkPayment(t, p, mustPayment(t, s, p.MerchantID, p.TradeNo))
			}
		})
	}

	t.Run("FollowsUpdates", func(t *testing.T) {
		// The deadline and status an update writes are the ones DuePayments sees.
		s := setup(t)
		p := mustPayment(t, s, "m_a", "T_a1")
		p.Version++
		if _, err := p.Transition(paygate.StatusExpired, now, "req_sweep"); err != nil {
			t.Fatalf("Transition: %v", err)
		}
		p.ExpiresAt = nil
		q := mustPayment(t, s, "m_a", "T_a3")
		q.Version++
		q.ExpiresAt = ptr(at(4 * time.Minute))
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p, q}})
		got, err := s.DuePayments(t.Context(), expiring, now, 100)
		if err != nil {
			t.Fatalf("DuePayments: %v", err)
		}
		if ids, want := tradeNos(got), []string{"T_b1", "T_a2", "T_a3", "T_a6"}; !reflect.DeepEqual(ids, want) {
			t.Errorf("DuePayments: got %v, want %v", ids, want)
		}
	})
}

func testIdempotency(t *testing.T, open func(t *testing.T) paygate.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
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
	})

	t.Run("Duplicate", func(t *testing.T) {
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
	})

	t.Run("CompareAndSet", func(t *testing.T) {
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
	})

	t.Run("DeleteExpired", func(t *testing.T) {
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
	})
}

func testConcurrency(t *testing.T, open func(t *testing.T) paygate.Store) {
	const n = 20

	t.Run("InsertSameOrderNo", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		errs := race(n, func(i int) error {
			p := newPayment("m_a", fmt.Sprintf("T%02d", i), "O1")
			return s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{p}, Events: []paygate.Event{p.Created("req")}})
		})
		winner := checkOneWinner(t, errs)
		if winner < 0 {
			return
		}
		got, err := s.PaymentByOrderNo(ctx, "m_a", "O1")
		if err != nil {
			t.Fatalf("PaymentByOrderNo: %v", err)
		}
		if want := fmt.Sprintf("T%02d", winner); got.TradeNo != want {
			t.Errorf("TradeNo: got %s, want %s", got.TradeNo, want)
		}
		for i := range n {
			want := 0
			if i == winner {
				want = 1
			}
			if evs := mustEvents(t, s, "m_a", fmt.Sprintf("T%02d", i)); len(evs) != want {
				t.Errorf("Events of T%02d: got %d, want %d", i, len(evs), want)
			}
		}
	})

	t.Run("CompareAndSet", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		p := newPayment("m_a", "T1", "O1")
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}})
		errs := race(n, func(i int) error {
			q := *p
			q.Version = 2
			q.Description = fmt.Sprintf("writer %d", i)
			return s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{&q},
				Refunds: []*paygate.Refund{newRefund(p, fmt.Sprintf("R%02d", i), fmt.Sprintf("RN%02d", i), at(time.Minute))}})
		})
		winner := checkOneWinner(t, errs)
		if winner < 0 {
			return
		}
		got := mustPayment(t, s, "m_a", "T1")
		if got.Version != 2 {
			t.Errorf("Version: got %d, want 2", got.Version)
		}
		if want := fmt.Sprintf("writer %d", winner); got.Description != want {
			t.Errorf("Description: got %q, want %q", got.Description, want)
		}
		if rs, want := refundIDs(mustRefunds(t, s, "m_a", "T1")), []string{fmt.Sprintf("R%02d", winner)}; !reflect.DeepEqual(rs, want) {
			t.Errorf("Refunds: got %v, want %v", rs, want)
		}
	})

	t.Run("IdempotencyInsert", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		errs := race(n, func(i int) error {
			k := newIdempotency("m_a", "k1", at(time.Hour))
			k.RequestHash = fmt.Sprintf("hash-%d", i)
			return s.Apply(ctx, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{k}})
		})
		winner := checkOneWinner(t, errs)
		if winner < 0 {
			return
		}
		got, err := s.Idempotency(ctx, "m_a", "k1")
		if err != nil {
			t.Fatalf("Idempotency: %v", err)
		}
		if want := fmt.Sprintf("hash-%d", winner); got.RequestHash != want {
			t.Errorf("RequestHash: got %q, want %q", got.RequestHash, want)
		}
	})

	t.Run("Readers", func(t *testing.T) {
		// Reads running alongside writes see each committed payment whole.
		s, ctx := open(t), t.Context()
		p := newPayment("m_a", "T1", "O1")
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}})
		var wg sync.WaitGroup
		errc := make(chan error, 2*n)
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				q := newPayment("m_a", fmt.Sprintf("T_w%02d", i), fmt.Sprintf("O_w%02d", i))
				errc <- s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{q}})
			}()
			go func() {
				defer wg.Done()
				got, err := s.Payment(ctx, "m_a", "T1")
				if err == nil && got.OrderNo != "O1" {
					err = fmt.Errorf("OrderNo: got %q, want O1", got.OrderNo)
				}
				errc <- err
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

// race runs f(0..n-1) in n goroutines released at once and returns their errors.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// checkOneWinner checks that exactly one error is nil and all others are
// conflicts; it returns the index of the winner, or -1.
func checkOneWinner(t *testing.T, errs []error) int {
	t.Helper()
	winner, wins := -1, 0
	for i, err := range errs {
		switch code := paygate.ErrorCode(err); code {
		case "":
			winner = i
			wins++
		case paygate.EConflict:
		default:
			t.Errorf("goroutine %d: got %v (code %q), want nil or code %q", i, err, code, paygate.EConflict)
		}
	}
	if wins != 1 {
		t.Errorf("successful writes: got %d, want 1", wins)
		return -1
	}
	return winner
}

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

// newPayment returns a payment (Version 1) with every field set.
func newPayment(merchantID, tradeNo, orderNo string) *paygate.Payment {
	return &paygate.Payment{
		TradeNo:           tradeNo,
		MerchantID:        merchantID,
		OrderNo:           orderNo,
		Status:            paygate.StatusRequiresAction,
		Version:           1,
		Amount:            paygate.Money{Minor: 10_099, Currency: "USD"},
		CapturedMinor:     1,
		RefundedMinor:     2,
		RefundingMinor:    3,
		PaymentMethodType: paygate.MethodCard,
		CaptureMethod:     paygate.CaptureManual,
		Description:       "Order " + orderNo + " — 2 × café",
		BillingDesc:       "PAYGATE*SHOP",
		FraudMode:         "strict",
		NotificationURL:   "https://shop.example/notify",
		FrontURL:          "https://shop.example/return?order=" + orderNo,
		Card: &paygate.CardDetails{Brand: "visa", BIN: "424242", Last4: "4242", ExpiryMonth: 12,
			ExpiryYear: 2030, HolderName: "Jane Doe", Fingerprint: "fp_9f86d081884c7d65"},
		ThreeDS: &paygate.ThreeDS{Mode: "challenge", Version: "2.2.0", ECI: "05", CAVV: "AAABBBCCC=",
			DSTransID: "f25084f0-5b16-4c0a-ae5d-b24808a95e4b", XID: "xid-1", AuthenticationResultCode: "Y",
			LiabilityShift: true},
		Risk: &paygate.Risk{Decision: "approve", Score: 42, Reasons: []string{"velocity_ok", "bin_country_match"}},
		NextAction: &paygate.NextAction{Type: "redirect", URL: "https://pay.example/3ds/" + tradeNo,
			QRCode: "qr-data", QRImageURL: "https://pay.example/qr/" + tradeNo + ".png"},
		FailureCode:           "soft_decline",
		FailureMessage:        "Do not honour",
		TransactionIdentifier: "TXN-" + tradeNo,
		AcquirerRef:           "ACQ-" + tradeNo,
		AuthCode:              "A1B2C3",
		Billing:               json.RawMessage(`{"name":"Jane Doe","address":{"line1":"1 Rue de la Paix","city":"Paris","country":"FR"}}`),
		Shipping:              json.RawMessage(`{"name":"Jane Doe","method":"express"}`),
		ProductInfo:           json.RawMessage(`[{"sku":"A-1","quantity":2,"price":"50.00"},{"sku":"B-2","quantity":1,"price":"0.99"}]`),
		DeviceInfo:            json.RawMessage(`{"ip":"203.0.113.7","userAgent":"Mozilla/5.0"}`),
		Metadata:              json.RawMessage(`{"cart":"c_1","note":"gift"}`),
		RequestHash:           "rh_" + tradeNo,
		WrongChallengeCodes:   2,
		CreatedAt:             at(0),
		UpdatedAt:             at(time.Second),
		AuthorizedAt:          ptr(at(2 * time.Second)),
		ExpiresAt:             ptr(at(15 * time.Minute)),
	}
}

// newRefund returns a refund (Version 1) of p with every field set.
func newRefund(p *paygate.Payment, refundID, refundNumber string, created time.Time) *paygate.Refund {
	return &paygate.Refund{
		RefundID:        refundID,
		MerchantID:      p.MerchantID,
		RefundNumber:    refundNumber,
		TradeNo:         p.TradeNo,
		OrderNo:         p.OrderNo,
		Status:          paygate.RefundProcessing,
		Version:         1,
		Amount:          paygate.Money{Minor: 1_000, Currency: p.Amount.Currency},
		Reason:          "customer request",
		ClientIP:        "198.51.100.4",
		NotificationURL: "https://shop.example/notify/refund",
		FailureCode:     "none",
		FailureMessage:  "none yet",
		AcquirerRef:     "ACQ-" + refundID,
		RequestHash:     "rh_" + refundID,
		CreatedAt:       created,
		UpdatedAt:       created.Add(time.Millisecond),
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

func mustApply(t *testing.T, s paygate.Store, c paygate.Change) {
	t.Helper()
	if err := s.Apply(t.Context(), c); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func mustPayment(t *testing.T, s paygate.Store, merchantID, tradeNo string) *paygate.Payment {
	t.Helper()
	p, err := s.Payment(t.Context(), merchantID, tradeNo)
	if err != nil {
		t.Fatalf("Payment %s: %v", tradeNo, err)
	}
	return p
}

func mustRefunds(t *testing.T, s paygate.Store, merchantID, tradeNo string) []*paygate.Refund {
	t.Helper()
	rs, err := s.Refunds(t.Context(), merchantID, tradeNo)
	if err != nil {
		t.Fatalf("Refunds %s: %v", tradeNo, err)
	}
	return rs
}

func mustEvents(t *testing.T, s paygate.Store, merchantID, objectID string) []paygate.Event {
	t.Helper()
	evs, err := s.Events(t.Context(), merchantID, objectID)
	if err != nil {
		t.Fatalf("Events %s: %v", objectID, err)
	}
	return evs
}

func countMerchants(t *testing.T, s paygate.Store) int {
	t.Helper()
	n, err := s.CountMerchants(t.Context())
	if err != nil {
		t.Fatalf("CountMerchants: %v", err)
	}
	return n
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := paygate.ErrorCode(err); got != code {
		t.Errorf("error: got %v (code %q), want code %q", err, got, code)
	}
}

func checkMerchant(t *testing.T, got, want *paygate.Merchant) {
	t.Helper()
	g, w := *got, *want
	if !bytes.Equal(g.NotifySecretSealed, w.NotifySecretSealed) {
		t.Errorf("Merchant %s NotifySecretSealed: got %x, want %x", w.ID, g.NotifySecretSealed, w.NotifySecretSealed)
	}
	if !g.CreatedAt.Equal(w.CreatedAt) {
		t.Errorf("Merchant %s CreatedAt: got %v, want %v", w.ID, g.CreatedAt, w.CreatedAt)
	}
	g.NotifySecretSealed, w.NotifySecretSealed = nil, nil
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("Merchant: got %+v, want %+v", g, w)
	}
}

func checkPayment(t *testing.T, got, want *paygate.Payment) {
	t.Helper()
	g, w := normPayment(got), normPayment(want)
	if reflect.DeepEqual(g, w) {
		return
	}
	gv, wv := reflect.ValueOf(*g), reflect.ValueOf(*w)
	for i := range gv.NumField() {
		gf, wf := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(gf, wf) {
			t.Errorf("Payment %s %s: got %s, want %s", want.TradeNo, gv.Type().Field(i).Name, show(gf), show(wf))
		}
	}
}

func checkRefund(t *testing.T, got, want *paygate.Refund) {
	t.Helper()
	g, w := *got, *want
	g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	if g != w {
		t.Errorf("Refund %s:\ngot  %s\nwant %s", want.RefundID, asJSON(got), asJSON(want))
	}
}

func checkEvents(t *testing.T, got, want []paygate.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Events: got %d (%+v), want %d", len(got), got, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID == 0 {
			t.Errorf("event %d ID: got 0, want an id set by the store", i)
		}
		if i > 0 && g.ID <= got[i-1].ID {
			t.Errorf("event %d ID: got %d, want more than %d", i, g.ID, got[i-1].ID)
		}
		g.ID, w.ID = 0, 0
		g.At, w.At = g.At.UTC(), w.At.UTC()
		if g != w {
			t.Errorf("event %d: got %+v, want %+v", i, g, w)
		}
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

// normPayment returns a copy of p with its times in UTC and its JSON parts in
// one canonical form (stores may keep JSON as a parsed document). Absent JSON
// stays absent: nil is not "null".
func normPayment(p *paygate.Payment) *paygate.Payment {
	if p == nil {
		return nil
	}
	c := *p
	c.CreatedAt, c.UpdatedAt = normTime(c.CreatedAt), normTime(c.UpdatedAt)
	for _, tp := range []**time.Time{&c.AuthorizedAt, &c.ExpiresAt} {
		if *tp != nil {
			*tp = ptr(normTime(**tp))
		}
	}
	for _, raw := range []*json.RawMessage{&c.Billing, &c.Shipping, &c.ProductInfo, &c.DeviceInfo, &c.Metadata} {
		*raw = normJSON(*raw)
	}
	return &c
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

func tradeNos(ps []*paygate.Payment) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.TradeNo)
	}
	return ids
}

func refundIDs(rs []*paygate.Refund) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.RefundID)
	}
	return ids
}
