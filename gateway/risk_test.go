package gateway_test

import (
	"strings"
	"testing"

	"paygate"
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
