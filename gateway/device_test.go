package gateway_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"paygate"
	"paygate/acquirer"
	"paygate/wire"
)

// recordingAcquirer is the sandbox, keeping the last requests it got.
type recordingAcquirer struct {
	acquirer.Sandbox
	mu   sync.Mutex
	auth acquirer.AuthenticateRequest
	az   acquirer.AuthorizeRequest
}

func (r *recordingAcquirer) Authenticate(ctx context.Context, req acquirer.AuthenticateRequest) (acquirer.AuthenticateResult, error) {
	r.mu.Lock()
	r.auth = req
	r.mu.Unlock()
	return r.Sandbox.Authenticate(ctx, req)
}

func (r *recordingAcquirer) Authorize(ctx context.Context, req acquirer.AuthorizeRequest) (acquirer.Result, error) {
	r.mu.Lock()
	r.az = req
	r.mu.Unlock()
	return r.Sandbox.Authorize(ctx, req)
}

// TestDeviceAndDescriptorReachTheAcquirer: the merchant's deviceInfo goes
// to 3-D Secure (browser data) and to the authorization (risk), and
// billingDesc becomes the statement descriptor.
func TestDeviceAndDescriptorReachTheAcquirer(t *testing.T) {
	acq := &recordingAcquirer{}
	gw, _, ctx, _ := newTestGateway(t, acq, nil)
	p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-dev-1",
		PaymentMethodType: "card", ThreeDsMode: "auto", BillingDesc: "SHOP*ORDER 1",
		DeviceInfo: &wire.DeviceInfo{ClientIP: "203.0.113.9", Language: "zh-CN", DeviceID: "dev-1",
			Browser: &wire.Browser{UserAgent: "Mozilla/5.0 test", AcceptHeader: "text/html", TimeZone: "-480"}},
		Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}})
	if err != nil || p.Status != paygate.StatusSucceeded {
		t.Fatalf("payment: %v %v", p, err)
	}
	want := acquirer.Device{IP: "203.0.113.9", Language: "zh-CN", UserAgent: "Mozilla/5.0 test", AcceptHeader: "text/html",
		TimeZone: "-480", DeviceID: "dev-1"}
	if acq.auth.Device != want {
		t.Errorf("3-D Secure got device %+v, want %+v", acq.auth.Device, want)
	}
	if acq.az.Device != want || acq.az.StatementDescriptor != "SHOP*ORDER 1" {
		t.Errorf("authorization got device %+v, descriptor %q; want %+v, SHOP*ORDER 1", acq.az.Device, acq.az.StatementDescriptor, want)
	}
}

// TestStoredCardReason: the storing payment's billing.customerInitiatedReason
// is recorded on its stored credential, also after a challenge.
func TestStoredCardReason(t *testing.T) {
	gw, _, ctx, _ := newTestGateway(t, acquirer.Sandbox{}, nil)
	for i, cardNo := range []string{"4242424242424242", acquirer.CardChallenge} {
		p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD",
			OrderNo: "order-reason-" + string(rune('1'+i)), PaymentMethodType: "card", ThreeDsMode: "auto", DeviceInfo: &wire.DeviceInfo{},
			Billing: &wire.Billing{StoredCredentials: "store", CustomerInitiatedReason: "RECURRING"},
			Card:    &wire.CardInput{CardNo: cardNo, CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status == paygate.StatusRequiresAction {
			_, token, _ := strings.Cut(p.NextAction.URL, "/3ds/")
			if p, err = gw.Checkout.CompleteChallenge(ctx, token, true, acquirer.ChallengeCode); err != nil {
				t.Fatal(err)
			}
		}
		if sc := p.StoredCredential; sc == nil || !sc.Stored || sc.Reason != "RECURRING" {
			t.Errorf("card %s: stored credential %+v, want stored for RECURRING", cardNo, sc)
		}
	}
}
