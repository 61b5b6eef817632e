package card

import (
	"testing"
	"time"
)

func BenchmarkCheckNumber(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CheckNumber("4242424242424242"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckExpiry(b *testing.B) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := CheckExpiry("06", "2030", now); err != nil {
			b.Fatal(err)
		}
	}
}
