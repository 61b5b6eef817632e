package gateway

import (
	"context"
	"errors"
	"time"

	"paygate"
	"paygate/acquirer"
)

// heldTooLong is how long the sweep keeps asking a connector for an outcome
// it does not give. Past it the payment stays as it is, for an operator:
// the gateway never guesses whether money moved. (Stripe keeps an
// idempotency key 24 hours.)
const heldTooLong = 23 * time.Hour

// resolveHeld settles a card payment that a connector holds without an
// outcome: its answer was lost, it is pending there, or the customer was
// sent to the connector's own 3-D Secure. It asks the connector again
// (acquirer.Resolver) and records what it says. handled is false for a
// payment it does not concern: the sweep's other rules take it. A payment
// with a connector but no attempt yet is one whose node stopped during
// the call: it is asked too.
func (s *core) resolveHeld(ctx context.Context, p *paygate.Payment) (handled bool, err error) {
	if p.Wallet != nil || (p.Status != paygate.StatusPending && p.Status != paygate.StatusRequiresAction) {
		return false, nil
	}
	if n := len(p.Attempts); p.Connector == "" || n > 0 && !waiting(p.Attempts[n-1].Outcome) {
		return false, nil // nothing sent yet, or the last answer was final
	}
	lc, err := s.connectorFor(ctx, p)
	if err != nil || lc.resolver == nil {
		return false, nil
	}
	d, err := s.heldDraft(ctx, p)
	if err != nil {
		return true, err
	}
	start := time.Now()
	res, err := lc.resolver.Resolve(ctx, acquirer.AuthorizeRequest{Reference: p.TradeNo, Amount: p.Amount,
		Capture: p.CaptureMethod == paygate.CaptureAuto, StatementDescriptor: p.BillingDesc})
	a := paygate.ConnectorAttempt{Connector: lc.name, LatencyMs: time.Since(start).Milliseconds(), At: s.now()}
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
	case res.Pending || res.RedirectURL != "":
		if p.Status == paygate.StatusRequiresAction && p.ExpiresAt != nil && !s.now().Before(*p.ExpiresAt) {
			return true, s.abandonAtConnector(ctx, p, lc)
		}
		return true, s.askLater(ctx, p)
	}
	a.Outcome, a.Code = outcomeOf(res), res.Code
	d.attempts = append(p.Attempts, a)
	_, err = s.recordAuthorization(ctx, p, d, res)
	return true, err
}

// sweptHeld is resolveHeld for a sweep: true when it took the payment
// (a failure is logged; the next sweep tries again).
func (s *core) sweptHeld(ctx context.Context, p *paygate.Payment) bool {
	held, err := s.resolveHeld(ctx, p)
	if err != nil {
		s.log.ErrorContext(ctx, "settling a payment a connector holds failed", "tradeNo", p.TradeNo, "err", err)
	}
	return held
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
			"tradeNo", p.TradeNo, "connector", p.Connector, "age", age.Round(time.Minute).String())
	}
	wait := min(max(age/4, askAgainAfter), time.Hour)
	_, err := s.update(ctx, p, func(q *paygate.Payment, now time.Time) {
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
// expires as an abandoned authentication.
func (s *core) abandonAtConnector(ctx context.Context, p *paygate.Payment, lc *liveConnector) error {
	if p.AcquirerRef != "" {
		if _, err := lc.acq.Void(ctx, p.AcquirerRef); err != nil {
			s.log.WarnContext(ctx, "releasing an abandoned payment at the connector failed; trying again later",
				"tradeNo", p.TradeNo, "connector", lc.name, "err", err)
			return s.askLater(ctx, p)
		}
	}
	_, err := s.record(ctx, p, paygate.StatusExpired, func(q *paygate.Payment, _ time.Time) {
		q.ExpiresAt, q.NextAction, q.PendingCard, q.ClaimedUntil = nil, nil, nil, nil
		q.FailureCode, q.FailureMessage = codeAbandoned, msgAbandoned
	})
	return err
}
