package acquirer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"paygate"
)

// Wallets is the gateway's connection to wallet and QR schemes (WeChat Pay,
// Alipay, Alipay+, UnionPay QR, PayNow, GrabPay, ShopeePay, PayPal) and the
// opening of device wallet tokens (Apple Pay, Google Pay). Like Acquirer, its
// calls reach outside the gateway and are never made inside a database
// transaction; an error means the outcome is unknown.
type Wallets interface {
	// OpenOrder opens an order the shopper completes in the wallet (qr-code,
	// h5, in-app, mini-program, PayPal's approval): it returns what the
	// shopper needs, a QR payload, a page or SDK parameters.
	OpenOrder(ctx context.Context, req OrderRequest) (Order, error)
	// PayCode charges the shopper's payment code, scanned by the merchant
	// (productType pay). The answer is paid, declined, or paying (the
	// shopper must confirm in the app; ask again with Query).
	PayCode(ctx context.Context, req PayRequest) (WalletResult, error)
	// QueryOrder asks for the state of an order: paid, declined, paying or open.
	QueryOrder(ctx context.Context, req QueryRequest) (WalletResult, error)
	// CloseOrder closes an unpaid order so that it can no longer be paid (a
	// "user paying" payment is reversed).
	CloseOrder(ctx context.Context, req QueryRequest) (Result, error)
	// RefundOrder returns amount of a paid order; reference is the refund's id,
	// so that a retried call refunds once.
	RefundOrder(ctx context.Context, req QueryRequest, reference string, amount paygate.Money) (Result, error)
	// OpenToken opens an Apple Pay or Google Pay payment token into the
	// device card it carries, to be authorized as a card. A token that
	// cannot be opened is ErrBadToken.
	OpenToken(ctx context.Context, method, token string) (DeviceCard, error)
}

// WalletSimulator is implemented by sandbox connectors: it plays the
// shopper's wallet app, whose answer the sandbox wallet page (simulateUrl)
// collects. A real connector learns the answer from the wallet's
// notification or QueryOrder instead.
type WalletSimulator interface {
	Simulate(ctx context.Context, req SimulateRequest) (WalletResult, error)
}

// ErrBadToken says a device wallet token could not be opened.
var ErrBadToken = fmt.Errorf("the payment token could not be opened")

// OrderRequest opens a wallet order.
type OrderRequest struct {
	Method       string // paymentMethodType
	ProductType  string
	Reference    string // the attempt's id, unique
	Amount       paygate.Money
	Description  string
	MerchantName string
	StoreID      string
	SubAppID     string
	OpenID       string // the shopper in the merchant's mini program or app
	Attach       string
	// LimitPayMethod "no_credit" forbids credit-funded payment.
	LimitPayMethod string
	ExpiresAt      time.Time
	// PageURL is the gateway's page for this order; the sandbox sends the
	// shopper there (its wallet page). Real wallets use their own pages.
	PageURL string
}

// Order is what the shopper needs to pay an order: one of a QR payload, a
// page to send the shopper to, or SDK parameters.
type Order struct {
	WalletRef   string // the wallet's id of the order
	QRCode      string
	RedirectURL string
	SDKParams   map[string]string
}

// PayRequest charges a shopper's payment code.
type PayRequest struct {
	Method         string
	Reference      string
	Amount         paygate.Money
	AuthCode       string // the shopper's one-time code; lives only in memory
	StoreID        string
	LimitPayMethod string
	Description    string
}

// QueryRequest names an order at the wallet.
type QueryRequest struct {
	Method    string
	Reference string
	WalletRef string
}

// SimulateRequest is the shopper's answer on the sandbox wallet page.
type SimulateRequest struct {
	Method         string
	Reference      string
	Amount         paygate.Money
	LimitPayMethod string
	Account        string // SandboxBalance or SandboxCredit
	Approve        bool
}

// Wallet order states.
const (
	WalletPaid     = "paid"
	WalletDeclined = "declined"
	WalletPaying   = "paying" // the shopper must still confirm; ask again after RetryAfter
	WalletOpen     = "open"   // not paid (yet)
)

// WalletResult is a wallet's answer about an order.
type WalletResult struct {
	State         string
	Code          string // why it was declined
	Message       string
	WalletRef     string
	TransactionID string
	BuyerAccount  string // masked
	Funding       string // "balance" or "credit"
	RetryAfter    time.Duration
}

// DeviceCard is the card inside a device wallet token: the device account
// number (not the card's own number), with the cryptogram that stands in
// for 3-D Secure.
type DeviceCard struct {
	Card       Card
	Cryptogram string
	ECI        string
}

// Sandbox accounts and codes (docs/wallets.md).
const (
	// SandboxBalance and SandboxCredit are the sandbox shopper's accounts
	// on the wallet page: paid from the wallet balance, or by a linked
	// credit card (refused under limitPayMethod no_credit).
	SandboxBalance = "balance"
	SandboxCredit  = "credit"
	// Endings of authCode in productType pay.
	AuthCodeDeclined = "0000" // declined at once
	AuthCodePaying   = "1111" // "user paying", then paid a few seconds later
	AuthCodeCredit   = "2222" // paid from a credit card (refused under no_credit)
	// UserPayingDelay is how long a "user paying" code takes to settle.
	UserPayingDelay = 5 * time.Second
)

var _ Wallets = Sandbox{}
var _ WalletSimulator = Sandbox{}

// sandboxBuyer is the masked account the sandbox reports for each funding.
var sandboxBuyer = map[string]string{SandboxBalance: "138****8000", SandboxCredit: "139****9000"}

// OpenOrder builds each scheme's own form of code or page: EMVCo payloads with
// their CRC for PayNow (SGQR), UnionPay QR, GrabPay and ShopeePay, the
// weixin:// link for WeChat Pay, qr.alipay.com for Alipay.
func (s Sandbox) OpenOrder(ctx context.Context, req OrderRequest) (Order, error) {
	if err := s.wait(ctx); err != nil {
		return Order{}, err
	}
	o := Order{WalletRef: walletRef(req.Method, req.Reference)}
	code := strings.ToLower(b32(ref("qr", req.Reference)))
	switch req.ProductType {
	case paygate.ProductQRCode:
		switch req.Method {
		case paygate.MethodWeChat:
			o.QRCode = "weixin://wxpay/bizpayurl?pr=" + code[:12]
		case paygate.MethodAlipay:
			o.QRCode = "https://qr.alipay.com/bax" + code[:22]
		case paygate.MethodAlipayPlus:
			o.QRCode = "https://global.alipay.com/281002040090" + code[:22]
		case paygate.MethodPayPal:
			o.QRCode = req.PageURL // a phone that scans it opens the approval page
		default:
			o.QRCode = emvQR(req)
		}
	case paygate.ProductH5, paygate.ProductRedirect:
		o.RedirectURL = req.PageURL
	case paygate.ProductInApp, paygate.ProductMiniProgram:
		o.SDKParams = sdkParams(req, code)
	default:
		return Order{}, fmt.Errorf("sandbox: %s has no product type %q", req.Method, req.ProductType)
	}
	return o, nil
}

// emvQR is the merchant-presented EMVCo payload of an order.
func emvQR(req OrderRequest) string {
	var account tlv
	switch req.Method {
	case paygate.MethodPayNow:
		// SGQR's PayNow template: the merchant's UEN, amount not editable,
		// and the order's expiry date.
		account = tlv{"26", emvTemplate(tlv{"00", "SG.PAYNOW"}, tlv{"01", "2"}, tlv{"02", "201403121W"},
			tlv{"03", "0"}, tlv{"04", req.ExpiresAt.In(singapore).Format("20060102")})}
	case paygate.MethodUPay:
		// UnionPay's ids 15-16: acquirer IIN, forwarding IIN, merchant id.
		account = tlv{"15", "25000344" + "25000344" + "000000000012345"}
	case paygate.MethodGrabPay:
		account = tlv{"27", emvTemplate(tlv{"00", "com.grab"}, tlv{"01", "GPMSANDBOX0001"})}
	case paygate.MethodShopeePay:
		account = tlv{"28", emvTemplate(tlv{"00", "com.shopeepay"}, tlv{"01", "SPMSANDBOX0001"})}
	}
	cur := req.Amount.Currency
	return emvPayload(
		tlv{"00", "01"},
		tlv{"01", "12"}, // dynamic: one order, one amount
		account,
		tlv{"52", "5999"},
		tlv{"53", numericCurrency[cur]},
		tlv{"54", req.Amount.String()},
		tlv{"58", emvCountry[cur]},
		tlv{"59", emvText(req.MerchantName, 25, "PAYGATE MERCHANT")},
		tlv{"60", "SANDBOX"},
		tlv{"62", emvTemplate(tlv{"01", emvText(req.Reference, 25, "")}, tlv{"07", emvText(req.StoreID, 25, "")})},
	)
}

// singapore is SGT (UTC+8, no daylight saving): PayNow's expiry date is a
// Singapore date.
var singapore = time.FixedZone("SGT", 8*60*60)

// sdkParams are the parameters each wallet's SDK or mini program API
// takes, signed with a sandbox value in place of the merchant's key.
func sdkParams(req OrderRequest, code string) map[string]string {
	ts := fmt.Sprint(req.ExpiresAt.Add(-time.Minute).Unix())
	nonce := code[:16]
	sign := ref("sign", req.Reference)[:32]
	prepay := "wx" + code[:30]
	switch req.Method + "/" + req.ProductType {
	case paygate.MethodWeChat + "/" + paygate.ProductInApp: // WXPay SDK PayReq
		return map[string]string{"appId": orDefault(req.SubAppID, "wxsandboxapp000001"), "partnerId": "1900000109",
			"prepayId": prepay, "package": "Sign=WXPay", "nonceStr": nonce, "timeStamp": ts, "sign": sign}
	case paygate.MethodWeChat + "/" + paygate.ProductMiniProgram: // wx.requestPayment
		return map[string]string{"appId": req.SubAppID, "timeStamp": ts, "nonceStr": nonce,
			"package": "prepay_id=" + prepay, "signType": "RSA", "paySign": sign}
	case paygate.MethodAlipay + "/" + paygate.ProductInApp: // Alipay SDK payV2(orderStr)
		return map[string]string{"orderStr": "app_id=2021000000000001&biz_content=%7B%22out_trade_no%22%3A%22" + req.Reference +
			"%22%7D&charset=utf-8&method=alipay.trade.app.pay&sign_type=RSA2&sign=" + sign}
	case paygate.MethodAlipay + "/" + paygate.ProductMiniProgram: // my.tradePay({tradeNO})
		return map[string]string{"tradeNO": "2026" + strings.ToUpper(code[:24])}
	case paygate.MethodAlipayPlus + "/" + paygate.ProductInApp:
		return map[string]string{"schemeUrl": "alipayplus://pay?orderCode=" + code[:24],
			"applinkUrl": "https://render.alipay.com/p/s/ulink?orderCode=" + code[:24], "normalUrl": req.PageURL}
	case paygate.MethodAlipayPlus + "/" + paygate.ProductMiniProgram:
		return map[string]string{"paymentUrl": "https://global.alipay.com/281002040090" + code[:22]}
	}
	return map[string]string{}
}

// PayCode answers an authCode at once: paid unless the code ends in 0000; one
// ending in 1111 is "user paying" and paid when asked again; one ending in
// 2222 is paid by a credit card, refused under no_credit.
func (s Sandbox) PayCode(ctx context.Context, req PayRequest) (WalletResult, error) {
	if err := s.wait(ctx); err != nil {
		return WalletResult{}, err
	}
	switch {
	case strings.HasSuffix(req.AuthCode, AuthCodeDeclined):
		return WalletResult{State: WalletDeclined, Code: "wallet_declined",
			Message: "The wallet declined the payment (insufficient balance)."}, nil
	case strings.HasSuffix(req.AuthCode, AuthCodePaying):
		return WalletResult{State: WalletPaying, WalletRef: payingRef(req.Method, req.Reference), RetryAfter: UserPayingDelay}, nil
	case strings.HasSuffix(req.AuthCode, AuthCodeCredit):
		return paid(req.Method, req.Reference, SandboxCredit, req.LimitPayMethod), nil
	}
	return paid(req.Method, req.Reference, SandboxBalance, req.LimitPayMethod), nil
}

// paid is the answer for an order paid from an account: declined when the
// account is credit-funded and the merchant refused credit.
func paid(method, reference, account, limit string) WalletResult {
	if account == SandboxCredit && limit == "no_credit" {
		return WalletResult{State: WalletDeclined, Code: "credit_not_allowed",
			Message: "The shopper paid by credit, which the merchant does not accept (limitPayMethod no_credit)."}
	}
	return WalletResult{State: WalletPaid, WalletRef: walletRef(method, reference),
		TransactionID: "4200" + strings.ToUpper(b32(ref("txn", reference)))[:24],
		BuyerAccount:  sandboxBuyer[account], Funding: account}
}

// QueryOrder: a "user paying" order is paid by the time it is asked again; any
// other order the sandbox was not told about is open (its answers come
// through Simulate).
func (s Sandbox) QueryOrder(ctx context.Context, req QueryRequest) (WalletResult, error) {
	if err := s.wait(ctx); err != nil {
		return WalletResult{}, err
	}
	if req.WalletRef == payingRef(req.Method, req.Reference) {
		return paid(req.Method, req.Reference, SandboxBalance, ""), nil
	}
	return WalletResult{State: WalletOpen, WalletRef: req.WalletRef}, nil
}

// CloseOrder always succeeds in the sandbox.
func (s Sandbox) CloseOrder(ctx context.Context, req QueryRequest) (Result, error) {
	if err := s.wait(ctx); err != nil {
		return Result{}, err
	}
	return Result{Approved: true, AcquirerRef: req.WalletRef}, nil
}

// Simulate turns the shopper's answer on the wallet page into the wallet's.
func (Sandbox) Simulate(_ context.Context, req SimulateRequest) (WalletResult, error) {
	if !req.Approve {
		return WalletResult{State: WalletDeclined, Code: "customer_declined", Message: "The shopper declined the payment in the wallet."}, nil
	}
	account := req.Account
	if account != SandboxCredit {
		account = SandboxBalance
	}
	return paid(req.Method, req.Reference, account, req.LimitPayMethod), nil
}

// deviceTokens are the sandbox's Apple Pay and Google Pay test tokens: the
// device card each carries. The declining ones carry the declining test
// card numbers, so the card sandbox declines them.
var deviceTokens = map[string]struct{ number, brand, eci string }{
	"visa":               {"4895370012003478", "visa", "05"},
	"mastercard":         {"5204240250197840", "mastercard", "02"},
	"declined":           {CardDeclined, "visa", "05"},
	"insufficient_funds": {CardInsufficientFunds, "visa", "05"},
}

// OpenToken opens the test tokens tok_applepay_<kind> and
// tok_googlepay_<kind>, kind one of visa, mastercard, declined,
// insufficient_funds.
func (s Sandbox) OpenToken(ctx context.Context, method, token string) (DeviceCard, error) {
	if err := s.wait(ctx); err != nil {
		return DeviceCard{}, err
	}
	prefix := map[string]string{paygate.MethodApplePay: "tok_applepay_", paygate.MethodGooglePay: "tok_googlepay_"}[method]
	kind, ok := strings.CutPrefix(token, prefix)
	d, known := deviceTokens[kind]
	if prefix == "" || !ok || !known {
		return DeviceCard{}, ErrBadToken
	}
	return DeviceCard{Card: Card{Number: d.number, ExpiryMonth: 12, ExpiryYear: 2030, Brand: d.brand},
		Cryptogram: b32(ref("cryptogram", token))[:28], ECI: d.eci}, nil
}

// RefundOrder always succeeds in the sandbox.
func (s Sandbox) RefundOrder(ctx context.Context, _ QueryRequest, reference string, _ paygate.Money) (Result, error) {
	if err := s.wait(ctx); err != nil {
		return Result{}, err
	}
	return Result{Approved: true, AcquirerRef: ref("wallet-refund", reference)}, nil
}

func walletRef(method, reference string) string { return ref("wallet/"+method, reference)[:32] }
func payingRef(method, reference string) string { return ref("paying/"+method, reference)[:32] }

// b32 spells a hex id in lower-case letters and digits without look-alikes.
func b32(hex string) string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, len(hex))
	for i := range hex {
		b[i] = alphabet[(int(hex[i])*7+i)%len(alphabet)]
	}
	return string(b)
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
