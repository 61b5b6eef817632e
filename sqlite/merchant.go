package sqlite

import (
	"context"
	"database/sql"
	"time"

	"paygate"
)

const merchantCols = `id, name, app_id, secret_hash, notify_secret_sealed, key_id, created_at, disabled_at,
	prev_secret_hash, prev_secret_until, prev_notify_secret_sealed, prev_notify_key_id, prev_notify_until`

// CreateMerchant inserts a merchant.
func (s *Store) CreateMerchant(ctx context.Context, m *paygate.Merchant) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO merchants (`+merchantCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.Name, m.AppID, m.SecretHash, m.NotifySecretSealed, m.KeyID, ms(m.CreatedAt), msPtr(m.DisabledAt),
		m.PrevSecretHash, msPtr(m.PrevSecretUntil), m.PrevNotifySecretSealed, m.PrevNotifyKeyID, msPtr(m.PrevNotifyUntil))
	return dbErr("create merchant", err)
}

func scanMerchant(row interface{ Scan(...any) error }) (*paygate.Merchant, error) {
	var m paygate.Merchant
	var created int64
	var disabled, prevUntil, prevNotifyUntil sql.NullInt64
	if err := row.Scan(&m.ID, &m.Name, &m.AppID, &m.SecretHash, &m.NotifySecretSealed, &m.KeyID, &created, &disabled,
		&m.PrevSecretHash, &prevUntil, &m.PrevNotifySecretSealed, &m.PrevNotifyKeyID, &prevNotifyUntil); err != nil {
		return nil, err
	}
	m.CreatedAt = fromMs(created)
	m.DisabledAt = timePtr(disabled)
	m.PrevSecretUntil = timePtr(prevUntil)
	m.PrevNotifyUntil = timePtr(prevNotifyUntil)
	return &m, nil
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMs(v.Int64)
	return &t
}

func (s *Store) merchant(ctx context.Context, where string, arg string) (*paygate.Merchant, error) {
	m, err := scanMerchant(s.r.QueryRowContext(ctx, `SELECT `+merchantCols+` FROM merchants WHERE `+where, arg))
	return m, dbErr("merchant", err)
}

// Merchant returns a merchant by id.
func (s *Store) Merchant(ctx context.Context, id string) (*paygate.Merchant, error) {
	return s.merchant(ctx, `id = ?`, id)
}

// MerchantByAppID returns a merchant by appId.
func (s *Store) MerchantByAppID(ctx context.Context, appID string) (*paygate.Merchant, error) {
	return s.merchant(ctx, `app_id = ?`, appID)
}

// CountMerchants counts merchants.
func (s *Store) CountMerchants(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM merchants`).Scan(&n)
	return n, dbErr("count merchants", err)
}

// ListMerchants lists a page of merchants in id order.
func (s *Store) ListMerchants(ctx context.Context, after string, limit int) ([]*paygate.Merchant, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+merchantCols+` FROM merchants WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, dbErr("list merchants", err)
	}
	defer rows.Close()
	var out []*paygate.Merchant
	for rows.Next() {
		m, err := scanMerchant(rows)
		if err != nil {
			return nil, dbErr("list merchants", err)
		}
		out = append(out, m)
	}
	return out, dbErr("list merchants", rows.Err())
}

// SetMerchantDisabled sets or clears the merchant's disabled_at.
func (s *Store) SetMerchantDisabled(ctx context.Context, id string, disabledAt *time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE merchants SET disabled_at = ? WHERE id = ?`, msPtr(disabledAt), id)
	if err != nil {
		return dbErr("set merchant disabled", err)
	}
	return merchantTouched(res)
}

// ReplaceMerchantSecret replaces the merchant's secret hash if it is still oldHash.
func (s *Store) ReplaceMerchantSecret(ctx context.Context, id, oldHash, newHash string, prevUntil *time.Time) error {
	prev := ""
	if prevUntil != nil {
		prev = oldHash
	}
	res, err := s.w.ExecContext(ctx, `UPDATE merchants SET secret_hash = ?, prev_secret_hash = ?, prev_secret_until = ?
		WHERE id = ? AND secret_hash = ?`, newHash, prev, msPtr(prevUntil), id, oldHash)
	if err != nil {
		return dbErr("replace merchant secret", err)
	}
	if err := merchantTouched(res); paygate.ErrorCode(err) != paygate.ENotFound {
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
	keep := prevUntil != nil
	res, err := s.w.ExecContext(ctx, `UPDATE merchants SET
		prev_notify_secret_sealed = CASE WHEN ? THEN notify_secret_sealed END,
		prev_notify_key_id = CASE WHEN ? THEN key_id ELSE '' END,
		prev_notify_until = ?, notify_secret_sealed = ?, key_id = ?
		WHERE id = ? AND notify_secret_sealed = ?`, keep, keep, msPtr(prevUntil), newSealed, keyID, id, oldSealed)
	if err != nil {
		return dbErr("replace notify secret", err)
	}
	if err := merchantTouched(res); paygate.ErrorCode(err) != paygate.ENotFound {
		return err
	}
	if _, err := s.Merchant(ctx, id); err != nil {
		return err
	}
	return &paygate.Error{Code: paygate.EConflict, Op: "replace notify secret", Message: "the notification secret changed meanwhile"}
}

func merchantTouched(res sql.Result) error {
	if n, err := res.RowsAffected(); err != nil {
		return dbErr("merchant", err)
	} else if n == 0 {
		return &paygate.Error{Code: paygate.ENotFound, Message: "merchant not found"}
	}
	return nil
}
