package stripe

import (
	"cmp"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
)

// fakeStripe serves Stripe's documented objects (testdata/*.json) on the
// routes the connector uses, and records what it was sent.
type fakeStripe struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	answers map[string]answer
	seen    []seenRequest
}

// answer is what a route answers: a testdata file or a body, with a status.
type answer struct {
	status int
	file   string
	body   string
	delay  time.Duration // before answering, unless the client gives up
	cut    bool          // the connection breaks off in the middle of the answer
}

type seenRequest struct {
	route, method, path, key string
	form                     url.Values
}

var routes = map[string]string{
	"create":   "POST /v1/payment_intents",
	"pm":       "POST /v1/payment_methods",
	"confirm":  "POST /v1/payment_intents/{id}/confirm",
	"retrieve": "GET /v1/payment_intents/{id}",
	"capture":  "POST /v1/payment_intents/{id}/capture",
	"cancel":   "POST /v1/payment_intents/{id}/cancel",
	"refund":   "POST /v1/refunds",
}

func newFakeStripe(t *testing.T) *fakeStripe {
	t.Helper()
	f := &fakeStripe{t: t, answers: map[string]answer{
		"create":   {file: "pi_requires_payment_method.json"},
		"pm":       {file: "pm_card.json"},
		"confirm":  {file: "pi_succeeded.json"},
		"retrieve": {file: "pi_succeeded.json"},
		"capture":  {file: "pi_succeeded.json"},
		"cancel":   {file: "pi_canceled.json"},
		"refund":   {file: "refund_succeeded.json"},
	}}
	f.srv = httptest.NewServer(f.handler())
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeStripe) handler() http.Handler {
	mux := http.NewServeMux()
	for route, pattern := range routes {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { f.serve(route, w, r) })
	}
	return mux
}

func (f *fakeStripe) serve(route string, w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("%s: form: %v", route, err)
	}
	f.mu.Lock()
	f.seen = append(f.seen, seenRequest{route: route, method: r.Method, path: r.URL.Path,
		key: r.Header.Get("Idempotency-Key"), form: r.Form})
	a := f.answers[route]
	f.mu.Unlock()
	if a.delay > 0 {
		select {
		case <-time.After(a.delay):
		case <-r.Context().Done():
			return
		}
	}
	body := []byte(a.body)
	if a.file != "" {
		body = fixture(f.t, a.file)
	}
	if a.cut {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			f.t.Errorf("hijack: %v", err)
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n")
		_, _ = buf.Write(body[:len(body)/2])
		_ = buf.Flush()
		_ = conn.Close()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_"+route)
	w.WriteHeader(cmp.Or(a.status, http.StatusOK))
	_, _ = w.Write(body)
}

// set changes what route answers.
func (f *fakeStripe) set(route string, a answer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[route] = a
}

// requests returns what the server was sent, or only that of route.
func (f *fakeStripe) requests(route string) []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []seenRequest
	for _, s := range f.seen {
		if route == "" || s.route == route {
			out = append(out, s)
		}
	}
	return out
}

func (f *fakeStripe) connector(timeout time.Duration) *Connector {
	return New(Config{APIKey: "sk_test_123", WebhookSecret: testSecret, BaseURL: f.srv.URL, Timeout: timeout})
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	testPAN    = "4242424242424242"
	testCVC    = "314"
	testSecret = "whsec_test_secret"
)

// sampleRequest is a customer's card payment with automatic capture.
func sampleRequest() acquirer.AuthorizeRequest {
	return acquirer.AuthorizeRequest{
		Reference: "T20260101000001",
		Amount:    paygate.Money{Minor: 2000, Currency: "USD"},
		Card: acquirer.Card{Number: testPAN, CVC: testCVC, ExpiryMonth: 12, ExpiryYear: 2030,
			HolderName: "Jenny Rosen", Brand: "visa"},
		Capture:             true,
		Initiator:           "customer",
		StatementDescriptor: "ORDER 1001",
		ReturnURL:           "https://shop.example/return",
	}
}
