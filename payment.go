package paygate

import (
	"encoding/json"
	"time"
)

// MethodCard is the card payment method type; the wallets' are in wallet.go.
const MethodCard = "card"

// Payment is one order of a merchant and the money movement behind it.
// Amounts other than Amount are minor units in Amount.Currency.
type Payment struct {
	TradeNo    string // the gateway's id
	MerchantID string
	OrderNo    string // the merchant's id, unique per merchant
	Status     Status
	Version    int64 // compare-and-set counter; stores refuse stale writes
	NotifySeq  int64 // the sequence of the order's last notification

	Amount         Money
	CapturedMinor  int64 // captured so far (one capture per authorization)
	RefundedMinor  int64 // sum of succeeded refunds
	RefundingMinor int64 // sum of refunds sent to the acquirer and not yet answered

	PaymentMethodType string
	CaptureMethod     CaptureMethod
	Description       string
	BillingDesc       string
	FraudMode         FraudMode
	NotificationURL   string
	FrontURL          string

	Card       *CardDetails
	ThreeDS    *ThreeDS
	Risk       *Risk
	NextAction *NextAction
	Wallet     *Wallet `json:",omitempty"` // set for wallet and QR methods (not device wallets)
	// WalletAttempts counts the wallet attempts a cashier page opened, so
	// that each gets its own reference at the wallet.
	WalletAttempts int `json:",omitempty"`

	FailureCode    string
	FailureMessage string

	TransactionIdentifier string            // the stored card this payment stored or used
	StoredCredential      *StoredCredential // set when a stored card is involved
	SchemeTransactionID   string            // the card network's id of the authorization
	AcquirerRef           string            // the acquirer's id for the authorization
	AuthCode              string

	// Request parts stored and returned as given (already validated).
	Billing     json.RawMessage `json:",omitempty"`
	Shipping    json.RawMessage `json:",omitempty"`
	ProductInfo json.RawMessage `json:",omitempty"`
	DeviceInfo  json.RawMessage `json:",omitempty"`
	Metadata    json.RawMessage `json:",omitempty"`

	RequestHash string // keyed hash of the creating request, for orderNo idempotency

	// SessionID is the checkout session the payment belongs to, if any.
	SessionID string `json:",omitempty"`
	// PendingCard is the card sealed by the vault while the customer answers
	// a 3-D Secure challenge (the authorization comes after it); erased once
	// the payment moves on. Never the CVC.
	PendingCard []byte `json:",omitempty"`
	// WrongChallengeCodes counts the wrong one-time codes entered on the
	// 3-D Secure page; at the gateway's limit the authentication fails.
	WrongChallengeCodes int `json:",omitempty"`
	// ClaimedUntil marks a cashier-page payment attempt in progress, so a
	// second post (another tab, a double click) cannot charge twice.
	ClaimedUntil *time.Time `json:",omitempty"`

	CreatedAt    time.Time
	UpdatedAt    time.Time
	AuthorizedAt *time.Time
	ExpiresAt    *time.Time // when an unfinished or uncaptured payment expires
}

// CardDetails is what the gateway keeps of a card: never the full number or CVC.
type CardDetails struct {
	Brand       string
	BIN         string
	Last4       string
	ExpiryMonth int
	ExpiryYear  int
	HolderName  string
	Fingerprint string // keyed HMAC of the PAN, for matching without storing it
}

// ThreeDS is the 3-D Secure result recorded on a payment.
type ThreeDS struct {
	Mode                     ThreeDSMode
	Version                  string
	ECI                      string
	CAVV                     string
	DSTransID                string
	XID                      string
	AuthenticationResultCode string
	LiabilityShift           bool
}

// Risk is the fraud screening decision recorded on a payment.
type Risk struct {
	Decision string // "approve" or "decline"
	Score    int
	Reasons  []string
}

// NextAction tells the merchant what the customer must do next.
type NextAction struct {
	Type       string // "redirect", "qr_code" or "sdk"
	URL        string
	QRCode     string
	QRImageURL string
	// SDKParams are what the wallet's app SDK or mini program API takes
	// (type "sdk").
	SDKParams map[string]string `json:",omitempty"`
	// SimulateURL is the sandbox wallet page where the shopper approves or
	// declines; set only with the sandbox connector.
	SimulateURL string `json:",omitempty"`
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

// Refund returns money of a captured payment to the customer.
type Refund struct {
	RefundID     string
	MerchantID   string
	RefundNumber string // the merchant's id, unique per merchant
	TradeNo      string
	OrderNo      string
	Status       RefundStatus
	Version      int64

	Amount          Money
	Reason          string
	ClientIP        string
	NotificationURL string
	FailureCode     string
	FailureMessage  string
	AcquirerRef     string
	RequestHash     string

	CreatedAt time.Time
	UpdatedAt time.Time
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
