package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"paygate"
)

func applySessions(ctx context.Context, tx *tx, sessions []*paygate.Session) error {
	for _, s := range sessions {
		body, err := json.Marshal(s)
		if err != nil {
			return paygate.Internal("apply session", err)
		}
		var res sql.Result
		if s.Version == 1 {
			res, err = tx.ExecContext(ctx, `INSERT INTO sessions (session_id, merchant_id, trade_no, order_no, status, version, expires_at, created_at, updated_at, body)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.SessionID, s.MerchantID, s.TradeNo, s.OrderNo, s.Status, s.Version,
				ms(s.ExpiresAt), ms(s.CreatedAt), ms(s.UpdatedAt), body)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE sessions SET status = ?, version = ?, expires_at = ?, updated_at = ?, body = ?
				WHERE session_id = ? AND merchant_id = ? AND version = ?`, s.Status, s.Version, ms(s.ExpiresAt), ms(s.UpdatedAt), body,
				s.SessionID, s.MerchantID, s.Version-1)
		}
		if err := affected("apply session", res, err); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) sessions(ctx context.Context, where string, args ...any) ([]*paygate.Session, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM sessions WHERE `+where, args...)
	if err != nil {
		return nil, dbErr("sessions", err)
	}
	return scanAll[paygate.Session](rows)
}

func (s *Store) oneSession(ctx context.Context, where string, args ...any) (*paygate.Session, error) {
	ss, err := s.sessions(ctx, where, args...)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 {
		return nil, &paygate.Error{Code: paygate.ENotFound, Op: "session", Message: "not found"}
	}
	return ss[0], nil
}

// Session returns a merchant's session.
func (s *Store) Session(ctx context.Context, merchantID, sessionID string) (*paygate.Session, error) {
	return s.oneSession(ctx, `session_id = ? AND merchant_id = ?`, sessionID, merchantID)
}

// SessionByID returns a session by id alone.
func (s *Store) SessionByID(ctx context.Context, sessionID string) (*paygate.Session, error) {
	return s.oneSession(ctx, `session_id = ?`, sessionID)
}

// SessionByTradeNo returns the session of a payment.
func (s *Store) SessionByTradeNo(ctx context.Context, merchantID, tradeNo string) (*paygate.Session, error) {
	return s.oneSession(ctx, `merchant_id = ? AND trade_no = ?`, merchantID, tradeNo)
}

// DueSessions lists open sessions past their deadline.
func (s *Store) DueSessions(ctx context.Context, now time.Time, limit int) ([]*paygate.Session, error) {
	return s.sessions(ctx, `status = 'OPEN' AND expires_at <= ? ORDER BY expires_at LIMIT ?`, ms(now), limit)
}
