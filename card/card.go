// Package card holds the PAN (primary account number) checks a payment
// gateway runs before it sends a card to an acquirer: format, Luhn, brand,
// expiry and CVC, plus the safe forms of a PAN for display and logs.
//
// Nothing in this package puts a full card number into an error message or a
// panic, because errors end up in logs and API responses, and a PAN there
// brings those systems into PCI DSS scope.
package card

import (
	"errors"
	"strings"
	"time"
)

// Brand is a card scheme, named in lower case as it appears in API responses.
type Brand string

// The brands the gateway accepts. The values are stable strings because they
// are sent to clients and stored with payments.
const (
	Visa       Brand = "visa"
	Mastercard Brand = "mastercard"
	UnionPay   Brand = "unionpay"
	Amex       Brand = "amex"
	JCB        Brand = "jcb"
	Discover   Brand = "discover"
	Diners     Brand = "diners"
)

// Request field names a Problem can refer to, so that the API layer can point
// the client at the field to fix.
const (
	fieldCardNo      = "cardNo"
	fieldExpiryMonth = "expiryMonth"
	fieldExpiryYear  = "expiryYear"
	fieldCVC         = "cvc"
)

// Problem says which check a card failed. Field is the request field it
// concerns: "cardNo", "expiryMonth", "expiryYear" or "cvc". Message is human
// text and never contains card data, so a Problem is safe to log and return.
type Problem struct {
	Field   string
	Message string
	err     error // a sentinel the caller may test for (ErrExpired)
}

// ErrExpired is in the chain of the Problem of a card past its expiry
// month: test with errors.Is.
var ErrExpired = errors.New("card has expired")

// Unwrap returns the sentinel of the problem, if it has one.
func (p *Problem) Unwrap() error { return p.err }

// Error returns "field: message". It carries no card data, like Message.
func (p *Problem) Error() string {
	return p.Field + ": " + p.Message
}

// problem builds a *Problem; messages passed in are fixed text only.
func problem(field, message string) *Problem {
	return &Problem{Field: field, Message: message}
}

// allDigits reports whether s is non-empty and holds only ASCII digits.
// Unicode digits are refused because they would reach the acquirer as bytes
// it does not expect.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Luhn reports whether digits (ASCII digits only) pass the Luhn check.
// An empty string or one with any other byte fails, so a caller cannot take
// "no digits" for a valid checksum.
func Luhn(digits string) bool {
	if !allDigits(digits) {
		return false
	}
	sum := 0
	double := false // the rightmost digit is the check digit and is not doubled
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// prefix returns the first n bytes of pan as a number, or -1 if pan is
// shorter than n or they are not all ASCII digits.
func prefix(pan string, n int) int {
	if len(pan) < n {
		return -1
	}
	v := 0
	for i := 0; i < n; i++ {
		c := pan[i]
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int(c-'0')
	}
	return v
}

// between reports whether lo <= v <= hi.
func between(v, lo, hi int) bool { return lo <= v && v <= hi }

// BrandOf returns the brand for a PAN by its BIN/IIN prefix, or "" if
// unknown. It looks at the prefix only and does not check length or Luhn;
// CheckNumber does that.
//
// UnionPay (62, 81) is tested before Discover on purpose: the 622126-622925
// range is Discover co-branded, but the gateway routes all 62 cards to
// UnionPay.
func BrandOf(pan string) Brand {
	p1, p2, p3, p4 := prefix(pan, 1), prefix(pan, 2), prefix(pan, 3), prefix(pan, 4)
	switch {
	case p1 == 4:
		return Visa
	case p2 == 34 || p2 == 37:
		return Amex
	case between(p3, 300, 305) || p3 == 309 || p2 == 36 || p2 == 38 || p2 == 39:
		return Diners
	case between(p4, 3528, 3589):
		return JCB
	case between(p2, 51, 55) || between(p4, 2221, 2720):
		return Mastercard
	case p2 == 62 || p2 == 81:
		return UnionPay
	case p4 == 6011 || between(p3, 644, 649) || p2 == 65:
		return Discover
	}
	return ""
}

// lengthOK reports whether a PAN of n digits is allowed for brand b.
func lengthOK(b Brand, n int) bool {
	switch b {
	case Visa:
		return n == 13 || n == 16 || n == 19
	case Mastercard:
		return n == 16
	case Amex:
		return n == 15
	case Discover, UnionPay, JCB:
		return between(n, 16, 19)
	case Diners:
		return between(n, 14, 19)
	}
	return false
}

// CheckNumber checks a PAN: only ASCII digits (spaces, dashes and anything
// else are refused, so the caller normalises input, not us), 13 to 19 digits,
// Luhn valid (but for UnionPay), a known brand, and a length that brand issues. It returns the
// brand, or a *Problem with Field "cardNo" whose message never holds the PAN.
func CheckNumber(pan string) (Brand, error) {
	if pan == "" {
		return "", problem(fieldCardNo, "card number is required")
	}
	if !allDigits(pan) {
		return "", problem(fieldCardNo, "card number must contain only digits")
	}
	if !between(len(pan), 13, 19) {
		return "", problem(fieldCardNo, "card number must be 13 to 19 digits")
	}
	b := BrandOf(pan)
	// UnionPay does not require the Luhn check digit: many of its cards (the
	// sandbox's 6212454545454690 among them) do not carry one.
	if b != UnionPay && !Luhn(pan) {
		return "", problem(fieldCardNo, "card number is not valid")
	}
	if b == "" {
		return "", problem(fieldCardNo, "card brand is not supported")
	}
	if !lengthOK(b, len(pan)) {
		return "", problem(fieldCardNo, "card number length is not valid for "+string(b))
	}
	return b, nil
}

// atoiDigits parses s as a plain decimal made only of ASCII digits. Unlike
// strconv.Atoi it refuses signs, so "+6" or "-1" are not months.
func atoiDigits(s string) (int, bool) {
	if !allDigits(s) {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}

// maxYearsAhead bounds the expiry year: no issuer prints cards valid that
// long, so a larger year is a typo or junk.
const maxYearsAhead = 50

// CheckExpiry checks a card's expiry date against now. month is 1 to 12 as
// one or two digits ("6" or "06"); year is 4 digits ("2027"), or 2 digits
// ("27") read as 20YY. A card is valid through the last day of its expiry
// month, so it has expired only once now is past the end of that month, in
// now's location.
//
// It returns the month (1-12) and the 4-digit year, or a *Problem with Field
// "expiryMonth" (bad month), "expiryYear" (bad year, or more than 50 years
// ahead), or "expiryYear" with message "card has expired".
func CheckExpiry(month, year string, now time.Time) (int, int, error) {
	m, ok := atoiDigits(month)
	if !ok || len(month) > 2 || !between(m, 1, 12) {
		return 0, 0, problem(fieldExpiryMonth, "expiry month must be 1 to 12")
	}
	y, ok := atoiDigits(year)
	if !ok || (len(year) != 2 && len(year) != 4) {
		return 0, 0, problem(fieldExpiryYear, "expiry year must be 2 or 4 digits")
	}
	if len(year) == 2 {
		y += 2000
	}
	if y > now.Year()+maxYearsAhead {
		return 0, 0, problem(fieldExpiryYear, "expiry year is too far in the future")
	}
	// The first instant of the following month; time.Date normalises
	// month 13 to January of the next year.
	end := time.Date(y, time.Month(m)+1, 1, 0, 0, 0, 0, now.Location())
	if !now.Before(end) {
		return 0, 0, &Problem{Field: fieldExpiryYear, Message: "card has expired", err: ErrExpired}
	}
	return m, y, nil
}

// CheckCVC checks the card security code: exactly 3 ASCII digits, or exactly
// 4 for Amex, whose CID is 4 digits. It returns a *Problem with Field "cvc".
func CheckCVC(cvc string, b Brand) error {
	want, msg := 3, "security code must be 3 digits"
	if b == Amex {
		want, msg = 4, "security code must be 4 digits"
	}
	if len(cvc) != want || !allDigits(cvc) {
		return problem(fieldCVC, msg)
	}
	return nil
}

// Last4 returns the last 4 characters of pan, which may be shown to the
// cardholder. A shorter input is returned whole.
func Last4(pan string) string {
	if len(pan) <= 4 {
		return pan
	}
	return pan[len(pan)-4:]
}

// BIN returns the first 6 characters of pan (the issuer prefix), still 6 for
// 16+ digit PANs, since PCI DSS allows showing at most the first 6 and last 4.
// A shorter input is returned whole.
func BIN(pan string) string {
	if len(pan) <= 6 {
		return pan
	}
	return pan[:6]
}

// minMaskLen is the shortest PAN that Mask shows in part: below it the BIN
// and last 4 would overlap or leave too little hidden, so all is hidden.
const minMaskLen = 13

// Mask returns BIN + asterisks + last 4, e.g. "424242******4242", for logs
// and receipts. Input shorter than 13 characters, which is no valid PAN, is
// replaced by asterisks only so that it is never shown whole.
func Mask(pan string) string {
	if len(pan) < minMaskLen {
		return strings.Repeat("*", len(pan))
	}
	return BIN(pan) + strings.Repeat("*", len(pan)-10) + Last4(pan)
}

// ShiftsLiability reports whether a 3-D Secure ECI of the brand is one
// that moves fraud liability to the issuer: Mastercard's 02 (authenticated)
// and 01 (attempted), every other brand's 05 and 06. An ECI of another
// brand's scheme (a Visa 05 on a Mastercard) says nothing about this card.
func (b Brand) ShiftsLiability(eci string) bool {
	if b == Mastercard {
		return eci == "02" || eci == "01"
	}
	return eci == "05" || eci == "06"
}
