// Package notify signs payment notifications per the Standard Webhooks
// specification (https://www.standardwebhooks.com) and delivers them over
// HTTP, refusing targets inside the operator's network.
//
// Because the scheme is the published one, a merchant may verify a
// notification with any Standard Webhooks library, or, in Go, with Verify:
//
//	secret := os.Getenv("PAYGATE_NOTIFY_SECRET") // "whsec_..."
//
//	http.HandleFunc("/paygate", func(w http.ResponseWriter, r *http.Request) {
//		// Verify the raw bytes: a decoded and re-encoded body no longer matches.
//		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
//		if err != nil {
//			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
//			return
//		}
//		if err := notify.Verify(secret, r.Header, body, notify.DefaultTolerance); err != nil {
//			log.Printf("paygate notification rejected: %v", err) // says which check failed
//			http.Error(w, "invalid notification", http.StatusBadRequest)
//			return
//		}
//		// Delivery is at least once: the same webhook-id can arrive again.
//		w.WriteHeader(http.StatusNoContent) // any 2xx acknowledges
//	})
//
// A signed notification carries three headers: webhook-id (the notifyId),
// webhook-timestamp (unix seconds) and webhook-signature
// ("v1,<base64 HMAC-SHA256(key, id.timestamp.body)>"). While a rotated
// secret is in its grace, webhook-signature holds one space-separated entry
// per key, the new key's first, so receivers holding either secret verify.
package notify

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names from the Standard Webhooks specification.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// UserAgent identifies deliveries, so receivers can tell them from other
// traffic in their logs.
const UserAgent = "paygate-notify/1"

// DefaultTolerance is how far a notification's timestamp may be from the
// receiver's clock; the value the specification's libraries use. Verify
// uses it when given a tolerance of zero or less.
const DefaultTolerance = 5 * time.Minute

// secretPrefix marks a secret as a Standard Webhooks symmetric key, so it is
// recognisable when pasted into configuration.
const secretPrefix = "whsec_"

// Errors returned by ParseSecret, Verify and VerifyAt; test with errors.Is.
// The returned errors add detail after the sentinel's text but never the
// secret or the signature.
var (
	ErrSecret         = errors.New("notify: invalid webhook secret")
	ErrMissingHeaders = errors.New("notify: missing webhook headers")
	ErrTimestamp      = errors.New("notify: webhook timestamp outside tolerance")
	ErrSignature      = errors.New("notify: no matching webhook signature")
)

// NewSecret returns a new signing key of 32 random bytes and its display
// form ("whsec_<base64>"), which is what the merchant is shown once.
func NewSecret() (display string, key []byte) {
	key = make([]byte, 32)
	rand.Read(key) // crypto/rand.Read never fails since Go 1.24
	return FormatSecret(key), key
}

// FormatSecret returns the display form of a key: "whsec_" + base64(key).
func FormatSecret(key []byte) string {
	return secretPrefix + base64.StdEncoding.EncodeToString(key)
}

// ParseSecret returns the key in a "whsec_<base64>" secret. Surrounding
// white space is ignored, as secrets often come from files and environment
// variables. The error never contains the secret itself.
func ParseSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	enc, ok := strings.CutPrefix(s, secretPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: must start with %q", ErrSecret, secretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		// err would quote the offending input; say only what is wrong.
		return nil, fmt.Errorf("%w: not valid base64 after %q", ErrSecret, secretPrefix)
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("%w: empty key", ErrSecret)
	}
	return key, nil
}

// Sign returns the webhook-signature header value for one delivery:
// "v1," + base64(HMAC-SHA256(key, id + "." + unixSeconds + "." + body)).
func Sign(key []byte, id string, ts time.Time, body []byte) string {
	return "v1," + signature(key, id, ts.Unix(), body)
}

// SignKeys is Sign with several keys, as during a secret rotation: one
// "v1,<sig>" entry per key, in the order given, separated by spaces, as the
// specification allows.
func SignKeys(keys [][]byte, id string, ts time.Time, body []byte) string {
	entries := make([]string, len(keys))
	for i, k := range keys {
		entries[i] = Sign(k, id, ts, body)
	}
	return strings.Join(entries, " ")
}

// signature is the base64 MAC without the version prefix.
func signature(key []byte, id string, unix int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write(strconv.AppendInt(nil, unix, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Headers returns the headers of one delivery: webhook-id,
// webhook-timestamp and webhook-signature, plus Content-Type and
// User-Agent. A retry must reuse the same id (receivers deduplicate by it)
// but sign with the retry's own time, or it falls outside the tolerance.
func Headers(key []byte, id string, ts time.Time, body []byte) http.Header {
	return HeadersKeys([][]byte{key}, id, ts, body)
}

// HeadersKeys is Headers signed with several keys (SignKeys): the new and
// the old one during a secret rotation's grace.
func HeadersKeys(keys [][]byte, id string, ts time.Time, body []byte) http.Header {
	h := make(http.Header, 5)
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, SignKeys(keys, id, ts, body))
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", UserAgent)
	return h
}

// Verify checks a received notification against secret ("whsec_..."),
// using the raw request body and headers. The webhook-timestamp must be
// within tolerance of the current time in either direction (DefaultTolerance
// when tolerance <= 0), which limits replays. webhook-signature may hold
// several space-separated "v1,<sig>" entries (as during a secret rotation);
// one match is enough. Signatures are compared in constant time.
//
// The error matches ErrSecret, ErrMissingHeaders, ErrTimestamp or
// ErrSignature under errors.Is.
func Verify(secret string, headers http.Header, body []byte, tolerance time.Duration) error {
	return VerifyAt(secret, headers, body, tolerance, time.Now())
}

// maxTimestamp bounds accepted timestamps (about year 36800) so that
// time arithmetic on hostile input cannot overflow.
const maxTimestamp = 1 << 40

// VerifyAt is Verify with an explicit current time, for tests and for
// replaying stored notifications.
func VerifyAt(secret string, headers http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	key, err := ParseSecret(secret)
	if err != nil {
		return err
	}
	id := header(headers, HeaderID)
	tsText := header(headers, HeaderTimestamp)
	sigs := header(headers, HeaderSignature)
	var missing []string
	for _, h := range []struct{ name, v string }{
		{HeaderID, id}, {HeaderTimestamp, tsText}, {HeaderSignature, sigs},
	} {
		if h.v == "" {
			missing = append(missing, h.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s", ErrMissingHeaders, strings.Join(missing, ", "))
	}

	ts, err := strconv.ParseInt(tsText, 10, 64)
	// The text signed is the header as sent: only its canonical form
	// ("1800000000", not "+1800000000" or "01800000000") can match.
	if err != nil || ts < -maxTimestamp || ts > maxTimestamp || strconv.FormatInt(ts, 10) != tsText {
		return fmt.Errorf("%w: %s is not a unix time in seconds", ErrTimestamp, HeaderTimestamp)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	switch d := now.Sub(time.Unix(ts, 0)); {
	case d > tolerance:
		return fmt.Errorf("%w: too old (%s)", ErrTimestamp, d.Truncate(time.Second))
	case d < -tolerance:
		return fmt.Errorf("%w: in the future (%s ahead)", ErrTimestamp, (-d).Truncate(time.Second))
	}

	want := []byte(signature(key, id, ts, body))
	for _, entry := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue // other schemes (v1a: asymmetric) are not ours to check
		}
		if subtle.ConstantTimeCompare([]byte(sig), want) == 1 {
			return nil
		}
	}
	return ErrSignature
}

// header returns the first value of a header, also when the map was built
// by hand with non-canonical keys (as some frameworks and tests do).
func header(h http.Header, name string) string {
	if v := h.Get(name); v != "" {
		return v
	}
	for k, vs := range h {
		if len(vs) > 0 && strings.EqualFold(k, name) {
			return vs[0]
		}
	}
	return ""
}
