package gateway

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"paygate"
)

// Every write of the gateway is a compare-and-set: it reads the objects,
// changes a copy, bumps the version and commits; when another writer came
// first the store answers conflict and the write is tried again on fresh
// copies. retryStale owns that loop, so that no write can spin for ever.

// maxAttempts bounds the tries of one compare-and-set write. Each try reads
// the objects again, so more than a few means heavy contention on one
// object or a bug; past the limit the client is told to retry.
const maxAttempts = 64

// errStale is what an attempt returns when its compare-and-set lost (see
// stale): retryStale runs it again.
var errStale = errors.New("stale: the objects changed under the write")

// stale turns the store's conflict into errStale; other errors (and nil)
// pass unchanged.
func stale(err error) error {
	if isCode(err, paygate.EConflict) {
		return errStale
	}
	return err
}

// retryStale runs attempt until it returns anything but errStale, at most
// maxAttempts times, pausing a random moment of up to a few milliseconds
// between tries so that two writers do not collide again in step. Past the
// limit the answer is conflict (HTTP 409): nothing of this request was
// done, and the same request may be sent again.
func retryStale[T any](ctx context.Context, what string, attempt func() (T, error)) (T, error) {
	return retry(ctx, attempt, func() error {
		return paygate.Errorf(paygate.EConflict, "%s kept changing while this request wrote it; retry the request", what)
	})
}

// retryOutcome is retryStale for writing what already happened at a
// connector (an approval, a capture, a void): past the limit it must not
// invite a retry as if nothing had happened, so the answer is an internal
// error and the object is left for the sweep, which settles it.
func retryOutcome[T any](ctx context.Context, what string, attempt func() (T, error)) (T, error) {
	return retry(ctx, attempt, func() error {
		return paygate.Internal("record "+what, errors.New("the object kept changing while its outcome was written"))
	})
}

func retry[T any](ctx context.Context, attempt func() (T, error), gaveUp func() error) (T, error) {
	for i := 1; ; i++ {
		v, err := attempt()
		if !errors.Is(err, errStale) {
			return v, err
		}
		if i == maxAttempts {
			var zero T
			return zero, gaveUp()
		}
		if err := wait(ctx, time.Duration(rand.Int64N(int64(min(i, 8))*int64(time.Millisecond)+1))); err != nil {
			var zero T
			return zero, err
		}
	}
}

// commitFresh commits c for an attempt of retryStale: when the
// compare-and-set lost, it runs reload (which reads the objects again for
// the next try) and answers errStale.
func (s *core) commitFresh(ctx context.Context, c paygate.Change, reload func() error) error {
	err := stale(s.commit(ctx, c))
	if err == errStale && reload != nil {
		if rerr := reload(); rerr != nil {
			return rerr
		}
	}
	return err
}

// reload is commitFresh's reload for a payment: *p becomes the stored one.
func reload(ctx context.Context, s *core, p **paygate.Payment) func() error {
	return func() (err error) {
		*p, err = s.store.Payment(ctx, (*p).MerchantID, (*p).TradeNo)
		return err
	}
}

// update writes a change to p that keeps its status (no event), retrying on
// a fresh copy when another writer came first.
func (s *core) update(ctx context.Context, p *paygate.Payment, set func(*paygate.Payment, time.Time)) (*paygate.Payment, error) {
	return s.updateIf(ctx, p, nil, set)
}

// heldState is what a write about a payment's authorization must find
// unchanged: its status, its connector and its attempts at connectors, the
// card the cashier page is on, a claim, and the connector's reference.
type heldState struct {
	status       paygate.Status
	connector    string
	attempts     int
	cardAttempts int
	claimed      int64 // ClaimedUntil in ms, 0 for none
	acquirerRef  string
}

func heldStateOf(p *paygate.Payment) heldState {
	st := heldState{p.Status, p.Connector, len(p.Attempts), p.CardAttempts, 0, p.AcquirerRef}
	if p.ClaimedUntil != nil {
		st.claimed = p.ClaimedUntil.UnixMilli()
	}
	return st
}

// updateHeld is update for a payment held at a connector: it writes only
// while the payment is as it was read (heldState), so that a webhook, a
// customer's return, the sweep, or a new card on the cashier page that came
// meanwhile wins; the payment is then returned as they left it.
func (s *core) updateHeld(ctx context.Context, p *paygate.Payment, set func(*paygate.Payment, time.Time)) (*paygate.Payment, error) {
	was := heldStateOf(p)
	return s.updateIf(ctx, p, func(q *paygate.Payment) bool { return heldStateOf(q) == was }, set)
}

// updateIf is update that writes only while still (fresh) holds, when
// given; otherwise it returns the payment as it is.
func (s *core) updateIf(ctx context.Context, p *paygate.Payment, still func(*paygate.Payment) bool,
	set func(*paygate.Payment, time.Time)) (*paygate.Payment, error) {
	return retryOutcome(ctx, "payment "+p.TradeNo, func() (*paygate.Payment, error) {
		if still != nil && !still(p) {
			return p, nil
		}
		q := *p
		now := s.now()
		set(&q, now)
		q.UpdatedAt = now
		q.Version++
		if err := s.commitFresh(ctx, paygate.Change{Payments: []*paygate.Payment{&q}}, reload(ctx, s, &p)); err != nil {
			return nil, err
		}
		return &q, nil
	})
}

// record moves p to status to, applying set first, and writes it with its
// event. When another writer changed the payment first (a cancel, the
// sweep), it returns the stored payment unchanged if the move is no longer
// allowed, or retries on the fresh copy.
func (s *core) record(ctx context.Context, p *paygate.Payment, to paygate.Status, set func(*paygate.Payment, time.Time),
	extra ...func(*paygate.Payment, *paygate.Change)) (*paygate.Payment, error) {
	return s.recordIf(ctx, p, to, nil, set, extra...)
}

// recordHeld is record for an outcome of the authorization the payment was
// read with: it moves the payment only while it is as read (heldState).
func (s *core) recordHeld(ctx context.Context, p *paygate.Payment, to paygate.Status, set func(*paygate.Payment, time.Time),
	extra ...func(*paygate.Payment, *paygate.Change)) (*paygate.Payment, error) {
	was := heldStateOf(p)
	return s.recordIf(ctx, p, to, func(q *paygate.Payment) bool { return heldStateOf(q) == was }, set, extra...)
}

// recordIf is record that moves the payment only while still (fresh) holds,
// when given.
func (s *core) recordIf(ctx context.Context, p *paygate.Payment, to paygate.Status, still func(*paygate.Payment) bool,
	set func(*paygate.Payment, time.Time), extra ...func(*paygate.Payment, *paygate.Change)) (*paygate.Payment, error) {
	return retryOutcome(ctx, "payment "+p.TradeNo, func() (*paygate.Payment, error) {
		if still != nil && !still(p) {
			return p, nil
		}
		q := *p
		now := s.now()
		ev, err := q.Transition(to, now, paygate.RequestID(ctx))
		if err != nil {
			return p, nil
		}
		set(&q, now)
		q.Version++
		c := paygate.Change{Payments: []*paygate.Payment{&q}, Events: []paygate.Event{ev}}
		for _, add := range extra {
			if add != nil {
				add(&q, &c)
			}
		}
		if err := s.commitFresh(ctx, c, reload(ctx, s, &p)); err != nil {
			return nil, err
		}
		return &q, nil
	})
}
