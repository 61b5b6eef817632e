package wire

import (
	"net/url"
	"strings"

	"paygate"
)

// Query reads a list's query string strictly: a pair that does not
// decode (a bad %-escape, a ';') or a parameter given twice is
// invalid_parameter naming it (or "query", for a name that is not plain), where url.ParseQuery would drop the pair
// and answer the whole list as if the filter had not been asked.
func Query(raw string) (url.Values, error) {
	v := url.Values{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, val, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || strings.Contains(k, ";") {
			return nil, paygate.InvalidParam("query", "the query string holds a parameter name that does not decode")
		}
		name := key // named back in an error only when it is a plain name
		if !plainName(key) {
			name = "query"
		}
		value, err := url.QueryUnescape(val)
		if err != nil || strings.Contains(val, ";") {
			return nil, paygate.InvalidParam(name, "%s does not decode: escape it as a URL query value", name)
		}
		if v.Has(key) {
			return nil, paygate.InvalidParam(name, "%s is given more than once", name)
		}
		v.Set(key, value)
	}
	return v, nil
}

// plainName reports whether a parameter name is 1-64 ASCII letters, digits
// or '_', fit to be named back in an error.
func plainName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
