package risk

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"
)

// List names a merchant's block list.
type List string

// The lists.
const (
	ListCard    List = "cardFingerprint"
	ListIP      List = "ip" // an address or a CIDR block
	ListEmail   List = "email"
	ListBIN     List = "bin" // 6 to 8 digits: a card whose number starts so
	ListCountry List = "country"
	ListDevice  List = "deviceId"
)

// AllLists are the lists, in the order their matches are reported.
var AllLists = []List{ListCard, ListIP, ListEmail, ListBIN, ListCountry, ListDevice}

// MaxListEntries is the most entries one list of a merchant holds.
const MaxListEntries = 10_000

var (
	fingerprintRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
	binRE         = regexp.MustCompile(`^[0-9]{6,8}$`)
	countryRE     = regexp.MustCompile(`^[A-Z]{2}$`)
	emailRE       = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// Normalize checks a value for list l and returns it in the one form the
// list keeps (lower-case email and fingerprint, upper-case country, an
// address or a masked CIDR block), or a sentence saying what is wrong.
func Normalize(l List, v string) (string, string) {
	v = strings.TrimSpace(v)
	switch l {
	case ListCard:
		if v = strings.ToLower(v); fingerprintRE.MatchString(v) {
			return v, ""
		}
		return "", "a card fingerprint is the 64 hex digits of a payment's card.fingerprint"
	case ListIP:
		const msg = "an ip entry is an IPv4 or IPv6 address (without a zone) or a CIDR block such as 203.0.113.0/24"
		if p, err := netip.ParsePrefix(v); err == nil {
			if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 { // ::ffff:203.0.113.0/120 is 203.0.113.0/24
				p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
			}
			return p.Masked().String(), ""
		}
		if a, err := netip.ParseAddr(v); err == nil && a.Zone() == "" {
			return a.Unmap().String(), ""
		}
		return "", msg
	case ListEmail:
		if v = strings.ToLower(v); emailRE.MatchString(v) && len(v) <= 254 {
			return v, ""
		}
		return "", "an email entry is an address such as ana@example.com"
	case ListBIN:
		if binRE.MatchString(v) {
			return v, ""
		}
		return "", "a bin entry is the first 6 to 8 digits of a card number"
	case ListCountry:
		if v = strings.ToUpper(v); countryRE.MatchString(v) {
			return v, ""
		}
		return "", "a country entry is an ISO 3166 alpha-2 code such as US"
	case ListDevice:
		if n := utf8.RuneCountInString(v); n > 0 && n <= 128 && utf8.ValidString(v) {
			return v, ""
		}
		return "", "a deviceId entry is 1-128 characters"
	}
	return "", "list must be one of cardFingerprint, ip, email, bin, country, deviceId"
}

// Lists are a merchant's list entries, ready to match.
type Lists struct {
	exact    map[List]map[string]bool
	prefixes map[int]map[netip.Prefix]bool // CIDR blocks by their length: one lookup a length
}

// NewLists builds the matcher of entries, by list (normalized values).
func NewLists(entries map[List][]string) *Lists {
	l := &Lists{exact: map[List]map[string]bool{}, prefixes: map[int]map[netip.Prefix]bool{}}
	for list, vs := range entries {
		for _, v := range vs {
			if list == ListIP && strings.Contains(v, "/") {
				if p, err := netip.ParsePrefix(v); err == nil {
					if l.prefixes[p.Bits()] == nil {
						l.prefixes[p.Bits()] = map[netip.Prefix]bool{}
					}
					l.prefixes[p.Bits()][p.Masked()] = true
				}
				continue
			}
			if l.exact[list] == nil {
				l.exact[list] = map[string]bool{}
			}
			l.exact[list][v] = true
		}
	}
	return l
}

// Match returns a reason for each list in holds a value of.
func (l *Lists) Match(in *Input) []Reason {
	var out []Reason
	hit := func(list List, what string) {
		out = append(out, Reason{"blocklist_" + string(list), "the " + what + " is on the merchant's " + string(list) + " list"})
	}
	if in.CardFingerprint != "" && l.exact[ListCard][in.CardFingerprint] {
		hit(ListCard, "card")
	}
	if a, err := netip.ParseAddr(in.IP); err == nil {
		a = a.Unmap()
		found := l.exact[ListIP][a.String()]
		for bits, ps := range l.prefixes {
			if found {
				break
			}
			if p, err := a.Prefix(bits); err == nil {
				found = ps[p]
			}
		}
		if found {
			hit(ListIP, "address")
		}
	}
	if in.Email != "" && l.exact[ListEmail][strings.ToLower(in.Email)] {
		hit(ListEmail, "email")
	}
	for n := 6; n <= 8 && n <= len(in.CardBIN); n++ {
		if l.exact[ListBIN][in.CardBIN[:n]] {
			hit(ListBIN, "card's BIN")
			break
		}
	}
	for _, c := range []string{in.CardCountry, in.IPCountry, in.BillingCountry} {
		if c != "" && l.exact[ListCountry][strings.ToUpper(c)] {
			hit(ListCountry, "country "+strings.ToUpper(c))
			break
		}
	}
	if in.DeviceID != "" && l.exact[ListDevice][in.DeviceID] {
		hit(ListDevice, "device")
	}
	return out
}

// binCountries are the countries of the sandbox's test BINs: the
// built-in table an operator's BIN file adds to.
var binCountries = map[string]string{
	"424242": "US", "400000": "US", "410000": "GB", "555555": "US", "222300": "US", "378282": "US", "601111": "US",
	"353011": "JP", "620000": "CN",
}

// BINTable maps card number prefixes (6 to 8 digits) to countries.
type BINTable struct{ m map[string]string }

// DefaultBINs is the built-in table alone.
var DefaultBINs = &BINTable{m: binCountries}

// LoadBINs reads a BIN file, CSV lines of "bin,country" (6-8 digits, an ISO
// 3166 alpha-2 code; # starts a comment line), over the built-in table. A
// line that does not read is refused with its number.
func LoadBINs(r io.Reader) (*BINTable, error) {
	t := &BINTable{m: maps.Clone(binCountries)}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		bin, country, ok := strings.Cut(line, ",")
		bin, country = strings.TrimSpace(bin), strings.ToUpper(strings.TrimSpace(country))
		if !ok || !binRE.MatchString(bin) || !countryRE.MatchString(country) {
			return nil, fmt.Errorf("line %d: want bin,country (6-8 digits, an ISO 3166 alpha-2 code), got %q", n, line)
		}
		t.m[bin] = country
	}
	return t, sc.Err()
}

// Country is the country of a card whose number starts with bin (6 to 8
// digits): the longest prefix in the table, "" when none is.
func (t *BINTable) Country(bin string) string {
	for n := min(8, len(bin)); n >= 6; n-- {
		if c, ok := t.m[bin[:n]]; ok {
			return c
		}
	}
	return ""
}

// Len is the number of prefixes in the table.
func (t *BINTable) Len() int { return len(t.m) }
