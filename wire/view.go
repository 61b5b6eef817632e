package wire

import (
	"encoding/json"
	"fmt"
	"time"

	"paygate"
)

// PaymentView is a payment as inquiry answers it.
type PaymentView struct {
	TradeNo               string                 `json:"tradeNo"`
	OrderNo               string                 `json:"orderNo"`
	Status                string                 `json:"status"`
	Amount                string                 `json:"amount"`
	Currency              string                 `json:"currency"`
	CapturedAmount        string                 `json:"capturedAmount"`
	RefundedAmount        string                 `json:"refundedAmount"`
	Fee                   string                 `json:"fee,omitempty"` // of the capture; set once captured
	Net                   string                 `json:"net,omitempty"` // captured less the fee
	DisputeID             string                 `json:"disputeId,omitempty"`
	DisputeStatus         string                 `json:"disputeStatus,omitempty"`
	PaymentMethodType     string                 `json:"paymentMethodType"`
	CaptureMethod         string                 `json:"captureMethod"`
	Description           string                 `json:"description,omitempty"`
	BillingDesc           string                 `json:"billingDesc,omitempty"`
	FraudMode             string                 `json:"fraudMode"`
	NotificationURL       string                 `json:"notificationUrl,omitempty"`
	FrontURL              string                 `json:"frontUrl,omitempty"`
	Card                  *CardView              `json:"card,omitempty"`
	ThreeDS               *ThreeDSView           `json:"threeDs,omitempty"`
	Risk                  *RiskView              `json:"risk,omitempty"`
	NextAction            *NextActionView        `json:"nextAction,omitempty"`
	Wallet                *WalletView            `json:"wallet,omitempty"`
	FailureCode           string                 `json:"failureCode,omitempty"`
	FailureMessage        string                 `json:"failureMessage,omitempty"`
	TransactionIdentifier string                 `json:"transactionIdentifier,omitempty"`
	StoredCredential      *StoredCredView        `json:"storedCredential,omitempty"`
	SchemeTransactionID   string                 `json:"schemeTransactionId,omitempty"`
	AuthCode              string                 `json:"authCode,omitempty"`
	Connector             string                 `json:"connector,omitempty"`
	Attempts              []ConnectorAttemptView `json:"attempts,omitempty"`
	Metadata              json.RawMessage        `json:"metadata,omitempty"`
	Billing               json.RawMessage        `json:"billing,omitempty"`
	Shipping              json.RawMessage        `json:"shipping,omitempty"`
	ProductInfo           json.RawMessage        `json:"productInfo,omitempty"`
	DeviceInfo            json.RawMessage        `json:"deviceInfo,omitempty"`
	CreatedAt             string                 `json:"createdAt"`
	UpdatedAt             string                 `json:"updatedAt"`
	AuthorizedAt          string                 `json:"authorizedAt,omitempty"`
	ExpiresAt             string                 `json:"expiresAt,omitempty"`
	Refunds               []RefundView           `json:"refunds"`
	// Trackers is set by payment inquiry alone, so that notification data
	// and other answers stay as they were.
	Trackers []TrackerView `json:"trackers,omitempty"`
}

// ConnectorAttemptView is one connector tried for a payment's authorization.
type ConnectorAttemptView struct {
	Connector string `json:"connector"`
	Outcome   string `json:"outcome"`
	Code      string `json:"code,omitempty"`
	LatencyMs int64  `json:"latencyMs"`
	At        string `json:"at"`
}

// CardView is the masked card of a payment: never the number or the CVC.
type CardView struct {
	Brand       string `json:"brand"`
	BIN         string `json:"bin"`
	Last4       string `json:"last4"`
	ExpiryMonth string `json:"expiryMonth"`
	ExpiryYear  string `json:"expiryYear"`
	HolderName  string `json:"holderName,omitempty"`
	// Fingerprint identifies the card number to its merchant without
	// revealing it (Payment.MerchantCardFingerprint), for the risk engine's
	// cardFingerprint list.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// ThreeDSView is a payment's 3-D Secure outcome.
type ThreeDSView struct {
	Mode                     string `json:"mode"`
	Version                  string `json:"version,omitempty"`
	ECI                      string `json:"eci,omitempty"`
	DSTransID                string `json:"dsTransId,omitempty"`
	AuthenticationResultCode string `json:"authenticationResultCode,omitempty"`
	LiabilityShift           bool   `json:"liabilityShift"`
}

// StoredCredView says whether the payment stored its card, or used one.
type StoredCredView struct {
	TransactionIdentifier string `json:"transactionIdentifier"`
	Reason                string `json:"reason,omitempty"`
	Initiator             string `json:"initiator"`
	Stored                bool   `json:"stored"`
}

// RiskView is the risk engine's verdict on a payment.
type RiskView struct {
	Decision string           `json:"decision"`
	Score    int              `json:"score"`
	Reasons  []RiskReasonView `json:"reasons"`
}

// RiskReasonView is one reason of a verdict: a stable code and a sentence.
type RiskReasonView struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// reasonMessages are the sentences of the reasons payments decided before
// the risk engine kept as codes alone.
var reasonMessages = map[string]string{
	"card_on_risk_list": "the card is on the acquirer's risk list",
}

// NewRiskView is how a payment's risk decision is shown.
func NewRiskView(r *paygate.Risk) *RiskView {
	v := &RiskView{Decision: r.Decision, Score: r.Score, Reasons: []RiskReasonView{}}
	if len(r.Details) > 0 {
		for _, d := range r.Details {
			v.Reasons = append(v.Reasons, RiskReasonView{Code: d.Code, Message: d.Message})
		}
		return v
	}
	for _, code := range r.Reasons {
		msg := reasonMessages[code]
		if msg == "" {
			msg = code
		}
		v.Reasons = append(v.Reasons, RiskReasonView{Code: code, Message: msg})
	}
	return v
}

// RiskListEntryView is an entry of a merchant's risk list.
type RiskListEntryView struct {
	ID        string `json:"id"`
	List      string `json:"list"`
	Value     string `json:"value"`
	Note      string `json:"note"`
	CreatedAt string `json:"createdAt"`
}

// NewRiskListEntryView shows a list entry.
func NewRiskListEntryView(e *paygate.RiskListEntry) RiskListEntryView {
	return RiskListEntryView{ID: e.ID, List: e.List, Value: e.Value, Note: e.Note, CreatedAt: TimeString(e.CreatedAt)}
}

// RiskListPage is a page of a risk list.
type RiskListPage struct {
	Data       []RiskListEntryView `json:"data"`
	HasMore    bool                `json:"hasMore"`
	NextCursor string              `json:"nextCursor,omitempty"`
}

// RiskRuleView is one of a merchant's risk rules.
type RiskRuleView struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Expression string `json:"expression"`
	Action     string `json:"action"`
	Enabled    bool   `json:"enabled"`
	CreatedAt  string `json:"createdAt"`
}

// NewRiskRuleView shows a rule.
func NewRiskRuleView(r *paygate.RiskRule) RiskRuleView {
	return RiskRuleView{ID: r.ID, Name: r.Name, Expression: r.Expression, Action: r.Action, Enabled: r.Enabled,
		CreatedAt: TimeString(r.CreatedAt)}
}

// RiskRuleList is a merchant's rules.
type RiskRuleList struct {
	Data []RiskRuleView `json:"data"`
}

// NextActionView is what the customer must do next (a redirect, a QR
// code, an SDK call).
type NextActionView struct {
	Type        string            `json:"type"`
	URL         string            `json:"url,omitempty"`
	QRCode      string            `json:"qrCode,omitempty"`
	QRImageURL  string            `json:"qrImageUrl,omitempty"`
	SDKParams   map[string]string `json:"sdkParams,omitempty"`
	SimulateURL string            `json:"simulateUrl,omitempty"`
}

// RefundView is a refund as refund inquiry answers it.
type RefundView struct {
	RefundID        string `json:"refundId"`
	RefundNumber    string `json:"refundNumber"`
	TradeNo         string `json:"tradeNo"`
	OrderNo         string `json:"orderNo"`
	Status          string `json:"status"`
	Amount          string `json:"amount"`
	Currency        string `json:"currency"`
	Reason          string `json:"reason"`
	ClientIP        string `json:"clientIp,omitempty"`
	NotificationURL string `json:"notificationUrl,omitempty"`
	FailureCode     string `json:"failureCode,omitempty"`
	FailureMessage  string `json:"failureMessage,omitempty"`
	CreatedAt       string `json:"createdAt"`
	UpdatedAt       string `json:"updatedAt"`
}

// TokenView is the answer of POST /v1/auth/token.
type TokenView struct {
	AccessToken string `json:"accessToken"`
	TokenType   string `json:"tokenType"`
	ExpiresIn   int    `json:"expiresIn"`
}

// ErrorView is the body of every error answer.
type ErrorView struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody is the error inside ErrorView.
type ErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Param     string `json:"param,omitempty"`
	RequestID string `json:"requestId"`
}

// TimeString is how the API writes a time: UTC, RFC 3339.
func TimeString(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// OptTime is TimeString of t, or "" for none.
func OptTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return TimeString(*t)
}

// NewPaymentView renders a payment, with its refunds when given.
func NewPaymentView(p *paygate.Payment, refunds []*paygate.Refund) PaymentView {
	v := PaymentView{
		TradeNo: p.TradeNo, OrderNo: p.OrderNo, Status: string(p.Status),
		Amount: p.Amount.String(), Currency: p.Amount.Currency,
		CapturedAmount: p.Captured().String(), RefundedAmount: p.Refunded().String(),
		PaymentMethodType: p.PaymentMethodType, CaptureMethod: string(p.CaptureMethod),
		Description: p.Description, BillingDesc: p.BillingDesc, FraudMode: string(p.FraudMode),
		NotificationURL: p.NotificationURL, FrontURL: p.FrontURL,
		FailureCode: p.FailureCode, FailureMessage: p.FailureMessage,
		TransactionIdentifier: p.TransactionIdentifier, SchemeTransactionID: p.SchemeTransactionID, AuthCode: p.AuthCode,
		Metadata: p.Metadata, Billing: p.Billing, Shipping: p.Shipping, ProductInfo: p.ProductInfo, DeviceInfo: p.DeviceInfo,
		CreatedAt: TimeString(p.CreatedAt), UpdatedAt: TimeString(p.UpdatedAt),
		AuthorizedAt: OptTime(p.AuthorizedAt), ExpiresAt: OptTime(p.ExpiresAt),
		Refunds: []RefundView{},
	}
	if c := p.Card; c != nil {
		v.Card = &CardView{Brand: c.Brand, BIN: c.BIN, Last4: c.Last4,
			ExpiryMonth: fmt.Sprintf("%02d", c.ExpiryMonth), ExpiryYear: fmt.Sprintf("%04d", c.ExpiryYear), HolderName: c.HolderName,
			Fingerprint: p.MerchantCardFingerprint()}
	}
	if t := p.ThreeDS; t != nil {
		v.ThreeDS = &ThreeDSView{Mode: string(t.Mode), Version: t.Version, ECI: t.ECI, DSTransID: t.DSTransID,
			AuthenticationResultCode: t.AuthenticationResultCode, LiabilityShift: t.LiabilityShift}
	}
	if sc := p.StoredCredential; sc != nil {
		v.StoredCredential = &StoredCredView{TransactionIdentifier: sc.TransactionIdentifier, Reason: sc.Reason,
			Initiator: sc.Initiator, Stored: sc.Stored}
	}
	if r := p.Risk; r != nil {
		v.Risk = NewRiskView(r)
	}
	if a := p.NextAction; a != nil {
		v.NextAction = &NextActionView{Type: a.Type, URL: a.URL, QRCode: a.QRCode, QRImageURL: a.QRImageURL,
			SDKParams: a.SDKParams, SimulateURL: a.SimulateURL}
	}
	if p.CapturedMinor > 0 {
		v.Fee = paygate.Money{Minor: p.FeeMinor, Currency: p.Amount.Currency}.String()
		v.Net = paygate.Money{Minor: p.CapturedMinor - p.FeeMinor, Currency: p.Amount.Currency}.String()
	}
	v.DisputeID, v.DisputeStatus = p.DisputeID, string(p.DisputeStatus)
	v.Connector = p.Connector
	for _, a := range p.Attempts {
		v.Attempts = append(v.Attempts, ConnectorAttemptView{Connector: a.Connector, Outcome: a.Outcome, Code: a.Code, LatencyMs: a.LatencyMs,
			At: TimeString(a.At)})
	}
	v.Wallet = NewWalletView(p.Wallet)
	for _, r := range refunds {
		v.Refunds = append(v.Refunds, NewRefundView(r))
	}
	return v
}

// NewRefundView renders a refund.
func NewRefundView(r *paygate.Refund) RefundView {
	return RefundView{RefundID: r.RefundID, RefundNumber: r.RefundNumber, TradeNo: r.TradeNo, OrderNo: r.OrderNo,
		Status: string(r.Status), Amount: r.Amount.String(), Currency: r.Amount.Currency, Reason: r.Reason,
		ClientIP: r.ClientIP, NotificationURL: r.NotificationURL, FailureCode: r.FailureCode, FailureMessage: r.FailureMessage,
		CreatedAt: TimeString(r.CreatedAt), UpdatedAt: TimeString(r.UpdatedAt)}
}

// PaymentListView is a page of GET /v1/payments: newest first; nextCursor
// (with hasMore) continues it.
type PaymentListView struct {
	Data       []PaymentView `json:"data"`
	HasMore    bool          `json:"hasMore"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

// RefundListView is a page of GET /v1/refunds, as PaymentListView.
type RefundListView struct {
	Data       []RefundView `json:"data"`
	HasMore    bool         `json:"hasMore"`
	NextCursor string       `json:"nextCursor,omitempty"`
}
