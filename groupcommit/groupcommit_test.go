package groupcommit

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder is a Commit that records the groups it is given, fails the
// values listed in bad (giving up at once without isolation), and holds its
// first call until release is closed.
type recorder struct {
	mu      sync.Mutex
	groups  [][]int // committed groups
	calls   []bool  // isolate of each call
	bad     map[int]bool
	first   sync.Once
	entered chan struct{} // closed when the first call starts
	release chan struct{}
}

func newRecorder(bad ...int) *recorder {
	r := &recorder{bad: map[int]bool{}, entered: make(chan struct{}), release: make(chan struct{})}
	for _, v := range bad {
		r.bad[v] = true
	}
	return r
}

func (r *recorder) commit(group []int, isolate bool) ([]error, bool) {
	r.first.Do(func() {
		close(r.entered)
		<-r.release
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, isolate)
	results := make([]error, len(group))
	var ok []int
	for i, v := range group {
		if r.bad[v] {
			if !isolate {
				return nil, false
			}
			results[i] = fmt.Errorf("bad %d", v)
			continue
		}
		ok = append(ok, v)
	}
	r.groups = append(r.groups, ok)
	return results, true
}

// doAll calls Do with 0..n-1 from n goroutines and returns their errors.
func doAll(q *Queue[int], n int) (wait func() []error) {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = q.Do(i) })
	}
	return func() []error { wg.Wait(); return errs }
}

// waitQueued waits until n values wait in q's queue.
func waitQueued(t *testing.T, q *Queue[int], n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(q.ch) < n {
		if time.Now().After(deadline) {
			t.Fatalf("queued: got %d, want %d", len(q.ch), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestGroups(t *testing.T) {
	// While the committer holds a group, the changes that arrive meanwhile
	// wait, and go together in the next groups, at most maxGroup at a time.
	r := newRecorder()
	q := New(1, 4, r.commit)
	defer q.Close()
	held := doAll(q, 1)
	<-r.entered
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { errs[i] = q.Do(100 + i) })
	}
	waitQueued(t, q, 4) // the queue holds maxGroup; the others wait in Do
	close(r.release)
	wg.Wait()
	for i, err := range append(held(), errs...) {
		if err != nil {
			t.Errorf("Do %d: got %v, want nil", i, err)
		}
	}
	var all []int
	for _, g := range r.groups {
		if len(g) > 4 {
			t.Errorf("group %v: got %d changes, want at most 4", g, len(g))
		}
		all = append(all, g...)
	}
	slices.Sort(all)
	if want := []int{0, 100, 101, 102, 103, 104, 105, 106, 107}; !slices.Equal(all, want) {
		t.Errorf("committed: got %v, want %v", all, want)
	}
	if len(r.groups) < 2 || len(r.groups[1]) != 4 {
		t.Errorf("groups: got %v, want the 4 changes queued meanwhile in the second", r.groups)
	}
}

func TestIsolateOnFailure(t *testing.T) {
	// A group whose change fails is committed again with each change
	// isolated: the others commit, the failed one gets its own error.
	r := newRecorder(2)
	q := New(1, 8, r.commit)
	defer q.Close()
	first := doAll(q, 1)
	<-r.entered
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() { errs[i] = q.Do(i + 1) })
	}
	waitQueued(t, q, 4)
	close(r.release)
	wg.Wait()
	if err := first()[0]; err != nil {
		t.Errorf("Do 0: got %v, want nil", err)
	}
	for i, err := range errs {
		v := i + 1
		if want := v == 2; (err != nil) != want {
			t.Errorf("Do %d: got %v, want an error: %v", v, err, want)
		}
	}
	if want := []bool{false, false, true}; !slices.Equal(r.calls, want) {
		t.Errorf("calls (isolate): got %v, want %v", r.calls, want)
	}
}

func TestGroupError(t *testing.T) {
	// An error of the whole group is every change's.
	errDown := errors.New("database away")
	q := New(2, 8, func(group []int, isolate bool) ([]error, bool) {
		results := make([]error, len(group))
		for i := range results {
			results[i] = errDown
		}
		return results, true
	})
	defer q.Close()
	for i, err := range doAll(q, 10)() {
		if !errors.Is(err, errDown) {
			t.Errorf("Do %d: got %v, want %v", i, err, errDown)
		}
	}
}

func TestClose(t *testing.T) {
	// Close commits what is queued, waits for it, and refuses what comes after.
	r := newRecorder()
	q := New(1, 8, r.commit)
	held := doAll(q, 1)
	<-r.entered // 0 is being committed, held
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() { errs[i] = q.Do(i + 1) })
	}
	waitQueued(t, q, 4)
	closed := make(chan struct{})
	go func() { q.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a group was being committed")
	case <-time.After(20 * time.Millisecond):
	}
	close(r.release)
	<-closed
	wg.Wait()
	for i, err := range append(held(), errs...) {
		if err != nil {
			t.Errorf("Do %d queued before Close: got %v, want nil", i, err)
		}
	}
	if err := q.Do(9); !errors.Is(err, ErrClosed) {
		t.Errorf("Do after Close: got %v, want ErrClosed", err)
	}
	q.Close() // twice is harmless
}
