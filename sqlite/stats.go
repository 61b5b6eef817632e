package sqlite

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"paygate"
)

const dayMs = 86_400_000

// Stats sums a merchant's payments and refunds by UTC day and currency.
func (s *Store) Stats(ctx context.Context, merchantID string, from, to time.Time) (*paygate.Stats, error) {
	in := "?" + strings.Repeat(", ?", len(paygate.ApprovedStatuses)-1)
	var approved []any
	for _, st := range paygate.ApprovedStatuses {
		approved = append(approved, string(st))
	}
	args := append(append(append([]any{}, approved...), approved...), merchantID, ms(from), ms(to))
	out := &paygate.Stats{}
	err := s.statRows(ctx, `SELECT created_at / `+itoa(dayMs)+`, currency, count(*),
		sum(CASE WHEN status IN (`+in+`) THEN 1 ELSE 0 END), sum(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END),
		sum(CASE WHEN status IN (`+in+`) THEN amount_minor ELSE 0 END)
		FROM payments WHERE merchant_id = ? AND created_at >= ? AND created_at < ? GROUP BY 1, 2 ORDER BY 1, 2`, args,
		func(r *sql.Rows) error {
			var d paygate.DayStats
			var day int64
			if err := r.Scan(&day, &d.Currency, &d.Count, &d.Approved, &d.Declined, &d.VolumeMinor); err != nil {
				return err
			}
			d.Day = fromMs(day * dayMs)
			out.Days = append(out.Days, d)
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = s.statRows(ctx, `SELECT created_at / `+itoa(dayMs)+`, currency, count(*), sum(amount_minor) FROM refunds
		WHERE merchant_id = ? AND status = 'SUCCEEDED' AND created_at >= ? AND created_at < ? GROUP BY 1, 2 ORDER BY 1, 2`,
		[]any{merchantID, ms(from), ms(to)}, func(r *sql.Rows) error {
			var d paygate.DayRefunds
			var day int64
			if err := r.Scan(&day, &d.Currency, &d.Count, &d.AmountMinor); err != nil {
				return err
			}
			d.Day = fromMs(day * dayMs)
			out.Refunds = append(out.Refunds, d)
			return nil
		})
	if err != nil {
		return nil, err
	}
	// The costliest codes of each currency (amounts compare within one).
	err = s.statRows(ctx, `SELECT code, currency, n, amount FROM (
		SELECT coalesce(json_extract(body, '$.FailureCode'), '') AS code, currency, count(*) AS n, sum(amount_minor) AS amount,
			row_number() OVER (PARTITION BY currency ORDER BY sum(amount_minor) DESC, count(*) DESC,
				coalesce(json_extract(body, '$.FailureCode'), '')) AS rank
		FROM payments WHERE merchant_id = ? AND status = 'FAILED' AND created_at >= ? AND created_at < ?
		GROUP BY 1, 2) WHERE rank <= ? ORDER BY currency, amount DESC, n DESC, code`,
		[]any{merchantID, ms(from), ms(to), paygate.MaxFailureStats},
		func(r *sql.Rows) error {
			var f paygate.FailureStats
			if err := r.Scan(&f.Code, &f.Currency, &f.Count, &f.AmountMinor); err != nil {
				return err
			}
			out.Failures = append(out.Failures, f)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) statRows(ctx context.Context, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return dbErr("stats", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return dbErr("stats", err)
		}
	}
	return dbErr("stats", rows.Err())
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
