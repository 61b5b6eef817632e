package gateway

import (
	"context"
	"time"

	"paygate"
	"paygate/wire"
)

// Disputes are chargebacks of merchants' captured payments (docs/ledger.md).
type Disputes struct{ *core }

const (
	// evidenceWindow is how long a merchant has to answer a dispute.
	evidenceWindow = 7 * 24 * time.Hour
	// disputeFeeMajor is the dispute fee, in major units of the payment's
	// currency (as Stripe's 15.00 USD).
	disputeFeeMajor = 15
	// maxEvidence bounds the evidence text, in characters.
	maxEvidence = 20_000
)

// disputeFee is the dispute fee in minor units of currency.
func disputeFee(currency string) paygate.Money {
	exp, _ := paygate.CurrencyExponent(currency)
	fee := int64(disputeFeeMajor)
	for range exp {
		fee *= 10
	}
	return paygate.Money{Minor: fee, Currency: currency}
}

// addDisputes opens, in c itself, the dispute of each card payment c
// captures whose acquirer reports a chargeback of it: the dispute, its
// event (payment.disputed) and the payment's link to it commit with the
// capture, so no crash leaves a capture whose dispute was lost.
func (s *core) addDisputes(c *paygate.Change) {
	if s.disputes == nil {
		return
	}
	for _, ev := range c.Events[:len(c.Events):len(c.Events)] {
		if ev.ObjectType != "payment" || ev.To != string(paygate.StatusSucceeded) {
			continue
		}
		p := findPayment(c.Payments, ev.ObjectID)
		if p == nil || p.Card == nil || p.DisputeID != "" || p.CapturedMinor <= 0 {
			continue
		}
		if p.Connector != "" && p.Connector != paygate.SandboxConnector {
			continue // the sandbox's chargebacks are of its own payments only
		}
		reason, ok := s.disputes.Chargeback(p.Card.BIN, p.Card.Last4)
		if !ok {
			continue
		}
		d := &paygate.Dispute{DisputeID: newID("dp_", ev.At, 8), MerchantID: p.MerchantID, TradeNo: p.TradeNo, OrderNo: p.OrderNo,
			Amount: p.Captured(), FeeMinor: disputeFee(p.Amount.Currency).Minor, Reason: reason,
			Status: paygate.DisputeNeedsResponse, EvidenceDueBy: ev.At.Add(evidenceWindow), Version: 1, CreatedAt: ev.At, UpdatedAt: ev.At}
		p.DisputeID, p.DisputeStatus = d.DisputeID, d.Status
		c.Disputes = append(c.Disputes, d)
		c.Events = append(c.Events, d.Created(ev.RequestID))
	}
}

// Dispute returns one of the calling merchant's disputes.
//
// Errors: not_found.
func (s *Disputes) Dispute(ctx context.Context, id string) (*paygate.Dispute, error) {
	return s.store.Dispute(ctx, paygate.MerchantID(ctx), id)
}

// List returns a page of the calling merchant's disputes, newest first,
// after the id startingAfter; next is the id to ask after for the next
// page, "" on the last.
//
// Errors: invalid_parameter.
func (s *Disputes) List(ctx context.Context, startingAfter, limit string) (page []*paygate.Dispute, next string, err error) {
	var c checker
	n := c.listLimit(limit)
	c.length("startingAfter", startingAfter, 0, 64)
	if c.err != nil {
		return nil, "", c.err
	}
	page, err = s.store.Disputes(ctx, paygate.MerchantID(ctx), startingAfter, n+1)
	if err != nil {
		return nil, "", err
	}
	if len(page) > n {
		page = page[:n]
		next = page[n-1].DisputeID
	}
	return page, next, nil
}

// SubmitEvidence gives the merchant's answer to a dispute waiting for one,
// before its deadline; the acquirer decides at once (the sandbox: evidence
// holding "winning_evidence" wins), and the answer is the decided dispute.
// The same evidence again answers the dispute as decided (a safe retry).
//
// Errors: invalid_parameter, not_found, invalid_state (answered already,
// or past the deadline).
func (s *Disputes) SubmitEvidence(ctx context.Context, id string, req *wire.EvidenceRequest) (*paygate.Dispute, error) {
	var c checker
	if c.required("evidence", req.Evidence) {
		c.length("evidence", req.Evidence, 1, maxEvidence)
	}
	if c.err != nil {
		return nil, c.err
	}
	merchantID := paygate.MerchantID(ctx)
	return retryStale(ctx, "dispute "+id, func() (*paygate.Dispute, error) {
		d, err := s.store.Dispute(ctx, merchantID, id)
		if err != nil {
			return nil, err
		}
		if d.Status != paygate.DisputeNeedsResponse && d.Evidence == req.Evidence {
			return d, nil // the same answer again (a retry that lost the first reply): the decision it got
		}
		if d.Status != paygate.DisputeNeedsResponse {
			return nil, paygate.Errorf(paygate.EInvalidState, "dispute %s is %s; evidence is taken while it is NEEDS_RESPONSE", id, d.Status)
		}
		if !s.now().Before(d.EvidenceDueBy) {
			return nil, paygate.Errorf(paygate.EInvalidState, "dispute %s: the evidence was due by %s", id, wire.TimeString(d.EvidenceDueBy))
		}
		won := s.disputes != nil && s.disputes.DecideDispute(req.Evidence)
		return s.decideDispute(ctx, d, req.Evidence, won, paygate.RequestID(ctx))
	})
}

// decideDispute records the evidence (none: the deadline passed), the
// decision, and the payment's dispute status in one commit. A lost race is
// errStale.
func (s *core) decideDispute(ctx context.Context, d *paygate.Dispute, evidence string, won bool, reqID string) (*paygate.Dispute, error) {
	p, err := s.store.Payment(ctx, d.MerchantID, d.TradeNo)
	if err != nil {
		return nil, err
	}
	now := s.now()
	x := *d
	var evs []paygate.Event
	if evidence != "" {
		x.Evidence = evidence
		ev, err := x.Transition(paygate.DisputeUnderReview, now, reqID)
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	to := paygate.DisputeLost
	if won {
		to = paygate.DisputeWon
	}
	ev, err := x.Transition(to, now, reqID)
	if err != nil {
		return nil, err
	}
	x.Version++
	q := *p
	q.Version++
	q.UpdatedAt = now
	q.DisputeStatus = x.Status
	err = s.commit(ctx, paygate.Change{Payments: []*paygate.Payment{&q}, Disputes: []*paygate.Dispute{&x}, Events: append(evs, ev)})
	if err != nil {
		return nil, stale(err)
	}
	return &x, nil
}

// sweepDisputes loses the disputes whose evidence deadline passed without
// an answer.
func (s *core) sweepDisputes(ctx context.Context, now time.Time) (int, error) {
	due, err := s.store.DueDisputes(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	n, failed := 0, 0
	for _, d := range due {
		if _, err := s.decideDispute(ctx, d, "", false, "sweep"); err != nil {
			if err != errStale { // errStale: answered meanwhile; the next sweep looks again
				s.log.ErrorContext(ctx, "losing an unanswered dispute failed", "disputeId", d.DisputeID, "err", err)
				failed++
			}
			continue
		}
		n++
	}
	if failed > 0 {
		return n, paygate.Errorf(paygate.EInternal, "%d disputes past their deadline could not be closed; the next sweep tries again", failed)
	}
	return n, nil
}
