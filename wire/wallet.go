package wire

// The wallet objects of the create-payment body, as the interface document gives them
// (applePay and googlePay are ours: the document has no object for them).

// WechatInput is the wechat object (WeChat Pay).
type WechatInput struct {
	Attach         string `json:"attach,omitempty"`
	AuthCode       string `json:"authCode,omitempty"`
	LimitPayMethod string `json:"limitPayMethod,omitempty"`
	OpenID         string `json:"openId,omitempty"`
	ProductType    string `json:"productType,omitempty"`
	StoreID        string `json:"storeId,omitempty"`
	SubAppID       string `json:"subAppId,omitempty"`
}

// AlipayInput is the alipay object, and the alipayPlus object (Alipay+).
type AlipayInput struct {
	AuthCode       string `json:"authCode,omitempty"`
	LimitPayMethod string `json:"limitPayMethod,omitempty"`
	OpenID         string `json:"openId,omitempty"`
	ProductType    string `json:"productType,omitempty"`
	StoreID        string `json:"storeId,omitempty"`
	SubAppID       string `json:"subAppId,omitempty"`
}

// UpayInput is the upay object (UnionPay QR).
type UpayInput struct {
	AuthCode    string `json:"authCode,omitempty"`
	ProductType string `json:"productType,omitempty"`
	StoreID     string `json:"storeId,omitempty"`
}

// QRInput is the payNow, grabPay and shopeePay object.
type QRInput struct {
	ProductType string `json:"productType,omitempty"`
}

// PayPalInput is the paypal object.
type PayPalInput struct {
	Metadata    MetadataValue `json:"metadata,omitzero"`
	ProductType string        `json:"productType,omitempty"`
}

// ApplePayInput carries an Apple Pay payment token: the PKPaymentToken's
// paymentData as a string. It lives only in memory.
type ApplePayInput struct {
	PaymentData string `json:"paymentData"`
}

// GooglePayInput carries a Google Pay payment token: the
// tokenizationData.token string. It lives only in memory.
type GooglePayInput struct {
	PaymentToken string `json:"paymentToken"`
}
