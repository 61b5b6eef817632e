package paygate

import (
	"errors"
	"strconv"
	"strings"
)

// MaxMinor is the largest amount in minor units the API accepts (the OpenAPI document, "Money").
const MaxMinor int64 = 999_999_999_999

// Money is an amount in the minor units of an ISO 4217 currency. No float ever
// holds money: amounts travel as decimal strings and live as integers.
//
// Its json tags are part of the stored format of Payment and Refund and
// must not change without a migration of the stored rows.
type Money struct {
	Minor    int64  `json:"Minor"`
	Currency string `json:"Currency"`
}

// ParseCurrency checks an ISO 4217 alphabetic code (upper case, active,
// a real currency).
func ParseCurrency(code string) (string, error) {
	if _, ok := CurrencyExponent(code); !ok {
		return "", errors.New("must be an active ISO 4217 currency code such as USD")
	}
	return code, nil
}

// ParseAmount parses a decimal string in the currency's major unit ("100.99" USD,
// "500" JPY) into minor units. It refuses signs, exponents, spaces, more fraction
// digits than the currency has, zero and values above MaxMinor. The error text
// is fit for a client and never echoes more than the amount itself.
func ParseAmount(s, currency string) (Money, error) {
	exp, ok := CurrencyExponent(currency)
	if !ok {
		return Money{}, errors.New("currency is not an active ISO 4217 code")
	}
	if s == "" {
		return Money{}, errors.New("must not be empty")
	}
	if len(s) > 32 {
		return Money{}, errors.New("is too long")
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") {
		return Money{}, errors.New("must be a decimal number such as 10.50")
	}
	if !allDigits(intPart) || !allDigits(frac) {
		return Money{}, errors.New("must be a positive decimal number without sign, exponent or spaces")
	}
	if len(frac) > exp {
		if exp == 0 {
			return Money{}, errors.New("must be a whole number for " + currency)
		}
		return Money{}, errors.New("has more fraction digits than " + currency + " allows")
	}
	var minor int64
	for _, c := range intPart + frac + strings.Repeat("0", exp-len(frac)) {
		minor = minor*10 + int64(c-'0')
		if minor > MaxMinor {
			return Money{}, errors.New("is too large")
		}
	}
	if minor == 0 {
		return Money{}, errors.New("must be greater than zero")
	}
	return Money{Minor: minor, Currency: currency}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String formats the amount with the currency's full number of fraction digits
// ("100.90"), without the currency code.
func (m Money) String() string {
	exp, _ := CurrencyExponent(m.Currency)
	neg := m.Minor < 0
	v := m.Minor
	if neg {
		v = -v
	}
	digits := []byte(strconv.FormatInt(v, 10))
	for len(digits) <= exp {
		digits = append([]byte{'0'}, digits...)
	}
	out := string(digits)
	if exp > 0 {
		out = out[:len(out)-exp] + "." + out[len(out)-exp:]
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Add returns m+o; the currencies must match and the sum must not overflow.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, errors.New("currency mismatch")
	}
	s := m.Minor + o.Minor
	if (o.Minor > 0 && s < m.Minor) || (o.Minor < 0 && s > m.Minor) {
		return Money{}, errors.New("amount overflow")
	}
	return Money{Minor: s, Currency: m.Currency}, nil
}

// Sub returns m-o; the currencies must match and the difference must not overflow.
func (m Money) Sub(o Money) (Money, error) {
	return m.Add(Money{Minor: -o.Minor, Currency: o.Currency})
}
