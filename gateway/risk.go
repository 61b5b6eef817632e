package gateway

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"paygate"
	"paygate/risk"
	"paygate/wire"
)

// Risk is the merchant's side of the risk engine: its block lists, its
// rules, and a decision without a payment.
type Risk struct{ *core }

// engineTTL is how long a node keeps a merchant's compiled lists and rules:
// a change made on another node holds here within this time (on this node
// at once).
const engineTTL = 2 * time.Second

// engines caches each merchant's compiled engine on this node.
type engines struct {
	mu sync.Mutex
	m  map[string]engineEntry
}

type engineEntry struct {
	eng *risk.Engine
	at  time.Time
}

func (e *engines) forget(merchantID string) {
	e.mu.Lock()
	delete(e.m, merchantID)
	e.mu.Unlock()
}

// engine returns the merchant's compiled lists and rules.
func (s *core) engine(ctx context.Context, merchantID string) (*risk.Engine, error) {
	now := s.now()
	s.risk.mu.Lock()
	if e, ok := s.risk.m[merchantID]; ok && now.Sub(e.at) < engineTTL {
		s.risk.mu.Unlock()
		return e.eng, nil
	}
	s.risk.mu.Unlock()
	eng := &risk.Engine{}
	rules, err := s.store.RiskRules(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		cr, err := risk.Compile(r.ID, r.Name, r.Expression, risk.Decision(r.Action), r.Enabled)
		if err != nil {
			s.log.ErrorContext(ctx, "a stored risk rule does not compile; skipped", "rule", r.ID, "err", err)
			continue
		}
		eng.Rules = append(eng.Rules, cr)
	}
	entries := map[risk.List][]string{}
	for after := ""; ; {
		page, err := s.store.RiskListEntries(ctx, merchantID, "", after, 1000)
		if err != nil {
			return nil, err
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
	s.risk.mu.Lock()
	if s.risk.m == nil {
		s.risk.m = map[string]engineEntry{}
	}
	s.risk.m[merchantID] = engineEntry{eng: eng, at: now}
	s.risk.mu.Unlock()
	return eng, nil
}

// velocityWindows are the spans the velocity signals count over.
var velocityWindows = []time.Duration{10 * time.Minute, time.Hour, 24 * time.Hour}

// screen decides a payment that is stored (its own row counts in the
// velocities) or, with extra, one that is not yet (it is added).
func (s *core) screen(ctx context.Context, p *paygate.Payment, cardNumber string, extra bool) (risk.Result, error) {
	eng, err := s.engine(ctx, p.MerchantID)
	if err != nil {
		return risk.Result{}, err
	}
	now := s.now()
	in := riskInput(p, cardNumber, now)
	since := make([]time.Time, len(velocityWindows))
	for i, w := range velocityWindows {
		since[i] = now.Add(-w)
	}
	card, addr, err := s.store.Velocity(ctx, in.CardFingerprint, in.IP, since)
	if err != nil {
		return risk.Result{}, err
	}
	if in.CardFingerprint != "" {
		in.Card = windows(card, extra, p.Amount.Minor)
	}
	if in.IP != "" {
		in.Address = windows(addr, extra, p.Amount.Minor)
	}
	return eng.Decide(&in), nil
}

func windows(vs []paygate.VelocityWindow, extra bool, amount int64) risk.Windows {
	w := make([]risk.Window, len(vs))
	for i, v := range vs {
		w[i] = risk.Window{Count: v.Count, Amount: v.Amount, Declines: v.Declines}
		if extra {
			w[i].Count++
			w[i].Amount += amount
		}
	}
	return risk.Windows{Min10: w[0], Hour: w[1], Day: w[2]}
}

// riskInput is what the engine judges of p; cardNumber (in memory only)
// gives the 8-digit BIN the lists match.
func riskInput(p *paygate.Payment, cardNumber string, now time.Time) risk.Input {
	in := risk.Input{Amount: p.Amount.Minor, Currency: p.Amount.Currency, Method: p.PaymentMethodType,
		CardFingerprint: p.CardFingerprint(), IP: p.ClientIP(), Hour: now.UTC().Hour()}
	if c := p.Card; c != nil {
		in.CardBrand, in.CardBIN = c.Brand, c.BIN
	}
	if len(cardNumber) >= 8 {
		in.CardBIN = cardNumber[:8]
	}
	in.CardCountry = risk.BINCountry(in.CardBIN)
	var billing wire.Billing
	if len(p.Billing) > 0 && json.Unmarshal(p.Billing, &billing) == nil {
		in.Email = billing.Email
		if billing.Address != nil {
			in.BillingCountry = billing.Address.Country
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
// for it, before 3-D Secure and the acquirer. A decline fails the payment
// here, fraud_suspected, and the acquirer is never called; a review asks
// for a 3-D Secure challenge (the merchant's own authentication data count
// as one), or, under threeDsMode no, declines. A payment decided before a
// challenge is not decided again after it.
func (s *core) screenCard(ctx context.Context, p *paygate.Payment, d *draft) (*paygate.Payment, error) {
	if !p.FraudMode.Screens() || p.Risk != nil || d.card.Number == "" {
		return nil, nil
	}
	res, err := s.screen(ctx, p, d.card.Number, false)
	if err != nil {
		return nil, err
	}
	d.risk = riskOf(res)
	switch res.Decision {
	case risk.Decline:
		return s.decline(ctx, p, d, codeFraud, "The payment was declined by risk screening.", d.risk)
	case risk.Review:
		if d.threeDsData == nil && p.ThreeDS.Mode == paygate.ThreeDSOff {
			return s.decline(ctx, p, d, codeFraud,
				"Risk screening asks for 3-D Secure, which threeDsMode no leaves out; the payment is declined.", d.risk)
		}
		d.review = true
	}
	return nil, nil
}

// codeFraud is the failure code of a payment risk screening declines.
const codeFraud = "fraud_suspected"
