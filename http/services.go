package http

import (
	"context"
	"net/http"
	"time"

	"paygate"
	"paygate/gateway"
	"paygate/wire"
)

// The gateway as the API's handlers see it: each service as the few methods
// they call, so a handler depends on what it uses and a test can stand in
// for one service. NewServer takes them from a *gateway.Service.
type (
	merchantService interface {
		IssueToken(ctx context.Context, appID, secret, client string) (token string, expiresIn int, err error)
		Authenticate(ctx context.Context, token string) (string, error)
		Limits(ctx context.Context, merchantID string) (rate float64, burst int, err error)
		RotateOwnSecret(ctx context.Context, current string, grace time.Duration, client string) (*gateway.RotatedSecret, error)
		RotateOwnNotifySecret(ctx context.Context, current string, grace time.Duration, client string) (*gateway.RotatedNotifySecret, error)
	}
	paymentService interface {
		CreatePayment(ctx context.Context, req *wire.CreatePaymentRequest) (*paygate.Payment, bool, error)
		Payment(ctx context.Context, r wire.OrderRef) (*paygate.Payment, []*paygate.Refund, error)
		Inquiry(ctx context.Context, req *wire.InquiryRequest) (*paygate.Payment, []*paygate.Refund, error)
		Capture(ctx context.Context, req *wire.CaptureRequest, idemKey string) (*paygate.Payment, error)
		Cancel(ctx context.Context, req *wire.CancelRequest, idemKey string) (*paygate.Payment, error)
		CreateRefund(ctx context.Context, req *wire.RefundRequest) (*paygate.Refund, bool, error)
		RefundInquiry(ctx context.Context, req *wire.RefundInquiryRequest) (*paygate.Refund, []*paygate.Refund, error)
		List(ctx context.Context, q *wire.PaymentListQuery) (*gateway.PaymentList, error)
		ListRefunds(ctx context.Context, q *wire.RefundListQuery) (*gateway.RefundList, error)
	}
	sessionService interface {
		CreateSession(ctx context.Context, req *wire.SessionRequest) (*paygate.Session, *paygate.Payment, bool, error)
		Session(ctx context.Context, sessionID string) (*paygate.Session, *paygate.Payment, error)
	}
	storedCardService interface {
		CreateTokenPayment(ctx context.Context, req *wire.TokenPaymentRequest) (*paygate.Payment, bool, error)
		RevokeStoredCard(ctx context.Context, txID string) (*paygate.StoredCard, error)
	}
	trackingService interface {
		AddTracker(ctx context.Context, req *wire.TrackerRequest) (*paygate.Tracker, bool, error)
		AddTrackers(ctx context.Context, items []gateway.TrackerBatchItem) ([]gateway.TrackerBatchResult, error)
		UpdateTracker(ctx context.Context, req *wire.TrackerUpdateRequest, idemKey string) (*paygate.Tracker, error)
		Trackers(ctx context.Context, orderNo string) ([]*paygate.Tracker, error)
		TrackerInquiry(ctx context.Context, req *wire.TrackerInquiryRequest) (*paygate.Tracker, []*paygate.Tracker, error)
	}
	riskService interface {
		AddListEntry(ctx context.Context, list, value, note string) (*paygate.RiskListEntry, bool, error)
		ListEntries(ctx context.Context, list, limit, after string) ([]*paygate.RiskListEntry, string, error)
		DeleteListEntry(ctx context.Context, list, id string) error
		AddRule(ctx context.Context, req *wire.RiskRuleRequest) (*paygate.RiskRule, error)
		Rules(ctx context.Context) ([]*paygate.RiskRule, error)
		SetRuleEnabled(ctx context.Context, id string, enabled bool) (*paygate.RiskRule, error)
		DeleteRule(ctx context.Context, id string) error
		Evaluate(ctx context.Context, req *wire.CreatePaymentRequest) (*paygate.Risk, error)
		ScreenAll(ctx context.Context) (bool, error)
		SetScreenAll(ctx context.Context, on bool) error
	}
	notificationService interface {
		CreateSubscription(ctx context.Context, req *wire.SubscriptionRequest) (*paygate.Subscription, string, error)
		Subscriptions(ctx context.Context) ([]*paygate.Subscription, error)
		DeleteSubscription(ctx context.Context, id string) error
		Log(ctx context.Context, orderNo string) ([]gateway.NotificationLog, error)
		Resend(ctx context.Context, notifyID, idemKey string) (*paygate.Notification, error)
	}
	settlementService interface {
		Balances(ctx context.Context) ([]gateway.Balance, error)
		List(ctx context.Context, startingAfter, limit string) ([]*paygate.Settlement, string, error)
		Settlement(ctx context.Context, id string) (*paygate.Settlement, error)
		Items(ctx context.Context, id string, f func(*paygate.Settlement, paygate.SettlementItem) error) error
		CloseNow(ctx context.Context) ([]*paygate.Settlement, error)
	}
	connectorService interface {
		Webhook(ctx context.Context, name string, payload []byte, header http.Header) (replay bool, err error)
	}
	disputeService interface {
		List(ctx context.Context, startingAfter, limit string) ([]*paygate.Dispute, string, error)
		Dispute(ctx context.Context, id string) (*paygate.Dispute, error)
		SubmitEvidence(ctx context.Context, id string, req *wire.EvidenceRequest) (*paygate.Dispute, error)
	}
)

// services are the gateway services a Server calls.
type services struct {
	merchants     merchantService
	payments      paymentService
	sessions      sessionService
	storedCards   storedCardService
	tracking      trackingService
	notifications notificationService
	risk          riskService
	settlements   settlementService
	disputes      disputeService
	ready         func(context.Context) error
	circuits      func(context.Context) ([]gateway.ConnectorState, error)
	connectors    connectorService
}

func servicesOf(gw *gateway.Service) services {
	return services{merchants: gw.Merchants, payments: gw.Payments, sessions: gw.Checkout, storedCards: gw.StoredCards,
		tracking: gw.Tracking, notifications: gw.Notifications, risk: gw.Risk, settlements: gw.Settlements, disputes: gw.Disputes, ready: gw.Ready,
		circuits: gw.Connectors.States, connectors: gw.Connectors}
}
