package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/sqlite"
	"paygate/vault"
	"paygate/wire"
)

// scripted is a connector whose authorizations and resolutions answer what
// the test sets, counting every call.
type scripted struct {
	acquirer.Sandbox
	mu                            sync.Mutex
	authorize                     func(acquirer.AuthorizeRequest) (acquirer.Result, error)
	resolve                       func(acquirer.AuthorizeRequest) (acquirer.Result, error)
	refuseVoid                    bool
	authorizes, resolves          int
	captures, voids, refunds      int
	lastCaptureRef, lastRefundRef string
}

func approve(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
	return acquirer.Result{Approved: true, AcquirerRef: "ref-" + req.Reference, AuthCode: "A1"}, nil
}

// Authorize and Resolve call the test's functions outside the lock, so
// that they may act on the gateway meanwhile.
func (c *scripted) Authorize(_ context.Context, req acquirer.AuthorizeRequest) (acquirer.Result, error) {
	c.mu.Lock()
	c.authorizes++
	f := c.authorize
	c.mu.Unlock()
	if f == nil {
		return approve(req)
	}
	return f(req)
}

func (c *scripted) Resolve(_ context.Context, req acquirer.AuthorizeRequest) (acquirer.Result, error) {
	c.mu.Lock()
	c.resolves++
	f := c.resolve
	c.mu.Unlock()
	if f == nil {
		return acquirer.Result{}, errors.New("still no answer")
	}
	return f(req)
}

func (c *scripted) Capture(_ context.Context, ref string, _ paygate.Money) (acquirer.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.captures++
	c.lastCaptureRef = ref
	return acquirer.Result{Approved: true, AcquirerRef: ref}, nil
}

func (c *scripted) Void(_ context.Context, ref string) (acquirer.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.voids++
	if c.refuseVoid {
		return acquirer.Result{Code: "acquirer_refused", AcquirerRef: ref}, nil
	}
	return acquirer.Result{Approved: true, AcquirerRef: ref}, nil
}

func (c *scripted) Refund(_ context.Context, ref, reference string, _ paygate.Money) (acquirer.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refunds++
	c.lastRefundRef = ref
	return acquirer.Result{Approved: true, AcquirerRef: "r-" + reference}, nil
}

func (c *scripted) count(n *int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return *n
}

var errTimeout = errors.New("read tcp: i/o timeout after the request was sent")

// routedGateway is a gateway whose registered connectors a, b (and the
// built-in sandbox) are the scripted ones (as wrap makes them, if given),
// routed by doc.
func routedGateway(t *testing.T, doc string, wrap ...func(*scripted) acquirer.Acquirer) (*gateway.Service, context.Context, *time.Time, map[string]*scripted) {
	t.Helper()
	return routedGatewayWith(t, routedOptions{}, doc, wrap...)
}

// routedOptions adjust routedGateway: the gateway's configuration, and the
// store it runs on.
type routedOptions struct {
	tune  func(*gateway.Config)
	store func(paygate.Store) paygate.Store
}

// routedGatewayWith is routedGateway with opts applied.
func routedGatewayWith(t *testing.T, opts routedOptions, doc string, wrap ...func(*scripted) acquirer.Acquirer) (*gateway.Service,
	context.Context, *time.Time, map[string]*scripted) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	v, _ := vault.New(vault.NewKey())
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	conns := map[string]*scripted{"a": {}, "b": {}}
	connect := func(c *paygate.Connector, secret paygate.ConnectorSecret) (acquirer.Acquirer, error) {
		if secret.APIKey != "sk_test_"+c.Name {
			return nil, fmt.Errorf("connector %s opened with key %q", c.Name, secret.APIKey)
		}
		if len(wrap) > 0 {
			return wrap[0](conns[c.Name]), nil
		}
		return conns[c.Name], nil
	}
	cfg := gateway.Config{Now: func() time.Time { return now }, Connect: connect, BaseURL: "https://pay.example"}
	if opts.tune != nil {
		opts.tune(&cfg)
	}
	var store paygate.Store = db
	if opts.store != nil {
		store = opts.store(db)
	}
	gw := gateway.New(store, acquirer.Sandbox{}, v, nil, cfg)
	ctx := t.Context()
	for _, n := range []string{"a", "b"} {
		if _, err := gw.Connectors.Add(ctx, gateway.NewConnector{Name: n, Type: paygate.ConnectorStripe, APIKey: "sk_test_" + n}); err != nil {
			t.Fatal(err)
		}
	}
	if err := gw.Connectors.SetRouting(ctx, []byte(doc)); err != nil {
		t.Fatal(err)
	}
	nm, err := gw.Merchants.CreateMerchant(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	return gw, paygate.WithMerchantID(ctx, nm.Merchant.ID), &now, conns
}

const routeAB = `{"rules": [], "default": [{"connector": "a"}, {"connector": "b"}], "failoverOn": ["processing_error"]}`

func pay(t *testing.T, gw *gateway.Service, ctx context.Context, orderNo, capture string) *paygate.Payment {
	t.Helper()
	p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: orderNo,
		PaymentMethodType: "card", CaptureMethod: capture, ThreeDsMode: "no",
		Card:       &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2030", FirstName: "A", LastName: "B"},
		DeviceInfo: &wire.DeviceInfo{ClientIP: "10.1.1.1", Language: "en-US"}})
	if err != nil {
		t.Fatalf("create %s: %v", orderNo, err)
	}
	return p
}

func outcomes(p *paygate.Payment) string {
	var s []string
	for _, a := range p.Attempts {
		s = append(s, a.Connector+":"+a.Outcome+cond(a.Code != "", ":"+a.Code))
	}
	return fmt.Sprint(s)
}

func cond(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

// TestFailoverWhenNoEffect: a connector that certainly did not act (it
// says so, acquirer.ErrNoEffect) hands the payment to the next one; the
// payment shows both attempts and the connector that processed it, and
// its capture and refund go to that connector.
func TestFailoverWhenNoEffect(t *testing.T) {
	gw, ctx, _, c := routedGateway(t, routeAB)
	c["a"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{}, fmt.Errorf("dial tcp: connection refused: %w", acquirer.ErrNoEffect)
	}
	p := pay(t, gw, ctx, "order-1", "manual")
	if p.Status != paygate.StatusAuthorized || p.Connector != "b" || outcomes(p) != "[a:no_effect b:approved]" {
		t.Fatalf("got %s via %q, attempts %s; want AUTHORIZED via b after a:no_effect", p.Status, p.Connector, outcomes(p))
	}
	if _, err := gw.Payments.Capture(ctx, &wire.CaptureRequest{OrderRef: wire.OrderRef{TradeNo: p.TradeNo}, CaptureAmount: "10.00"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := gw.Payments.CreateRefund(ctx, &wire.RefundRequest{OrderRef: wire.OrderRef{TradeNo: p.TradeNo}, Amount: "1.00",
		RefundNumber: "refund-1", Reason: "test", ClientIP: "10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if c["b"].captures != 1 || c["b"].refunds != 1 || c["a"].captures+c["a"].refunds != 0 || c["b"].lastCaptureRef != "ref-"+p.TradeNo {
		t.Errorf("capture and refund went to a %d+%d, b %d+%d (ref %q); want both at b, the connector that authorized",
			c["a"].captures, c["a"].refunds, c["b"].captures, c["b"].refunds, c["b"].lastCaptureRef)
	}
}

// TestNoFailoverAfterUnknownOutcome: a connector that may have acted (a
// timeout after the request left) is never failed over. The payment stays
// PENDING with that connector; the sweep asks it again, and only it, and
// records its answer. The next connector is never called.
func TestNoFailoverAfterUnknownOutcome(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, routeAB)
	c["a"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) { return acquirer.Result{}, errTimeout }
	p := pay(t, gw, ctx, "order-1", "auto")
	if p.Status != paygate.StatusPending || p.Connector != "a" || outcomes(p) != "[a:unknown]" {
		t.Fatalf("got %s via %q, attempts %s; want PENDING at a after a:unknown", p.Status, p.Connector, outcomes(p))
	}
	*now = now.Add(31 * time.Second)
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustPayment(t, gw, ctx, p.TradeNo); got.Status != paygate.StatusPending {
		t.Fatalf("after a resolve with no answer: got %s, want PENDING still", got.Status)
	}
	c["a"].resolve = approve
	*now = now.Add(time.Hour)
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	got := mustPayment(t, gw, ctx, p.TradeNo)
	if got.Status != paygate.StatusSucceeded || got.Connector != "a" || got.AcquirerRef != "ref-"+p.TradeNo {
		t.Errorf("after the connector answered: got %s via %q ref %q, want SUCCEEDED via a", got.Status, got.Connector, got.AcquirerRef)
	}
	if n := c["b"].count(&c["b"].authorizes); n != 0 {
		t.Errorf("b was called %d times; an unknown outcome must never fail over", n)
	}
	if n := c["a"].count(&c["a"].resolves); n != 2 {
		t.Errorf("a was asked again %d times, want 2 (one per sweep)", n)
	}
}

// TestResolveNoEffectFails: when the connector says the lost call never
// took effect, the payment fails as a processing error (nothing charged).
func TestResolveNoEffectFails(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, routeAB)
	c["a"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) { return acquirer.Result{}, errTimeout }
	c["a"].resolve = func(acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{}, fmt.Errorf("never confirmed: %w", acquirer.ErrNoEffect)
	}
	p := pay(t, gw, ctx, "order-1", "auto")
	*now = now.Add(time.Minute)
	if _, err := gw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	got := mustPayment(t, gw, ctx, p.TradeNo)
	if got.Status != paygate.StatusFailed || got.FailureCode != "processing_error" || outcomes(got) != "[a:unknown a:no_effect]" {
		t.Errorf("got %s %s, attempts %s; want FAILED processing_error", got.Status, got.FailureCode, outcomes(got))
	}
}

// TestFailoverOnDeclineCodes: a decline goes on to the next connector only
// with a code the route lists; any other decline is final.
func TestFailoverOnDeclineCodes(t *testing.T) {
	gw, ctx, _, c := routedGateway(t, routeAB)
	code := "processing_error"
	c["a"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) {
		return acquirer.Result{Code: code, Message: "declined"}, nil
	}
	if p := pay(t, gw, ctx, "order-1", "auto"); p.Status != paygate.StatusSucceeded || outcomes(p) != "[a:declined:processing_error b:approved]" {
		t.Errorf("retryable decline: got %s, attempts %s", p.Status, outcomes(p))
	}
	code = "insufficient_funds"
	p := pay(t, gw, ctx, "order-2", "auto")
	if p.Status != paygate.StatusFailed || p.FailureCode != code || p.Connector != "a" || outcomes(p) != "[a:declined:insufficient_funds]" {
		t.Errorf("final decline: got %s %s via %q, attempts %s", p.Status, p.FailureCode, p.Connector, outcomes(p))
	}
	if n := c["b"].count(&c["b"].authorizes); n != 1 {
		t.Errorf("b authorized %d times, want 1 (the retryable decline only)", n)
	}
}

// TestCircuitBreaker: after five failures in a row a connector's circuit
// opens and payments go straight to the next connector; after the
// cooldown one probe goes through, and its success closes the circuit.
func TestCircuitBreaker(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, routeAB)
	down := true
	c["a"].authorize = func(req acquirer.AuthorizeRequest) (acquirer.Result, error) {
		if down {
			return acquirer.Result{}, fmt.Errorf("refused: %w", acquirer.ErrNoEffect)
		}
		return approve(req)
	}
	for i := range 5 {
		pay(t, gw, ctx, fmt.Sprintf("order-%d", i), "auto")
	}
	p := pay(t, gw, ctx, "order-open", "auto")
	if outcomes(p) != "[a:circuit_open b:approved]" || c["a"].count(&c["a"].authorizes) != 5 {
		t.Fatalf("after 5 failures: attempts %s, a called %d times; want a skipped", outcomes(p), c["a"].authorizes)
	}
	if st := state(t, gw, ctx, "a"); st.Circuit != "open" || st.Failures != 5 {
		t.Errorf("a's state: got %+v, want open after 5 failures", st)
	}
	down = false
	*now = now.Add(31 * time.Second)
	if st := state(t, gw, ctx, "a"); st.Circuit != "half-open" {
		t.Errorf("after the cooldown: got %+v, want half-open", st)
	}
	if p := pay(t, gw, ctx, "order-probe", "auto"); outcomes(p) != "[a:approved]" {
		t.Errorf("the probe: attempts %s, want a to take it", outcomes(p))
	}
	if st := state(t, gw, ctx, "a"); st.Circuit != "closed" || st.Failures != 0 {
		t.Errorf("after a good probe: got %+v, want closed", st)
	}
	cs, err := gw.Connectors.Circuits(ctx)
	if err != nil || len(cs) != 1 || cs[0].Connector != "a" || cs[0].State != "closed" || cs[0].Node != "node" {
		t.Errorf("circuits written: got %+v, %v; want a's, closed again", cs, err)
	}
}

func state(t *testing.T, gw *gateway.Service, ctx context.Context, name string) gateway.ConnectorState {
	t.Helper()
	sts, err := gw.Connectors.States(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sts {
		if st.Name == name {
			return st
		}
	}
	t.Fatalf("no state for %s in %+v", name, sts)
	return gateway.ConnectorState{}
}

// TestDisabledConnectors: a disabled connector is left out of every
// route; with all of a route's connectors disabled the payment is refused
// (unavailable) and nothing is stored.
func TestDisabledConnectors(t *testing.T) {
	gw, ctx, _, c := routedGateway(t, routeAB)
	if err := gw.Connectors.SetDisabled(ctx, "a", true); err != nil {
		t.Fatal(err)
	}
	if p := pay(t, gw, ctx, "order-1", "auto"); p.Connector != "b" || outcomes(p) != "[b:approved]" {
		t.Errorf("a disabled: got via %q, attempts %s; want b alone", p.Connector, outcomes(p))
	}
	if err := gw.Connectors.SetDisabled(ctx, "b", true); err != nil {
		t.Fatal(err)
	}
	_, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-2",
		PaymentMethodType: "card", ThreeDsMode: "no",
		Card:       &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2030", FirstName: "A", LastName: "B"},
		DeviceInfo: &wire.DeviceInfo{ClientIP: "10.1.1.1", Language: "en-US"}})
	if paygate.ErrorCode(err) != paygate.EUnavailable {
		t.Fatalf("every connector disabled: got %v, want unavailable", err)
	}
	if _, _, err := gw.Payments.Payment(ctx, wire.OrderRef{OrderNo: "order-2"}); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("the refused payment: got %v, want nothing stored", err)
	}
	if c["a"].authorizes+c["b"].authorizes != 1 {
		t.Errorf("authorizations: a %d, b %d; want only the first payment's", c["a"].authorizes, c["b"].authorizes)
	}
}

// TestRoutingRefusedKeepsThePrevious: a routing document with a fault is
// refused whole with its JSON path, and the previous one stays in force.
func TestRoutingRefusedKeepsThePrevious(t *testing.T) {
	gw, ctx, _, _ := routedGateway(t, routeAB)
	err := gw.Connectors.SetRouting(ctx, []byte(`{"rules": [], "default": [{"connector": "a"}, {"connector": "nope"}]}`))
	var e *paygate.Error
	if !errors.As(err, &e) || e.Param != "default[1].connector" {
		t.Fatalf("got %v, want the fault at default[1].connector", err)
	}
	if doc, _ := gw.Connectors.Routing(ctx); string(doc) != routeAB {
		t.Errorf("routing in force: got %s, want the previous document", doc)
	}
}

func mustPayment(t *testing.T, gw *gateway.Service, ctx context.Context, tradeNo string) *paygate.Payment {
	t.Helper()
	p, _, err := gw.Payments.Payment(ctx, wire.OrderRef{TradeNo: tradeNo})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReconcileByConnector: each connector's file is matched against the
// movements of the payments it processed only: Stripe's report against
// the Stripe connector's captures, the sandbox's file against the
// sandbox's.
func TestReconcileByConnector(t *testing.T) {
	gw, ctx, now, _ := routedGateway(t, `{"rules": [{"name": "jpy", "match": {"currencies": ["JPY"]}, "connectors": [{"connector": "sandbox"}]}],
		"default": [{"connector": "a"}]}`)
	p := pay(t, gw, ctx, "order-rec-1", "auto")
	_, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "500", Currency: "JPY", OrderNo: "order-rec-2",
		PaymentMethodType: "card", ThreeDsMode: "no",
		Card:       &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2030", FirstName: "A", LastName: "B"},
		DeviceInfo: &wire.DeviceInfo{ClientIP: "10.1.1.1", Language: "en-US"}})
	if err != nil {
		t.Fatal(err)
	}
	day := now.Format(time.DateOnly)
	report := "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,source_id,payment_metadata[tradeNo],refund_metadata[reference]\n" +
		"txn_1," + day + " 12:00:00,usd,10.00,0.59,9.41,charge,ch_1," + p.TradeNo + ",\n"
	rep, err := gw.Reconcile(ctx, "a", strings.NewReader(report))
	if err != nil || rep.Matched != 1 || rep.Differences() != 0 {
		t.Errorf("Stripe's report: got %+v, %v; want the one capture matched and no JPY sandbox payment missing", rep, err)
	}
	var file strings.Builder
	if err := gw.SandboxSettlementFile(ctx, *now, &file); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(file.String(), p.TradeNo) || strings.Count(file.String(), "\n") != 2 {
		t.Errorf("the sandbox's file holds the other connector's payment or misses its own:\n%s", file.String())
	}
	if rep, err := gw.Reconcile(ctx, "sandbox", strings.NewReader(file.String())); err != nil || rep.Matched != 1 || rep.Differences() != 0 {
		t.Errorf("the sandbox's file: got %+v, %v", rep, err)
	}
	if _, err := gw.Reconcile(ctx, "nope", strings.NewReader(report)); paygate.ErrorCode(err) != paygate.EInvalidParameter {
		t.Errorf("an unknown connector: got %v", err)
	}
}

// TestLiveMerchantUnrouted: a card payment that no rule or default takes
// goes to the sandbox for a sandbox merchant, and is refused (no_route,
// nothing stored) for a live one; a rule that names the merchant routes it.
func TestLiveMerchantUnrouted(t *testing.T) {
	gw, ctx, now, _ := routedGateway(t, `{"rules": [{"name": "usd", "match": {"currencies": ["USD"]}, "connectors": [{"connector": "a"}]}]}`)
	jpy := func(orderNo string) (*paygate.Payment, error) {
		p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "500", Currency: "JPY", OrderNo: orderNo,
			PaymentMethodType: "card", ThreeDsMode: "no",
			Card:       &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2030", FirstName: "A", LastName: "B"},
			DeviceInfo: &wire.DeviceInfo{ClientIP: "10.1.1.1", Language: "en-US"}})
		return p, err
	}
	if p, err := jpy("order-live-1"); err != nil || p.Connector != "sandbox" || p.Status != paygate.StatusSucceeded {
		t.Fatalf("a sandbox merchant's unrouted payment: got %+v, %v; want it through the sandbox", p, err)
	}
	mi, err := gw.Merchants.SetLive(ctx, paygate.MerchantID(ctx), true)
	if err != nil || !mi.Live {
		t.Fatalf("SetLive: %+v, %v", mi, err)
	}
	*now = now.Add(2 * time.Second) // the node's view of the merchant is at most a second old
	if _, err := jpy("order-live-2"); paygate.ErrorCode(err) != paygate.ENoRoute {
		t.Fatalf("a live merchant's unrouted payment: got %v, want no_route", err)
	}
	if _, _, err := gw.Payments.Payment(ctx, wire.OrderRef{OrderNo: "order-live-2"}); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("the refused payment: got %v, want nothing stored", err)
	}
	if p := pay(t, gw, ctx, "order-live-3", "auto"); p.Connector != "a" || p.Status != paygate.StatusSucceeded {
		t.Errorf("a live merchant's routed payment: got %s via %q", p.Status, p.Connector)
	}
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "USD", OrderNo: "order-live-4"})
	if err != nil {
		t.Fatal(err)
	}
	if page, err := gw.Checkout.CheckoutPage(ctx, sess.SessionID); err != nil || page.TestMode {
		t.Errorf("a live merchant's cashier page: %+v, %v; want no test mode badge", page, err)
	}
}

// TestSandboxDisputesOnlyItsOwn: the sandbox's dispute test card opens a
// dispute on a payment the sandbox captured, never on another connector's.
func TestSandboxDisputesOnlyItsOwn(t *testing.T) {
	gw, ctx, _, _ := routedGateway(t, `{"rules": [{"name": "jpy", "match": {"currencies": ["JPY"]}, "connectors": [{"connector": "sandbox"}]}],
		"default": [{"connector": "a"}]}`)
	for _, c := range []struct{ currency, amount, connector string }{{"USD", "10.00", "a"}, {"JPY", "500", "sandbox"}} {
		p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: c.amount, Currency: c.currency, OrderNo: "order-dispute-" + c.currency,
			PaymentMethodType: "card", ThreeDsMode: "no",
			Card:       &wire.CardInput{CardNo: acquirer.CardDisputed, CVC: "123", ExpiryMonth: "06", ExpiryYear: "2030", FirstName: "A", LastName: "B"},
			DeviceInfo: &wire.DeviceInfo{ClientIP: "10.1.1.1", Language: "en-US"}})
		if err != nil {
			t.Fatal(err)
		}
		if disputed := p.DisputeID != ""; p.Connector != c.connector || disputed != (c.connector == "sandbox") {
			t.Errorf("%s via %q: disputed %v; want a dispute only through the sandbox", c.currency, p.Connector, disputed)
		}
	}
}
