package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"paygate"
)

func newJournal(id, merchant, tradeNo string, minor int64) *paygate.Journal {
	return &paygate.Journal{ID: id, MerchantID: merchant, TradeNo: tradeNo, Kind: "capture", Ref: tradeNo, At: t0, Entries: []paygate.Entry{
		{Account: paygate.Account{Kind: "acquirer_owes", Currency: "USD"}, Minor: minor},
		{Account: paygate.Account{Kind: "merchant_pending", Merchant: merchant, Currency: "USD"}, Minor: -minor},
	}}
}

// testJournals: journals are written with the change that makes them, read
// back whole and in order, and a journal id used again fails the whole
// change.
func testJournals(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	p := newPayment("m_1", "T1", "O1")
	j1 := newJournal("J-capture-T1", "m_1", "T1", 10_099)
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Journals: []*paygate.Journal{j1}})
	for i := range 3 {
		mustApply(t, s, paygate.Change{Journals: []*paygate.Journal{newJournal(fmt.Sprintf("J-x-%d", i), "m_2", "T9", int64(i+1))}})
	}
	got, err := s.Journals(ctx, "", 10)
	if err != nil || len(got) != 4 {
		t.Fatalf("Journals = %d, %v", len(got), err)
	}
	if !reflect.DeepEqual(got[0], j1) {
		t.Errorf("journal = %+v, want %+v", got[0], j1)
	}
	page, err := s.Journals(ctx, "J-capture-T1", 2)
	if err != nil || len(page) != 2 || page[0].ID != "J-x-0" || page[1].ID != "J-x-1" || len(page[1].Entries) != 2 {
		t.Errorf("a page after J-capture-T1: %+v, %v", page, err)
	}
	// The same movement again, with a payment update: nothing is written.
	q := *p
	q.Version, q.Status, q.UpdatedAt = 2, paygate.StatusSucceeded, at(time.Minute)
	err = s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{&q}, Journals: []*paygate.Journal{newJournal("J-capture-T1", "m_1", "T1", 1)}})
	wantCode(t, err, paygate.EConflict)
	if stored := mustPayment(t, s, "m_1", "T1"); stored.Version != 1 {
		t.Error("a change whose journal was posted before wrote its payment")
	}
}

// testPrices: a price is set, replaced by one of the same merchant, method
// and currency, and listed with the default plan's, the merchant's first;
// another merchant's prices are not listed.
func testPrices(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	for _, p := range []paygate.Price{
		{Merchant: "", Method: "", Currency: "", PercentHundredths: 300},
		{Merchant: "m_1", Method: "card", Currency: "USD", PercentHundredths: 290, FixedMinor: 30},
		{Merchant: "m_1", Method: "card", Currency: "USD", PercentHundredths: 250, FixedMinor: 25},
		{Merchant: "m_1", Method: "", Currency: "EUR", PercentHundredths: 100, FixedMinor: 10},
		{Merchant: "m_2", Method: "alipay", Currency: "", PercentHundredths: 1},
	} {
		if err := s.SetPrice(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Prices(ctx, "m_1")
	want := []paygate.Price{
		{Merchant: "m_1", Method: "", Currency: "EUR", PercentHundredths: 100, FixedMinor: 10},
		{Merchant: "m_1", Method: "card", Currency: "USD", PercentHundredths: 250, FixedMinor: 25},
		{Merchant: "", Method: "", Currency: "", PercentHundredths: 300},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Prices(m_1) = %+v, %v; want %+v", got, err, want)
	}
	if got, err := s.Prices(ctx, "m_9"); err != nil || len(got) != 1 || got[0].Merchant != "" {
		t.Errorf("Prices(m_9) = %+v, %v; want the default plan alone", got, err)
	}
}
