package postgres

import (
	"context"
	"encoding/json"

	"paygate"
)

// appendTrackers adds c's trackers to an Apply's writes.
func appendTrackers(ws []write, c paygate.Change) ([]write, error) {
	for _, t := range c.Trackers {
		body, err := json.Marshal(t)
		if err != nil {
			return nil, paygate.Internal("apply tracker", err)
		}
		if t.Version == 1 {
			ws = append(ws, write{"apply tracker", false, `INSERT INTO trackers (tracker_id, merchant_id, order_no, trade_no, tracking_no, status, version, created_at, updated_at, body)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				[]any{t.TrackerID, t.MerchantID, t.OrderNo, t.TradeNo, t.TrackingNo, string(t.Status), t.Version, ms(t.CreatedAt), ms(t.UpdatedAt), string(body)}})
		} else {
			ws = append(ws, write{"apply tracker", true, `UPDATE trackers SET status = $1, version = $2, updated_at = $3, body = $4
				WHERE tracker_id = $5 AND merchant_id = $6 AND version = $7`,
				[]any{string(t.Status), t.Version, ms(t.UpdatedAt), string(body), t.TrackerID, t.MerchantID, t.Version - 1}})
		}
	}
	return ws, nil
}

// Tracker returns a tracker by orderNo and trackingNo, the number compared
// without regard to ASCII case (the unique index is on lower(tracking_no)).
func (s *Store) Tracker(ctx context.Context, merchantID, orderNo, trackingNo string) (*paygate.Tracker, error) {
	return one(bodies[paygate.Tracker](ctx, s, "tracker", `SELECT body FROM trackers
		WHERE merchant_id = $1 AND order_no = $2 AND lower(tracking_no) = lower($3)`, merchantID, orderNo, trackingNo))
}

// Trackers lists an order's trackers, oldest first.
func (s *Store) Trackers(ctx context.Context, merchantID, orderNo string) ([]*paygate.Tracker, error) {
	return bodies[paygate.Tracker](ctx, s, "trackers", `SELECT body FROM trackers WHERE merchant_id = $1 AND order_no = $2
		ORDER BY created_at, tracker_id`, merchantID, orderNo)
}
