package storetest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"paygate"
)

func testConcurrency(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"InsertSameOrderNo", testConcurrencyInsertSameOrderNo},
		{"CompareAndSet", testConcurrencyCompareAndSet},
		{"IdempotencyInsert", testConcurrencyIdempotencyInsert},
		{"Readers", testConcurrencyReaders},
	})
}

func testConcurrencyInsertSameOrderNo(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	errs := race(racers, func(i int) error {
		p := newPayment("m_a", fmt.Sprintf("T%02d", i), "O1")
		return s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{p}, Events: []paygate.Event{p.Created("req")}})
	})
	winner := checkOneWinner(t, errs)
	if winner < 0 {
		return
	}
	got, err := s.PaymentByOrderNo(ctx, "m_a", "O1")
	if err != nil {
		t.Fatalf("PaymentByOrderNo: %v", err)
	}
	if want := fmt.Sprintf("T%02d", winner); got.TradeNo != want {
		t.Errorf("TradeNo: got %s, want %s", got.TradeNo, want)
	}
	for i := range racers {
		want := 0
		if i == winner {
			want = 1
		}
		if evs := mustEvents(t, s, "m_a", fmt.Sprintf("T%02d", i)); len(evs) != want {
			t.Errorf("Events of T%02d: got %d, want %d", i, len(evs), want)
		}
	}
}

func testConcurrencyCompareAndSet(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	p := newPayment("m_a", "T1", "O1")
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}})
	errs := race(racers, func(i int) error {
		q := *p
		q.Version = 2
		q.Description = fmt.Sprintf("writer %d", i)
		return s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{&q},
			Refunds: []*paygate.Refund{newRefund(p, fmt.Sprintf("R%02d", i), fmt.Sprintf("RN%02d", i), at(time.Minute))}})
	})
	winner := checkOneWinner(t, errs)
	if winner < 0 {
		return
	}
	got := mustPayment(t, s, "m_a", "T1")
	if got.Version != 2 {
		t.Errorf("Version: got %d, want 2", got.Version)
	}
	if want := fmt.Sprintf("writer %d", winner); got.Description != want {
		t.Errorf("Description: got %q, want %q", got.Description, want)
	}
	if rs, want := refundIDs(mustRefunds(t, s, "m_a", "T1")), []string{fmt.Sprintf("R%02d", winner)}; !reflect.DeepEqual(rs, want) {
		t.Errorf("Refunds: got %v, want %v", rs, want)
	}
}

func testConcurrencyIdempotencyInsert(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	errs := race(racers, func(i int) error {
		k := newIdempotency("m_a", "k1", at(time.Hour))
		k.RequestHash = fmt.Sprintf("hash-%d", i)
		return s.Apply(ctx, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{k}})
	})
	winner := checkOneWinner(t, errs)
	if winner < 0 {
		return
	}
	got, err := s.Idempotency(ctx, "m_a", "k1")
	if err != nil {
		t.Fatalf("Idempotency: %v", err)
	}
	if want := fmt.Sprintf("hash-%d", winner); got.RequestHash != want {
		t.Errorf("RequestHash: got %q, want %q", got.RequestHash, want)
	}
}

func testConcurrencyReaders(t *testing.T, open func(t *testing.T) paygate.Store) {
	// Reads running alongside writes see each committed payment whole.
	s, ctx := open(t), t.Context()
	p := newPayment("m_a", "T1", "O1")
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}})
	var wg sync.WaitGroup
	errc := make(chan error, 2*racers)
	for i := range racers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			q := newPayment("m_a", fmt.Sprintf("T_w%02d", i), fmt.Sprintf("O_w%02d", i))
			errc <- s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{q}})
		}()
		go func() {
			defer wg.Done()
			got, err := s.Payment(ctx, "m_a", "T1")
			if err == nil && got.OrderNo != "O1" {
				err = fmt.Errorf("OrderNo: got %q, want O1", got.OrderNo)
			}
			errc <- err
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Error(err)
		}
	}
}

// racers is how many goroutines race for the same write.
const racers = 20

// race runs f(0..n-1) in n goroutines released at once and returns their errors.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// checkOneWinner checks that exactly one error is nil and all others are
// conflicts; it returns the index of the winner, or -1.
func checkOneWinner(t *testing.T, errs []error) int {
	t.Helper()
	winner, wins := -1, 0
	for i, err := range errs {
		switch code := paygate.ErrorCode(err); code {
		case "":
			winner = i
			wins++
		case paygate.EConflict:
		default:
			t.Errorf("goroutine %d: got %v (code %q), want nil or code %q", i, err, code, paygate.EConflict)
		}
	}
	if wins != 1 {
		t.Errorf("successful writes: got %d, want 1", wins)
		return -1
	}
	return winner
}
