package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"paygate"
	"paygate/acquirer"
	"paygate/wire"
)

// ownThreeDS is a scripted connector that runs 3-D Secure itself and sends
// events signed with the header "Sig: good".
type ownThreeDS struct{ *scripted }

func (ownThreeDS) OwnThreeDS() bool { return true }

func (ownThreeDS) ParseWebhook(payload []byte, h http.Header) (acquirer.Update, error) {
	if h.Get("Sig") != "good" {
		return acquirer.Update{}, errors.New("bad signature")
	}
	var e struct{ ID, TradeNo, Outcome string }
	if err := json.Unmarshal(payload, &e); err != nil {
		return acquirer.Update{}, err
	}
	u := acquirer.Update{EventID: e.ID, Reference: e.TradeNo, Kind: "payment"}
	switch e.Outcome {
	case "approved":
		u.Result = acquirer.Result{Approved: true, AcquirerRef: "ref-" + e.TradeNo}
	case "declined":
		u.Result = acquirer.Result{Code: "insufficient_funds", Message: "no money", AcquirerRef: "ref-" + e.TradeNo}
	}
	return u, nil
}

// TestConnectorThreeDS: with a connector that runs 3-D Secure itself, the
// gateway asks it for authentication in standard mode (no ACS of ours),
// gives it the address to send the customer back to, and the payment waits
// REQUIRES_ACTION at the connector's page. When the customer comes back the
// gateway asks the connector, records the approval, and stores the card it
// kept sealed meanwhile. A forged or foreign return address finds nothing.
func TestConnectorThreeDS(t *testing.T) {
	gw, ctx, _, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`, withOwnThreeDS)
	var sent acquirer.AuthorizeRequest
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		sent = req
		return acquirer.Result{AcquirerRef: "pi_1", RedirectURL: "https://hooks.stripe.example/3ds/pi_1"}, nil
	}
	c["a"].resolve = approve
	p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-3ds-1",
		PaymentMethodType: "card", ThreeDsMode: "standard", FrontURL: "https://shop.example/back",
		Billing:    &wire.Billing{StoredCredentials: "store"},
		Card:       &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2030", FirstName: "A", LastName: "B"},
		DeviceInfo: &wire.DeviceInfo{ClientIP: "10.1.1.1", Language: "en-US"}})
	if err != nil {
		t.Fatal(err)
	}
	if !sent.RequireThreeDS || !strings.HasPrefix(sent.ReturnURL, "https://pay.example/connectors/a/return/") {
		t.Fatalf("request to the connector: RequireThreeDS %v, ReturnURL %q", sent.RequireThreeDS, sent.ReturnURL)
	}
	if p.Status != paygate.StatusRequiresAction || p.NextAction == nil || p.NextAction.URL != "https://hooks.stripe.example/3ds/pi_1" ||
		outcomes(p) != "[a:action_required]" {
		t.Fatalf("got %s %+v, attempts %s; want REQUIRES_ACTION at the connector's page", p.Status, p.NextAction, outcomes(p))
	}
	token := sent.ReturnURL[strings.LastIndex(sent.ReturnURL, "/")+1:]
	for _, bad := range [][2]string{{"b", token}, {"a", token + "x"}, {"a", "bm90|" + token}} {
		if _, err := gw.Checkout.ConnectorReturn(context.Background(), bad[0], bad[1]); paygate.ErrorCode(err) != paygate.ENotFound {
			t.Errorf("return %v: got %v, want not_found", bad, err)
		}
	}
	q, err := gw.Checkout.ConnectorReturn(context.Background(), "a", token)
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != paygate.StatusSucceeded || q.TransactionIdentifier == "" || q.PendingCard != nil || outcomes(q) != "[a:action_required a:approved]" {
		t.Errorf("after the return: got %s, stored card %q, attempts %s; want SUCCEEDED with the card stored", q.Status, q.TransactionIdentifier, outcomes(q))
	}
}

// TestConnectorWebhook: a signed event settles a payment pending at the
// connector; the same event again is a replay and changes nothing; an
// unsigned one is refused and changes nothing; events about settled
// payments, or another connector's, change nothing either.
func TestConnectorWebhook(t *testing.T) {
	var c map[string]*scripted // the clients are built at the first payment, when c is set
	gw, ctx, _, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`, func(s *scripted) acquirer.Acquirer {
		if s == c["a"] {
			return withOwnThreeDS(s) // b sends no events
		}
		return s
	})
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{AcquirerRef: "pi-" + req.Reference, Pending: true}, nil
	}
	p := pay(t, gw, ctx, "order-hook-1", "auto")
	if p.Status != paygate.StatusPending || outcomes(p) != "[a:pending]" {
		t.Fatalf("got %s, attempts %s; want PENDING at a", p.Status, outcomes(p))
	}
	event := func(id, outcome string) []byte {
		b, _ := json.Marshal(map[string]string{"ID": id, "TradeNo": p.TradeNo, "Outcome": outcome})
		return b
	}
	good := http.Header{"Sig": {"good"}}
	if _, err := gw.Connectors.Webhook(ctx, "a", event("evt_0", "declined"), http.Header{}); paygate.ErrorCode(err) != paygate.EInvalidParameter {
		t.Fatalf("unsigned event: got %v, want invalid_parameter", err)
	}
	if _, err := gw.Connectors.Webhook(ctx, "b", event("evt_0", "declined"), good); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("a connector without webhooks: got %v, want not_found", err)
	}
	if got := mustPayment(t, gw, ctx, p.TradeNo); got.Status != paygate.StatusPending {
		t.Fatalf("after refused events: got %s, want PENDING", got.Status)
	}
	if replay, err := gw.Connectors.Webhook(ctx, "a", event("evt_1", "approved"), good); err != nil || replay {
		t.Fatalf("signed event: replay %v, %v", replay, err)
	}
	if got := mustPayment(t, gw, ctx, p.TradeNo); got.Status != paygate.StatusSucceeded || got.AcquirerRef != "ref-"+p.TradeNo {
		t.Fatalf("after the event: got %s ref %q, want SUCCEEDED", got.Status, got.AcquirerRef)
	}
	if replay, err := gw.Connectors.Webhook(ctx, "a", event("evt_1", "declined"), good); err != nil || !replay {
		t.Errorf("the same event again: replay %v, %v; want a replay", replay, err)
	}
	if replay, err := gw.Connectors.Webhook(ctx, "a", event("evt_2", "declined"), good); err != nil || replay {
		t.Errorf("a later event on a settled payment: replay %v, %v", replay, err)
	}
	if got := mustPayment(t, gw, ctx, p.TradeNo); got.Status != paygate.StatusSucceeded {
		t.Errorf("a settled payment changed: got %s", got.Status)
	}
}

func withOwnThreeDS(s *scripted) acquirer.Acquirer { return ownThreeDS{s} }
