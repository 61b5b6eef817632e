package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"paygate"
)

// applyDisputes inserts the change's new disputes and updates the others
// (compare-and-set on the version).
func applyDisputes(ctx context.Context, tx *tx, ds []*paygate.Dispute) error {
	for _, d := range ds {
		body, err := json.Marshal(d)
		if err != nil {
			return paygate.Internal("apply dispute", err)
		}
		var res sql.Result
		if d.Version == 1 {
			res, err = tx.ExecContext(ctx, `INSERT INTO disputes (dispute_id, merchant_id, trade_no, status, due_at, version, body)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, d.DisputeID, d.MerchantID, d.TradeNo, d.Status, ms(d.EvidenceDueBy), d.Version, body)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE disputes SET status = ?, due_at = ?, version = ?, body = ?
				WHERE dispute_id = ? AND merchant_id = ? AND version = ?`, d.Status, ms(d.EvidenceDueBy), d.Version, body,
				d.DisputeID, d.MerchantID, d.Version-1)
		}
		if err := affected("apply dispute", res, err); err != nil {
			return err
		}
	}
	return nil
}

// Dispute returns a merchant's dispute.
func (s *Store) Dispute(ctx context.Context, merchantID, id string) (*paygate.Dispute, error) {
	ds, err := s.disputes(ctx, `merchant_id = ? AND dispute_id = ?`, merchantID, id)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, &paygate.Error{Code: paygate.ENotFound, Op: "dispute", Message: "not found"}
	}
	return ds[0], nil
}

// Disputes lists a merchant's disputes, newest first.
func (s *Store) Disputes(ctx context.Context, merchantID, before string, limit int) ([]*paygate.Dispute, error) {
	if before == "" {
		before = "\U0010FFFF"
	}
	return s.disputes(ctx, `merchant_id = ? AND dispute_id < ? ORDER BY dispute_id DESC LIMIT ?`, merchantID, before, limit)
}

// DueDisputes lists the disputes waiting for evidence past their deadline.
func (s *Store) DueDisputes(ctx context.Context, now time.Time, limit int) ([]*paygate.Dispute, error) {
	return s.disputes(ctx, `status = 'NEEDS_RESPONSE' AND due_at < ? ORDER BY due_at LIMIT ?`, ms(now), limit)
}

func (s *Store) disputes(ctx context.Context, where string, args ...any) ([]*paygate.Dispute, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM disputes WHERE `+where, args...)
	if err != nil {
		return nil, dbErr("disputes", err)
	}
	return scanAll[paygate.Dispute](rows)
}
