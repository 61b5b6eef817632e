package paygate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// Payment is one order of a merchant and the money movement behind it.
// Amounts other than Amount are minor units in Amount.Currency.
//
// The json tags are the stored format: the stores keep a Payment as this JSON
// (testdata/stored_format.golden), so a tag must not change without a
// migration of the stored rows; a renamed Go field keeps its tag.
type Payment struct {
	TradeNo    string `json:"TradeNo"` // the gateway's id
	MerchantID string `json:"MerchantID"`
	OrderNo    string `json:"OrderNo"` // the merchant's id, unique per merchant
	Status     Status `json:"Status"`
	Version    int64  `json:"Version"`   // compare-and-set counter; stores refuse stale writes
	NotifySeq  int64  `json:"NotifySeq"` // the sequence of the order's last notification

	Amount         Money `json:"Amount"`
	CapturedMinor  int64 `json:"CapturedMinor"`  // captured so far (one capture per authorization)
	RefundedMinor  int64 `json:"RefundedMinor"`  // sum of succeeded refunds
	RefundingMinor int64 `json:"RefundingMinor"` // sum of refunds sent to the acquirer and not yet answered
	// FeeMinor is the provider's fee of the capture, set when it is
	// captured (docs/ledger.md); refunds do not return it.
	FeeMinor int64 `json:"FeeMinor,omitempty"`
	// DisputeID and DisputeStatus are the payment's dispute, if the
	// cardholder's bank raised one (at most one per payment).
	DisputeID     string        `json:"DisputeID,omitempty"`
	DisputeStatus DisputeStatus `json:"DisputeStatus,omitempty"`

	PaymentMethodType string        `json:"PaymentMethodType"`
	CaptureMethod     CaptureMethod `json:"CaptureMethod"`
	Description       string        `json:"Description"`
	BillingDesc       string        `json:"BillingDesc"`
	FraudMode         FraudMode     `json:"FraudMode"`
	NotificationURL   string        `json:"NotificationURL"`
	FrontURL          string        `json:"FrontURL"`

	Card       *CardDetails `json:"Card"`
	ThreeDS    *ThreeDS     `json:"ThreeDS"`
	Risk       *Risk        `json:"Risk"`
	NextAction *NextAction  `json:"NextAction"`
	Wallet     *Wallet      `json:"Wallet,omitempty"` // set for wallet and QR methods (not device wallets)
	// WalletAttempts counts the wallet attempts a cashier page opened, so
	// that each gets its own reference at the wallet.
	WalletAttempts int `json:"WalletAttempts,omitempty"`

	FailureCode    string `json:"FailureCode"`
	FailureMessage string `json:"FailureMessage"`

	TransactionIdentifier string            `json:"TransactionIdentifier"` // the stored card this payment stored or used
	StoredCredential      *StoredCredential `json:"StoredCredential"`      // set when a stored card is involved
	SchemeTransactionID   string            `json:"SchemeTransactionID"`   // the card network's id of the authorization
	AcquirerRef           string            `json:"AcquirerRef"`           // the acquirer's id for the authorization
	AuthCode              string            `json:"AuthCode"`
	// Connector is the connector chosen for the payment (the one that
	// processed it once it has an outcome); "" on payments from before
	// routing, which the built-in sandbox processed.
	Connector string `json:"Connector,omitempty"`
	// Attempts are the connectors tried for the authorization, in order.
	Attempts []ConnectorAttempt `json:"Attempts,omitempty"`

	// Request parts stored and returned as given (already validated).
	Billing     json.RawMessage `json:"Billing,omitempty"`
	Shipping    json.RawMessage `json:"Shipping,omitempty"`
	ProductInfo json.RawMessage `json:"ProductInfo,omitempty"`
	DeviceInfo  json.RawMessage `json:"DeviceInfo,omitempty"`
	Metadata    json.RawMessage `json:"Metadata,omitempty"`

	RequestHash string `json:"RequestHash"` // keyed hash of the creating request, for orderNo idempotency

	// SessionID is the checkout session the payment belongs to, if any.
	SessionID string `json:"SessionID,omitempty"`
	// PendingCard is the card sealed by the vault while the customer answers
	// a 3-D Secure challenge (the authorization comes after it); erased once
	// the payment moves on. Never the CVC.
	PendingCard []byte `json:"PendingCard,omitempty"`
	// WrongChallengeCodes counts the wrong one-time codes entered on the
	// 3-D Secure page; at the gateway's limit the authentication fails.
	WrongChallengeCodes int `json:"WrongChallengeCodes,omitempty"`
	// CardAttempts counts the cards tried on the cashier page; at the
	// gateway's limit a decline fails the payment and ends the checkout.
	CardAttempts int `json:"CardAttempts,omitempty"`
	// ClaimedUntil marks a call to a connector in progress (a card payment's
	// authorization, a cashier page's card, a capture or void), so a second
	// post, a connector's event or the sweep leaves the payment to it.
	ClaimedUntil *time.Time `json:"ClaimedUntil,omitempty"`

	CreatedAt    time.Time  `json:"CreatedAt"`
	UpdatedAt    time.Time  `json:"UpdatedAt"`
	AuthorizedAt *time.Time `json:"AuthorizedAt"`
	ExpiresAt    *time.Time `json:"ExpiresAt"` // when an unfinished or uncaptured payment expires
}

// CardDetails is what the gateway keeps of a card: never the full number or CVC.
//
// Its json tags are part of the stored format of Payment and must not change
// without a migration of the stored rows.
type CardDetails struct {
	Brand       string `json:"Brand"`
	BIN         string `json:"BIN"`
	Last4       string `json:"Last4"`
	ExpiryMonth int    `json:"ExpiryMonth"`
	ExpiryYear  int    `json:"ExpiryYear"`
	HolderName  string `json:"HolderName"`
	Fingerprint string `json:"Fingerprint"` // keyed HMAC of the PAN, for matching without storing it
}

// ThreeDS is the 3-D Secure result recorded on a payment.
//
// Its json tags are part of the stored format of Payment and must not change
// without a migration of the stored rows.
type ThreeDS struct {
	Mode                     ThreeDSMode `json:"Mode"`
	Version                  string      `json:"Version"`
	ECI                      string      `json:"ECI"`
	CAVV                     string      `json:"CAVV"`
	DSTransID                string      `json:"DSTransID"`
	XID                      string      `json:"XID"`
	AuthenticationResultCode string      `json:"AuthenticationResultCode"`
	LiabilityShift           bool        `json:"LiabilityShift"`
}

// Risk is the fraud screening decision recorded on a payment.
//
// Its json tags are part of the stored format of Payment and must not change
// without a migration of the stored rows.
type Risk struct {
	Decision string   `json:"Decision"` // "approve", "review" or "decline"
	Score    int      `json:"Score"`
	Reasons  []string `json:"Reasons"` // the reasons' codes
	// Details are the reasons with their sentences, in Reasons' order;
	// absent on payments decided before the risk engine (Reasons alone).
	Details []RiskReason `json:"Details,omitempty"`
}

// RiskReason is one reason of a risk decision: a stable code and a
// sentence.
type RiskReason struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

// NextAction tells the merchant what the customer must do next.
//
// Its json tags are part of the stored format of Payment and must not change
// without a migration of the stored rows.
type NextAction struct {
	Type       string `json:"Type"` // "redirect", "qr_code" or "sdk"
	URL        string `json:"URL"`
	QRCode     string `json:"QRCode"`
	QRImageURL string `json:"QRImageURL"`
	// SDKParams are what the wallet's app SDK or mini program API takes
	// (type "sdk").
	SDKParams map[string]string `json:"SDKParams,omitempty"`
	// SimulateURL is the sandbox wallet page where the shopper approves or
	// declines; set only with the sandbox connector.
	SimulateURL string `json:"SimulateURL,omitempty"`
}

// Transition moves p to status to at now, returning the event to record.
// It is the only code that changes a payment's status; a change the transition
// table does not allow is an invalid_state error naming the current status.
func (p *Payment) Transition(to Status, now time.Time, requestID string) (Event, error) {
	if !CanTransition(p.Status, to) {
		return Event{}, invalidState("payment", p.TradeNo, string(p.Status), string(to))
	}
	ev := Event{MerchantID: p.MerchantID, ObjectType: "payment", ObjectID: p.TradeNo,
		From: string(p.Status), To: string(to), RequestID: requestID, At: now}
	p.Status = to
	p.UpdatedAt = now
	return ev, nil
}

// Created returns the event recording the creation of p in its first status.
func (p *Payment) Created(requestID string) Event {
	return Event{MerchantID: p.MerchantID, ObjectType: "payment", ObjectID: p.TradeNo,
		To: string(p.Status), RequestID: requestID, At: p.CreatedAt}
}

// CardFingerprint is the vault's fingerprint of the payment's card number,
// or "" for a payment without a card. The stores keep it in a column of its
// own, so that risk rules can count a card's payments.
func (p *Payment) CardFingerprint() string {
	if p.Card == nil {
		return ""
	}
	return p.Card.Fingerprint
}

// MerchantCardFingerprint is the payment's card fingerprint as its merchant
// sees it: the vault's fingerprint hashed with the merchant's id, so that
// the same card shows the same value to one merchant and different values
// to two (merchants cannot link their customers by it); "" without a card.
func (p *Payment) MerchantCardFingerprint() string {
	fp := p.CardFingerprint()
	if fp == "" {
		return ""
	}
	h := sha256.Sum256([]byte(p.MerchantID + "|" + fp))
	return hex.EncodeToString(h[:])
}

// ClientIP is the customer's IP address the merchant sent as
// deviceInfo.clientIp, or "". The stores keep it in a column of its own, so
// that risk rules can count an address's payments. The key is matched
// exactly, as the stores' migrations read it from stored rows.
func (p *Payment) ClientIP() string {
	var device map[string]json.RawMessage
	if json.Unmarshal(p.DeviceInfo, &device) != nil {
		return ""
	}
	var ip string
	if json.Unmarshal(device["clientIp"], &ip) != nil {
		return ""
	}
	return ip
}

// Email is the customer's email the merchant sent as billing.email, lower
// case, or "". The stores keep it in a column of its own, for the risk
// engine's velocities.
func (p *Payment) Email() string {
	return strings.ToLower(jsonString(p.Billing, "email"))
}

// DeviceID is the device id the merchant sent as deviceInfo.deviceId, or
// "". The stores keep it in a column of its own, as Email.
func (p *Payment) DeviceID() string { return jsonString(p.DeviceInfo, "deviceId") }

// jsonString is the string under key of a JSON object, or "".
func jsonString(obj json.RawMessage, key string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(obj, &m) != nil {
		return ""
	}
	var v string
	if json.Unmarshal(m[key], &v) != nil {
		return ""
	}
	return v
}

// Refund returns money of a captured payment to the customer.
//
// The json tags are the stored format: the stores keep a Refund as this JSON
// (testdata/stored_format.golden), so a tag must not change without a
// migration of the stored rows; a renamed Go field keeps its tag.
type Refund struct {
	RefundID     string       `json:"RefundID"`
	MerchantID   string       `json:"MerchantID"`
	RefundNumber string       `json:"RefundNumber"` // the merchant's id, unique per merchant
	TradeNo      string       `json:"TradeNo"`
	OrderNo      string       `json:"OrderNo"`
	Status       RefundStatus `json:"Status"`
	Version      int64        `json:"Version"`

	Amount          Money  `json:"Amount"`
	Reason          string `json:"Reason"`
	ClientIP        string `json:"ClientIP"`
	NotificationURL string `json:"NotificationURL"`
	FailureCode     string `json:"FailureCode"`
	FailureMessage  string `json:"FailureMessage"`
	AcquirerRef     string `json:"AcquirerRef"`
	RequestHash     string `json:"RequestHash"`

	CreatedAt time.Time `json:"CreatedAt"`
	UpdatedAt time.Time `json:"UpdatedAt"`
}

// Transition moves r to status to, like Payment.Transition.
func (r *Refund) Transition(to RefundStatus, now time.Time, requestID string) (Event, error) {
	if !allowed(refundTransitions, r.Status, to) {
		return Event{}, invalidState("refund", r.RefundID, string(r.Status), string(to))
	}
	ev := Event{MerchantID: r.MerchantID, ObjectType: "refund", ObjectID: r.RefundID,
		From: string(r.Status), To: string(to), RequestID: requestID, At: now}
	r.Status = to
	r.UpdatedAt = now
	return ev, nil
}

// Created returns the event recording the creation of r.
func (r *Refund) Created(requestID string) Event {
	return Event{MerchantID: r.MerchantID, ObjectType: "refund", ObjectID: r.RefundID,
		To: string(r.Status), RequestID: requestID, At: r.CreatedAt}
}
