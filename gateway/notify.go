package gateway

import (
	"context"
	"encoding/json"
	"time"

	"paygate"
	"paygate/notify"
	"paygate/wire"
)

// commit applies a state change together with the notifications it owes,
// in one transaction: a change that commits has its notifications, one that
// rolls back has none.
func (s *core) commit(ctx context.Context, c paygate.Change) error {
	s.addDisputes(&c)
	if err := s.addJournals(ctx, &c); err != nil {
		return err
	}
	if err := s.addNotifications(ctx, &c); err != nil {
		return err
	}
	if err := s.store.Apply(ctx, c); err != nil {
		return err
	}
	s.observeCommit(&c)
	if len(c.Notifications) > 0 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

type target struct {
	url, subscriptionID, apiVersion string
}

// addNotifications adds to c one notification per notified event and target:
// the order's notificationUrl and every subscription of the merchant.
func (s *core) addNotifications(ctx context.Context, c *paygate.Change) error {
	var subs []*paygate.Subscription
	subsLoaded := false
	for _, ev := range c.Events {
		typ := paygate.EventType(ev)
		if typ == "" {
			continue
		}
		n, err := s.notified(ctx, c, ev, typ)
		if err != nil {
			return err
		}
		if n.payment == nil {
			continue
		}
		if !subsLoaded {
			if subs, err = s.store.Subscriptions(ctx, ev.MerchantID); err != nil {
				return err
			}
			subsLoaded = true
		}
		var targets []target
		if n.orderURL != "" {
			targets = append(targets, target{url: n.orderURL, apiVersion: paygate.APIVersion})
		}
		targets = append(targets, subscriptionTargets(subs)...)
		if len(targets) == 0 {
			continue
		}
		data, err := n.render()
		if err != nil {
			return err
		}
		if err := addOutbox(c, ev, typ, n.payment, targets, data); err != nil {
			return err
		}
	}
	return nil
}

// notifiedObject is what an event notifies: the object's order (its
// payment), the order's own notificationUrl, and the rendering of the
// object, run only once there is somewhere to send it.
type notifiedObject struct {
	payment  *paygate.Payment // nil: the event notifies nothing
	orderURL string
	render   func() (json.RawMessage, error)
}

// notified finds the object of a notified event among the change's objects.
func (s *core) notified(ctx context.Context, c *paygate.Change, ev paygate.Event, typ string) (notifiedObject, error) {
	missing := paygate.Internal("notify", errMissing)
	switch ev.ObjectType {
	case "payment":
		p := findPayment(c.Payments, ev.ObjectID)
		if p == nil {
			return notifiedObject{}, missing
		}
		return notifiedObject{p, p.NotificationURL, func() (json.RawMessage, error) {
			var refunds []*paygate.Refund
			if typ == paygate.EventPaymentRefunded {
				var err error
				if refunds, err = s.refundsWith(ctx, p, c.Refunds); err != nil {
					return nil, err
				}
			}
			return rendered(wire.PaymentJSON(p, refunds))
		}}, nil
	case "refund":
		r := findRefund(c.Refunds, ev.ObjectID)
		if r == nil {
			return notifiedObject{}, missing
		}
		p := findPayment(c.Payments, r.TradeNo)
		if p == nil {
			return notifiedObject{}, missing
		}
		return notifiedObject{p, orDefault(r.NotificationURL, p.NotificationURL),
			func() (json.RawMessage, error) { return rendered(wire.RefundJSON(r)) }}, nil
	case "session":
		sess := findSession(c.Sessions, ev.ObjectID)
		if sess == nil {
			return notifiedObject{}, missing
		}
		p := findPayment(c.Payments, sess.TradeNo)
		if p == nil {
			return notifiedObject{}, missing
		}
		return notifiedObject{p, p.NotificationURL, func() (json.RawMessage, error) { return rendered(wire.SessionJSON(sess, p)) }}, nil
	case "dispute":
		d := findDispute(c.Disputes, ev.ObjectID)
		if d == nil {
			return notifiedObject{}, missing
		}
		p := findPayment(c.Payments, d.TradeNo)
		if p == nil {
			return notifiedObject{}, missing
		}
		return notifiedObject{p, p.NotificationURL, func() (json.RawMessage, error) { return rendered(wire.DisputeJSON(d)) }}, nil
	case "tracker":
		tr := findTracker(c.Trackers, ev.ObjectID)
		if tr == nil {
			return notifiedObject{}, missing
		}
		p := findPayment(c.Payments, tr.TradeNo)
		if p == nil {
			return notifiedObject{}, missing
		}
		return notifiedObject{p, p.NotificationURL, func() (json.RawMessage, error) { return rendered(wire.TrackerJSON(tr)) }}, nil
	}
	return notifiedObject{}, nil
}

// addOutbox adds to c the event's notification for each target, numbered
// in the order's sequence.
func addOutbox(c *paygate.Change, ev paygate.Event, typ string, p *paygate.Payment, targets []target, data json.RawMessage) error {
	p.NotifySeq++
	ns, err := outbox(ev, typ, p.OrderNo, p.NotifySeq, targets, data)
	c.Notifications = append(c.Notifications, ns...)
	return err
}

// outbox is the event's notification for each target.
func outbox(ev paygate.Event, typ, orderNo string, seq int64, targets []target, data json.RawMessage) ([]*paygate.Notification, error) {
	var out []*paygate.Notification
	for _, t := range targets {
		n := &paygate.Notification{
			NotifyID: newID("N", ev.At, 10), MerchantID: ev.MerchantID, EventType: typ, OrderNo: orderNo,
			ObjectID: ev.ObjectID, Sequence: seq, URL: t.url, SubscriptionID: t.subscriptionID,
			Status: paygate.NotificationPending, MaxAttempts: 1 + len(retrySchedule), NextAttemptAt: ev.At,
			LeaseUntil: time.Unix(0, 0).UTC(), Version: 1, CreatedAt: ev.At, UpdatedAt: ev.At,
		}
		var err error
		n.Body, err = json.Marshal(wire.NotificationBody{NotifyID: n.NotifyID, EventType: typ, APIVersion: t.apiVersion,
			CreatedAt: ev.At.UTC().Format(time.RFC3339Nano), Sequence: n.Sequence, Data: data})
		if err != nil {
			return nil, paygate.Internal("notify", err)
		}
		out = append(out, n)
	}
	return out, nil
}

// subscriptionTargets are the merchant's subscriptions as targets.
func subscriptionTargets(subs []*paygate.Subscription) []target {
	var targets []target
	for _, sub := range subs {
		targets = append(targets, target{url: sub.URL, subscriptionID: sub.ID, apiVersion: sub.APIVersion})
	}
	return targets
}

// rendered names a renderer's failure.
func rendered(data json.RawMessage, err error) (json.RawMessage, error) {
	if err != nil {
		return nil, paygate.Internal("render notification", err)
	}
	return data, nil
}

var errMissing = paygate.Errorf(paygate.EInternal, "a notified change lacks its payment or refund")

func findPayment(ps []*paygate.Payment, tradeNo string) *paygate.Payment {
	for _, p := range ps {
		if p.TradeNo == tradeNo {
			return p
		}
	}
	return nil
}

func findDispute(ds []*paygate.Dispute, id string) *paygate.Dispute {
	for _, d := range ds {
		if d.DisputeID == id {
			return d
		}
	}
	return nil
}

func findSession(ss []*paygate.Session, id string) *paygate.Session {
	for _, x := range ss {
		if x.SessionID == id {
			return x
		}
	}
	return nil
}

func findTracker(ts []*paygate.Tracker, id string) *paygate.Tracker {
	for _, t := range ts {
		if t.TrackerID == id {
			return t
		}
	}
	return nil
}

func findRefund(rs []*paygate.Refund, id string) *paygate.Refund {
	for _, r := range rs {
		if r.RefundID == id {
			return r
		}
	}
	return nil
}

// refundsWith lists the payment's stored refunds with those of the change in
// place of their stored versions: the refunds as they are once it commits.
func (s *core) refundsWith(ctx context.Context, p *paygate.Payment, changed []*paygate.Refund) ([]*paygate.Refund, error) {
	stored, err := s.store.Refunds(ctx, p.MerchantID, p.TradeNo)
	if err != nil {
		return nil, err
	}
	for i, r := range stored {
		if c := findRefund(changed, r.RefundID); c != nil {
			stored[i] = c
		}
	}
	return stored, nil
}

// MaxSubscriptions is how many subscriptions a merchant may have (Stripe
// allows 16 webhook endpoints per account).
const MaxSubscriptions = 16

// CreateSubscription subscribes a URL to every notification of the merchant
// and returns the subscription with its signing secret, shown only now.
//
// Errors: invalid_parameter, invalid_state (too many subscriptions).
func (s *Notifications) CreateSubscription(ctx context.Context, req *wire.SubscriptionRequest) (*paygate.Subscription, string, error) {
	_, key := notify.NewSecret()
	return s.createSubscription(ctx, req, newID("S", s.now(), 6), key)
}

// createSubscription subscribes req's URL under id, signing with key.
func (s *core) createSubscription(ctx context.Context, req *wire.SubscriptionRequest, id string, key []byte) (*paygate.Subscription, string, error) {
	var c checker
	if c.required("subscribeUrl", req.SubscribeURL) {
		c.url("subscribeUrl", req.SubscribeURL, 156)
	}
	if c.required("apiVersion", req.APIVersion) {
		c.oneOf("apiVersion", req.APIVersion, paygate.APIVersion)
	}
	if c.required("signMethod", req.SignMethod) {
		c.oneOf("signMethod", req.SignMethod, "sha256")
	}
	if c.err != nil {
		return nil, "", c.err
	}
	if err := notify.CheckTarget(ctx, req.SubscribeURL, s.cfg.AllowPrivateTargets, nil); err != nil {
		return nil, "", paygate.InvalidParam("subscribeUrl", "subscribeUrl: %s", err.Error())
	}
	// Every notified change writes one row per subscription, in the
	// change's own commit: a bound keeps that (and the retries) in check.
	if subs, err := s.store.Subscriptions(ctx, paygate.MerchantID(ctx)); err != nil {
		return nil, "", err
	} else if len(subs) >= MaxSubscriptions {
		return nil, "", paygate.Errorf(paygate.EInvalidState, "a merchant may have at most %d subscriptions; delete one first", MaxSubscriptions)
	}
	display := notify.FormatSecret(key)
	now := s.now()
	sub := &paygate.Subscription{ID: id, MerchantID: paygate.MerchantID(ctx), URL: req.SubscribeURL,
		APIVersion: req.APIVersion, SignMethod: req.SignMethod, KeyID: s.vault.KeyID(), CreatedAt: now}
	sealed, err := s.vault.Seal(key, []byte("subscription/"+sub.ID))
	if err != nil {
		return nil, "", paygate.Internal("subscribe", err)
	}
	sub.SecretSealed = sealed
	if err := s.store.CreateSubscription(ctx, sub); err != nil {
		return nil, "", err
	}
	return sub, display, nil
}

// Subscriptions lists the merchant's subscriptions.
func (s *Notifications) Subscriptions(ctx context.Context) ([]*paygate.Subscription, error) {
	return s.store.Subscriptions(ctx, paygate.MerchantID(ctx))
}

// DeleteSubscription removes a subscription. Notifications already queued
// for it are not delivered (its secret is gone with it) and end FAILED.
//
// Errors: not_found.
func (s *Notifications) DeleteSubscription(ctx context.Context, id string) error {
	return notFound(s.store.DeleteSubscription(ctx, paygate.MerchantID(ctx), id), "subscription", id)
}

// NotificationLog is a notification with its delivery attempts.
type NotificationLog struct {
	*paygate.Notification
	Attempts []paygate.Attempt
}

// Log returns every notification of an order with its attempts.
//
// Errors: invalid_parameter.
func (s *Notifications) Log(ctx context.Context, orderNo string) ([]NotificationLog, error) {
	if orderNo == "" {
		return nil, paygate.InvalidParam("orderNo", "orderNo is required")
	}
	merchantID := paygate.MerchantID(ctx)
	// An order this merchant does not have is not_found, as everywhere.
	if _, err := s.store.PaymentByOrderNo(ctx, merchantID, orderNo); err != nil {
		return nil, notFound(err, "payment with orderNo", orderNo)
	}
	ns, err := s.store.Notifications(ctx, merchantID, orderNo)
	if err != nil {
		return nil, err
	}
	out := make([]NotificationLog, 0, len(ns))
	for _, n := range ns {
		as, err := s.store.Attempts(ctx, merchantID, n.NotifyID)
		if err != nil {
			return nil, err
		}
		// An attempt recorded after the row was read belongs to a later state.
		out = append(out, NotificationLog{Notification: n, Attempts: as[:min(len(as), n.Attempts)]})
	}
	return out, nil
}

// Resend queues one more delivery of a notification: the same body, signed
// again with a fresh timestamp.
//
// Errors: not_found, idempotency_key_reused.
func (s *Notifications) Resend(ctx context.Context, notifyID, idemKey string) (*paygate.Notification, error) {
	return idempotent(s.core, ctx, idemKey, "resend", notifyID, func() (*paygate.Notification, error) {
		return retryStale(ctx, "notification "+notifyID, func() (*paygate.Notification, error) {
			n, err := s.store.Notification(ctx, paygate.MerchantID(ctx), notifyID)
			if err != nil {
				return nil, notFound(err, "notification", notifyID)
			}
			now := s.now()
			if n.Status == paygate.NotificationPending && now.Before(n.LeaseUntil) {
				// A dispatcher is sending it now: changing the row would
				// lose that attempt's record.
				return nil, paygate.Errorf(paygate.EConflict, "notification %s is being delivered right now; resend it once that attempt is recorded", notifyID)
			}
			q := *n
			q.Status = paygate.NotificationPending
			q.NextAttemptAt = now
			if n.Status == paygate.NotificationPending {
				q.MaxAttempts++ // one more than scheduled, not one of the scheduled retries sooner
			} else {
				q.MaxAttempts = q.Attempts + 1
			}
			q.Version++
			q.UpdatedAt = now
			if err := stale(s.store.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{&q}})); err != nil {
				return nil, err
			}
			select {
			case s.wake <- struct{}{}:
			default:
			}
			return &q, nil
		})
	})
}

// checkNotifyURL checks an order's notificationUrl as far as the URL itself
// tells (no user name or password, a valid port, no literal private address
// or localhost); names are checked when delivering.
func (s *core) checkNotifyURL(c *checker, param, raw string) {
	c.url(param, raw, 256)
	if raw == "" || c.err != nil {
		return
	}
	if err := notify.CheckTargetOffline(raw, s.cfg.AllowPrivateTargets); err != nil {
		c.fail(param, "%s: %s", param, err.Error())
	}
}
