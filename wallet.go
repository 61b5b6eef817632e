package paygate

import (
	"encoding/json"
	"slices"
	"time"
)

// MethodCard is the card payment method type.
const MethodCard = "card"

// Wallet and QR payment method types (paymentMethodType values besides card).
const (
	MethodWeChat     = "wechat"
	MethodAlipay     = "alipay"
	MethodAlipayPlus = "alipayPlus"
	MethodUPay       = "upay"
	MethodPayNow     = "payNow"
	MethodGrabPay    = "grabPay"
	MethodShopeePay  = "shopeePay"
	MethodPayPal     = "paypal"
	MethodApplePay   = "applePay"
	MethodGooglePay  = "googlePay"
)

// Product types: how the shopper reaches the wallet.
const (
	ProductQRCode      = "qr-code"      // the shopper scans our code
	ProductPay         = "pay"          // the merchant scans the shopper's code (authCode)
	ProductH5          = "h5"           // a mobile web page hands over to the wallet app
	ProductInApp       = "in-app"       // the merchant's app calls the wallet's SDK
	ProductMiniProgram = "mini-program" // a mini program inside the wallet app
	ProductRedirect    = "redirect"     // the wallet's own approval page (PayPal)
)

// Wallet is what a wallet or QR payment keeps besides the Payment's own
// fields: never the shopper's one-time payment code or a wallet token.
//
// Its json tags are part of the stored format of Payment and must not change
// without a migration of the stored rows.
type Wallet struct {
	ProductType string `json:"ProductType"`
	// Reference is this attempt's id at the wallet (the wallet's
	// out_trade_no). A cashier page makes a new one for every attempt, so an
	// answer to an older attempt is recognized and ignored.
	Reference      string `json:"Reference"`
	StoreID        string `json:"StoreID,omitempty"`
	SubAppID       string `json:"SubAppID,omitempty"`
	LimitPayMethod string `json:"LimitPayMethod,omitempty"`
	Attach         string `json:"Attach,omitempty"` // WeChat Pay's merchant data, returned as given
	// Metadata is PayPal's key-value data, returned as given.
	Metadata json.RawMessage `json:"Metadata,omitempty"`

	// Set once the wallet answers.
	BuyerAccount  string `json:"BuyerAccount,omitempty"`  // masked, as the wallet shows it
	Funding       string `json:"Funding,omitempty"`       // "balance", "credit", ...
	TransactionID string `json:"TransactionID,omitempty"` // the wallet's id of the payment
	// SettleAt is when to ask the wallet again about a payment it reported
	// as "user paying"; the sweep (or an inquiry) asks then.
	SettleAt *time.Time `json:"SettleAt,omitempty"`
}

// WalletMethod describes one wallet payment method: what it supports and
// in which currencies, up to which amount per payment.
type WalletMethod struct {
	Type  string // the paymentMethodType
	Label string // what a shopper calls it
	// ProductTypes the method supports; the first is the default.
	ProductTypes []string
	// Max is the largest amount of one payment, by currency (major units);
	// a currency not listed is refused. Nil for device wallets, which take
	// any currency the card acquirer takes.
	Max map[string]string
	// Device wallets (Apple Pay, Google Pay) carry a card token and are
	// paid as cards: 3-D Secure is replaced by the device's cryptogram,
	// and capture and refunds are those of cards.
	Device bool
}

// Accepts reports whether the method takes payments in currency.
func (m WalletMethod) Accepts(currency string) bool {
	if m.Max == nil {
		return true
	}
	_, ok := m.Max[currency]
	return ok
}

// MaxAmount is the method's per-payment limit in currency; false when the
// method has none (device wallets) or refuses the currency.
func (m WalletMethod) MaxAmount(currency string) (Money, bool) {
	s, ok := m.Max[currency]
	if !ok {
		return Money{}, false
	}
	v, err := ParseAmount(s, currency)
	if err != nil {
		panic("paygate: bad wallet limit " + s + " " + currency) // a table error, caught by tests
	}
	return v, true
}

// Supports reports whether the method offers productType.
func (m WalletMethod) Supports(productType string) bool {
	return slices.Contains(m.ProductTypes, productType)
}

// Currencies lists the currencies the method takes, sorted; nil for any.
func (m WalletMethod) Currencies() []string {
	if m.Max == nil {
		return nil
	}
	var out []string
	for c := range m.Max {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// The limits below are the sandbox's, modelled on each scheme's usual
// per-payment caps (docs/wallets.md has the table).
var (
	chinaCrossBorder = map[string]string{
		"CNY": "50000", "HKD": "50000", "USD": "7000", "EUR": "6500", "GBP": "5500", "JPY": "1000000",
		"SGD": "9000", "AUD": "10000", "CAD": "9500", "CHF": "6000", "NZD": "11000", "KRW": "9000000",
		"THB": "230000", "MOP": "55000",
	}
	walletMethods = []WalletMethod{
		{Type: MethodWeChat, Label: "WeChat Pay", ProductTypes: []string{ProductQRCode, ProductPay, ProductH5, ProductInApp, ProductMiniProgram},
			Max: chinaCrossBorder},
		{Type: MethodAlipay, Label: "Alipay", ProductTypes: []string{ProductQRCode, ProductPay, ProductH5, ProductInApp, ProductMiniProgram},
			Max: chinaCrossBorder},
		{Type: MethodAlipayPlus, Label: "Alipay+", ProductTypes: []string{ProductQRCode, ProductPay, ProductH5, ProductInApp, ProductMiniProgram},
			Max: map[string]string{"USD": "7000", "EUR": "6500", "GBP": "5500", "HKD": "50000", "SGD": "9000", "MYR": "30000",
				"PHP": "400000", "THB": "230000", "KRW": "9000000", "IDR": "100000000", "JPY": "1000000", "AUD": "10000"}},
		{Type: MethodUPay, Label: "UnionPay QR", ProductTypes: []string{ProductQRCode, ProductPay},
			Max: map[string]string{"CNY": "50000", "HKD": "50000", "MOP": "55000", "SGD": "9000", "MYR": "30000", "THB": "230000", "USD": "7000"}},
		{Type: MethodPayNow, Label: "PayNow", ProductTypes: []string{ProductQRCode},
			Max: map[string]string{"SGD": "200000"}},
		{Type: MethodGrabPay, Label: "GrabPay", ProductTypes: []string{ProductQRCode},
			Max: map[string]string{"SGD": "5000", "MYR": "4500", "PHP": "100000", "THB": "50000", "VND": "20000000"}},
		{Type: MethodShopeePay, Label: "ShopeePay", ProductTypes: []string{ProductQRCode},
			Max: map[string]string{"SGD": "5000", "MYR": "5000", "PHP": "100000", "THB": "50000", "VND": "20000000", "IDR": "20000000"}},
		{Type: MethodPayPal, Label: "PayPal", ProductTypes: []string{ProductRedirect, ProductQRCode},
			Max: map[string]string{"AUD": "15000", "BRL": "50000", "CAD": "13000", "CHF": "9000", "CZK": "230000", "DKK": "65000",
				"EUR": "9000", "GBP": "8000", "HKD": "78000", "ILS": "36000", "JPY": "1500000", "MXN": "170000", "MYR": "45000",
				"NOK": "100000", "NZD": "16000", "PHP": "560000", "PLN": "40000", "SEK": "100000", "SGD": "13000", "THB": "330000",
				"USD": "10000"}},
		{Type: MethodApplePay, Label: "Apple Pay", Device: true},
		{Type: MethodGooglePay, Label: "Google Pay", Device: true},
	}
)

// WalletMethods lists every wallet method, in the order pages show them.
func WalletMethods() []WalletMethod { return slices.Clone(walletMethods) }

// PaymentMethodTypes lists every paymentMethodType: card, then the wallets.
func PaymentMethodTypes() []string {
	out := []string{MethodCard}
	for _, m := range walletMethods {
		out = append(out, m.Type)
	}
	return out
}

// LookupWalletMethod returns the wallet method of a paymentMethodType.
func LookupWalletMethod(typ string) (WalletMethod, bool) {
	for _, m := range walletMethods {
		if m.Type == typ {
			return m, true
		}
	}
	return WalletMethod{}, false
}
