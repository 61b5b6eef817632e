package storetest

import (
	"testing"
	"time"

	"paygate"
)

func testRefund(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"RoundTrip", testRefundRoundTrip},
		{"NotFound", testRefundNotFound},
		{"ListOldestFirst", testRefundListOldestFirst},
		{"RefundNumberUniquePerMerchant", testRefundRefundNumberUniquePerMerchant},
		{"DuplicateRefundID", testRefundDuplicateRefundID},
		{"CompareAndSet", testRefundCompareAndSet},
	})
}

func testRefundRoundTrip(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testRefundNotFound(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testRefundListOldestFirst(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testRefundRefundNumberUniquePerMerchant(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testRefundDuplicateRefundID(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testRefundCompareAndSet(t *testing.T, open func(t *testing.T) paygate.Store) {
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

func mustRefunds(t *testing.T, s paygate.Store, merchantID, tradeNo string) []*paygate.Refund {
	t.Helper()
	rs, err := s.Refunds(t.Context(), merchantID, tradeNo)
	if err != nil {
		t.Fatalf("Refunds %s: %v", tradeNo, err)
	}
	return rs
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

func refundIDs(rs []*paygate.Refund) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.RefundID)
	}
	return ids
}
