package paygate

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestTransitionMatrix writes the full from x to matrix, so any change to the
// transition table shows in review as a change to testdata/transitions.golden.
func TestTransitionMatrix(t *testing.T) {
	checkMatrix(t, "testdata/transitions.golden", Statuses(), CanTransition)
}

// checkMatrix compares a transition table's from x to matrix with its golden
// file (rewritten with -update).
func checkMatrix[S ~string](t *testing.T, golden string, states []S, can func(from, to S) bool) {
	t.Helper()
	var b strings.Builder
	b.WriteString("from \\ to")
	for _, to := range states {
		b.WriteString(" " + string(to))
	}
	b.WriteString("\n")
	for _, from := range states {
		b.WriteString(string(from))
		for _, to := range states {
			mark := "."
			if can(from, to) {
				mark = "X"
			}
			b.WriteString(" " + mark)
		}
		b.WriteString("\n")
	}
	got := b.String()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s changed (run go test -update):\ngot\n%s\nwant\n%s", golden, got, want)
	}
}

func TestTransition(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := &Payment{TradeNo: "T1", MerchantID: "M1", Status: StatusAuthorized}
	ev, err := p.Transition(StatusSucceeded, now, "req_1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != StatusSucceeded || !p.UpdatedAt.Equal(now) {
		t.Errorf("got status %s at %v, want SUCCEEDED at %v", p.Status, p.UpdatedAt, now)
	}
	want := Event{MerchantID: "M1", ObjectType: "payment", ObjectID: "T1", From: "AUTHORIZED", To: "SUCCEEDED", RequestID: "req_1", At: now}
	if ev != want {
		t.Errorf("got event %+v, want %+v", ev, want)
	}
	_, err = p.Transition(StatusAuthorized, now, "req_2")
	if ErrorCode(err) != EInvalidState || !strings.Contains(ErrorMessage(err), "SUCCEEDED") {
		t.Errorf("got %v, want invalid_state naming SUCCEEDED", err)
	}
	if p.Status != StatusSucceeded {
		t.Errorf("refused transition changed status to %s", p.Status)
	}
	for _, s := range []Status{StatusFailed, StatusCancelled, StatusExpired, StatusRefunded} {
		if !s.Final() {
			t.Errorf("%s: got Final false, want true", s)
		}
	}
}

func TestRefundTransition(t *testing.T) {
	r := &Refund{RefundID: "R1", Status: RefundProcessing}
	if _, err := r.Transition(RefundSucceeded, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Transition(RefundFailed, time.Now(), ""); ErrorCode(err) != EInvalidState {
		t.Errorf("got %v, want invalid_state", err)
	}
}

func TestErrorCode(t *testing.T) {
	if got := ErrorCode(nil); got != "" {
		t.Errorf("nil: got %q, want empty", got)
	}
	if got := ErrorCode(os.ErrNotExist); got != EInternal {
		t.Errorf("foreign: got %q, want %q", got, EInternal)
	}
	wrapped := Internal("op", InvalidParam("amount", "bad"))
	if got := ErrorCode(wrapped); got != EInternal {
		t.Errorf("wrapped: got %q, want %q", got, EInternal)
	}
	if got := ErrorMessage(os.ErrNotExist); got != "internal error" {
		t.Errorf("foreign message: got %q, want generic", got)
	}
}

// TestStatusGroups: the groups the rules ask about, for every status.
func TestStatusGroups(t *testing.T) {
	want := map[Status]string{ // open, paid, refundable, takes tracking
		StatusPending: "o---", StatusRequiresAction: "o---", StatusAuthorized: "---t",
		StatusSucceeded: "-prt", StatusPartiallyRefunded: "-prt", StatusRefunded: "-p-t",
		StatusFailed: "----", StatusCancelled: "----", StatusExpired: "----",
	}
	flag := func(b bool, c byte) byte {
		if b {
			return c
		}
		return '-'
	}
	for _, s := range Statuses() {
		got := string([]byte{flag(s.Open(), 'o'), flag(s.Paid(), 'p'), flag(s.Refundable(), 'r'), flag(s.TakesTracking(), 't')})
		if got != want[s] {
			t.Errorf("%s: got %s, want %s", s, got, want[s])
		}
	}
}
