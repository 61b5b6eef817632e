package notify_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"paygate/notify"
)

// The Standard Webhooks specification's published example.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// referenceSign is an independent implementation of the scheme, written
// from the specification, to check Sign against.
func referenceSign(key []byte, id string, unix int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(unix, 10) + "." + string(body)))
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func mustParseSecret(t *testing.T, s string) []byte {
	t.Helper()
	key, err := notify.ParseSecret(s)
	if err != nil {
		t.Fatalf("ParseSecret: %v", err)
	}
	return key
}

func TestSign(t *testing.T) {
	specKey := mustParseSecret(t, specSecret)
	key32 := bytes.Repeat([]byte{0xA5}, 32)
	tests := []struct {
		name string
		key  []byte
		id   string
		ts   time.Time
		body []byte
		want string
	}{
		{"spec example", specKey, specID, time.Unix(specTimestamp, 0), []byte(specBody), specSignature},
		{"spec example by reference", specKey, specID, time.Unix(specTimestamp, 0), []byte(specBody),
			referenceSign(specKey, specID, specTimestamp, []byte(specBody))},
		{"notification", key32, "N20250703000001", time.Unix(1751500800, 0),
			[]byte(`{"notifyId":"N20250703000001","eventType":"payment.succeeded"}`),
			referenceSign(key32, "N20250703000001", 1751500800, []byte(`{"notifyId":"N20250703000001","eventType":"payment.succeeded"}`))},
		{"sub-second time truncates", key32, "msg", time.Unix(1751500800, 999_999_999), []byte("{}"),
			referenceSign(key32, "msg", 1751500800, []byte("{}"))},
		{"empty body", key32, "msg", time.Unix(1, 0), nil, referenceSign(key32, "msg", 1, nil)},
		{"one-byte key", []byte{1}, "msg", time.Unix(1751500800, 0), []byte("x"),
			referenceSign([]byte{1}, "msg", 1751500800, []byte("x"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := notify.Sign(tt.key, tt.id, tt.ts, tt.body); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	key := mustParseSecret(t, specSecret)
	h := notify.Headers(key, specID, time.Unix(specTimestamp, 0), []byte(specBody))
	want := map[string]string{
		"webhook-id":        specID,
		"webhook-timestamp": "1614265330",
		"webhook-signature": specSignature,
		"Content-Type":      "application/json",
		"User-Agent":        "paygate-notify/1",
	}
	for name, v := range want {
		t.Run(name, func(t *testing.T) {
			if got := h.Get(name); got != v {
				t.Errorf("got %q, want %q", got, v)
			}
		})
	}
	if len(h) != len(want) {
		t.Errorf("got %d headers, want %d: %v", len(h), len(want), h)
	}
}

func TestNewSecret(t *testing.T) {
	display, key := notify.NewSecret()
	if len(key) != 32 {
		t.Fatalf("got %d key bytes, want 32", len(key))
	}
	if !strings.HasPrefix(display, "whsec_") {
		t.Errorf("got %q, want whsec_ prefix", display)
	}
	if got := mustParseSecret(t, display); !bytes.Equal(got, key) {
		t.Errorf("ParseSecret(display) got %x, want %x", got, key)
	}
	if got := notify.FormatSecret(key); got != display {
		t.Errorf("FormatSecret got %q, want %q", got, display)
	}
	if _, key2 := notify.NewSecret(); bytes.Equal(key, key2) {
		t.Errorf("two NewSecret calls returned the same key")
	}
}

func TestParseSecret(t *testing.T) {
	tests := []struct {
		name, in string
		want     []byte // nil: an error is expected
	}{
		{"spec", specSecret, mustDecode(t, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")},
		{"padded", "whsec_AQID", []byte{1, 2, 3}},
		{"padding needed", "whsec_AQ==", []byte{1}},
		{"surrounding space", " whsec_AQID\n", []byte{1, 2, 3}},
		{"no prefix", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", nil},
		{"wrong prefix", "whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", nil},
		{"upper case prefix", "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", nil},
		{"bad base64", "whsec_not*base64!", nil},
		{"missing padding", "whsec_AQ", nil},
		{"url alphabet", "whsec_-_-_", nil},
		{"empty key", "whsec_", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := notify.ParseSecret(tt.in)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("got key %x, want error", got)
				}
				if !errors.Is(err, notify.ErrSecret) {
					t.Errorf("got %v, want ErrSecret", err)
				}
				if body, _ := strings.CutPrefix(strings.TrimSpace(tt.in), "whsec_"); len(body) > 3 && strings.Contains(err.Error(), body) {
					t.Errorf("error %q echoes the secret", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want key %x", err, tt.want)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("got %x, want %x", got, tt.want)
			}
		})
	}
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerify(t *testing.T) {
	now := time.Unix(1751500800, 0)
	secret := "whsec_" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	key := mustParseSecret(t, secret)
	otherKey := bytes.Repeat([]byte{8}, 32)
	body := []byte(`{"notifyId":"N1","eventType":"payment.succeeded"}`)
	signed := func(key []byte, ts time.Time) http.Header { return notify.Headers(key, "N1", ts, body) }
	with := func(h http.Header, name, value string) http.Header {
		h = h.Clone()
		if value == "" {
			h.Del(name)
		} else {
			h.Set(name, value)
		}
		return h
	}
	good := signed(key, now)
	goodSig := good.Get("webhook-signature")
	wrongSig := notify.Sign(otherKey, "N1", now, body)

	tests := []struct {
		name    string
		secret  string
		headers http.Header
		body    []byte
		tol     time.Duration
		want    error
	}{
		{"good", secret, good, body, time.Minute, nil},
		{"spec example signed in 2021", specSecret, http.Header{
			"Webhook-Id": {specID}, "Webhook-Timestamp": {"1614265330"}, "Webhook-Signature": {specSignature},
		}, []byte(specBody), 0, notify.ErrTimestamp},
		{"lower-case header keys", secret, http.Header{
			"webhook-id": {"N1"}, "webhook-timestamp": {strconv.FormatInt(now.Unix(), 10)}, "webhook-signature": {goodSig},
		}, body, time.Minute, nil},
		{"wrong secret", secret, signed(otherKey, now), body, time.Minute, notify.ErrSignature},
		{"tampered body", secret, good, append(bytes.Clone(body), ' '), time.Minute, notify.ErrSignature},
		{"empty body", secret, good, nil, time.Minute, notify.ErrSignature},
		{"other id", secret, with(good, "webhook-id", "N2"), body, time.Minute, notify.ErrSignature},
		{"other timestamp", secret, with(good, "webhook-timestamp", strconv.FormatInt(now.Unix()+1, 10)), body, time.Minute, notify.ErrSignature},
		{"within tolerance old", secret, signed(key, now.Add(-time.Minute)), body, time.Minute, nil},
		{"within tolerance new", secret, signed(key, now.Add(time.Minute)), body, time.Minute, nil},
		{"too old", secret, signed(key, now.Add(-time.Minute-time.Second)), body, time.Minute, notify.ErrTimestamp},
		{"too new", secret, signed(key, now.Add(time.Minute+time.Second)), body, time.Minute, notify.ErrTimestamp},
		{"default tolerance", secret, signed(key, now.Add(-4*time.Minute)), body, 0, nil},
		{"default tolerance exceeded", secret, signed(key, now.Add(-6*time.Minute)), body, 0, notify.ErrTimestamp},
		{"timestamp not a number", secret, with(good, "webhook-timestamp", "yesterday"), body, time.Minute, notify.ErrTimestamp},
		{"timestamp in milliseconds", secret, with(good, "webhook-timestamp", strconv.FormatInt(now.UnixMilli(), 10)), body, time.Minute, notify.ErrTimestamp},
		{"timestamp huge", secret, with(good, "webhook-timestamp", "9223372036854775807"), body, time.Minute, notify.ErrTimestamp},
		{"timestamp huge negative", secret, with(good, "webhook-timestamp", "-9223372036854775808"), body, time.Minute, notify.ErrTimestamp},
		{"missing id", secret, with(good, "webhook-id", ""), body, time.Minute, notify.ErrMissingHeaders},
		{"missing timestamp", secret, with(good, "webhook-timestamp", ""), body, time.Minute, notify.ErrMissingHeaders},
		{"missing signature", secret, with(good, "webhook-signature", ""), body, time.Minute, notify.ErrMissingHeaders},
		{"no headers", secret, nil, body, time.Minute, notify.ErrMissingHeaders},
		{"second signature matches", secret, with(good, "webhook-signature", wrongSig+" "+goodSig), body, time.Minute, nil},
		{"first signature matches", secret, with(good, "webhook-signature", goodSig+" "+wrongSig), body, time.Minute, nil},
		{"other version skipped", secret, with(good, "webhook-signature", "v1a,"+strings.TrimPrefix(goodSig, "v1,")), body, time.Minute, notify.ErrSignature},
		{"no version", secret, with(good, "webhook-signature", strings.TrimPrefix(goodSig, "v1,")), body, time.Minute, notify.ErrSignature},
		{"only wrong signatures", secret, with(good, "webhook-signature", wrongSig+" "+wrongSig), body, time.Minute, notify.ErrSignature},
		{"truncated signature", secret, with(good, "webhook-signature", goodSig[:len(goodSig)-1]), body, time.Minute, notify.ErrSignature},
		{"bad secret prefix", strings.TrimPrefix(secret, "whsec_"), good, body, time.Minute, notify.ErrSecret},
		{"bad secret encoding", "whsec_%%%", good, body, time.Minute, notify.ErrSecret},
		{"bad secret checked first", "", nil, body, time.Minute, notify.ErrSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := notify.VerifyAt(tt.secret, tt.headers, tt.body, tt.tol, now)
			if tt.want == nil {
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifySpecExample(t *testing.T) {
	h := http.Header{}
	h.Set("webhook-id", specID)
	h.Set("webhook-timestamp", strconv.Itoa(specTimestamp))
	h.Set("webhook-signature", specSignature)
	if err := notify.VerifyAt(specSecret, h, []byte(specBody), time.Minute, time.Unix(specTimestamp+30, 0)); err != nil {
		t.Errorf("got %v, want nil", err)
	}
}

func TestVerifyErrorMessages(t *testing.T) {
	now := time.Unix(1751500800, 0)
	secret, key := notify.NewSecret()
	body := []byte("{}")
	tests := []struct {
		name    string
		headers http.Header
		want    string
	}{
		{"names missing headers", http.Header{"Webhook-Id": {"N1"}},
			"notify: missing webhook headers: webhook-timestamp, webhook-signature"},
		{"too old", notify.Headers(key, "N1", now.Add(-10*time.Minute), body),
			"notify: webhook timestamp outside tolerance: too old (10m0s)"},
		{"in the future", notify.Headers(key, "N1", now.Add(10*time.Minute), body),
			"notify: webhook timestamp outside tolerance: in the future (10m0s ahead)"},
		{"signature", notify.Headers([]byte("other"), "N1", now, body),
			"notify: no matching webhook signature"},
		{"timestamp not as signed", func() http.Header {
			h := notify.Headers(key, "N1", now, body)
			h.Set("Webhook-Timestamp", "+"+h.Get("Webhook-Timestamp"))
			return h
		}(), "notify: webhook timestamp outside tolerance: webhook-timestamp is not a unix time in seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := notify.VerifyAt(secret, tt.headers, body, 0, now)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %s", err, tt.want)
			}
		})
	}
}

// ExampleVerify shows a merchant's endpoint for notifications.
func ExampleVerify() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // from the dashboard; keep it out of source
	http.HandleFunc("/paygate/notify", func(w http.ResponseWriter, r *http.Request) {
		// Verify the raw bytes: a decoded and re-encoded body would not match.
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := notify.Verify(secret, r.Header, body, notify.DefaultTolerance); err != nil {
			log.Printf("notification rejected: %v", err)
			http.Error(w, "invalid notification", http.StatusBadRequest)
			return
		}
		// Process body; the same webhook-id may arrive more than once.
		w.WriteHeader(http.StatusNoContent) // any 2xx acknowledges
	})
}

func ExampleVerifyAt() {
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	body := []byte(`{"test": 2432232314}`)
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

	fmt.Println(notify.VerifyAt(secret, h, body, 5*time.Minute, time.Unix(1614265330, 0)))
	fmt.Println(notify.VerifyAt(secret, h, body, 5*time.Minute, time.Unix(1614265330+3600, 0)))
	fmt.Println(notify.VerifyAt(secret, h, []byte(`{"test": 1}`), 5*time.Minute, time.Unix(1614265330, 0)))
	// Output:
	// <nil>
	// notify: webhook timestamp outside tolerance: too old (1h0m0s)
	// notify: no matching webhook signature
}

// TestHeadersKeys checks a rotation's two signatures: new key first, and a
// receiver holding either secret verifies, one holding neither does not.
func TestHeadersKeys(t *testing.T) {
	newSecret, newKey := notify.NewSecret()
	oldSecret, oldKey := notify.NewSecret()
	otherSecret, _ := notify.NewSecret()
	now := time.Unix(1751500800, 0)
	body := []byte(`{"notifyId":"N1"}`)
	h := notify.HeadersKeys([][]byte{newKey, oldKey}, "N1", now, body)
	want := notify.Sign(newKey, "N1", now, body) + " " + notify.Sign(oldKey, "N1", now, body)
	if got := h.Get(notify.HeaderSignature); got != want {
		t.Errorf("webhook-signature: got %q, want %q", got, want)
	}
	for _, tc := range []struct {
		name, secret string
		want         error
	}{
		{"new secret", newSecret, nil},
		{"old secret", oldSecret, nil},
		{"other secret", otherSecret, notify.ErrSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := notify.VerifyAt(tc.secret, h, body, 0, now); !errors.Is(err, tc.want) {
				t.Errorf("VerifyAt: got %v, want %v", err, tc.want)
			}
		})
	}
	if got, want := notify.HeadersKeys([][]byte{newKey}, "N1", now, body), notify.Headers(newKey, "N1", now, body); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("HeadersKeys with one key: got %v, want Headers' %v", got, want)
	}
}
