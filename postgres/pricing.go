package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"paygate"
)

// SetPrice inserts or replaces a price.
func (s *Store) SetPrice(ctx context.Context, p paygate.Price) error {
	_, err := s.exec(ctx, "set price", `INSERT INTO prices (merchant_id, method, currency, percent_hundredths, fixed_minor)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (merchant_id, method, currency) DO UPDATE SET
		percent_hundredths = excluded.percent_hundredths, fixed_minor = excluded.fixed_minor`,
		p.Merchant, p.Method, p.Currency, p.PercentHundredths, p.FixedMinor)
	return err
}

// Prices lists a merchant's prices and the default plan's.
func (s *Store) Prices(ctx context.Context, merchantID string) ([]paygate.Price, error) {
	var out []paygate.Price
	err := s.rows(ctx, "prices", `SELECT merchant_id, method, currency, percent_hundredths, fixed_minor FROM prices
		WHERE merchant_id IN ($1, '') ORDER BY merchant_id = '', method COLLATE "C", currency COLLATE "C"`, []any{merchantID},
		func(r pgx.Rows) error {
			var p paygate.Price
			if err := r.Scan(&p.Merchant, &p.Method, &p.Currency, &p.PercentHundredths, &p.FixedMinor); err != nil {
				return err
			}
			out = append(out, p)
			return nil
		})
	return out, err
}
