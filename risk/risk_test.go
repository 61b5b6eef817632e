package risk

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func codes(rs []Reason) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return strings.Join(out, ",")
}

func TestSignals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       Input
		decision Decision
		reasons  string
	}{
		{"quiet", Input{CardFingerprint: "f", IP: "192.0.2.1", Card: Windows{Min10: Window{Count: 1}}}, Approve, ""},
		{"card 4 in 10 min", Input{CardFingerprint: "f", Card: Windows{Min10: Window{Count: 4}, Hour: Window{Count: 4}}}, Review, "velocity_card"},
		{"card 10 in an hour", Input{CardFingerprint: "f", Card: Windows{Hour: Window{Count: 10}}}, Decline, "velocity_card"},
		{"address 10 in 10 min", Input{IP: "192.0.2.1", Address: Windows{Min10: Window{Count: 10, Amount: 100_000}}}, Review, "velocity_ip"},
		{"address 30 in an hour", Input{IP: "192.0.2.1", Address: Windows{Hour: Window{Count: 30, Amount: 1e6}}}, Decline, "velocity_ip"},
		{"declines from an address", Input{IP: "192.0.2.1", Address: Windows{Min10: Window{Count: 5, Declines: 5, Amount: 50_000}}}, Decline, "card_testing"},
		{"small payments from an address", Input{IP: "192.0.2.1", Address: Windows{Min10: Window{Count: 5, Amount: 500}}}, Decline, "card_testing"},
		{"five ordinary payments", Input{IP: "192.0.2.1", Address: Windows{Min10: Window{Count: 5, Amount: 50_000}}}, Approve, ""},
		{"no card, no address: no counts", Input{Card: Windows{Hour: Window{Count: 99}}, Address: Windows{Hour: Window{Count: 99}}}, Approve, ""},
		{"an email 5 times in 10 min", Input{Email: "a@example.com", EmailUse: Windows{Min10: Window{Count: 5}}}, Review, "velocity_email"},
		{"an email 15 times in an hour", Input{Email: "a@example.com", EmailUse: Windows{Hour: Window{Count: 15}}}, Decline, "velocity_email"},
		{"a device 5 times in 10 min", Input{DeviceID: "d", Device: Windows{Min10: Window{Count: 5}}}, Review, "velocity_device"},
		{"declines from a device", Input{DeviceID: "d", Device: Windows{Min10: Window{Count: 5, Declines: 5}}}, Decline, "velocity_device,card_testing"},
		{"the merchant under attack", Input{MerchantDeclines: 50, MerchantPayments: 250}, Review, "merchant_declines"},
		{"a big merchant's ordinary declines", Input{MerchantDeclines: 50, MerchantPayments: 2500}, Approve, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := (&Engine{}).Decide(&tc.in)
			if res.Decision != tc.decision || codes(res.Reasons) != tc.reasons {
				t.Errorf("got %s %d %v, want %s %s", res.Decision, res.Score, res.Reasons, tc.decision, tc.reasons)
			}
			for _, r := range res.Reasons {
				if r.Message == "" {
					t.Errorf("reason %s has no sentence", r.Code)
				}
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	fp := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		list      List
		in, want  string
		wantError bool
	}{
		{ListCard, strings.ToUpper(fp), fp, false},
		{ListCard, "abc", "", true},
		{ListIP, "203.0.113.7", "203.0.113.7", false},
		{ListIP, "203.0.113.7/24", "203.0.113.0/24", false},
		{ListIP, "::ffff:203.0.113.7", "203.0.113.7", false},
		{ListIP, "2001:db8::1/32", "2001:db8::/32", false},
		{ListIP, "203.0.113", "", true},
		{ListIP, "::ffff:203.0.113.7/120", "203.0.113.0/24", false},
		{ListIP, "fe80::1%eth0", "", true},
		{ListEmail, " Ana@Example.COM ", "ana@example.com", false},
		{ListEmail, "ana", "", true},
		{ListBIN, "424242", "424242", false},
		{ListBIN, "42424242", "42424242", false},
		{ListBIN, "42424", "", true},
		{ListBIN, "424242424", "", true},
		{ListCountry, "us", "US", false},
		{ListCountry, "USA", "", true},
		{ListDevice, "dev-1", "dev-1", false},
		{ListDevice, strings.Repeat("x", 129), "", true},
		{ListDevice, strings.Repeat("é", 128), strings.Repeat("é", 128), false},
		{"phone", "1", "", true},
	} {
		got, msg := Normalize(tc.list, tc.in)
		if got != tc.want || (msg != "") != tc.wantError {
			t.Errorf("Normalize(%s, %q) = %q, %q", tc.list, tc.in, got, msg)
		}
	}
}

func TestListsMatch(t *testing.T) {
	fp := strings.Repeat("cd", 32)
	l := NewLists(map[List][]string{
		ListCard: {fp}, ListIP: {"198.51.100.9", "203.0.113.0/24", "2001:db8::/32"}, ListEmail: {"bad@example.com"},
		ListBIN: {"40000000", "555555"}, ListCountry: {"KP"}, ListDevice: {"dev-x"},
	})
	for _, tc := range []struct {
		in   Input
		want string
	}{
		{Input{CardFingerprint: fp}, "blocklist_cardFingerprint"},
		{Input{IP: "203.0.113.200"}, "blocklist_ip"},
		{Input{IP: "::ffff:198.51.100.9"}, "blocklist_ip"},
		{Input{IP: "198.51.100.10"}, ""},
		{Input{IP: "2001:db8:1::5"}, "blocklist_ip"},
		{Input{IP: "2001:db9::5"}, ""},
		{Input{Email: "Bad@Example.com"}, "blocklist_email"},
		{Input{CardBIN: "40000000"}, "blocklist_bin"},
		{Input{CardBIN: "40000001"}, ""},
		{Input{CardBIN: "55555544"}, "blocklist_bin"},
		{Input{BillingCountry: "kp"}, "blocklist_country"},
		{Input{CardCountry: "KP", IPCountry: "KP"}, "blocklist_country"},
		{Input{DeviceID: "dev-x", IP: "203.0.113.1"}, "blocklist_ip,blocklist_deviceId"},
		{Input{CardFingerprint: "other", IP: "192.0.2.1", Email: "ok@example.com", CardBIN: "42424242", BillingCountry: "US"}, ""},
	} {
		if got := codes(l.Match(&tc.in)); got != tc.want {
			t.Errorf("Match(%+v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func mustRule(t testing.TB, name, expr string, action Decision) *Rule {
	t.Helper()
	r, err := Compile("r_"+name, name, expr, action, true)
	if err != nil {
		t.Fatalf("Compile(%q): %v", expr, err)
	}
	return r
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"amount >", "1:9"},
		{"amout > 100", "undeclared reference to 'amout'"},
		{"amount + 1", "true or false"},
		{`ip == 3`, "no matching overload"},
		{"", "1-2000"},
		{strings.Repeat("amount > 1 && ", 200) + "true", "1-2000"},
		{`[1,2,3,4,5,6,7,8,9,10].all(x, [1,2,3,4,5,6,7,8,9,10].all(y, [1,2,3,4,5,6,7,8,9,10].all(z, x + y + z > amount)))`, "cost"},
	} {
		_, err := Compile("r", "r", tc.expr, Decline, true)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Compile(%.40q) = %v, want an error saying %q", tc.expr, err, tc.want)
		}
	}
	if msg := CheckName("Big Rule"); msg == "" {
		t.Error("a name with spaces and capitals passes")
	}
}

// TestOrder: approve rules first, then lists, decline rules, signals,
// review rules: the first that decides ends it.
func TestOrder(t *testing.T) {
	vip := mustRule(t, "vip", `email_domain == "vip.example"`, Approve)
	big := mustRule(t, "big", `amount > 100000`, Decline)
	night := mustRule(t, "night", `hour < 6`, Review)
	eng := &Engine{Lists: NewLists(map[List][]string{ListCountry: {"KP"}}), Rules: []*Rule{night, big, vip}}
	for _, tc := range []struct {
		name     string
		in       Input
		decision Decision
		reasons  string
	}{
		{"allow list beats the block list", Input{Email: "a@vip.example", BillingCountry: "KP", Amount: 1e6, Hour: 3}, Approve, "rule:vip"},
		{"block list before decline rules", Input{BillingCountry: "KP", Amount: 1e6}, Decline, "blocklist_country"},
		{"decline rule before signals", Input{Amount: 1e6, IP: "192.0.2.1", Address: Windows{Min10: Window{Count: 10, Amount: 1e7}}}, Decline, "rule:big"},
		{"signals decide before review rules", Input{Hour: 3, IP: "192.0.2.1", Address: Windows{Hour: Window{Count: 30, Amount: 1e7}}}, Decline, "velocity_ip"},
		{"review rule", Input{Hour: 3, Amount: 100}, Review, "rule:night"},
		{"nothing", Input{Hour: 12, Amount: 100}, Approve, ""},
	} {
		res := eng.Decide(&tc.in)
		if res.Decision != tc.decision || codes(res.Reasons) != tc.reasons {
			t.Errorf("%s: got %s %v, want %s %s", tc.name, res.Decision, res.Reasons, tc.decision, tc.reasons)
		}
	}
	night.Enabled = false
	if res := eng.Decide(&Input{Hour: 3}); res.Decision != Approve {
		t.Errorf("a disabled rule decided: %v", res)
	}
}

// benchEngine is a merchant at the limits the docs give for speed: 20
// rules, and every list full.
func benchEngine(b testing.TB) (*Engine, *Input) {
	entries := map[List][]string{}
	for i := range MaxListEntries {
		entries[ListCard] = append(entries[ListCard], fmt.Sprintf("%064x", i))
		entries[ListIP] = append(entries[ListIP], fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256))
		entries[ListEmail] = append(entries[ListEmail], fmt.Sprintf("u%d@example.com", i))
		entries[ListBIN] = append(entries[ListBIN], fmt.Sprintf("%08d", i))
		entries[ListDevice] = append(entries[ListDevice], fmt.Sprintf("dev-%d", i))
	}
	for i := range MaxListEntries {
		entries[ListIP] = append(entries[ListIP], fmt.Sprintf("172.%d.%d.0/24", i/256%256, i%256)) // a second full ip list, of blocks
	}
	entries[ListCountry] = []string{"KP", "IR", "SY", "CU"}
	eng := &Engine{Lists: NewLists(entries)}
	for i := range 20 {
		action := []Decision{Approve, Decline, Review}[i%3]
		eng.Rules = append(eng.Rules, mustRule(b, fmt.Sprintf("rule-%d", i),
			fmt.Sprintf(`amount > %d && currency == "USD" && card_count_1h > %d || email_domain == "x%d.example" && ip_count_10m > 2`, 1_000_000+i, 50+i, i), action))
	}
	return eng, &Input{Amount: 10_099, Currency: "USD", Method: "card", CardBrand: "visa", CardBIN: "42424242",
		CardFingerprint: strings.Repeat("ab", 32), IP: "192.0.2.44", Email: "ana@shop.example", DeviceID: "dev-ok", Hour: 14,
		BillingCountry: "US", Card: Windows{Min10: Window{Count: 1, Amount: 10_099}}, Address: Windows{Min10: Window{Count: 2, Amount: 20_000}}}
}

// BenchmarkDecide: one decision with 20 rules and full lists; reports the
// p99 of the calls (docs/performance.md).
func BenchmarkDecide(b *testing.B) {
	eng, in := benchEngine(b)
	times := make([]int64, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := nanotime()
		eng.Decide(in)
		times = append(times, nanotime()-start)
	}
	slices.Sort(times)
	if len(times) > 0 {
		b.ReportMetric(float64(times[len(times)*99/100]), "p99-ns")
	}
}

func TestGeography(t *testing.T) {
	for _, tc := range []struct {
		card, ip, bill string
		decision       Decision
		reasons        string
	}{
		{"US", "US", "US", Approve, ""},
		{"GB", "US", "US", Review, "country_mismatch"},
		{"GB", "US", "", Approve, "country_mismatch"},
		{"GB", "", "FR", Approve, "country_mismatch"},
		{"GB", "GB", "FR", Approve, "country_mismatch"},
		{"", "US", "FR", Approve, ""}, // the card's country unknown: no signal
	} {
		res := (&Engine{}).Decide(&Input{CardCountry: tc.card, IPCountry: tc.ip, BillingCountry: tc.bill})
		if res.Decision != tc.decision || codes(res.Reasons) != tc.reasons {
			t.Errorf("card %s, ip %s, billing %s: got %s %v, want %s %s", tc.card, tc.ip, tc.bill, res.Decision, res.Reasons, tc.decision, tc.reasons)
		}
	}
}

func TestLoadBINs(t *testing.T) {
	tbl, err := LoadBINs(strings.NewReader("# bin,country\n45717360,dk\n457173, SE\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	for bin, want := range map[string]string{"45717360": "DK", "45717361": "SE", "457173": "SE", "42424242": "US", "99999999": "", "4242": ""} {
		if got := tbl.Country(bin); got != want {
			t.Errorf("Country(%s) = %q, want %q", bin, got, want)
		}
	}
	for _, bad := range []string{"12345,US\n", "123456,USA\n", "123456\n", "1234567890,US\n"} {
		if _, err := LoadBINs(strings.NewReader("# ok\n" + bad)); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("LoadBINs(%q) = %v, want line 2 refused", bad, err)
		}
	}
}
