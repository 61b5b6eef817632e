package gateway

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"paygate"
	"paygate/ledger"
)

// addJournals adds to c the journal of each money movement its events
// record, so that the books change in the same commit as the statuses:
// a payment's capture (the one time it becomes SUCCEEDED: its captured
// amount), a refund's success, a dispute's opening and a dispute won. A
// journal's id names its movement, so the
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
		case ev.ObjectType == "dispute" && (ev.From == "" || ev.To == string(paygate.DisputeWon)):
			d := findDispute(c.Disputes, ev.ObjectID)
			if d == nil {
				return paygate.Internal("post dispute", errMissing)
			}
			fee := paygate.Money{Minor: d.FeeMinor, Currency: d.Amount.Currency}
			if ev.From == "" {
				j, err = ledger.Dispute("J-dispute-"+d.DisputeID, d.MerchantID, d.TradeNo, d.DisputeID, ev.At, d.Amount, fee)
			} else {
				j, err = ledger.DisputeWon("J-dispute-won-"+d.DisputeID, d.MerchantID, d.TradeNo, d.DisputeID, ev.At, d.Amount, fee)
			}
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
	Merchants  int      // merchants whose balances were checked against the books
	Violations []string // each a sentence; none when the books hold
}

type paymentKey struct{ merchant, tradeNo string }

// books is what VerifyLedger sums while it reads every journal.
type books struct {
	owed     map[paymentKey]int64      // acquirer_owes per payment, by its capture and refund journals
	accounts map[paygate.Account]int64 // every merchant account
}

// VerifyLedger reads the whole books and checks that each journal
// balances, that each payment's journals add up to what it says (what the
// acquirer owes for it is its captured amount less its refunds), and that
// each merchant's balances as the API answers them (from the settlement
// queue and the unpaid batches) are its accounts in the books.
func (s *Service) VerifyLedger(ctx context.Context) (*LedgerReport, error) {
	rep := &LedgerReport{}
	b := books{owed: map[paymentKey]int64{}, accounts: map[paygate.Account]int64{}}
	err := s.core.eachJournal(ctx, func(j *paygate.Journal) {
		rep.Journals++
		if err := ledger.Check(j); err != nil {
			rep.Violations = append(rep.Violations, err.Error())
		}
		b.add(j)
	})
	if err != nil {
		return nil, err
	}
	if err := s.verifyPayments(ctx, b, rep); err != nil {
		return nil, err
	}
	return rep, s.verifyBalances(ctx, b, rep)
}

// eachJournal calls f with every journal of the books, in id order, a
// page at a time.
func (s *core) eachJournal(ctx context.Context, f func(*paygate.Journal)) error {
	for after := ""; ; {
		page, err := s.store.Journals(ctx, after, 1000)
		if err != nil {
			return err
		}
		for _, j := range page {
			f(j)
		}
		if len(page) < 1000 {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

func (b books) add(j *paygate.Journal) {
	for _, e := range j.Entries {
		if e.Account.Merchant != "" {
			b.accounts[e.Account] += e.Minor
		}
		// A batch's settlement or payout is of no one payment.
		if e.Account.Kind == ledger.AcquirerOwes && (j.Kind == "capture" || j.Kind == "refund") {
			b.owed[paymentKey{j.MerchantID, j.TradeNo}] += e.Minor
		}
	}
}

func (s *Service) verifyPayments(ctx context.Context, b books, rep *LedgerReport) error {
	keys := slices.SortedFunc(maps.Keys(b.owed), func(a, b paymentKey) int {
		return cmp.Or(cmp.Compare(a.merchant, b.merchant), cmp.Compare(a.tradeNo, b.tradeNo))
	})
	for _, k := range keys {
		p, err := s.core.store.Payment(ctx, k.merchant, k.tradeNo)
		if isCode(err, paygate.ENotFound) {
			rep.Violations = append(rep.Violations, fmt.Sprintf("payment %s of %s, in the books: not found", k.tradeNo, k.merchant))
			continue
		}
		if err != nil {
			return err
		}
		rep.Payments++
		if want := p.CapturedMinor - p.RefundedMinor; b.owed[k] != want {
			rep.Violations = append(rep.Violations, fmt.Sprintf("payment %s of %s: the books say %d owed by the acquirer, the payment %d (captured %d, refunded %d)",
				k.tradeNo, k.merchant, b.owed[k], want, p.CapturedMinor, p.RefundedMinor))
		}
	}
	return nil
}

// verifyBalances checks each merchant's pending and available balances,
// as the settlement queue and the unpaid batches give them, against its
// accounts in the books.
func (s *Service) verifyBalances(ctx context.Context, b books, rep *LedgerReport) error {
	merchants := map[string]bool{}
	for a := range b.accounts {
		merchants[a.Merchant] = true
	}
	for _, m := range slices.Sorted(maps.Keys(merchants)) {
		rep.Merchants++
		bs, err := s.Settlements.Balances(paygate.WithMerchantID(ctx, m))
		if err != nil {
			return err
		}
		answered := map[paygate.Account]int64{}
		for _, x := range bs {
			answered[paygate.Account{Kind: ledger.MerchantPending, Merchant: m, Currency: x.Currency}] = -x.Pending
			answered[paygate.Account{Kind: ledger.MerchantAvailable, Merchant: m, Currency: x.Currency}] = -x.Available
		}
		for a, minor := range b.accounts {
			if a.Merchant == m && answered[a] != minor {
				rep.Violations = append(rep.Violations, fmt.Sprintf("merchant %s: %s is %d in the books, its balance says %d", m, a, minor, answered[a]))
			}
		}
	}
	return nil
}
