package card

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// wantProblem checks that err is a *Problem for field; message is checked
// only when msg is not empty.
func wantProblem(t *testing.T, err error, field, msg string) {
	t.Helper()
	var p *Problem
	if !errors.As(err, &p) {
		t.Fatalf("got error %v (%T), want *Problem with Field %q", err, err, field)
	}
	if p.Field != field {
		t.Errorf("got Field %q, want %q", p.Field, field)
	}
	if msg != "" && p.Message != msg {
		t.Errorf("got Message %q, want %q", p.Message, msg)
	}
}

func TestLuhn(t *testing.T) {
	tests := []struct {
		name   string
		digits string
		want   bool
	}{
		{"visa", "4242424242424242", true},
		{"last digit off", "4242424242424241", false},
		{"swapped digits", "2424424242424242", false},
		{"single zero", "0", true},
		{"empty", "", false},
		{"space", "4242 4242 4242 4242", false},
		{"letter", "424242424242424a", false},
		{"unicode digit", "424242424242424٢", false},
		{"unionpay check digit wrong", "6212454545454690", false}, // Luhn itself fails; CheckNumber exempts UnionPay
		{"unionpay check digit right", "6212454545454696", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Luhn(tt.digits); got != tt.want {
				t.Errorf("Luhn: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckNumberValid(t *testing.T) {
	tests := []struct {
		name string
		pan  string
		want Brand
	}{
		{"visa 4242", "4242424242424242", Visa},
		{"visa 4444", "4444333322221111", Visa},
		{"visa 0002", "4000000000000002", Visa},
		{"visa 9995", "4000000000009995", Visa},
		{"visa 0069", "4000000000000069", Visa},
		{"visa 0127", "4000000000000127", Visa},
		{"visa 0119", "4000000000000119", Visa},
		{"visa 3220", "4000000000003220", Visa},
		{"visa 3063", "4000000000003063", Visa},
		{"visa 0019", "4100000000000019", Visa},
		{"visa 13 digits", "4000000000006", Visa},
		{"visa 19 digits", "4000000000000000006", Visa},
		{"mastercard 5555", "5555555555554444", Mastercard},
		{"mastercard 51", "5100000000000008", Mastercard},
		{"mastercard 55", "5500000000000004", Mastercard},
		{"mastercard 2223", "2223003122003222", Mastercard},
		{"mastercard 2221 low bound", "2221000000000009", Mastercard},
		{"mastercard 2720 high bound", "2720999999999996", Mastercard},
		{"unionpay 62 16 digits", "6200000000000005", UnionPay},
		{"unionpay 62 19 digits", "6205500000000000004", UnionPay},
		{"unionpay 6212", "6212454545454696", UnionPay},
		{"unionpay 81", "8100000000000002", UnionPay},
		{"amex 37", "378282246310005", Amex},
		{"amex 37 zeros", "370000000000002", Amex},
		{"jcb 3566", "3566002020360505", JCB},
		{"jcb 3528 low bound", "3528000000000007", JCB},
		{"jcb 3589 high bound", "3589999999999994", JCB},
		{"discover 6011", "6011111111111117", Discover},
		{"discover 6011 18 digits", "601100000000000004", Discover},
		{"discover 644", "6440000000000005", Discover},
		{"discover 65", "6500000000000002", Discover},
		{"diners 36 14 digits", "36227206271667", Diners},
		{"diners 305 16 digits", "3056930009020004", Diners},
		{"diners 300", "3000000000000004", Diners},
		{"diners 39 14 digits", "39000000000005", Diners},
		{"diners 300 18 digits", "300000000000000004", Diners},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckNumber(tt.pan)
			if err != nil {
				t.Fatalf("CheckNumber: got error %v, want nil", err)
			}
			if got != tt.want {
				t.Errorf("CheckNumber: got %q, want %q", got, tt.want)
			}
			if b := BrandOf(tt.pan); b != tt.want {
				t.Errorf("BrandOf: got %q, want %q", b, tt.want)
			}
		})
	}
}

func TestCheckNumberInvalid(t *testing.T) {
	tests := []struct {
		name string
		pan  string
		msg  string
	}{
		{"empty", "", "card number is required"},
		{"spaces", "4242 4242 4242 4242", "card number must contain only digits"},
		{"dashes", "4242-4242-4242-4242", "card number must contain only digits"},
		{"letter", "42424242424242a2", "card number must contain only digits"},
		{"leading space", " 4242424242424242", "card number must contain only digits"},
		{"unicode digits", "４２４２４２４２４２４２４２４２", "card number must contain only digits"},
		{"length 12", "424242424242", "card number must be 13 to 19 digits"},
		{"length 20", "42424242424242424242", "card number must be 13 to 19 digits"},
		{"luhn fail", "4242424242424241", "card number is not valid"},
		{"mastercard 2220 unknown", "2220000000000000", "card brand is not supported"},
		{"mastercard 2721 unknown", "2721000000000004", "card brand is not supported"},
		{"56 unknown", "5600000000000003", "card brand is not supported"},
		{"visa 15 digits", "400000000000006", "card number length is not valid for visa"},
		{"mastercard 15 digits", "510000000000003", "card number length is not valid for mastercard"},
		{"amex 16 digits", "3700000000000007", "card number length is not valid for amex"},
		{"jcb 15 digits", "352800000000007", "card number length is not valid for jcb"},
		{"discover 15 digits", "601100000000001", "card number length is not valid for discover"},
		{"unionpay 15 digits", "620000000000000", "card number length is not valid for unionpay"},
		{"diners 13 digits", "3600000000004", "card number length is not valid for diners"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := CheckNumber(tt.pan)
			if b != "" {
				t.Errorf("CheckNumber brand: got %q, want empty", b)
			}
			wantProblem(t, err, "cardNo", tt.msg)
		})
	}
}

func TestBrandOf(t *testing.T) {
	tests := []struct {
		name string
		pan  string
		want Brand
	}{
		{"empty", "", ""},
		{"visa prefix only", "4", Visa},
		{"mastercard 2220", "2220", ""},
		{"mastercard 2221", "2221", Mastercard},
		{"mastercard 2720", "2720", Mastercard},
		{"mastercard 2721", "2721", ""},
		{"mastercard 50", "5000", ""},
		{"amex 34", "34", Amex},
		{"amex 35 is not amex", "3500", ""},
		{"jcb 3527", "3527", ""},
		{"jcb 3590", "3590", ""},
		{"diners 306", "306", ""},
		{"diners 309", "309", Diners},
		{"diners 38", "38", Diners},
		{"unionpay before discover", "622126", UnionPay},
		{"discover 643", "643", ""},
		{"discover 649", "649", Discover},
		{"discover 6012", "6012", ""},
		{"non digit prefix", "x4242", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BrandOf(tt.pan); got != tt.want {
				t.Errorf("BrandOf: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckExpiry(t *testing.T) {
	now := time.Date(2026, time.June, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		month, year  string
		now          time.Time
		wantM, wantY int
		field, msg   string // field empty means no error wanted
	}{
		{"current month", "06", "2026", now, 6, 2026, "", ""},
		{"current month one digit", "6", "2026", now, 6, 2026, "", ""},
		{"last instant of month", "6", "2026", time.Date(2026, 6, 30, 23, 59, 59, 999999999, time.UTC), 6, 2026, "", ""},
		{"first instant of next month", "6", "2026", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), 0, 0, "expiryYear", "card has expired"},
		{"previous month", "05", "2026", now, 0, 0, "expiryYear", "card has expired"},
		{"previous year", "12", "2025", now, 0, 0, "expiryYear", "card has expired"},
		{"december rolls over year", "12", "2026", time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), 12, 2026, "", ""},
		{"two digit year", "1", "27", now, 1, 2027, "", ""},
		{"next year", "01", "2027", now, 1, 2027, "", ""},
		{"50 years ahead", "12", "2076", now, 12, 2076, "", ""},
		{"51 years ahead", "01", "2077", now, 0, 0, "expiryYear", "expiry year is too far in the future"},
		{"month 13", "13", "2027", now, 0, 0, "expiryMonth", ""},
		{"month 0", "0", "2027", now, 0, 0, "expiryMonth", ""},
		{"month 00", "00", "2027", now, 0, 0, "expiryMonth", ""},
		{"month 006", "006", "2027", now, 0, 0, "expiryMonth", ""},
		{"month ab", "ab", "2027", now, 0, 0, "expiryMonth", ""},
		{"month signed", "+6", "2027", now, 0, 0, "expiryMonth", ""},
		{"month empty", "", "2027", now, 0, 0, "expiryMonth", ""},
		{"year 20x7", "06", "20x7", now, 0, 0, "expiryYear", ""},
		{"year 3 digits", "06", "202", now, 0, 0, "expiryYear", ""},
		{"year 5 digits", "06", "02027", now, 0, 0, "expiryYear", ""},
		{"year signed", "06", "-2027", now, 0, 0, "expiryYear", ""},
		{"year empty", "06", "", now, 0, 0, "expiryYear", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, y, err := CheckExpiry(tt.month, tt.year, tt.now)
			if tt.field != "" {
				wantProblem(t, err, tt.field, tt.msg)
				return
			}
			if err != nil {
				t.Fatalf("CheckExpiry: got error %v, want nil", err)
			}
			if m != tt.wantM || y != tt.wantY {
				t.Errorf("CheckExpiry: got %d/%d, want %d/%d", m, y, tt.wantM, tt.wantY)
			}
		})
	}
}

// TestCheckExpiryLocation shows expiry is judged in now's location: the
// same instant is still June in New York but already July in UTC.
func TestCheckExpiryLocation(t *testing.T) {
	ny := time.FixedZone("UTC-4", -4*60*60)
	instant := time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC)
	if _, _, err := CheckExpiry("06", "2026", instant.In(ny)); err != nil {
		t.Errorf("in UTC-4: got error %v, want nil", err)
	}
	_, _, err := CheckExpiry("06", "2026", instant)
	wantProblem(t, err, "expiryYear", "card has expired")
}

func TestCheckCVC(t *testing.T) {
	tests := []struct {
		name  string
		cvc   string
		brand Brand
		ok    bool
	}{
		{"visa 3 digits", "123", Visa, true},
		{"visa leading zero", "012", Visa, true},
		{"visa 4 digits", "1234", Visa, false},
		{"visa 2 digits", "12", Visa, false},
		{"visa letters", "12a", Visa, false},
		{"visa empty", "", Visa, false},
		{"mastercard 3 digits", "999", Mastercard, true},
		{"unknown brand 3 digits", "123", "", true},
		{"amex 4 digits", "1234", Amex, true},
		{"amex 3 digits", "123", Amex, false},
		{"amex 5 digits", "12345", Amex, false},
		{"amex with space", "123 ", Amex, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckCVC(tt.cvc, tt.brand)
			if tt.ok {
				if err != nil {
					t.Errorf("CheckCVC: got error %v, want nil", err)
				}
				return
			}
			wantProblem(t, err, "cvc", "")
		})
	}
}

func TestDisplay(t *testing.T) {
	tests := []struct {
		name            string
		pan             string
		bin, last4, msk string
	}{
		{"16 digits", "4242424242424242", "424242", "4242", "424242******4242"},
		{"19 digits", "6205500000000000004", "620550", "0004", "620550*********0004"},
		{"15 digits", "378282246310005", "378282", "0005", "378282*****0005"},
		{"13 digits", "4000000000006", "400000", "0006", "400000***0006"},
		{"12 digits masked whole", "424242424242", "424242", "4242", "************"},
		{"short", "123", "123", "123", "***"},
		{"empty", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BIN(tt.pan); got != tt.bin {
				t.Errorf("BIN: got %q, want %q", got, tt.bin)
			}
			if got := Last4(tt.pan); got != tt.last4 {
				t.Errorf("Last4: got %q, want %q", got, tt.last4)
			}
			if got := Mask(tt.pan); got != tt.msk {
				t.Errorf("Mask: got %q, want %q", got, tt.msk)
			}
		})
	}
}

// TestProblemHasNoPAN checks that no error for a card number, whatever the
// reason it was refused, repeats the number it was given.
func TestProblemHasNoPAN(t *testing.T) {
	pans := []string{
		"4242424242424241",          // Luhn
		"424242424242",              // too short
		"42424242424242424242",      // too long
		"4242 4242 4242 4242",       // not digits
		"4242-4242-4242-4242",       // not digits
		"2220000000000000",          // unknown brand
		"3700000000000007",          // wrong length for brand
		"4242424242424242424242424", // far too long
	}
	for _, pan := range pans {
		t.Run(pan, func(t *testing.T) {
			_, err := CheckNumber(pan)
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("got error %v, want *Problem", err)
			}
			for _, s := range []string{p.Message, p.Error()} {
				if strings.Contains(s, pan) {
					t.Errorf("got message %q containing the PAN, want none", s)
				}
				if strings.Contains(s, Last4(pan)) || strings.Contains(s, BIN(pan)) {
					t.Errorf("got message %q containing part of the PAN, want none", s)
				}
			}
		})
	}
}

func TestCheckNumberUnionPayWithoutLuhn(t *testing.T) {
	b, err := CheckNumber("6212454545454690")
	if err != nil || b != UnionPay {
		t.Errorf("got %q, %v, want unionpay, nil", b, err)
	}
}

func TestShiftsLiability(t *testing.T) {
	for _, tc := range []struct {
		brand Brand
		eci   string
		want  bool
	}{
		{Visa, "05", true}, {Visa, "06", true}, {Visa, "07", false}, {Visa, "02", false}, {Visa, "01", false},
		{Amex, "05", true}, {UnionPay, "06", true}, {UnionPay, "01", false},
		{Mastercard, "02", true}, {Mastercard, "01", true}, {Mastercard, "00", false}, {Mastercard, "05", false},
	} {
		if got := tc.brand.ShiftsLiability(tc.eci); got != tc.want {
			t.Errorf("%s ECI %s: got %v, want %v", tc.brand, tc.eci, got, tc.want)
		}
	}
}
