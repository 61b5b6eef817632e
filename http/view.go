package http

import (
	"encoding/json"
	"fmt"
	"time"

	"paygate"
)

// The JSON shapes of the API. Field names follow the seed document; amounts
// are decimal strings with the currency's full number of fraction digits.

type paymentView struct {
	TradeNo               string          `json:"tradeNo"`
	OrderNo               string          `json:"orderNo"`
	Status                string          `json:"status"`
	Amount                string          `json:"amount"`
	Currency              string          `json:"currency"`
	CapturedAmount        string          `json:"capturedAmount"`
	RefundedAmount        string          `json:"refundedAmount"`
	PaymentMethodType     string          `json:"paymentMethodType"`
	CaptureMethod         string          `json:"captureMethod"`
	Description           string          `json:"description,omitempty"`
	BillingDesc           string          `json:"billingDesc,omitempty"`
	FraudMode             string          `json:"fraudMode"`
	NotificationURL       string          `json:"notificationUrl,omitempty"`
	FrontURL              string          `json:"frontUrl,omitempty"`
	Card                  *cardView       `json:"card,omitempty"`
	ThreeDS               *threeDSView    `json:"threeDs,omitempty"`
	Risk                  *riskView       `json:"risk,omitempty"`
	NextAction            *nextActionView `json:"nextAction,omitempty"`
	Wallet                *walletView     `json:"wallet,omitempty"`
	FailureCode           string          `json:"failureCode,omitempty"`
	FailureMessage        string          `json:"failureMessage,omitempty"`
	TransactionIdentifier string          `json:"transactionIdentifier,omitempty"`
	StoredCredential      *storedCredView `json:"storedCredential,omitempty"`
	SchemeTransactionID   string          `json:"schemeTransactionId,omitempty"`
	AuthCode              string          `json:"authCode,omitempty"`
	Metadata              json.RawMessage `json:"metadata,omitempty"`
	Billing               json.RawMessage `json:"billing,omitempty"`
	Shipping              json.RawMessage `json:"shipping,omitempty"`
	ProductInfo           json.RawMessage `json:"productInfo,omitempty"`
	CreatedAt             string          `json:"createdAt"`
	UpdatedAt             string          `json:"updatedAt"`
	AuthorizedAt          string          `json:"authorizedAt,omitempty"`
	ExpiresAt             string          `json:"expiresAt,omitempty"`
	Refunds               []refundView    `json:"refunds"`
	// Trackers is set by payment inquiry alone, so that notification data
	// and other answers stay as they were.
	Trackers []trackerView `json:"trackers,omitempty"`
}

type cardView struct {
	Brand       string `json:"brand"`
	BIN         string `json:"bin"`
	Last4       string `json:"last4"`
	ExpiryMonth string `json:"expiryMonth"`
	ExpiryYear  string `json:"expiryYear"`
	HolderName  string `json:"holderName,omitempty"`
}

type threeDSView struct {
	Mode                     string `json:"mode"`
	Version                  string `json:"version,omitempty"`
	ECI                      string `json:"eci,omitempty"`
	DSTransID                string `json:"dsTransId,omitempty"`
	AuthenticationResultCode string `json:"authenticationResultCode,omitempty"`
	LiabilityShift           bool   `json:"liabilityShift"`
}

type storedCredView struct {
	TransactionIdentifier string `json:"transactionIdentifier"`
	Reason                string `json:"reason,omitempty"`
	Initiator             string `json:"initiator"`
	Stored                bool   `json:"stored"`
}

type riskView struct {
	Decision string   `json:"decision"`
	Score    int      `json:"score"`
	Reasons  []string `json:"reasons"`
}

type nextActionView struct {
	Type        string            `json:"type"`
	URL         string            `json:"url,omitempty"`
	QRCode      string            `json:"qrCode,omitempty"`
	QRImageURL  string            `json:"qrImageUrl,omitempty"`
	SDKParams   map[string]string `json:"sdkParams,omitempty"`
	SimulateURL string            `json:"simulateUrl,omitempty"`
}

type refundView struct {
	RefundID        string `json:"refundId"`
	RefundNumber    string `json:"refundNumber"`
	TradeNo         string `json:"tradeNo"`
	OrderNo         string `json:"orderNo"`
	Status          string `json:"status"`
	Amount          string `json:"amount"`
	Currency        string `json:"currency"`
	Reason          string `json:"reason"`
	NotificationURL string `json:"notificationUrl,omitempty"`
	FailureCode     string `json:"failureCode,omitempty"`
	FailureMessage  string `json:"failureMessage,omitempty"`
	CreatedAt       string `json:"createdAt"`
	UpdatedAt       string `json:"updatedAt"`
}

type tokenView struct {
	AccessToken string `json:"accessToken"`
	TokenType   string `json:"tokenType"`
	ExpiresIn   int    `json:"expiresIn"`
}

type errorView struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Param     string `json:"param,omitempty"`
	RequestID string `json:"requestId"`
}

func timeString(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func optTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return timeString(*t)
}

func newPaymentView(p *paygate.Payment, refunds []*paygate.Refund) paymentView {
	v := paymentView{
		TradeNo: p.TradeNo, OrderNo: p.OrderNo, Status: string(p.Status),
		Amount: p.Amount.String(), Currency: p.Amount.Currency,
		CapturedAmount: p.Captured().String(), RefundedAmount: p.Refunded().String(),
		PaymentMethodType: p.PaymentMethodType, CaptureMethod: p.CaptureMethod,
		Description: p.Description, BillingDesc: p.BillingDesc, FraudMode: p.FraudMode,
		NotificationURL: p.NotificationURL, FrontURL: p.FrontURL,
		FailureCode: p.FailureCode, FailureMessage: p.FailureMessage,
		TransactionIdentifier: p.TransactionIdentifier, SchemeTransactionID: p.SchemeTransactionID, AuthCode: p.AuthCode,
		Metadata: p.Metadata, Billing: p.Billing, Shipping: p.Shipping, ProductInfo: p.ProductInfo,
		CreatedAt: timeString(p.CreatedAt), UpdatedAt: timeString(p.UpdatedAt),
		AuthorizedAt: optTime(p.AuthorizedAt), ExpiresAt: optTime(p.ExpiresAt),
		Refunds: []refundView{},
	}
	if c := p.Card; c != nil {
		v.Card = &cardView{Brand: c.Brand, BIN: c.BIN, Last4: c.Last4,
			ExpiryMonth: fmt.Sprintf("%02d", c.ExpiryMonth), ExpiryYear: fmt.Sprintf("%04d", c.ExpiryYear), HolderName: c.HolderName}
	}
	if t := p.ThreeDS; t != nil {
		v.ThreeDS = &threeDSView{Mode: t.Mode, Version: t.Version, ECI: t.ECI, DSTransID: t.DSTransID,
			AuthenticationResultCode: t.AuthenticationResultCode, LiabilityShift: t.LiabilityShift}
	}
	if sc := p.StoredCredential; sc != nil {
		v.StoredCredential = &storedCredView{TransactionIdentifier: sc.TransactionIdentifier, Reason: sc.Reason,
			Initiator: sc.Initiator, Stored: sc.Stored}
	}
	if r := p.Risk; r != nil {
		v.Risk = &riskView{Decision: r.Decision, Score: r.Score, Reasons: r.Reasons}
		if v.Risk.Reasons == nil {
			v.Risk.Reasons = []string{}
		}
	}
	if a := p.NextAction; a != nil {
		v.NextAction = &nextActionView{Type: a.Type, URL: a.URL, QRCode: a.QRCode, QRImageURL: a.QRImageURL,
			SDKParams: a.SDKParams, SimulateURL: a.SimulateURL}
	}
	v.Wallet = newWalletView(p.Wallet)
	for _, r := range refunds {
		v.Refunds = append(v.Refunds, newRefundView(r))
	}
	return v
}

func newRefundView(r *paygate.Refund) refundView {
	return refundView{RefundID: r.RefundID, RefundNumber: r.RefundNumber, TradeNo: r.TradeNo, OrderNo: r.OrderNo,
		Status: string(r.Status), Amount: r.Amount.String(), Currency: r.Amount.Currency, Reason: r.Reason,
		NotificationURL: r.NotificationURL, FailureCode: r.FailureCode, FailureMessage: r.FailureMessage,
		CreatedAt: timeString(r.CreatedAt), UpdatedAt: timeString(r.UpdatedAt)}
}
