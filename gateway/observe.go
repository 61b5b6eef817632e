package gateway

import (
	"context"
	"sync/atomic"
	"time"

	"paygate"
	"paygate/acquirer"
)

// Observer is told what an operator watches: every call out to a
// connector, every payment status change that committed, every delivery.
// Values are from small fixed sets (never an id or a merchant's text), so
// they can label metrics. The metrics package implements it; Config's nil
// observes nothing.
type Observer interface {
	// ConnectorCall reports one call, made in ctx from start: op is the
	// connector method ("authorize", "refund", "open_order", ...), result
	// "ok", "declined" or "error" (no answer: the outcome is unknown).
	ConnectorCall(ctx context.Context, connector, op, result string, start time.Time, took time.Duration)
	// PaymentStatus reports a payment that moved to status, by method and
	// the connector that carries the method.
	PaymentStatus(status paygate.Status, method, connector string)
	// RefundStatus reports a refund that moved to status, by connector.
	RefundStatus(status paygate.RefundStatus, connector string)
	// Delivery reports a notification delivery attempt made in ctx from
	// start: result "delivered" or "failed".
	Delivery(ctx context.Context, result string, start time.Time, took time.Duration)
}

// Observers tells every one of obs.
func Observers(obs ...Observer) Observer { return observers(obs) }

type observers []Observer

func (o observers) ConnectorCall(ctx context.Context, connector, op, result string, start time.Time, took time.Duration) {
	for _, x := range o {
		x.ConnectorCall(ctx, connector, op, result, start, took)
	}
}

func (o observers) PaymentStatus(status paygate.Status, method, connector string) {
	for _, x := range o {
		x.PaymentStatus(status, method, connector)
	}
}

func (o observers) RefundStatus(status paygate.RefundStatus, connector string) {
	for _, x := range o {
		x.RefundStatus(status, connector)
	}
}

func (o observers) Delivery(ctx context.Context, result string, start time.Time, took time.Duration) {
	for _, x := range o {
		x.Delivery(ctx, result, start, took)
	}
}

type noObserver struct{}

func (noObserver) ConnectorCall(context.Context, string, string, string, time.Time, time.Duration) {}
func (noObserver) PaymentStatus(paygate.Status, string, string)                                    {}
func (noObserver) RefundStatus(paygate.RefundStatus, string)                                       {}
func (noObserver) Delivery(context.Context, string, time.Time, time.Duration)                      {}

// observeCommit reports the status changes of a committed change.
func (s *core) observeCommit(c *paygate.Change) {
	for _, ev := range c.Events {
		switch ev.ObjectType {
		case "payment":
			method := ""
			p := findPayment(c.Payments, ev.ObjectID)
			if p != nil {
				method = p.PaymentMethodType
			}
			s.obs.PaymentStatus(paygate.Status(ev.To), method, s.connectorOf(p))
		case "refund":
			connector := ""
			if r := findRefund(c.Refunds, ev.ObjectID); r != nil {
				connector = s.connectorOf(findPayment(c.Payments, r.TradeNo))
			}
			s.obs.RefundStatus(paygate.RefundStatus(ev.To), connector)
		}
	}
}

// callResult is the result label of a connector call.
func callResult(approved bool, err error) string {
	switch {
	case err != nil:
		return "error"
	case !approved:
		return "declined"
	}
	return "ok"
}

// ConnectorClock sums the time one request spent waiting on connectors, so
// that what the gateway itself added can be told apart (the API's
// Server-Timing header, `paygate bench`).
type ConnectorClock struct{ ns atomic.Int64 }

type clockKey struct{}

// WithConnectorClock returns ctx with a new clock that every connector call
// made in it adds to.
func WithConnectorClock(ctx context.Context) (context.Context, *ConnectorClock) {
	c := &ConnectorClock{}
	return context.WithValue(ctx, clockKey{}, c), c
}

// Total is the time spent in connector calls so far.
func (c *ConnectorClock) Total() time.Duration {
	if c == nil {
		return 0
	}
	return time.Duration(c.ns.Load())
}

func (c *ConnectorClock) add(d time.Duration) {
	if c != nil {
		c.ns.Add(int64(d))
	}
}

func clockOf(ctx context.Context) *ConnectorClock {
	c, _ := ctx.Value(clockKey{}).(*ConnectorClock)
	return c
}

// observedAcquirer times every card call of an acquirer.
type observedAcquirer struct {
	acquirer.Acquirer
	name string
	obs  Observer
}

func (a observedAcquirer) done(ctx context.Context, op string, start time.Time, approved bool, err error) {
	took := time.Since(start)
	clockOf(ctx).add(took)
	a.obs.ConnectorCall(ctx, a.name, op, callResult(approved, err), start, took)
}

func (a observedAcquirer) Authenticate(ctx context.Context, req acquirer.AuthenticateRequest) (acquirer.AuthenticateResult, error) {
	start := time.Now()
	r, err := a.Acquirer.Authenticate(ctx, req)
	a.done(ctx, "authenticate", start, true, err)
	return r, err
}

func (a observedAcquirer) CompleteChallenge(ctx context.Context, ref string, c acquirer.Card, passed bool) (*paygate.ThreeDS, error) {
	start := time.Now()
	t, err := a.Acquirer.CompleteChallenge(ctx, ref, c, passed)
	a.done(ctx, "complete_challenge", start, t != nil, err)
	return t, err
}

func (a observedAcquirer) Authorize(ctx context.Context, req acquirer.AuthorizeRequest) (acquirer.Result, error) {
	start := time.Now()
	r, err := a.Acquirer.Authorize(ctx, req)
	a.done(ctx, "authorize", start, r.Approved, err)
	return r, err
}

func (a observedAcquirer) Capture(ctx context.Context, ref string, amount paygate.Money) (acquirer.Result, error) {
	start := time.Now()
	r, err := a.Acquirer.Capture(ctx, ref, amount)
	a.done(ctx, "capture", start, r.Approved, err)
	return r, err
}

func (a observedAcquirer) Void(ctx context.Context, ref string) (acquirer.Result, error) {
	start := time.Now()
	r, err := a.Acquirer.Void(ctx, ref)
	a.done(ctx, "void", start, r.Approved, err)
	return r, err
}

func (a observedAcquirer) Refund(ctx context.Context, ref, reference string, amount paygate.Money) (acquirer.Result, error) {
	start := time.Now()
	r, err := a.Acquirer.Refund(ctx, ref, reference, amount)
	a.done(ctx, "refund", start, r.Approved, err)
	return r, err
}

// observedWallets times every call of a wallet connector.
type observedWallets struct {
	acquirer.Wallets
	name string
	obs  Observer
}

func (w observedWallets) done(ctx context.Context, op string, start time.Time, approved bool, err error) {
	took := time.Since(start)
	clockOf(ctx).add(took)
	w.obs.ConnectorCall(ctx, w.name, op, callResult(approved, err), start, took)
}

func (w observedWallets) OpenOrder(ctx context.Context, req acquirer.OrderRequest) (acquirer.Order, error) {
	start := time.Now()
	o, err := w.Wallets.OpenOrder(ctx, req)
	w.done(ctx, "open_order", start, true, err)
	return o, err
}

func (w observedWallets) PayCode(ctx context.Context, req acquirer.PayRequest) (acquirer.WalletResult, error) {
	start := time.Now()
	r, err := w.Wallets.PayCode(ctx, req)
	w.done(ctx, "pay_code", start, r.State != acquirer.WalletDeclined, err)
	return r, err
}

func (w observedWallets) QueryOrder(ctx context.Context, req acquirer.QueryRequest) (acquirer.WalletResult, error) {
	start := time.Now()
	r, err := w.Wallets.QueryOrder(ctx, req)
	w.done(ctx, "query_order", start, r.State != acquirer.WalletDeclined, err)
	return r, err
}

func (w observedWallets) CloseOrder(ctx context.Context, req acquirer.QueryRequest) (acquirer.Result, error) {
	start := time.Now()
	r, err := w.Wallets.CloseOrder(ctx, req)
	w.done(ctx, "close_order", start, r.Approved, err)
	return r, err
}

func (w observedWallets) RefundOrder(ctx context.Context, req acquirer.QueryRequest, reference string, amount paygate.Money) (acquirer.Result, error) {
	start := time.Now()
	r, err := w.Wallets.RefundOrder(ctx, req, reference, amount)
	w.done(ctx, "refund_order", start, r.Approved, err)
	return r, err
}

func (w observedWallets) OpenToken(ctx context.Context, method, token string) (acquirer.DeviceCard, error) {
	start := time.Now()
	c, err := w.Wallets.OpenToken(ctx, method, token)
	w.done(ctx, "open_token", start, err == nil, err)
	return c, err
}

// connectorName is a connector's name for the metrics: its Name method's,
// or "connector".
func connectorName(c any) string {
	if n, ok := c.(interface{ Name() string }); ok {
		return n.Name()
	}
	return "connector"
}

// connectorOf names the connector that carries a payment: the wallets'
// for wallet and QR methods, for cards (device wallets pay with a card)
// the one recorded on it, or the built-in acquirer's.
func (s *core) connectorOf(p *paygate.Payment) string {
	if p == nil {
		return connectorName(unobserved(s.acquirer))
	}
	if m, ok := paygate.LookupWalletMethod(p.PaymentMethodType); ok && !m.Device && s.wallets != nil {
		return connectorName(unobserved(s.wallets))
	}
	if p.Connector != "" && p.Connector != paygate.SandboxConnector {
		return p.Connector
	}
	return connectorName(unobserved(s.acquirer))
}

// unobserved is a connector without the observer's wrapper.
func unobserved(c any) any {
	switch c := c.(type) {
	case observedAcquirer:
		return c.Acquirer
	case observedWallets:
		return c.Wallets
	}
	return c
}
