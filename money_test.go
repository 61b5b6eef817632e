package paygate

import (
	"strings"
	"testing"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		name, amount, currency string
		want                   int64
		ok                     bool
	}{
		{"usd cents", "100.99", "USD", 10099, true},
		{"usd one digit", "100.9", "USD", 10090, true},
		{"usd whole", "100", "USD", 10000, true},
		{"jpy whole", "500", "JPY", 500, true},
		{"kwd three", "1.234", "KWD", 1234, true},
		{"clf four", "1.2345", "CLF", 12345, true},
		{"leading zeros", "007.50", "USD", 750, true},
		{"max", "9999999999.99", "USD", MaxMinor, true},
		{"negative", "-1", "USD", 0, false},
		{"zero", "0", "USD", 0, false},
		{"zero cents", "0.00", "USD", 0, false},
		{"too many digits usd", "1.001", "USD", 0, false},
		{"fraction jpy", "1.5", "JPY", 0, false},
		{"exponent", "1e3", "USD", 0, false},
		{"leading space", " 1", "USD", 0, false},
		{"trailing space", "1 ", "USD", 0, false},
		{"letters", "abc", "USD", 0, false},
		{"plus", "+1", "USD", 0, false},
		{"empty", "", "USD", 0, false},
		{"dot only", ".", "USD", 0, false},
		{"leading dot", ".5", "USD", 0, false},
		{"trailing dot", "5.", "USD", 0, false},
		{"comma", "1,00", "USD", 0, false},
		{"over max", "10000000000.00", "USD", 0, false},
		{"huge", strings.Repeat("9", 30), "USD", 0, false},
		{"unknown currency", "1", "ZZZ", 0, false},
		{"not a currency", "1", "XXX", 0, false},
		{"lower case currency", "1", "usd", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseAmount(tt.amount, tt.currency)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseAmount(%q, %s) error = %v, want ok %v", tt.amount, tt.currency, err, tt.ok)
			}
			if tt.ok && (m.Minor != tt.want || m.Currency != tt.currency) {
				t.Errorf("got %d %s, want %d %s", m.Minor, m.Currency, tt.want, tt.currency)
			}
		})
	}
}

func TestMoneyString(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{Money{10090, "USD"}, "100.90"},
		{Money{5, "USD"}, "0.05"},
		{Money{0, "USD"}, "0.00"},
		{Money{500, "JPY"}, "500"},
		{Money{1234, "KWD"}, "1.234"},
		{Money{1, "CLF"}, "0.0001"},
		{Money{-150, "USD"}, "-1.50"},
		{Money{150000, "IDR"}, "1500.00"},
	}
	for _, tt := range tests {
		t.Run(tt.want+"_"+tt.m.Currency, func(t *testing.T) {
			if got := tt.m.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMoneyArithmetic(t *testing.T) {
	a := Money{100, "USD"}
	if s, err := a.Add(Money{50, "USD"}); err != nil || s.Minor != 150 {
		t.Errorf("Add: got %v %v, want 150", s, err)
	}
	if d, err := a.Sub(Money{30, "USD"}); err != nil || d.Minor != 70 {
		t.Errorf("Sub: got %v %v, want 70", d, err)
	}
	if _, err := a.Add(Money{1, "EUR"}); err == nil {
		t.Error("Add across currencies: got nil error, want mismatch")
	}
	if _, err := (Money{1<<63 - 1, "USD"}).Add(Money{1, "USD"}); err == nil {
		t.Error("Add overflow: got nil error, want overflow")
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"100.99", "1.001", "0", "1e3", " 1", "-1", "9999999999.99", "abc", "1.", ".1"} {
		f.Add(s, "USD")
		f.Add(s, "JPY")
		f.Add(s, "KWD")
	}
	f.Fuzz(func(t *testing.T, s, currency string) {
		m, err := ParseAmount(s, currency)
		if err != nil {
			return
		}
		if m.Minor <= 0 || m.Minor > MaxMinor {
			t.Fatalf("ParseAmount(%q) = %d, want 1..%d", s, m.Minor, MaxMinor)
		}
		// Formatting and parsing again gives the same amount.
		back, err := ParseAmount(m.String(), currency)
		if err != nil || back != m {
			t.Fatalf("round trip of %q: got %v %v, want %v", s, back, err, m)
		}
	})
}
