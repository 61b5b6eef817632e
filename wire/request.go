package wire

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"

	"paygate"
)

// Request bodies as the interface document gives them: every field a string as the
// merchant sends it; validation turns them into domain values.

// Metadata is the merchant's key-value pairs on a request (metadata, and
// its alias matedata). It reads as a map of strings does, but refuses a null
// value, which encoding/json would store as "": the merchant would read back
// a value it never sent. A null metadata as a whole is none, as before.
type Metadata map[string]string

// UnmarshalJSON reads a JSON object of strings into m as encoding/json
// reads one into a map[string]string, but for a null value: that is a
// *json.UnmarshalTypeError naming its key, as a value of another kind is,
// and m is left as it was.
func (m *Metadata) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*m = nil
		return nil
	}
	var raw map[string]*string
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	// Sorted, so the same body always names the same key.
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if raw[k] == nil {
			return &json.UnmarshalTypeError{Value: "null", Type: reflect.TypeFor[string](), Field: k}
		}
	}
	if *m == nil {
		*m = make(Metadata, len(raw))
	}
	for k, v := range raw {
		(*m)[k] = *v
	}
	return nil
}

// Or resolves metadata and its alias (the request's matedata), the one
// rule for every request that takes both: either may be given, and both is
// invalid_parameter on the alias, since which one the merchant meant
// cannot be told.
func (m Metadata) Or(alias Metadata) (Metadata, error) {
	if m != nil && alias != nil {
		return nil, errBothAliases("metadata", "matedata")
	}
	if m == nil {
		return alias, nil
	}
	return m, nil
}

// errBothAliases refuses a request that gives a field and its alias.
func errBothAliases(name, alias string) error {
	return paygate.InvalidParam(alias, "give %s or %s, not both", name, alias)
}

// MetadataValue is a metadata field that takes a string or an object of
// strings (paypal.metadata, a tracker's metadata): the interface document
// declares no type for these and its examples send strings ("K-V"). Text
// holds a string, Pairs an object; the zero value is none. It is written
// back as it was sent.
type MetadataValue struct {
	Text  string
	Pairs Metadata
}

// UnmarshalJSON reads a string, an object of strings (a null value in it
// refused as Metadata refuses it) or null (none); any other kind is a
// *json.UnmarshalTypeError.
func (m *MetadataValue) UnmarshalJSON(data []byte) error {
	switch {
	case string(data) == "null":
		*m = MetadataValue{}
		return nil
	case len(data) > 0 && data[0] == '"':
		*m = MetadataValue{}
		return json.Unmarshal(data, &m.Text)
	case len(data) > 0 && data[0] == '{':
		*m = MetadataValue{}
		return m.Pairs.UnmarshalJSON(data)
	}
	return &json.UnmarshalTypeError{Value: "value", Type: reflect.TypeFor[MetadataValue]()}
}

// MarshalJSON writes the string or the object; null for none.
func (m MetadataValue) MarshalJSON() ([]byte, error) {
	if m.Pairs != nil {
		return json.Marshal(map[string]string(m.Pairs))
	}
	if m.Text != "" {
		return json.Marshal(m.Text)
	}
	return []byte("null"), nil
}

// IsZero reports whether no metadata was given (an empty string is none,
// as every empty string of a request is).
func (m MetadataValue) IsZero() bool { return m.Text == "" && len(m.Pairs) == 0 }

// Or resolves a MetadataValue and its alias as Metadata.Or does.
func (m MetadataValue) Or(alias MetadataValue) (MetadataValue, error) {
	if !m.IsZero() && !alias.IsZero() {
		return MetadataValue{}, errBothAliases("metadata", "matedata")
	}
	if m.IsZero() {
		return alias, nil
	}
	return m, nil
}

// CreatePaymentRequest is the body of POST /v1/payments.
type CreatePaymentRequest struct {
	Amount            string          `json:"amount"`
	Currency          string          `json:"currency"`
	OrderNo           string          `json:"orderNo"`
	PaymentMethodType string          `json:"paymentMethodType"`
	CaptureMethod     string          `json:"captureMethod,omitempty"`
	Description       string          `json:"description,omitempty"`
	BillingDesc       string          `json:"billingDesc,omitempty"`
	ExpiryTime        string          `json:"expiryTime,omitempty"`
	FraudMode         string          `json:"fraudMode,omitempty"`
	FrontURL          string          `json:"frontUrl,omitempty"`
	NotificationURL   string          `json:"notificationUrl,omitempty"`
	ThreeDsMode       string          `json:"threeDsMode,omitempty"`
	Card              *CardInput      `json:"card,omitempty"`
	Wechat            *WechatInput    `json:"wechat,omitempty"`
	Alipay            *AlipayInput    `json:"alipay,omitempty"`
	AlipayPlus        *AlipayInput    `json:"alipayPlus,omitempty"`
	Upay              *UpayInput      `json:"upay,omitempty"`
	PayNow            *QRInput        `json:"payNow,omitempty"`
	GrabPay           *QRInput        `json:"grabPay,omitempty"`
	ShopeePay         *QRInput        `json:"shopeePay,omitempty"`
	PayPal            *PayPalInput    `json:"paypal,omitempty"`
	ApplePay          *ApplePayInput  `json:"applePay,omitempty"`
	GooglePay         *GooglePayInput `json:"googlePay,omitempty"`
	ThreeDsData       *ThreeDsData    `json:"threeDsData,omitempty"`
	Billing           *Billing        `json:"billing,omitempty"`
	Shipping          *Shipping       `json:"shipping,omitempty"`
	ProductInfo       []ProductInfo   `json:"productInfo,omitempty"`
	DeviceInfo        *DeviceInfo     `json:"deviceInfo,omitempty"`
	Metadata          Metadata        `json:"metadata,omitempty"`
	// Matedata is the interface document's spelling of metadata, accepted as an alias.
	Matedata Metadata `json:"matedata,omitempty"`
}

// CardInput is the card object of a payment request. It lives only in memory.
type CardInput struct {
	CaptureMethod string `json:"captureMethod,omitempty"`
	CardNo        string `json:"cardNo"`
	CVC           string `json:"cvc"`
	ExpiryMonth   string `json:"expiryMonth"`
	ExpiryYear    string `json:"expiryYear"`
	FirstName     string `json:"firstName,omitempty"`
	LastName      string `json:"lastName,omitempty"`
}

// ThreeDsData is a 3-D Secure result the merchant obtained itself.
type ThreeDsData struct {
	AuthenticationResultCode string `json:"authenticationResultCode,omitempty"`
	Cavv                     string `json:"cavv,omitempty"`
	DsTransID                string `json:"dsTransId,omitempty"`
	DsVersion                string `json:"dsVersion,omitempty"`
	Eci                      string `json:"eci,omitempty"`
	Xid                      string `json:"xid,omitempty"`
}

// Address is a postal address.
type Address struct {
	City     string `json:"city,omitempty"`
	Country  string `json:"country,omitempty"`
	Line1    string `json:"line1,omitempty"`
	Line2    string `json:"line2,omitempty"`
	Line3    string `json:"line3,omitempty"`
	Postcode string `json:"postcode,omitempty"`
	State    string `json:"state,omitempty"`
}

// Phone is a phone number with its country calling code.
type Phone struct {
	CountryCode string `json:"countryCode,omitempty"`
	Number      string `json:"number,omitempty"`
}

// Billing is the payer's billing details.
type Billing struct {
	Address                 *Address `json:"address,omitempty"`
	Birthday                string   `json:"birthday,omitempty"`
	CustomerInitiatedReason string   `json:"customerInitiatedReason,omitempty"`
	Email                   string   `json:"email,omitempty"`
	Phone                   *Phone   `json:"phone,omitempty"`
	StoredCredentials       string   `json:"storedcredentials,omitempty"`
}

// Shipping is where the goods go.
type Shipping struct {
	Address    *Address `json:"address,omitempty"`
	Carrier    string   `json:"carrier,omitempty"`
	Email      string   `json:"email,omitempty"`
	FirstName  string   `json:"firstName,omitempty"`
	LastName   string   `json:"lastName,omitempty"`
	Phone      *Phone   `json:"phone,omitempty"`
	TrackingNo string   `json:"trackingNo,omitempty"`
}

// ProductInfo is one line of the order.
type ProductInfo struct {
	Price       string `json:"price,omitempty"`
	ProductName string `json:"productName,omitempty"`
	Quantity    string `json:"quantity,omitempty"`
	SKU         string `json:"sku,omitempty"`
}

// DeviceInfo describes the customer's device, for risk and 3-D Secure.
type DeviceInfo struct {
	Browser  *Browser  `json:"browser,omitempty"`
	ClientIP string    `json:"clientIp,omitempty"`
	DeviceID string    `json:"deviceId,omitempty"`
	Language string    `json:"language,omitempty"`
	Location *Location `json:"location,omitempty"`
	Mobile   *Mobile   `json:"mobile,omitempty"`
}

// Browser describes the customer's browser.
type Browser struct {
	AcceptHeader     string `json:"acceptHeader,omitempty"`
	ColorDepth       string `json:"colorDepth,omitempty"`
	JavaEnable       *bool  `json:"javaEnable,omitempty"`
	JavascriptEnable *bool  `json:"javascriptEnable,omitempty"`
	ScreenHeight     string `json:"screenHeight,omitempty"`
	ScreenWidth      string `json:"screenWidth,omitempty"`
	SessionID        string `json:"sessionId,omitempty"`
	TimeZone         string `json:"timeZone,omitempty"`
	UserAgent        string `json:"userAgent,omitempty"`
}

// Location is a latitude and longitude as decimal strings.
type Location struct {
	Lat string `json:"lat,omitempty"`
	Lon string `json:"lon,omitempty"`
}

// Mobile describes a mobile device.
type Mobile struct {
	DeviceModel string `json:"deviceModel,omitempty"`
	OsType      string `json:"osType,omitempty"`
	OsVersion   string `json:"osVersion,omitempty"`
}

// OrderRef addresses a payment by the merchant's orderNo or the gateway's tradeNo.
type OrderRef struct {
	OrderNo string `json:"orderNo,omitempty"`
	TradeNo string `json:"tradeNo,omitempty"`
}

// CaptureRequest is the body of POST /v1/payments/capture.
type CaptureRequest struct {
	OrderRef
	CaptureAmount string `json:"captureAmount"`
}

// CancelRequest is the body of POST /v1/payments/cancel.
type CancelRequest struct {
	OrderRef
	PaymentMethodType string `json:"paymentMethodType,omitempty"`
}

// InquiryRequest is the body of POST /v1/payments/inquiry.
type InquiryRequest struct {
	OrderRef
	PaymentMethodType string `json:"paymentMethodType,omitempty"`
}

// RefundRequest is the body of POST /v1/refunds.
type RefundRequest struct {
	OrderRef
	Amount          string `json:"amount"`
	ClientIP        string `json:"clientIp"`
	NotificationURL string `json:"notificationUrl,omitempty"`
	Reason          string `json:"reason"`
	RefundNumber    string `json:"refundNumber"`
}

// RefundInquiryRequest is the body of POST /v1/refunds/inquiry.
type RefundInquiryRequest struct {
	OrderRef
	RefundNumber string `json:"refundNumber,omitempty"`
}

// SessionRequest is the body of POST /v1/checkout/sessions (the interface document's
// "Checkout session").
type SessionRequest struct {
	Amount          string        `json:"amount"`
	CaptureMethod   string        `json:"captureMethod,omitempty"`
	Currency        string        `json:"currency"`
	Description     string        `json:"description,omitempty"`
	ExpiryTime      string        `json:"expiryTime,omitempty"`
	FraudMode       string        `json:"fraudMode,omitempty"`
	FrontURL        string        `json:"frontUrl,omitempty"`
	LinkMode        string        `json:"linkMode,omitempty"`
	NotificationURL string        `json:"notificationUrl,omitempty"`
	OrderNo         string        `json:"orderNo"`
	ProductInfo     []ProductInfo `json:"productInfo,omitempty"`
	Shipping        *Shipping     `json:"shipping,omitempty"`
	ThreeDsMode     string        `json:"threeDsMode,omitempty"`
	Metadata        Metadata      `json:"metadata,omitempty"`
	Matedata        Metadata      `json:"matedata,omitempty"`
	// PaymentMethodTypes are the methods the cashier page offers (ours:
	// the document gives none); default card and every wallet that fits.
	PaymentMethodTypes []string `json:"paymentMethodTypes,omitempty"`
}

// SubscriptionRequest is the body of POST /v1/notifications/subscriptions.
type SubscriptionRequest struct {
	APIVersion   string `json:"apiVersion"`
	SignMethod   string `json:"signMethod"`
	SubscribeURL string `json:"subscribeUrl"`
}

// TokenPaymentRequest is the body of POST /v1/payments/token.
type TokenPaymentRequest struct {
	Amount                  string      `json:"amount"`
	Currency                string      `json:"currency,omitempty"`
	CardNo                  string      `json:"cardNo,omitempty"`
	CustomerInitiatedReason string      `json:"customerInitiatedReason,omitempty"`
	Description             string      `json:"description,omitempty"`
	DeviceInfo              *DeviceInfo `json:"deviceInfo,omitempty"`
	ExpiryMonth             string      `json:"expiryMonth"`
	ExpiryYear              string      `json:"expiryYear"`
	OrderNo                 string      `json:"orderNo"`
	ThreeDsMode             string      `json:"threeDsMode,omitempty"`
	TransactionIdentifier   string      `json:"transactionIdentifier,omitempty"`
	CaptureMethod           string      `json:"captureMethod,omitempty"`
	NotificationURL         string      `json:"notificationUrl,omitempty"`
	Metadata                Metadata    `json:"metadata,omitempty"`
}

// TrackerRequest is the body of POST /v1/tracking and one item of a batch.
type TrackerRequest struct {
	Carrier            string        `json:"carrier"`
	CarrierNameOther   string        `json:"carrierNameOther,omitempty"`
	OrderNo            string        `json:"orderNo"`
	ShipmentDate       string        `json:"shipmentDate"`
	ShipmentDirection  string        `json:"shipmentDirection"`
	ShippingStatus     string        `json:"shippingStatus"`
	TrackingNo         string        `json:"trackingNo"`
	TrackingNumberType string        `json:"trackingNumberType"`
	TrackingURL        string        `json:"trackingUrl,omitempty"`
	Metadata           MetadataValue `json:"metadata,omitzero"`
	// Matedata is another spelling of metadata, accepted as an alias.
	Matedata MetadataValue `json:"matedata,omitzero"`
}

// TrackerUpdateRequest is the body of POST /v1/tracking/update: JSON Patch
// operations on one tracker, applied all or nothing.
type TrackerUpdateRequest struct {
	OrderNo    string    `json:"orderNo"`
	TrackingNo string    `json:"trackingNo"`
	Items      []PatchOp `json:"items,omitempty"`
	// Iterms is the interface document's spelling of items, accepted as an alias.
	Iterms []PatchOp `json:"iterms,omitempty"`
	// Metadata is merged into the tracker's metadata before the operations
	// run, as if each key were an add operation; a string replaces it.
	Metadata MetadataValue `json:"metadata,omitzero"`
	// Matedata is another spelling of metadata, accepted as an alias.
	Matedata MetadataValue `json:"matedata,omitzero"`
}

// PatchOp is one JSON Patch (RFC 6902) operation of a tracker update.
type PatchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value,omitempty"`
}

// TrackerInquiryRequest is the body of POST /v1/tracking/inquiry.
type TrackerInquiryRequest struct {
	OrderNo    string `json:"orderNo"`
	TrackingNo string `json:"trackingNo,omitempty"`
	// Matedata is accepted (a string or an object) and not used: an
	// inquiry has nothing to attach it to.
	Matedata MetadataValue `json:"matedata,omitzero"`
}

// PaymentListQuery is the query of GET /v1/payments, as given.
type PaymentListQuery struct {
	Status            string
	PaymentMethodType string
	Currency          string
	CreatedFrom       string // RFC 3339
	CreatedTo         string
	OrderNo           string // a prefix
	Last4             string
	Limit             string
	StartingAfter     string // the nextCursor of the page before
}

// RefundListQuery is the query of GET /v1/refunds, as given.
type RefundListQuery struct {
	Status        string
	Currency      string
	CreatedFrom   string // RFC 3339
	CreatedTo     string
	Limit         string
	StartingAfter string
}

// RiskListEntryRequest is the body of POST /v1/risk/lists/{list}/entries.
type RiskListEntryRequest struct {
	Value string `json:"value"`
	Note  string `json:"note,omitempty"`
}

// RiskRuleRequest is the body of POST /v1/risk/rules.
type RiskRuleRequest struct {
	Name       string `json:"name"`
	Expression string `json:"expression"`
	Action     string `json:"action"`
	Enabled    *bool  `json:"enabled,omitempty"`
}

// RiskRulePatch is the body of PATCH /v1/risk/rules/{id}.
type RiskRulePatch struct {
	Enabled *bool `json:"enabled"`
}

// RiskSettings is the body of PUT /v1/risk/settings and its answer (and
// GET's).
type RiskSettings struct {
	ScreenAllPayments *bool `json:"screenAllPayments"`
}
