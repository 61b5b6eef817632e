package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"paygate"
)

const notificationCols = `notify_id, merchant_id, event_type, order_no, object_id, sequence, url, subscription_id, body,
	status, attempts, max_attempts, next_attempt_at, lease_until, version, created_at, updated_at`

// appendNotifications adds c's notifications and attempts to an Apply's writes.
func appendNotifications(ws []write, c paygate.Change) []write {
	for _, n := range c.Notifications {
		if n.Version == 1 {
			ws = append(ws, write{"apply notification", false, `INSERT INTO notifications (` + notificationCols + `)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
				[]any{n.NotifyID, n.MerchantID, n.EventType, n.OrderNo, n.ObjectID, n.Sequence, n.URL, n.SubscriptionID, []byte(n.Body),
					string(n.Status), n.Attempts, n.MaxAttempts, ms(n.NextAttemptAt), ms(n.LeaseUntil), n.Version, ms(n.CreatedAt), ms(n.UpdatedAt)}})
		} else {
			ws = append(ws, write{"apply notification", true, `UPDATE notifications SET status = $1, attempts = $2, max_attempts = $3, next_attempt_at = $4,
				lease_until = $5, version = $6, updated_at = $7 WHERE notify_id = $8 AND merchant_id = $9 AND version = $10`,
				[]any{string(n.Status), n.Attempts, n.MaxAttempts, ms(n.NextAttemptAt), ms(n.LeaseUntil), n.Version, ms(n.UpdatedAt),
					n.NotifyID, n.MerchantID, n.Version - 1}})
		}
	}
	for _, a := range c.Attempts {
		ws = append(ws, write{"apply attempt", false, `INSERT INTO notification_attempts (notify_id, merchant_id, n, at, status_code, error, latency_ms)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			[]any{a.NotifyID, a.MerchantID, a.N, ms(a.At), a.StatusCode, storableText(a.Error), a.LatencyMs}})
	}
	return ws
}

// storableText makes an error text from outside (a receiver's answer, a
// network error) storable in a text column, so that recording an attempt
// never fails on what the receiver sent.
func storableText(s string) string {
	if storable(s) {
		return s
	}
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// notifications runs a query selecting notificationCols.
func (s *Store) notifications(ctx context.Context, op, sql string, args ...any) ([]*paygate.Notification, error) {
	var out []*paygate.Notification
	err := s.rows(ctx, op, sql, args, func(r pgx.Rows) error {
		var n paygate.Notification
		var body []byte
		var status string
		var next, lease, created, updated int64
		if err := r.Scan(&n.NotifyID, &n.MerchantID, &n.EventType, &n.OrderNo, &n.ObjectID, &n.Sequence, &n.URL, &n.SubscriptionID, &body,
			&status, &n.Attempts, &n.MaxAttempts, &next, &lease, &n.Version, &created, &updated); err != nil {
			return err
		}
		n.Body, n.Status = body, paygate.NotificationStatus(status)
		n.NextAttemptAt, n.LeaseUntil, n.CreatedAt, n.UpdatedAt = fromMs(next), fromMs(lease), fromMs(created), fromMs(updated)
		out = append(out, &n)
		return nil
	})
	return out, err
}

// Notification returns one notification.
func (s *Store) Notification(ctx context.Context, merchantID, notifyID string) (*paygate.Notification, error) {
	return one(s.notifications(ctx, "notification", `SELECT `+notificationCols+` FROM notifications WHERE notify_id = $1 AND merchant_id = $2`, notifyID, merchantID))
}

// Notifications lists an order's notifications, oldest first.
func (s *Store) Notifications(ctx context.Context, merchantID, orderNo string) ([]*paygate.Notification, error) {
	return s.notifications(ctx, "notifications", `SELECT `+notificationCols+` FROM notifications
		WHERE merchant_id = $1 AND order_no = $2 ORDER BY created_at, sequence, notify_id`, merchantID, orderNo)
}

// SubscriptionNotifications lists a subscription's notifications, newest first.
func (s *Store) SubscriptionNotifications(ctx context.Context, merchantID, subscriptionID string, limit int) ([]*paygate.Notification, error) {
	return s.notifications(ctx, "subscription notifications", `SELECT `+notificationCols+` FROM notifications
		WHERE merchant_id = $1 AND subscription_id = $2 AND subscription_id <> '' ORDER BY created_at DESC, notify_id DESC LIMIT $3`,
		merchantID, subscriptionID, limitArg(limit))
}

// DueNotifications lists pending notifications due at now and not leased.
func (s *Store) DueNotifications(ctx context.Context, now time.Time, after paygate.DueCursor, limit int) ([]*paygate.Notification, error) {
	if after == (paygate.DueCursor{}) {
		return s.notifications(ctx, "due notifications", `SELECT `+notificationCols+` FROM notifications
			WHERE status = 'PENDING' AND next_attempt_at <= $1 AND lease_until <= $1 ORDER BY next_attempt_at, notify_id LIMIT $2`, ms(now), limitArg(limit))
	}
	return s.notifications(ctx, "due notifications", `SELECT `+notificationCols+` FROM notifications
		WHERE status = 'PENDING' AND next_attempt_at <= $1 AND lease_until <= $1
		AND (next_attempt_at, notify_id) > ($3, $4) ORDER BY next_attempt_at, notify_id LIMIT $2`,
		ms(now), limitArg(limit), ms(after.NextAttemptAt), after.NotifyID)
}

// Attempts lists a notification's attempts, oldest first.
func (s *Store) Attempts(ctx context.Context, merchantID, notifyID string) ([]paygate.Attempt, error) {
	var out []paygate.Attempt
	err := s.rows(ctx, "attempts", `SELECT notify_id, merchant_id, n, at, status_code, error, latency_ms
		FROM notification_attempts WHERE notify_id = $1 AND merchant_id = $2 ORDER BY n`, []any{notifyID, merchantID}, func(r pgx.Rows) error {
		var a paygate.Attempt
		var at int64
		if err := r.Scan(&a.NotifyID, &a.MerchantID, &a.N, &at, &a.StatusCode, &a.Error, &a.LatencyMs); err != nil {
			return err
		}
		a.At = fromMs(at)
		out = append(out, a)
		return nil
	})
	return out, err
}

// CreateSubscription inserts a subscription.
func (s *Store) CreateSubscription(ctx context.Context, sub *paygate.Subscription) error {
	_, err := s.exec(ctx, "create subscription", `INSERT INTO subscriptions (id, merchant_id, url, api_version, sign_method, secret_sealed, key_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, sub.ID, sub.MerchantID, sub.URL, sub.APIVersion, sub.SignMethod, sub.SecretSealed, sub.KeyID, ms(sub.CreatedAt))
	return err
}

func (s *Store) subscriptions(ctx context.Context, where string, args ...any) ([]*paygate.Subscription, error) {
	var out []*paygate.Subscription
	err := s.rows(ctx, "subscriptions", `SELECT id, merchant_id, url, api_version, sign_method, secret_sealed, key_id, created_at
		FROM subscriptions WHERE `+where+` ORDER BY created_at, id`, args, func(r pgx.Rows) error {
		var sub paygate.Subscription
		var created int64
		if err := r.Scan(&sub.ID, &sub.MerchantID, &sub.URL, &sub.APIVersion, &sub.SignMethod, &sub.SecretSealed, &sub.KeyID, &created); err != nil {
			return err
		}
		sub.CreatedAt = fromMs(created)
		out = append(out, &sub)
		return nil
	})
	return out, err
}

// Subscriptions lists a merchant's subscriptions.
func (s *Store) Subscriptions(ctx context.Context, merchantID string) ([]*paygate.Subscription, error) {
	return s.subscriptions(ctx, `merchant_id = $1`, merchantID)
}

// Subscription returns one subscription.
func (s *Store) Subscription(ctx context.Context, merchantID, id string) (*paygate.Subscription, error) {
	return one(s.subscriptions(ctx, `merchant_id = $1 AND id = $2`, merchantID, id))
}

// DeleteSubscription removes a subscription.
func (s *Store) DeleteSubscription(ctx context.Context, merchantID, id string) error {
	var n int64
	var err error
	if storable(merchantID, id) {
		n, err = s.exec(ctx, "delete subscription", `DELETE FROM subscriptions WHERE merchant_id = $1 AND id = $2`, merchantID, id)
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return &paygate.Error{Code: paygate.ENotFound, Op: "delete subscription", Message: "not found"}
	}
	return nil
}

// NotificationBacklog counts the pending notifications due at now.
func (s *Store) NotificationBacklog(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.withConn(ctx, "notification backlog", func(c *pgxpool.Conn) error {
		return c.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE status = 'PENDING' AND next_attempt_at <= $1`, ms(now)).Scan(&n)
	})
	return n, err
}
