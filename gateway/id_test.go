package gateway

import (
	"strings"
	"testing"
	"time"
)

func TestRandomDigitsUniform(t *testing.T) {
	const n = 1000000
	s := randomDigits(n)
	if len(s) != n || strings.Trim(s, "0123456789") != "" {
		t.Fatalf("got %d characters, not all digits", len(s))
	}
	var count [10]int
	for _, c := range s {
		count[c-'0']++
	}
	// Each digit is expected 100,000 times (standard deviation 300): the
	// bounds are 5 of those, while byte % 10 would give 0-5 about 101,560
	// times and 6-9 about 97,660.
	for d, c := range count {
		if c < 98500 || c > 101500 {
			t.Errorf("digit %d: %d times in %d, want about %d", d, c, n, n/10)
		}
	}
}

func TestNewID(t *testing.T) {
	at := time.Date(2026, 11, 25, 23, 5, 9, 0, time.FixedZone("x", 3600))
	id := newID("T", at, 8)
	if len(id) != 1+14+8 || !strings.HasPrefix(id, "T20261125220509") {
		t.Errorf("got %q, want T, the UTC time and 8 digits", id)
	}
}
