package storetest

import (
	"testing"

	"paygate"
)

// testMerchantLimits: a merchant has no limits of its own until set; set
// ones read back, change, and go at 0, 0; another merchant's stay; an
// unknown merchant is not_found.
func testMerchantLimits(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	for _, id := range []string{"m_1", "m_2"} {
		if err := s.CreateMerchant(ctx, newMerchant(id)); err != nil {
			t.Fatalf("CreateMerchant %s: %v", id, err)
		}
	}
	check := func(id string, rate float64, burst int) {
		t.Helper()
		r, b, err := s.MerchantLimits(ctx, id)
		if err != nil || r != rate || b != burst {
			t.Errorf("MerchantLimits(%s): got %v, %v, %v; want %v, %v", id, r, b, err, rate, burst)
		}
	}
	check("m_1", 0, 0)
	for _, l := range []struct {
		rate  float64
		burst int
	}{{250, 500}, {2.5, 5}} {
		if err := s.SetMerchantLimits(ctx, "m_1", l.rate, l.burst); err != nil {
			t.Fatalf("SetMerchantLimits: %v", err)
		}
		check("m_1", l.rate, l.burst)
	}
	if err := s.SetMerchantLimits(ctx, "m_2", 1000, 2000); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMerchantLimits(ctx, "m_1", 0, 0); err != nil {
		t.Fatal(err)
	}
	check("m_1", 0, 0)
	check("m_2", 1000, 2000)
	if err := s.SetMerchantLimits(ctx, "m_none", 1, 1); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("SetMerchantLimits of an unknown merchant: got %v, want not_found", err)
	}
}

// testSettlementTimeZone: a merchant's cut-off time zone is "" until set,
// reads back, changes, and goes with ""; an unknown merchant is not_found.
func testSettlementTimeZone(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	if err := s.CreateMerchant(ctx, newMerchant("m_1")); err != nil {
		t.Fatal(err)
	}
	for _, tz := range []string{"", "Asia/Singapore", "America/New_York", ""} {
		if err := s.SetSettlementTimeZone(ctx, "m_1", tz); err != nil {
			t.Fatal(err)
		}
		if got, err := s.SettlementTimeZone(ctx, "m_1"); err != nil || got != tz {
			t.Errorf("SettlementTimeZone = %q, %v; want %q", got, err, tz)
		}
	}
	if err := s.SetSettlementTimeZone(ctx, "m_none", "UTC"); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("an unknown merchant: %v, want not_found", err)
	}
}
