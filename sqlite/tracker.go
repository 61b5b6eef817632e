package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"paygate"
)

func applyTrackers(ctx context.Context, tx *tx, trackers []*paygate.Tracker) error {
	for _, t := range trackers {
		body, err := json.Marshal(t)
		if err != nil {
			return paygate.Internal("apply tracker", err)
		}
		var res sql.Result
		if t.Version == 1 {
			res, err = tx.ExecContext(ctx, `INSERT INTO trackers (tracker_id, merchant_id, order_no, trade_no, tracking_no, status, version, created_at, updated_at, body)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.TrackerID, t.MerchantID, t.OrderNo, t.TradeNo, t.TrackingNo, t.Status, t.Version,
				ms(t.CreatedAt), ms(t.UpdatedAt), body)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE trackers SET status = ?, version = ?, updated_at = ?, body = ?
				WHERE tracker_id = ? AND merchant_id = ? AND version = ?`, t.Status, t.Version, ms(t.UpdatedAt), body,
				t.TrackerID, t.MerchantID, t.Version-1)
		}
		if err := affected("apply tracker", res, err); err != nil {
			return err
		}
	}
	return nil
}

// Tracker returns a tracker by orderNo and trackingNo (the column is NOCASE).
func (s *Store) Tracker(ctx context.Context, merchantID, orderNo, trackingNo string) (*paygate.Tracker, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM trackers WHERE merchant_id = ? AND order_no = ? AND tracking_no = ?`,
		merchantID, orderNo, trackingNo)
	if err != nil {
		return nil, dbErr("tracker", err)
	}
	ts, err := scanAll[paygate.Tracker](rows)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, &paygate.Error{Code: paygate.ENotFound, Op: "tracker", Message: "not found"}
	}
	return ts[0], nil
}

// Trackers lists an order's trackers, oldest first.
func (s *Store) Trackers(ctx context.Context, merchantID, orderNo string) ([]*paygate.Tracker, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM trackers WHERE merchant_id = ? AND order_no = ? ORDER BY created_at, tracker_id`,
		merchantID, orderNo)
	if err != nil {
		return nil, dbErr("trackers", err)
	}
	return scanAll[paygate.Tracker](rows)
}
