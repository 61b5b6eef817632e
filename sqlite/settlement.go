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

// The totals of a batch's journals, by journal kind and account kind; the
// items of a batch, one line a journal.
const (
	settlementTotalsSQL = `SELECT j.kind, e.account_kind, COUNT(*), SUM(e.minor) FROM settlement_items i
		JOIN journals j ON j.id = i.journal_id JOIN journal_entries e ON e.journal_id = j.id
		WHERE i.settlement_id = ? AND e.currency = ? GROUP BY j.kind, e.account_kind ORDER BY j.kind, e.account_kind`
	settlementItemsSQL = `SELECT j.id, j.kind, j.trade_no, j.ref, j.at,
		COALESCE(SUM(CASE WHEN e.account_kind = 'acquirer_owes' THEN e.minor END), 0),
		COALESCE(-SUM(CASE WHEN e.account_kind = 'provider_fees' THEN e.minor END), 0),
		COALESCE(-SUM(CASE WHEN e.account_kind = 'merchant_pending' THEN e.minor END), 0)
		FROM settlement_items i JOIN settlements s ON s.id = i.settlement_id JOIN journals j ON j.id = i.journal_id
		JOIN journal_entries e ON e.journal_id = j.id
		WHERE i.settlement_id = ? AND s.merchant_id = ? AND i.journal_id > ?
		GROUP BY j.id, j.kind, j.trade_no, j.ref, j.at ORDER BY j.id LIMIT ?`
)

// CloseSettlement takes the waiting journals into a batch and writes it,
// in one transaction of the one writer: no journal is in two batches.
func (s *Store) CloseSettlement(ctx context.Context, id, merchantID, currency string, cutoff time.Time,
	build func([]paygate.SettlementTotal) (*paygate.Settlement, paygate.Change, error)) (*paygate.Settlement, error) {
	tx, err := s.w.begin(ctx)
	if err != nil {
		return nil, dbErr("close settlement", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO settlement_items (journal_id, settlement_id) SELECT journal_id, ? FROM unsettled
		WHERE merchant_id = ? AND currency = ? AND at < ?`, id, merchantID, currency, ms(cutoff)); err != nil {
		return nil, dbErr("close settlement", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM unsettled WHERE merchant_id = ? AND currency = ? AND at < ?`,
		merchantID, currency, ms(cutoff)); err != nil {
		return nil, dbErr("close settlement", err)
	}
	rows, err := tx.QueryContext(ctx, settlementTotalsSQL, id, currency)
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
	if err != nil || st == nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO settlements (`+settlementColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		st.ID, st.MerchantID, st.Currency, ms(st.Cutoff), st.Status, st.Captures, st.Refunds, st.GrossMinor, st.RefundedMinor,
		st.FeeMinor, st.NetMinor, ms(st.CreatedAt), msPtr(st.PaidAt), st.Disputes, st.DisputedMinor); err != nil {
		return nil, dbErr("close settlement", err)
	}
	if err := applyJournals(ctx, tx, c.Journals); err != nil {
		return nil, err
	}
	if err := applyNotifications(ctx, tx, paygate.Change{Notifications: c.Notifications}); err != nil {
		return nil, err
	}
	return st, dbErr("close settlement", tx.Commit())
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
	st, err := scanSettlement(s.r.QueryRowContext(ctx, `SELECT `+settlementColumns+` FROM settlements WHERE id = ? AND merchant_id = ?`,
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
		ORDER BY id DESC LIMIT ?`, merchantID, before, limit)
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

// WaitingBalances sums the merchant's lines of its waiting journals.
func (s *Store) WaitingBalances(ctx context.Context, merchantID string) ([]paygate.Balance, error) {
	return s.balances(ctx, `SELECT e.account_kind, u.currency, SUM(e.minor) FROM unsettled u
		JOIN journal_entries e ON e.journal_id = u.journal_id AND e.account_merchant = u.merchant_id
		WHERE u.merchant_id = ? GROUP BY e.account_kind, u.currency ORDER BY u.currency, e.account_kind`, merchantID)
}

// UnpaidBalances sums the net of the merchant's SETTLED batches.
func (s *Store) UnpaidBalances(ctx context.Context, merchantID string) ([]paygate.Balance, error) {
	return s.balances(ctx, `SELECT '', currency, SUM(net_minor) FROM settlements WHERE merchant_id = ? AND status = ?
		GROUP BY currency ORDER BY currency`, merchantID, paygate.SettlementSettled)
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
