package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/routing"
)

// Connect builds the client of a registered connector from its
// registration and opened credentials. cmd/paygate passes one that knows
// Stripe; without it only sandbox connectors can be built.
type Connect func(c *paygate.Connector, secret paygate.ConnectorSecret) (acquirer.Acquirer, error)

// connectorsTTL is how long a node keeps its view of the registered
// connectors and the routing document before reading them again: a change
// by `paygate connector` or `paygate routing` applies within it.
const connectorsTTL = 2 * time.Second

// connectorView is one node's view of its connectors: the built-in
// sandbox and the registered ones by name, and the routing document.
type connectorView struct {
	byName map[string]*liveConnector
	doc    *routing.Document // nil: no document set
	read   time.Time
}

// liveConnector is a connector's client, with its circuit breaker, kept
// across reads while its registration does not change.
type liveConnector struct {
	name     string
	typ      string
	acq      acquirer.Acquirer // wrapped for the observer
	resolver acquirer.Resolver // nil: the connector cannot be asked again
	webhooks acquirer.Webhooks // nil: the connector sends no events
	// ownThreeDS: the connector runs 3-D Secure inside Authorize.
	ownThreeDS bool
	disabled   bool
	updated    time.Time // the registration's UpdatedAt, and its key id:
	keyID      string    // a change of either builds the client again
	// breaker is shared by the copies of a connector in successive views.
	breaker *breaker
}

// connectorCache holds the view, read again once it is connectorsTTL old.
// One caller reads it again while the others go on with the old view, so
// a slow database never holds every payment up; only the very first read
// is waited for.
type connectorCache struct {
	mu         sync.Mutex
	view       *connectorView
	refreshing bool
	gen        int // bumped by forget: a read begun before is already old
}

// connectors returns the node's current view, reading the store when the
// one held is old. A failed read keeps the old view (and logs); with no
// view yet it is an error.
func (s *core) connectors(ctx context.Context) (*connectorView, error) {
	c := &s.conns
	c.mu.Lock()
	now := time.Now()
	v := c.view
	if v != nil && (now.Sub(v.read) < connectorsTTL || c.refreshing) {
		c.mu.Unlock()
		return v, nil
	}
	if v == nil {
		defer c.mu.Unlock() // the first read: everyone waits for it
		nv, err := s.readConnectors(context.WithoutCancel(ctx), nil)
		if err != nil {
			return nil, err
		}
		nv.read = now
		c.view = nv
		return nv, nil
	}
	c.refreshing = true
	gen := c.gen
	c.mu.Unlock()
	var nv *connectorView
	var err error
	defer func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.refreshing = false
		if err != nil || nv == nil {
			v.read = now // keep routing with the last ones read; try again later
			return
		}
		if nv.read = now; gen != c.gen {
			nv.read = time.Time{} // changed through this node meanwhile: read again next time
		}
		c.view = nv
	}()
	nv, err = s.readConnectors(context.WithoutCancel(ctx), v)
	if err != nil {
		s.log.ErrorContext(ctx, "reading the connectors failed; routing with the last ones read", "err", err)
		return v, nil
	}
	return nv, nil
}

// readConnectors builds a view from the store, reusing the clients (and
// breakers) of old whose registration did not change.
func (s *core) readConnectors(ctx context.Context, old *connectorView) (*connectorView, error) {
	regs, err := s.store.Connectors(ctx)
	if err != nil {
		return nil, err
	}
	v := &connectorView{byName: map[string]*liveConnector{paygate.SandboxConnector: s.builtin}}
	for _, r := range regs {
		if r.Name == paygate.SandboxConnector {
			continue // the name is the built-in one's; connector add refuses it
		}
		if o := old.get(r.Name); o != nil && o.updated.Equal(r.UpdatedAt) && o.keyID == r.KeyID {
			same := *o // the same client and breaker; the flag as stored now
			same.disabled = r.Disabled || o.acq == nil
			v.byName[r.Name] = &same
			continue
		}
		lc, err := s.buildConnector(r)
		if err != nil {
			s.log.ErrorContext(ctx, "a connector could not be built; it takes no payments", "connector", r.Name, "err", err)
			lc = &liveConnector{name: r.Name, typ: r.Type, disabled: true, updated: r.UpdatedAt, keyID: r.KeyID, breaker: newBreaker()}
		}
		v.byName[r.Name] = lc
	}
	raw, err := s.store.RoutingDocument(ctx)
	if err != nil {
		return nil, err
	}
	if raw != nil {
		if v.doc, err = routing.Parse(raw, func(n string) bool { return v.byName[n] != nil }); err != nil {
			if old == nil {
				return nil, fmt.Errorf("the stored routing document: %w", err)
			}
			s.log.ErrorContext(ctx, "the stored routing document does not parse; keeping the last one", "err", err)
			v.doc = old.doc
		}
	}
	return v, nil
}

// forget drops the view, so the next payment reads the store again (after
// a change made through this node).
func (c *connectorCache) forget() {
	c.mu.Lock()
	if c.view != nil {
		c.view.read = time.Time{}
	}
	c.gen++
	c.mu.Unlock()
}

func (v *connectorView) get(name string) *liveConnector {
	if v == nil {
		return nil
	}
	return v.byName[name]
}

// buildConnector opens a registration's credentials and builds its client.
func (s *core) buildConnector(r *paygate.Connector) (*liveConnector, error) {
	plain, err := s.vault.Open(r.SecretSealed, connectorAAD(r.Name))
	if err != nil {
		return nil, fmt.Errorf("opening its credentials: %w", err)
	}
	var secret paygate.ConnectorSecret
	if err := json.Unmarshal(plain, &secret); err != nil {
		return nil, fmt.Errorf("reading its credentials: %w", err)
	}
	var acq acquirer.Acquirer
	switch {
	case r.Type == paygate.ConnectorSandbox:
		acq = acquirer.Sandbox{Latency: r.Latency}
	case s.cfg.Connect != nil:
		if acq, err = s.cfg.Connect(r, secret); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("no client for connectors of type %q", r.Type)
	}
	resolver, _ := acq.(acquirer.Resolver)
	webhooks, _ := acq.(acquirer.Webhooks)
	own, _ := acq.(acquirer.OwnThreeDS)
	return &liveConnector{name: r.Name, typ: r.Type, acq: observedAcquirer{acq, r.Name, s.obs}, resolver: resolver,
		webhooks: webhooks, ownThreeDS: own != nil && own.OwnThreeDS(), disabled: r.Disabled, updated: r.UpdatedAt,
		keyID: r.KeyID, breaker: newBreaker()}, nil
}

// connectorAAD binds a connector's sealed credentials to its name.
func connectorAAD(name string) []byte { return []byte("connector/" + name) }

// connectorFor is the connector that holds a payment: the one recorded on
// it, or the built-in sandbox for payments from before routing. A
// connector is never deleted, so one recorded is always there.
func (s *core) connectorFor(ctx context.Context, p *paygate.Payment) (*liveConnector, error) {
	if p.Connector == "" || p.Connector == paygate.SandboxConnector {
		return s.builtin, nil
	}
	v, err := s.connectors(ctx)
	if err != nil {
		return nil, err
	}
	if lc := v.get(p.Connector); lc != nil && lc.acq != nil {
		return lc, nil
	}
	return nil, paygate.Internal("connector", fmt.Errorf("payment %s names connector %q, which this node cannot reach", p.TradeNo, p.Connector))
}

// cardCall makes a call to the connector that holds a card payment.
func (s *core) cardCall(ctx context.Context, p *paygate.Payment, call func(acquirer.Acquirer) (acquirer.Result, error)) (acquirer.Result, error) {
	lc, err := s.connectorFor(ctx, p)
	if err != nil {
		return acquirer.Result{}, err
	}
	return call(lc.acq)
}

// route picks the connectors to try for a card payment, enabled ones
// only, in order. No rule, merchant default or default: the built-in
// sandbox for a sandbox merchant, no_route for a live one. Every routed
// connector disabled: unavailable. Either refusal writes nothing.
func (s *core) route(ctx context.Context, p *paygate.Payment) (routing.Route, error) {
	r, _, err := s.routeView(ctx, p)
	return r, err
}

// routeView is route, with the view of the connectors it was drawn from.
func (s *core) routeView(ctx context.Context, p *paygate.Payment) (routing.Route, *connectorView, error) {
	v, err := s.connectors(ctx)
	if err != nil {
		return routing.Route{}, nil, err
	}
	f := routing.Facts{MerchantID: p.MerchantID, Method: p.PaymentMethodType, Amount: p.Amount, Key: p.TradeNo}
	if p.Card != nil {
		f.Brand, f.Country = p.Card.Brand, s.cfg.BINs.Country(p.Card.BIN)
	}
	r, ok := v.doc.Route(f)
	if !ok {
		st, err := s.merchantState(ctx, p.MerchantID)
		if err != nil {
			return routing.Route{}, nil, err
		}
		if st.live {
			return routing.Route{}, nil, paygate.Errorf(paygate.ENoRoute,
				"no connector is routed for this payment (%s %s): the operator must route it (paygate routing set); nothing was charged",
				p.PaymentMethodType, p.Amount.Currency)
		}
		return routing.Route{Rule: "sandbox", Connectors: []string{paygate.SandboxConnector}}, v, nil
	}
	r.Connectors = slices.DeleteFunc(slices.Clone(r.Connectors), func(n string) bool {
		lc := v.get(n)
		return lc == nil || lc.disabled || lc.acq == nil
	})
	if len(r.Connectors) == 0 {
		return r, nil, paygate.Errorf(paygate.EUnavailable, "every connector the payment is routed to (rule %q) is disabled; nothing was charged", r.Rule)
	}
	return r, v, nil
}

// ConnectorState is what a node knows of one connector, for
// `paygate connector list` and /readyz.
type ConnectorState struct {
	Name     string    `json:"name"`
	Type     string    `json:"type"`
	Disabled bool      `json:"disabled"`
	Circuit  string    `json:"circuit"` // "closed", "open" or "half-open"
	Since    time.Time `json:"since,omitzero"`
	Failures int       `json:"consecutiveFailures"`
}

// Connectors is the operator's service of connectors and routing.
type Connectors struct{ *core }

// saveCircuit writes a connector's circuit as this node sees it, for
// `paygate connector list`; a failure is logged (the circuit itself lives
// in memory).
func (s *core) saveCircuit(ctx context.Context, lc *liveConnector) {
	st, since, failures := lc.breaker.state(s.now())
	c := paygate.ConnectorCircuit{Node: s.cfg.Node, Connector: lc.name, State: st, Since: since, Failures: failures, UpdatedAt: s.now()}
	if err := s.store.SetConnectorCircuit(ctx, c); err != nil {
		s.log.WarnContext(ctx, "writing a connector's circuit failed", "connector", lc.name, "err", err)
	}
	s.log.InfoContext(ctx, "connector circuit "+st, "connector", lc.name, "failures", failures)
}

// Circuits lists every node's circuits as the nodes last wrote them.
func (s *Connectors) Circuits(ctx context.Context) ([]paygate.ConnectorCircuit, error) {
	return s.store.ConnectorCircuits(ctx)
}

// States lists this node's connectors with their circuits.
func (s *Connectors) States(ctx context.Context) ([]ConnectorState, error) {
	v, err := s.connectors(ctx)
	if err != nil {
		return nil, err
	}
	var out []ConnectorState
	for _, name := range slices.Sorted(mapKeys(v.byName)) {
		lc := v.byName[name]
		st, since, failures := lc.breaker.state(s.now())
		out = append(out, ConnectorState{Name: name, Type: lc.typ, Disabled: lc.disabled, Circuit: st, Since: since, Failures: failures})
	}
	return out, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// breaker is a connector's circuit breaker on one node. After
// breakerFailures failures in a row (no answer, or an answer that the call
// had no effect) it opens: the connector is skipped while another of the
// route can be tried. After breakerCooldown one call goes through as a
// probe (half-open): its success closes the circuit, its failure opens it
// again. A decline is an answer, so it counts as a success.
type breaker struct {
	mu       sync.Mutex
	failures int
	open     bool
	since    time.Time // when it opened (or last closed)
	probing  bool      // half-open: a probe is out
}

const (
	breakerFailures = 5
	breakerCooldown = 30 * time.Second
)

func newBreaker() *breaker { return &breaker{} }

// allow reports whether a call may go to the connector now; in half-open
// it lets one probe through at a time.
func (b *breaker) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return true
	}
	if now.Sub(b.since) < breakerCooldown || b.probing {
		return false
	}
	b.probing = true
	return true
}

// done records a call's result: ok is an answer from the connector. It
// reports whether the circuit opened or closed (or a probe failed).
func (b *breaker) done(now time.Time, ok bool) (changed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case ok:
		changed = b.open
		if b.open {
			b.since = now
		}
		b.failures, b.open, b.probing = 0, false, false
	case b.open: // the probe failed
		b.since, b.probing, changed = now, false, true
	default:
		if b.failures++; b.failures >= breakerFailures {
			b.open, b.since, changed = true, now, true
		}
	}
	return changed
}

// release gives back a probe allowed but not made.
func (b *breaker) release() {
	b.mu.Lock()
	b.probing = false
	b.mu.Unlock()
}

func (b *breaker) state(now time.Time) (string, time.Time, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.open:
		return "closed", b.since, b.failures
	case b.probing || now.Sub(b.since) >= breakerCooldown:
		return "half-open", b.since, b.failures
	}
	return "open", b.since, b.failures
}

// chooseConnector records on a card payment about to be stored the first
// connector of its route, so that a crash during the call leaves the
// sweep knowing whom to ask.
func (s *core) chooseConnector(ctx context.Context, p *paygate.Payment) error {
	r, err := s.route(ctx, p)
	if err != nil {
		return err
	}
	p.Connector = r.Connectors[0]
	return nil
}

// Attempt outcomes (paygate.ConnectorAttempt.Outcome).
const (
	outcomeApproved    = "approved"
	outcomeDeclined    = "declined"
	outcomePending     = "pending"
	outcomeAction      = "action_required"
	outcomeNoEffect    = "no_effect"
	outcomeUnknown     = "unknown"
	outcomeCircuitOpen = "circuit_open"
)

func outcomeOf(r acquirer.Result) string {
	switch {
	case r.Approved:
		return outcomeApproved
	case r.Pending:
		return outcomePending
	case r.RedirectURL != "":
		return outcomeAction
	}
	return outcomeDeclined
}

// msgNoConnector is the failure of a payment that no connector took:
// each one certainly did not act (or its circuit was open), so nothing was
// charged.
const msgNoConnector = "No connector could take the payment; nothing was charged. It is safe to retry with a new orderNo."

// authorizeRouted sends the authorization to the payment's connectors in
// route order. It goes on to the next one only when the connector
// certainly did not act (acquirer.ErrNoEffect, or its circuit is open
// while another can be tried), or declined with a code the route fails
// over on. An unknown outcome is never failed over: the payment waits for
// the sweep to ask that connector again. Before a connector other than the
// recorded one is called, the payment records it (and the attempts so
// far), so a crash leaves the sweep knowing whom to ask. A payment that
// must be authenticated never goes on to a connector that authenticates
// otherwise (by itself, or by our ACS page before the call) than the first.
//
// done is true when the payment's next state is already written (q); else
// res is the answer to record, and d.attempts what was tried.
func (s *core) authorizeRouted(ctx context.Context, p *paygate.Payment, d *draft, req acquirer.AuthorizeRequest) (res acquirer.Result, q *paygate.Payment, done bool, err error) {
	r, v, err := s.routeView(ctx, p)
	if err != nil {
		q, err := s.decline(ctx, p, d, "processing_error", msgNoConnector, nil)
		return res, q, true, err
	}
	first := v.get(r.Connectors[0])
	authenticated := p.ThreeDS != nil && p.ThreeDS.Mode != paygate.ThreeDSOff
	attempts := slices.Clone(p.Attempts)
	for i, name := range r.Connectors {
		lc, last := v.get(name), i == len(r.Connectors)-1
		if lc.acq == nil || authenticated && lc.ownThreeDS != first.ownThreeDS {
			continue
		}
		if !lc.breaker.allow(s.now()) && !last {
			attempts = append(attempts, paygate.ConnectorAttempt{Connector: name, Outcome: outcomeCircuitOpen, At: s.now()})
			continue
		}
		if p.Connector != name {
			q, err := s.updateHeld(ctx, p, func(q *paygate.Payment, _ time.Time) { q.Connector, q.Attempts = name, attempts })
			if err != nil || q.Connector != name {
				lc.breaker.release() // no call was made; the payment moved on meanwhile, or the write failed
				return res, q, true, err
			}
			p = q
		}
		if req.Initiator != "merchant" && s.cfg.BaseURL != "" {
			req.ReturnURL = s.returnURL(name, p)
		}
		start := time.Now()
		res, err = lc.acq.Authorize(ctx, req)
		a := paygate.ConnectorAttempt{Connector: name, LatencyMs: time.Since(start).Milliseconds(), At: s.now()}
		if lc.breaker.done(s.now(), err == nil || errors.Is(err, acquirer.ErrBadRequest)) {
			s.saveCircuit(ctx, lc)
		}
		if errors.Is(err, acquirer.ErrNoEffect) {
			a.Outcome = outcomeNoEffect
			attempts = append(attempts, a)
			s.log.WarnContext(ctx, "connector did not take the authorization; trying the next", "tradeNo", p.TradeNo, "connector", name, "err", err)
			continue
		}
		if err != nil {
			a.Outcome = outcomeUnknown
			s.log.WarnContext(ctx, "connector authorize failed; outcome unknown", "tradeNo", p.TradeNo, "connector", name, "err", err)
			q, err := s.awaitOutcome(ctx, p, d, append(attempts, a))
			return res, q, true, err
		}
		a.Outcome, a.Code = outcomeOf(res), res.Code
		attempts = append(attempts, a)
		if a.Outcome == outcomeDeclined && r.Retries(res.Code) && !last {
			continue
		}
		d.attempts = attempts
		return res, p, false, nil
	}
	d.attempts = attempts
	q, err = s.decline(ctx, p, d, "processing_error", msgNoConnector, nil)
	return res, q, true, err
}

// askAgainAfter is how soon the sweep asks a connector again for an
// outcome it did not give.
const askAgainAfter = 30 * time.Second

// awaitOutcome records the attempts of a payment whose outcome is unknown
// and brings its expiry forward, so the sweep asks the connector soon. The
// call is over, so the claim goes (the cashier page still tries no other
// card while the last attempt waits), and a card to store is kept sealed
// for the approval.
func (s *core) awaitOutcome(ctx context.Context, p *paygate.Payment, d *draft, attempts []paygate.ConnectorAttempt) (*paygate.Payment, error) {
	sealed, err := s.sealForLater(p, d)
	if err != nil {
		return nil, err
	}
	return s.updateHeld(ctx, p, func(q *paygate.Payment, now time.Time) {
		q.Attempts = attempts
		q.Connector = attempts[len(attempts)-1].Connector
		q.ClaimedUntil = nil
		at := now.Add(askAgainAfter)
		q.ExpiresAt = &at
		if sealed != nil {
			q.PendingCard = sealed
		}
	})
}

// sealForLater seals the draft's card when an approval that comes later
// must store it (or renew a stored card): the card is gone by then.
func (s *core) sealForLater(p *paygate.Payment, d *draft) ([]byte, error) {
	if d == nil || !(d.store || d.storedUpdate != nil) || d.card.Number == "" {
		return nil, nil
	}
	return s.sealPendingCard(p, d)
}

// awaitConnector records a payment the connector holds without an outcome
// yet: pending at the connector (it stays PENDING), or waiting for the
// customer at the connector's own 3-D Secure (REQUIRES_ACTION, sent to
// next). The connector's webhook, or the sweep asking it, settles it.
func (s *core) awaitConnector(ctx context.Context, p *paygate.Payment, d *draft, res acquirer.Result, next *paygate.NextAction) (*paygate.Payment, error) {
	sealed, err := s.sealForLater(p, d)
	if err != nil {
		return nil, err
	}
	set := func(q *paygate.Payment, now time.Time) {
		d.recordAttempts(q)
		q.AcquirerRef = res.AcquirerRef
		at := now.Add(askAgainAfter)
		q.ClaimedUntil = nil // the call is over; the page tries no other card while this one waits
		if next != nil {
			q.NextAction = next
			at = now.Add(d.actionTTL)
		}
		q.ExpiresAt = &at
		if sealed != nil {
			q.PendingCard = sealed
		}
		if d.risk != nil {
			q.Risk = d.risk
		}
	}
	if next == nil || p.Status == paygate.StatusRequiresAction {
		return s.updateHeld(ctx, p, set)
	}
	return s.record(ctx, p, paygate.StatusRequiresAction, set)
}

// recordAttempts is part of the write of a payment's outcome: what was
// tried, and the connector that answered.
func (d *draft) recordAttempts(p *paygate.Payment) {
	if d == nil || len(d.attempts) == 0 {
		return
	}
	p.Attempts = d.attempts
	for i := len(d.attempts) - 1; i >= 0; i-- {
		if a := d.attempts[i]; a.Outcome != outcomeCircuitOpen {
			p.Connector = a.Connector
			return
		}
	}
}
