package dashboard

import (
	"context"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/wire"
)

// The gateway as the dashboard sees it: each service as the methods its
// pages call. Actions go through the same methods as the API's.
type (
	userService interface {
		SignIn(ctx context.Context, email, password, client, device string) (*gateway.SignInResult, error)
		Session(ctx context.Context, token string) (*gateway.SignedIn, error)
		SignOut(ctx context.Context, token string) error
		SetupUser(ctx context.Context, token string) (*paygate.User, error)
		SetPassword(ctx context.Context, token, password string) (*paygate.User, error)
		CSRFToken(us *paygate.UserSession) string
		CheckCSRF(us *paygate.UserSession, token string) bool
		FormToken(bind string) string
		NewFormKey() string
		CheckFormToken(bind, token string) bool
		Record(ctx context.Context, who *gateway.SignedIn, merchantID, action, object, ip string, outcome error) error
		AuditLog(ctx context.Context, who *gateway.SignedIn, before string) ([]*paygate.AuditEntry, error)
	}
	paymentService interface {
		List(ctx context.Context, q *wire.PaymentListQuery) (*gateway.PaymentList, error)
		Payment(ctx context.Context, r wire.OrderRef) (*paygate.Payment, []*paygate.Refund, error)
		Detail(ctx context.Context, tradeNo string) (*gateway.PaymentDetail, error)
		Overview(ctx context.Context) (*gateway.Overview, error)
		Find(ctx context.Context, ref string) ([]*paygate.Payment, error)
		Capture(ctx context.Context, req *wire.CaptureRequest, idemKey string) (*paygate.Payment, error)
		Cancel(ctx context.Context, req *wire.CancelRequest, idemKey string) (*paygate.Payment, error)
		CreateRefund(ctx context.Context, req *wire.RefundRequest) (*paygate.Refund, bool, error)
	}
	riskService interface {
		AddListEntry(ctx context.Context, list, value, note string) (*paygate.RiskListEntry, bool, error)
		ListEntries(ctx context.Context, list, limit, after string) ([]*paygate.RiskListEntry, string, error)
		DeleteListEntry(ctx context.Context, list, id string) error
		AddRule(ctx context.Context, req *wire.RiskRuleRequest) (*paygate.RiskRule, error)
		Rules(ctx context.Context) ([]*paygate.RiskRule, error)
		SetRuleEnabled(ctx context.Context, id string, enabled bool) (*paygate.RiskRule, error)
		DeleteRule(ctx context.Context, id string) error
		ScreenAll(ctx context.Context) (bool, error)
		SetScreenAll(ctx context.Context, on bool) error
	}
	merchantService interface {
		CreateMerchantForm(ctx context.Context, name, formKey string) (*gateway.NewMerchant, error)
		ListMerchants(ctx context.Context, after string, limit int) ([]gateway.MerchantInfo, error)
		Merchant(ctx context.Context, id string) (gateway.MerchantInfo, error)
		SetDisabled(ctx context.Context, id string, disabled bool) (gateway.MerchantInfo, error)
		RotateSecretForm(ctx context.Context, id string, grace time.Duration, formKey string) (*gateway.RotatedSecret, error)
		RotateNotifySecretForm(ctx context.Context, id string, grace time.Duration, formKey string) (*gateway.RotatedNotifySecret, error)
		TestCards() []acquirer.TestCard
	}
	notificationService interface {
		Resend(ctx context.Context, notifyID, idemKey string) (*paygate.Notification, error)
		CreateSubscriptionForm(ctx context.Context, req *wire.SubscriptionRequest, formKey string) (*paygate.Subscription, string, error)
		Subscriptions(ctx context.Context) ([]*paygate.Subscription, error)
		DeleteSubscription(ctx context.Context, id string) error
		Deliveries(ctx context.Context, subscriptionID string) (*paygate.Subscription, []*paygate.Notification, error)
	}
)
