package sqlite

import (
	"context"

	"paygate"
)

// SetPrice inserts or replaces a price.
func (s *Store) SetPrice(ctx context.Context, p paygate.Price) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO prices (merchant_id, method, currency, percent_hundredths, fixed_minor) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (merchant_id, method, currency) DO UPDATE SET percent_hundredths = excluded.percent_hundredths,
		fixed_minor = excluded.fixed_minor`, p.Merchant, p.Method, p.Currency, p.PercentHundredths, p.FixedMinor)
	return dbErr("set price", err)
}

// Prices lists a merchant's prices and the default plan's.
func (s *Store) Prices(ctx context.Context, merchantID string) ([]paygate.Price, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT merchant_id, method, currency, percent_hundredths, fixed_minor FROM prices
		WHERE merchant_id IN (?, '') ORDER BY merchant_id = '', method, currency`, merchantID)
	if err != nil {
		return nil, dbErr("prices", err)
	}
	defer rows.Close()
	var out []paygate.Price
	for rows.Next() {
		var p paygate.Price
		if err := rows.Scan(&p.Merchant, &p.Method, &p.Currency, &p.PercentHundredths, &p.FixedMinor); err != nil {
			return nil, dbErr("prices", err)
		}
		out = append(out, p)
	}
	return out, dbErr("prices", rows.Err())
}
