package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"paygate"
)

// TestWriterPreparesItsStatements guards the writer's prepared statements: a
// group runs what is not prepared yet as plain SQL and prepares it after, so
// the next group parses nothing (parsing was a quarter of a payment's CPU).
func TestWriterPreparesItsStatements(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "paygate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().UTC()
	apply := func(n string) {
		p := &paygate.Payment{TradeNo: "T" + n, MerchantID: "M1", OrderNo: "o-" + n, Status: paygate.StatusPending, Version: 1,
			Amount: paygate.Money{Minor: 100, Currency: "USD"}, CreatedAt: now, UpdatedAt: now}
		if err := s.Apply(t.Context(), paygate.Change{Payments: []*paygate.Payment{p}, Events: []paygate.Event{p.Created("test")}}); err != nil {
			t.Fatal(err)
		}
	}
	apply("1")
	prepared := func(prefix string) bool {
		s.w.mu.Lock()
		defer s.w.mu.Unlock()
		for q := range s.w.stmts {
			if strings.HasPrefix(strings.TrimSpace(q), prefix) {
				return true
			}
		}
		return false
	}
	for _, q := range []string{"INSERT INTO payments", "INSERT INTO events"} {
		if !prepared(q) {
			t.Errorf("after one group, %q is not prepared", q)
		}
	}
	count := func() int {
		s.w.mu.Lock()
		defer s.w.mu.Unlock()
		return len(s.w.stmts)
	}
	n := count()
	apply("2")
	if more := count() - n; more != 0 {
		t.Errorf("the same change again prepared %d more statements, want none", more)
	}
}
