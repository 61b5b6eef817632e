// Package groupcommit commits the writes of many goroutines in few
// transactions (group commit): callers queue their change and wait, a few
// committers each take every change waiting, write them in one transaction
// and commit once, so that many requests share one durable flush.
//
// It holds the queue and the rule for a change that fails, not the SQL: each
// store (sqlite/, postgres/) gives a Commit function that writes a group
// with its own statements.
package groupcommit

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is the error of Do once the queue is closed.
var ErrClosed = errors.New("store closed")

// Commit writes group in one transaction and commits it; results[i] is the
// outcome of group[i]. Conflicts are rare, so it is first called with
// isolate false: it may then give up at the first change that fails
// (done false, nothing written). It is then called again with isolate true,
// where each change must run in a savepoint of its own, so that a change
// that fails rolls back alone and the others commit. With done true every
// result stands: an error that is not a change's own (the database is away)
// is every change's result.
type Commit[T any] func(group []T, isolate bool) (results []error, done bool)

// Queue hands the changes of many goroutines to its committers.
type Queue[T any] struct {
	ch       chan *waiting[T]
	quit     chan struct{}
	closing  sync.RWMutex // held to queue a change; Close takes it to stop queueing
	closed   bool
	stopped  sync.WaitGroup
	maxGroup int
	commit   Commit[T]
	observe  atomic.Pointer[func(size int, took time.Duration)]
}

// waiting is one change waiting for its group's commit.
type waiting[T any] struct {
	v    T
	done chan error
}

// New starts committers goroutines, each committing groups of at most
// maxGroup changes with commit.
func New[T any](committers, maxGroup int, commit Commit[T]) *Queue[T] {
	q := &Queue[T]{ch: make(chan *waiting[T], maxGroup), quit: make(chan struct{}), maxGroup: maxGroup, commit: commit}
	for range committers {
		q.stopped.Go(q.committer)
	}
	return q
}

// Do queues v and returns the outcome of its commit, once it is durable or
// has failed; ErrClosed once the queue is closed. It takes no context on
// purpose: a change often records what already happened outside (an
// acquirer's answer), and once queued it may commit, so the caller waits for
// the outcome rather than report a cancellation that would be a lie.
func (q *Queue[T]) Do(v T) error {
	w := &waiting[T]{v: v, done: make(chan error, 1)}
	q.closing.RLock()
	if q.closed {
		q.closing.RUnlock()
		return ErrClosed
	}
	q.ch <- w
	q.closing.RUnlock()
	return <-w.done
}

// Observe has f told of every group committed: its size and the time its
// commit took (both tries, when a change had to be isolated).
func (q *Queue[T]) Observe(f func(size int, took time.Duration)) { q.observe.Store(&f) }

// Close stops taking changes, commits those already queued and waits for
// the committers to finish.
func (q *Queue[T]) Close() {
	q.closing.Lock()
	if q.closed {
		q.closing.Unlock()
		return
	}
	q.closed = true
	q.closing.Unlock()
	close(q.quit)
	q.stopped.Wait()
}

func (q *Queue[T]) committer() {
	for {
		select {
		case first := <-q.ch:
			q.commitGroup(q.collect(first))
		case <-q.quit:
			// Nothing new is queued once quit is closed: commit what waits.
			for {
				select {
				case first := <-q.ch:
					q.commitGroup(q.collect(first))
				default:
					return
				}
			}
		}
	}
}

// collect takes first and whatever else waits, up to maxGroup changes.
func (q *Queue[T]) collect(first *waiting[T]) []*waiting[T] {
	group := []*waiting[T]{first}
	for len(group) < q.maxGroup {
		select {
		case w := <-q.ch:
			group = append(group, w)
		default:
			return group
		}
	}
	return group
}

// commitGroup commits a group, isolating its changes only if one fails, and
// answers each change's caller.
func (q *Queue[T]) commitGroup(group []*waiting[T]) {
	vs := make([]T, len(group))
	for i, w := range group {
		vs[i] = w.v
	}
	start := time.Now()
	results, done := q.commit(vs, false)
	if !done {
		results, _ = q.commit(vs, true)
	}
	if f := q.observe.Load(); f != nil {
		(*f)(len(group), time.Since(start))
	}
	for i, w := range group {
		w.done <- results[i]
	}
}
