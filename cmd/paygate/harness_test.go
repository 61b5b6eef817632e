package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	phttp "paygate/http"
)

// The end-to-end harness: every test starts the real Main on :0 with its own
// SQLite file, speaks HTTP to it, and checks every response it receives
// against the OpenAPI document the server serves.

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

func openapiRouter(t *testing.T) routers.Router {
	t.Helper()
	specOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(phttp.OpenAPI())
		if err != nil {
			specErr = err
			return
		}
		if err = doc.Validate(context.Background()); err != nil {
			specErr = err
			return
		}
		doc.Servers = nil // match on the path alone, whatever port the test got
		specRouter, specErr = legacy.NewRouter(doc)
	})
	if specErr != nil {
		t.Fatalf("openapi document: %v", specErr)
	}
	return specRouter
}

// syncBuffer collects a Main's output; the server writes while tests read.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// clock is a settable time source shared by a test and its server.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type app struct {
	*Main
	t      *testing.T
	dbPath string
	logs   *syncBuffer
	out    *syncBuffer
	clock  *clock
}

// startApp starts Main on a fresh database; opts may adjust it before Open.
func startApp(t *testing.T, opts ...func(*Main)) *app {
	t.Helper()
	dir := t.TempDir()
	a := &app{t: t, dbPath: filepath.Join(dir, "paygate.db"), logs: &syncBuffer{}, out: &syncBuffer{},
		clock: &clock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}}
	m := NewMain()
	m.Addr = "127.0.0.1:0"
	m.DB = "sqlite:" + a.dbPath
	m.Stdout, m.Stderr = a.out, a.logs
	m.Now = a.clock.Now
	m.SweepInterval = time.Hour        // tests call Sweep themselves
	m.AllowPrivateNotifyTargets = true // receivers run on loopback
	// Every receiver is on one host, 127.0.0.1, and the clock stands still
	// unless a test moves it, so no token would come back: pacing per host
	// is out of the way here and tested on its own.
	m.NotifyHostConcurrency, m.NotifyHostRate, m.NotifyHostBurst = 64, 1e6, 1e6
	for _, o := range opts {
		o(m)
	}
	if err := m.Open(context.Background()); err != nil {
		t.Fatalf("open: %v", err)
	}
	a.Main = m
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return a
}

// client speaks to an app as one merchant.
type client struct {
	a     *app
	token string
}

// sandbox returns a client authenticated as the sandbox merchant.
func (a *app) sandbox() *client {
	a.t.Helper()
	return a.login(a.Sandbox.Merchant.AppID, a.Sandbox.Secret)
}

// newMerchant creates another merchant and returns its client.
func (a *app) newMerchant(name string) *client {
	a.t.Helper()
	nm, err := a.Gateway.Merchants.CreateMerchant(context.Background(), name)
	if err != nil {
		a.t.Fatal(err)
	}
	return a.login(nm.Merchant.AppID, nm.Secret)
}

func (a *app) login(appID, secret string) *client {
	a.t.Helper()
	c := &client{a: a}
	r := c.do("POST", "/v1/auth/token", map[string]string{"appId": appID, "secret": secret})
	r.want(200)
	c.token = r.str("accessToken")
	return c
}

type response struct {
	t      *testing.T
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

// do sends a request (body: nil, []byte/string raw, or anything to marshal)
// and validates the response against the OpenAPI document.
func (c *client) do(method, path string, body any, headers ...string) *response {
	t := c.a.t
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, c.a.URL+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := validateResponse(t, req, raw, resp, out); err != nil {
		t.Errorf("%s %s answered %d outside the OpenAPI document: %v\nbody: %s", method, path, resp.StatusCode, err, out)
	}
	r := &response{t: t, status: resp.StatusCode, header: resp.Header, body: out}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		json.Unmarshal(out, &r.json)
	}
	return r
}

func validateResponse(t *testing.T, req *http.Request, reqBody []byte, resp *http.Response, body []byte) error {
	router := openapiRouter(t)
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		if resp.StatusCode == http.StatusNotFound {
			return nil // an unknown route answers not_found; nothing to check it against
		}
		return fmt.Errorf("route: %w", err)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		return fmt.Errorf("no X-Request-Id header")
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	})
}

func (r *response) want(status int) *response {
	r.t.Helper()
	if r.status != status {
		r.t.Fatalf("got status %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

// wantError checks an error answer's status, code and (if given) param.
func (r *response) wantError(status int, code, param string) *response {
	r.t.Helper()
	r.want(status)
	e, _ := r.json["error"].(map[string]any)
	if e == nil || e["code"] != code {
		r.t.Fatalf("got error %s, want code %s", r.body, code)
	}
	if param != "" && e["param"] != param {
		r.t.Fatalf("got param %v, want %s; body: %s", e["param"], param, r.body)
	}
	return r
}

func (r *response) str(key string) string {
	r.t.Helper()
	v, _ := r.json[key].(string)
	return v
}

// get follows a dotted path into the JSON body; a number steps into an
// array ("data.0.id").
func (r *response) get(path string) any {
	var v any = r.json
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

var orderSeq struct {
	sync.Mutex
	n int
}

func nextOrderNo(prefix string) string {
	orderSeq.Lock()
	defer orderSeq.Unlock()
	orderSeq.n++
	return fmt.Sprintf("%s-%06d", prefix, orderSeq.n)
}

// cardPayment is a valid card payment body; edit the map to vary it.
func cardPayment(orderNo, cardNo string) map[string]any {
	cvc := "123"
	if strings.HasPrefix(cardNo, "34") || strings.HasPrefix(cardNo, "37") {
		cvc = "1234"
	}
	return map[string]any{
		"amount":            "100.99",
		"currency":          "USD",
		"orderNo":           orderNo,
		"paymentMethodType": "card",
		"description":       "buy a apple",
		"card": map[string]any{
			"cardNo": cardNo, "cvc": cvc, "expiryMonth": "06", "expiryYear": "2030",
			"firstName": "zhong", "lastName": "yang",
		},
		"deviceInfo": map[string]any{"clientIp": "10.1.1.1", "language": "en-US"},
	}
}
