package gateway

import (
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"paygate"
	"paygate/wire"
)

// checker collects the first validation problem, so rules read top to bottom.
type checker struct{ err *paygate.Error }

func (c *checker) fail(param, format string, args ...any) {
	if c.err == nil {
		c.err = paygate.InvalidParam(param, format, args...)
	}
}

// length checks an optional string's length in characters; "" is absent.
// Control characters other than tab and line breaks are refused: NUL cannot
// be stored in PostgreSQL text, and none of them belongs in a name or a
// description.
func (c *checker) length(param, v string, min, max int) {
	if v == "" {
		return
	}
	n := utf8.RuneCountInString(v)
	if !utf8.ValidString(v) {
		c.fail(param, "%s must be valid UTF-8", param)
	} else if hasControl(v) {
		c.fail(param, "%s must not contain control characters", param)
	} else if n < min || n > max {
		c.fail(param, "%s must be %d-%d characters", param, min, max)
	}
}

func (c *checker) required(param, v string) bool {
	if strings.TrimSpace(v) == "" {
		c.fail(param, "%s is required", param)
		return false
	}
	return true
}

func (c *checker) oneOf(param, v string, allowed ...string) {
	if v == "" {
		return
	}
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.fail(param, "%s must be one of %s", param, strings.Join(allowed, ", "))
}

// reference checks a merchant-chosen id (orderNo, refundNumber): 5-64
// printable ASCII characters without spaces.
func (c *checker) reference(param, v string) {
	if !c.required(param, v) {
		return
	}
	if len(v) < 5 || len(v) > 64 {
		c.fail(param, "%s must be 5-64 characters", param)
		return
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			c.fail(param, "%s must be printable ASCII without spaces", param)
			return
		}
	}
}

func (c *checker) url(param, v string, max int) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !validHost(u.Hostname()) {
		c.fail(param, "%s must be an http or https URL", param)
		return
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			c.fail(param, "%s has an invalid port", param)
			return
		}
	}
	c.length(param, v, 3, max)
}

// validHost reports whether h is an IP address or a DNS name (letters,
// digits, hyphens, underscores and dots): url.Parse lets through hosts such
// as "a;b" or "*", which would break out of where the URL's origin is
// written (the cashier page's Content-Security-Policy).
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			b := label[i]
			if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
				return false
			}
		}
	}
	return true
}

func (c *checker) email(param, v string) {
	if v == "" {
		return
	}
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v || len(v) > 254 {
		c.fail(param, "%s must be an email address", param)
	}
}

func (c *checker) date(param, v string) {
	if v == "" {
		return
	}
	if _, err := time.Parse("2006-01-02", v); err != nil {
		c.fail(param, "%s must be a date as YYYY-MM-DD", param)
	}
}

func (c *checker) ip(param, v string) {
	if v != "" && net.ParseIP(v) == nil {
		c.fail(param, "%s must be an IPv4 or IPv6 address", param)
	}
}

func (c *checker) digits(param, v string, min, max int) {
	if v == "" {
		return
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			c.fail(param, "%s must contain only digits", param)
			return
		}
	}
	c.length(param, v, min, max)
}

func (c *checker) decimal(param, v string, lo, hi float64) {
	if v == "" {
		return
	}
	// Coordinates, not money: a float is right here, once the text is a
	// plain decimal (ParseFloat also takes "NaN", "Inf" and hex floats).
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !plainDecimal(v) || !(f >= lo && f <= hi) {
		c.fail(param, "%s must be a number between %g and %g", param, lo, hi)
	}
}

func (c *checker) country(param, v string) {
	if v == "" {
		return
	}
	if len(v) != 2 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z' {
		c.fail(param, "%s must be an ISO 3166-1 alpha-2 country code such as HK", param)
	}
}

func (c *checker) address(param string, a *wire.Address) {
	if a == nil {
		return
	}
	c.length(param+".city", a.City, 1, 64)
	c.country(param+".country", a.Country)
	c.length(param+".line1", a.Line1, 1, 128)
	c.length(param+".line2", a.Line2, 1, 128)
	c.length(param+".line3", a.Line3, 1, 128)
	c.length(param+".postcode", a.Postcode, 1, 16)
	c.length(param+".state", a.State, 1, 64)
}

func (c *checker) shipping(sh *wire.Shipping) {
	if sh == nil {
		return
	}
	c.address("shipping.address", sh.Address)
	c.length("shipping.carrier", sh.Carrier, 1, 64)
	c.email("shipping.email", sh.Email)
	c.length("shipping.firstName", sh.FirstName, 1, 64)
	c.length("shipping.lastName", sh.LastName, 1, 64)
	c.phone("shipping.phone", sh.Phone)
	c.length("shipping.trackingNo", sh.TrackingNo, 1, 64)
}

func (c *checker) phone(param string, p *wire.Phone) {
	if p == nil {
		return
	}
	c.digits(param+".countryCode", p.CountryCode, 1, 4)
	c.digits(param+".number", p.Number, 4, 20)
}

func (c *checker) metadata(param string, m map[string]string) {
	if len(m) > 50 {
		c.fail(param, "%s may hold at most 50 keys", param)
	}
	for k, v := range m {
		if k == "" || utf8.RuneCountInString(k) > 40 || !utf8.ValidString(k) || hasControl(k) {
			c.fail(param, "%s keys must be 1-40 characters, without control characters", param)
		}
		if utf8.RuneCountInString(v) > 500 || !utf8.ValidString(v) || hasControl(v) {
			c.fail(param+"."+k, "%s values must be at most 500 characters, without control characters", param)
		}
	}
}

// metadataValue checks a metadata field that may be a string: at most 500
// characters, as a value of an object is.
func (c *checker) metadataValue(param string, m wire.MetadataValue) {
	if m.Pairs != nil {
		c.metadata(param, m.Pairs)
		return
	}
	if utf8.RuneCountInString(m.Text) > 500 || !utf8.ValidString(m.Text) || hasControl(m.Text) {
		c.fail(param, "%s must be at most 500 characters, without control characters", param)
	}
}

// amount parses an amount field in a currency, naming the field on failure.
func amountParam(param, v, currency string) (paygate.Money, *paygate.Error) {
	if v == "" {
		return paygate.Money{}, paygate.InvalidParam(param, "%s is required", param)
	}
	m, err := paygate.ParseAmount(v, currency)
	if err != nil {
		return paygate.Money{}, paygate.InvalidParam(param, "%s %s", param, err.Error())
	}
	return m, nil
}

func (c *checker) orderRef(r wire.OrderRef) {
	if r.OrderNo == "" && r.TradeNo == "" {
		c.fail("orderNo", "orderNo or tradeNo is required")
		return
	}
	if r.OrderNo != "" {
		c.length("orderNo", r.OrderNo, 1, 64)
	}
	c.length("tradeNo", r.TradeNo, 1, 64)
}

// plainDecimal reports whether v is an optional sign, digits, and an
// optional fraction: "-1.5", "103.8", not "1e3", "NaN" or "0x1p-2".
func plainDecimal(v string) bool {
	v = strings.TrimPrefix(strings.TrimPrefix(v, "-"), "+")
	whole, frac, dot := strings.Cut(v, ".")
	digits := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	return whole != "" && digits(whole) && digits(frac) && (!dot || frac != "")
}

// hasControl reports a C0 control character other than tab, line feed and
// carriage return, or DEL.
func hasControl(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 && b != '\t' && b != '\n' && b != '\r' || b == 0x7f {
			return true
		}
	}
	return false
}

// capture, fraud and threeDS parse a request's choices, defaults included;
// a value outside the set is invalid_parameter on param.
func (c *checker) capture(param, v string) paygate.CaptureMethod {
	m, err := paygate.ParseCaptureMethod(v)
	c.parsed(param, err)
	return m
}

func (c *checker) fraud(param, v string) paygate.FraudMode {
	m, err := paygate.ParseFraudMode(v)
	c.parsed(param, err)
	return m
}

func (c *checker) threeDS(param, v string) paygate.ThreeDSMode {
	m, err := paygate.ParseThreeDSMode(v)
	c.parsed(param, err)
	return m
}

func (c *checker) parsed(param string, err error) {
	if err != nil {
		c.fail(param, "%s %s", param, err.Error())
	}
}

// minutes reads an optional whole number of minutes from lo to hi (a
// request's expiryTime); "" is def.
func (c *checker) minutes(param, v string, lo, hi int, def time.Duration) time.Duration {
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi || v[0] == '+' {
		c.fail(param, "%s must be a whole number of minutes from %d to %d", param, lo, hi)
	}
	return time.Duration(n) * time.Minute
}
