package gateway

import (
	"context"
	"errors"
	"time"

	"paygate"
	"paygate/acquirer"
)

// heldTooLong is how long the sweep asks a connector again under the
// payment's own reference (for Stripe, the idempotency key of its
// PaymentIntent, which Stripe keeps 24 hours). Past it, a payment whose
// connector never named it stays as it is, logged for an operator: the
// gateway never guesses whether money moved.
const heldTooLong = 23 * time.Hour

// held reports whether a card payment waits for a connector at now: it was
// sent and no final answer is recorded since, and no call for it is out
// (a call out records its own outcome). A node that stopped during a call
// leaves: a cashier page's claim past its time; a direct payment with a
// connector but no attempt; or an attempt at another connector than the
// one recorded (a failover).
func held(p *paygate.Payment, now time.Time) bool {
	if p.Wallet != nil || p.Connector == "" || (p.Status != paygate.StatusPending && p.Status != paygate.StatusRequiresAction) {
		return false
	}
	if p.ClaimedUntil != nil {
		return !p.ClaimedUntil.After(now)
	}
	n := len(p.Attempts)
	if n == 0 {
		return p.Status == paygate.StatusPending && p.SessionID == ""
	}
	last := p.Attempts[n-1]
	return waiting(last.Outcome) || last.Connector != p.Connector
}

// resolveHeld settles a card payment that a connector holds without an
// outcome: its answer was lost, it is pending there, or the customer was
// sent to the connector's own 3-D Secure. It asks the connector again
// (acquirer.Resolver) and records what it says. handled is false for a
// payment it does not concern (not held, or held by a connector that
// cannot be asked, the sandbox): the sweep's other rules take it.
func (s *core) resolveHeld(ctx context.Context, p *paygate.Payment) (handled bool, err error) {
	if !held(p, s.now()) {
		return false, nil
	}
	return s.resolveAt(ctx, p)
}

// resolveAt asks the connector of an open card payment for its outcome
// and records it (resolveHeld's work, for a payment known to be held or
// named by the connector's event).
func (s *core) resolveAt(ctx context.Context, p *paygate.Payment) (handled bool, err error) {
	lc, err := s.connectorFor(ctx, p)
	if err != nil {
		// A registered connector this node cannot reach now: never expire
		// what it may hold.
		s.log.ErrorContext(ctx, "cannot ask the connector holding a payment; asking later", "tradeNo", p.TradeNo, "err", err)
		return true, s.askLater(ctx, p)
	}
	if lc.resolver == nil {
		return false, nil
	}
	if p.AcquirerRef == "" && s.now().Sub(p.CreatedAt) > heldTooLong {
		return true, s.askLater(ctx, p) // logged there; asking now could find a new PaymentIntent, not the payment's
	}
	d, err := s.heldDraft(ctx, p)
	if err != nil {
		s.log.ErrorContext(ctx, "reading a held payment's draft failed; asking later", "tradeNo", p.TradeNo, "err", err)
		return true, s.askLater(ctx, p)
	}
	if !lc.breaker.allow(s.now()) {
		return true, s.askLater(ctx, p) // the connector is failing: the sweep does not wait on it for every payment
	}
	start := time.Now()
	res, err := lc.resolver.Resolve(ctx, acquirer.AuthorizeRequest{Reference: p.TradeNo, Amount: p.Amount,
		Capture: p.CaptureMethod == paygate.CaptureAuto, StatementDescriptor: p.BillingDesc, AcquirerRef: p.AcquirerRef,
		Attempt: p.CardAttempts})
	a := paygate.ConnectorAttempt{Connector: lc.name, LatencyMs: time.Since(start).Milliseconds(), At: s.now()}
	if lc.breaker.done(s.now(), err == nil || errors.Is(err, acquirer.ErrNoEffect)) {
		s.saveCircuit(ctx, lc)
	}
	switch {
	case errors.Is(err, acquirer.ErrNoEffect):
		a.Outcome = outcomeNoEffect
		d.attempts = append(p.Attempts, a)
		_, err = s.decline(ctx, p, d, "processing_error", msgNoConnector, nil)
		return true, err
	case err != nil:
		s.log.WarnContext(ctx, "asking the connector for a payment's outcome failed; asking again later",
			"tradeNo", p.TradeNo, "connector", lc.name, "err", err)
		return true, s.askLater(ctx, p)
	case res.Pending || res.RedirectURL != "" && p.Status == paygate.StatusRequiresAction:
		if p.Status == paygate.StatusRequiresAction && p.ExpiresAt != nil && !s.now().Before(*p.ExpiresAt) {
			return true, s.abandonAtConnector(ctx, p, lc)
		}
		return true, s.askLater(ctx, p)
	}
	// An outcome, or (for a payment whose answer was lost) the connector's
	// 3-D Secure page, which the payment now shows as its next action.
	a.Outcome, a.Code = outcomeOf(res), res.Code
	d.attempts = append(p.Attempts, a)
	_, err = s.recordAuthorization(ctx, p, d, res)
	return true, err
}

// sweptHeld is resolveHeld for a sweep: true when it took the payment
// (a failure is logged; the next sweep tries again).
func (s *core) sweptHeld(ctx context.Context, p *paygate.Payment) bool {
	handled, err := s.resolveHeld(ctx, p)
	if err != nil {
		s.log.ErrorContext(ctx, "settling a payment a connector holds failed", "tradeNo", p.TradeNo, "err", err)
	}
	return handled
}

// builtin reports whether the payment's connector is the built-in sandbox.
func builtin(p *paygate.Payment) bool {
	return p.Connector == "" || p.Connector == paygate.SandboxConnector
}

// cardOut reports whether a card attempt of a payment is at a connector or
// waits for its answer: the cashier page then tries nothing else.
func cardOut(p *paygate.Payment) bool {
	n := len(p.Attempts)
	return p.ClaimedUntil != nil || n > 0 && waiting(p.Attempts[n-1].Outcome)
}

// waiting reports whether an attempt's outcome leaves the payment waiting
// for the connector.
func waiting(outcome string) bool {
	return outcome == outcomeUnknown || outcome == outcomePending || outcome == outcomeAction
}

// askLater moves a held payment's next question further off, the longer
// it has waited (30 s to an hour). Past heldTooLong it is logged for an
// operator each time.
func (s *core) askLater(ctx context.Context, p *paygate.Payment) error {
	age := s.now().Sub(p.CreatedAt)
	if age > heldTooLong {
		s.log.ErrorContext(ctx, "a connector has given no outcome for a payment for too long; an operator must check it at the connector",
			"tradeNo", p.TradeNo, "connector", p.Connector, "acquirerRef", p.AcquirerRef, "age", age.Round(time.Minute).String())
	}
	wait := min(max(age/4, askAgainAfter), time.Hour)
	_, err := s.updateHeld(ctx, p, func(q *paygate.Payment, now time.Time) {
		at := now.Add(wait)
		if q.Status == paygate.StatusRequiresAction && q.ExpiresAt != nil && q.ExpiresAt.After(now) {
			at = *q.ExpiresAt // the customer's time is not over yet
		}
		q.ExpiresAt = &at
	})
	return err
}

// abandonAtConnector ends a payment whose customer never came back from
// the connector's 3-D Secure: the connector releases it (void), then it
// expires as an abandoned authentication. A void that fails or is refused
// (the customer finished just now, say) leaves it for the next question.
func (s *core) abandonAtConnector(ctx context.Context, p *paygate.Payment, lc *liveConnector) error {
	if p.AcquirerRef != "" {
		res, err := lc.acq.Void(ctx, p.AcquirerRef)
		if err != nil || !res.Approved {
			s.log.WarnContext(ctx, "the connector did not release an abandoned payment; asking it again later",
				"tradeNo", p.TradeNo, "connector", lc.name, "err", err, "code", res.Code)
			return s.askLater(ctx, p)
		}
	}
	_, err := s.record(ctx, p, paygate.StatusExpired, func(q *paygate.Payment, _ time.Time) {
		q.ExpiresAt, q.NextAction, q.PendingCard, q.ClaimedUntil = nil, nil, nil, nil
		q.FailureCode, q.FailureMessage = codeAbandoned, msgAbandoned
	})
	return err
}

// releaseHeld makes a merchant's cancel of a payment a connector holds
// safe: a payment the connector named (pending, or at its 3-D Secure) is
// voided there first; one whose outcome is unknown cannot be cancelled
// until the connector answers (the sweep asks it).
func (s *core) releaseHeld(ctx context.Context, p *paygate.Payment) error {
	if !held(p, s.now()) && p.ClaimedUntil == nil {
		return nil
	}
	lc, err := s.connectorFor(ctx, p)
	if err != nil {
		return err
	}
	if lc.resolver == nil {
		return nil // the sandbox: it always answered
	}
	n := len(p.Attempts)
	named := n > 0 && p.Attempts[n-1].Connector == p.Connector &&
		(p.Attempts[n-1].Outcome == outcomePending || p.Attempts[n-1].Outcome == outcomeAction)
	if p.AcquirerRef == "" || !named || p.ClaimedUntil != nil {
		return paygate.Errorf(paygate.EInvalidState,
			"payment %s waits for connector %s's answer, which the gateway is asking for; cancel it once it has one", p.TradeNo, lc.name)
	}
	res, err := lc.acq.Void(context.WithoutCancel(ctx), p.AcquirerRef)
	if err != nil {
		return paygate.Internal("void", err)
	}
	if !res.Approved {
		return paygate.Errorf(paygate.EInvalidState, "connector %s refused to release payment %s (%s): it may have been paid; ask again",
			lc.name, p.TradeNo, res.Code)
	}
	return nil
}
