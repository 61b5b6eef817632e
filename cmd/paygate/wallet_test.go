package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"paygate/acquirer"
)

// The wallet and QR methods end to end: every method and product type is
// approved (and refunded), declined, expired and cancelled over HTTP; QR
// images are decoded and compared with qrCode; EMVCo payloads have their
// CRC checked.

// walletApp starts an app whose tokens outlive the clock jumps of expiry tests.
func walletApp(t *testing.T) (*app, *client) {
	t.Helper()
	a := startApp(t, func(m *Main) { m.TokenTTL = 10000 * time.Hour })
	return a, a.sandbox()
}

// walletPayment is a create-payment body for a wallet method with its object.
func walletPayment(orderNo, method, currency, amount string, obj map[string]any) map[string]any {
	b := map[string]any{
		"amount": amount, "currency": currency, "orderNo": orderNo, "paymentMethodType": method,
		"description": "buy a apple", "deviceInfo": map[string]any{"clientIp": "10.1.1.1", "language": "en-US"},
	}
	if obj != nil {
		b[method] = obj
	}
	return b
}

// walletCase is one method and product type paid by the shopper in the wallet.
type walletCase struct {
	method, product, currency string
	obj                       map[string]any
	action                    string // nextAction.type
}

func walletCases() []walletCase {
	var cs []walletCase
	for _, m := range []struct{ method, currency string }{{"wechat", "CNY"}, {"alipay", "CNY"}, {"alipayPlus", "SGD"}} {
		cs = append(cs,
			walletCase{m.method, "qr-code", m.currency, map[string]any{"productType": "qr-code", "storeId": "P000001"}, "qr_code"},
			walletCase{m.method, "h5", m.currency, map[string]any{"productType": "h5"}, "redirect"},
			walletCase{m.method, "in-app", m.currency, map[string]any{"productType": "in-app", "subAppId": "wxapp0001"}, "sdk"},
			walletCase{m.method, "mini-program", m.currency, map[string]any{"productType": "mini-program", "openId": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "subAppId": "wxmini0001"}, "sdk"},
		)
	}
	return append(cs,
		walletCase{"upay", "qr-code", "HKD", map[string]any{"productType": "qr-code", "storeId": "P000001"}, "qr_code"},
		walletCase{"payNow", "qr-code", "SGD", map[string]any{"productType": "qr-code"}, "qr_code"},
		walletCase{"grabPay", "qr-code", "MYR", map[string]any{"productType": "qr-code"}, "qr_code"},
		walletCase{"shopeePay", "qr-code", "PHP", map[string]any{"productType": "qr-code"}, "qr_code"},
		walletCase{"paypal", "redirect", "USD", map[string]any{"metadata": map[string]string{"cartId": "c-1"}}, "redirect"},
		walletCase{"paypal", "qr-code", "EUR", map[string]any{"productType": "qr-code"}, "qr_code"},
	)
}

// decide answers on the sandbox wallet page: GET it, then post the form.
func decide(t *testing.T, simulateURL, action, account string) (int, string, string) {
	t.Helper()
	return openWallet(t, simulateURL)(action, account)
}

// openWallet opens the sandbox wallet page and returns the shopper's answer
// to post later, as from a page left open meanwhile.
func openWallet(t *testing.T, simulateURL string) func(action, account string) (int, string, string) {
	t.Helper()
	pg := newPage(t)
	code, html, h := pg.get(simulateURL)
	if code != 200 {
		t.Fatalf("wallet page: got %d, want 200: %s", code, html)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("wallet page CSP: got %q, want a strict policy", csp)
	}
	csrf := cardForm(html, "")["csrf"]
	return func(action, account string) (int, string, string) {
		t.Helper()
		return pg.post(simulateURL, url.Values{"csrf": csrf, "action": {action}, "account": {account}})
	}
}

// decodeQR fetches a QR image and returns the text a QR reader finds in it.
func decodeQR(t *testing.T, imageURL string) string {
	t.Helper()
	resp, err := http.Get(imageURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR image: got %d %s, want 200 image/png", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("QR image: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// The served image is a pure code (whole-pixel modules, a quiet zone,
	// nothing else): PURE_BARCODE reads it by its geometry, where ZXing's
	// finder-pattern search misses about one code in 200 (zbarimg reads
	// those too).
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		res, err = qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	}
	if err != nil {
		t.Fatalf("QR image %s (%v) does not decode: %v", imageURL, img.Bounds(), err)
	}
	return res.GetText()
}

// crc16 is CRC-16/CCITT-FALSE written out again, so the test does not
// check the code with itself.
func crc16(s string) string {
	crc := 0xFFFF
	for i := 0; i < len(s); i++ {
		crc ^= int(s[i]) << 8
		for range 8 {
			crc <<= 1
			if crc&0x10000 != 0 {
				crc ^= 0x11021
			}
		}
	}
	return fmt.Sprintf("%04X", crc)
}

// checkEMV checks an EMVCo payload's structure and CRC and returns its
// top-level fields.
func checkEMV(t *testing.T, payload string) map[string]string {
	t.Helper()
	if len(payload) < 8 || payload[len(payload)-8:len(payload)-4] != "6304" {
		t.Fatalf("EMVCo payload %q: got no CRC field 63 at its end", payload)
	}
	if got, want := payload[len(payload)-4:], crc16(payload[:len(payload)-4]); got != want {
		t.Fatalf("EMVCo CRC of %q: got %s, want %s", payload, got, want)
	}
	fields, err := acquirer.ParseEMV(payload)
	if err != nil {
		t.Fatalf("EMVCo payload %q: %v", payload, err)
	}
	if fields["00"] != "01" || fields["01"] != "12" {
		t.Errorf("EMVCo payload: got format %q and point %q, want 01 and 12 (dynamic)", fields["00"], fields["01"])
	}
	return fields
}

// checkAction checks a new wallet payment's nextAction for its case.
func checkAction(t *testing.T, a *app, tc walletCase, r *response) {
	t.Helper()
	if r.str("status") != "REQUIRES_ACTION" || r.get("nextAction.type") != tc.action {
		t.Fatalf("got %s, want REQUIRES_ACTION with nextAction %s", r.body, tc.action)
	}
	if r.get("paymentMethodType") != tc.method || r.get("wallet.productType") != tc.product {
		t.Errorf("got method %v product %v, want %s %s", r.get("paymentMethodType"), r.get("wallet.productType"), tc.method, tc.product)
	}
	sim, _ := r.get("nextAction.simulateUrl").(string)
	if !strings.HasPrefix(sim, a.URL+"/wallet/pay/") {
		t.Errorf("simulateUrl: got %q, want our wallet page", sim)
	}
	switch tc.action {
	case "qr_code":
		code, _ := r.get("nextAction.qrCode").(string)
		img, _ := r.get("nextAction.qrImageUrl").(string)
		if !strings.HasPrefix(img, a.URL+"/wallet/qr/") {
			t.Errorf("qrImageUrl: got %q, want one of ours", img)
		}
		if got := decodeQR(t, img); got != code {
			t.Errorf("decoded QR: got %q, want qrCode %q", got, code)
		}
		switch tc.method {
		case "wechat":
			if !strings.HasPrefix(code, "weixin://wxpay/bizpayurl?pr=") {
				t.Errorf("WeChat Pay code: got %q", code)
			}
		case "alipay":
			if !strings.HasPrefix(code, "https://qr.alipay.com/") {
				t.Errorf("Alipay code: got %q", code)
			}
		case "paypal":
			if code != sim {
				t.Errorf("PayPal code: got %q, want the approval page %q", code, sim)
			}
		case "payNow", "upay", "grabPay", "shopeePay":
			f := checkEMV(t, code)
			if f["54"] != r.str("amount") {
				t.Errorf("EMVCo amount: got %q, want %s", f["54"], r.str("amount"))
			}
			if tc.method == "payNow" {
				acct, _ := acquirer.SplitEMV(f["26"])
				if acct["00"] != "SG.PAYNOW" || f["53"] != "702" || f["58"] != "SG" {
					t.Errorf("SGQR: got account %v currency %s country %s, want SG.PAYNOW 702 SG", acct, f["53"], f["58"])
				}
			}
			if tc.method == "upay" && f["15"] == "" {
				t.Errorf("UnionPay QR: got no merchant account field 15 in %v", f)
			}
		}
	case "redirect":
		if u, _ := r.get("nextAction.url").(string); u != sim {
			t.Errorf("redirect url: got %q, want the sandbox page %q", u, sim)
		}
	case "sdk":
		params, _ := r.get("nextAction.sdkParams").(map[string]any)
		if len(params) == 0 {
			t.Errorf("sdkParams: got none in %s", r.body)
		}
		if tc.method == "wechat" && tc.product == "mini-program" && (params["appId"] != "wxmini0001" || !strings.HasPrefix(fmt.Sprint(params["package"]), "prepay_id=")) {
			t.Errorf("WeChat mini program sdkParams: got %v", params)
		}
	}
}

func TestWalletFlows(t *testing.T) {
	a, c := walletApp(t)
	create := func(t *testing.T, tc walletCase) *response {
		t.Helper()
		r := c.do("POST", "/v1/payments", walletPayment(nextOrderNo("wal"), tc.method, tc.currency, "100.00", tc.obj)).want(201)
		checkAction(t, a, tc, r)
		return r
	}
	for _, tc := range walletCases() {
		t.Run(tc.method+"/"+tc.product, func(t *testing.T) {
			t.Run("approve and refund", func(t *testing.T) {
				r := create(t, tc)
				tradeNo := r.str("tradeNo")
				answer := openWallet(t, r.get("nextAction.simulateUrl").(string))
				code, loc, _ := answer("approve", "balance")
				if code != http.StatusSeeOther {
					t.Fatalf("approve: got %d, want 303", code)
				}
				q := c.do("GET", "/v1/payments/"+tradeNo, nil).want(200)
				if q.str("status") != "SUCCEEDED" || q.str("capturedAmount") != "100.00" || q.get("nextAction") != nil {
					t.Fatalf("after approval: got %s, want SUCCEEDED, captured, no nextAction", q.body)
				}
				if q.get("wallet.buyerAccount") != "138****8000" || q.get("wallet.funding") != "balance" || q.get("wallet.transactionId") == nil {
					t.Errorf("wallet: got %v, want the masked buyer, balance, a transaction id", q.get("wallet"))
				}
				if tc.method == "paypal" && q.get("wallet.metadata.cartId") != "c-1" && tc.product == "redirect" {
					t.Errorf("paypal metadata: got %v", q.get("wallet.metadata"))
				}
				if tc.action != "redirect" && !strings.Contains(loc, "/wallet/pay/") {
					t.Errorf("approve of a %s: got Location %q, want the wallet page showing the outcome", tc.action, loc)
				}
				// Approving again, or the QR image of a paid order: closed.
				if code, _, _ := answer("approve", "balance"); code != http.StatusConflict {
					t.Errorf("second approval: got %d, want 409", code)
				}
				if img, _ := r.get("nextAction.qrImageUrl").(string); img != "" {
					if resp, err := http.Get(img); err != nil || resp.StatusCode != 404 {
						t.Errorf("QR image of a paid order: got %v %v, want 404", resp.StatusCode, err)
					}
				}
				refund := func(no, amount string) *response {
					return c.do("POST", "/v1/refunds", map[string]any{"tradeNo": tradeNo, "amount": amount,
						"refundNumber": no, "reason": "damaged", "clientIp": "10.1.1.1"})
				}
				if rf := refund(nextOrderNo("rf"), "30.00").want(201); rf.str("status") != "SUCCEEDED" {
					t.Fatalf("refund: got %s", rf.body)
				}
				refund(nextOrderNo("rf"), "80.00").wantError(422, "amount_exceeded", "")
				refund(nextOrderNo("rf"), "70.00").want(201)
				q = c.do("POST", "/v1/payments/inquiry", map[string]any{"tradeNo": tradeNo}).want(200)
				if q.str("status") != "REFUNDED" || q.str("refundedAmount") != "100.00" || len(q.get("refunds").([]any)) != 2 {
					t.Errorf("after refunds: got %s, want REFUNDED with two refunds", q.body)
				}
			})
			t.Run("decline", func(t *testing.T) {
				r := create(t, tc)
				decide(t, r.get("nextAction.simulateUrl").(string), "decline", "")
				q := c.do("GET", "/v1/payments/"+r.str("tradeNo"), nil).want(200)
				if q.str("status") != "FAILED" || q.str("failureCode") != "customer_declined" {
					t.Errorf("after decline: got %s, want FAILED customer_declined", q.body)
				}
			})
			t.Run("expire", func(t *testing.T) {
				r := create(t, tc)
				tradeNo := r.str("tradeNo")
				answer := openWallet(t, r.get("nextAction.simulateUrl").(string))
				a.clock.Advance(29 * time.Minute)
				if _, err := a.Gateway.Sweep(context.Background()); err != nil {
					t.Fatal(err)
				}
				if q := c.do("GET", "/v1/payments/"+tradeNo, nil).want(200); q.str("status") != "REQUIRES_ACTION" {
					t.Fatalf("before expiryTime: got %s, want REQUIRES_ACTION", q.str("status"))
				}
				a.clock.Advance(2 * time.Minute)
				// Approving after expiryTime is refused even before the sweep runs.
				if code, _, body := answer("approve", "balance"); code != http.StatusConflict || !strings.Contains(body, "expired") {
					t.Errorf("late approval: got %d %s, want 409 expired", code, body)
				}
				a.Gateway.Sweep(context.Background())
				q := c.do("GET", "/v1/payments/"+tradeNo, nil).want(200)
				if q.str("status") != "EXPIRED" || q.get("nextAction") != nil {
					t.Errorf("after expiry: got %s, want EXPIRED without nextAction", q.body)
				}
			})
			t.Run("cancel", func(t *testing.T) {
				r := create(t, tc)
				answer := openWallet(t, r.get("nextAction.simulateUrl").(string))
				q := c.do("POST", "/v1/payments/cancel", map[string]any{"tradeNo": r.str("tradeNo")}).want(200)
				if q.str("status") != "CANCELLED" {
					t.Fatalf("cancel: got %s, want CANCELLED", q.body)
				}
				if code, _, _ := answer("approve", "balance"); code != http.StatusConflict {
					t.Errorf("approval after cancel: got %d, want 409", code)
				}
				c.do("POST", "/v1/refunds", map[string]any{"tradeNo": r.str("tradeNo"), "amount": "1.00", "refundNumber": nextOrderNo("rf"),
					"reason": "x", "clientIp": "10.1.1.1"}).wantError(409, "invalid_state", "")
			})
		})
	}
}

func TestWalletAuthCode(t *testing.T) {
	a, c := walletApp(t)
	for _, m := range []struct{ method, currency string }{{"wechat", "CNY"}, {"alipay", "USD"}, {"alipayPlus", "MYR"}, {"upay", "HKD"}} {
		pay := func(code string, extra map[string]any) *response {
			obj := map[string]any{"productType": "pay", "authCode": code, "storeId": "P000001"}
			for k, v := range extra {
				obj[k] = v
			}
			return c.do("POST", "/v1/payments", walletPayment(nextOrderNo("pay"), m.method, m.currency, "50.00", obj)).want(201)
		}
		t.Run(m.method, func(t *testing.T) {
			t.Run("approve and refund", func(t *testing.T) {
				r := pay("134567890123451234", nil)
				if r.str("status") != "SUCCEEDED" || r.get("wallet.funding") != "balance" || r.get("nextAction") != nil {
					t.Fatalf("got %s, want SUCCEEDED at once", r.body)
				}
				if strings.Contains(string(r.body), "134567890123451234") {
					t.Errorf("the authCode appears in the answer: %s", r.body)
				}
				c.do("POST", "/v1/refunds", map[string]any{"tradeNo": r.str("tradeNo"), "amount": "20.00",
					"refundNumber": nextOrderNo("rf"), "reason": "x", "clientIp": "10.1.1.1"}).want(201)
				if q := c.do("GET", "/v1/payments/"+r.str("tradeNo"), nil); q.str("status") != "PARTIALLY_REFUNDED" {
					t.Errorf("after refund: got %s", q.str("status"))
				}
			})
			t.Run("decline", func(t *testing.T) {
				r := pay("1345678901234500000", nil)
				if r.str("status") != "FAILED" || r.str("failureCode") != "wallet_declined" {
					t.Errorf("got %s, want FAILED wallet_declined", r.body)
				}
			})
			t.Run("user paying settles by inquiry", func(t *testing.T) {
				r := pay("134567890123451111", nil)
				if r.str("status") != "PENDING" {
					t.Fatalf("got %s, want PENDING (user paying)", r.body)
				}
				if q := c.do("POST", "/v1/payments/inquiry", map[string]any{"tradeNo": r.str("tradeNo")}); q.str("status") != "PENDING" {
					t.Errorf("inquiry at once: got %s, want PENDING", q.str("status"))
				}
				a.clock.Advance(6 * time.Second)
				q := c.do("POST", "/v1/payments/inquiry", map[string]any{"tradeNo": r.str("tradeNo")}).want(200)
				if q.str("status") != "SUCCEEDED" || q.get("wallet.buyerAccount") == nil {
					t.Errorf("inquiry a few seconds later: got %s, want SUCCEEDED", q.body)
				}
			})
			t.Run("user paying settles by the sweep", func(t *testing.T) {
				r := pay("134567890123451111", nil)
				a.clock.Advance(6 * time.Second)
				if _, err := a.Gateway.Sweep(context.Background()); err != nil {
					t.Fatal(err)
				}
				p, err := a.store.Payment(context.Background(), a.Sandbox.Merchant.ID, r.str("tradeNo"))
				if err != nil || p.Status != "SUCCEEDED" {
					t.Errorf("after the sweep: got %v %v, want SUCCEEDED", p, err)
				}
			})
			t.Run("cancel while user paying", func(t *testing.T) {
				r := pay("134567890123451111", nil)
				if q := c.do("POST", "/v1/payments/cancel", map[string]any{"tradeNo": r.str("tradeNo")}).want(200); q.str("status") != "CANCELLED" {
					t.Fatalf("cancel: got %s", q.body)
				}
				a.clock.Advance(6 * time.Second)
				a.Gateway.Sweep(context.Background())
				if q := c.do("GET", "/v1/payments/"+r.str("tradeNo"), nil); q.str("status") != "CANCELLED" {
					t.Errorf("got %s, want CANCELLED", q.str("status"))
				}
			})
			t.Run("credit", func(t *testing.T) {
				if m.method == "upay" {
					t.Skip("upay has no limitPayMethod")
				}
				if r := pay("134567890123452222", nil); r.str("status") != "SUCCEEDED" || r.get("wallet.funding") != "credit" {
					t.Errorf("credit without no_credit: got %s, want SUCCEEDED by credit", r.body)
				}
				r := pay("134567890123452222", map[string]any{"limitPayMethod": "no_credit"})
				if r.str("status") != "FAILED" || r.str("failureCode") != "credit_not_allowed" {
					t.Errorf("credit under no_credit: got %s, want FAILED credit_not_allowed", r.body)
				}
			})
		})
	}
}

func TestWalletNoCredit(t *testing.T) {
	a, c := walletApp(t)
	_ = a
	for _, method := range []string{"wechat", "alipay", "alipayPlus"} {
		cur := map[string]string{"wechat": "CNY", "alipay": "CNY", "alipayPlus": "USD"}[method]
		r := c.do("POST", "/v1/payments", walletPayment(nextOrderNo("nc"), method, cur, "10.00",
			map[string]any{"productType": "qr-code", "limitPayMethod": "no_credit"})).want(201)
		decide(t, r.get("nextAction.simulateUrl").(string), "approve", "credit")
		q := c.do("GET", "/v1/payments/"+r.str("tradeNo"), nil)
		if q.str("status") != "FAILED" || q.str("failureCode") != "credit_not_allowed" || q.get("wallet.limitPayMethod") != "no_credit" {
			t.Errorf("%s: got %s, want FAILED credit_not_allowed", method, q.body)
		}
	}
}

func TestWalletPayPalReturnsToFrontURL(t *testing.T) {
	a, c := walletApp(t)
	_ = a
	for _, action := range []string{"approve", "decline"} {
		body := walletPayment(nextOrderNo("pp"), "paypal", "USD", "25.00", map[string]any{"productType": "redirect"})
		body["frontUrl"] = "https://shop.example/return"
		r := c.do("POST", "/v1/payments", body).want(201)
		code, loc, _ := decide(t, r.get("nextAction.url").(string), action, "")
		want := map[string]string{"approve": "SUCCEEDED", "decline": "FAILED"}[action]
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "https://shop.example/return?") || !strings.Contains(loc, "status="+want) {
			t.Errorf("%s: got %d %s, want 303 to frontUrl with status %s", action, code, loc, want)
		}
	}
}

func TestWalletDevice(t *testing.T) {
	a, c := walletApp(t)
	for _, w := range []struct{ method, field, prefix string }{{"applePay", "paymentData", "tok_applepay_"}, {"googlePay", "paymentToken", "tok_googlepay_"}} {
		pay := func(kind, capture string) *response {
			b := walletPayment(nextOrderNo("dev"), w.method, "USD", "60.00", map[string]any{w.field: w.prefix + kind})
			if capture != "" {
				b["captureMethod"] = capture
			}
			return c.do("POST", "/v1/payments", b)
		}
		t.Run(w.method, func(t *testing.T) {
			t.Run("approve and refund", func(t *testing.T) {
				r := pay("visa", "").want(201)
				if r.str("status") != "SUCCEEDED" || r.get("card.brand") != "visa" || r.get("card.last4") != "3478" ||
					r.get("threeDs.eci") != "05" || r.get("threeDs.liabilityShift") != true || r.get("wallet") != nil {
					t.Fatalf("got %s, want a SUCCEEDED Visa device card, eci 05", r.body)
				}
				c.do("POST", "/v1/refunds", map[string]any{"tradeNo": r.str("tradeNo"), "amount": "60.00",
					"refundNumber": nextOrderNo("rf"), "reason": "x", "clientIp": "10.1.1.1"}).want(201)
				if q := c.do("GET", "/v1/payments/"+r.str("tradeNo"), nil); q.str("status") != "REFUNDED" {
					t.Errorf("after refund: got %s", q.str("status"))
				}
				if m := pay("mastercard", "").want(201); m.get("card.brand") != "mastercard" || m.get("threeDs.eci") != "02" {
					t.Errorf("mastercard: got %s", m.body)
				}
			})
			t.Run("decline", func(t *testing.T) {
				for kind, code := range map[string]string{"declined": "card_declined", "insufficient_funds": "insufficient_funds"} {
					if r := pay(kind, "").want(201); r.str("status") != "FAILED" || r.str("failureCode") != code {
						t.Errorf("%s: got %s, want FAILED %s", kind, r.body, code)
					}
				}
				pay("forged", "").wantError(400, "invalid_parameter", w.method+"."+w.field)
			})
			t.Run("capture, cancel and expire", func(t *testing.T) {
				r := pay("visa", "manual").want(201)
				if r.str("status") != "AUTHORIZED" {
					t.Fatalf("manual: got %s", r.body)
				}
				if q := c.do("POST", "/v1/payments/capture", map[string]any{"tradeNo": r.str("tradeNo"), "captureAmount": "40.00"}).want(200); q.str("status") != "SUCCEEDED" {
					t.Errorf("capture: got %s", q.body)
				}
				r = pay("visa", "manual").want(201)
				if q := c.do("POST", "/v1/payments/cancel", map[string]any{"tradeNo": r.str("tradeNo")}).want(200); q.str("status") != "CANCELLED" {
					t.Errorf("cancel: got %s", q.body)
				}
				r = pay("visa", "manual").want(201)
				a.clock.Advance(7*24*time.Hour + time.Minute)
				a.Gateway.Sweep(context.Background())
				if q := c.do("GET", "/v1/payments/"+r.str("tradeNo"), nil); q.str("status") != "EXPIRED" {
					t.Errorf("uncaptured after 7 days: got %s, want EXPIRED", q.str("status"))
				}
			})
		})
	}
}

func TestWalletBadInput(t *testing.T) {
	_, c := walletApp(t)
	cases := []struct {
		name, method, currency, amount string
		obj                            map[string]any
		param                          string
	}{
		{"object missing", "wechat", "CNY", "10.00", nil, "wechat"},
		{"paynow object missing", "payNow", "SGD", "10.00", nil, "payNow"},
		{"applePay object missing", "applePay", "USD", "10.00", nil, "applePay"},
		{"product type not supported", "payNow", "SGD", "10.00", map[string]any{"productType": "pay"}, "payNow.productType"},
		{"upay h5", "upay", "CNY", "10.00", map[string]any{"productType": "h5"}, "upay.productType"},
		{"unknown product type", "wechat", "CNY", "10.00", map[string]any{"productType": "app"}, "wechat.productType"},
		{"pay without authCode", "wechat", "CNY", "10.00", map[string]any{"productType": "pay"}, "wechat.authCode"},
		{"authCode not digits", "alipay", "CNY", "10.00", map[string]any{"productType": "pay", "authCode": "28ab01098828009406"}, "alipay.authCode"},
		{"authCode too short", "upay", "CNY", "10.00", map[string]any{"productType": "pay", "authCode": "123456789"}, "upay.authCode"},
		{"authCode too long", "wechat", "CNY", "10.00", map[string]any{"productType": "pay", "authCode": strings.Repeat("1", 33)}, "wechat.authCode"},
		{"mini-program without openId", "wechat", "CNY", "10.00", map[string]any{"productType": "mini-program", "subAppId": "wx1"}, "wechat.openId"},
		{"mini-program without subAppId", "alipay", "CNY", "10.00", map[string]any{"productType": "mini-program", "openId": "o1"}, "alipay.subAppId"},
		{"bad limitPayMethod", "wechat", "CNY", "10.00", map[string]any{"limitPayMethod": "no_debit"}, "wechat.limitPayMethod"},
		{"paynow in USD", "payNow", "USD", "10.00", map[string]any{"productType": "qr-code"}, "currency"},
		{"grabpay in CNY", "grabPay", "CNY", "10.00", map[string]any{}, "currency"},
		{"shopeepay in USD", "shopeePay", "USD", "10.00", map[string]any{}, "currency"},
		{"wechat in BRL", "wechat", "BRL", "10.00", map[string]any{}, "currency"},
		{"alipay in INR", "alipay", "INR", "10.00", map[string]any{}, "currency"},
		{"paynow above its limit", "payNow", "SGD", "200000.01", map[string]any{}, "amount"},
		{"wechat above its limit", "wechat", "CNY", "50001", map[string]any{}, "amount"},
		{"manual capture of a wallet", "alipay", "CNY", "10.00", map[string]any{}, "captureMethod"},
		{"empty apple pay token", "applePay", "USD", "10.00", map[string]any{"paymentData": ""}, "applePay.paymentData"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := walletPayment(nextOrderNo("bad"), tc.method, tc.currency, tc.amount, tc.obj)
			if tc.param == "captureMethod" {
				b["captureMethod"] = "manual"
			}
			c.do("POST", "/v1/payments", b).wantError(400, "invalid_parameter", tc.param)
		})
	}
	t.Run("the documented example objects", func(t *testing.T) {
		// The documented examples give authCode and openId with productType qr-code:
		// they are ignored there, and the payment shows a QR code.
		b := walletPayment(nextOrderNo("example"), "alipay", "CNY", "199.68", map[string]any{"authCode": "120061098828009406",
			"limitPayMethod": "no_credit", "openId": "string", "productType": "qr-code", "storeId": "P000001", "subAppId": "string"})
		b["card"] = map[string]any{"captureMethod": "auto", "cardNo": "6212454545454690"}
		if r := c.do("POST", "/v1/payments", b).want(201); r.get("nextAction.type") != "qr_code" {
			t.Errorf("got %s, want a QR code", r.body)
		}
	})
}

// TestWalletCardCaptureMethod: Apple Pay and Google Pay pay with a card, so
// card.captureMethod manual holds the funds as it does for a card; other
// wallets ignore the card object.
func TestWalletCardCaptureMethod(t *testing.T) {
	_, c := walletApp(t)
	for _, w := range []struct{ method, field, token string }{{"applePay", "paymentData", "tok_applepay_visa"}, {"googlePay", "paymentToken", "tok_googlepay_visa"}} {
		b := walletPayment(nextOrderNo("devc"), w.method, "USD", "60.00", map[string]any{w.field: w.token})
		b["card"] = map[string]any{"captureMethod": "manual"}
		if r := c.do("POST", "/v1/payments", b).want(201); r.str("status") != "AUTHORIZED" || r.str("captureMethod") != "manual" {
			t.Errorf("%s with card.captureMethod manual: got %s %s, want AUTHORIZED manual", w.method, r.str("status"), r.str("captureMethod"))
		}
	}
	b := walletPayment(nextOrderNo("devc"), "wechat", "CNY", "60.00", map[string]any{"productType": "qr-code"})
	b["card"] = map[string]any{"captureMethod": "manual", "cardNo": "not a card"}
	b["captureMethod"] = "auto"
	c.do("POST", "/v1/payments", b).want(201)
}
