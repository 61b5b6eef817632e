package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"paygate"
)

const dayMs = 86_400_000

// Stats sums a merchant's payments and refunds by UTC day and currency.
func (s *Store) Stats(ctx context.Context, merchantID string, from, to time.Time) (*paygate.Stats, error) {
	approved := make([]string, len(paygate.ApprovedStatuses))
	for i, st := range paygate.ApprovedStatuses {
		approved[i] = string(st)
	}
	out := &paygate.Stats{}
	err := s.rows(ctx, "stats", `SELECT created_at / $1, currency, count(*),
		count(*) FILTER (WHERE status = ANY($2)), count(*) FILTER (WHERE status = 'FAILED'),
		coalesce(sum(amount_minor) FILTER (WHERE status = ANY($2)), 0)
		FROM payments WHERE merchant_id = $3 AND created_at >= $4 AND created_at < $5 GROUP BY 1, 2 ORDER BY 1, 2`,
		[]any{int64(dayMs), approved, merchantID, ms(from), ms(to)}, func(r pgx.Rows) error {
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
	err = s.rows(ctx, "stats", `SELECT created_at / $1, currency, count(*), sum(amount_minor) FROM refunds
		WHERE merchant_id = $2 AND status = 'SUCCEEDED' AND created_at >= $3 AND created_at < $4 GROUP BY 1, 2 ORDER BY 1, 2`,
		[]any{int64(dayMs), merchantID, ms(from), ms(to)}, func(r pgx.Rows) error {
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
	err = s.rows(ctx, "stats", `SELECT code, currency, n, amount FROM (
		SELECT coalesce(body::jsonb->>'FailureCode', '') AS code, currency, count(*) AS n, sum(amount_minor) AS amount,
			row_number() OVER (PARTITION BY currency ORDER BY sum(amount_minor) DESC, count(*) DESC,
				coalesce(body::jsonb->>'FailureCode', '') COLLATE "C") AS rank
		FROM payments WHERE merchant_id = $1 AND status = 'FAILED' AND created_at >= $2 AND created_at < $3
		GROUP BY 1, 2) ranked WHERE rank <= $4 ORDER BY currency COLLATE "C", amount DESC, n DESC, code COLLATE "C"`,
		[]any{merchantID, ms(from), ms(to), paygate.MaxFailureStats},
		func(r pgx.Rows) error {
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
