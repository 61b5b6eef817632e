package postgres

import (
	"context"
	"encoding/json"
	"time"

	"paygate"
)

// appendDisputes adds the change's disputes to an Apply's writes: inserts,
// and updates that must match the version before.
func appendDisputes(ws []write, c paygate.Change) ([]write, error) {
	for _, d := range c.Disputes {
		body, err := json.Marshal(d)
		if err != nil {
			return nil, paygate.Internal("apply dispute", err)
		}
		if d.Version == 1 {
			ws = append(ws, write{"apply dispute", false, `INSERT INTO disputes (dispute_id, merchant_id, trade_no, status, due_at, version, body)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, []any{d.DisputeID, d.MerchantID, d.TradeNo, string(d.Status), ms(d.EvidenceDueBy),
				d.Version, string(body)}})
		} else {
			ws = append(ws, write{"apply dispute", true, `UPDATE disputes SET status = $1, due_at = $2, version = $3, body = $4
				WHERE dispute_id = $5 AND merchant_id = $6 AND version = $7`, []any{string(d.Status), ms(d.EvidenceDueBy), d.Version,
				string(body), d.DisputeID, d.MerchantID, d.Version - 1}})
		}
	}
	return ws, nil
}

// Dispute returns a merchant's dispute.
func (s *Store) Dispute(ctx context.Context, merchantID, id string) (*paygate.Dispute, error) {
	ds, err := bodies[paygate.Dispute](ctx, s, "dispute", `SELECT body FROM disputes WHERE merchant_id = $1 AND dispute_id = $2`,
		merchantID, id)
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
	return bodies[paygate.Dispute](ctx, s, "disputes", `SELECT body FROM disputes WHERE merchant_id = $1 AND ($2 = '' OR dispute_id < $2)
		ORDER BY dispute_id DESC LIMIT $3`, merchantID, before, limitArg(limit))
}

// DueDisputes lists the disputes waiting for evidence past their deadline.
func (s *Store) DueDisputes(ctx context.Context, now time.Time, limit int) ([]*paygate.Dispute, error) {
	return bodies[paygate.Dispute](ctx, s, "due disputes", `SELECT body FROM disputes WHERE status = 'NEEDS_RESPONSE' AND due_at < $1
		ORDER BY due_at LIMIT $2`, ms(now), limitArg(limit))
}
