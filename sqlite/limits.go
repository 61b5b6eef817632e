package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// MerchantLimits returns the merchant's own limits; 0, 0 for none.
func (s *Store) MerchantLimits(ctx context.Context, id string) (float64, int, error) {
	var rate float64
	var burst int
	err := s.r.QueryRowContext(ctx, `SELECT rate_limit, rate_burst FROM merchant_limits WHERE merchant_id = ?`, id).Scan(&rate, &burst)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return rate, burst, dbErr("merchant limits", err)
}

// SetMerchantLimits sets the merchant's own limits; 0, 0 removes them.
func (s *Store) SetMerchantLimits(ctx context.Context, id string, rate float64, burst int) error {
	if _, err := s.Merchant(ctx, id); err != nil {
		return err
	}
	var err error
	if rate == 0 && burst == 0 {
		_, err = s.w.ExecContext(ctx, `DELETE FROM merchant_limits WHERE merchant_id = ?`, id)
	} else {
		_, err = s.w.ExecContext(ctx, `INSERT INTO merchant_limits (merchant_id, rate_limit, rate_burst) VALUES (?, ?, ?)
			ON CONFLICT (merchant_id) DO UPDATE SET rate_limit = excluded.rate_limit, rate_burst = excluded.rate_burst`, id, rate, burst)
	}
	return dbErr("set merchant limits", err)
}
