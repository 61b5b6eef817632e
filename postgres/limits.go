package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// MerchantLimits returns the merchant's own limits; 0, 0 for none.
func (s *Store) MerchantLimits(ctx context.Context, id string) (float64, int, error) {
	var rate float64
	var burst int
	if !storable(id) {
		return 0, 0, nil
	}
	err := s.withConn(ctx, "merchant limits", func(c *pgxpool.Conn) error {
		err := c.QueryRow(ctx, `SELECT rate_limit, rate_burst FROM merchant_limits WHERE merchant_id = $1`, id).Scan(&rate, &burst)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	return rate, burst, err
}

// SetMerchantLimits sets the merchant's own limits; 0, 0 removes them.
func (s *Store) SetMerchantLimits(ctx context.Context, id string, rate float64, burst int) error {
	if _, err := s.Merchant(ctx, id); err != nil {
		return err
	}
	var err error
	if rate == 0 && burst == 0 {
		_, err = s.exec(ctx, "set merchant limits", `DELETE FROM merchant_limits WHERE merchant_id = $1`, id)
	} else {
		_, err = s.exec(ctx, "set merchant limits", `INSERT INTO merchant_limits (merchant_id, rate_limit, rate_burst) VALUES ($1, $2, $3)
			ON CONFLICT (merchant_id) DO UPDATE SET rate_limit = excluded.rate_limit, rate_burst = excluded.rate_burst`, id, rate, burst)
	}
	return err
}
