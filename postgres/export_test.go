package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"paygate"
	"paygate/storetest"
)

// PaymentColumns reads a payment's columns for the conformance suite.
func (s *Store) PaymentColumns(ctx context.Context, merchantID, tradeNo string) (storetest.PaymentColumns, error) {
	var c storetest.PaymentColumns
	err := s.withConn(ctx, "payment columns", func(conn *pgxpool.Conn) error {
		return conn.QueryRow(ctx, `SELECT status, amount_minor, currency, payment_method, card_fingerprint, client_ip, email, device_id, failure_code, created_at
			FROM payments WHERE merchant_id = $1 AND trade_no = $2`, merchantID, tradeNo).
			Scan(&c.Status, &c.AmountMinor, &c.Currency, &c.PaymentMethod, &c.CardFingerprint, &c.ClientIP, &c.Email, &c.DeviceID, &c.FailureCode, &c.CreatedAt)
	})
	return c, err
}

// RefundColumns reads a refund's columns for the conformance suite.
func (s *Store) RefundColumns(ctx context.Context, merchantID, refundID string) (storetest.RefundColumns, error) {
	var c storetest.RefundColumns
	err := s.withConn(ctx, "refund columns", func(conn *pgxpool.Conn) error {
		return conn.QueryRow(ctx, `SELECT status, amount_minor, currency, created_at FROM refunds WHERE merchant_id = $1 AND refund_id = $2`,
			merchantID, refundID).Scan(&c.Status, &c.AmountMinor, &c.Currency, &c.CreatedAt)
	})
	return c, err
}

// ExplainPayments returns the plan of the query of Payments, as Explain.
func (s *Store) ExplainPayments(ctx context.Context, merchantID string, f paygate.PaymentFilter) (string, error) {
	q, args := paymentsQuery(merchantID, f)
	return s.Explain(ctx, q, args...)
}

// ExplainWalkEnd returns the plan of the query that finds where a
// narrowed page's walk ended, as Explain.
func (s *Store) ExplainWalkEnd(ctx context.Context, merchantID string, f paygate.PaymentFilter) (string, error) {
	q, args := walkEndQuery(merchantID, f)
	return s.Explain(ctx, q, args...)
}

// Explain returns the plan of a query, one line per node, planned as for a
// large table: sequential scans, sorts and bitmap scans are taken only when
// nothing else can answer it, so the plan shows whether an index can.
func (s *Store) Explain(ctx context.Context, q string, args ...any) (string, error) {
	var lines []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			return err
		}
		lines, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return strings.Join(lines, "\n"), err
}
