package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"paygate"
)

const settlementColumns = `id, merchant_id, currency, cutoff, status, captures, refunds, gross_minor, refunded_minor, fee_minor,
	net_minor, created_at, paid_at, disputes, disputed_minor`

// CloseSettlement opens batch id CLOSING, takes the waiting movements into
// it a chunk at a time (a short transaction each), and finishes it in one
// last transaction (see paygate.SettlementStore). Each transaction first
// locks the batch's row, so nodes closing the same batch take turns.
func (s *Store) CloseSettlement(ctx context.Context, id, merchantID, currency string, cutoff time.Time,
	build func([]paygate.SettlementTotal) (*paygate.Settlement, paygate.Change, error)) (*paygate.Settlement, error) {
	b := batchKey{id, merchantID, currency, ms(cutoff)}
	if _, err := s.exec(ctx, "close settlement", `INSERT INTO settlements (`+settlementColumns+`)
		VALUES ($1, $2, $3, $4, 'CLOSING', 0, 0, 0, 0, 0, 0, $4, NULL, 0, 0) ON CONFLICT (id) DO NOTHING`,
		b.id, b.merchant, b.currency, b.cutoff); err != nil {
		return nil, err
	}
	for {
		var n int64
		err := s.batchTx(ctx, b, func(tx pgx.Tx) (err error) {
			n, err = takeChunk(ctx, tx, b, settlementChunk)
			return err
		})
		if err != nil || n < settlementChunk {
			if errors.Is(err, errNotClosing) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			break
		}
	}
	var st *paygate.Settlement
	err := s.batchTx(ctx, b, func(tx pgx.Tx) (err error) {
		st, err = finishBatch(ctx, tx, b, build)
		return err
	})
	if errors.Is(err, errNotClosing) {
		return nil, nil
	}
	return st, err
}

// settlementChunk is how many movements one transaction takes into a batch.
const settlementChunk = 5_000

type batchKey struct {
	id, merchant, currency string
	cutoff                 int64
}

var errNotClosing = errors.New("the batch is not closing")

// batchTx runs f in a transaction holding the lock of the batch's row, if
// it is still CLOSING (errNotClosing if not).
func (s *Store) batchTx(ctx context.Context, b batchKey, f func(pgx.Tx) error) error {
	return s.withConn(ctx, "close settlement", func(c *pgxpool.Conn) error {
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			var status string
			err := tx.QueryRow(ctx, `SELECT status FROM settlements WHERE id = $1 AND merchant_id = $2 FOR UPDATE`, b.id, b.merchant).Scan(&status)
			if errors.Is(err, pgx.ErrNoRows) || err == nil && status != string(paygate.SettlementClosing) {
				return errNotClosing
			}
			if err != nil {
				return err
			}
			return f(tx)
		})
	})
}

// takeChunk moves up to limit (0: all) of the batch's waiting movements into
// it, in queue order, adding their sums to its totals; it answers how many.
func takeChunk(ctx context.Context, tx pgx.Tx, b batchKey, limit int) (int64, error) {
	args := []any{b.merchant, b.currency, b.cutoff}
	bound := ""
	if limit > 0 {
		var lastAt int64
		var lastID string
		err := tx.QueryRow(ctx, `SELECT at, journal_id FROM unsettled WHERE merchant_id = $1 AND currency = $2 AND at < $3
			ORDER BY at, journal_id LIMIT 1 OFFSET $4`, b.merchant, b.currency, b.cutoff, limit-1).Scan(&lastAt, &lastID)
		switch {
		case err == nil:
			bound = " AND at <= $4 AND (at < $4 OR journal_id <= $5)" // at <= the last: the index range ends there
			args = append(args, lastAt, lastID)
		case !errors.Is(err, pgx.ErrNoRows):
			return 0, err
		}
	}
	id := len(args) + 1 // the batch id's parameter
	// One statement: the movements leave the queue (locked, so a
	// concurrent close of another batch cannot take them too), join the
	// batch, and their sums, of what was taken and nothing else, add to
	// its totals.
	var moved int64
	err := tx.QueryRow(ctx, fmt.Sprintf(`WITH moved AS (
			DELETE FROM unsettled WHERE merchant_id = $1 AND currency = $2 AND at < $3%s RETURNING journal_id, currency),
		items AS (INSERT INTO settlement_items (journal_id, settlement_id) SELECT journal_id, $%d FROM moved RETURNING 1),
		sums AS (INSERT INTO settlement_totals (settlement_id, journal_kind, account_kind, journals, minor)
			SELECT $%d, j.kind, e.account_kind, COUNT(*), SUM(e.minor)::bigint FROM moved u JOIN journals j ON j.id = u.journal_id
			JOIN journal_entries e ON e.journal_id = j.id AND e.currency = u.currency GROUP BY j.kind, e.account_kind
			ON CONFLICT (settlement_id, journal_kind, account_kind) DO UPDATE SET
			journals = settlement_totals.journals + excluded.journals, minor = settlement_totals.minor + excluded.minor RETURNING 1)
		SELECT (SELECT count(*) FROM items) + 0 * (SELECT count(*) FROM sums)`, bound, id, id), append(args, b.id)...).Scan(&moved)
	return moved, err
}

// finishBatch takes what still waits, builds the batch from its totals and
// writes it SETTLED with the change's journals and notifications; a batch
// with nothing in it is deleted.
func finishBatch(ctx context.Context, tx pgx.Tx, b batchKey,
	build func([]paygate.SettlementTotal) (*paygate.Settlement, paygate.Change, error)) (*paygate.Settlement, error) {
	if _, err := takeChunk(ctx, tx, b, 0); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT journal_kind, account_kind, journals, minor FROM settlement_totals WHERE settlement_id = $1
		ORDER BY journal_kind, account_kind`, b.id)
	if err != nil {
		return nil, err
	}
	totals, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (paygate.SettlementTotal, error) {
		var t paygate.SettlementTotal
		var kind string
		err := r.Scan(&t.JournalKind, &kind, &t.Journals, &t.Minor)
		t.Account = paygate.AccountKind(kind)
		return t, err
	})
	if err != nil {
		return nil, err
	}
	st, c, err := build(totals)
	if err != nil {
		return nil, err
	}
	if st == nil {
		_, err := tx.Exec(ctx, `DELETE FROM settlements WHERE id = $1`, b.id)
		return nil, err
	}
	ws := []write{{"close settlement", true, `UPDATE settlements SET status = $1, captures = $2, refunds = $3, gross_minor = $4,
		refunded_minor = $5, fee_minor = $6, net_minor = $7, created_at = $8, disputes = $9, disputed_minor = $10
		WHERE id = $11 AND status = 'CLOSING'`, []any{string(st.Status), st.Captures, st.Refunds, st.GrossMinor, st.RefundedMinor,
		st.FeeMinor, st.NetMinor, ms(st.CreatedAt), st.Disputes, st.DisputedMinor, b.id}}}
	ws = appendJournals(ws, paygate.Change{Journals: c.Journals})
	return st, execWrites(ctx, tx, appendNotifications(ws, paygate.Change{Notifications: c.Notifications}))
}

// ClosingSettlements lists the batches a close left CLOSING.
func (s *Store) ClosingSettlements(ctx context.Context) ([]*paygate.Settlement, error) {
	var out []*paygate.Settlement
	err := s.rows(ctx, "closing settlements", `SELECT `+settlementColumns+` FROM settlements WHERE status = 'CLOSING' ORDER BY id LIMIT 100`,
		nil, func(r pgx.Rows) error {
			st, err := scanSettlement(r)
			out = append(out, st)
			return err
		})
	return out, err
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
	err := s.rows(ctx, "settlement", `SELECT `+settlementColumns+` FROM settlements WHERE id = $1 AND merchant_id = $2 AND status <> 'CLOSING'`,
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
		AND status <> 'CLOSING' ORDER BY id DESC LIMIT $3`, []any{merchantID, before, limitArg(limit)}, func(r pgx.Rows) error {
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
		WHERE i.settlement_id = $1 AND s.merchant_id = $2 AND s.status <> 'CLOSING' AND i.journal_id > $3
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

// Balances sums the merchant's lines of its waiting journals and the net of
// its unpaid batches, in one statement: one snapshot.
func (s *Store) Balances(ctx context.Context, merchantID string) ([]paygate.Balance, error) {
	return s.balances(ctx, `SELECT * FROM (SELECT e.account_kind, w.currency, SUM(e.minor)::bigint FROM (
			SELECT journal_id, merchant_id, currency FROM unsettled WHERE merchant_id = $1
			UNION ALL SELECT i.journal_id, b.merchant_id, b.currency FROM settlements b
			JOIN settlement_items i ON i.settlement_id = b.id WHERE b.merchant_id = $1 AND b.status = 'CLOSING') w
		JOIN journal_entries e ON e.journal_id = w.journal_id AND e.account_merchant = w.merchant_id
		GROUP BY e.account_kind, w.currency
		UNION ALL SELECT '', currency, SUM(net_minor)::bigint FROM settlements WHERE merchant_id = $1 AND status = 'SETTLED'
		GROUP BY currency) x (kind, currency, minor) ORDER BY currency COLLATE "C", kind COLLATE "C"`, merchantID)
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
