package gateway

import (
	"context"
	"slices"
	"strings"

	"paygate"
	"paygate/ledger"
)

// PriceInfo is a price as the operator sets and reads it: the percentage
// and fixed amount as decimal text ("2.9", "0.30").
type PriceInfo struct {
	Merchant string `json:"merchant"` // "" for the default plan
	Method   string `json:"method"`   // "" for every method
	Currency string `json:"currency"` // "" for every currency
	Percent  string `json:"percent"`
	Fixed    string `json:"fixed"` // in Currency; "0" when it has none
}

// SetPrice sets what the provider takes of a merchant's captures of one
// method (or every method: "") in one currency (or every currency: "", then
// with no fixed amount). Merchant "" sets the default plan. percent is a
// decimal such as "2.9", fixed an amount of currency such as "0.30" ("" or
// "0": none). Nodes apply it within a second, to captures from then on.
//
// Errors: invalid_parameter, not_found.
func (s *Merchants) SetPrice(ctx context.Context, in PriceInfo) (PriceInfo, error) {
	p := paygate.Price{Merchant: in.Merchant, Method: in.Method, Currency: in.Currency}
	if p.Merchant != "" {
		if _, err := s.store.Merchant(ctx, p.Merchant); err != nil {
			return PriceInfo{}, err
		}
	}
	if p.Method != "" && !slices.Contains(paygate.PaymentMethodTypes(), p.Method) {
		return PriceInfo{}, paygate.InvalidParam("method", "method must be one of %s, or empty for every method",
			strings.Join(paygate.PaymentMethodTypes(), ", "))
	}
	if p.Currency != "" {
		if _, err := paygate.ParseCurrency(p.Currency); err != nil {
			return PriceInfo{}, paygate.InvalidParam("currency", "currency %v", err)
		}
	}
	pct, err := ledger.ParsePercent(in.Percent)
	if err != nil {
		return PriceInfo{}, paygate.InvalidParam("percent", "%v", err)
	}
	p.PercentHundredths = pct
	if in.Fixed != "" && strings.Trim(in.Fixed, "0.") != "" {
		if p.Currency == "" {
			return PriceInfo{}, paygate.InvalidParam("fixed", "a fixed amount needs a currency")
		}
		m, err := paygate.ParseAmount(in.Fixed, p.Currency)
		if err != nil {
			return PriceInfo{}, paygate.InvalidParam("fixed", "fixed %v", err)
		}
		p.FixedMinor = m.Minor
	}
	if err := s.store.SetPrice(ctx, p); err != nil {
		return PriceInfo{}, err
	}
	return priceInfo(p), nil
}

// Prices lists a merchant's prices and then the default plan's (merchant
// "": the default plan's alone).
//
// Errors: not_found.
func (s *Merchants) Prices(ctx context.Context, merchant string) ([]PriceInfo, error) {
	if merchant != "" {
		if _, err := s.store.Merchant(ctx, merchant); err != nil {
			return nil, err
		}
	}
	ps, err := s.store.Prices(ctx, merchant)
	if err != nil {
		return nil, err
	}
	out := []PriceInfo{}
	for _, p := range ps {
		out = append(out, priceInfo(p))
	}
	return out, nil
}

func priceInfo(p paygate.Price) PriceInfo {
	pi := PriceInfo{Merchant: p.Merchant, Method: p.Method, Currency: p.Currency, Fixed: "0",
		Percent: ledger.FormatPercent(p.PercentHundredths)}
	if p.FixedMinor != 0 {
		pi.Fixed = paygate.Money{Minor: p.FixedMinor, Currency: p.Currency}.String()
	}
	return pi
}
