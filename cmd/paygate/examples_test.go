package main

import (
	"strings"
	"testing"
)

// The interface document's example bodies, sent as printed: only what makes
// each one unique (orderNo, tradeNo, trackingNo, transactionIdentifier) is
// replaced, its lists of allowed values ("no、auto、standard") are filled with
// one of them, the trailing commas of the dump are removed and the URLs it
// dropped are given. Each must be answered as documented.

const exampleSession = `{
 "amount": "100.99", "captureMethod": "auto", "currency": "USD", "description": "string",
 "expiryTime": "60", "fraudMode": "N", "linkMode": "session", "notificationUrl": "{{url}}/notify",
 "orderNo": "{{orderNo}}",
 "productInfo": [{"price": "100.99", "productName": "shirt", "quantity": "1", "sku": "00000000000001"}],
 "shipping": {"address": {"city": "Seattle", "country": "HK", "line1": "Test 109 line", "line2": "line2",
   "line3": "line3", "postcode": "98102", "state": "WA"}, "carrier": "Fedex", "email": "diaodiaofly@gmail.com",
   "firstName": "zhong", "lastName": "yang", "phone": {"countryCode": "852", "number": "18510775231"},
   "trackingNo": "202208290000001"},
 "threeDsMode": "{{threeDsMode}}"
}`

const examplePayment = `{
 "alipay": {"authCode": "120061098828009406", "limitPayMethod": "no_credit", "openId": "string",
   "productType": "qr-code", "storeId": "P000001", "subAppId": "string"},
 "alipayPlus": {"authCode": "120061098828009406", "limitPayMethod": "no_credit", "openId": "string",
   "productType": "qr-code", "storeId": "P000001", "subAppId": "string"},
 "amount": "199.68",
 "billing": {"address": {"city": "Seattle", "country": "HK", "line1": "Test 109 line", "line2": "line2",
   "line3": "line3", "postcode": "98102", "state": "WA"}, "birthday": "2022-08-01",
   "customerInitiatedReason": "UNSCHEDULED", "email": "diaodiaofly@gmail.com",
   "phone": {"countryCode": "852", "number": "18510775231"}, "storedcredentials": "{{stored}}"},
 "billingDesc": "If you need to activate, please contact the account manager",
 "card": {"captureMethod": "auto", "cardNo": "6212454545454690", "cvc": "401", "expiryMonth": "06",
   "expiryYear": "2027", "firstName": "zhong", "lastName": "yang"},
 "currency": "USD", "description": "buy a apple",
 "deviceInfo": {"browser": {"acceptHeader": "text/html", "colorDepth": "48", "javaEnable": false,
   "javascriptEnable": true, "screenHeight": "800", "screenWidth": "1200", "sessionId": "0", "timeZone": "0",
   "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Safari/537.36"},
   "clientIp": "10.1.1.1", "deviceId": "10000000000", "language": "en-US",
   "location": {"lat": "-37.81892", "lon": "144.95913"},
   "mobile": {"deviceModel": "apple iphone7", "osType": "IOS", "osVersion": "ios14.5"}},
 "expiryTime": "60", "fraudMode": "{{fraudMode}}", "grabPay": {"productType": "qr-code"},
 "notificationUrl": "{{url}}/notify", "orderNo": "{{orderNo}}", "payNow": {"productType": "qr-code"},
 "paymentMethodType": "{{method}}",
 "paypal": {"metadata": "key-value", "productType": "qr-code"},
 "productInfo": [{"price": "5.55", "productName": "shirt", "quantity": "1", "sku": "00000000000001"}],
 "shipping": {"address": {"city": "Seattle", "country": "HK", "line1": "Test 109 line", "line2": "line2",
   "line3": "line3", "postcode": "98102", "state": "WA"}, "carrier": "Fedex", "email": "diaodiaofly@gmail.com",
   "firstName": "zhong", "lastName": "yang", "phone": {"countryCode": "852", "number": "18510775231"},
   "trackingNo": "202208290000001"},
 "shopeePay": {"productType": "qr-code"},
 "threeDsData": {"authenticationResultCode": "Y", "cavv": "a772a34d-d58a-4896-bf22-40b2af96eabd",
   "dsTransId": "020100006afa60729412446b96732f98b3ee98a2", "dsVersion": "2.1.0", "eci": "01", "xid": "05"},
 "threeDsMode": "{{threeDsMode}}",
 "upay": {"authCode": "120061098828009406", "productType": "qr-code", "storeId": "P000001"},
 "wechat": {"attach": "string", "authCode": "120061098828009406", "limitPayMethod": "no_credit", "openId": "string",
   "productType": "qr-code", "storeId": "P000001", "subAppId": "string"}
}`

const exampleToken = `{
 "amount": "100.99", "cardNo": "4444333322221111", "customerInitiatedReason": "RECURRING", "description": "string",
 "deviceInfo": {"browser": {"acceptHeader": "text/html", "colorDepth": "48", "javaEnable": false,
   "javascriptEnable": true, "screenHeight": "800", "screenWidth": "1200", "sessionId": "0", "timeZone": "0",
   "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Safari/537.36"},
   "clientIp": "10.1.1.1", "deviceId": "10000000000", "language": "en-US",
   "location": {"lat": "-37.81892", "lon": "144.95913"},
   "mobile": {"deviceModel": "apple iphone7", "osType": "IOS", "osVersion": "ios14.5"}},
 "expiryMonth": "12", "expiryYear": "2027", "orderNo": "{{orderNo}}", "threeDsMode": "{{threeDsMode}}",
 "transactionIdentifier": "{{txID}}"
}`

const exampleCapture = `{"captureAmount": "100.55", "orderNo": "{{orderNo}}", "tradeNo": "{{tradeNo}}"}`

const exampleInquiry = `{"orderNo": "{{orderNo}}", "paymentMethodType": "card", "tradeNo": "{{tradeNo}}"}`

const exampleRefund = `{"amount": "{{amount}}", "clientIp": "10.1.1.1", "notificationUrl": "{{url}}/notify",
 "orderNo": "{{orderNo}}", "reason": "The product does not match the description", "refundNumber": "{{refundNumber}}",
 "tradeNo": "{{tradeNo}}"}`

const exampleTrackerInquiry = `{"matedata": "K-V", "orderNo": "{{orderNo}}", "trackingNo": "{{trackingNo}}"}`

const exampleTracker = `{"carrier": "2EBOX", "orderNo": "{{orderNo}}", "shipmentDate": "2026-11-20",
 "shipmentDirection": "FORWARD", "shippingStatus": "SHIPPED", "trackingNo": "{{trackingNo}}",
 "trackingNumberType": "CARRIER_PROVIDED"}`

const exampleTrackerUpdate = `{"iterms": [{"op": "replace", "path": "/status", "value": "CANCELLED"}],
 "matedata": "K-V", "orderNo": "{{orderNo}}", "trackingNo": "{{trackingNo}}"}`

const exampleSubscription = `{"apiVersion": "20250703", "signMethod": "sha256", "subscribeUrl": "{{url}}/sub"}`

// fill replaces each {{name}} of an example with its value.
func fill(example string, kv ...string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		example = strings.ReplaceAll(example, "{{"+kv[i]+"}}", kv[i+1])
	}
	if i := strings.Index(example, "{{"); i >= 0 {
		panic("example left unfilled: " + example[i:])
	}
	return example
}

func TestInterfaceExamples(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	rcv := newReceiver(t)
	url := rcv.URL

	c.do("POST", "/v1/notifications/subscriptions", fill(exampleSubscription, "url", url)).want(201)
	r := c.do("POST", "/v1/checkout/sessions", fill(exampleSession, "url", url, "orderNo", nextOrderNo("ex-s"), "threeDsMode", "auto")).want(201)
	if r.str("checkoutUrl") == "" {
		t.Errorf("session: got %s, want a checkoutUrl", r.body)
	}

	// The payment example with each of its listed methods: the objects of
	// the other methods (paypal's string metadata among them) are ignored.
	for _, method := range []string{"card", "payNow", "paypal", "wechat", "upay", "alipay", "alipayPlus", "shopeePay"} {
		t.Run("Payment/"+method, func(t *testing.T) {
			currency := map[string]string{"payNow": "SGD", "shopeePay": "SGD"}[method]
			body := fill(examplePayment, "stored", "none", "fraudMode", "N", "url", url, "orderNo", nextOrderNo("ex-p"),
				"method", method, "threeDsMode", "auto")
			if currency != "" {
				body = strings.Replace(body, `"currency": "USD"`, `"currency": "`+currency+`"`, 1)
			}
			r := c.do("POST", "/v1/payments", body).want(201)
			if method == "paypal" && r.get("wallet.metadata") != "key-value" {
				t.Errorf("wallet.metadata: got %v, want the string sent", r.get("wallet.metadata"))
			}
		})
	}

	// Store the card (the example with storedcredentials store), charge it by
	// token, capture, inquire, refund.
	orderNo := nextOrderNo("ex-st")
	r = c.do("POST", "/v1/payments", fill(examplePayment, "stored", "store", "fraudMode", "Y", "url", url,
		"orderNo", orderNo, "method", "card", "threeDsMode", "standard")).want(201)
	if r.str("status") != "SUCCEEDED" || r.str("transactionIdentifier") == "" {
		t.Fatalf("storing payment: got %s, want SUCCEEDED with a transactionIdentifier", r.body)
	}
	// The token example's card is another one: store it too.
	txID := storeCard(t, c, "4444333322221111", "12", "2027")
	// standard challenges the customer, who is then present (docs/decisions.md).
	for mode, want := range map[string]string{"no": "SUCCEEDED", "auto": "SUCCEEDED", "standard": "REQUIRES_ACTION"} {
		r = c.do("POST", "/v1/payments/token", fill(exampleToken, "orderNo", nextOrderNo("ex-t"), "threeDsMode", mode, "txID", txID)).want(201)
		if r.str("status") != want {
			t.Errorf("token payment with threeDsMode %s: got %s, want %s", mode, r.body, want)
		}
	}

	manual := cardPayment(nextOrderNo("ex-m"), "4242424242424242")
	manual["captureMethod"] = "manual"
	m := c.do("POST", "/v1/payments", manual).want(201)
	c.do("POST", "/v1/payments/capture", fill(exampleCapture, "orderNo", m.str("orderNo"), "tradeNo", m.str("tradeNo"))).want(200)
	c.do("POST", "/v1/payments/inquiry", fill(exampleInquiry, "orderNo", m.str("orderNo"), "tradeNo", m.str("tradeNo"))).want(200)
	c.do("POST", "/v1/payments/cancel", fill(exampleInquiry, "orderNo", m.str("orderNo"), "tradeNo", m.str("tradeNo"))).wantError(409, "invalid_state", "")
	c.do("POST", "/v1/refunds", fill(exampleRefund, "amount", "100.55", "url", url, "orderNo", m.str("orderNo"),
		"tradeNo", m.str("tradeNo"), "refundNumber", nextOrderNo("ex-rf"))).want(201)

	// Tracking: add, the batch (the example's array), update, inquiry.
	paid, _ := paidOrder(t, c, nil)
	c.do("POST", "/v1/tracking", fill(exampleTracker, "orderNo", paid, "trackingNo", "Fb202208290000001")).want(201)
	c.do("POST", "/v1/tracking/batch", "["+fill(exampleTracker, "orderNo", paid, "trackingNo", "Fb202208290000002")+"]").want(200)
	r = c.do("POST", "/v1/tracking/update", fill(exampleTrackerUpdate, "orderNo", paid, "trackingNo", "FB202208290000001")).want(200)
	if r.str("status") != "CANCELLED" || r.get("metadata") != "K-V" {
		t.Errorf("tracker update: got %s, want CANCELLED with metadata K-V", r.body)
	}
	r = c.do("POST", "/v1/tracking/inquiry", fill(exampleTrackerInquiry, "orderNo", paid, "trackingNo", "Fb202208290000001")).want(200)
	if r.get("metadata") != "K-V" {
		t.Errorf("tracker inquiry: got metadata %v, want K-V", r.get("metadata"))
	}
}
