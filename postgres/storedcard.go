package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"paygate"
)

const storedCardCols = `transaction_identifier, merchant_id, status, version, brand, bin, last4, expiry_month, expiry_year,
	fingerprint, sealed, key_id, currency, first_trade_no, scheme_transaction_id, created_at, updated_at`

// appendVaultAndSessions adds c's stored cards and sessions to an Apply's writes.
func appendVaultAndSessions(ws []write, c paygate.Change) ([]write, error) {
	for _, sc := range c.StoredCards {
		if sc.Version == 1 {
			ws = append(ws, write{"apply stored card", false, `INSERT INTO stored_cards (` + storedCardCols + `)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
				[]any{sc.TransactionIdentifier, sc.MerchantID, sc.Status, sc.Version, sc.Brand, sc.BIN, sc.Last4, sc.ExpiryMonth, sc.ExpiryYear,
					sc.Fingerprint, sc.Sealed, sc.KeyID, sc.Currency, sc.FirstTradeNo, sc.SchemeTransactionID, ms(sc.CreatedAt), ms(sc.UpdatedAt)}})
		} else {
			ws = append(ws, write{"apply stored card", true, `UPDATE stored_cards SET status = $1, version = $2, brand = $3, bin = $4, last4 = $5,
				expiry_month = $6, expiry_year = $7, fingerprint = $8, sealed = $9, key_id = $10, updated_at = $11
				WHERE transaction_identifier = $12 AND merchant_id = $13 AND version = $14`,
				[]any{sc.Status, sc.Version, sc.Brand, sc.BIN, sc.Last4, sc.ExpiryMonth, sc.ExpiryYear, sc.Fingerprint, sc.Sealed, sc.KeyID,
					ms(sc.UpdatedAt), sc.TransactionIdentifier, sc.MerchantID, sc.Version - 1}})
		}
	}
	for _, s := range c.Sessions {
		body, err := json.Marshal(s)
		if err != nil {
			return nil, paygate.Internal("apply session", err)
		}
		if s.Version == 1 {
			ws = append(ws, write{"apply session", false, `INSERT INTO sessions (session_id, merchant_id, trade_no, order_no, status, version, expires_at, created_at, updated_at, body)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				[]any{s.SessionID, s.MerchantID, s.TradeNo, s.OrderNo, string(s.Status), s.Version, ms(s.ExpiresAt), ms(s.CreatedAt), ms(s.UpdatedAt), string(body)}})
		} else {
			ws = append(ws, write{"apply session", true, `UPDATE sessions SET status = $1, version = $2, expires_at = $3, updated_at = $4, body = $5
				WHERE session_id = $6 AND merchant_id = $7 AND version = $8`,
				[]any{string(s.Status), s.Version, ms(s.ExpiresAt), ms(s.UpdatedAt), string(body), s.SessionID, s.MerchantID, s.Version - 1}})
		}
	}
	return ws, nil
}

func (s *Store) storedCards(ctx context.Context, where string, args ...any) ([]*paygate.StoredCard, error) {
	var out []*paygate.StoredCard
	err := s.rows(ctx, "stored cards", `SELECT `+storedCardCols+` FROM stored_cards WHERE `+where, args, func(r pgx.Rows) error {
		var c paygate.StoredCard
		var created, updated int64
		if err := r.Scan(&c.TransactionIdentifier, &c.MerchantID, &c.Status, &c.Version, &c.Brand, &c.BIN, &c.Last4,
			&c.ExpiryMonth, &c.ExpiryYear, &c.Fingerprint, &c.Sealed, &c.KeyID, &c.Currency, &c.FirstTradeNo,
			&c.SchemeTransactionID, &created, &updated); err != nil {
			return err
		}
		c.CreatedAt, c.UpdatedAt = fromMs(created), fromMs(updated)
		out = append(out, &c)
		return nil
	})
	return out, err
}

// StoredCard returns a stored card of the merchant.
func (s *Store) StoredCard(ctx context.Context, merchantID, transactionIdentifier string) (*paygate.StoredCard, error) {
	return one(s.storedCards(ctx, `transaction_identifier = $1 AND merchant_id = $2`, transactionIdentifier, merchantID))
}

// StoredCardsByFingerprint finds the merchant's active cards by fingerprint.
func (s *Store) StoredCardsByFingerprint(ctx context.Context, merchantID, fingerprint string) ([]*paygate.StoredCard, error) {
	return s.storedCards(ctx, `merchant_id = $1 AND fingerprint = $2 AND status = $3 ORDER BY created_at DESC, transaction_identifier`,
		merchantID, fingerprint, paygate.StoredCardActive)
}

// StoredCardsAfter pages through every merchant's stored cards.
func (s *Store) StoredCardsAfter(ctx context.Context, after string, limit int) ([]*paygate.StoredCard, error) {
	return s.storedCards(ctx, `transaction_identifier > $1 ORDER BY transaction_identifier LIMIT $2`, after, limitArg(limit))
}

// sealedTable names where one kind of sealed secret is kept: the table, its
// id, sealed and key id columns, and which rows hold one.
type sealedTable struct{ table, id, sealed, keyID, held string }

// sealedTables names, for each kind of sealed secret, its table and columns.
var sealedTables = map[string]sealedTable{
	"merchant":      {"merchants", "id", "notify_secret_sealed", "key_id", "true"},
	"merchant-prev": {"merchants", "id", "prev_notify_secret_sealed", "prev_notify_key_id", "prev_notify_secret_sealed IS NOT NULL"},
	"subscription":  {"subscriptions", "id", "secret_sealed", "key_id", "true"},
	"connector":     {"connectors", "name", "secret_sealed", "key_id", "true"},
}

// SealedSecretsAfter pages through sealed secrets of one kind.
func (s *Store) SealedSecretsAfter(ctx context.Context, kind, after string, limit int) ([]paygate.SealedSecret, error) {
	t, ok := sealedTables[kind]
	if !ok {
		return nil, paygate.Internal("sealed secrets", fmt.Errorf("unknown kind %q", kind))
	}
	var out []paygate.SealedSecret
	err := s.rows(ctx, "sealed secrets", `SELECT `+t.id+`, `+t.sealed+`, `+t.keyID+` FROM `+t.table+
		` WHERE `+t.held+` AND `+t.id+` > $1 ORDER BY `+t.id+` COLLATE "C" LIMIT $2`,
		[]any{after, limitArg(limit)}, func(r pgx.Rows) error {
			x := paygate.SealedSecret{Kind: kind}
			if err := r.Scan(&x.ID, &x.Sealed, &x.KeyID); err != nil {
				return err
			}
			out = append(out, x)
			return nil
		})
	return out, err
}

// sealedKeyIDs is the query of SealedKeyIDs: every table holding sealed data.
const sealedKeyIDs = `SELECT key_id FROM stored_cards WHERE sealed IS NOT NULL
	UNION SELECT key_id FROM merchants
	UNION SELECT prev_notify_key_id FROM merchants WHERE prev_notify_secret_sealed IS NOT NULL
	UNION SELECT key_id FROM subscriptions
	UNION SELECT key_id FROM connectors ORDER BY 1`

// SealedKeyIDs lists the keys that sealed the data still held.
func (s *Store) SealedKeyIDs(ctx context.Context) ([]string, error) {
	var out []string
	err := s.rows(ctx, "sealed key ids", sealedKeyIDs, nil, func(r pgx.Rows) error {
		var id string
		if err := r.Scan(&id); err != nil {
			return err
		}
		out = append(out, id)
		return nil
	})
	return out, err
}

// ResealSecret replaces a sealed secret still under oldKeyID.
func (s *Store) ResealSecret(ctx context.Context, x paygate.SealedSecret, oldKeyID string) error {
	t, ok := sealedTables[x.Kind]
	if !ok {
		return paygate.Internal("reseal", fmt.Errorf("unknown kind %q", x.Kind))
	}
	n, err := s.exec(ctx, "reseal", `UPDATE `+t.table+` SET `+t.sealed+` = $1, `+t.keyID+` = $2 WHERE `+t.held+` AND `+t.id+` = $3 AND `+t.keyID+` = $4`,
		x.Sealed, x.KeyID, x.ID, oldKeyID)
	if err != nil {
		return err
	}
	if n == 0 {
		return errStale
	}
	return nil
}

// Session returns a merchant's session.
func (s *Store) Session(ctx context.Context, merchantID, sessionID string) (*paygate.Session, error) {
	return one(bodies[paygate.Session](ctx, s, "session", `SELECT body FROM sessions WHERE session_id = $1 AND merchant_id = $2`, sessionID, merchantID))
}

// SessionByID returns a session by id alone.
func (s *Store) SessionByID(ctx context.Context, sessionID string) (*paygate.Session, error) {
	return one(bodies[paygate.Session](ctx, s, "session", `SELECT body FROM sessions WHERE session_id = $1`, sessionID))
}

// SessionByTradeNo returns the session of a payment.
func (s *Store) SessionByTradeNo(ctx context.Context, merchantID, tradeNo string) (*paygate.Session, error) {
	return one(bodies[paygate.Session](ctx, s, "session", `SELECT body FROM sessions WHERE merchant_id = $1 AND trade_no = $2`, merchantID, tradeNo))
}

// DueSessions lists open sessions past their deadline.
func (s *Store) DueSessions(ctx context.Context, now time.Time, limit int) ([]*paygate.Session, error) {
	return bodies[paygate.Session](ctx, s, "due sessions", `SELECT body FROM sessions WHERE status = 'OPEN' AND expires_at <= $1 ORDER BY expires_at LIMIT $2`, ms(now), limitArg(limit))
}
