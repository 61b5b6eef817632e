package ledger

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"paygate"
)

// Pricing is what the provider takes of a capture: a percentage, in
// hundredths of a percent (2.9% is 290), and a fixed amount in the
// currency's minor units.
type Pricing struct {
	PercentHundredths int64
	Fixed             paygate.Money
}

// ParsePercent reads a percentage such as "2.9" or "0.25" (at most two
// decimals, at most 100) into hundredths of a percent, with no float.
func ParsePercent(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || strings.Trim(whole+frac, "0123456789") != "" {
		return 0, errors.New("percent must be a number such as 2.9, with at most two decimals")
	}
	var n int64
	for _, c := range whole + frac + strings.Repeat("0", 2-len(frac)) {
		n = n*10 + int64(c-'0')
		if n > 10_000 {
			return 0, errors.New("percent must be at most 100")
		}
	}
	return n, nil
}

// Fee is the fee of a capture of gross under p: the percentage of gross
// rounded half up to the minor unit (1.5 minor units is 2, 1.4 is 1), plus
// the fixed amount, and never more than gross. The fixed amount must be in
// gross's currency.
func Fee(gross paygate.Money, p Pricing) (paygate.Money, error) {
	if p.Fixed.Minor != 0 && p.Fixed.Currency != gross.Currency {
		return paygate.Money{}, errors.New("the pricing's fixed amount is in " + p.Fixed.Currency + ", the capture in " + gross.Currency)
	}
	// gross * hundredths / 10,000, rounded half up, in big integers: no
	// overflow whatever the amount.
	n := new(big.Int).Mul(big.NewInt(gross.Minor), big.NewInt(p.PercentHundredths))
	n.Add(n, big.NewInt(5_000))
	n.Quo(n, big.NewInt(10_000))
	fee := n.Int64() + p.Fixed.Minor
	return paygate.Money{Minor: min(fee, gross.Minor), Currency: gross.Currency}, nil
}

// PriceFor picks the price of a capture among a merchant's prices and the
// default plan's (Merchant ""): the merchant's own before the default
// plan's, and within each the most specific, method and currency, then
// method alone, then currency alone, then the plan's catch-all. No price
// at all is a fee of nothing.
func PriceFor(prices []paygate.Price, merchant, method, currency string) Pricing {
	best, bestRank := (*paygate.Price)(nil), 0
	for i := range prices {
		p := &prices[i]
		if (p.Merchant != merchant && p.Merchant != "") || (p.Method != "" && p.Method != method) ||
			(p.Currency != "" && p.Currency != currency) {
			continue
		}
		rank := 1
		if p.Merchant != "" {
			rank += 4
		}
		if p.Method != "" {
			rank += 2
		}
		if p.Currency != "" {
			rank++
		}
		if rank > bestRank {
			best, bestRank = p, rank
		}
	}
	if best == nil {
		return Pricing{Fixed: paygate.Money{Currency: currency}}
	}
	fixed := paygate.Money{Currency: currency}
	if best.Currency != "" {
		fixed.Minor = best.FixedMinor
	}
	return Pricing{PercentHundredths: best.PercentHundredths, Fixed: fixed}
}

// FormatPercent writes hundredths of a percent as ParsePercent reads them:
// 290 is "2.9", 300 is "3", 5 is "0.05".
func FormatPercent(h int64) string {
	s := strconv.FormatInt(h/100, 10)
	if f := h % 100; f != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", f), "0")
	}
	return s
}
