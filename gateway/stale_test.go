package gateway_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/wire"
)

// alwaysStale is a store whose writes, once stale is set, all lose their
// compare-and-set: the version the gateway read is never the stored one.
type alwaysStale struct {
	paygate.Store
	stale  atomic.Bool
	writes atomic.Int64
}

func (a *alwaysStale) Apply(ctx context.Context, c paygate.Change) error {
	if a.stale.Load() {
		a.writes.Add(1)
		return paygate.Errorf(paygate.EConflict, "stale version")
	}
	return a.Store.Apply(ctx, c)
}

// TestEveryWriteEnds: against a store that always answers a stale version,
// every operation ends, with 409 conflict past its retries (or an answer
// that needs no write), never spinning for ever.
func TestEveryWriteEnds(t *testing.T) {
	var store *alwaysStale
	gw, _, ctx, _ := newTestGateway(t, acquirer.Sandbox{}, acquirer.Sandbox{}, func(s paygate.Store) paygate.Store {
		store = &alwaysStale{Store: s}
		return store
	})
	card := func(orderNo, capture string, billing *wire.Billing) *wire.CreatePaymentRequest {
		return &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: orderNo, PaymentMethodType: "card",
			ThreeDsMode: "no", CaptureMethod: capture, DeviceInfo: &wire.DeviceInfo{}, Billing: billing,
			Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}}
	}
	mustPay := func(req *wire.CreatePaymentRequest) *paygate.Payment {
		p, _, err := gw.Payments.CreatePayment(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	held := mustPay(card("order-held", "manual", nil))
	mustPay(card("order-paid", "", nil))
	stored := mustPay(card("order-stored", "", &wire.Billing{StoredCredentials: "store"}))
	if _, _, err := gw.Tracking.AddTracker(ctx, &wire.TrackerRequest{Carrier: "UPS", OrderNo: "order-paid", ShipmentDate: "2026-11-25",
		ShipmentDirection: "FORWARD", ShippingStatus: "SHIPPED", TrackingNo: "TR-1", TrackingNumberType: "CARRIER_PROVIDED"}); err != nil {
		t.Fatal(err)
	}
	n := pendingNotification(paygate.MerchantID(ctx), 1, "https://merchant.example/hook", time.Now(), time.Unix(0, 0).UTC())
	n.Status = paygate.NotificationFailed
	if err := store.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{n}}); err != nil {
		t.Fatal(err)
	}
	notifyID := n.NotifyID
	store.stale.Store(true)

	ops := map[string]func() error{
		"create payment": func() error { _, _, err := gw.Payments.CreatePayment(ctx, card("order-new", "", nil)); return err },
		"create session": func() error {
			_, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-sess"})
			return err
		},
		"capture": func() error {
			_, err := gw.Payments.Capture(ctx, &wire.CaptureRequest{OrderRef: wire.OrderRef{OrderNo: held.OrderNo}, CaptureAmount: "10.00"}, "")
			return err
		},
		"capture with a key": func() error {
			_, err := gw.Payments.Capture(ctx, &wire.CaptureRequest{OrderRef: wire.OrderRef{OrderNo: held.OrderNo}, CaptureAmount: "10.00"}, "k-1")
			return err
		},
		"cancel": func() error {
			_, err := gw.Payments.Cancel(ctx, &wire.CancelRequest{OrderRef: wire.OrderRef{OrderNo: held.OrderNo}}, "")
			return err
		},
		"refund": func() error {
			_, _, err := gw.Payments.CreateRefund(ctx, &wire.RefundRequest{OrderRef: wire.OrderRef{OrderNo: "order-paid"}, Amount: "1",
				ClientIP: "1.1.1.1", Reason: "r", RefundNumber: "refund-1"})
			return err
		},
		"token payment": func() error {
			_, _, err := gw.StoredCards.CreateTokenPayment(ctx, &wire.TokenPaymentRequest{Amount: "5.00", OrderNo: "order-tok", Currency: "USD",
				TransactionIdentifier: stored.TransactionIdentifier, ExpiryMonth: "06", ExpiryYear: "2040", CustomerInitiatedReason: "UNSCHEDULED"})
			return err
		},
		"revoke": func() error { _, err := gw.StoredCards.RevokeStoredCard(ctx, stored.TransactionIdentifier); return err },
		"rekey":  func() error { _, err := gw.StoredCards.Rekey(ctx, 10); return err },
		"add tracker": func() error {
			_, _, err := gw.Tracking.AddTracker(ctx, &wire.TrackerRequest{Carrier: "UPS", OrderNo: "order-paid", ShipmentDate: "2026-11-25",
				ShipmentDirection: "FORWARD", ShippingStatus: "SHIPPED", TrackingNo: "TR-2", TrackingNumberType: "CARRIER_PROVIDED"})
			return err
		},
		"update tracker": func() error {
			_, err := gw.Tracking.UpdateTracker(ctx, &wire.TrackerUpdateRequest{OrderNo: "order-paid", TrackingNo: "TR-1",
				Items: []wire.PatchOp{{Op: "replace", Path: "/status", Value: []byte(`"DELIVERED"`)}}}, "")
			return err
		},
		"resend": func() error { _, err := gw.Notifications.Resend(ctx, notifyID, ""); return err },
		"wallet payment": func() error {
			_, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "CNY", OrderNo: "order-w",
				PaymentMethodType: "wechat", DeviceInfo: &wire.DeviceInfo{}, Wechat: &wire.WechatInput{ProductType: "qr-code"}})
			return err
		},
	}
	for name, op := range ops {
		done := make(chan error, 1)
		before := store.writes.Load()
		go func() { done <- op() }()
		select {
		case err := <-done:
			if code := paygate.ErrorCode(err); code != paygate.EConflict && name != "rekey" {
				t.Errorf("%s: got %v, want conflict", name, err)
			}
			if n := store.writes.Load() - before; n > 3*64 {
				t.Errorf("%s: %d writes tried, want a bounded few", name, n)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("%s: still running after 30 s against a store that is always stale", name)
		}
	}
}

// staleAfterApproval is the sandbox, whose store turns always stale the
// moment it approves: the outcome can then not be written.
type staleAfterApproval struct {
	acquirer.Sandbox
	store *alwaysStale
}

func (s *staleAfterApproval) Authorize(ctx context.Context, req acquirer.AuthorizeRequest) (acquirer.Result, error) {
	res, err := s.Sandbox.Authorize(ctx, req)
	s.store.stale.Store(true)
	return res, err
}

// TestOutcomeNotWrittenIsNotAConflict: when an approval cannot be
// recorded, the answer is an internal error, not 409 conflict, which would
// tell the client that nothing happened and to send the request again.
func TestOutcomeNotWrittenIsNotAConflict(t *testing.T) {
	acq := &staleAfterApproval{}
	gw, _, ctx, _ := newTestGateway(t, acq, nil, func(s paygate.Store) paygate.Store {
		acq.store = &alwaysStale{Store: s}
		return acq.store
	})
	_, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-outcome",
		PaymentMethodType: "card", ThreeDsMode: "no", DeviceInfo: &wire.DeviceInfo{},
		Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}})
	if code := paygate.ErrorCode(err); code != paygate.EInternal {
		t.Errorf("approval not recorded: got %v, want internal_error", err)
	}
}
