package checkout

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strings"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/qr"
)

// The wallet side of the pages: the cashier's method picker and its open
// wallet attempt (a QR code the page watches until the payment is done),
// the QR images, and the sandbox wallet page where the "shopper" approves
// or declines (nextAction.simulateUrl, and PayPal's approval page).

func (h *Handler) walletRoutes() {
	h.mux.HandleFunc("POST /checkout/{sessionId}/method", h.chooseMethod)
	h.mux.HandleFunc("GET /checkout/status/{sessionId}", h.status)
	h.mux.HandleFunc("GET /wallet/qr/{file}", h.qrImage)
	h.mux.HandleFunc("GET /wallet/pay/{token}", h.walletPage)
	h.mux.HandleFunc("POST /wallet/pay/{token}", h.walletAnswer)
}

// method is one wallet button of the cashier's picker.
type method struct{ Type, Label string }

// attempt is the cashier page's open wallet attempt.
type attempt struct {
	Type        string // paymentMethodType
	Label       string
	QRImageURL  string // same-origin path of the QR image
	QRCode      string
	SimulateURL string // same-origin path of the sandbox wallet page
	StatusURL   string
}

func init() {
	for lang, m := range walletMessages {
		maps.Copy(messages[lang], m)
	}
}

// walletView adds the wallet methods and the open attempt to a cashier view.
func (h *Handler) walletView(v *view, page *gateway.CheckoutPage) {
	if v.State != "open" {
		return
	}
	p := page.Payment
	for _, m := range h.checkout.CheckoutMethods(page.Session, p) {
		v.Methods = append(v.Methods, method{Type: m.Type, Label: methodLabel(v.T, m)})
	}
	if p.Wallet == nil || p.NextAction == nil {
		return
	}
	m, _ := paygate.LookupWalletMethod(p.PaymentMethodType)
	a := p.NextAction
	v.Attempt = &attempt{Type: m.Type, Label: methodLabel(v.T, m), QRCode: a.QRCode,
		QRImageURL: h.local(a.QRImageURL), SimulateURL: h.local(a.SimulateURL),
		StatusURL: "/checkout/status/" + page.Session.SessionID}
}

// local turns one of our absolute URLs into a path, so the page's CSP
// ('self') allows it whatever host name the shopper used.
func (h *Handler) local(u string) string {
	return strings.TrimPrefix(u, h.baseURL)
}

func methodLabel(t map[string]string, m paygate.WalletMethod) string {
	if l, ok := t["method."+m.Type]; ok {
		return l
	}
	return m.Label
}

// chooseMethod starts (or, with "card", ends) a wallet attempt on the
// cashier page.
func (h *Handler) chooseMethod(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	t := messages[language(r)]
	sid := r.PathValue("sessionId")
	if !h.checkout.CheckCSRF(sid, r.PostFormValue("csrf")) || !sameOrigin(r) {
		h.showCashier(w, r, http.StatusForbidden, t["csrf"], "")
		return
	}
	p, err := h.checkout.ChooseMethod(r.Context(), sid, r.PostFormValue("method"))
	switch {
	case paygate.ErrorCode(err) == paygate.ENotFound:
		h.render(w, r, errStatus(err), "message", view{T: t, Message: t["notFound"]}, "")
		return
	case paygate.ErrorCode(err) == paygate.EInvalidParameter:
		h.showCashier(w, r, errStatus(err), t["badMethod"], "")
		return
	case errors.Is(err, gateway.ErrInProgress), paygate.ErrorCode(err) == paygate.EInvalidState:
		h.redirect(w, r, "/checkout/"+sid)
		return
	case err != nil:
		h.log.ErrorContext(r.Context(), "checkout method", "err", err)
		h.showCashier(w, r, errStatus(err), t["processing_error"], "")
		return
	}
	if a := p.NextAction; a != nil && a.Type == "redirect" && p.Wallet != nil {
		h.redirect(w, r, h.local(a.URL)) // PayPal's approval page
		return
	}
	h.redirect(w, r, "/checkout/"+sid)
}

// status answers the cashier page's script, which watches an open wallet
// attempt: "wallet" while it waits, else the page's state and where to go.
func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	page, err := h.checkout.CheckoutPage(r.Context(), r.PathValue("sessionId"))
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"state": "not_found"})
		return
	}
	st := state(page)
	p := page.Payment
	if st == "open" && p.Wallet != nil && p.NextAction != nil {
		st = "wallet"
	}
	next := "/checkout/" + page.Session.SessionID
	if back := backURL(page.Session.FrontURL, p); back != "" && st != "open" && st != "wallet" && st != "processing" {
		next = back
	}
	json.NewEncoder(w).Encode(map[string]string{"state": st, "next": next})
}

// qrImage serves the PNG of an open attempt's QR code.
func (h *Handler) qrImage(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	token, ok := strings.CutSuffix(file, ".png")
	if !ok {
		http.NotFound(w, r)
		return
	}
	payload, err := h.wallets.WalletQR(r.Context(), token)
	if err != nil {
		if paygate.ErrorCode(err) != paygate.ENotFound {
			h.log.ErrorContext(r.Context(), "wallet qr", "err", err)
		}
		http.NotFound(w, r)
		return
	}
	png, err := qr.PNG(payload, 6)
	if err != nil {
		h.log.ErrorContext(r.Context(), "wallet qr png", "err", err)
		http.Error(w, "the QR code could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Write(png)
}

func (h *Handler) walletPage(w http.ResponseWriter, r *http.Request) {
	h.showWallet(w, r, http.StatusOK, "")
}

// showWallet renders the sandbox wallet page of an attempt.
func (h *Handler) showWallet(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	t := messages[language(r)]
	token := r.PathValue("token")
	wp, err := h.wallets.WalletPage(r.Context(), token)
	if err != nil || !wp.Simulated {
		h.render(w, r, http.StatusNotFound, "message", view{T: t, Message: t["notFound"]}, "")
		return
	}
	p := wp.Payment
	t = messages[languageFor(r, p)]
	v := view{T: t, Wallet: wp, CSRF: h.checkout.CSRFToken("wallet:" + token), Action: "/wallet/pay/" + token, Error: errMsg,
		Total: p.Amount.String() + " " + p.Amount.Currency, LangURL: "/wallet/pay/" + token + "?lang=" + t["other"]}
	if wp.Method.Type != paygate.MethodPayPal {
		v.Accounts = map[string]string{acquirer.SandboxBalance: "138****8000", acquirer.SandboxCredit: "139****9000"}
	}
	switch {
	case wp.Open && !wp.Expired:
		v.State = "open"
	case p.Status.Open():
		v.State = "closed"
		if wp.Expired {
			v.State = "expired"
		}
	default:
		v.State = state(&gateway.CheckoutPage{Payment: p})
		if v.State == "failed" && v.Error == "" {
			v.Error = declineMessage(t, p.FailureCode)
		}
	}
	if v.State != "open" && p.SessionID == "" {
		v.BackURL = backURL(p.FrontURL, p)
	}
	if v.Error == t[v.State] || v.State == "expired" && v.Error == t["orderExpired"] {
		v.Error = "" // the state's own message says it
	}
	h.render(w, r, status, "wallet", v, origin(p.FrontURL))
}

// walletAnswer takes the sandbox shopper's approval or decline. The
// shopper's browser goes back where it came from for a page the merchant
// sent it to (PayPal, h5): the merchant's frontUrl or the cashier page. A
// QR code or SDK order shows the outcome here, on the "phone".
func (h *Handler) walletAnswer(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	t := messages[language(r)]
	token := r.PathValue("token")
	if !h.checkout.CheckCSRF("wallet:"+token, r.PostFormValue("csrf")) || !sameOrigin(r) {
		h.showWallet(w, r, http.StatusForbidden, t["csrf"])
		return
	}
	wp, err := h.wallets.WalletPage(r.Context(), token)
	if err != nil {
		h.errorPage(w, r, t, err)
		return
	}
	redirected := wp.Payment.Wallet != nil &&
		(wp.Payment.Wallet.ProductType == paygate.ProductRedirect || wp.Payment.Wallet.ProductType == paygate.ProductH5)
	p, err := h.wallets.SimulateWallet(r.Context(), token, r.PostFormValue("action") == "approve", r.PostFormValue("account"))
	switch {
	case paygate.ErrorCode(err) == paygate.ENotFound:
		h.render(w, r, errStatus(err), "message", view{T: t, Message: t["notFound"]}, "")
		return
	case paygate.ErrorCode(err) == paygate.EInvalidState:
		msg := t["closed"]
		if errors.Is(err, gateway.ErrWalletExpired) {
			msg = t["orderExpired"]
		}
		h.showWallet(w, r, errStatus(err), msg)
		return
	case err != nil:
		h.log.ErrorContext(r.Context(), "wallet answer", "err", err)
		h.showWallet(w, r, errStatus(err), t["processing_error"])
		return
	}
	if !redirected {
		h.redirect(w, r, "/wallet/pay/"+token)
		return
	}
	if p.SessionID == "" {
		h.after(w, r, p, "/wallet/pay/"+token)
		return
	}
	if !p.Status.Open() && p.FrontURL != "" {
		h.redirect(w, r, backURL(p.FrontURL, p))
		return
	}
	h.redirect(w, r, "/checkout/"+p.SessionID) // the cashier shows the outcome, or the picker again
}

// walletMessages are the wallet texts of the pages, merged into messages.
var walletMessages = map[string]map[string]string{
	"en": {
		"method.wechat": "WeChat Pay", "method.alipay": "Alipay", "method.alipayPlus": "Alipay+", "method.upay": "UnionPay QR",
		"method.payNow": "PayNow", "method.grabPay": "GrabPay", "method.shopeePay": "ShopeePay", "method.paypal": "PayPal",
		"orPayWith": "Or pay with", "scanWith": "Scan this code with", "qrAlt": "QR code to scan with your wallet app",
		"waiting":    "Waiting for your payment… This page updates by itself.",
		"openWallet": "Open the sandbox wallet (plays the shopper's phone)", "otherMethod": "Choose another payment method",
		"badMethod":     "This payment method is not available for this checkout.",
		"sandboxWallet": "sandbox wallet", "walletIntro": "This sandbox page plays the shopper's wallet app.",
		"payFrom": "Pay from", "account.balance": "Wallet balance", "account.credit": "Linked credit card",
		"approve": "Approve payment", "decline": "Decline", "cancelPaypal": "Cancel and return",
		"paypalIntro":        "Log in to the PayPal sandbox as the buyer and approve this payment.",
		"closed":             "This wallet order is closed: it was replaced or the payment has moved on.",
		"orderExpired":       "This order has expired. It can no longer be paid.",
		"customer_declined":  "The payment was declined in the wallet. Try again or choose another method.",
		"credit_not_allowed": "The merchant does not accept credit cards in the wallet. Pay from the wallet balance.",
		"wallet_declined":    "The wallet declined the payment.",
	},
	"zh": {
		"method.wechat": "微信支付", "method.alipay": "支付宝", "method.alipayPlus": "Alipay+", "method.upay": "银联二维码",
		"method.payNow": "PayNow", "method.grabPay": "GrabPay", "method.shopeePay": "ShopeePay", "method.paypal": "PayPal",
		"orPayWith": "或使用", "scanWith": "请使用以下应用扫码：", "qrAlt": "供钱包应用扫描的二维码",
		"waiting":    "等待付款中……本页会自动更新。",
		"openWallet": "打开沙箱钱包（模拟顾客手机）", "otherMethod": "选择其他支付方式",
		"badMethod":     "本次收银不支持该支付方式。",
		"sandboxWallet": "沙箱钱包", "walletIntro": "本沙箱页面模拟顾客的钱包应用。",
		"payFrom": "付款账户", "account.balance": "钱包余额", "account.credit": "绑定的信用卡",
		"approve": "确认付款", "decline": "拒绝", "cancelPaypal": "取消并返回",
		"paypalIntro":        "以买家身份登录 PayPal 沙箱并批准此笔付款。",
		"closed":             "该钱包订单已关闭：已被替换，或付款已有结果。",
		"orderExpired":       "该订单已过期，无法再付款。",
		"customer_declined":  "付款在钱包中被拒绝。请重试或选择其他支付方式。",
		"credit_not_allowed": "商户不接受钱包中的信用卡付款，请使用钱包余额。",
		"wallet_declined":    "钱包拒绝了该笔付款。",
	},
}
