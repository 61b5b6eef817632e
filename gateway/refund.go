package gateway

import (
	"context"
	"time"

	"paygate"
	"paygate/wire"
)

// CreateRefund refunds part or all of a captured payment. The refundNumber
// is the merchant's idempotency key: the same body returns the stored refund
// (created=false), another body is duplicate_refund_number. The refund's
// amount is reserved on the payment (compare-and-set on its version) before
// the acquirer is called, so concurrent refunds can never together exceed the
// captured amount.
//
// Errors: invalid_parameter, not_found, invalid_state, amount_exceeded,
// duplicate_refund_number.
func (s *Payments) CreateRefund(ctx context.Context, req *wire.RefundRequest) (*paygate.Refund, bool, error) {
	var c checker
	c.orderRef(req.OrderRef)
	c.reference("refundNumber", req.RefundNumber)
	if c.required("reason", req.Reason) {
		c.length("reason", req.Reason, 1, 256)
	}
	if c.required("clientIp", req.ClientIP) {
		c.ip("clientIp", req.ClientIP)
	}
	s.checkNotifyURL(&c, "notificationUrl", req.NotificationURL)
	c.required("amount", req.Amount)
	if c.err != nil {
		return nil, false, c.err
	}
	merchantID := paygate.MerchantID(ctx)
	hash := s.requestHash(req)
	if r, err := s.store.RefundByNumber(ctx, merchantID, req.RefundNumber); err == nil {
		r, err := s.replayRefund(ctx, r, hash)
		return r, false, err
	} else if !isCode(err, paygate.ENotFound) {
		return nil, false, err
	}
	p, err := s.lookup(ctx, req.OrderRef)
	if err != nil {
		return nil, false, err
	}
	amount, perr := amountParam("amount", req.Amount, p.Amount.Currency)
	if perr != nil {
		return nil, false, perr
	}
	r, replay, err := s.reserveRefund(ctx, &p, amount, req, hash)
	if err != nil {
		return nil, false, err
	}
	if replay != nil {
		old, err := s.replayRefund(ctx, replay, hash)
		return old, false, err
	}
	res, err := s.refundAt(ctx, p, r.RefundID, amount)
	if err != nil {
		// Outcome unknown: the refund stays PROCESSING with its amount reserved.
		s.log.WarnContext(ctx, "acquirer refund failed", "refundId", r.RefundID, "err", err)
		return r, true, nil
	}
	r, err = s.settleRefund(ctx, r, res.Approved, res.AcquirerRef, res.Code, res.Message)
	return r, true, err
}

// reserveRefund writes the refund and the payment's reserved amount in one
// commit, *p becoming the payment as written. When a concurrent call took
// the refundNumber meanwhile, it writes nothing and returns that refund as
// replay.
func (s *core) reserveRefund(ctx context.Context, pp **paygate.Payment, amount paygate.Money, req *wire.RefundRequest, hash string) (r, replay *paygate.Refund, err error) {
	p := *pp
	merchantID := p.MerchantID
	r, err = retryStale(ctx, "payment "+p.TradeNo, func() (*paygate.Refund, error) {
		if !p.Status.Refundable() {
			return nil, paygate.Errorf(paygate.EInvalidState,
				"payment %s is %s; only a SUCCEEDED or PARTIALLY_REFUNDED payment can be refunded", p.TradeNo, p.Status)
		}
		if p.DisputeID != "" && p.DisputeStatus != paygate.DisputeWon {
			// The dispute holds (or took) the money back: a refund would pay the cardholder twice.
			return nil, paygate.Errorf(paygate.EInvalidState, "payment %s is disputed (%s %s); it cannot be refunded",
				p.TradeNo, p.DisputeID, p.DisputeStatus)
		}
		left, err := p.RefundableAmount()
		if err != nil {
			return nil, paygate.Internal("refund", err)
		}
		if amount.Minor > left.Minor {
			return nil, paygate.Errorf(paygate.EAmountExceeded, "amount %s exceeds the refundable amount %s", amount, left)
		}
		now := s.now()
		r := &paygate.Refund{RefundID: newID("R", now, 8), MerchantID: merchantID, RefundNumber: req.RefundNumber,
			TradeNo: p.TradeNo, OrderNo: p.OrderNo, Status: paygate.RefundProcessing, Version: 1,
			Amount: amount, Reason: req.Reason, ClientIP: req.ClientIP, NotificationURL: req.NotificationURL,
			RequestHash: hash, CreatedAt: now, UpdatedAt: now}
		q := *p
		if err := q.ReserveRefund(amount); err != nil {
			return nil, paygate.Internal("refund", err)
		}
		q.UpdatedAt = now
		q.Version++
		err = s.commitFresh(ctx, paygate.Change{Payments: []*paygate.Payment{&q}, Refunds: []*paygate.Refund{r},
			Events: []paygate.Event{r.Created(paygate.RequestID(ctx))}}, func() (err error) {
			// Either the refundNumber was taken by a concurrent call
			// (replay it) or the payment changed (reload and check again).
			if replay, err = s.store.RefundByNumber(ctx, merchantID, req.RefundNumber); err == nil {
				return nil
			}
			p, err = s.store.Payment(ctx, merchantID, p.TradeNo)
			return err
		})
		if err == errStale && replay != nil {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		p = &q
		return r, nil
	})
	*pp = p
	return r, replay, err
}

// sweepRefunds sends again the refunds whose acquirer call had no answer a
// while ago (a network fault, a crash between the reservation and the
// answer). The acquirer refunds once per refund id, so sending again is safe.
func (s *core) sweepRefunds(ctx context.Context, now time.Time) (int, error) {
	stale, err := s.store.StaleRefunds(ctx, now.Add(-time.Minute), 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range stale {
		p, err := s.store.Payment(ctx, r.MerchantID, r.TradeNo)
		if err != nil {
			return n, err
		}
		res, err := s.refundAt(ctx, p, r.RefundID, r.Amount) // the wallet's, for a wallet payment
		if err != nil {
			s.log.WarnContext(ctx, "acquirer refund failed again", "refundId", r.RefundID, "err", err)
			continue
		}
		if _, err := s.settleRefund(ctx, r, res.Approved, res.AcquirerRef, res.Code, res.Message); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// settleRefund records the acquirer's answer on the refund and its payment in
// one commit: the reservation becomes refunded (or is released) and the
// payment moves to PARTIALLY_REFUNDED or REFUNDED.
func (s *core) settleRefund(ctx context.Context, r *paygate.Refund, ok bool, ref, code, msg string) (*paygate.Refund, error) {
	return retryOutcome(ctx, "refund "+r.RefundID, func() (*paygate.Refund, error) {
		p, err := s.store.Payment(ctx, r.MerchantID, r.TradeNo)
		if err != nil {
			return nil, err
		}
		now := s.now()
		reqID := paygate.RequestID(ctx)
		rr := *r
		to := paygate.RefundFailed
		if ok {
			to = paygate.RefundSucceeded
		}
		rev, err := rr.Transition(to, now, reqID)
		if err != nil {
			return nil, err
		}
		rr.Version++
		rr.AcquirerRef = ref
		q := *p
		if err := q.SettleRefund(r.Amount, ok); err != nil {
			return nil, paygate.Internal("settle refund", err)
		}
		q.UpdatedAt = now
		q.Version++
		events := []paygate.Event{rev}
		if ok {
			rr.FailureCode, rr.FailureMessage = "", ""
			next := paygate.StatusPartiallyRefunded
			if q.FullyRefunded() {
				next = paygate.StatusRefunded
			}
			pev, err := q.Transition(next, now, reqID)
			if err != nil {
				return nil, err
			}
			events = append(events, pev)
		} else {
			rr.FailureCode, rr.FailureMessage = orDefault(code, "refund_failed"), msg
		}
		err = s.commitFresh(ctx, paygate.Change{Payments: []*paygate.Payment{&q}, Refunds: []*paygate.Refund{&rr}, Events: events},
			func() (err error) {
				r, err = s.store.Refund(ctx, r.MerchantID, r.RefundID)
				return err
			})
		if err == errStale && r.Status != paygate.RefundProcessing {
			return r, nil // settled meanwhile (the sweep)
		}
		if err != nil {
			return nil, err
		}
		return &rr, nil
	})
}

func (s *core) replayRefund(ctx context.Context, r *paygate.Refund, hash string) (*paygate.Refund, error) {
	if err := sameRequest(r.RequestHash, hash, paygate.EDuplicateRefundNo, "refundNumber %s", r.RefundNumber); err != nil {
		return nil, err
	}
	deadline := s.cfg.Now().Add(s.cfg.ReplayWait)
	for r.Status == paygate.RefundProcessing && s.cfg.Now().Before(deadline) {
		if err := wait(ctx, 20*time.Millisecond); err != nil {
			return nil, err
		}
		q, err := s.store.Refund(ctx, r.MerchantID, r.RefundID)
		if err != nil {
			return nil, err
		}
		r = q
	}
	return r, nil
}

// Refund returns one refund by refundNumber.
//
// Errors: invalid_parameter, not_found.
func (s *Payments) Refund(ctx context.Context, refundNumber string) (*paygate.Refund, error) {
	r, err := s.store.RefundByNumber(ctx, paygate.MerchantID(ctx), refundNumber)
	return r, notFound(err, "refund", refundNumber)
}

// RefundInquiry answers POST /v1/refunds/inquiry: one refund by refundNumber,
// or every refund of the order named by orderNo/tradeNo.
func (s *Payments) RefundInquiry(ctx context.Context, req *wire.RefundInquiryRequest) (*paygate.Refund, []*paygate.Refund, error) {
	if req.RefundNumber != "" {
		r, err := s.Refund(ctx, req.RefundNumber)
		if err == nil && (req.TradeNo != "" && r.TradeNo != req.TradeNo || req.OrderNo != "" && r.OrderNo != req.OrderNo) {
			return nil, nil, paygate.Errorf(paygate.ENotFound, "no refund %s for this order", req.RefundNumber)
		}
		return r, nil, err
	}
	if req.OrderNo == "" && req.TradeNo == "" {
		return nil, nil, paygate.InvalidParam("refundNumber", "refundNumber, orderNo or tradeNo is required")
	}
	_, refunds, err := s.Payment(ctx, req.OrderRef)
	return nil, refunds, err
}
