package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"paygate"
)

const merchantCols = `id, name, app_id, secret_hash, notify_secret_sealed, key_id, created_at, disabled_at,
	prev_secret_hash, prev_secret_until, prev_notify_secret_sealed, prev_notify_key_id, prev_notify_until`

// CreateMerchant inserts a merchant.
func (s *Store) CreateMerchant(ctx context.Context, m *paygate.Merchant) error {
	_, err := s.exec(ctx, "create merchant", `INSERT INTO merchants (`+merchantCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		m.ID, m.Name, m.AppID, m.SecretHash, m.NotifySecretSealed, m.KeyID, ms(m.CreatedAt), msPtr(m.DisabledAt),
		m.PrevSecretHash, msPtr(m.PrevSecretUntil), m.PrevNotifySecretSealed, m.PrevNotifyKeyID, msPtr(m.PrevNotifyUntil))
	return err
}

func (s *Store) merchants(ctx context.Context, op, where string, args ...any) ([]*paygate.Merchant, error) {
	var out []*paygate.Merchant
	err := s.rows(ctx, op, `SELECT `+merchantCols+` FROM merchants WHERE `+where, args, func(r pgx.Rows) error {
		var m paygate.Merchant
		var created int64
		var disabled, prevUntil, prevNotifyUntil *int64
		if err := r.Scan(&m.ID, &m.Name, &m.AppID, &m.SecretHash, &m.NotifySecretSealed, &m.KeyID, &created, &disabled,
			&m.PrevSecretHash, &prevUntil, &m.PrevNotifySecretSealed, &m.PrevNotifyKeyID, &prevNotifyUntil); err != nil {
			return err
		}
		m.CreatedAt = fromMs(created)
		m.DisabledAt, m.PrevSecretUntil = timePtr(disabled), timePtr(prevUntil)
		m.PrevNotifyUntil = timePtr(prevNotifyUntil)
		out = append(out, &m)
		return nil
	})
	return out, err
}

// Merchant returns a merchant by id.
func (s *Store) Merchant(ctx context.Context, id string) (*paygate.Merchant, error) {
	return one(s.merchants(ctx, "merchant", `id = $1`, id))
}

// MerchantByAppID returns a merchant by appId.
func (s *Store) MerchantByAppID(ctx context.Context, appID string) (*paygate.Merchant, error) {
	return one(s.merchants(ctx, "merchant", `app_id = $1`, appID))
}

// CountMerchants counts merchants.
func (s *Store) CountMerchants(ctx context.Context) (int, error) {
	var n int
	err := s.withConn(ctx, "count merchants", func(c *pgxpool.Conn) error {
		return c.QueryRow(ctx, `SELECT count(*) FROM merchants`).Scan(&n)
	})
	return n, err
}

// ListMerchants lists a page of merchants in id order.
func (s *Store) ListMerchants(ctx context.Context, after string, limit int) ([]*paygate.Merchant, error) {
	return s.merchants(ctx, "list merchants", `id > $1 ORDER BY id LIMIT $2`, after, limitArg(limit))
}

// SetMerchantDisabled sets or clears the merchant's disabled_at.
func (s *Store) SetMerchantDisabled(ctx context.Context, id string, disabledAt *time.Time) error {
	if !storable(id) {
		return merchantTouched(0, nil)
	}
	n, err := s.exec(ctx, "set merchant disabled", `UPDATE merchants SET disabled_at = $1 WHERE id = $2`, msPtr(disabledAt), id)
	return merchantTouched(n, err)
}

func timePtr(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := fromMs(*v)
	return &t
}

// ReplaceMerchantSecret replaces the merchant's secret hash if it is still oldHash.
func (s *Store) ReplaceMerchantSecret(ctx context.Context, id, oldHash, newHash string, prevUntil *time.Time) error {
	if !storable(id, oldHash, newHash) {
		return merchantTouched(0, nil)
	}
	prev := ""
	if prevUntil != nil {
		prev = oldHash
	}
	n, err := s.exec(ctx, "replace merchant secret", `UPDATE merchants SET secret_hash = $1, prev_secret_hash = $2, prev_secret_until = $3
		WHERE id = $4 AND secret_hash = $5`, newHash, prev, msPtr(prevUntil), id, oldHash)
	if err != nil || n > 0 {
		return err
	}
	if _, err := s.Merchant(ctx, id); err != nil {
		return err
	}
	return &paygate.Error{Code: paygate.EConflict, Op: "replace merchant secret", Message: "the secret changed meanwhile"}
}

// ReplaceNotifySecret replaces the merchant's sealed notification secret if
// it is still oldSealed. The replaced secret and its key id are copied in the
// same statement, so they are the row's, not what the caller read.
func (s *Store) ReplaceNotifySecret(ctx context.Context, id string, oldSealed, newSealed []byte, keyID string, prevUntil *time.Time) error {
	if !storable(id, keyID) {
		return merchantTouched(0, nil)
	}
	keep := prevUntil != nil
	n, err := s.exec(ctx, "replace notify secret", `UPDATE merchants SET
		prev_notify_secret_sealed = CASE WHEN $1::boolean THEN notify_secret_sealed END,
		prev_notify_key_id = CASE WHEN $1::boolean THEN key_id ELSE '' END,
		prev_notify_until = $2, notify_secret_sealed = $3, key_id = $4
		WHERE id = $5 AND notify_secret_sealed = $6`, keep, msPtr(prevUntil), newSealed, keyID, id, oldSealed)
	if err != nil || n > 0 {
		return err
	}
	if _, err := s.Merchant(ctx, id); err != nil {
		return err
	}
	return &paygate.Error{Code: paygate.EConflict, Op: "replace notify secret", Message: "the notification secret changed meanwhile"}
}

func merchantTouched(n int64, err error) error {
	if err == nil && n == 0 {
		return &paygate.Error{Code: paygate.ENotFound, Message: "merchant not found"}
	}
	return err
}
