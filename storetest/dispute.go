package storetest

import (
	"reflect"
	"testing"
	"time"

	"paygate"
)

func newDispute(merchant, id, tradeNo string, due time.Time) *paygate.Dispute {
	return &paygate.Dispute{DisputeID: id, MerchantID: merchant, TradeNo: tradeNo, OrderNo: "O-" + tradeNo,
		Amount: paygate.Money{Minor: 10_099, Currency: "USD"}, FeeMinor: 1_500, Reason: "fraudulent",
		Status: paygate.DisputeNeedsResponse, EvidenceDueBy: due, Version: 1, CreatedAt: t0, UpdatedAt: t0}
}

// testDisputes: a dispute is written with its payment, read back whole by
// its merchant only, listed newest first, found once its deadline passed
// while it waits for evidence, and updated by compare-and-set; a second
// dispute of one payment is refused.
func testDisputes(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	p1, p2 := newPayment("m_1", "T1", "O1"), newPayment("m_1", "T2", "O2")
	d1, d2 := newDispute("m_1", "dp_1", "T1", at(time.Hour)), newDispute("m_1", "dp_2", "T2", at(2*time.Hour))
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p1, p2}, Disputes: []*paygate.Dispute{d1, d2}})
	if got, err := s.Dispute(ctx, "m_1", "dp_1"); err != nil || !reflect.DeepEqual(got, d1) {
		t.Errorf("Dispute = %+v, %v; want %+v", got, err, d1)
	}
	if _, err := s.Dispute(ctx, "m_2", "dp_1"); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("another merchant's dispute: %v, want not_found", err)
	}
	page, err := s.Disputes(ctx, "m_1", "", 10)
	if err != nil || len(page) != 2 || page[0].DisputeID != "dp_2" {
		t.Errorf("Disputes = %+v, %v; want dp_2, dp_1", page, err)
	}
	if page, err := s.Disputes(ctx, "m_1", "dp_2", 10); err != nil || len(page) != 1 || page[0].DisputeID != "dp_1" {
		t.Errorf("Disputes after dp_2 = %+v, %v; want dp_1", page, err)
	}
	if due, err := s.DueDisputes(ctx, at(90*time.Minute), 10); err != nil || len(due) != 1 || due[0].DisputeID != "dp_1" {
		t.Errorf("DueDisputes = %+v, %v; want dp_1", due, err)
	}
	// Answered: no longer due. A stale version writes nothing.
	x := *d1
	x.Status, x.Evidence, x.Version = paygate.DisputeUnderReview, "receipt", 2
	mustApply(t, s, paygate.Change{Disputes: []*paygate.Dispute{&x}})
	wantCode(t, s.Apply(ctx, paygate.Change{Disputes: []*paygate.Dispute{&x}}), paygate.EConflict)
	if due, err := s.DueDisputes(ctx, at(3*time.Hour), 10); err != nil || len(due) != 1 || due[0].DisputeID != "dp_2" {
		t.Errorf("DueDisputes once dp_1 is answered = %+v, %v; want dp_2", due, err)
	}
	if got, err := s.Dispute(ctx, "m_1", "dp_1"); err != nil || got.Evidence != "receipt" || got.Version != 2 {
		t.Errorf("the answered dispute: %+v, %v", got, err)
	}
	// One dispute a payment.
	wantCode(t, s.Apply(ctx, paygate.Change{Disputes: []*paygate.Dispute{newDispute("m_1", "dp_3", "T1", at(time.Hour))}}), paygate.EConflict)
}
