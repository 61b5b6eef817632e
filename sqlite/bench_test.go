package sqlite_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"paygate"
	"paygate/sqlite"
)

// BenchmarkApplyInsert measures one payment insert with its event, durable,
// from parallel callers (as requests are), so group commit shows.
func BenchmarkApplyInsert(b *testing.B) {
	s := openB(b)
	var n atomic.Int64
	now := time.Now().UTC()
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			p := &paygate.Payment{TradeNo: fmt.Sprintf("T%d", i), MerchantID: "M1", OrderNo: fmt.Sprintf("o-%d", i),
				Status: paygate.StatusPending, Version: 1, Amount: paygate.Money{Minor: 10099, Currency: "USD"},
				PaymentMethodType: "card", CaptureMethod: "auto", CreatedAt: now, UpdatedAt: now}
			if err := s.Apply(b.Context(), paygate.Change{Payments: []*paygate.Payment{p}, Events: []paygate.Event{p.Created("bench")}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func openB(b *testing.B) paygate.Store {
	b.Helper()
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
