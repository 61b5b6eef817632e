package risk

import (
	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"
)

// activation gives a rule the input's variables, each made a CEL value
// once for all the rules of a decision.
type activation struct {
	in   *Input
	vals map[string]ref.Val
}

func newActivation(in *Input) interpreter.Activation {
	return &activation{in: in, vals: make(map[string]ref.Val, len(Variables))}
}

// ResolveName returns the value of a variable of Variables.
func (a *activation) ResolveName(name string) (any, bool) {
	if v, ok := a.vals[name]; ok {
		return v, true
	}
	v, ok := a.resolve(name)
	if !ok {
		return nil, false
	}
	var val ref.Val
	switch x := v.(type) {
	case string:
		val = types.String(x)
	case int64:
		val = types.Int(x)
	}
	a.vals[name] = val
	return val, true
}

func (a *activation) resolve(name string) (any, bool) {
	in := a.in
	switch name {
	case "amount":
		return in.Amount, true
	case "currency":
		return in.Currency, true
	case "method":
		return in.Method, true
	case "card_brand":
		return in.CardBrand, true
	case "card_bin":
		return in.CardBIN[:min(6, len(in.CardBIN))], true
	case "card_country":
		return in.CardCountry, true
	case "ip":
		return in.IP, true
	case "ip_country":
		return in.IPCountry, true
	case "billing_country":
		return in.BillingCountry, true
	case "email_domain":
		return in.EmailDomain(), true
	case "hour":
		return int64(in.Hour), true
	}
	return a.counts(name)
}

func (a *activation) counts(name string) (any, bool) {
	c, ip := a.in.Card, a.in.Address
	switch name {
	case "card_count_10m":
		return int64(c.Min10.Count), true
	case "card_count_1h":
		return int64(c.Hour.Count), true
	case "card_count_24h":
		return int64(c.Day.Count), true
	case "card_amount_1h":
		return c.Hour.Amount, true
	case "card_amount_24h":
		return c.Day.Amount, true
	case "ip_count_10m":
		return int64(ip.Min10.Count), true
	case "ip_count_1h":
		return int64(ip.Hour.Count), true
	case "ip_count_24h":
		return int64(ip.Day.Count), true
	case "ip_declines_10m":
		return int64(ip.Min10.Declines), true
	case "ip_declines_1h":
		return int64(ip.Hour.Declines), true
	}
	e, d := a.in.EmailUse, a.in.Device
	switch name {
	case "email_count_10m":
		return int64(e.Min10.Count), true
	case "email_count_1h":
		return int64(e.Hour.Count), true
	case "email_count_24h":
		return int64(e.Day.Count), true
	case "device_count_10m":
		return int64(d.Min10.Count), true
	case "device_count_1h":
		return int64(d.Hour.Count), true
	case "device_count_24h":
		return int64(d.Day.Count), true
	case "device_declines_10m":
		return int64(d.Min10.Declines), true
	case "merchant_declines_10m":
		return int64(a.in.MerchantDeclines), true
	}
	return nil, false
}

// Parent is nil: the variables are all there is.
func (a *activation) Parent() interpreter.Activation { return nil }

// estimator sizes the variables for the cost estimate: strings are short.
type estimator struct{}

func (estimator) EstimateSize(checker.AstNode) *checker.SizeEstimate {
	return &checker.SizeEstimate{Min: 0, Max: 256}
}

func (estimator) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}
