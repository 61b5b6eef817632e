package gateway

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"paygate"
	"paygate/ledger"
	"paygate/wire"
)

// Settlements are merchants' settlement batches, their balances and
// payouts (docs/ledger.md).
type Settlements struct{ *core }

// settlementIDDigits is the random part of a batch id after its time.
const settlementIDDigits = 8

// closeBatch closes the batch of a merchant's waiting movements in a
// currency posted before cutoff; nil when none waits (or another node
// took them first).
//
// The batch's settlement.closed notification, to each of the merchant's
// subscriptions, commits with it.
func (s *core) closeBatch(ctx context.Context, merchantID, currency string, cutoff time.Time) (*paygate.Settlement, error) {
	return s.finishBatch(ctx, newID("stl_", s.now(), settlementIDDigits), merchantID, currency, cutoff)
}

// finishBatch closes batch id, new or cut short.
func (s *core) finishBatch(ctx context.Context, id, merchantID, currency string, cutoff time.Time) (*paygate.Settlement, error) {
	now := s.now()
	subs, err := s.store.Subscriptions(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	st, err := s.store.CloseSettlement(ctx, id, merchantID, currency, cutoff,
		func(totals []paygate.SettlementTotal) (*paygate.Settlement, paygate.Change, error) {
			var c paygate.Change
			st, j, err := ledger.Settle(id, merchantID, currency, cutoff, now, totals)
			if err != nil {
				return nil, c, paygate.Internal("close settlement", err)
			}
			if st == nil {
				return nil, c, nil
			}
			if j != nil {
				c.Journals = []*paygate.Journal{j}
			}
			c.Notifications, err = settlementNotifications(st, subs)
			return st, c, err
		})
	if isCode(err, paygate.EConflict) {
		return nil, nil // another node closed this batch at the same cutoff
	}
	if err == nil && st != nil && len(subs) > 0 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return st, err
}

// settlementNotifications are a closed batch's settlement.closed
// notifications: one per subscription (a batch has no order, so no
// notificationUrl), sequence 1, the batch as data.
func settlementNotifications(st *paygate.Settlement, subs []*paygate.Subscription) ([]*paygate.Notification, error) {
	if len(subs) == 0 {
		return nil, nil
	}
	data, err := json.Marshal(wire.NewSettlementView(st))
	if err != nil {
		return nil, paygate.Internal("render notification", err)
	}
	ev := paygate.Event{MerchantID: st.MerchantID, ObjectType: "settlement", ObjectID: st.ID, To: string(st.Status), At: st.CreatedAt}
	return outbox(ev, paygate.EventSettlementClosed, "", 1, subscriptionTargets(subs), data)
}

// closeDue closes, for every merchant and currency, the batch of the
// movements posted before the start of the merchant's current day (00:00 in
// its cut-off time zone, UTC unless set), once a day passed its cut-off:
// every node's sweep calls it, and exactly one closes each batch.
func (s *core) closeDue(ctx context.Context, now time.Time) (int, error) {
	closing, err := s.store.ClosingSettlements(ctx)
	if err != nil {
		return 0, err
	}
	due, err := s.store.Due(ctx)
	if err != nil {
		return 0, err
	}
	// One batch failing (a bad time zone, a database error) must not hold
	// up the others: each is logged and tried again at the next sweep.
	n, failed := 0, 0
	for _, b := range closing { // closes cut short (a crash, a timeout): finish them first
		if _, err := s.finishBatch(ctx, b.ID, b.MerchantID, b.Currency, b.Cutoff); err != nil {
			s.log.ErrorContext(ctx, "finishing a settlement batch failed", "settlementId", b.ID, "err", err)
			failed++
			continue
		}
		n++
	}
	for _, d := range due {
		loc, err := s.settlementZone(ctx, d.MerchantID)
		if err != nil {
			s.log.ErrorContext(ctx, "a merchant's settlement time zone does not load", "merchantId", d.MerchantID, "err", err)
			failed++
			continue
		}
		cutoff := startOfDay(now, loc)
		if !d.Oldest.Before(cutoff) {
			continue
		}
		b, err := s.closeBatch(ctx, d.MerchantID, d.Currency, cutoff)
		if err != nil {
			s.log.ErrorContext(ctx, "closing a settlement batch failed", "merchantId", d.MerchantID, "currency", d.Currency, "err", err)
			failed++
			continue
		}
		if b != nil {
			n++
		}
	}
	if failed > 0 {
		return n, paygate.Errorf(paygate.EInternal, "%d settlement batches failed to close; the next sweep tries again", failed)
	}
	return n, nil
}

// startOfDay is 00:00 of t's day in loc (UTC when nil), as an instant. On
// a day that starts in a daylight-saving gap, it is the day's first instant.
func startOfDay(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if _, _, sd := start.In(loc).Date(); sd != d {
		// Midnight does not exist that day (the clocks jump from 00:00 to
		// 01:00) and time.Date answered the day before's 23:00: the day
		// starts when the jump does.
		_, start = start.ZoneBounds()
	}
	return start
}

// settlementZone loads a merchant's cut-off time zone (nil: UTC).
func (s *core) settlementZone(ctx context.Context, merchantID string) (*time.Location, error) {
	name, err := s.store.SettlementTimeZone(ctx, merchantID)
	if err != nil || name == "" {
		return nil, err
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, paygate.Internal("settlement time zone", err) // stored only once it loaded
	}
	return loc, nil
}

// SetSettlementTimeZone sets the time zone whose midnight is a merchant's
// daily cut-off: an IANA name such as Asia/Singapore, "" or "UTC" for UTC.
// Each sweep reads it, so it applies from the next one.
//
// Errors: invalid_parameter, not_found.
func (s *Merchants) SetSettlementTimeZone(ctx context.Context, merchantID, tz string) (MerchantInfo, error) {
	if tz == "UTC" {
		tz = ""
	}
	if tz == "Local" || strings.ContainsAny(tz, " \x00") {
		return MerchantInfo{}, paygate.InvalidParam("timezone", "timezone must be an IANA time zone name such as Asia/Singapore")
	}
	if tz != "" {
		if _, err := time.LoadLocation(tz); err != nil {
			return MerchantInfo{}, paygate.InvalidParam("timezone", "timezone must be an IANA time zone name such as Asia/Singapore")
		}
	}
	if err := s.store.SetSettlementTimeZone(ctx, merchantID, tz); err != nil {
		return MerchantInfo{}, err
	}
	return s.Merchant(ctx, merchantID)
}

// CloseNow closes the calling merchant's open batches, one per currency,
// at once: a sandbox merchant tests its settlement handling without
// waiting a day. It returns the batches it closed (none when nothing
// waits).
//
// Errors: invalid_state (a gateway whose acquirer moves real money).
func (s *Settlements) CloseNow(ctx context.Context) ([]*paygate.Settlement, error) {
	if !s.testMode {
		return nil, paygate.Errorf(paygate.EInvalidState, "batches close at the daily cut-off; closing on demand is for sandbox merchants")
	}
	merchantID := paygate.MerchantID(ctx)
	cutoff := s.now().Add(time.Millisecond) // everything posted so far
	due, err := s.store.Due(ctx)
	if err != nil {
		return nil, err
	}
	out := []*paygate.Settlement{}
	for _, d := range due {
		if d.MerchantID != merchantID {
			continue
		}
		st, err := s.closeBatch(ctx, merchantID, d.Currency, cutoff)
		if err != nil {
			return nil, err
		}
		if st != nil {
			out = append(out, st)
		}
	}
	return out, nil
}

// Settlement returns one of the calling merchant's batches.
//
// Errors: not_found.
func (s *Settlements) Settlement(ctx context.Context, id string) (*paygate.Settlement, error) {
	return s.store.Settlement(ctx, paygate.MerchantID(ctx), id)
}

// List returns a page of the calling merchant's batches, newest first,
// after the batch id startingAfter ("" from the newest); next is the id to
// ask after for the next page, "" on the last.
//
// Errors: invalid_parameter.
func (s *Settlements) List(ctx context.Context, startingAfter, limit string) (page []*paygate.Settlement, next string, err error) {
	var c checker
	n := c.listLimit(limit)
	c.length("startingAfter", startingAfter, 0, 64)
	if c.err != nil {
		return nil, "", c.err
	}
	page, err = s.store.Settlements(ctx, paygate.MerchantID(ctx), startingAfter, n+1)
	if err != nil {
		return nil, "", err
	}
	if len(page) > n {
		page = page[:n]
		next = page[n-1].ID
	}
	return page, next, nil
}

// itemsPage is how many lines Items reads at a time.
const itemsPage = 1000

// Items calls f with each line of one of the calling merchant's batches,
// in journal order, reading them a page at a time so that a batch of any
// size streams in bounded memory. f returning an error stops it.
//
// Errors: not_found.
func (s *Settlements) Items(ctx context.Context, id string, f func(*paygate.Settlement, paygate.SettlementItem) error) error {
	merchantID := paygate.MerchantID(ctx)
	st, err := s.store.Settlement(ctx, merchantID, id)
	if err != nil {
		return err
	}
	for after := ""; ; {
		page, err := s.store.SettlementItems(ctx, merchantID, id, after, itemsPage)
		if err != nil {
			return err
		}
		for _, it := range page {
			if err := f(st, it); err != nil {
				return err
			}
		}
		if len(page) < itemsPage {
			return nil
		}
		after = page[len(page)-1].JournalID
	}
}

// Balance is a merchant's money in one currency: pending (captured, not
// yet settled) and available (settled, not yet paid out).
type Balance struct {
	Currency  string
	Pending   int64
	Available int64
}

// Balances returns the calling merchant's balances, one per currency it
// has money waiting or unpaid in: pending is what its movements waiting for
// a batch owe it (its merchant_pending lines, credits), available the net
// of its SETTLED batches. ledger verify checks both against the whole
// books.
func (s *Settlements) Balances(ctx context.Context) ([]Balance, error) {
	merchantID := paygate.MerchantID(ctx)
	bs, err := s.store.Balances(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	sums := map[string][2]int64{} // per currency: pending, available
	for _, b := range bs {
		v := sums[b.Currency]
		switch b.Account {
		case ledger.MerchantPending:
			v[0] -= b.Minor // the books credit what is owed to the merchant
		case "":
			v[1] += b.Minor // the unpaid batches' net
		}
		sums[b.Currency] = v
	}
	out := []Balance{}
	for cur, v := range sums {
		if v != [2]int64{} {
			out = append(out, Balance{Currency: cur, Pending: v[0], Available: v[1]})
		}
	}
	slices.SortFunc(out, func(a, b Balance) int { return cmp.Compare(a.Currency, b.Currency) })
	return out, nil
}

// Pay records that the provider paid a SETTLED batch's net to its merchant:
// the batch becomes PAID and its net leaves the merchant's available
// balance.
//
// Errors: not_found, invalid_state (not SETTLED).
func (s *Settlements) Pay(ctx context.Context, merchantID, id string) (*paygate.Settlement, error) {
	st, err := s.store.Settlement(ctx, merchantID, id)
	if err != nil {
		return nil, err
	}
	if st.Status != paygate.SettlementSettled {
		return nil, paygate.Errorf(paygate.EInvalidState, "settlement %s is %s, not SETTLED", id, st.Status)
	}
	now := s.now()
	j, err := ledger.Payout(st, now)
	if err != nil {
		return nil, paygate.Internal("pay settlement", err)
	}
	if err := s.store.PaySettlement(ctx, merchantID, id, now, j); err != nil {
		if isCode(err, paygate.EConflict) {
			return nil, paygate.Errorf(paygate.EInvalidState, "settlement %s is no longer SETTLED", id)
		}
		return nil, err
	}
	return s.store.Settlement(ctx, merchantID, id)
}
