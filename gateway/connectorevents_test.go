package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

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
	var e struct {
		ID, TradeNo, Outcome, Ref string
		Attempt                   int
	}
	if err := json.Unmarshal(payload, &e); err != nil {
		return acquirer.Update{}, err
	}
	u := acquirer.Update{EventID: e.ID, Reference: e.TradeNo, Kind: "payment", Attempt: e.Attempt, AcquirerRef: e.Ref}
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

// TestConnectorWebhook: a signed event prompts the gateway to ask the
// connector, which settles a payment pending there; the same event again
// is a replay; an unsigned one is refused and changes nothing; an old
// event delivered late cannot undo the outcome (the connector is asked,
// not the event believed).
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
	if got := mustPayment(t, gw, ctx, p.TradeNo); got.Status != paygate.StatusPending || c["a"].count(&c["a"].resolves) != 0 {
		t.Fatalf("after refused events: got %s, %d questions; want PENDING, none", got.Status, c["a"].resolves)
	}
	var sentRef string
	c["a"].resolve = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		sentRef = req.AcquirerRef
		return approve(req)
	}
	if replay, err := gw.Connectors.Webhook(ctx, "a", event("evt_1", "declined"), good); err != nil || replay {
		t.Fatalf("signed event: replay %v, %v", replay, err)
	}
	if got := mustPayment(t, gw, ctx, p.TradeNo); got.Status != paygate.StatusSucceeded || sentRef != "pi-"+p.TradeNo {
		t.Fatalf("after the event: got %s (asked with ref %q), want SUCCEEDED as the connector says, not the event's decline", got.Status, sentRef)
	}
	if replay, err := gw.Connectors.Webhook(ctx, "a", event("evt_1", "declined"), good); err != nil || !replay {
		t.Errorf("the same event again: replay %v, %v; want a replay", replay, err)
	}
	if got := mustPayment(t, gw, ctx, p.TradeNo); got.Status != paygate.StatusSucceeded {
		t.Errorf("a settled payment changed: got %s", got.Status)
	}
}

// TestWebhookDuringTheCall: the connector's event arrives while the
// authorization's own call is out and then times out: the event leaves the
// payment to the call (nothing is asked mid-call), the call records the
// unknown outcome, and the sweep's question records the approval.
func TestWebhookDuringTheCall(t *testing.T) {
	var c map[string]*scripted
	gw, ctx, now, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`, func(s *scripted) acquirer.Acquirer {
		return withOwnThreeDS(s)
	})
	c["a"].resolve = approve
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		b, _ := json.Marshal(map[string]string{"ID": "evt_during", "TradeNo": req.Reference, "Outcome": "approved"})
		if _, err := gw.Connectors.Webhook(ctx, "a", b, http.Header{"Sig": {"good"}}); err != nil {
			t.Errorf("webhook during the call: %v", err)
		}
		return acquirer.Result{}, errTimeout
	}
	p := pay(t, gw, ctx, "order-during-1", "manual")
	if p.Status != paygate.StatusPending || outcomes(p) != "[a:unknown]" || c["a"].count(&c["a"].resolves) != 0 {
		t.Fatalf("after the call: %s, attempts %s, %d questions; want PENDING with the unknown outcome, none asked mid-call",
			p.Status, outcomes(p), c["a"].resolves)
	}
	*now = now.Add(31 * time.Second)
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	q := mustPayment(t, gw, ctx, p.TradeNo)
	if q.Status != paygate.StatusAuthorized || outcomes(q) != "[a:unknown a:approved]" || q.ExpiresAt == nil || q.ExpiresAt.Sub(*now) < time.Hour {
		t.Errorf("after the sweep: %s, attempts %s, expires %v; want AUTHORIZED for the authorization's time", q.Status, outcomes(q), q.ExpiresAt)
	}
}

// TestLateApprovalGivenBack: an event says a payment that ended here
// without money (failed) was approved at the connector after all; when the
// connector confirms it, the gateway gives the money back, once.
func TestLateApprovalGivenBack(t *testing.T) {
	var c map[string]*scripted
	gw, ctx, _, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`, func(s *scripted) acquirer.Acquirer {
		return withOwnThreeDS(s)
	})
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{Code: "card_declined", Message: "no", AcquirerRef: "pi-" + req.Reference}, nil
	}
	p := pay(t, gw, ctx, "order-late-1", "auto")
	if p.Status != paygate.StatusFailed {
		t.Fatalf("got %s, want FAILED", p.Status)
	}
	approved := func(id string) {
		b, _ := json.Marshal(map[string]string{"ID": id, "TradeNo": p.TradeNo, "Outcome": "approved"})
		if _, err := gw.Connectors.Webhook(ctx, "a", b, http.Header{"Sig": {"good"}}); err != nil {
			t.Fatal(err)
		}
	}
	approved("evt_late")
	if c["a"].count(&c["a"].refunds) != 0 {
		t.Fatalf("the connector does not confirm the approval: got %d refunds, want none", c["a"].refunds)
	}
	c["a"].resolve = approve
	approved("evt_late_2")
	approved("evt_late_2") // a replay gives nothing back twice
	if c["a"].count(&c["a"].refunds) != 1 || mustPayment(t, gw, ctx, p.TradeNo).Status != paygate.StatusFailed {
		t.Errorf("a confirmed late approval: got %d refunds, want the money given back once", c["a"].refunds)
	}
}

func withOwnThreeDS(s *scripted) acquirer.Acquirer { return ownThreeDS{s} }
