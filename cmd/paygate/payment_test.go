package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"paygate/acquirer"
)

// TestWalkthrough is the README's curl walk-through: token, card payment,
// capture, refunds, inquiry.
func TestWalkthrough(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()

	// Auto capture: SUCCEEDED at once.
	body := cardPayment(nextOrderNo("auto"), "4242424242424242")
	body["metadata"] = map[string]string{"cart": "42"}
	body["productInfo"] = []map[string]string{{"price": "5.55", "productName": "shirt", "quantity": "1", "sku": "00000000000001"}}
	body["shipping"] = map[string]any{"carrier": "Fedex", "address": map[string]string{"city": "Seattle", "country": "HK"}}
	body["billing"] = map[string]any{"email": "a@example.com", "address": map[string]string{"country": "HK"}}
	body["billingDesc"] = "PAYGATE*SHOP"
	r := c.do("POST", "/v1/payments", body).want(201)
	if r.str("status") != "SUCCEEDED" || r.str("capturedAmount") != "100.99" {
		t.Fatalf("got %s, want SUCCEEDED captured 100.99", r.body)
	}
	if r.get("card.last4") != "4242" || r.get("card.bin") != "424242" || r.get("card.brand") != "visa" {
		t.Errorf("got card %v, want visa 424242/4242", r.get("card"))
	}
	if r.get("metadata.cart") != "42" || r.get("shipping.carrier") != "Fedex" || r.get("billing.email") != "a@example.com" || r.str("billingDesc") != "PAYGATE*SHOP" {
		t.Errorf("stored request parts not returned: %s", r.body)
	}

	// Manual capture: AUTHORIZED, then a partial capture, two refunds.
	orderNo := nextOrderNo("manual")
	body = cardPayment(orderNo, "5555555555554444")
	body["captureMethod"] = "manual"
	r = c.do("POST", "/v1/payments", body).want(201)
	tradeNo := r.str("tradeNo")
	if r.str("status") != "AUTHORIZED" || r.str("capturedAmount") != "0.00" || r.str("expiresAt") == "" {
		t.Fatalf("got %s, want AUTHORIZED with expiresAt", r.body)
	}
	r = c.do("POST", "/v1/payments/capture", map[string]string{"orderNo": orderNo, "captureAmount": "80"}).want(200)
	if r.str("status") != "SUCCEEDED" || r.str("capturedAmount") != "80.00" {
		t.Fatalf("got %s, want SUCCEEDED captured 80.00", r.body)
	}
	refund := map[string]string{"tradeNo": tradeNo, "amount": "30.5", "refundNumber": nextOrderNo("rf"), "reason": "damaged", "clientIp": "10.1.1.1"}
	r = c.do("POST", "/v1/refunds", refund).want(201)
	if r.str("status") != "SUCCEEDED" || r.str("amount") != "30.50" {
		t.Fatalf("got %s, want refund SUCCEEDED 30.50", r.body)
	}
	firstRefund := refund["refundNumber"]
	r = c.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": orderNo}).want(200)
	if r.str("status") != "PARTIALLY_REFUNDED" || r.str("refundedAmount") != "30.50" {
		t.Fatalf("got %s, want PARTIALLY_REFUNDED 30.50", r.body)
	}
	refund = map[string]string{"orderNo": orderNo, "amount": "49.50", "refundNumber": nextOrderNo("rf"), "reason": "rest", "clientIp": "10.1.1.1"}
	c.do("POST", "/v1/refunds", refund).want(201)
	r = c.do("GET", "/v1/payments/"+tradeNo, nil).want(200)
	if r.str("status") != "REFUNDED" || r.str("refundedAmount") != "80.00" {
		t.Fatalf("got %s, want REFUNDED 80.00", r.body)
	}
	if refunds, _ := r.get("refunds").([]any); len(refunds) != 2 {
		t.Errorf("got %d refunds, want 2", len(refunds))
	}

	// Refund inquiry: one by number, all by order.
	r = c.do("POST", "/v1/refunds/inquiry", map[string]string{"refundNumber": firstRefund}).want(200)
	if r.str("amount") != "30.50" || r.str("tradeNo") != tradeNo {
		t.Errorf("got %s, want the first refund", r.body)
	}
	r = c.do("POST", "/v1/refunds/inquiry", map[string]string{"orderNo": orderNo}).want(200)
	if refunds, _ := r.get("refunds").([]any); len(refunds) != 2 {
		t.Errorf("got %s, want 2 refunds", r.body)
	}

	// Every change left an event with from, to and the request id.
	evs, err := a.store.Events(context.Background(), a.Sandbox.Merchant.ID, tradeNo)
	if err != nil {
		t.Fatal(err)
	}
	var path []string
	for _, e := range evs {
		path = append(path, e.From+">"+e.To)
		if e.RequestID == "" || e.At.IsZero() {
			t.Errorf("event %+v lacks request id or time", e)
		}
	}
	want := ">PENDING PENDING>AUTHORIZED AUTHORIZED>SUCCEEDED SUCCEEDED>PARTIALLY_REFUNDED PARTIALLY_REFUNDED>REFUNDED"
	if got := strings.Join(path, " "); got != want {
		t.Errorf("got events %s, want %s", got, want)
	}
}

func TestRequestIDOnEvents(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	r := c.do("POST", "/v1/payments", cardPayment(nextOrderNo("rid"), "4242424242424242"), "X-Request-Id", "my-request-1").want(201)
	if got := r.header.Get("X-Request-Id"); got != "my-request-1" {
		t.Errorf("got X-Request-Id %q, want echo my-request-1", got)
	}
	evs, _ := a.store.Events(context.Background(), a.Sandbox.Merchant.ID, r.str("tradeNo"))
	for _, e := range evs {
		if e.RequestID != "my-request-1" {
			t.Errorf("got event request id %q, want my-request-1", e.RequestID)
		}
	}
}

// TestSandboxCards runs every test card of the sandbox and checks its outcome.
func TestSandboxCards(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	tests := []struct {
		name, card, mode, fraud string
		status, failure         string
		liability               bool
	}{
		{"visa", "4242424242424242", "", "", "SUCCEEDED", "", false},
		{"mastercard", "5555555555554444", "", "", "SUCCEEDED", "", false},
		{"mastercard 2-series", "2223003122003222", "", "", "SUCCEEDED", "", false},
		{"unionpay", "6212454545454690", "", "", "SUCCEEDED", "", false},
		{"visa 2", "4444333322221111", "", "", "SUCCEEDED", "", false},
		{"amex other valid", "378282246310005", "", "", "SUCCEEDED", "", false},
		{"declined", acquirer.CardDeclined, "", "", "FAILED", "card_declined", false},
		{"insufficient funds", acquirer.CardInsufficientFunds, "", "", "FAILED", "insufficient_funds", false},
		{"expired card", acquirer.CardExpired, "", "", "FAILED", "expired_card", false},
		{"incorrect cvc", acquirer.CardIncorrectCVC, "", "", "FAILED", "incorrect_cvc", false},
		{"processing error", acquirer.CardProcessingError, "", "", "FAILED", "processing_error", false},
		{"challenge auto", acquirer.CardChallenge, "auto", "", "REQUIRES_ACTION", "", false},
		{"challenge standard", acquirer.CardChallenge, "standard", "", "REQUIRES_ACTION", "", false},
		{"challenge no", acquirer.CardChallenge, "no", "", "SUCCEEDED", "", false},
		{"frictionless auto", acquirer.CardFrictionless, "auto", "", "SUCCEEDED", "", true},
		{"frictionless standard", acquirer.CardFrictionless, "standard", "", "SUCCEEDED", "", true},
		{"frictionless no", acquirer.CardFrictionless, "no", "", "SUCCEEDED", "", false},
		{"standard plain card", "4242424242424242", "standard", "", "REQUIRES_ACTION", "", false},
		{"fraud screened", acquirer.CardFraud, "", "Y", "FAILED", "fraud_suspected", false},
		{"fraud not screened", acquirer.CardFraud, "", "N", "SUCCEEDED", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := cardPayment(nextOrderNo("card"), tt.card)
			if tt.mode != "" {
				body["threeDsMode"] = tt.mode
			}
			if tt.fraud != "" {
				body["fraudMode"] = tt.fraud
			}
			r := c.do("POST", "/v1/payments", body).want(201)
			if r.str("status") != tt.status || r.str("failureCode") != tt.failure {
				t.Fatalf("got %s/%s, want %s/%s", r.str("status"), r.str("failureCode"), tt.status, tt.failure)
			}
			if got := r.get("threeDs.liabilityShift") == true; got != tt.liability {
				t.Errorf("got liabilityShift %v, want %v", got, tt.liability)
			}
			if tt.status == "REQUIRES_ACTION" {
				if r.get("nextAction.type") != "redirect" || !strings.HasPrefix(r.get("nextAction.url").(string), a.URL) {
					t.Errorf("got nextAction %v, want a redirect on this server", r.get("nextAction"))
				}
			}
			if tt.status == "FAILED" && r.str("failureMessage") == "" {
				t.Error("got empty failureMessage, want text")
			}
			if tt.failure == "fraud_suspected" && r.get("risk.decision") != "decline" {
				t.Errorf("got risk %v, want decline", r.get("risk"))
			}
		})
	}
}

func TestMerchantThreeDsData(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	body := cardPayment(nextOrderNo("3ds"), acquirer.CardChallenge)
	body["threeDsData"] = map[string]string{"authenticationResultCode": "Y", "cavv": "a772a34d-d58a-4896-bf22-40b2af96eabd",
		"dsTransId": "020100006afa60729412446b96732f98b3ee98a2", "dsVersion": "2.1.0", "eci": "05", "xid": "05"}
	r := c.do("POST", "/v1/payments", body).want(201)
	if r.str("status") != "SUCCEEDED" || r.get("threeDs.eci") != "05" || r.get("threeDs.version") != "2.1.0" || r.get("threeDs.liabilityShift") != true {
		t.Fatalf("got %s, want SUCCEEDED with the merchant's 3-D Secure result", r.body)
	}
	body = cardPayment(nextOrderNo("3ds"), "4242424242424242")
	body["threeDsData"] = map[string]string{"eci": "99", "cavv": "x"}
	c.do("POST", "/v1/payments", body).wantError(400, "invalid_parameter", "threeDsData.eci")
}

func TestCaptureCancelRules(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	manual := func() (string, string) {
		orderNo := nextOrderNo("m")
		body := cardPayment(orderNo, "4242424242424242")
		body["captureMethod"] = "manual"
		r := c.do("POST", "/v1/payments", body).want(201)
		return orderNo, r.str("tradeNo")
	}
	orderNo, tradeNo := manual()
	c.do("POST", "/v1/payments/capture", map[string]string{"orderNo": orderNo, "captureAmount": "100.999"}).wantError(400, "invalid_parameter", "captureAmount")
	c.do("POST", "/v1/payments/capture", map[string]string{"orderNo": orderNo, "captureAmount": "101"}).wantError(422, "amount_exceeded", "")
	c.do("POST", "/v1/payments/capture", map[string]string{"orderNo": orderNo, "tradeNo": "T000", "captureAmount": "1"}).want(404)
	c.do("POST", "/v1/payments/capture", map[string]string{"orderNo": orderNo, "tradeNo": tradeNo, "captureAmount": "100.99"}).want(200)
	r := c.do("POST", "/v1/payments/capture", map[string]string{"orderNo": orderNo, "captureAmount": "1"}).wantError(409, "invalid_state", "")
	if !strings.Contains(r.body2(), "SUCCEEDED") {
		t.Errorf("got %s, want the message to name the current status", r.body)
	}
	c.do("POST", "/v1/payments/cancel", map[string]string{"orderNo": orderNo}).wantError(409, "invalid_state", "")
	c.do("POST", "/v1/refunds", map[string]string{"orderNo": orderNo, "amount": "100.99", "refundNumber": nextOrderNo("rf"), "reason": "r", "clientIp": "1.1.1.1"}).want(201)
	c.do("POST", "/v1/refunds", map[string]string{"orderNo": orderNo, "amount": "0.01", "refundNumber": nextOrderNo("rf"), "reason": "r", "clientIp": "1.1.1.1"}).wantError(409, "invalid_state", "")

	// Void an authorization.
	orderNo, _ = manual()
	r = c.do("POST", "/v1/payments/cancel", map[string]string{"orderNo": orderNo}).want(200)
	if r.str("status") != "CANCELLED" {
		t.Fatalf("got %s, want CANCELLED", r.str("status"))
	}
	c.do("POST", "/v1/refunds", map[string]string{"orderNo": orderNo, "amount": "1", "refundNumber": nextOrderNo("rf"), "reason": "r", "clientIp": "1.1.1.1"}).wantError(409, "invalid_state", "")

	// Close a payment waiting for the customer.
	body := cardPayment(nextOrderNo("ra"), acquirer.CardChallenge)
	r = c.do("POST", "/v1/payments", body).want(201)
	r = c.do("POST", "/v1/payments/cancel", map[string]string{"tradeNo": r.str("tradeNo")}).want(200)
	if r.str("status") != "CANCELLED" || r.get("nextAction") != nil {
		t.Fatalf("got %s, want CANCELLED without nextAction", r.body)
	}

	// Refunds above the captured amount.
	orderNo = nextOrderNo("ex")
	c.do("POST", "/v1/payments", cardPayment(orderNo, "4242424242424242")).want(201)
	c.do("POST", "/v1/refunds", map[string]string{"orderNo": orderNo, "amount": "101", "refundNumber": nextOrderNo("rf"), "reason": "r", "clientIp": "1.1.1.1"}).wantError(422, "amount_exceeded", "")
}

func (r *response) body2() string { return string(r.body) }

func TestIdempotency(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	body := cardPayment(nextOrderNo("idem"), "4242424242424242")
	first := c.do("POST", "/v1/payments", body).want(201)
	again := c.do("POST", "/v1/payments", body).want(200)
	if again.header.Get("Idempotent-Replayed") != "true" || string(again.body) != string(first.body) {
		t.Errorf("replay: got %s (replayed %q), want the first answer", again.body, again.header.Get("Idempotent-Replayed"))
	}
	body["amount"] = "1.00"
	c.do("POST", "/v1/payments", body).wantError(409, "duplicate_order_no", "")

	// refundNumber
	refund := map[string]string{"orderNo": body["orderNo"].(string), "amount": "10", "refundNumber": nextOrderNo("rf"), "reason": "r", "clientIp": "1.1.1.1"}
	r1 := c.do("POST", "/v1/refunds", refund).want(201)
	r2 := c.do("POST", "/v1/refunds", refund).want(200)
	if string(r1.body) != string(r2.body) || r2.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("refund replay: got %s, want %s", r2.body, r1.body)
	}
	refund["amount"] = "11"
	c.do("POST", "/v1/refunds", refund).wantError(409, "duplicate_refund_number", "")

	// Idempotency-Key on capture and cancel.
	orderNo := nextOrderNo("key")
	body = cardPayment(orderNo, "4242424242424242")
	body["captureMethod"] = "manual"
	c.do("POST", "/v1/payments", body).want(201)
	capture := map[string]string{"orderNo": orderNo, "captureAmount": "50"}
	k1 := c.do("POST", "/v1/payments/capture", capture, "Idempotency-Key", "cap-1").want(200)
	k2 := c.do("POST", "/v1/payments/capture", capture, "Idempotency-Key", "cap-1").want(200)
	if string(k1.body) != string(k2.body) || k2.header.Get("Idempotent-Replayed") != "true" || k1.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("capture replay: got %s (replayed %q), want %s marked as a replay", k2.body, k2.header.Get("Idempotent-Replayed"), k1.body)
	}
	capture["captureAmount"] = "51"
	c.do("POST", "/v1/payments/capture", capture, "Idempotency-Key", "cap-1").wantError(409, "idempotency_key_reused", "")
	// Without the key, a second capture is refused; an error answer is replayed too.
	e1 := c.do("POST", "/v1/payments/cancel", map[string]string{"orderNo": orderNo}, "Idempotency-Key", "can-1").wantError(409, "invalid_state", "")
	e2 := c.do("POST", "/v1/payments/cancel", map[string]string{"orderNo": orderNo}, "Idempotency-Key", "can-1").wantError(409, "invalid_state", "")
	if e1.get("error.message") != e2.get("error.message") {
		t.Errorf("error replay: got %v, want %v", e2.get("error.message"), e1.get("error.message"))
	}
	// Keys are kept 24 h, then forgotten.
	a.clock.Advance(25 * time.Hour)
	if _, err := a.Gateway.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Idempotency(context.Background(), a.Sandbox.Merchant.ID, "cap-1"); err == nil {
		t.Error("got the key after 25 h, want it swept")
	}
}

func TestAuthorizationExpiry(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo := nextOrderNo("exp")
	body := cardPayment(orderNo, "4242424242424242")
	body["captureMethod"] = "manual"
	c.do("POST", "/v1/payments", body).want(201)
	a.clock.Advance(7*24*time.Hour - time.Minute)
	if n, _ := a.Gateway.Sweep(context.Background()); n != 0 {
		t.Fatalf("got %d expired before 7 days, want 0", n)
	}
	a.clock.Advance(2 * time.Minute)
	if n, err := a.Gateway.Sweep(context.Background()); n != 1 || err != nil {
		t.Fatalf("got %d expired (%v), want 1", n, err)
	}
	c = a.sandbox() // the first token expired with the clock
	r := c.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": orderNo}).want(200)
	if r.str("status") != "EXPIRED" {
		t.Fatalf("got %s, want EXPIRED", r.str("status"))
	}
	c.do("POST", "/v1/payments/capture", map[string]string{"orderNo": orderNo, "captureAmount": "1"}).wantError(409, "invalid_state", "")
}

func TestAuthorizationTTLFlag(t *testing.T) {
	a := startApp(t, func(m *Main) { m.AuthorizationTTL = time.Hour })
	c := a.sandbox()
	body := cardPayment(nextOrderNo("ttl"), "4242424242424242")
	body["captureMethod"] = "manual"
	r := c.do("POST", "/v1/payments", body).want(201)
	if got, want := r.str("expiresAt"), a.clock.Now().Add(time.Hour).Format(time.RFC3339Nano); got != want {
		t.Errorf("got expiresAt %s, want %s", got, want)
	}
}

// TestConcurrentCaptures: captures racing on one authorization move money
// once; the others are refused.
func TestConcurrentCaptures(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo := nextOrderNo("ccap")
	body := cardPayment(orderNo, "4242424242424242")
	body["captureMethod"] = "manual"
	tradeNo := c.do("POST", "/v1/payments", body).want(201).str("tradeNo")
	codes := make([]int, 10)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			codes[i] = c.do("POST", "/v1/payments/capture", map[string]string{"orderNo": orderNo, "captureAmount": "50"}).status
		})
	}
	wg.Wait()
	ok := 0
	for _, code := range codes {
		if code == 200 {
			ok++
		} else if code != 409 {
			t.Errorf("got %d, want 200 or 409", code)
		}
	}
	evs, _ := a.store.Events(context.Background(), a.Sandbox.Merchant.ID, tradeNo)
	captures := 0
	for _, e := range evs {
		if e.To == "SUCCEEDED" {
			captures++
		}
	}
	if ok != 1 || captures != 1 {
		t.Errorf("got %d successful answers and %d captures, want 1 and 1", ok, captures)
	}
}

// TestCancelErasesPendingCard: the card sealed for a 3-D Secure challenge is
// erased when the payment is cancelled.
func TestCancelErasesPendingCard(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	r := c.do("POST", "/v1/payments", cardPayment(nextOrderNo("pc"), acquirer.CardChallenge)).want(201)
	p, _ := a.store.Payment(context.Background(), a.Sandbox.Merchant.ID, r.str("tradeNo"))
	if len(p.PendingCard) == 0 {
		t.Fatal("got no sealed card while the challenge is open, want one")
	}
	c.do("POST", "/v1/payments/cancel", map[string]string{"tradeNo": r.str("tradeNo")}).want(200)
	p, _ = a.store.Payment(context.Background(), a.Sandbox.Merchant.ID, r.str("tradeNo"))
	if len(p.PendingCard) != 0 {
		t.Errorf("got %d sealed bytes after cancel, want the card erased", len(p.PendingCard))
	}
}

// TestInquiryCancelMethod: a paymentMethodType on inquiry and cancel is
// checked; one the payment does not have is not_found.
func TestInquiryCancelMethod(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo := nextOrderNo("pm")
	body := cardPayment(orderNo, "4242424242424242")
	body["captureMethod"] = "manual"
	c.do("POST", "/v1/payments", body).want(201)
	for _, path := range []string{"/v1/payments/inquiry", "/v1/payments/cancel"} {
		c.do("POST", path, map[string]string{"orderNo": orderNo, "paymentMethodType": "upi"}).wantError(400, "invalid_parameter", "paymentMethodType")
		c.do("POST", path, map[string]string{"orderNo": orderNo, "paymentMethodType": "card、payNow"}).wantError(400, "invalid_parameter", "paymentMethodType")
		c.do("POST", path, map[string]string{"orderNo": orderNo, "paymentMethodType": "wechat"}).wantError(404, "not_found", "")
	}
	if r := c.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": orderNo, "paymentMethodType": "card"}).want(200); r.str("status") != "AUTHORIZED" {
		t.Errorf("status after refused cancels: got %s, want AUTHORIZED", r.str("status"))
	}
	if r := c.do("POST", "/v1/payments/cancel", map[string]string{"orderNo": orderNo, "paymentMethodType": "card"}).want(200); r.str("status") != "CANCELLED" {
		t.Errorf("status: got %s, want CANCELLED", r.str("status"))
	}
}

// TestMerchantThreeDsDataRules: a failed merchant authentication fails a
// standard payment; liability shifts by the brand's ECI values; a missing
// dsVersion is not made up.
func TestMerchantThreeDsDataRules(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	pay := func(cardNo, mode string, three map[string]string) *response {
		t.Helper()
		body := cardPayment(nextOrderNo("3dr"), cardNo)
		body["threeDsMode"] = mode
		body["threeDsData"] = three
		return c.do("POST", "/v1/payments", body).want(201)
	}
	for _, code := range []string{"N", "R"} {
		r := pay("4242424242424242", "standard", map[string]string{"authenticationResultCode": code, "eci": "07", "cavv": "x"})
		if r.str("status") != "FAILED" || r.str("failureCode") != "authentication_failed" {
			t.Errorf("standard with result %s: got %s %s, want FAILED authentication_failed", code, r.str("status"), r.str("failureCode"))
		}
	}
	for _, tc := range []struct {
		name, cardNo, eci string
		shift             bool
	}{
		{"VisaFull", "4242424242424242", "05", true},
		{"VisaAttempted", "4242424242424242", "06", true},
		{"VisaWithMastercardECI", "4242424242424242", "02", false},
		{"VisaWithMastercardAttempt", "4242424242424242", "01", false},
		{"MastercardFull", "5555555555554444", "02", true},
		{"MastercardAttempted", "5555555555554444", "01", true},
		{"MastercardWithVisaECI", "5555555555554444", "05", false},
		{"MastercardNone", "5555555555554444", "00", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := pay(tc.cardNo, "auto", map[string]string{"authenticationResultCode": "Y", "eci": tc.eci, "cavv": "x"})
			if r.str("status") != "SUCCEEDED" || r.get("threeDs.liabilityShift") != tc.shift {
				t.Errorf("got %s shift %v, want SUCCEEDED shift %v", r.str("status"), r.get("threeDs.liabilityShift"), tc.shift)
			}
			if v := r.get("threeDs.version"); v != nil {
				t.Errorf("threeDs.version: got %v, want none (none was sent)", v)
			}
		})
	}
}

// TestMetadataAliases: metadata and matedata are one field; both is refused
// everywhere, as items and iterms are. paypal.metadata takes a string or an
// object, checked only for a paypal payment.
func TestMetadataAliases(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	body := cardPayment(nextOrderNo("md"), "4242424242424242")
	body["metadata"] = map[string]string{"a": "1"}
	body["matedata"] = map[string]string{"a": "1"}
	c.do("POST", "/v1/payments", body).wantError(400, "invalid_parameter", "matedata")
	delete(body, "metadata")
	if r := c.do("POST", "/v1/payments", body).want(201); r.get("metadata.a") != "1" {
		t.Errorf("matedata alone: got metadata %v, want {a: 1}", r.get("metadata"))
	}
	c.do("POST", "/v1/tracking/update", map[string]any{"orderNo": "order-1", "trackingNo": "T1",
		"items": []any{replace("/status", "DELIVERED")}, "iterms": []any{replace("/status", "DELIVERED")}}).wantError(400, "invalid_parameter", "iterms")

	body = cardPayment(nextOrderNo("md"), "4242424242424242")
	body["paypal"] = map[string]any{"metadata": strings.Repeat("x", 501)}
	c.do("POST", "/v1/payments", body).want(201) // not a paypal payment: not checked
	body["orderNo"] = nextOrderNo("md")
	body["paymentMethodType"] = "paypal"
	c.do("POST", "/v1/payments", body).wantError(400, "invalid_parameter", "paypal.metadata")
	body["paypal"] = map[string]any{"metadata": 5}
	c.do("POST", "/v1/payments", body).wantError(400, "invalid_parameter", "paypal.metadata")
	body["paypal"] = map[string]any{"metadata": map[string]string{"k": "v"}}
	if r := c.do("POST", "/v1/payments", body).want(201); r.get("wallet.metadata.k") != "v" {
		t.Errorf("wallet.metadata: got %v, want {k: v}", r.get("wallet.metadata"))
	}
}

// TestDeviceInfoAndClientIPReturned: the payment's deviceInfo and the
// refund's clientIp, both required, are kept and answered.
func TestDeviceInfoAndClientIPReturned(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo := nextOrderNo("dev")
	r := c.do("POST", "/v1/payments", cardPayment(orderNo, "4242424242424242")).want(201)
	if r.get("deviceInfo.clientIp") != "10.1.1.1" || r.get("deviceInfo.language") != "en-US" {
		t.Errorf("deviceInfo: got %v, want the request's", r.get("deviceInfo"))
	}
	rf := c.do("POST", "/v1/refunds", map[string]string{"orderNo": orderNo, "amount": "1.00", "refundNumber": nextOrderNo("rf"),
		"reason": "r", "clientIp": "203.0.113.7"}).want(201)
	if rf.str("clientIp") != "203.0.113.7" {
		t.Errorf("refund clientIp: got %q, want 203.0.113.7", rf.str("clientIp"))
	}
	q := c.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": orderNo}).want(200)
	if q.get("deviceInfo.clientIp") != "10.1.1.1" {
		t.Errorf("inquiry deviceInfo: got %v", q.get("deviceInfo"))
	}
}
