package paygate

import "testing"

func TestCurrencyExponent(t *testing.T) {
	known := []struct {
		code string
		want int
	}{
		{"USD", 2},
		{"EUR", 2},
		{"JPY", 0},
		{"KRW", 0},
		{"KWD", 3},
		{"BHD", 3},
		{"JOD", 3},
		{"OMR", 3},
		{"TND", 3},
		{"LYD", 3},
		{"IQD", 3},
		{"IDR", 2},
		{"COP", 2},
		{"HUF", 2},
		{"TWD", 2},
		{"CLF", 4},
		{"UYW", 4},
		{"CLP", 0},
		{"VES", 2},
		{"VED", 2},
		{"ISK", 0},
		{"VND", 0},
		{"XAF", 0},
		{"XOF", 0},
		{"XPF", 0},
		{"UYI", 0},
		{"SLE", 2},
		{"ZWG", 2},
		{"XCG", 2},
		{"MRU", 2},
		{"STN", 2},
	}
	for _, tc := range known {
		t.Run(tc.code, func(t *testing.T) {
			got, ok := CurrencyExponent(tc.code)
			if !ok {
				t.Fatalf("got not found, want %d", tc.want)
			}
			if got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}

	unknown := []string{
		// Not currencies.
		"XXX", "XTS", "XAU", "XAG", "XPT", "XPD",
		"XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA",
		// Withdrawn.
		"HRK", "SLL", "ZWL", "ANG", "BGN", "MRO", "STD", "VEF",
		// Malformed or unassigned.
		"ZZZ", "usd", "Usd", "US", "USDX", "",
	}
	for _, code := range unknown {
		name := code
		if name == "" {
			name = "empty"
		}
		t.Run(name, func(t *testing.T) {
			if got, ok := CurrencyExponent(code); ok {
				t.Errorf("got %d, true, want not found", got)
			}
		})
	}
}

func TestCurrenciesWellFormed(t *testing.T) {
	if len(currencies) < 150 {
		t.Errorf("got %d currencies, want at least 150", len(currencies))
	}
	for code, exp := range currencies {
		if len(code) != 3 {
			t.Errorf("code %q: got length %d, want 3", code, len(code))
		}
		for i := 0; i < len(code); i++ {
			if c := code[i]; c < 'A' || c > 'Z' {
				t.Errorf("code %q: got byte %q at %d, want A-Z", code, c, i)
			}
		}
		if exp < 0 || exp > 4 {
			t.Errorf("code %q: got exponent %d, want 0..4", code, exp)
		}
	}
}
