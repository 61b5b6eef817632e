package gateway_test

import (
	"fmt"
	"strings"
	"testing"

	"paygate"
	"paygate/gateway"
	"paygate/wire"
)

// TestRiskReviewThenChallenge: a review asks for a challenge; the passed
// challenge authorizes once, and the decision is not made again (a second
// review would ask for a challenge for ever).
func TestRiskReviewThenChallenge(t *testing.T) {
	acq := &countingAcquirer{}
	gw, _, ctx, _ := newTestGateway(t, acq, nil)
	if _, err := gw.Risk.AddRule(ctx, &wire.RiskRuleRequest{Name: "all", Expression: "amount > 0", Action: "review"}); err != nil {
		t.Fatal(err)
	}
	req := &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-review-1", PaymentMethodType: "card",
		FraudMode: "Y", ThreeDsMode: "auto", DeviceInfo: &wire.DeviceInfo{ClientIP: "192.0.2.5"},
		Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}}
	p, _, err := gw.Payments.CreatePayment(ctx, req)
	if err != nil || p.Status != paygate.StatusRequiresAction || p.Risk == nil || p.Risk.Decision != "review" {
		t.Fatalf("payment: got %+v %v, want REQUIRES_ACTION under review", p, err)
	}
	if acq.auths.Load() != 0 {
		t.Fatal("the acquirer authorized before the challenge")
	}
	_, token, _ := strings.Cut(p.NextAction.URL, "/3ds/")
	ch, err := gw.Checkout.ChallengePage(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	p, err = gw.Checkout.CompleteChallenge(ctx, token, true, ch.Code)
	if err != nil || p.Status != paygate.StatusSucceeded || p.Risk == nil || p.Risk.Decision != "review" ||
		len(p.Risk.Details) != 1 || p.Risk.Details[0].Code != "rule:all" {
		t.Fatalf("after the challenge: %+v %v, want SUCCEEDED with the review kept", p, err)
	}
	if n := acq.auths.Load(); n != 1 {
		t.Errorf("authorizations: %d, want 1", n)
	}
}

// TestRiskReviewWithOwnAuthentication: under review, the merchant's own
// 3-D Secure result counts only when it passed.
func TestRiskReviewWithOwnAuthentication(t *testing.T) {
	acq := &countingAcquirer{}
	gw, _, ctx, _ := newTestGateway(t, acq, nil)
	if _, err := gw.Risk.AddRule(ctx, &wire.RiskRuleRequest{Name: "all", Expression: "amount > 0", Action: "review"}); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		code, mode string
		want       paygate.Status
	}{
		{"N", "auto", paygate.StatusFailed},
		{"U", "no", paygate.StatusFailed},
		{"Y", "no", paygate.StatusSucceeded},
	} {
		req := &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: fmt.Sprintf("order-own-%d", i), PaymentMethodType: "card",
			FraudMode: "Y", ThreeDsMode: tc.mode, DeviceInfo: &wire.DeviceInfo{ClientIP: fmt.Sprintf("192.0.2.%d", 20+i)},
			ThreeDsData: &wire.ThreeDsData{AuthenticationResultCode: tc.code, Eci: "05", Cavv: "AAAB", DsVersion: "2.2.0", DsTransID: "ds-1"},
			Card:        &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}}
		p, _, err := gw.Payments.CreatePayment(ctx, req)
		if err != nil || p.Status != tc.want {
			t.Errorf("review with the merchant's %s in mode %s: %v %v, want %s", tc.code, tc.mode, p, err, tc.want)
		}
	}
}

// TestRiskFailedChallengeKeepsDecision: a review whose challenge fails
// ends FAILED with the review it was.
func TestRiskFailedChallengeKeepsDecision(t *testing.T) {
	gw, _, ctx, _ := newTestGateway(t, &countingAcquirer{}, nil)
	if _, err := gw.Risk.AddRule(ctx, &wire.RiskRuleRequest{Name: "all", Expression: "amount > 0", Action: "review"}); err != nil {
		t.Fatal(err)
	}
	req := &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-review-fail", PaymentMethodType: "card",
		FraudMode: "Y", DeviceInfo: &wire.DeviceInfo{ClientIP: "192.0.2.30"},
		Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}}
	p, _, err := gw.Payments.CreatePayment(ctx, req)
	if err != nil || p.Status != paygate.StatusRequiresAction {
		t.Fatalf("payment: %v %v", p, err)
	}
	_, token, _ := strings.Cut(p.NextAction.URL, "/3ds/")
	p, err = gw.Checkout.CompleteChallenge(ctx, token, false, "")
	if err != nil || p.Status != paygate.StatusFailed || p.Risk == nil || p.Risk.Decision != "review" {
		t.Errorf("after a failed challenge: %+v %v, want FAILED with the review kept", p, err)
	}
}

// TestRiskOnTheCashierPage: each card tried on a session is judged, with
// the shopper's address; a decision does not outlive its card.
func TestRiskOnTheCashierPage(t *testing.T) {
	acq := &countingAcquirer{}
	gw, _, ctx, _ := newTestGateway(t, acq, nil)
	if _, err := gw.Risk.AddRule(ctx, &wire.RiskRuleRequest{Name: "no-mastercard", Expression: `card_brand == "mastercard"`, Action: "decline"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := gw.Risk.AddListEntry(ctx, "ip", "198.51.100.0/24", ""); err != nil {
		t.Fatal(err)
	}
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-cashier-risk",
		FraudMode: "Y", ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	pay := func(card, ip string) *paygate.Payment {
		p, err := gw.Checkout.Pay(ctx, sess.SessionID, gateway.CardForm{CardNo: card, ExpiryMonth: "06", ExpiryYear: "2040", CVC: "123",
			ClientIP: ip})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct{ card, ip, code string }{
		{"5555555555554444", "192.0.2.40", "rule:no-mastercard"},
		{"4242424242424242", "198.51.100.9", "blocklist_ip"}, // the shopper's address, not the merchant's
		{"5555555555554444", "192.0.2.40", "rule:no-mastercard"},
	} {
		if p := pay(tc.card, tc.ip); p.Status != paygate.StatusPending || p.FailureCode != "fraud_suspected" ||
			len(p.Risk.Details) == 0 || p.Risk.Details[0].Code != tc.code {
			t.Fatalf("card %s from %s: %s %s %+v, want declined for %s", tc.card, tc.ip, p.Status, p.FailureCode, p.Risk, tc.code)
		}
	}
	if acq.auths.Load() != 0 {
		t.Error("the acquirer was asked for a declined card")
	}
	if p := pay("4242424242424242", "192.0.2.41"); p.Status != paygate.StatusSucceeded || p.Risk.Decision != "approve" {
		t.Errorf("a good card after declines: %s %+v", p.Status, p.Risk)
	}
}

// TestCashierCardLimit: a checkout tries at most MaxCardAttempts cards:
// the last one's decline fails the payment and ends the checkout, so a
// session cannot be used to test cards one after the other.
func TestCashierCardLimit(t *testing.T) {
	acq := &countingAcquirer{}
	gw, _, ctx, _ := newTestGateway(t, acq, nil)
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-cashier-limit"})
	if err != nil {
		t.Fatal(err)
	}
	var p *paygate.Payment
	for i := range gateway.MaxCardAttempts {
		if p, err = gw.Checkout.Pay(ctx, sess.SessionID, gateway.CardForm{CardNo: "4000000000000002", ExpiryMonth: "06",
			ExpiryYear: "2040", CVC: "123"}); err != nil {
			t.Fatal(err)
		}
		want := paygate.StatusPending
		if i == gateway.MaxCardAttempts-1 {
			want = paygate.StatusFailed
		}
		if p.Status != want {
			t.Fatalf("card %d: %s, want %s", i+1, p.Status, want)
		}
	}
	s, _, err := gw.Checkout.Session(ctx, sess.SessionID)
	if err != nil || s.Status != paygate.SessionComplete {
		t.Errorf("the session after the last card: %v %v", s, err)
	}
	if p, err := gw.Checkout.Pay(ctx, sess.SessionID, gateway.CardForm{CardNo: "4242424242424242", ExpiryMonth: "06",
		ExpiryYear: "2040", CVC: "123"}); err == nil && p.Status == paygate.StatusSucceeded {
		t.Error("a card after the last was charged")
	}
}
