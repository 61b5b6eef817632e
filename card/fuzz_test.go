package card

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzCheckNumber checks that CheckNumber never panics, that whatever it
// accepts really is a plausible PAN, and that no error repeats the input.
func FuzzCheckNumber(f *testing.F) {
	for _, s := range []string{
		"4242424242424242", "5555555555554444", "2223003122003222",
		"6200000000000005", "378282246310005", "3566002020360505",
		"6011111111111117", "36227206271667", "3056930009020004",
		"4242424242424241", "424242424242", "42424242424242424242",
		"4242 4242 4242 4242", "", "2720999999999996", "2721000000000004",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pan string) {
		b, err := CheckNumber(pan)
		if err == nil {
			if b != UnionPay && !Luhn(pan) {
				t.Errorf("accepted PAN fails Luhn: got Luhn false, want true")
			}
			if n := len(pan); n < 13 || n > 19 {
				t.Errorf("accepted PAN length: got %d, want 13..19", n)
			}
			if b == "" {
				t.Errorf("accepted PAN brand: got empty, want a brand")
			}
			return
		}
		if b != "" {
			t.Errorf("refused PAN brand: got %q, want empty", b)
		}
		var p *Problem
		if !errors.As(err, &p) || p.Field != "cardNo" {
			t.Fatalf("got error %v, want *Problem with Field cardNo", err)
		}
		if len(pan) >= 12 && strings.Contains(err.Error(), pan) {
			// Do not print pan: the failure output is a log too.
			t.Errorf("error message contains the input: got %d-byte input inside message, want none", len(pan))
		}
	})
}

// FuzzCheckExpiry checks that CheckExpiry never panics and that what it
// accepts is in range.
func FuzzCheckExpiry(f *testing.F) {
	f.Add("06", "2026", int64(1781179200))
	f.Add("6", "27", int64(0))
	f.Add("13", "2027", int64(-1))
	f.Add("ab", "20x7", int64(1<<62))
	f.Add("12", "9999", int64(-1<<62))
	f.Fuzz(func(t *testing.T, month, year string, unix int64) {
		now := time.Unix(unix, 0).UTC()
		m, y, err := CheckExpiry(month, year, now)
		if err != nil {
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("got error %v (%T), want *Problem", err, err)
			}
			return
		}
		if m < 1 || m > 12 {
			t.Errorf("month: got %d, want 1..12", m)
		}
		if y < 2000 && len(year) == 2 {
			t.Errorf("two digit year: got %d, want >= 2000", y)
		}
		if y > now.Year()+50 {
			t.Errorf("year: got %d, want <= %d", y, now.Year()+50)
		}
	})
}
