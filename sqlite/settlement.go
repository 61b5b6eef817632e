package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"paygate"
)

const settlementColumns = `id, merchant_id, currency, cutoff, status, captures, refunds, gross_minor, refunded_minor, fee_minor,
	net_minor, created_at, paid_at, disputes, disputed_minor`

// settlementItemsSQL reads the lines of a batch, one a journal.
const settlementItemsSQL = `SELECT e.journal_id, e.kind, e.trade_no, e.ref, e.at,
		COALESCE(SUM(CASE WHEN e.account_kind = 'acquirer_owes' THEN e.minor END), 0),
		COALESCE(-SUM(CASE WHEN e.account_kind = 'provider_fees' THEN e.minor END), 0),
		COALESCE(-SUM(CASE WHEN e.account_kind = 'merchant_pending' THEN e.minor END), 0)
		FROM settlement_items i JOIN settlements s ON s.id = i.settlement_id JOIN journal_entries e ON e.journal_id = i.journal_id
		WHERE i.settlement_id = ? AND s.merchant_id = ? AND s.status <> 'CLOSING' AND i.journal_id > ?
		GROUP BY e.journal_id ORDER BY e.journal_id LIMIT ?`

// CloseSettlement opens batch id (CLOSING, hidden from the merchant), takes
// the waiting movements into it a chunk at a time, each chunk a short
// transaction of its own so that payments keep committing between them,
// and finishes it in one last transaction: what still waits, the totals,
// the settlement, its journal and its notifications. A close cut short
// leaves the batch CLOSING, its movements counted as pending, and the same
// call with its id finishes it.
func (s *Store) CloseSettlement(ctx context.Context, id, merchantID, currency string, cutoff time.Time,
	build func([]paygate.SettlementTotal) (*paygate.Settlement, paygate.Change, error)) (*paygate.Settlement, error) {
	b := batchKey{id, merchantID, currency, ms(cutoff)}
	open, err := s.openBatch(ctx, b)
	if err != nil || !open {
		return nil, err
	}
	for {
		start := time.Now()
		n, err := s.inTx(ctx, func(tx *tx) (int64, error) {
			if closing, err := stillClosing(ctx, tx, b); err != nil || !closing {
				return 0, err // finished meanwhile by another call: nothing more to take
			}
			return takeChunk(ctx, tx, b, settlementChunk)
		})
		if err != nil {
			return nil, err
		}
		if n < settlementChunk {
			break
		}
		// The one writer is the payments' too: leave it to them for twice
		// as long as the chunk held it.
		select {
		case <-time.After(2 * time.Since(start)):
		case <-ctx.Done():
			return nil, paygate.Errorf(paygate.EUnavailable, "the close was cut short; the next sweep finishes it")
		}
	}
	var st *paygate.Settlement
	_, err = s.inTx(ctx, func(tx *tx) (int64, error) {
		var err error
		st, err = finishBatch(ctx, tx, b, build)
		return 0, err
	})
	return st, err
}

// settlementChunk is how many movements one short transaction takes into a
// batch: about 30 ms of the writer here.
const settlementChunk = 5_000

type batchKey struct {
	id, merchant, currency string
	cutoff                 int64
}

// openBatch writes the batch CLOSING, or finds it so (a close cut short);
// false when it is already closed.
func (s *Store) openBatch(ctx context.Context, b batchKey) (bool, error) {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO settlements (`+settlementColumns+`) VALUES (?, ?, ?, ?, 'CLOSING', 0, 0, 0, 0, 0, 0, ?, NULL, 0, 0)
		ON CONFLICT (id) DO NOTHING`, b.id, b.merchant, b.currency, b.cutoff, b.cutoff); err != nil {
		return false, dbErr("close settlement", err)
	}
	var status string
	err := s.w.QueryRowContext(ctx, `SELECT status FROM settlements WHERE id = ? AND merchant_id = ?`, b.id, b.merchant).Scan(&status)
	return status == "CLOSING", dbErr("close settlement", err)
}

// stillClosing reports whether the batch is still CLOSING, in tx.
func stillClosing(ctx context.Context, tx *tx, b batchKey) (bool, error) {
	var status string
	err := tx.QueryRowContext(ctx, `SELECT status FROM settlements WHERE id = ?`, b.id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return status == string(paygate.SettlementClosing), dbErr("close settlement", err)
}

// inTx runs f in a transaction of the writer and commits it.
func (s *Store) inTx(ctx context.Context, f func(*tx) (int64, error)) (int64, error) {
	tx, err := s.w.begin(ctx)
	if err != nil {
		return 0, dbErr("close settlement", err)
	}
	defer tx.Rollback()
	n, err := f(tx)
	if err != nil {
		return 0, err
	}
	return n, dbErr("close settlement", tx.Commit())
}

// takeChunk moves up to limit (0: all) of the batch's waiting movements into
// it, in queue order, adding their sums to its totals; it answers how many.
func takeChunk(ctx context.Context, tx *tx, b batchKey, limit int) (int64, error) {
	args := []any{b.merchant, b.currency, b.cutoff}
	bounded := false
	if limit > 0 {
		var lastAt int64
		var lastID string
		err := tx.QueryRowContext(ctx, `SELECT at, journal_id FROM unsettled WHERE merchant_id = ? AND currency = ? AND at < ?
			ORDER BY at, journal_id LIMIT 1 OFFSET ?`, append(args, limit-1)...).Scan(&lastAt, &lastID)
		switch {
		case err == nil:
			bounded = true
			args = []any{b.merchant, b.currency, lastAt, b.merchant, b.currency, lastAt, lastID}
		case !errors.Is(err, sql.ErrNoRows):
			return 0, dbErr("close settlement", err)
		}
	}
	// The chunk: the queue's rows of the batch up to the last one found,
	// a range of its key.
	// The last row's at is before the cut-off, so it alone bounds the
	// range: with two upper bounds the planner would take the cut-off's,
	// and each chunk would walk the whole rest of the queue.
	where := func(a string) string {
		key := a + "merchant_id = ? AND " + a + "currency = ? AND " + a + "at"
		if bounded { // two ranges of the key, so that movements of one instant do not make it walk the rest
			return "(" + key + " < ?) OR (" + key + " = ? AND " + a + "journal_id <= ?)"
		}
		return key + " < ?"
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO settlement_totals (settlement_id, journal_kind, account_kind, journals, minor)
		SELECT ?, e.kind, e.account_kind, COUNT(*), SUM(e.minor) FROM unsettled u
		JOIN journal_entries e ON e.journal_id = u.journal_id AND e.currency = u.currency
		WHERE `+where("u.")+` GROUP BY e.kind, e.account_kind
		ON CONFLICT (settlement_id, journal_kind, account_kind) DO UPDATE SET journals = journals + excluded.journals,
		minor = minor + excluded.minor`, append([]any{b.id}, args...)...); err != nil {
		return 0, dbErr("close settlement", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO settlement_items (journal_id, settlement_id) SELECT journal_id, ? FROM unsettled
		WHERE `+where(""), append([]any{b.id}, args...)...); err != nil {
		return 0, dbErr("close settlement", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM unsettled WHERE `+where(""), args...)
	if err != nil {
		return 0, dbErr("close settlement", err)
	}
	n, err := res.RowsAffected()
	return n, dbErr("close settlement", err)
}

// finishBatch takes what still waits, builds the batch from its totals and
// writes it SETTLED, with the change's journals and notifications; a batch
// no longer CLOSING (finished by another call) is nil, and one with nothing
// in it is deleted.
func finishBatch(ctx context.Context, tx *tx, b batchKey,
	build func([]paygate.SettlementTotal) (*paygate.Settlement, paygate.Change, error)) (*paygate.Settlement, error) {
	if closing, err := stillClosing(ctx, tx, b); err != nil || !closing {
		return nil, err
	}
	if _, err := takeChunk(ctx, tx, b, 0); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT journal_kind, account_kind, journals, minor FROM settlement_totals WHERE settlement_id = ?
		ORDER BY journal_kind, account_kind`, b.id)
	if err != nil {
		return nil, dbErr("close settlement", err)
	}
	var totals []paygate.SettlementTotal
	for rows.Next() {
		var t paygate.SettlementTotal
		if err := rows.Scan(&t.JournalKind, &t.Account, &t.Journals, &t.Minor); err != nil {
			rows.Close()
			return nil, dbErr("close settlement", err)
		}
		totals = append(totals, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, dbErr("close settlement", err)
	}
	st, c, err := build(totals)
	if err != nil {
		return nil, err
	}
	if st == nil {
		_, err := tx.ExecContext(ctx, `DELETE FROM settlements WHERE id = ?`, b.id)
		return nil, dbErr("close settlement", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE settlements SET status = ?, captures = ?, refunds = ?, gross_minor = ?, refunded_minor = ?,
		fee_minor = ?, net_minor = ?, created_at = ?, disputes = ?, disputed_minor = ? WHERE id = ? AND status = 'CLOSING'`,
		st.Status, st.Captures, st.Refunds, st.GrossMinor, st.RefundedMinor, st.FeeMinor, st.NetMinor, ms(st.CreatedAt), st.Disputes,
		st.DisputedMinor, b.id); err != nil {
		return nil, dbErr("close settlement", err)
	}
	if err := applyJournals(ctx, tx, c.Journals); err != nil {
		return nil, err
	}
	if err := applyNotifications(ctx, tx, paygate.Change{Notifications: c.Notifications}); err != nil {
		return nil, err
	}
	return st, nil
}

// ClosingSettlements lists the batches a close left CLOSING.
func (s *Store) ClosingSettlements(ctx context.Context) ([]*paygate.Settlement, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+settlementColumns+` FROM settlements WHERE status = 'CLOSING' ORDER BY id LIMIT 100`)
	if err != nil {
		return nil, dbErr("closing settlements", err)
	}
	defer rows.Close()
	var out []*paygate.Settlement
	for rows.Next() {
		st, err := scanSettlement(rows)
		if err != nil {
			return nil, dbErr("closing settlements", err)
		}
		out = append(out, st)
	}
	return out, dbErr("closing settlements", rows.Err())
}

// Due lists the merchants and currencies with journals waiting, each with
// its oldest: one index seek per merchant and currency, however long the
// queue.
func (s *Store) Due(ctx context.Context) ([]paygate.Due, error) {
	var out []paygate.Due
	var last paygate.Due
	for {
		var at int64
		err := s.r.QueryRowContext(ctx, `SELECT merchant_id, currency, at FROM unsettled WHERE (merchant_id, currency) > (?, ?)
			ORDER BY merchant_id, currency, at LIMIT 1`, last.MerchantID, last.Currency).Scan(&last.MerchantID, &last.Currency, &at)
		if errors.Is(err, sql.ErrNoRows) {
			return out, nil
		}
		if err != nil {
			return nil, dbErr("due settlements", err)
		}
		last.Oldest = fromMs(at)
		out = append(out, last)
	}
}

// SettlementTimeZone is the merchant's cut-off time zone, "" for UTC.
func (s *Store) SettlementTimeZone(ctx context.Context, merchantID string) (string, error) {
	var tz string
	err := s.r.QueryRowContext(ctx, `SELECT time_zone FROM merchant_settlement WHERE merchant_id = ?`, merchantID).Scan(&tz)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return tz, dbErr("settlement time zone", err)
}

// SetSettlementTimeZone sets the merchant's cut-off time zone.
func (s *Store) SetSettlementTimeZone(ctx context.Context, merchantID, tz string) error {
	if _, err := s.Merchant(ctx, merchantID); err != nil {
		return err
	}
	var err error
	if tz == "" {
		_, err = s.w.ExecContext(ctx, `DELETE FROM merchant_settlement WHERE merchant_id = ?`, merchantID)
	} else {
		_, err = s.w.ExecContext(ctx, `INSERT INTO merchant_settlement (merchant_id, time_zone) VALUES (?, ?)
			ON CONFLICT (merchant_id) DO UPDATE SET time_zone = excluded.time_zone`, merchantID, tz)
	}
	return dbErr("set settlement time zone", err)
}

func scanSettlement(sc interface{ Scan(...any) error }) (*paygate.Settlement, error) {
	var st paygate.Settlement
	var cutoff, created int64
	var paid sql.NullInt64
	if err := sc.Scan(&st.ID, &st.MerchantID, &st.Currency, &cutoff, &st.Status, &st.Captures, &st.Refunds, &st.GrossMinor,
		&st.RefundedMinor, &st.FeeMinor, &st.NetMinor, &created, &paid, &st.Disputes, &st.DisputedMinor); err != nil {
		return nil, err
	}
	st.Cutoff, st.CreatedAt = fromMs(cutoff), fromMs(created)
	if paid.Valid {
		t := fromMs(paid.Int64)
		st.PaidAt = &t
	}
	return &st, nil
}

// Settlement returns a merchant's batch.
func (s *Store) Settlement(ctx context.Context, merchantID, id string) (*paygate.Settlement, error) {
	st, err := scanSettlement(s.r.QueryRowContext(ctx, `SELECT `+settlementColumns+` FROM settlements WHERE id = ? AND merchant_id = ? AND status <> 'CLOSING'`,
		id, merchantID))
	if err != nil {
		return nil, dbErr("settlement", err)
	}
	return st, nil
}

// Settlements lists a merchant's batches, newest first.
func (s *Store) Settlements(ctx context.Context, merchantID, before string, limit int) ([]*paygate.Settlement, error) {
	if before == "" {
		before = "\U0010FFFF"
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+settlementColumns+` FROM settlements WHERE merchant_id = ? AND id < ?
		AND status <> 'CLOSING' ORDER BY id DESC LIMIT ?`, merchantID, before, limit)
	if err != nil {
		return nil, dbErr("settlements", err)
	}
	defer rows.Close()
	var out []*paygate.Settlement
	for rows.Next() {
		st, err := scanSettlement(rows)
		if err != nil {
			return nil, dbErr("settlements", err)
		}
		out = append(out, st)
	}
	return out, dbErr("settlements", rows.Err())
}

// SettlementItems lists a page of a batch's lines.
func (s *Store) SettlementItems(ctx context.Context, merchantID, id, after string, limit int) ([]paygate.SettlementItem, error) {
	rows, err := s.r.QueryContext(ctx, settlementItemsSQL, id, merchantID, after, limit)
	if err != nil {
		return nil, dbErr("settlement items", err)
	}
	defer rows.Close()
	var out []paygate.SettlementItem
	for rows.Next() {
		var it paygate.SettlementItem
		var at int64
		if err := rows.Scan(&it.JournalID, &it.Kind, &it.TradeNo, &it.Ref, &at, &it.GrossMinor, &it.FeeMinor, &it.NetMinor); err != nil {
			return nil, dbErr("settlement items", err)
		}
		it.At = fromMs(at)
		out = append(out, it)
	}
	return out, dbErr("settlement items", rows.Err())
}

// PaySettlement marks a SETTLED batch PAID and posts its payout journal.
func (s *Store) PaySettlement(ctx context.Context, merchantID, id string, paidAt time.Time, j *paygate.Journal) error {
	tx, err := s.w.begin(ctx)
	if err != nil {
		return dbErr("pay settlement", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE settlements SET status = ?, paid_at = ? WHERE id = ? AND merchant_id = ? AND status = ?`,
		paygate.SettlementPaid, ms(paidAt), id, merchantID, paygate.SettlementSettled)
	if err != nil {
		return dbErr("pay settlement", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return dbErr("pay settlement", err)
	} else if n == 0 {
		if _, err := s.Settlement(ctx, merchantID, id); err != nil {
			return err
		}
		return &paygate.Error{Code: paygate.EConflict, Op: "pay settlement", Message: "the settlement is not SETTLED"}
	}
	if j != nil {
		if err := applyJournals(ctx, tx, []*paygate.Journal{j}); err != nil {
			return err
		}
	}
	return dbErr("pay settlement", tx.Commit())
}

// Balances sums the merchant's lines of its waiting journals and the net of
// its unpaid batches, in one statement: one snapshot.
func (s *Store) Balances(ctx context.Context, merchantID string) ([]paygate.Balance, error) {
	return s.balances(ctx, `SELECT e.account_kind, w.currency, SUM(e.minor) FROM (
			SELECT journal_id, merchant_id, currency FROM unsettled WHERE merchant_id = ?
			UNION ALL SELECT i.journal_id, b.merchant_id, b.currency FROM settlements b
			JOIN settlement_items i ON i.settlement_id = b.id WHERE b.merchant_id = ? AND b.status = 'CLOSING') w
		JOIN journal_entries e ON e.journal_id = w.journal_id AND e.account_merchant = w.merchant_id
		GROUP BY e.account_kind, w.currency
		UNION ALL SELECT '', currency, SUM(net_minor) FROM settlements WHERE merchant_id = ? AND status = 'SETTLED' GROUP BY currency
		ORDER BY 2, 1`, merchantID, merchantID, merchantID)
}

func (s *Store) balances(ctx context.Context, q string, args ...any) ([]paygate.Balance, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, dbErr("balances", err)
	}
	defer rows.Close()
	var out []paygate.Balance
	for rows.Next() {
		var b paygate.Balance
		if err := rows.Scan(&b.Account, &b.Currency, &b.Minor); err != nil {
			return nil, dbErr("balances", err)
		}
		out = append(out, b)
	}
	return out, dbErr("balances", rows.Err())
}
