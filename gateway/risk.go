package gateway

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"paygate"
	"paygate/risk"
	"paygate/wire"
)

// Risk is the merchant's side of the risk engine: its block lists, its
// rules, and a decision without a payment.
type Risk struct{ *core }

// engineTTL is how long a node uses a merchant's lists and rules before it
// reads them again: a change made on another node holds here within this
// time (on this node at once).
const engineTTL = 2 * time.Second

// engineIdle is how long an engine unused stays in memory.
const engineIdle = 10 * time.Minute

// engines caches each merchant's compiled engine on this node.
type engines struct {
	mu sync.Mutex
	m  map[string]*engineEntry
}

type engineEntry struct {
	eng     *risk.Engine // nil until loaded, and after a change on this node
	at      time.Time    // when eng was read
	used    time.Time
	gen     uint64 // bumped by each change on this node: a load begun before it is dropped
	loading bool
	rules   map[string]*risk.Rule // compiled, by id and expression: compiled again only when changed
}

// forget drops a merchant's engine after a change on this node: the next
// payment reads the lists and rules again.
func (e *engines) forget(merchantID string) {
	e.mu.Lock()
	if x := e.m[merchantID]; x != nil {
		x.gen++
		x.eng = nil
	}
	e.mu.Unlock()
}

// engine returns the merchant's compiled lists and rules. While one request
// reads them again, the others use the engine read before (one reader a
// merchant and node, not one per payment).
func (s *core) engine(ctx context.Context, merchantID string) (*risk.Engine, error) {
	now := s.now()
	s.risk.mu.Lock()
	if s.risk.m == nil {
		s.risk.m = map[string]*engineEntry{}
	}
	e := s.risk.m[merchantID]
	if e == nil {
		s.evictIdle(now)
		e = &engineEntry{}
		s.risk.m[merchantID] = e
	}
	e.used = now
	if e.eng != nil && (now.Sub(e.at) < engineTTL || e.loading) {
		eng := e.eng
		s.risk.mu.Unlock()
		return eng, nil
	}
	e.loading = true
	gen, compiled, stale := e.gen, e.rules, e.eng
	s.risk.mu.Unlock()
	var eng *risk.Engine
	var rules map[string]*risk.Rule
	err := errors.New("the risk engine's load did not finish")
	defer func() { // also when the load panics: else no request would load again
		s.risk.mu.Lock()
		e.loading = false
		if err == nil && e.gen == gen {
			e.eng, e.at, e.rules = eng, now, rules
		}
		s.risk.mu.Unlock()
	}()
	eng, rules, err = s.loadEngine(ctx, merchantID, compiled)
	if err != nil && stale != nil {
		s.log.WarnContext(ctx, "risk lists and rules unread; the ones read before stay", "merchant", merchantID, "err", err)
		return stale, nil
	}
	return eng, err
}

// evictIdle forgets the engines unused for engineIdle; the caller holds
// the lock.
func (s *core) evictIdle(now time.Time) {
	for id, e := range s.risk.m {
		if now.Sub(e.used) > engineIdle && !e.loading {
			delete(s.risk.m, id)
		}
	}
}

// loadEngine reads a merchant's rules and lists and compiles them, reusing
// the rules compiled before that have not changed.
func (s *core) loadEngine(ctx context.Context, merchantID string, compiled map[string]*risk.Rule) (*risk.Engine, map[string]*risk.Rule, error) {
	eng := &risk.Engine{}
	stored, err := s.store.RiskRules(ctx, merchantID)
	if err != nil {
		return nil, nil, err
	}
	rules := map[string]*risk.Rule{}
	for _, r := range stored {
		key := r.ID + "|" + r.Expression
		cr := compiled[key]
		if cr == nil {
			if cr, err = risk.Compile(r.ID, r.Name, r.Expression, risk.Decision(r.Action), true); err != nil {
				s.log.ErrorContext(ctx, "a stored risk rule does not compile; skipped", "rule", r.ID, "err", err)
				continue
			}
		}
		rules[key] = cr
		x := *cr // the same program; this load's name, action and switch
		x.Name, x.Action, x.Enabled = r.Name, risk.Decision(r.Action), r.Enabled
		eng.Rules = append(eng.Rules, &x)
	}
	entries := map[risk.List][]string{}
	for after := ""; ; {
		page, err := s.store.RiskListEntries(ctx, merchantID, "", after, 1000)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range page {
			entries[risk.List(e.List)] = append(entries[risk.List(e.List)], e.Value)
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ID
	}
	eng.Lists = risk.NewLists(entries)
	if eng.ScreenAll, err = s.store.RiskScreenAll(ctx, merchantID); err != nil {
		return nil, nil, err
	}
	return eng, rules, nil
}

// velocityWindows are the spans the velocity signals count over.
var velocityWindows = []time.Duration{10 * time.Minute, time.Hour, 24 * time.Hour}

// screen decides a payment that is stored or, with extra, one that is not
// yet. clientIP, when not "", is the address to judge (the shopper's on the
// cashier page) instead of the payment's deviceInfo.clientIp. The payment
// counts in each velocity window: its own row where it lies in the window,
// else it is added (a stored payment older than the window, a cashier
// session's made before the shopper came).
func (s *core) screen(ctx context.Context, eng *risk.Engine, p *paygate.Payment, cardNumber, clientIP string, extra bool) (risk.Result, error) {
	now := s.now()
	in := s.riskInput(p, cardNumber, clientIP, now)
	ownIP := p.ClientIP()
	since := make([]time.Time, len(velocityWindows))
	for i, w := range velocityWindows {
		since[i] = now.Add(-w)
	}
	keys := paygate.VelocityKeys{Card: p.CardFingerprint(), IP: in.IP, Email: p.Email(), Device: in.DeviceID,
		CountPaymentsFrom: risk.MerchantAttack}
	v, err := s.store.Velocity(ctx, p.MerchantID, keys, since)
	if err != nil {
		return risk.Result{}, err
	}
	// Is the payment's own row counted in window i under each key?
	counted := func(sameKey bool) func(i int) bool {
		return func(i int) bool { return !extra && sameKey && !p.CreatedAt.Before(since[i]) }
	}
	in.Card = windows(v.Card, p.Amount.Minor, counted(true), keys.Card != "")
	in.Address = windows(v.IP, p.Amount.Minor, counted(in.IP == ownIP), keys.IP != "")
	in.EmailUse = windows(v.Email, p.Amount.Minor, counted(true), keys.Email != "")
	in.Device = windows(v.Device, p.Amount.Minor, counted(true), keys.Device != "")
	in.MerchantDeclines, in.MerchantPayments = v.MerchantDeclines, v.MerchantPayments+1
	return eng.Decide(&in), nil
}

// windows makes the engine's windows of the counts, adding the payment
// judged to each window where counted says its row is not counted; none
// for a key the payment has not.
func windows(vs []paygate.VelocityWindow, amount int64, counted func(i int) bool, has bool) risk.Windows {
	if !has {
		return risk.Windows{}
	}
	w := make([]risk.Window, len(vs))
	for i, v := range vs {
		w[i] = risk.Window{Count: v.Count, Amount: v.Amount, Declines: v.Declines}
		if !counted(i) {
			w[i].Count++
			w[i].Amount += amount
		}
	}
	return risk.Windows{Min10: w[0], Hour: w[1], Day: w[2]}
}

// Geo finds the country of a client address (the IP database of
// --geoip-db); "" when it does not know.
type Geo interface {
	Country(ip string) string
}

// riskInput is what the engine judges of p; cardNumber (in memory only)
// gives the 8-digit BIN the lists and the BIN table match, and clientIP
// (the shopper's on the cashier page), when not "", the address judged.
func (s *core) riskInput(p *paygate.Payment, cardNumber, clientIP string, now time.Time) risk.Input {
	in := risk.Input{Amount: p.Amount.Minor, Currency: p.Amount.Currency, Method: p.PaymentMethodType,
		CardFingerprint: p.MerchantCardFingerprint(), IP: cmp.Or(clientIP, p.ClientIP()), Hour: now.UTC().Hour()}
	if c := p.Card; c != nil {
		in.CardBrand, in.CardBIN = c.Brand, c.BIN
	}
	if len(cardNumber) >= 8 {
		in.CardBIN = cardNumber[:8]
	}
	in.CardCountry = s.cfg.BINs.Country(in.CardBIN)
	if s.cfg.Geo != nil && in.IP != "" {
		in.IPCountry = s.cfg.Geo.Country(in.IP)
	}
	var billing wire.Billing
	if len(p.Billing) > 0 && json.Unmarshal(p.Billing, &billing) == nil {
		in.Email = billing.Email
		if billing.Address != nil {
			in.BillingCountry = strings.ToUpper(billing.Address.Country)
		}
	}
	var device wire.DeviceInfo
	if len(p.DeviceInfo) > 0 && json.Unmarshal(p.DeviceInfo, &device) == nil {
		in.DeviceID = device.DeviceID
	}
	return in
}

// riskOf is how a decision is kept on the payment.
func riskOf(r risk.Result) *paygate.Risk {
	out := &paygate.Risk{Decision: string(r.Decision), Score: r.Score, Reasons: []string{}, Details: []paygate.RiskReason{}}
	for _, x := range r.Reasons {
		out.Reasons = append(out.Reasons, x.Code)
		out.Details = append(out.Details, paygate.RiskReason{Code: x.Code, Message: x.Message})
	}
	return out
}

// screenCard runs the risk engine on a card payment whose fraudMode asks
// for it, or any when the merchant screens all, before 3-D Secure and the
// acquirer. A decline fails the payment
// here, fraud_suspected, and the acquirer is never called; a review asks
// for a 3-D Secure challenge (the merchant's own authentication data count
// as one), or, under threeDsMode no, declines. A payment decided before a
// challenge is not decided again after it.
func (s *core) screenCard(ctx context.Context, p *paygate.Payment, d *draft) (*paygate.Payment, error) {
	if d.afterChallenge || d.card.Number == "" {
		return nil, nil
	}
	if sc := p.StoredCredential; sc != nil && sc.Initiator == "merchant" {
		return nil, nil // a merchant-initiated charge of a stored card: no customer to judge, no challenge possible
	}
	eng, err := s.engine(ctx, p.MerchantID)
	if err == nil && !p.FraudMode.Screens() && !eng.ScreenAll {
		return nil, nil
	}
	var res risk.Result
	if err == nil {
		res, err = s.screen(ctx, eng, p, d.card.Number, d.clientIP, false)
	}
	if err != nil {
		// No decision, so no charge: a failure the customer may retry.
		s.log.WarnContext(ctx, "risk screening failed", "tradeNo", p.TradeNo, "err", err)
		return s.decline(ctx, p, d, "processing_error", "Risk screening could not be done; it is safe to retry.", nil)
	}
	d.risk = riskOf(res)
	switch res.Decision {
	case risk.Decline:
		return s.decline(ctx, p, d, codeFraud, "The payment was declined by risk screening.", d.risk)
	case risk.Review:
		if t := d.threeDsData; t != nil {
			// The merchant's own authentication counts only when it passed.
			if !passed(t) {
				return s.decline(ctx, p, d, codeFraud,
					"Risk screening asks for 3-D Secure, and the authentication sent did not pass; the payment is declined.", d.risk)
			}
		} else if p.ThreeDS.Mode == paygate.ThreeDSOff {
			return s.decline(ctx, p, d, codeFraud,
				"Risk screening asks for 3-D Secure, which threeDsMode no leaves out; the payment is declined.", d.risk)
		}
		d.review = true
	}
	return nil, nil
}

// codeFraud is the failure code of a payment risk screening declines.
const codeFraud = "fraud_suspected"
