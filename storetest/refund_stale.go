package storetest

import (
	"reflect"
	"testing"
	"time"

	"paygate"
)

func testStaleRefunds(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	mk := func(merchantID, id string, status paygate.RefundStatus, updated time.Time) *paygate.Refund {
		return &paygate.Refund{RefundID: id, MerchantID: merchantID, RefundNumber: "rn-" + id, TradeNo: "T1", OrderNo: "o-1",
			Status: status, Version: 1, Amount: paygate.Money{Minor: 100, Currency: "USD"}, Reason: "r", ClientIP: "1.1.1.1",
			CreatedAt: t0, UpdatedAt: updated}
	}
	mustApply(t, s, paygate.Change{Refunds: []*paygate.Refund{
		mk("m_1", "R3", paygate.RefundProcessing, at(3*time.Minute)),
		mk("m_2", "R1", paygate.RefundProcessing, at(time.Minute)),
		mk("m_1", "R2", paygate.RefundProcessing, at(2*time.Minute)),
		mk("m_1", "R4", paygate.RefundSucceeded, at(time.Minute)),
		mk("m_1", "R5", paygate.RefundFailed, at(time.Minute)),
	}})
	got, err := s.StaleRefunds(ctx, at(2*time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.RefundID)
	}
	if want := []string{"R1", "R2"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("StaleRefunds: got %v, want %v (PROCESSING, updated at or before, oldest first, any merchant)", ids, want)
	}
	if got, _ := s.StaleRefunds(ctx, at(time.Hour), 1); len(got) != 1 || got[0].RefundID != "R1" {
		t.Errorf("StaleRefunds limit 1: got %d, want R1 alone", len(got))
	}
}
