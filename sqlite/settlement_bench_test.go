package sqlite_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"paygate"
	"paygate/ledger"
	"paygate/sqlite"
)

// BenchmarkCloseBatch closes one batch of a million waiting captures while
// single-capture changes keep committing, and reports how long the close
// took, and the commits' rate and slowest commit during it and during two
// seconds before it (docs/performance.md):
//
//	go test ./sqlite -run '^$' -bench CloseBatch -benchtime 1x
func BenchmarkCloseBatch(b *testing.B) {
	const movements = 1_000_000
	for range b.N {
		b.StopTimer()
		s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "close.db"))
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		usd := func(m int64) paygate.Money { return paygate.Money{Minor: m, Currency: "USD"} }
		for chunk := 0; chunk < movements; chunk += 1_000 {
			var js []*paygate.Journal
			for i := chunk; i < chunk+1_000; i++ {
				at := t0.Add(time.Duration(i) * 50 * time.Millisecond) // a million over 14 hours
				j, err := ledger.Capture(fmt.Sprintf("J-capture-T%07d", i), "m_1", fmt.Sprintf("T%07d", i), at, usd(10_099), usd(323))
				if err != nil {
					b.Fatal(err)
				}
				js = append(js, j)
			}
			if err := s.Apply(b.Context(), paygate.Change{Journals: js}); err != nil {
				b.Fatal(err)
			}
		}
		// Payments go on while the batch closes: one capture a commit.
		var stop atomic.Bool
		var slowest, commits atomic.Int64
		var wg sync.WaitGroup
		for w := range benchWriters() {
			wg.Go(func() {
				for i := 0; !stop.Load(); i++ {
					j, _ := ledger.Capture(fmt.Sprintf("J-capture-L%d-%07d", w, i), "m_2", fmt.Sprintf("L%d-%d", w, i), t0, usd(500), usd(0))
					start := time.Now()
					if err := s.Apply(b.Context(), paygate.Change{Journals: []*paygate.Journal{j}}); err != nil {
						b.Error(err)
						return
					}
					took := time.Since(start).Nanoseconds()
					for old := slowest.Load(); took > old && !slowest.CompareAndSwap(old, took); old = slowest.Load() {
					}
					commits.Add(1)
				}
			})
		}
		// Two seconds of payments alone, to compare with.
		time.Sleep(200 * time.Millisecond)
		slowest.Store(0)
		before := commits.Load()
		time.Sleep(2 * time.Second)
		aloneRate, aloneSlowest := float64(commits.Load()-before)/2, slowest.Load()
		slowest.Store(0)
		before = commits.Load()
		b.StartTimer()
		start := time.Now()
		cutoff := t0.Add(24 * time.Hour)
		st, err := s.CloseSettlement(b.Context(), "stl_bench", "m_1", "USD", cutoff,
			func(totals []paygate.SettlementTotal) (*paygate.Settlement, paygate.Change, error) {
				st, j, err := ledger.Settle("stl_bench", "m_1", "USD", cutoff, cutoff, totals)
				return st, paygate.Change{Journals: []*paygate.Journal{j}}, err
			})
		took := time.Since(start)
		b.StopTimer()
		stop.Store(true)
		wg.Wait()
		if err != nil || st == nil || st.Captures != movements {
			b.Fatalf("close: %+v %v", st, err)
		}
		b.ReportMetric(took.Seconds(), "close-s")
		b.ReportMetric(float64(commits.Load()-before)/took.Seconds(), "commits/s-closing")
		b.ReportMetric(float64(slowest.Load())/1e6, "slowest-ms-closing")
		b.ReportMetric(aloneRate, "commits/s-alone")
		b.ReportMetric(float64(aloneSlowest)/1e6, "slowest-ms-alone")
		s.Close()
	}
}

// benchWriters is how many goroutines commit payments during the close
// (PAYGATE_BENCH_WRITERS, default 4).
func benchWriters() int {
	if n, err := strconv.Atoi(os.Getenv("PAYGATE_BENCH_WRITERS")); err == nil {
		return n
	}
	return 4
}
