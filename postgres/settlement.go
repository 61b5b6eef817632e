package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"paygate"
)

const settlementColumns = `id, merchant_id, currency, cutoff, status, captures, refunds, gross_minor, refunded_minor, fee_minor,
	net_minor, created_at, paid_at, disputes, disputed_minor`

// CloseSettlement takes the waiting journals into a batch and writes it in
// one transaction. Taking them deletes them from the queue: a node closing
// the same batch at once waits on their row locks, then finds none left
// and writes nothing.
func (s *Store) CloseSettlement(ctx context.Context, id, merchantID, currency string, cutoff time.Time,
	build func([]paygate.SettlementTotal) (*paygate.Settlement, paygate.Change, error)) (*paygate.Settlement, error) {
	var st *paygate.Settlement
	err := s.withConn(ctx, "close settlement", func(c *pgxpool.Conn) error {
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `WITH moved AS (DELETE FROM unsettled WHERE merchant_id = $1 AND currency = $2 AND at < $3
				RETURNING journal_id) INSERT INTO settlement_items (journal_id, settlement_id) SELECT journal_id, $4 FROM moved`,
				merchantID, currency, ms(cutoff), id); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT j.kind, e.account_kind, COUNT(*), SUM(e.minor)::bigint FROM settlement_items i
				JOIN journals j ON j.id = i.journal_id JOIN journal_entries e ON e.journal_id = j.id
				WHERE i.settlement_id = $1 AND e.currency = $2 GROUP BY j.kind, e.account_kind ORDER BY j.kind COLLATE "C", e.account_kind COLLATE "C"`, id, currency)
			if err != nil {
				return err
			}
			totals, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (paygate.SettlementTotal, error) {
				var t paygate.SettlementTotal
				err := r.Scan(&t.JournalKind, &t.Account, &t.Journals, &t.Minor)
				return t, err
			})
			if err != nil {
				return err
			}
			var c paygate.Change
			if st, c, err = build(totals); err != nil || st == nil {
				return err
			}
			ws := []write{{"close settlement", false, `INSERT INTO settlements (` + settlementColumns + `)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`, []any{st.ID, st.MerchantID, st.Currency, ms(st.Cutoff),
				string(st.Status), st.Captures, st.Refunds, st.GrossMinor, st.RefundedMinor, st.FeeMinor, st.NetMinor, ms(st.CreatedAt),
				msPtr(st.PaidAt), st.Disputes, st.DisputedMinor}}}
			ws = appendJournals(ws, paygate.Change{Journals: c.Journals})
			return execWrites(ctx, tx, appendNotifications(ws, paygate.Change{Notifications: c.Notifications}))
		})
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// Due lists the merchants and currencies with journals waiting, each with
// its oldest: one index seek per merchant and currency, however long the
// queue.
func (s *Store) Due(ctx context.Context) ([]paygate.Due, error) {
	var out []paygate.Due
	var last paygate.Due
	for {
		var at int64
		found := false
		err := s.rows(ctx, "due settlements", `SELECT merchant_id, currency, at FROM unsettled WHERE (merchant_id, currency) > ($1, $2)
			ORDER BY merchant_id, currency, at LIMIT 1`, []any{last.MerchantID, last.Currency}, func(r pgx.Rows) error {
			found = true
			return r.Scan(&last.MerchantID, &last.Currency, &at)
		})
		if err != nil || !found {
			return out, err
		}
		last.Oldest = fromMs(at)
		out = append(out, last)
	}
}

// SettlementTimeZone is the merchant's cut-off time zone, "" for UTC.
func (s *Store) SettlementTimeZone(ctx context.Context, merchantID string) (string, error) {
	var tz string
	err := s.rows(ctx, "settlement time zone", `SELECT time_zone FROM merchant_settlement WHERE merchant_id = $1`, []any{merchantID},
		func(r pgx.Rows) error { return r.Scan(&tz) })
	return tz, err
}

// SetSettlementTimeZone sets the merchant's cut-off time zone.
func (s *Store) SetSettlementTimeZone(ctx context.Context, merchantID, tz string) error {
	if _, err := s.Merchant(ctx, merchantID); err != nil {
		return err
	}
	var err error
	if tz == "" {
		_, err = s.exec(ctx, "set settlement time zone", `DELETE FROM merchant_settlement WHERE merchant_id = $1`, merchantID)
	} else {
		_, err = s.exec(ctx, "set settlement time zone", `INSERT INTO merchant_settlement (merchant_id, time_zone) VALUES ($1, $2)
			ON CONFLICT (merchant_id) DO UPDATE SET time_zone = excluded.time_zone`, merchantID, tz)
	}
	return err
}

func scanSettlement(r pgx.Row) (*paygate.Settlement, error) {
	var st paygate.Settlement
	var cutoff, created int64
	var paid *int64
	var status string
	if err := r.Scan(&st.ID, &st.MerchantID, &st.Currency, &cutoff, &status, &st.Captures, &st.Refunds, &st.GrossMinor,
		&st.RefundedMinor, &st.FeeMinor, &st.NetMinor, &created, &paid, &st.Disputes, &st.DisputedMinor); err != nil {
		return nil, err
	}
	st.Status = paygate.SettlementStatus(status)
	st.Cutoff, st.CreatedAt = fromMs(cutoff), fromMs(created)
	if paid != nil {
		t := fromMs(*paid)
		st.PaidAt = &t
	}
	return &st, nil
}

// Settlement returns a merchant's batch.
func (s *Store) Settlement(ctx context.Context, merchantID, id string) (*paygate.Settlement, error) {
	var st *paygate.Settlement
	found := false
	err := s.rows(ctx, "settlement", `SELECT `+settlementColumns+` FROM settlements WHERE id = $1 AND merchant_id = $2`,
		[]any{id, merchantID}, func(r pgx.Rows) error {
			var err error
			st, err = scanSettlement(r)
			found = true
			return err
		})
	if err == nil && !found {
		return nil, &paygate.Error{Code: paygate.ENotFound, Op: "settlement", Message: "not found"}
	}
	return st, err
}

// Settlements lists a merchant's batches, newest first.
func (s *Store) Settlements(ctx context.Context, merchantID, before string, limit int) ([]*paygate.Settlement, error) {
	var out []*paygate.Settlement
	err := s.rows(ctx, "settlements", `SELECT `+settlementColumns+` FROM settlements WHERE merchant_id = $1 AND ($2 = '' OR id < $2)
		ORDER BY id DESC LIMIT $3`, []any{merchantID, before, limitArg(limit)}, func(r pgx.Rows) error {
		st, err := scanSettlement(r)
		out = append(out, st)
		return err
	})
	return out, err
}

// SettlementItems lists a page of a batch's lines.
func (s *Store) SettlementItems(ctx context.Context, merchantID, id, after string, limit int) ([]paygate.SettlementItem, error) {
	var out []paygate.SettlementItem
	err := s.rows(ctx, "settlement items", `SELECT j.id, j.kind, j.trade_no, j.ref, j.at,
		COALESCE(SUM(CASE WHEN e.account_kind = 'acquirer_owes' THEN e.minor END), 0)::bigint,
		COALESCE(-SUM(CASE WHEN e.account_kind = 'provider_fees' THEN e.minor END), 0)::bigint,
		COALESCE(-SUM(CASE WHEN e.account_kind = 'merchant_pending' THEN e.minor END), 0)::bigint
		FROM settlement_items i JOIN settlements s ON s.id = i.settlement_id JOIN journals j ON j.id = i.journal_id
		JOIN journal_entries e ON e.journal_id = j.id
		WHERE i.settlement_id = $1 AND s.merchant_id = $2 AND i.journal_id > $3
		GROUP BY j.id, j.kind, j.trade_no, j.ref, j.at ORDER BY j.id LIMIT $4`, []any{id, merchantID, after, limitArg(limit)},
		func(r pgx.Rows) error {
			var it paygate.SettlementItem
			var at int64
			err := r.Scan(&it.JournalID, &it.Kind, &it.TradeNo, &it.Ref, &at, &it.GrossMinor, &it.FeeMinor, &it.NetMinor)
			it.At = fromMs(at)
			out = append(out, it)
			return err
		})
	return out, err
}

// PaySettlement marks a SETTLED batch PAID and posts its payout journal.
func (s *Store) PaySettlement(ctx context.Context, merchantID, id string, paidAt time.Time, j *paygate.Journal) error {
	ws := []write{{"pay settlement", true, `UPDATE settlements SET status = $1, paid_at = $2 WHERE id = $3 AND merchant_id = $4
		AND status = $5`, []any{string(paygate.SettlementPaid), ms(paidAt), id, merchantID, string(paygate.SettlementSettled)}}}
	if j != nil {
		ws = appendJournals(ws, paygate.Change{Journals: []*paygate.Journal{j}})
	}
	err := s.withConn(ctx, "pay settlement", func(c *pgxpool.Conn) error {
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error { return execWrites(ctx, tx, ws) })
	})
	if err == errStale {
		if _, err := s.Settlement(ctx, merchantID, id); err != nil {
			return err
		}
		return &paygate.Error{Code: paygate.EConflict, Op: "pay settlement", Message: "the settlement is not SETTLED"}
	}
	return err
}

// WaitingBalances sums the merchant's lines of its waiting journals.
func (s *Store) WaitingBalances(ctx context.Context, merchantID string) ([]paygate.Balance, error) {
	return s.balances(ctx, `SELECT e.account_kind, u.currency, SUM(e.minor)::bigint FROM unsettled u
		JOIN journal_entries e ON e.journal_id = u.journal_id AND e.account_merchant = u.merchant_id
		WHERE u.merchant_id = $1 GROUP BY e.account_kind, u.currency ORDER BY u.currency COLLATE "C", e.account_kind COLLATE "C"`,
		merchantID)
}

// UnpaidBalances sums the net of the merchant's SETTLED batches.
func (s *Store) UnpaidBalances(ctx context.Context, merchantID string) ([]paygate.Balance, error) {
	return s.balances(ctx, `SELECT '', currency, SUM(net_minor)::bigint FROM settlements WHERE merchant_id = $1 AND status = $2
		GROUP BY currency ORDER BY currency COLLATE "C"`, merchantID, string(paygate.SettlementSettled))
}

func (s *Store) balances(ctx context.Context, q string, args ...any) ([]paygate.Balance, error) {
	var out []paygate.Balance
	err := s.rows(ctx, "balances", q, args, func(r pgx.Rows) error {
		var b paygate.Balance
		var kind string
		err := r.Scan(&kind, &b.Currency, &b.Minor)
		b.Account = paygate.AccountKind(kind)
		out = append(out, b)
		return err
	})
	return out, err
}
