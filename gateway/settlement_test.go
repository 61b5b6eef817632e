package gateway_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/wire"
)

// TestSweepClosesTheDay: the sweep closes a merchant's batch of a day once
// the day has passed its cut-off (00:00 UTC), with that day's captures
// only; a capture of the new day waits for the next batch.
func TestSweepClosesTheDay(t *testing.T) {
	gw, _, ctx, now := newTestGateway(t, &acquirer.Sandbox{}, nil)
	pay := func(orderNo string) {
		t.Helper()
		p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: orderNo,
			PaymentMethodType: "card", DeviceInfo: &wire.DeviceInfo{ClientIP: "203.0.113.9"}, Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}})
		if err != nil || p.Status != paygate.StatusSucceeded {
			t.Fatalf("payment: %v %v", p, err)
		}
	}
	pay("day-1")                                  // 2026-11-25 12:00 UTC
	*now = now.Add(11*time.Hour + 59*time.Minute) // 23:59, the same day
	pay("day-2")
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if page, _, err := gw.Settlements.List(ctx, "", ""); err != nil || len(page) != 0 {
		t.Fatalf("before the cut-off: %+v %v, want no batch", page, err)
	}
	*now = now.Add(2 * time.Minute) // 00:01 the next day
	pay("day-3")
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := gw.Sweep(ctx); err != nil { // again: nothing more
		t.Fatal(err)
	}
	page, _, err := gw.Settlements.List(ctx, "", "")
	if err != nil || len(page) != 1 || page[0].Captures != 2 || page[0].GrossMinor != 2_000 ||
		!page[0].Cutoff.Equal(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("after the cut-off: %+v %v, want one batch of the two captures of 2026-11-25", page, err)
	}
	bs, err := gw.Settlements.Balances(ctx)
	if err != nil || len(bs) != 1 || bs[0].Pending != 1_000 || bs[0].Available != 2_000 {
		t.Errorf("balances: %+v %v, want 10.00 pending (today's) and 20.00 available", bs, err)
	}
}

// TestCutoffTimeZone: a merchant whose cut-off is Asia/Singapore (UTC+8)
// has its day closed at 16:00 UTC, not at midnight UTC.
func TestCutoffTimeZone(t *testing.T) {
	gw, _, ctx, now := newTestGateway(t, &acquirer.Sandbox{}, nil)
	if _, err := gw.Merchants.SetSettlementTimeZone(ctx, paygate.MerchantID(ctx), "Mars/Olympus"); paygate.ErrorCode(err) != paygate.EInvalidParameter {
		t.Fatalf("an unknown zone: %v, want invalid_parameter", err)
	}
	mi, err := gw.Merchants.SetSettlementTimeZone(ctx, paygate.MerchantID(ctx), "Asia/Singapore")
	if err != nil || mi.SettlementTimeZone != "Asia/Singapore" {
		t.Fatalf("set: %+v %v", mi, err)
	}
	p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "tz-order-1", // 20:00 in Singapore
		PaymentMethodType: "card", DeviceInfo: &wire.DeviceInfo{ClientIP: "203.0.113.9"},
		Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}})
	if err != nil || p.Status != paygate.StatusSucceeded {
		t.Fatalf("payment: %v %v", p, err)
	}
	*now = now.Add(3*time.Hour + 59*time.Minute) // 15:59 UTC, 23:59 in Singapore
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if page, _, _ := gw.Settlements.List(ctx, "", ""); len(page) != 0 {
		t.Fatalf("before the merchant's midnight: %+v", page)
	}
	*now = now.Add(2 * time.Minute) // 00:01 in Singapore
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	page, _, err := gw.Settlements.List(ctx, "", "")
	if err != nil || len(page) != 1 || !page[0].Cutoff.Equal(time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("after the merchant's midnight: %+v %v, want one batch cut at 16:00 UTC", page, err)
	}
}

// TestSweepGoesOnPastAFailure: a merchant whose batch cannot close (its
// stored time zone does not load) does not hold up another merchant's.
func TestSweepGoesOnPastAFailure(t *testing.T) {
	gw, store, ctx, now := newTestGateway(t, &acquirer.Sandbox{}, nil)
	nm, err := gw.Merchants.CreateMerchant(ctx, "second")
	if err != nil {
		t.Fatal(err)
	}
	ctx2 := paygate.WithMerchantID(t.Context(), nm.Merchant.ID)
	for i, c := range []context.Context{ctx, ctx2} {
		if _, _, err := gw.Payments.CreatePayment(c, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD",
			OrderNo: fmt.Sprintf("order-fail-%d", i), PaymentMethodType: "card", DeviceInfo: &wire.DeviceInfo{ClientIP: "203.0.113.9"},
			Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}}); err != nil {
			t.Fatal(err)
		}
	}
	// The zone of the merchant the sweep meets first (by id) was set past
	// the check (an older node, a hand edit).
	bad, good := ctx, ctx2
	if paygate.MerchantID(ctx2) < paygate.MerchantID(ctx) {
		bad, good = ctx2, ctx
	}
	if err := store.SetSettlementTimeZone(bad, paygate.MerchantID(bad), "Mars/Olympus"); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(13 * time.Hour)
	if _, err := gw.Sweep(ctx); err == nil {
		t.Error("the sweep hid the batch that failed")
	}
	if page, _, err := gw.Settlements.List(good, "", ""); err != nil || len(page) != 1 {
		t.Errorf("the other merchant's batches: %+v %v, want its day closed", page, err)
	}
	if page, _, _ := gw.Settlements.List(bad, "", ""); len(page) != 0 {
		t.Errorf("a batch closed with a zone that does not load: %+v", page)
	}
}
