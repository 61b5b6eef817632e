package stripe

import (
	"context"
	"testing"

	"paygate"
	"paygate/acquirer"
)

// Every call passes stripe-mock, which refuses a request that does not
// follow Stripe's OpenAPI document. Its answers are canned objects, so only
// that the calls pass and carry a reference is checked.
func TestStripeMock(t *testing.T) {
	c := New(Config{APIKey: "sk_test_123", BaseURL: stripeMock(t)})
	ctx := context.Background()
	customer := sampleRequest()
	manual := sampleRequest()
	manual.Reference, manual.Capture = "T20260101000002", false
	noReturn := sampleRequest()
	noReturn.Reference, noReturn.ReturnURL = "T20260101000003", ""
	merchant := sampleRequest()
	merchant.Reference, merchant.Initiator, merchant.Card.CVC = "T20260101000004", "merchant", ""
	merchant.Amount = paygate.Money{Minor: 1500, Currency: "JPY"}
	for name, req := range map[string]acquirer.AuthorizeRequest{"automatic capture": customer,
		"manual capture": manual, "no return URL": noReturn, "merchant-initiated": merchant} {
		r, err := c.Authorize(ctx, req)
		if err != nil || r.AcquirerRef == "" {
			t.Errorf("Authorize, %s: got %+v, %v", name, r, err)
		}
	}
	customer.Card = acquirer.Card{}
	if r, err := c.Resolve(ctx, customer); err != nil || r.AcquirerRef == "" {
		t.Errorf("Resolve: got %+v, %v", r, err)
	}
	usd := paygate.Money{Minor: 2000, Currency: "USD"}
	if r, err := c.Capture(ctx, "pi_123", usd); err != nil || !r.Approved || r.AcquirerRef == "" {
		t.Errorf("Capture: got %+v, %v", r, err)
	}
	if r, err := c.Void(ctx, "pi_123"); err != nil || !r.Approved || r.AcquirerRef == "" {
		t.Errorf("Void: got %+v, %v", r, err)
	}
	if r, err := c.Refund(ctx, "pi_123", "R20260101000001", usd); err != nil || r.AcquirerRef == "" {
		t.Errorf("Refund: got %+v, %v", r, err)
	}
}
