package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"paygate"
)

const notificationCols = `notify_id, merchant_id, event_type, order_no, object_id, sequence, url, subscription_id, body,
	status, attempts, max_attempts, next_attempt_at, lease_until, version, created_at, updated_at`

// applyNotifications writes c's notifications and attempts inside tx.
func applyNotifications(ctx context.Context, tx *tx, c paygate.Change) error {
	for _, n := range c.Notifications {
		var res sql.Result
		var err error
		if n.Version == 1 {
			res, err = tx.ExecContext(ctx, `INSERT INTO notifications (`+notificationCols+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				n.NotifyID, n.MerchantID, n.EventType, n.OrderNo, n.ObjectID, n.Sequence, n.URL, n.SubscriptionID, []byte(n.Body),
				n.Status, n.Attempts, n.MaxAttempts, ms(n.NextAttemptAt), ms(n.LeaseUntil), n.Version, ms(n.CreatedAt), ms(n.UpdatedAt))
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE notifications SET status = ?, attempts = ?, max_attempts = ?, next_attempt_at = ?,
				lease_until = ?, version = ?, updated_at = ? WHERE notify_id = ? AND merchant_id = ? AND version = ?`,
				n.Status, n.Attempts, n.MaxAttempts, ms(n.NextAttemptAt), ms(n.LeaseUntil), n.Version, ms(n.UpdatedAt),
				n.NotifyID, n.MerchantID, n.Version-1)
		}
		if err := affected("apply notification", res, err); err != nil {
			return err
		}
	}
	for _, a := range c.Attempts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_attempts (notify_id, merchant_id, n, at, status_code, error, latency_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, a.NotifyID, a.MerchantID, a.N, ms(a.At), a.StatusCode, a.Error, a.LatencyMs); err != nil {
			return dbErr("apply attempt", err)
		}
	}
	return nil
}

func scanNotifications(rows *sql.Rows, err error) ([]*paygate.Notification, error) {
	if err != nil {
		return nil, dbErr("notifications", err)
	}
	defer rows.Close()
	var out []*paygate.Notification
	for rows.Next() {
		var n paygate.Notification
		var body []byte
		var next, lease, created, updated int64
		if err := rows.Scan(&n.NotifyID, &n.MerchantID, &n.EventType, &n.OrderNo, &n.ObjectID, &n.Sequence, &n.URL, &n.SubscriptionID, &body,
			&n.Status, &n.Attempts, &n.MaxAttempts, &next, &lease, &n.Version, &created, &updated); err != nil {
			return nil, dbErr("notifications", err)
		}
		n.Body = body
		n.NextAttemptAt, n.LeaseUntil, n.CreatedAt, n.UpdatedAt = fromMs(next), fromMs(lease), fromMs(created), fromMs(updated)
		out = append(out, &n)
	}
	return out, dbErr("notifications", rows.Err())
}

// Notification returns one notification.
func (s *Store) Notification(ctx context.Context, merchantID, notifyID string) (*paygate.Notification, error) {
	ns, err := scanNotifications(s.r.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications WHERE notify_id = ? AND merchant_id = ?`, notifyID, merchantID))
	if err != nil {
		return nil, err
	}
	if len(ns) == 0 {
		return nil, &paygate.Error{Code: paygate.ENotFound, Op: "notification", Message: "not found"}
	}
	return ns[0], nil
}

// Notifications lists an order's notifications, oldest first.
func (s *Store) Notifications(ctx context.Context, merchantID, orderNo string) ([]*paygate.Notification, error) {
	return scanNotifications(s.r.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications
		WHERE merchant_id = ? AND order_no = ? ORDER BY created_at, sequence, notify_id`, merchantID, orderNo))
}

// SubscriptionNotifications lists a subscription's notifications, newest first.
func (s *Store) SubscriptionNotifications(ctx context.Context, merchantID, subscriptionID string, limit int) ([]*paygate.Notification, error) {
	return scanNotifications(s.r.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications
		WHERE merchant_id = ? AND subscription_id = ? AND subscription_id <> '' ORDER BY created_at DESC, notify_id DESC LIMIT ?`, merchantID, subscriptionID, limit))
}

// DueNotifications lists pending notifications due at now and not leased.
func (s *Store) DueNotifications(ctx context.Context, now time.Time, after paygate.DueCursor, limit int) ([]*paygate.Notification, error) {
	if after == (paygate.DueCursor{}) {
		return scanNotifications(s.r.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications
			WHERE status = 'PENDING' AND next_attempt_at <= ? AND lease_until <= ? ORDER BY next_attempt_at, notify_id LIMIT ?`, ms(now), ms(now), limit))
	}
	return scanNotifications(s.r.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications
		WHERE status = 'PENDING' AND next_attempt_at <= ? AND lease_until <= ?
		AND (next_attempt_at > ? OR next_attempt_at = ? AND notify_id > ?) ORDER BY next_attempt_at, notify_id LIMIT ?`,
		ms(now), ms(now), ms(after.NextAttemptAt), ms(after.NextAttemptAt), after.NotifyID, limit))
}

// Attempts lists a notification's attempts, oldest first.
func (s *Store) Attempts(ctx context.Context, merchantID, notifyID string) ([]paygate.Attempt, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT notify_id, merchant_id, n, at, status_code, error, latency_ms
		FROM notification_attempts WHERE notify_id = ? AND merchant_id = ? ORDER BY n`, notifyID, merchantID)
	if err != nil {
		return nil, dbErr("attempts", err)
	}
	defer rows.Close()
	var out []paygate.Attempt
	for rows.Next() {
		var a paygate.Attempt
		var at int64
		if err := rows.Scan(&a.NotifyID, &a.MerchantID, &a.N, &at, &a.StatusCode, &a.Error, &a.LatencyMs); err != nil {
			return nil, dbErr("attempts", err)
		}
		a.At = fromMs(at)
		out = append(out, a)
	}
	return out, dbErr("attempts", rows.Err())
}

// CreateSubscription inserts a subscription.
func (s *Store) CreateSubscription(ctx context.Context, sub *paygate.Subscription) error {
	defer s.subs.invalidate()
	_, err := s.w.ExecContext(ctx, `INSERT INTO subscriptions (id, merchant_id, url, api_version, sign_method, secret_sealed, key_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sub.ID, sub.MerchantID, sub.URL, sub.APIVersion, sub.SignMethod, sub.SecretSealed, sub.KeyID, ms(sub.CreatedAt))
	return dbErr("create subscription", err)
}

// subCache keeps each merchant's subscriptions: every payment outcome looks
// them up, and they rarely change. Every write to them goes through this
// store (one process per database file), which empties the cache.
type subCache struct {
	mu  sync.Mutex
	gen uint64 // counts invalidations, so a list read before one is not kept after it
	m   map[string][]paygate.Subscription
}

func (c *subCache) get(merchantID string) (subs []*paygate.Subscription, ok bool, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cached, ok := c.m[merchantID]
	if !ok {
		return nil, false, c.gen
	}
	for i := range cached {
		sub := cached[i] // a copy: callers may change what they get
		subs = append(subs, &sub)
	}
	return subs, true, c.gen
}

func (c *subCache) put(merchantID string, subs []*paygate.Subscription, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil {
		c.m = map[string][]paygate.Subscription{}
	}
	list := make([]paygate.Subscription, 0, len(subs))
	for _, sub := range subs {
		list = append(list, *sub)
	}
	c.m[merchantID] = list
}

func (c *subCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}

func (s *Store) subscriptions(ctx context.Context, where string, args ...any) ([]*paygate.Subscription, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, merchant_id, url, api_version, sign_method, secret_sealed, key_id, created_at
		FROM subscriptions WHERE `+where+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, dbErr("subscriptions", err)
	}
	defer rows.Close()
	var out []*paygate.Subscription
	for rows.Next() {
		var sub paygate.Subscription
		var created int64
		if err := rows.Scan(&sub.ID, &sub.MerchantID, &sub.URL, &sub.APIVersion, &sub.SignMethod, &sub.SecretSealed, &sub.KeyID, &created); err != nil {
			return nil, dbErr("subscriptions", err)
		}
		sub.CreatedAt = fromMs(created)
		out = append(out, &sub)
	}
	return out, dbErr("subscriptions", rows.Err())
}

// Subscriptions lists a merchant's subscriptions.
func (s *Store) Subscriptions(ctx context.Context, merchantID string) ([]*paygate.Subscription, error) {
	subs, ok, gen := s.subs.get(merchantID)
	if ok {
		return subs, nil
	}
	subs, err := s.subscriptions(ctx, `merchant_id = ?`, merchantID)
	if err == nil {
		s.subs.put(merchantID, subs, gen)
	}
	return subs, err
}

// Subscription returns one subscription.
func (s *Store) Subscription(ctx context.Context, merchantID, id string) (*paygate.Subscription, error) {
	subs, err := s.subscriptions(ctx, `merchant_id = ? AND id = ?`, merchantID, id)
	if err != nil {
		return nil, err
	}
	if len(subs) == 0 {
		return nil, &paygate.Error{Code: paygate.ENotFound, Op: "subscription", Message: "not found"}
	}
	return subs[0], nil
}

// DeleteSubscription removes a subscription.
func (s *Store) DeleteSubscription(ctx context.Context, merchantID, id string) error {
	defer s.subs.invalidate()
	res, err := s.w.ExecContext(ctx, `DELETE FROM subscriptions WHERE merchant_id = ? AND id = ?`, merchantID, id)
	if err != nil {
		return dbErr("delete subscription", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &paygate.Error{Code: paygate.ENotFound, Op: "delete subscription", Message: "not found"}
	}
	return nil
}

// NotificationBacklog counts the pending notifications due at now.
func (s *Store) NotificationBacklog(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE status = 'PENDING' AND next_attempt_at <= ?`, ms(now)).Scan(&n)
	if err != nil {
		return 0, dbErr("notification backlog", err)
	}
	return n, nil
}
