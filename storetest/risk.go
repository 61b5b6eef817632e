package storetest

import (
	"fmt"
	"testing"
	"time"

	"paygate"
)

func testRisk(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"Lists", testRiskLists},
		{"Rules", testRiskRules},
		{"Velocity", testVelocity},
		{"ScreenAll", testScreenAll},
	})
}

func testScreenAll(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	get := func(m string) bool {
		on, err := s.RiskScreenAll(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return on
	}
	if get("m_1") {
		t.Error("on without a setting")
	}
	for _, on := range []bool{true, false, true} {
		if err := s.SetRiskScreenAll(ctx, "m_1", on); err != nil {
			t.Fatal(err)
		}
		if get("m_1") != on || get("m_2") {
			t.Errorf("after setting %v: m_1 %v, m_2 %v", on, get("m_1"), get("m_2"))
		}
	}
}

func testRiskLists(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	add := func(id, merchant, list, value string) error {
		return s.AddRiskListEntry(ctx, &paygate.RiskListEntry{ID: id, MerchantID: merchant, List: list, Value: value, Note: "note " + id,
			CreatedAt: t0}, 3)
	}
	for i, e := range [][3]string{{"m_1", "ip", "192.0.2.1"}, {"m_1", "ip", "203.0.113.0/24"}, {"m_1", "email", "a@example.com"},
		{"m_2", "ip", "192.0.2.1"}, {"m_1", "ip", "192.0.2.3"}} {
		if err := add(fmt.Sprintf("E%d", i), e[0], e[1], e[2]); err != nil {
			t.Fatalf("AddRiskListEntry %v: %v", e, err)
		}
	}
	wantCode(t, add("E9", "m_1", "email", "a@example.com"), paygate.EConflict)
	wantCode(t, add("E8", "m_1", "ip", "192.0.2.8"), paygate.ELimitExceeded) // the ip list holds 3, the most here
	if err := add("E7", "m_1", "bin", "424242"); err != nil {
		t.Fatalf("another list of the merchant is not full: %v", err)
	}
	wantCode(t, add("E0", "m_3", "bin", "424242"), paygate.EConflict)
	got, err := s.RiskListEntryByValue(ctx, "m_1", "ip", "203.0.113.0/24")
	if err != nil || got.ID != "E1" || got.Note != "note E1" || !got.CreatedAt.Equal(t0) {
		t.Errorf("RiskListEntryByValue = %+v, %v", got, err)
	}
	_, err = s.RiskListEntryByValue(ctx, "m_2", "ip", "203.0.113.0/24")
	wantCode(t, err, paygate.ENotFound)
	ids := func(es []*paygate.RiskListEntry, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, e := range es {
			out += e.ID + " "
		}
		return out
	}
	for _, tc := range []struct {
		list, after string
		limit       int
		want        string
	}{
		{"ip", "", 10, "E0 E1 E4 "},
		{"ip", "E0", 1, "E1 "},
		{"", "", 10, "E0 E1 E2 E4 E7 "},
		{"email", "", 10, "E2 "},
		{"bin", "", 10, "E7 "},
		{"country", "", 10, ""},
	} {
		if got := ids(s.RiskListEntries(ctx, "m_1", tc.list, tc.after, tc.limit)); got != tc.want {
			t.Errorf("RiskListEntries(m_1, %q, %q, %d) = %q, want %q", tc.list, tc.after, tc.limit, got, tc.want)
		}
	}
	wantCode(t, s.DeleteRiskListEntry(ctx, "m_2", "ip", "E0"), paygate.ENotFound) // another merchant's
	wantCode(t, s.DeleteRiskListEntry(ctx, "m_1", "email", "E0"), paygate.ENotFound)
	if err := s.DeleteRiskListEntry(ctx, "m_1", "ip", "E0"); err != nil {
		t.Fatal(err)
	}
	if got := ids(s.RiskListEntries(ctx, "m_1", "ip", "", 10)); got != "E1 E4 " {
		t.Errorf("after delete: %q", got)
	}
	if err := add("E10", "m_1", "ip", "192.0.2.1"); err != nil {
		t.Errorf("the value again after its delete: %v", err)
	}
}

func testRiskRules(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	add := func(id, merchant, name string, created time.Duration) error {
		return s.AddRiskRule(ctx, &paygate.RiskRule{ID: id, MerchantID: merchant, Name: name, Expression: "amount > 1",
			Action: "review", Enabled: true, CreatedAt: at(created)}, 2)
	}
	for _, r := range []struct {
		id, m, name string
		at          time.Duration
	}{{"R2", "m_1", "b", 0}, {"R1", "m_1", "a", time.Second}, {"R3", "m_2", "a", 0}} {
		if err := add(r.id, r.m, r.name, r.at); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, add("R4", "m_1", "c", 0), paygate.ELimitExceeded)
	wantCode(t, add("R5", "m_2", "a", 0), paygate.EConflict)
	rs, err := s.RiskRules(ctx, "m_1")
	if err != nil || len(rs) != 2 || rs[0].ID != "R2" || rs[1].ID != "R1" || rs[1].Expression != "amount > 1" || !rs[0].Enabled {
		t.Fatalf("RiskRules = %v, %v", rs, err)
	}
	if err := s.SetRiskRuleEnabled(ctx, "m_1", "R1", false); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.SetRiskRuleEnabled(ctx, "m_2", "R1", false), paygate.ENotFound)
	rs, _ = s.RiskRules(ctx, "m_1")
	if rs[1].Enabled {
		t.Error("the rule is still on")
	}
	wantCode(t, s.DeleteRiskRule(ctx, "m_2", "R1"), paygate.ENotFound)
	if err := s.DeleteRiskRule(ctx, "m_1", "R1"); err != nil {
		t.Fatal(err)
	}
	if rs, _ := s.RiskRules(ctx, "m_1"); len(rs) != 1 {
		t.Errorf("after delete: %d rules", len(rs))
	}
}

func testVelocity(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	n := 0
	pay := func(merchant, fp, ip string, created time.Duration, status paygate.Status, minor int64) {
		n++
		p := newPayment(merchant, fmt.Sprintf("T%03d", n), fmt.Sprintf("ORDER-%03d", n))
		p.Card.Fingerprint, p.Status, p.CreatedAt, p.Amount.Minor = fp, status, at(created), minor
		p.DeviceInfo = []byte(fmt.Sprintf(`{"clientIp":%q,"deviceId":"dev-%s"}`, ip, ip))
		p.Billing = []byte(fmt.Sprintf(`{"email":"Buyer-%s@Example.com"}`, fp))
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}})
	}
	pay("m_1", "fp_a", "192.0.2.1", 0, paygate.StatusSucceeded, 100)
	pay("m_2", "fp_a", "192.0.2.1", 50*time.Minute, paygate.StatusFailed, 200) // another merchant's: not counted
	pay("m_1", "fp_a", "192.0.2.2", 55*time.Minute, paygate.StatusFailed, 400)
	pay("m_1", "fp_b", "192.0.2.1", 58*time.Minute, paygate.StatusSucceeded, 800)
	// The risk engine's own declines are not the merchant's declines.
	own := newPayment("m_1", "T_own", "ORDER-own")
	own.Status, own.FailureCode, own.CreatedAt, own.Card.Fingerprint = paygate.StatusFailed, "fraud_suspected", at(57*time.Minute), "fp_c"
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{own}})
	since := []time.Time{at(50 * time.Minute), at(-time.Hour), at(55 * time.Minute)}
	v, err := s.Velocity(ctx, "m_1", paygate.VelocityKeys{Card: "fp_a", IP: "192.0.2.1", Email: "buyer-fp_a@example.com",
		Device: "dev-192.0.2.1", CountPaymentsFrom: 1}, since)
	if err != nil {
		t.Fatal(err)
	}
	card, addr := v.Card, v.IP
	if fmt.Sprint(v.Email) != fmt.Sprint(card) || fmt.Sprint(v.Device) != fmt.Sprint(addr) {
		t.Errorf("email %v (want the card's %v), device %v (want the address's %v)", v.Email, card, v.Device, addr)
	}
	// m_1's declines in the first window (50 min on): one, T003 (T_own is
	// the risk engine's); its payments there: T003, T004, T_own.
	if v.MerchantDeclines != 1 || v.MerchantPayments != 3 {
		t.Errorf("MerchantDeclines, MerchantPayments = %d, %d, want 1, 3", v.MerchantDeclines, v.MerchantPayments)
	}
	want := []paygate.VelocityWindow{{Count: 1, Amount: 400, Declines: 1}, {Count: 2, Amount: 500, Declines: 1}, {Count: 1, Amount: 400, Declines: 1}}
	if fmt.Sprint(card) != fmt.Sprint(want) {
		t.Errorf("CardVelocity = %v, want %v", card, want)
	}
	want = []paygate.VelocityWindow{{Count: 1, Amount: 800, Declines: 0}, {Count: 2, Amount: 900, Declines: 0}, {Count: 1, Amount: 800, Declines: 0}}
	if fmt.Sprint(addr) != fmt.Sprint(want) {
		t.Errorf("AddressVelocity = %v, want %v", addr, want)
	}
	none, err := s.Velocity(ctx, "m_1", paygate.VelocityKeys{Card: "fp_none"}, since)
	zero := fmt.Sprint(make([]paygate.VelocityWindow, 3))
	if err != nil || fmt.Sprint(none.Card) != zero || fmt.Sprint(none.IP) != zero || fmt.Sprint(none.Email) != zero {
		t.Errorf("a card never seen, no address = %+v, %v", none, err)
	}
}
