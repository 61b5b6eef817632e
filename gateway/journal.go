package gateway

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"paygate"
	"paygate/ledger"
)

// addJournals adds to c the journal of each money movement its events
// record, so that the books change in the same commit as the statuses:
// a payment's capture (the one time it becomes SUCCEEDED: its captured
// amount) and a refund's success. A journal's id names its movement, so the
// store refuses to post one twice.
//
// A capture's fee is computed here, by the merchant's prices as last read
// (within stateTTL), and kept on the payment.
func (s *core) addJournals(ctx context.Context, c *paygate.Change) error {
	for _, ev := range c.Events {
		var j *paygate.Journal
		var err error
		switch {
		case ev.ObjectType == "payment" && ev.To == string(paygate.StatusSucceeded):
			p := findPayment(c.Payments, ev.ObjectID)
			if p == nil || p.CapturedMinor <= 0 {
				return paygate.Internal("post capture", errMissing)
			}
			var fee paygate.Money
			if fee, err = s.captureFee(ctx, p); err != nil {
				return err
			}
			p.FeeMinor = fee.Minor
			j, err = ledger.Capture("J-capture-"+p.TradeNo, p.MerchantID, p.TradeNo, ev.At, p.Captured(), fee)
		case ev.ObjectType == "refund" && ev.To == string(paygate.RefundSucceeded):
			r := findRefund(c.Refunds, ev.ObjectID)
			if r == nil {
				return paygate.Internal("post refund", errMissing)
			}
			j, err = ledger.Refund("J-refund-"+r.RefundID, r.MerchantID, r.TradeNo, r.RefundID, ev.At, r.Amount)
		default:
			continue
		}
		if err == nil {
			err = ledger.Check(j)
		}
		if err != nil {
			return paygate.Internal("post journal", err)
		}
		c.Journals = append(c.Journals, j)
	}
	return nil
}

// captureFee is the fee of p's capture under its merchant's prices.
func (s *core) captureFee(ctx context.Context, p *paygate.Payment) (paygate.Money, error) {
	st, err := s.merchantState(ctx, p.MerchantID)
	if err != nil {
		return paygate.Money{}, err
	}
	fee, err := ledger.Fee(p.Captured(), ledger.PriceFor(st.prices, p.MerchantID, p.PaymentMethodType, p.Amount.Currency))
	if err != nil {
		return paygate.Money{}, paygate.Internal("capture fee", err)
	}
	return fee, nil
}

// LedgerReport is what VerifyLedger found.
type LedgerReport struct {
	Journals   int      // journals read
	Payments   int      // payments whose journals were checked against them
	Violations []string // each a sentence; none when the books hold
}

// VerifyLedger reads the whole books and checks that each journal balances
// and that each payment's journals add up to what it says: what the
// acquirer owes for it is its captured amount less its refunds.
func (s *Service) VerifyLedger(ctx context.Context) (*LedgerReport, error) {
	rep := &LedgerReport{}
	type key struct{ merchant, tradeNo string }
	owed := map[key]int64{}
	for after := ""; ; {
		page, err := s.core.store.Journals(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, j := range page {
			rep.Journals++
			if err := ledger.Check(j); err != nil {
				rep.Violations = append(rep.Violations, err.Error())
			}
			if j.Kind != "capture" && j.Kind != "refund" {
				continue // a batch's settlement or payout is of no one payment
			}
			for _, e := range j.Entries {
				if e.Account.Kind == ledger.AcquirerOwes {
					owed[key{j.MerchantID, j.TradeNo}] += e.Minor
				}
			}
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ID
	}
	keys := make([]key, 0, len(owed))
	for k := range owed {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Compare(a.merchant+"|"+a.tradeNo, b.merchant+"|"+b.tradeNo) })
	for _, k := range keys {
		p, err := s.core.store.Payment(ctx, k.merchant, k.tradeNo)
		if err != nil {
			rep.Violations = append(rep.Violations, fmt.Sprintf("payment %s of %s, in the books: %v", k.tradeNo, k.merchant, err))
			continue
		}
		rep.Payments++
		if want := p.CapturedMinor - p.RefundedMinor; owed[k] != want {
			rep.Violations = append(rep.Violations, fmt.Sprintf("payment %s of %s: the books say %d owed by the acquirer, the payment %d (captured %d, refunded %d)",
				k.tradeNo, k.merchant, owed[k], want, p.CapturedMinor, p.RefundedMinor))
		}
	}
	return rep, nil
}
