package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"paygate"
)

const storedCardCols = `transaction_identifier, merchant_id, status, version, brand, bin, last4, expiry_month, expiry_year,
	fingerprint, sealed, key_id, currency, first_trade_no, scheme_transaction_id, created_at, updated_at`

func applyStoredCards(ctx context.Context, tx *tx, cards []*paygate.StoredCard) error {
	for _, c := range cards {
		var res sql.Result
		var err error
		if c.Version == 1 {
			res, err = tx.ExecContext(ctx, `INSERT INTO stored_cards (`+storedCardCols+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				c.TransactionIdentifier, c.MerchantID, c.Status, c.Version, c.Brand, c.BIN, c.Last4, c.ExpiryMonth, c.ExpiryYear,
				c.Fingerprint, c.Sealed, c.KeyID, c.Currency, c.FirstTradeNo, c.SchemeTransactionID, ms(c.CreatedAt), ms(c.UpdatedAt))
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE stored_cards SET status = ?, version = ?, brand = ?, bin = ?, last4 = ?,
				expiry_month = ?, expiry_year = ?, fingerprint = ?, sealed = ?, key_id = ?, updated_at = ?
				WHERE transaction_identifier = ? AND merchant_id = ? AND version = ?`,
				c.Status, c.Version, c.Brand, c.BIN, c.Last4, c.ExpiryMonth, c.ExpiryYear, c.Fingerprint, c.Sealed, c.KeyID,
				ms(c.UpdatedAt), c.TransactionIdentifier, c.MerchantID, c.Version-1)
		}
		if err := affected("apply stored card", res, err); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) storedCards(ctx context.Context, where string, args ...any) ([]*paygate.StoredCard, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+storedCardCols+` FROM stored_cards WHERE `+where, args...)
	if err != nil {
		return nil, dbErr("stored cards", err)
	}
	defer rows.Close()
	var out []*paygate.StoredCard
	for rows.Next() {
		var c paygate.StoredCard
		var created, updated int64
		if err := rows.Scan(&c.TransactionIdentifier, &c.MerchantID, &c.Status, &c.Version, &c.Brand, &c.BIN, &c.Last4,
			&c.ExpiryMonth, &c.ExpiryYear, &c.Fingerprint, &c.Sealed, &c.KeyID, &c.Currency, &c.FirstTradeNo,
			&c.SchemeTransactionID, &created, &updated); err != nil {
			return nil, dbErr("stored cards", err)
		}
		c.CreatedAt, c.UpdatedAt = fromMs(created), fromMs(updated)
		out = append(out, &c)
	}
	return out, dbErr("stored cards", rows.Err())
}

// StoredCard returns a stored card of the merchant.
func (s *Store) StoredCard(ctx context.Context, merchantID, transactionIdentifier string) (*paygate.StoredCard, error) {
	cs, err := s.storedCards(ctx, `transaction_identifier = ? AND merchant_id = ?`, transactionIdentifier, merchantID)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, &paygate.Error{Code: paygate.ENotFound, Op: "stored card", Message: "not found"}
	}
	return cs[0], nil
}

// StoredCardsByFingerprint finds the merchant's active cards by fingerprint.
func (s *Store) StoredCardsByFingerprint(ctx context.Context, merchantID, fingerprint string) ([]*paygate.StoredCard, error) {
	return s.storedCards(ctx, `merchant_id = ? AND fingerprint = ? AND status = ? ORDER BY created_at DESC, transaction_identifier`,
		merchantID, fingerprint, paygate.StoredCardActive)
}

// StoredCardsAfter pages through every merchant's stored cards.
func (s *Store) StoredCardsAfter(ctx context.Context, after string, limit int) ([]*paygate.StoredCard, error) {
	return s.storedCards(ctx, `transaction_identifier > ? ORDER BY transaction_identifier LIMIT ?`, after, limit)
}

// sealedTable names where one kind of sealed secret is kept: the table, its
// id, sealed and key id columns, and which rows hold one.
type sealedTable struct{ table, id, sealed, keyID, held string }

// sealedTables names, for each kind of sealed secret, its table and columns.
var sealedTables = map[string]sealedTable{
	"merchant":      {"merchants", "id", "notify_secret_sealed", "key_id", "1 = 1"},
	"merchant-prev": {"merchants", "id", "prev_notify_secret_sealed", "prev_notify_key_id", "prev_notify_secret_sealed IS NOT NULL"},
	"subscription":  {"subscriptions", "id", "secret_sealed", "key_id", "1 = 1"},
	"connector":     {"connectors", "name", "secret_sealed", "key_id", "1 = 1"},
}

// SealedSecretsAfter pages through sealed secrets of one kind.
func (s *Store) SealedSecretsAfter(ctx context.Context, kind, after string, limit int) ([]paygate.SealedSecret, error) {
	t, ok := sealedTables[kind]
	if !ok {
		return nil, paygate.Internal("sealed secrets", fmt.Errorf("unknown kind %q", kind))
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+t.id+`, `+t.sealed+`, `+t.keyID+` FROM `+t.table+
		` WHERE `+t.held+` AND `+t.id+` > ? ORDER BY `+t.id+` LIMIT ?`, after, limit)
	if err != nil {
		return nil, dbErr("sealed secrets", err)
	}
	defer rows.Close()
	var out []paygate.SealedSecret
	for rows.Next() {
		x := paygate.SealedSecret{Kind: kind}
		if err := rows.Scan(&x.ID, &x.Sealed, &x.KeyID); err != nil {
			return nil, dbErr("sealed secrets", err)
		}
		out = append(out, x)
	}
	return out, dbErr("sealed secrets", rows.Err())
}

// sealedKeyIDs is the query of SealedKeyIDs: every table holding sealed data.
const sealedKeyIDs = `SELECT key_id FROM stored_cards WHERE sealed IS NOT NULL
	UNION SELECT key_id FROM merchants
	UNION SELECT prev_notify_key_id FROM merchants WHERE prev_notify_secret_sealed IS NOT NULL
	UNION SELECT key_id FROM subscriptions
	UNION SELECT key_id FROM connectors ORDER BY 1`

// SealedKeyIDs lists the keys that sealed the data still held.
func (s *Store) SealedKeyIDs(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, sealedKeyIDs)
	if err != nil {
		return nil, dbErr("sealed key ids", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, dbErr("sealed key ids", err)
		}
		out = append(out, id)
	}
	return out, dbErr("sealed key ids", rows.Err())
}

// ResealSecret replaces a sealed secret still under oldKeyID.
func (s *Store) ResealSecret(ctx context.Context, x paygate.SealedSecret, oldKeyID string) error {
	t, ok := sealedTables[x.Kind]
	if !ok {
		return paygate.Internal("reseal", fmt.Errorf("unknown kind %q", x.Kind))
	}
	defer s.subs.invalidate() // subscriptions hold sealed secrets
	res, err := s.w.ExecContext(ctx, `UPDATE `+t.table+` SET `+t.sealed+` = ?, `+t.keyID+` = ? WHERE `+t.held+` AND `+t.id+` = ? AND `+t.keyID+` = ?`,
		x.Sealed, x.KeyID, x.ID, oldKeyID)
	return affected("reseal", res, err)
}
