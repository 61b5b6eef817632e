package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"paygate"
	"paygate/ledger"
)

func money(minor int64, cur string) paygate.Money { return paygate.Money{Minor: minor, Currency: cur} }

// settle builds a batch from its totals as the gateway does, noting them.
func settle(id, merchant, cur string, cutoff time.Time, seen *[]paygate.SettlementTotal) func([]paygate.SettlementTotal) (*paygate.Settlement, paygate.Change, error) {
	return func(totals []paygate.SettlementTotal) (*paygate.Settlement, paygate.Change, error) {
		if seen != nil {
			*seen = totals
		}
		st, j, err := ledger.Settle(id, merchant, cur, cutoff, at(3*time.Hour), totals)
		if j == nil {
			return st, paygate.Change{}, err
		}
		return st, paygate.Change{Journals: []*paygate.Journal{j}}, err
	}
}

// testSettlements: the journals that wait for a batch are taken by exactly
// one, before its cut-off, per merchant and currency; the batch, its lines
// and the merchant's waiting and unpaid sums read back; concurrent closes of the same
// movements make one batch; a batch is paid once.
func testSettlements(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	post := func(j *paygate.Journal, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		mustApply(t, s, paygate.Change{Journals: []*paygate.Journal{j}})
	}
	post(ledger.Capture("J-capture-T1", "m_1", "T1", at(time.Minute), money(10_099, "USD"), money(323, "USD")))
	post(ledger.Refund("J-refund-R1", "m_1", "T1", "R1", at(2*time.Minute), money(1_000, "USD")))
	post(ledger.Capture("J-capture-T2", "m_1", "T2", at(3*time.Minute), money(5_000, "EUR"), money(0, "EUR")))
	post(ledger.Capture("J-capture-T3", "m_2", "T3", at(4*time.Minute), money(700, "USD"), money(21, "USD")))
	post(ledger.Capture("J-capture-T4", "m_1", "T4", at(2*time.Hour), money(300, "USD"), money(9, "USD"))) // after the cut-off
	cutoff := at(time.Hour)

	due, err := s.Due(ctx)
	if want := []paygate.Due{{MerchantID: "m_1", Currency: "EUR", Oldest: at(3 * time.Minute)}, {MerchantID: "m_1", Currency: "USD", Oldest: at(time.Minute)},
		{MerchantID: "m_2", Currency: "USD", Oldest: at(4 * time.Minute)}}; err != nil || !reflect.DeepEqual(due, want) {
		t.Fatalf("Due = %+v, %v; want %+v", due, err, want)
	}
	var totals []paygate.SettlementTotal
	st, err := s.CloseSettlement(ctx, "stl_1", "m_1", "USD", cutoff, settle("stl_1", "m_1", "USD", cutoff, &totals))
	if err != nil || st == nil {
		t.Fatalf("CloseSettlement = %+v, %v", st, err)
	}
	want := &paygate.Settlement{ID: "stl_1", MerchantID: "m_1", Currency: "USD", Cutoff: cutoff, Status: paygate.SettlementSettled,
		Captures: 1, Refunds: 1, GrossMinor: 10_099, RefundedMinor: 1_000, FeeMinor: 323, NetMinor: 10_099 - 1_000 - 323, CreatedAt: at(3 * time.Hour)}
	if got, err := s.Settlement(ctx, "m_1", "stl_1"); err != nil || !reflect.DeepEqual(got, want) || !reflect.DeepEqual(st, want) {
		t.Errorf("the batch: %+v, %v; want %+v (totals %+v)", got, err, want, totals)
	}
	if _, err := s.Settlement(ctx, "m_2", "stl_1"); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("another merchant's batch: %v, want not_found", err)
	}
	items, err := s.SettlementItems(ctx, "m_1", "stl_1", "", 10)
	wantItems := []paygate.SettlementItem{
		{JournalID: "J-capture-T1", Kind: "capture", TradeNo: "T1", Ref: "T1", At: at(time.Minute), GrossMinor: 10_099, FeeMinor: 323, NetMinor: 9_776},
		{JournalID: "J-refund-R1", Kind: "refund", TradeNo: "T1", Ref: "R1", At: at(2 * time.Minute), GrossMinor: -1_000, NetMinor: -1_000},
	}
	if err != nil || !reflect.DeepEqual(items, wantItems) {
		t.Errorf("the batch's lines: %+v, %v; want %+v", items, err, wantItems)
	}
	if items, err := s.SettlementItems(ctx, "m_2", "stl_1", "", 10); err != nil || len(items) != 0 {
		t.Errorf("another merchant's batch's lines: %+v, %v", items, err)
	}
	closeAgain(t, s, cutoff)
	// The later capture waits for the next batch; a batch of the same cut-off is refused.
	_, err = s.CloseSettlement(ctx, "stl_3", "m_1", "USD", cutoff, func([]paygate.SettlementTotal) (*paygate.Settlement, paygate.Change, error) {
		x := *want
		x.ID = "stl_3"
		return &x, paygate.Change{}, nil
	})
	wantCode(t, err, paygate.EConflict)

	closeConcurrently(t, s, cutoff)
	if _, bs, err := balances(ctx, s, "m_1"); err != nil || !reflect.DeepEqual(bs, []paygate.Balance{{Currency: "USD", Minor: 8_776}}) {
		t.Errorf("the unpaid batches of m_1 before the payout = %+v, %v; want the batch's net", bs, err)
	}
	payOnce(t, s)
	if _, bs, err := balances(ctx, s, "m_1"); err != nil || len(bs) != 0 {
		t.Errorf("the unpaid batches of m_1 after the payout = %+v, %v; want none", bs, err)
	}
	bs, _, err := balances(ctx, s, "m_1")
	wantBs := []paygate.Balance{
		{Account: ledger.MerchantPending, Currency: "EUR", Minor: -5_000},
		{Account: ledger.MerchantPending, Currency: "USD", Minor: -291},
	}
	if err != nil || !reflect.DeepEqual(bs, wantBs) {
		t.Errorf("the waiting lines of m_1 = %+v, %v; want %+v", bs, err, wantBs)
	}
	due, err = s.Due(ctx)
	if want := []paygate.Due{{MerchantID: "m_1", Currency: "EUR", Oldest: at(3 * time.Minute)}, {MerchantID: "m_1", Currency: "USD", Oldest: at(2 * time.Hour)}}; err != nil || !reflect.DeepEqual(due, want) {
		t.Errorf("Due after the batches = %+v, %v; want %+v", due, err, want)
	}
}

// closeConcurrently: four closes of m_2's USD batch at once make exactly one
// batch.
func closeConcurrently(t *testing.T, s paygate.Store, cutoff time.Time) {
	var wg sync.WaitGroup
	results := make([]*paygate.Settlement, 4)
	for i := range results {
		wg.Go(func() {
			id := "stl_m2_" + string(rune('a'+i))
			st, err := s.CloseSettlement(t.Context(), id, "m_2", "USD", cutoff, settle(id, "m_2", "USD", cutoff, nil))
			if err != nil && paygate.ErrorCode(err) != paygate.EConflict {
				t.Errorf("close %s: %v", id, err)
			}
			results[i] = st
		})
	}
	wg.Wait()
	var made []string
	for _, st := range results {
		if st != nil {
			made = append(made, st.ID)
		}
	}
	page, err := s.Settlements(t.Context(), "m_2", "", 10)
	if len(made) != 1 || err != nil || len(page) != 1 || page[0].ID != made[0] || page[0].Captures != 1 {
		t.Errorf("four closes at once made %v; m_2's batches: %+v, %v; want exactly one", made, page, err)
	}
}

// payOnce: a SETTLED batch is paid once; paying it again, or another
// merchant's, is refused.
func payOnce(t *testing.T, s paygate.Store) {
	ctx := t.Context()
	st, err := s.Settlement(ctx, "m_1", "stl_1")
	if err != nil {
		t.Fatal(err)
	}
	j, err := ledger.Payout(st, at(4*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.PaySettlement(ctx, "m_2", "stl_1", at(4*time.Hour), j), paygate.ENotFound)
	if err := s.PaySettlement(ctx, "m_1", "stl_1", at(4*time.Hour), j); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.PaySettlement(ctx, "m_1", "stl_1", at(5*time.Hour), nil), paygate.EConflict)
	got, err := s.Settlement(ctx, "m_1", "stl_1")
	if err != nil || got.Status != paygate.SettlementPaid || got.PaidAt == nil || !got.PaidAt.Equal(at(4*time.Hour)) {
		t.Errorf("the paid batch: %+v, %v", got, err)
	}
}

// testSettlementResume: a close cut short before it finished leaves its
// batch CLOSING: hidden from the merchant, its movements still pending,
// listed by ClosingSettlements; the same close again finishes it.
func testSettlementResume(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	for i := range 3 {
		j, err := ledger.Capture(fmt.Sprintf("J-capture-R%d", i), "m_1", fmt.Sprintf("R%d", i), at(time.Duration(i)*time.Minute),
			money(1_000, "USD"), money(30, "USD"))
		if err != nil {
			t.Fatal(err)
		}
		mustApply(t, s, paygate.Change{Journals: []*paygate.Journal{j}})
	}
	cutoff := at(time.Hour)
	crash := errors.New("cut short")
	_, err := s.CloseSettlement(ctx, "stl_r", "m_1", "USD", cutoff, func([]paygate.SettlementTotal) (*paygate.Settlement, paygate.Change, error) {
		return nil, paygate.Change{}, crash
	})
	if !errors.Is(err, crash) {
		t.Fatalf("the cut-short close: %v", err)
	}
	if closing, err := s.ClosingSettlements(ctx); err != nil || len(closing) != 1 || closing[0].ID != "stl_r" || !closing[0].Cutoff.Equal(cutoff) {
		t.Fatalf("ClosingSettlements = %+v, %v; want stl_r", closing, err)
	}
	if _, err := s.Settlement(ctx, "m_1", "stl_r"); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("a closing batch read by its merchant: %v, want not_found", err)
	}
	if page, err := s.Settlements(ctx, "m_1", "", 10); err != nil || len(page) != 0 {
		t.Errorf("a closing batch listed: %+v, %v", page, err)
	}
	if bs, _, err := balances(ctx, s, "m_1"); err != nil || len(bs) != 1 || bs[0].Minor != -3*970 {
		t.Errorf("the waiting lines while closing = %+v, %v; want the three captures' net pending", bs, err)
	}
	st, err := s.CloseSettlement(ctx, "stl_r", "m_1", "USD", cutoff, settle("stl_r", "m_1", "USD", cutoff, nil))
	if err != nil || st == nil || st.Captures != 3 || st.NetMinor != 3*970 {
		t.Fatalf("the close again: %+v, %v; want the three captures", st, err)
	}
	if closing, err := s.ClosingSettlements(ctx); err != nil || len(closing) != 0 {
		t.Errorf("ClosingSettlements after = %+v, %v", closing, err)
	}
	if items, err := s.SettlementItems(ctx, "m_1", "stl_r", "", 10); err != nil || len(items) != 3 {
		t.Errorf("the batch's lines: %+v, %v", items, err)
	}
	if bs, _, err := balances(ctx, s, "m_1"); err != nil || len(bs) != 0 {
		t.Errorf("the waiting lines after = %+v, %v; want none", bs, err)
	}
}

// closeAgain: another batch of the same cut-off is refused; one with
// nothing waiting leaves nothing behind.
func closeAgain(t *testing.T, s paygate.Store, cutoff time.Time) {
	ctx := t.Context()
	_, err := s.CloseSettlement(ctx, "stl_2", "m_1", "USD", cutoff, settle("stl_2", "m_1", "USD", cutoff, nil))
	wantCode(t, err, paygate.EConflict)
	if st, err := s.CloseSettlement(ctx, "stl_empty", "m_3", "USD", cutoff, settle("stl_empty", "m_3", "USD", cutoff, nil)); st != nil || err != nil {
		t.Errorf("closing with nothing waiting: %+v, %v; want nothing", st, err)
	}
	if closing, err := s.ClosingSettlements(ctx); err != nil || len(closing) != 0 {
		t.Errorf("ClosingSettlements = %+v, %v; want none", closing, err)
	}
}

// balances splits a merchant's Balances: the lines of its waiting journals,
// and the net of its unpaid batches.
func balances(ctx context.Context, s paygate.Store, merchant string) (waiting, unpaid []paygate.Balance, err error) {
	bs, err := s.Balances(ctx, merchant)
	for _, b := range bs {
		if b.Account == "" {
			unpaid = append(unpaid, b)
		} else {
			waiting = append(waiting, b)
		}
	}
	return waiting, unpaid, err
}
