package storetest

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"paygate"
	"paygate/ledger"
)

// propMerchant numbers the merchants of testBooksProperty's runs: each run
// keeps to its own merchant, so runs share one store.
var propMerchant atomic.Int64

// bookModel is what a run of testBooksProperty posted, to check the store's
// answers against.
type bookModel struct {
	merchant, currency string
	payments           []*propPayment
	batches            []string
	paid               map[string]bool
	pending, available int64 // the merchant's accounts, as the posted journals sum them
	movementNet        int64 // the net of every movement posted (captures, refunds, disputes)
	n                  int   // the clock, in minutes
}

type propPayment struct {
	tradeNo                     string
	captured, refunded, fee     int64
	dispute                     string
	disputeOpen, disputeWonOnce bool
}

func (m *bookModel) now() time.Time { m.n++; return at(time.Duration(m.n) * time.Minute) }

// post writes journals and adds their merchant lines to the model.
func (m *bookModel) post(t *rapid.T, s paygate.Store, js ...*paygate.Journal) {
	for _, j := range js {
		if err := ledger.Check(j); err != nil {
			t.Fatal(err)
		}
		m.count(j)
	}
	if err := s.Apply(t.Context(), paygate.Change{Journals: js}); err != nil {
		t.Fatal(err)
	}
}

func (m *bookModel) count(j *paygate.Journal) {
	for _, e := range j.Entries {
		switch {
		case e.Account.Merchant != m.merchant:
		case e.Account.Kind == ledger.MerchantPending:
			m.pending += e.Minor
			if j.Settle {
				m.movementNet -= e.Minor
			}
		case e.Account.Kind == ledger.MerchantAvailable:
			m.available += e.Minor
		}
	}
}

// testBooksProperty: random sequences of captures, refunds, disputes (opened
// and won), batch closes and payouts keep the books' invariants on the
// store: every journal balances, the merchant's waiting and unpaid sums are
// its accounts, every movement is in at most one batch, and the batches'
// nets plus what still waits are the movements' net.
func testBooksProperty(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	rapid.Check(t, func(rt *rapid.T) {
		m := &bookModel{merchant: fmt.Sprintf("m_prop_%d", propMerchant.Add(1)),
			currency: rapid.SampledFrom([]string{"USD", "JPY", "KWD"}).Draw(rt, "currency"), paid: map[string]bool{}}
		steps := rapid.IntRange(1, 30).Draw(rt, "steps")
		for i := range steps {
			m.step(rt, s, i)
		}
		m.check(rt, s)
	})
}

func (m *bookModel) money(minor int64) paygate.Money {
	return paygate.Money{Minor: minor, Currency: m.currency}
}

func (m *bookModel) step(t *rapid.T, s paygate.Store, i int) {
	id := fmt.Sprintf("%s_%d", m.merchant, i)
	switch rapid.IntRange(0, 5).Draw(t, "op") {
	case 0, 1: // a capture
		gross := rapid.Int64Range(1, 1_000_000).Draw(t, "gross")
		fee, err := ledger.Fee(m.money(gross), ledger.Pricing{PercentHundredths: rapid.Int64Range(0, 1_000).Draw(t, "pct"),
			Fixed: m.money(rapid.Int64Range(0, 100).Draw(t, "fixed"))})
		if err != nil {
			t.Fatal(err)
		}
		p := &propPayment{tradeNo: "T" + id, captured: gross, fee: fee.Minor}
		j, err := ledger.Capture("J-capture-"+p.tradeNo, m.merchant, p.tradeNo, m.now(), m.money(gross), fee)
		if err != nil {
			t.Fatal(err)
		}
		m.payments = append(m.payments, p)
		m.post(t, s, j)
	case 2: // a refund of a payment not disputed
		ps := slices.DeleteFunc(slices.Clone(m.payments), func(p *propPayment) bool {
			return p.dispute != "" && !p.disputeWonOnce || p.captured == p.refunded
		})
		if len(ps) == 0 {
			return
		}
		p := rapid.SampledFrom(ps).Draw(t, "refunded")
		amount := rapid.Int64Range(1, p.captured-p.refunded).Draw(t, "amount")
		p.refunded += amount
		j, err := ledger.Refund("J-refund-R"+id, m.merchant, p.tradeNo, "R"+id, m.now(), m.money(amount))
		if err != nil {
			t.Fatal(err)
		}
		m.post(t, s, j)
	case 3: // a dispute opens, or one is won
		m.disputeStep(t, s, id)
	case 4: // a batch closes
		m.closeStep(t, s, id)
	case 5: // a payout
		var unpaid []string
		for _, b := range m.batches {
			if !m.paid[b] {
				unpaid = append(unpaid, b)
			}
		}
		if len(unpaid) == 0 {
			return
		}
		b := rapid.SampledFrom(unpaid).Draw(t, "paid")
		st, err := s.Settlement(t.Context(), m.merchant, b)
		if err != nil {
			t.Fatal(err)
		}
		at := m.now()
		j, err := ledger.Payout(st, at)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PaySettlement(t.Context(), m.merchant, b, at, j); err != nil {
			t.Fatal(err)
		}
		if j != nil {
			m.count(j)
		}
		m.paid[b] = true
	}
}

func (m *bookModel) disputeStep(t *rapid.T, s paygate.Store, id string) {
	if len(m.payments) == 0 {
		return
	}
	p := rapid.SampledFrom(m.payments).Draw(t, "disputed")
	fee := m.money(15 * 100)
	switch {
	case p.dispute == "" && p.refunded < p.captured:
		p.dispute, p.disputeOpen = "D"+id, true
		j, err := ledger.Dispute("J-dispute-"+p.dispute, m.merchant, p.tradeNo, p.dispute, m.now(), m.money(p.captured-p.refunded), fee)
		if err != nil {
			t.Fatal(err)
		}
		m.post(t, s, j)
	case p.disputeOpen && rapid.Bool().Draw(t, "won"):
		p.disputeOpen, p.disputeWonOnce = false, true
		j, err := ledger.DisputeWon("J-dispute-won-"+p.dispute, m.merchant, p.tradeNo, p.dispute, m.now(),
			m.money(p.captured-p.refunded), fee)
		if err != nil {
			t.Fatal(err)
		}
		m.post(t, s, j)
	case p.disputeOpen:
		p.disputeOpen = false // lost: nothing posts
	}
}

func (m *bookModel) closeStep(t *rapid.T, s paygate.Store, id string) {
	cutoff, at := m.now(), m.now()
	stl := "stl_" + id
	var js []*paygate.Journal
	st, err := s.CloseSettlement(t.Context(), stl, m.merchant, m.currency, cutoff,
		func(totals []paygate.SettlementTotal) (*paygate.Settlement, paygate.Change, error) {
			st, j, err := ledger.Settle(stl, m.merchant, m.currency, cutoff, at, totals)
			if j != nil {
				js = []*paygate.Journal{j}
			}
			return st, paygate.Change{Journals: js}, err
		})
	if err != nil {
		t.Fatal(err)
	}
	if st != nil {
		m.batches = append(m.batches, stl)
		for _, j := range js {
			m.count(j)
		}
	}
}

// check holds the store's answers against the model.
func (m *bookModel) check(t *rapid.T, s paygate.Store) {
	ctx := t.Context()
	waiting, unpaid, err := balances(ctx, s, m.merchant)
	if err != nil {
		t.Fatal(err)
	}
	var waitingPending int64
	for _, b := range waiting {
		if b.Account == ledger.MerchantPending {
			waitingPending += b.Minor
		}
	}
	if waitingPending != m.pending {
		t.Fatalf("waiting pending %d, the books %d", waitingPending, m.pending)
	}
	var unpaidNet int64
	for _, b := range unpaid {
		unpaidNet += b.Minor
	}
	if unpaidNet != -m.available {
		t.Fatalf("unpaid batches %d, the books' available %d", unpaidNet, -m.available)
	}
	seen := map[string]bool{}
	var batchesNet int64
	for _, b := range m.batches {
		st, err := s.Settlement(ctx, m.merchant, b)
		if err != nil {
			t.Fatal(err)
		}
		items, err := s.SettlementItems(ctx, m.merchant, b, "", 10_000)
		if err != nil {
			t.Fatal(err)
		}
		var net int64
		for _, it := range items {
			if seen[it.JournalID] {
				t.Fatalf("%s is in two batches", it.JournalID)
			}
			seen[it.JournalID] = true
			net += it.NetMinor
		}
		if net != st.NetMinor || len(items) != st.Captures+st.Refunds+st.Disputes {
			t.Fatalf("batch %s: net %d and %d lines, its items %d and %d", b, st.NetMinor, st.Captures+st.Refunds+st.Disputes, net, len(items))
		}
		batchesNet += net
	}
	if batchesNet-waitingPending != m.movementNet {
		t.Fatalf("batches' net %d and waiting %d, the movements' net %d", batchesNet, -waitingPending, m.movementNet)
	}
}
