package wire

// SecretRotateRequest is the body of POST /v1/merchant/secret/rotate and
// POST /v1/merchant/notify-secret/rotate.
type SecretRotateRequest struct {
	Secret string `json:"secret"` // the merchant's current API secret
	Grace  string `json:"grace"`  // how long the replaced secret keeps working; "" is 24h
}

// SecretView answers a rotation: the only time the new secret is shown.
type SecretView struct {
	MerchantID string `json:"merchantId"`
	AppID      string `json:"appId"`
	Secret     string `json:"secret"`
	// PreviousSecretValidUntil is when the replaced secret stops working;
	// absent when it stopped at once.
	PreviousSecretValidUntil string `json:"previousSecretValidUntil,omitempty"`
}

// NotifySecretView answers a notification secret rotation: the only time the
// new secret is shown.
type NotifySecretView struct {
	MerchantID   string `json:"merchantId"`
	NotifySecret string `json:"notifySecret"` // whsec_<base64 key>
	// PreviousNotifySecretValidUntil is when notifications stop carrying
	// the replaced secret's signature too; absent when they stopped at once.
	PreviousNotifySecretValidUntil string `json:"previousNotifySecretValidUntil,omitempty"`
}
