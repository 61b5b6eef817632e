package gateway

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/wire"
)

// lookup finds the merchant's payment by orderNo or tradeNo; with both, they
// must name the same payment.
func (s *core) lookup(ctx context.Context, r wire.OrderRef) (*paygate.Payment, error) {
	var c checker
	c.orderRef(r)
	if c.err != nil {
		return nil, c.err
	}
	merchantID := paygate.MerchantID(ctx)
	if r.TradeNo != "" {
		p, err := s.store.Payment(ctx, merchantID, r.TradeNo)
		if err != nil {
			return nil, notFound(err, "payment", r.TradeNo)
		}
		if r.OrderNo != "" && p.OrderNo != r.OrderNo {
			return nil, paygate.InvalidParam("tradeNo", "tradeNo and orderNo name different payments")
		}
		return p, nil
	}
	p, err := s.store.PaymentByOrderNo(ctx, merchantID, r.OrderNo)
	return p, notFound(err, "payment", r.OrderNo)
}

// notFound gives a store's not_found a message naming what was asked for.
func notFound(err error, kind, id string) error {
	if isCode(err, paygate.ENotFound) {
		return paygate.Errorf(paygate.ENotFound, "no %s %s", kind, id)
	}
	return err
}

// lookupMethod is lookup for a request that may name the payment's method
// too: an unknown method is invalid_parameter, and a payment of another
// method is not_found, as the merchant asked for a payment that does not
// exist in that method.
func (s *core) lookupMethod(ctx context.Context, r wire.OrderRef, method string) (*paygate.Payment, error) {
	if method != "" && !slices.Contains(paygate.PaymentMethodTypes(), method) {
		return nil, paygate.InvalidParam("paymentMethodType", "paymentMethodType must be one of %s", strings.Join(paygate.PaymentMethodTypes(), ", "))
	}
	p, err := s.lookup(ctx, r)
	if err != nil || method == "" || p.PaymentMethodType == method {
		return p, err
	}
	return nil, paygate.Errorf(paygate.ENotFound, "no %s payment %s: payment %s is paid by %s", method, orDefault(r.TradeNo, r.OrderNo), p.TradeNo, p.PaymentMethodType)
}

// Payment returns a payment with its refunds.
//
// Errors: invalid_parameter, not_found.
func (s *Payments) Payment(ctx context.Context, r wire.OrderRef) (*paygate.Payment, []*paygate.Refund, error) {
	return s.Inquiry(ctx, &wire.InquiryRequest{OrderRef: r})
}

// Inquiry returns a payment with its refunds; a paymentMethodType, when
// given, must be the payment's.
//
// Errors: invalid_parameter, not_found.
func (s *Payments) Inquiry(ctx context.Context, req *wire.InquiryRequest) (*paygate.Payment, []*paygate.Refund, error) {
	p, err := s.lookupMethod(ctx, req.OrderRef, req.PaymentMethodType)
	if err != nil {
		return nil, nil, err
	}
	p = s.refreshWallet(ctx, p)
	refunds, err := s.store.Refunds(ctx, p.MerchantID, p.TradeNo)
	if err != nil {
		return nil, nil, err
	}
	return p, refunds, nil
}

// Capture captures an authorized payment, in full or in part, once.
// With an idempotency key, a retry gets the first answer.
//
// Errors: invalid_parameter, not_found, invalid_state, amount_exceeded,
// idempotency_key_reused.
func (s *Payments) Capture(ctx context.Context, req *wire.CaptureRequest, idemKey string) (*paygate.Payment, error) {
	ctx, retaken := withTakeoverFlag(ctx)
	return idempotent(s.core, ctx, idemKey, "capture", req, func() (*paygate.Payment, error) {
		p, err := s.lookup(ctx, req.OrderRef)
		if err != nil {
			return nil, err
		}
		amount, perr := amountParam("captureAmount", req.CaptureAmount, p.Amount.Currency)
		if perr != nil {
			return nil, perr
		}
		return retryStale(ctx, "payment "+p.TradeNo, func() (*paygate.Payment, error) {
			if *retaken && p.CapturedMinor == amount.Minor && p.Status != paygate.StatusAuthorized && p.AuthorizedAt != nil {
				// The first request with this key captured and died before
				// saving its answer: that capture is the answer.
				return p, nil
			}
			if p.Status != paygate.StatusAuthorized {
				return nil, paygate.Errorf(paygate.EInvalidState, "payment %s is %s; only an AUTHORIZED payment can be captured", p.TradeNo, p.Status)
			}
			if amount.Minor > p.Amount.Minor {
				return nil, paygate.Errorf(paygate.EAmountExceeded, "captureAmount %s exceeds the authorized amount %s", amount, p.Amount)
			}
			if p.ExpiresAt != nil && !s.now().Before(*p.ExpiresAt) {
				// The sweep voids it (the acquirer may have let it lapse already).
				return nil, paygate.Errorf(paygate.EInvalidState, "the authorization of payment %s expired at %s", p.TradeNo, p.ExpiresAt.Format(time.RFC3339))
			}
			// Claim the payment first, so a concurrent capture, cancel or
			// sweep cannot move money at the acquirer at the same time.
			if err := s.claimOrWait(ctx, &p); err != nil {
				return nil, err
			}
			// From here the outcome must be recorded even if the client goes away.
			ctx := context.WithoutCancel(ctx)
			res, err := s.cardCall(ctx, p, func(a acquirer.Acquirer) (acquirer.Result, error) { return a.Capture(ctx, p.AcquirerRef, amount) })
			if err != nil {
				s.unclaim(ctx, p)
				return nil, paygate.Internal("capture", err)
			}
			if !res.Approved {
				s.unclaim(ctx, p)
				return nil, paygate.Errorf(paygate.EInvalidState, "the acquirer refused the capture: %s", res.Message)
			}
			q, err := s.record(ctx, p, paygate.StatusSucceeded, func(p *paygate.Payment, _ time.Time) {
				p.CapturedMinor = amount.Minor
				p.ExpiresAt, p.ClaimedUntil = nil, nil
			})
			if err != nil || q.Status == paygate.StatusSucceeded && q.Version > p.Version {
				return q, err
			}
			p = q // changed under us; check again
			return nil, errStale
		})
	})
}

// Cancel voids an authorization, or closes a payment still waiting for the
// customer or the acquirer.
//
// Errors: invalid_parameter, not_found, invalid_state, idempotency_key_reused.
func (s *Payments) Cancel(ctx context.Context, req *wire.CancelRequest, idemKey string) (*paygate.Payment, error) {
	ctx, retaken := withTakeoverFlag(ctx)
	return idempotent(s.core, ctx, idemKey, "cancel", req, func() (*paygate.Payment, error) {
		p, err := s.lookupMethod(ctx, req.OrderRef, req.PaymentMethodType)
		if err != nil {
			return nil, err
		}
		return retryStale(ctx, "payment "+p.TradeNo, func() (*paygate.Payment, error) {
			if *retaken && p.Status == paygate.StatusCancelled {
				return p, nil // cancelled by the first request with this key, which died before its answer
			}
			if !paygate.CanTransition(p.Status, paygate.StatusCancelled) {
				return nil, paygate.Errorf(paygate.EInvalidState, "payment %s is %s and cannot be cancelled", p.TradeNo, p.Status)
			}
			if err := s.closeWallet(ctx, p); err != nil {
				return nil, err
			}
			if err := s.releaseHeld(ctx, p); err != nil {
				return nil, err
			}
			if p.Status == paygate.StatusAuthorized {
				if err := s.claimOrWait(ctx, &p); err != nil {
					return nil, err
				}
				ctx := context.WithoutCancel(ctx)
				res, err := s.cardCall(ctx, p, func(a acquirer.Acquirer) (acquirer.Result, error) { return a.Void(ctx, p.AcquirerRef) })
				if err != nil {
					s.unclaim(ctx, p)
					return nil, paygate.Internal("void", err)
				}
				if !res.Approved {
					s.unclaim(ctx, p)
					return nil, paygate.Errorf(paygate.EInvalidState, "the acquirer refused the void: %s", res.Message)
				}
			}
			// Only while the payment is as checked: a card sent meanwhile
			// (the cashier page) sends the cancel round again, to be refused.
			q, err := s.recordHeld(context.WithoutCancel(ctx), p, paygate.StatusCancelled, func(p *paygate.Payment, _ time.Time) {
				p.ExpiresAt, p.NextAction, p.PendingCard, p.ClaimedUntil = nil, nil, nil, nil
			}, s.expireSession(context.WithoutCancel(ctx), p))
			if err != nil || q.Status == paygate.StatusCancelled && q.Version > p.Version {
				return q, err
			}
			p = q
			return nil, errStale
		})
	})
}

// sweep expires payments whose deadline passed (uncaptured authorizations,
// payments left PENDING by a crash; an unanswered 3-D Secure challenge
// expires as authentication_abandoned), expires checkout sessions with their payment,
// sends again refunds left without the acquirer's answer, and drops expired
// idempotency records. It returns how many payments, sessions and refunds
// it closed. Background loops call it; it goes through the same transition
// rules as requests.
func (s *core) sweep(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.store.DuePayments(ctx, []paygate.Status{paygate.StatusPending, paygate.StatusRequiresAction, paygate.StatusAuthorized}, now, 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range due {
		if s.sweptHeld(ctx, p) {
			continue
		}
		if p.Wallet != nil && p.SessionID == "" && s.wallets != nil {
			closed, err := s.sweepWallet(ctx, p) // asks the wallet before expiring
			if err != nil {
				return n, err
			}
			if closed {
				n++
			}
			continue
		}
		if p.SessionID != "" && p.Status != paygate.StatusAuthorized {
			continue // its session's expiry closes it (sweepSessions), in one commit
		}
		if p.Status == paygate.StatusAuthorized {
			c, err := s.claim(ctx, p)
			if err != nil {
				continue // a capture or cancel holds it, or it changed: look again next time
			}
			p = c
			res, err := s.cardCall(ctx, p, func(a acquirer.Acquirer) (acquirer.Result, error) { return a.Void(ctx, p.AcquirerRef) })
			if err != nil {
				// No answer: the hold may still be there. Keep the payment
				// AUTHORIZED and try again at the next sweep.
				s.unclaim(ctx, p)
				s.log.WarnContext(ctx, "void of expired authorization failed", "tradeNo", p.TradeNo, "err", err)
				continue
			}
			if !res.Approved {
				// A definite refusal (the acquirer let the hold lapse, or
				// it was captured there): retrying would not change it.
				// It expires here; an operator checks the acquirer's side.
				s.log.ErrorContext(ctx, "the acquirer refused the void of an expired authorization; expiring it anyway",
					"tradeNo", p.TradeNo, "code", res.Code, "message", res.Message)
			}
		}
		// An unanswered 3-D Secure challenge is an abandoned authentication:
		// EXPIRED, as docs/api.md has it, with the reason.
		to, code, msg := paygate.StatusExpired, "", ""
		if p.Status == paygate.StatusRequiresAction {
			code, msg = codeAbandoned, msgAbandoned
		}
		q, err := s.record(ctx, p, to, func(p *paygate.Payment, _ time.Time) {
			p.ExpiresAt, p.NextAction, p.PendingCard, p.ClaimedUntil = nil, nil, nil, nil
			if code != "" {
				p.FailureCode, p.FailureMessage = code, msg
			}
		})
		if err != nil {
			return n, err
		}
		if q.Status == to {
			n++
		}
	}
	m, err := s.sweepSessions(ctx, now)
	n += m
	if err != nil {
		return n, err
	}
	m, err = s.sweepRefunds(ctx, now)
	n += m
	if err != nil {
		return n, err
	}
	// The books' sweeps and the clean-up run whatever the others met.
	_, derr := s.sweepDisputes(ctx, now)
	_, cerr := s.closeDue(ctx, now)
	return n, errors.Join(derr, cerr, s.forget(ctx, now))
}

// forget deletes what has run its time: idempotency records, dashboard
// sessions, old counts of wrong passwords, connectors' webhook events
// (Stripe sends an event again for 3 days at most; they are kept 30).
func (s *core) forget(ctx context.Context, now time.Time) error {
	if _, err := s.store.DeleteExpiredIdempotency(ctx, now); err != nil {
		return err
	}
	if _, err := s.store.DeleteConnectorEventsBefore(ctx, now.Add(-forgetConnectorEvents)); err != nil {
		return err
	}
	if _, err := s.store.DeleteExpiredUserSessions(ctx, now); err != nil {
		return err
	}
	_, err := s.store.DeleteOldSignInFailures(ctx, now.Add(-forgetFailures))
	return err
}

// errClaimed says another operation holds the payment.
var errClaimed = paygate.Errorf(paygate.EConflict, "another operation on this payment is in progress; retry")

// claim marks p as taken by this request for three minutes (longer than a
// connector's call may take, two minutes at most), compare-and-set, so
// that only one capture, void or sweep talks to the acquirer about it at a
// time. A live claim by someone else is EConflict.
func (s *core) claim(ctx context.Context, p *paygate.Payment) (*paygate.Payment, error) {
	now := s.now()
	if p.ClaimedUntil != nil && now.Before(*p.ClaimedUntil) {
		return nil, errClaimed
	}
	q := *p
	until := now.Add(3 * time.Minute)
	q.ClaimedUntil = &until
	q.UpdatedAt = now
	q.Version++
	if err := s.store.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{&q}}); err != nil {
		return nil, err
	}
	return &q, nil
}

// unclaim releases a claim after an acquirer call that changed nothing; only
// this claim: if it ran out and another operation claimed the payment since,
// that claim stays.
func (s *core) unclaim(ctx context.Context, p *paygate.Payment) {
	ours := p.ClaimedUntil
	if ours == nil {
		return
	}
	if _, err := s.update(ctx, p, func(q *paygate.Payment, _ time.Time) {
		if q.ClaimedUntil != nil && q.ClaimedUntil.Equal(*ours) {
			q.ClaimedUntil = nil
		}
	}); err != nil {
		s.log.WarnContext(ctx, "releasing a claim failed", "tradeNo", p.TradeNo, "err", err)
	}
}

// claimOrWait claims *p for a call to the acquirer; when another operation
// holds it, it waits for that one to end, sets *p to the payment as it is
// then and answers errStale, so the caller's attempt checks it again.
func (s *core) claimOrWait(ctx context.Context, p **paygate.Payment) error {
	c, err := s.claim(ctx, *p)
	if isCode(err, paygate.EConflict) {
		if *p, err = s.waitClaim(ctx, *p); err != nil {
			return err
		}
		return errStale
	}
	if err != nil {
		return err
	}
	*p = c
	return nil
}

// waitClaim waits a moment for another operation's claim on p and returns
// the payment as it is now; after ReplayWait it gives up with errClaimed.
func (s *core) waitClaim(ctx context.Context, p *paygate.Payment) (*paygate.Payment, error) {
	deadline := s.cfg.Now().Add(s.cfg.ReplayWait)
	for {
		q, err := s.store.Payment(ctx, p.MerchantID, p.TradeNo)
		if err != nil {
			return nil, err
		}
		if q.ClaimedUntil == nil || !s.now().Before(*q.ClaimedUntil) || q.Version != p.Version && q.Status != p.Status {
			return q, nil
		}
		if !s.cfg.Now().Before(deadline) {
			return nil, errClaimed
		}
		if err := wait(ctx, 20*time.Millisecond); err != nil {
			return nil, err
		}
	}
}
