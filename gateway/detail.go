package gateway

import (
	"context"
	"slices"

	"paygate"
	"paygate/wire"
)

// PaymentDetail is everything the dashboard shows of one payment.
type PaymentDetail struct {
	Payment       *paygate.Payment
	Refunds       []*paygate.Refund
	Events        []paygate.Event // the payment's and its refunds', oldest first
	Trackers      []*paygate.Tracker
	Notifications []NotificationLog
}

// Detail returns a payment of the merchant in ctx by tradeNo, with its
// refunds, its timeline (every status change with time and source), its
// trackers and every notification with its delivery attempts.
//
// Errors: not_found (also for another merchant's payment).
func (s *Payments) Detail(ctx context.Context, tradeNo string) (*PaymentDetail, error) {
	merchantID := paygate.MerchantID(ctx)
	p, refunds, err := s.Payment(ctx, wire.OrderRef{TradeNo: tradeNo})
	if err != nil {
		return nil, err
	}
	d := &PaymentDetail{Payment: p, Refunds: refunds}
	for _, id := range append([]string{p.TradeNo}, refundIDs(refunds)...) {
		evs, err := s.store.Events(ctx, merchantID, id)
		if err != nil {
			return nil, err
		}
		d.Events = append(d.Events, evs...)
	}
	slices.SortStableFunc(d.Events, func(a, b paygate.Event) int { return a.At.Compare(b.At) })
	if d.Trackers, err = s.store.Trackers(ctx, merchantID, p.OrderNo); err != nil {
		return nil, err
	}
	if d.Notifications, err = (&Notifications{s.core}).Log(ctx, p.OrderNo); err != nil {
		return nil, err
	}
	return d, nil
}

func refundIDs(rs []*paygate.Refund) []string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.RefundID
	}
	return ids
}

// maxFound is the most payments a search across merchants shows.
const maxFound = 50

// Find lists the payments of every merchant whose tradeNo or orderNo is
// ref, newest first: an operator's search. Only an operator may call it
// (it sees every merchant).
//
// Errors: invalid_parameter (q).
func (s *Payments) Find(ctx context.Context, ref string) ([]*paygate.Payment, error) {
	if ref == "" || len(ref) > 64 {
		return nil, paygate.InvalidParam("q", "search for a tradeNo or an orderNo of 1-64 characters")
	}
	return s.store.FindPayments(ctx, ref, maxFound)
}

// recentDeliveries is how many of a subscription's notifications its page
// shows.
const recentDeliveries = 20

// Deliveries lists the newest notifications sent to one of the merchant's
// subscriptions, with their status and attempts.
//
// Errors: not_found (also another merchant's subscription).
func (s *Notifications) Deliveries(ctx context.Context, subscriptionID string) (*paygate.Subscription, []*paygate.Notification, error) {
	merchantID := paygate.MerchantID(ctx)
	sub, err := s.store.Subscription(ctx, merchantID, subscriptionID)
	if err != nil {
		return nil, nil, err
	}
	ns, err := s.store.SubscriptionNotifications(ctx, merchantID, subscriptionID, recentDeliveries)
	return sub, ns, err
}
