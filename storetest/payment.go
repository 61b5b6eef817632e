package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"paygate"
)

func testPayment(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"RoundTrip", testPaymentRoundTrip},
		{"RoundTripMinimal", testPaymentRoundTripMinimal},
		{"NotFound", testPaymentNotFound},
		{"DuplicateTradeNo", testPaymentDuplicateTradeNo},
		{"OrderNoUniquePerMerchant", testPaymentOrderNoUniquePerMerchant},
		{"CompareAndSet", testPaymentCompareAndSet},
		{"CompareAndSetStale", testPaymentCompareAndSetStale},
		{"UpdateAbsent", testPaymentUpdateAbsent},
	})
}

func testPaymentRoundTrip(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	want := newPayment("m_a", "T1", "O1")
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{want}})
	checkPayment(t, mustPayment(t, s, "m_a", "T1"), want)
	got, err := s.PaymentByOrderNo(ctx, "m_a", "O1")
	if err != nil {
		t.Fatalf("PaymentByOrderNo: %v", err)
	}
	checkPayment(t, got, want)
}

func testPaymentRoundTripMinimal(t *testing.T, open func(t *testing.T) paygate.Store) {
	// Absent optional parts stay absent: nil pointers, nil JSON, nil times.
	s := open(t)
	want := &paygate.Payment{TradeNo: "T1", MerchantID: "m_a", OrderNo: "O1",
		Status: paygate.StatusPending, Version: 1, Amount: paygate.Money{Minor: 500, Currency: "JPY"},
		CreatedAt: at(0), UpdatedAt: at(0)}
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{want}})
	checkPayment(t, mustPayment(t, s, "m_a", "T1"), want)
}

func testPaymentNotFound(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testPaymentDuplicateTradeNo(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	first := newPayment("m_a", "T1", "O1")
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{first}})
	wantCode(t, s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{newPayment("m_a", "T1", "O2")}}), paygate.EConflict)
	checkPayment(t, mustPayment(t, s, "m_a", "T1"), first)
	_, err := s.PaymentByOrderNo(ctx, "m_a", "O2")
	wantCode(t, err, paygate.ENotFound)
}

func testPaymentOrderNoUniquePerMerchant(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testPaymentCompareAndSet(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testPaymentCompareAndSetStale(t *testing.T, open func(t *testing.T) paygate.Store) {
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
			t.Parallel()
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
}

func testPaymentUpdateAbsent(t *testing.T, open func(t *testing.T) paygate.Store) {
	// An update of a payment that does not exist matches no row: conflict.
	s, ctx := open(t), t.Context()
	p := newPayment("m_a", "T1", "O1")
	p.Version = 2
	wantCode(t, s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{p}}), paygate.EConflict)
	_, err := s.Payment(ctx, "m_a", "T1")
	wantCode(t, err, paygate.ENotFound)
}

func testEvent(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"ListedInOrder", testEventListedInOrder},
		{"IDsIncrease", testEventIDsIncrease},
	})
}

func testEventListedInOrder(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testEventIDsIncrease(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testIsolation(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"Reads", testIsolationReads},
		{"Writes", testIsolationWrites},
	})
}

// isolated returns a store holding a payment of m_a, its refund, their
// events and an idempotency record.
func isolated(t *testing.T, open func(t *testing.T) paygate.Store) (paygate.Store, *paygate.Payment, *paygate.Refund) {
	t.Helper()
	s := open(t)
	p := newPayment("m_a", "T1", "O1")
	r := newRefund(p, "R1", "RN1", at(time.Minute))
	mustApply(t, s, paygate.Change{
		Payments:    []*paygate.Payment{p},
		Refunds:     []*paygate.Refund{r},
		Events:      []paygate.Event{p.Created("req_1"), r.Created("req_1")},
		Idempotency: []*paygate.IdempotencyRecord{newIdempotency("m_a", "k1", at(time.Hour))},
	})
	return s, p, r
}

func testIsolationReads(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, _, _ := isolated(t, open)
	ctx := t.Context()
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
}

// testIsolationWrites: merchant B cannot update merchant A's objects by
// naming their ids.
func testIsolationWrites(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, p, r := isolated(t, open)
	ctx := t.Context()
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
}

func testAtomicity(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"IdempotencyConflict", testAtomicityIdempotencyConflict},
		{"DuplicateWithinChange", testAtomicityDuplicateWithinChange},
		{"EmptyChange", testAtomicityEmptyChange},
	})
}

// A Change that fails on its last part writes none of its earlier parts.
func testAtomicityIdempotencyConflict(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testAtomicityDuplicateWithinChange(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	p := newPayment("m_a", "T1", "O1")
	q := newPayment("m_a", "T2", "O1")
	wantCode(t, s.Apply(t.Context(), paygate.Change{Payments: []*paygate.Payment{p, q},
		Events: []paygate.Event{p.Created("req_1")}}), paygate.EConflict)
	checkNothingWritten(t, s, "m_a", []string{"T1", "T2"}, nil, nil, nil)
}

func testAtomicityEmptyChange(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	mustApply(t, s, paygate.Change{})
}

// dueNow is the time the due-work tests ask at.
var dueNow = at(5 * time.Minute)

// expiring are the statuses of the payments an expiry sweep asks for.
var expiring = []paygate.Status{paygate.StatusPending, paygate.StatusRequiresAction, paygate.StatusAuthorized}

// duePayments returns a store holding payments of three merchants, with and
// without deadlines, inserted neither in deadline nor in id order.
func duePayments(t *testing.T, open func(t *testing.T) paygate.Store) paygate.Store {
	t.Helper()
	s := open(t)
	due := func(merchantID, tradeNo string, st paygate.Status, exp *time.Time) *paygate.Payment {
		p := newPayment(merchantID, tradeNo, "O_"+tradeNo)
		p.Status = st
		p.ExpiresAt = exp
		return p
	}
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{
		due("m_a", "T_a3", paygate.StatusPending, ptr(at(10*time.Minute))),       // not yet due
		due("m_a", "T_a2", paygate.StatusAuthorized, ptr(at(3*time.Minute))),     // due third
		due("m_a", "T_a4", paygate.StatusSucceeded, ptr(at(30*time.Second))),     // status not asked for
		due("m_a", "T_a6", paygate.StatusPending, ptr(dueNow)),                   // due at now exactly
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

func testDuePayments(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := duePayments(t, open) // only read by the cases of the table
	now := dueNow
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
			t.Parallel()
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
	parallel(t, open, []subtest{{"FollowsUpdates", testDuePaymentsFollowsUpdates}})
}

// testDuePaymentsFollowsUpdates: the deadline and status an update writes
// are the ones DuePayments sees.
func testDuePaymentsFollowsUpdates(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := duePayments(t, open)
	p := mustPayment(t, s, "m_a", "T_a1")
	p.Version++
	if _, err := p.Transition(paygate.StatusExpired, dueNow, "req_sweep"); err != nil {
		t.Fatalf("Transition: %v", err)
	}
	p.ExpiresAt = nil
	q := mustPayment(t, s, "m_a", "T_a3")
	q.Version++
	q.ExpiresAt = ptr(at(4 * time.Minute))
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p, q}})
	got, err := s.DuePayments(t.Context(), expiring, dueNow, 100)
	if err != nil {
		t.Fatalf("DuePayments: %v", err)
	}
	if ids, want := tradeNos(got), []string{"T_b1", "T_a2", "T_a3", "T_a6"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("DuePayments: got %v, want %v", ids, want)
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

func mustPayment(t *testing.T, s paygate.Store, merchantID, tradeNo string) *paygate.Payment {
	t.Helper()
	p, err := s.Payment(t.Context(), merchantID, tradeNo)
	if err != nil {
		t.Fatalf("Payment %s: %v", tradeNo, err)
	}
	return p
}

func mustEvents(t *testing.T, s paygate.Store, merchantID, objectID string) []paygate.Event {
	t.Helper()
	evs, err := s.Events(t.Context(), merchantID, objectID)
	if err != nil {
		t.Fatalf("Events %s: %v", objectID, err)
	}
	return evs
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

func tradeNos(ps []*paygate.Payment) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.TradeNo)
	}
	return ids
}
