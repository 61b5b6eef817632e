// Package routing holds the rules that pick the connectors of a payment:
// the operator's routing document (`paygate routing set --file`), its
// validation as a whole, and the choice for one payment. It is pure: the
// gateway supplies the facts of a payment and the names of the connectors
// that exist, and tries the connectors in the order chosen here.
package routing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"paygate"
)

// Document is the operator's routing document, as JSON.
type Document struct {
	// Rules are tried in order; the first that matches a payment routes it.
	Rules []Rule `json:"rules"`
	// MerchantDefaults route a merchant's payments that no rule matched.
	MerchantDefaults map[string][]Target `json:"merchantDefaults,omitempty"`
	// Default routes what neither a rule nor a merchant default did.
	Default []Target `json:"default,omitempty"`
	// FailoverOn are the decline codes worth trying at the next connector
	// (a rule's own list replaces it). A decline not listed is final.
	FailoverOn []string `json:"failoverOn,omitempty"`
}

// Rule sends the payments it matches to its connectors.
type Rule struct {
	Name       string   `json:"name"`
	Match      Match    `json:"match"`
	Connectors []Target `json:"connectors"`
	FailoverOn []string `json:"failoverOn,omitempty"`
}

// Match holds what a payment must have: each list it sets must hold the
// payment's value (an absent list matches anything). AmountMin and
// AmountMax are decimal strings in the one currency the rule names,
// both inclusive.
type Match struct {
	Merchants  []string `json:"merchants,omitempty"`
	Methods    []string `json:"methods,omitempty"`
	Currencies []string `json:"currencies,omitempty"`
	Brands     []string `json:"brands,omitempty"`
	Countries  []string `json:"countries,omitempty"` // the card's issuing country, by its BIN
	AmountMin  string   `json:"amountMin,omitempty"`
	AmountMax  string   `json:"amountMax,omitempty"`

	min, max int64 // parsed; 0: no bound
}

// Target is one connector of a route. With weights, a route splits its
// volume: the first connector tried is drawn by weight, the others follow
// in the order listed. Either every target of a list has a weight or none.
type Target struct {
	Connector string `json:"connector"`
	Weight    int    `json:"weight,omitempty"`
}

// Facts are what routing knows of a payment.
type Facts struct {
	MerchantID string
	Method     string // "card", "wechat", ...
	Amount     paygate.Money
	Brand      string // the card's brand, "" for other methods
	Country    string // the card's issuing country (ISO 3166 alpha-2), "" when unknown
	// Key draws a weighted route: the payment's tradeNo, so the same
	// payment always draws the same connector.
	Key string
}

// Route is the outcome for one payment.
type Route struct {
	Rule       string   // the rule's name; "merchant default" or "default"
	Connectors []string // in the order to try
	FailoverOn []string // decline codes worth trying at the next connector
}

// Retries reports whether a decline with code goes on to the next
// connector.
func (r Route) Retries(code string) bool { return slices.Contains(r.FailoverOn, code) }

// Parse reads and checks a routing document as a whole against the
// connectors that exist (known). An error is a *paygate.Error whose Param
// is the JSON path of the fault ("rules[2].connectors[0].connector").
func Parse(doc []byte, known func(name string) bool) (*Document, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var d Document
	if err := dec.Decode(&d); err != nil {
		return nil, paygate.Errorf(paygate.EInvalidJSON, "the routing document is not valid: %v", err)
	}
	if dec.More() {
		return nil, paygate.Errorf(paygate.EInvalidJSON, "the routing document holds more than one JSON value")
	}
	if err := d.check(known); err != nil {
		return nil, err
	}
	return &d, nil
}

func (d *Document) check(known func(string) bool) error {
	names := map[string]bool{}
	for i := range d.Rules {
		r := &d.Rules[i]
		at := fmt.Sprintf("rules[%d]", i)
		if r.Name == "" {
			return paygate.InvalidParam(at+".name", "each rule needs a name")
		}
		if names[r.Name] {
			return paygate.InvalidParam(at+".name", "rule name %q is used twice", r.Name)
		}
		names[r.Name] = true
		if err := r.Match.check(at + ".match"); err != nil {
			return err
		}
		if len(r.Connectors) == 0 {
			return paygate.InvalidParam(at+".connectors", "rule %q names no connector", r.Name)
		}
		if err := checkTargets(at+".connectors", r.Connectors, known); err != nil {
			return err
		}
		if err := checkCodes(at+".failoverOn", r.FailoverOn); err != nil {
			return err
		}
	}
	for _, m := range slices.Sorted(mapKeys(d.MerchantDefaults)) {
		at := "merchantDefaults." + m
		if len(d.MerchantDefaults[m]) == 0 {
			return paygate.InvalidParam(at, "merchant %s's default names no connector", m)
		}
		if err := checkTargets(at, d.MerchantDefaults[m], known); err != nil {
			return err
		}
	}
	if err := checkTargets("default", d.Default, known); err != nil {
		return err
	}
	return checkCodes("failoverOn", d.FailoverOn)
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

func checkTargets(at string, ts []Target, known func(string) bool) error {
	weighted := len(ts) > 0 && ts[0].Weight != 0
	seen := map[string]bool{}
	for i, t := range ts {
		p := fmt.Sprintf("%s[%d]", at, i)
		if !known(t.Connector) {
			return paygate.InvalidParam(p+".connector", "unknown connector %q (paygate connector list)", t.Connector)
		}
		if seen[t.Connector] {
			return paygate.InvalidParam(p+".connector", "connector %q is listed twice", t.Connector)
		}
		seen[t.Connector] = true
		if t.Weight < 0 || t.Weight > 10_000 {
			return paygate.InvalidParam(p+".weight", "a weight is a whole number from 1 to 10000, got %d", t.Weight)
		}
		if (t.Weight != 0) != weighted {
			return paygate.InvalidParam(p+".weight", "either every connector of a list has a weight or none has")
		}
	}
	return nil
}

func checkCodes(at string, codes []string) error {
	for i, c := range codes {
		if c == "" || strings.TrimSpace(c) != c {
			return paygate.InvalidParam(fmt.Sprintf("%s[%d]", at, i), "a failure code must not be empty or padded")
		}
	}
	return nil
}

// check refuses a match no payment can have: an empty list, an unknown
// method, brand, currency or country, or an amount range that is empty or
// not in exactly one currency.
func (m *Match) check(at string) error {
	for _, l := range []struct {
		name string
		vals []string
		ok   func(string) bool
	}{
		{"merchants", m.Merchants, func(s string) bool { return s != "" }},
		{"methods", m.Methods, knownMethod},
		{"currencies", m.Currencies, func(s string) bool { _, ok := paygate.CurrencyExponent(s); return ok }},
		{"brands", m.Brands, func(s string) bool { return slices.Contains(brands, s) }},
		{"countries", m.Countries, countryCode},
	} {
		if l.vals != nil && len(l.vals) == 0 {
			return paygate.InvalidParam(at+"."+l.name, "an empty list matches no payment; leave it out to match any")
		}
		for i, v := range l.vals {
			if !l.ok(v) {
				return paygate.InvalidParam(fmt.Sprintf("%s.%s[%d]", at, l.name, i), "%q is not a known value here", v)
			}
		}
	}
	if m.Brands != nil && m.Methods != nil && !slices.ContainsFunc(m.Methods, cardLike) {
		return paygate.InvalidParam(at+".brands", "brands match cards only, but methods names no card method")
	}
	return m.checkAmounts(at)
}

func (m *Match) checkAmounts(at string) error {
	if m.AmountMin == "" && m.AmountMax == "" {
		return nil
	}
	if len(m.Currencies) != 1 {
		return paygate.InvalidParam(at+".currencies", "an amount range needs exactly one currency to be read in")
	}
	cur := m.Currencies[0]
	for _, b := range []struct {
		name string
		s    string
		v    *int64
	}{{"amountMin", m.AmountMin, &m.min}, {"amountMax", m.AmountMax, &m.max}} {
		if b.s == "" {
			continue
		}
		v, err := paygate.ParseAmount(b.s, cur)
		if err != nil {
			return paygate.InvalidParam(at+"."+b.name, "%s %s", b.name, err)
		}
		*b.v = v.Minor
	}
	if m.min != 0 && m.max != 0 && m.min > m.max {
		return paygate.InvalidParam(at+".amountMax", "amountMax is below amountMin: no payment can match")
	}
	return nil
}

var brands = []string{"visa", "mastercard", "unionpay", "amex", "jcb", "discover", "diners"}

func knownMethod(s string) bool {
	if s == paygate.MethodCard {
		return true
	}
	_, ok := paygate.LookupWalletMethod(s)
	return ok
}

// cardLike reports whether a method pays with a card (device wallets do).
func cardLike(method string) bool {
	if method == paygate.MethodCard {
		return true
	}
	w, ok := paygate.LookupWalletMethod(method)
	return ok && w.Device
}

func countryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// matches reports whether the payment has what m asks.
func (m *Match) matches(f Facts) bool {
	in := func(l []string, v string) bool { return l == nil || slices.Contains(l, v) }
	if !in(m.Merchants, f.MerchantID) || !in(m.Methods, f.Method) || !in(m.Currencies, f.Amount.Currency) ||
		!in(m.Brands, f.Brand) || !in(m.Countries, f.Country) {
		return false
	}
	return (m.min == 0 || f.Amount.Minor >= m.min) && (m.max == 0 || f.Amount.Minor <= m.max)
}

// Route picks the connectors of a payment: the first rule that matches, or
// the merchant's default, or the default. false when none applies.
func (d *Document) Route(f Facts) (Route, bool) {
	if d == nil {
		return Route{}, false
	}
	for i := range d.Rules {
		r := &d.Rules[i]
		if r.Match.matches(f) {
			return Route{Rule: r.Name, Connectors: order(r.Connectors, f.Key), FailoverOn: cmpOr(r.FailoverOn, d.FailoverOn)}, true
		}
	}
	if ts, ok := d.MerchantDefaults[f.MerchantID]; ok {
		return Route{Rule: "merchant default", Connectors: order(ts, f.Key), FailoverOn: d.FailoverOn}, true
	}
	if len(d.Default) > 0 {
		return Route{Rule: "default", Connectors: order(d.Default, f.Key), FailoverOn: d.FailoverOn}, true
	}
	return Route{}, false
}

func cmpOr(a, b []string) []string {
	if a != nil {
		return a
	}
	return b
}

// order lists the targets' connectors to try: as listed, or, with weights,
// the one drawn by key's hash first and then the others as listed.
func order(ts []Target, key string) []string {
	out := make([]string, 0, len(ts))
	total := 0
	for _, t := range ts {
		total += t.Weight
	}
	first := -1
	if total > 0 {
		h := fnv.New64a()
		h.Write([]byte(key))
		n := int(h.Sum64() % uint64(total))
		for i, t := range ts {
			if n < t.Weight {
				first = i
				break
			}
			n -= t.Weight
		}
		out = append(out, ts[first].Connector)
	}
	for i, t := range ts {
		if i != first {
			out = append(out, t.Connector)
		}
	}
	return out
}

// Names lists every connector the document names, sorted, without repeats.
func (d *Document) Names() []string {
	var out []string
	add := func(ts []Target) {
		for _, t := range ts {
			out = append(out, t.Connector)
		}
	}
	for _, r := range d.Rules {
		add(r.Connectors)
	}
	for _, ts := range d.MerchantDefaults {
		add(ts)
	}
	add(d.Default)
	slices.Sort(out)
	return slices.Compact(out)
}
