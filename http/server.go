// Package http is paygate's JSON API over net/http: routing, authentication,
// decoding with errors that name the field, and the mapping of paygate error
// codes to HTTP statuses (done here and nowhere else).
package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"paygate"
	"paygate/gateway"
	"paygate/wire"
)

// MaxBodyBytes is the largest request body accepted: 64 KiB.
const MaxBodyBytes = 64 << 10

// Server serves the API.
type Server struct {
	services
	log      *slog.Logger
	limiter  *limiter
	mux      *http.ServeMux
	requests RequestObserver
}

// RequestObserver is told of every answered request: the route pattern the
// ServeMux matched (never the path, which may hold tokens), the method, the
// status and the time taken. The metrics implement it.
type RequestObserver interface {
	Request(ctx context.Context, route, method string, status int, took time.Duration)
}

// Options tunes the server.
type Options struct {
	// RateLimit is the sustained requests per second allowed per merchant
	// (0: 100); Burst the bucket size (0: twice RateLimit).
	RateLimit float64
	Burst     int
	// Pages serves the customer-facing pages (the cashier, the 3-D Secure
	// challenge, the wallet pages and QR images) under /checkout/, /3ds/
	// and /wallet/.
	Pages http.Handler
	// Dashboard serves the web console under /dashboard.
	Dashboard http.Handler
	// Requests is told of every answered request (nil: nobody).
	Requests RequestObserver
}

// NewServer returns the API handler over the gateway.
func NewServer(gw *gateway.Service, log *slog.Logger, opt Options) *Server {
	if opt.RateLimit == 0 {
		opt.RateLimit = 100
	}
	if opt.Burst == 0 {
		opt.Burst = max(1, int(2*opt.RateLimit)) // at least one request, whatever the rate
	}
	s := &Server{services: servicesOf(gw), log: log, mux: http.NewServeMux(), requests: opt.Requests,
		limiter: &limiter{rate: opt.RateLimit, burst: float64(opt.Burst), now: gw.Config().Now, buckets: map[string]*bucket{}}}
	s.routes()
	if opt.Pages != nil {
		s.mux.Handle("/checkout/", opt.Pages)
		s.mux.Handle("/3ds/", opt.Pages)
		s.mux.Handle("/connectors/{name}/return/", opt.Pages)
		s.mux.Handle("/wallet/", opt.Pages)
	}
	if opt.Dashboard != nil {
		s.mux.Handle("/dashboard", opt.Dashboard)
		s.mux.Handle("/dashboard/", opt.Dashboard)
	}
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("POST /v1/auth/token", s.limitByIP(s.handleToken))
	s.mux.HandleFunc("POST /v1/merchant/secret/rotate", s.auth(s.handleRotateSecret))
	s.mux.HandleFunc("POST /v1/merchant/notify-secret/rotate", s.auth(s.handleRotateNotifySecret))
	s.mux.HandleFunc("POST /v1/checkout/sessions", s.auth(s.handleCreateSession))
	s.mux.HandleFunc("GET /v1/checkout/sessions/{sessionId}", s.auth(s.handleGetSession))
	s.mux.HandleFunc("POST /v1/payments", s.auth(s.handleCreatePayment))
	s.mux.HandleFunc("GET /v1/payments", s.auth(s.handleListPayments))
	s.mux.HandleFunc("GET /v1/refunds", s.auth(s.handleListRefunds))
	s.mux.HandleFunc("POST /v1/payments/token", s.auth(s.handleTokenPayment))
	s.mux.HandleFunc("DELETE /v1/payments/token/{transactionIdentifier}", s.auth(s.handleRevokeToken))
	s.mux.HandleFunc("POST /v1/payments/capture", s.auth(s.handleCapture))
	s.mux.HandleFunc("POST /v1/payments/cancel", s.auth(s.handleCancel))
	s.mux.HandleFunc("POST /v1/payments/inquiry", s.auth(s.handleInquiry))
	s.mux.HandleFunc("GET /v1/payments/{tradeNo}", s.auth(s.handleGetPayment))
	s.mux.HandleFunc("POST /v1/refunds", s.auth(s.handleCreateRefund))
	s.mux.HandleFunc("POST /v1/refunds/inquiry", s.auth(s.handleRefundInquiry))
	s.mux.HandleFunc("GET /v1/balance", s.auth(s.handleBalance))
	s.mux.HandleFunc("GET /v1/settlements", s.auth(s.handleListSettlements))
	s.mux.HandleFunc("POST /v1/settlements/close", s.auth(s.handleCloseSettlements))
	s.mux.HandleFunc("GET /v1/settlements/{id}", s.auth(s.handleGetSettlement))
	s.mux.HandleFunc("GET /v1/settlements/{id}/items", s.auth(s.handleSettlementItems))
	s.mux.HandleFunc("GET /v1/disputes", s.auth(s.handleListDisputes))
	s.mux.HandleFunc("GET /v1/disputes/{id}", s.auth(s.handleGetDispute))
	s.mux.HandleFunc("POST /v1/disputes/{id}/evidence", s.auth(s.handleDisputeEvidence))
	s.mux.HandleFunc("POST /v1/tracking", s.auth(s.handleAddTracker))
	s.mux.HandleFunc("POST /v1/tracking/batch", s.auth(s.handleAddTrackers))
	s.mux.HandleFunc("POST /v1/tracking/update", s.auth(s.handleUpdateTracker))
	s.mux.HandleFunc("POST /v1/tracking/inquiry", s.auth(s.handleTrackerInquiry))
	s.mux.HandleFunc("POST /v1/notifications/subscriptions", s.auth(s.handleCreateSubscription))
	s.mux.HandleFunc("GET /v1/notifications/subscriptions", s.auth(s.handleListSubscriptions))
	s.mux.HandleFunc("DELETE /v1/notifications/subscriptions/{id}", s.auth(s.handleDeleteSubscription))
	s.mux.HandleFunc("POST /v1/risk/lists/{list}/entries", s.auth(s.handleAddListEntry))
	s.mux.HandleFunc("GET /v1/risk/lists/{list}/entries", s.auth(s.handleListEntries))
	s.mux.HandleFunc("DELETE /v1/risk/lists/{list}/entries/{id}", s.auth(s.handleDeleteListEntry))
	s.mux.HandleFunc("POST /v1/risk/rules", s.auth(s.handleAddRule))
	s.mux.HandleFunc("GET /v1/risk/rules", s.auth(s.handleListRules))
	s.mux.HandleFunc("PATCH /v1/risk/rules/{id}", s.auth(s.handlePatchRule))
	s.mux.HandleFunc("DELETE /v1/risk/rules/{id}", s.auth(s.handleDeleteRule))
	s.mux.HandleFunc("POST /v1/risk/evaluate", s.auth(s.handleEvaluate))
	s.mux.HandleFunc("GET /v1/risk/settings", s.auth(s.handleGetRiskSettings))
	s.mux.HandleFunc("PUT /v1/risk/settings", s.auth(s.handlePutRiskSettings))
	s.mux.HandleFunc("GET /v1/notifications", s.auth(s.handleListNotifications))
	s.mux.HandleFunc("POST /v1/notifications/{notifyId}/resend", s.auth(s.handleResend))
	s.mux.HandleFunc("GET /openapi.json", s.handleOpenAPI)
	s.mux.HandleFunc("GET /docs", s.handleDocs)
	s.mux.HandleFunc("GET /docs/{$}", s.handleDocsSlash)
	s.mux.HandleFunc("GET /docs/{file}", s.handleDocsAsset)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok"}`)
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := s.ready(r.Context()); err != nil {
			s.error(w, r, err)
			return
		}
		// The node's connectors and their circuits, for whoever watches
		// the node: a connector with an open circuit does not make the node
		// unready, since payments go to the route's other connectors.
		states, err := s.circuits(r.Context())
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"status": "ready", "connectors": states})
	})
	s.mux.HandleFunc("POST /connectors/{name}/webhook", s.handleConnectorWebhook)
	s.mux.HandleFunc("GET /{$}", s.handleIndex)
	s.mux.HandleFunc("/", s.handleNoRoute)
}

// handleIndex points a visitor of the bare address at the documentation.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	s.json(w, http.StatusOK, map[string]string{"name": "paygate", "docs": "/docs", "openapi": "/openapi.json",
		"message": "the paygate payment API: read /docs, or /openapi.json for the OpenAPI 3.1 document"})
}

// probeMethods are the methods tried on a path no route took, to tell an
// unknown path (404) from a known one asked with the wrong method (405).
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// handleNoRoute answers what no route took: 405 with Allow when the path is
// known under other methods, 404 otherwise, both as JSON errors. The
// catch-all "/" takes every method, which hides the ServeMux's own 405.
func (s *Server) handleNoRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range probeMethods {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		s.error(w, r, paygate.Errorf(paygate.ENotFound, "no route %s %s", r.Method, r.URL.Path))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	s.error(w, r, paygate.Errorf(paygate.EMethodNotAllowed, "%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or ")))
}

// ServeHTTP adds the request id, the body limit and panic recovery around
// every route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Request-Id")
	if id == "" || len(id) > 128 || !printable(id) {
		id = newRequestID()
	}
	w.Header().Set("X-Request-Id", id)
	ctx := paygate.WithRequestID(r.Context(), id)
	ctx, clock := gateway.WithConnectorClock(ctx)
	r = r.WithContext(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	start := time.Now()
	rw := &statusWriter{ResponseWriter: w, status: 200, clock: clock}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.error(rw, r, paygate.Internal("panic", fmt.Errorf("%v", v)))
		}
		// The route's pattern, not the path: page paths hold access tokens.
		took := time.Since(start)
		attrs := []any{"method", r.Method, "route", r.Pattern, "status", rw.status,
			"ms", took.Milliseconds(), "requestId", id, "merchantId", paygate.MerchantID(r.Context())}
		if c := clock.Total(); c > 0 {
			attrs = append(attrs, "connectorMs", c.Milliseconds())
		}
		if rw.tradeNo != "" {
			attrs = append(attrs, "tradeNo", rw.tradeNo)
		}
		s.log.InfoContext(ctx, "request", attrs...)
		if s.requests != nil {
			s.requests.Request(ctx, r.Pattern, r.Method, rw.status, took)
		}
	}()
	s.mux.ServeHTTP(rw, r)
}

type statusWriter struct {
	http.ResponseWriter
	status  int
	tradeNo string                  // the payment the answer is about, for the request's log line
	clock   *gateway.ConnectorClock // time spent waiting on connectors
}

// WriteHeader sends the status, with the time the request spent waiting on
// connectors as Server-Timing ("connector;dur=201.4", in milliseconds),
// so a client can tell the gateway's own time from the acquirer's.
func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	if c := w.clock.Total(); c > 0 {
		w.Header().Set("Server-Timing", "connector;dur="+strconv.FormatFloat(float64(c.Microseconds())/1000, 'f', 1, 64))
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (a streamed
// export flushes and lifts the write deadline).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "req_" + hex.EncodeToString(b)
}

// auth checks the bearer token and puts the merchant id in the context.
func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// The scheme's name is case-insensitive (RFC 9110 11.1).
		scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			s.error(w, r, paygate.Errorf(paygate.EUnauthorized, "Authorization: Bearer <accessToken> is required"))
			return
		}
		merchantID, err := s.merchants.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			s.error(w, r, err)
			return
		}
		rate, burst, err := s.merchants.Limits(r.Context(), merchantID)
		if err != nil {
			s.error(w, r, err)
			return
		}
		if wait, ok := s.limiter.allowAt(merchantID, rate, burst); !ok {
			s.error(w, r, rateLimited(wait))
			return
		}
		*r = *r.WithContext(paygate.WithMerchantID(r.Context(), merchantID))
		next(w, r)
	}
}

// limitByIP rate-limits the token call per client address, so secrets
// cannot be guessed at full speed (argon2id makes each guess costly too).
func (s *Server) limitByIP(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if wait, ok := s.limiter.allow("ip:" + clientAddr(r)); !ok {
			s.error(w, r, rateLimited(wait))
			return
		}
		next(w, r)
	}
}

// clientAddr is the address the request came from (the proxy's, behind one).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func rateLimited(wait int) error {
	err := paygate.Errorf(paygate.ERateLimited, "too many requests; retry after %d s", wait)
	err.RetryAfter = wait
	return err
}

// decode reads a JSON body into v. A body that is not JSON (or too large) is
// invalid_json; a value of the wrong type is invalid_parameter naming it.
func decode(r *http.Request, v any) error {
	return decodeWith(r, func(body []byte) error { return wire.Decode(body, v) })
}

// decodeWith reads the body (at most MaxBodyBytes) and hands it to parse.
func decodeWith(r *http.Request, parse func([]byte) error) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return paygate.Errorf(paygate.EInvalidJSON, "request body is larger than %d bytes", MaxBodyBytes)
		}
		return paygate.Errorf(paygate.EInvalidJSON, "request body could not be read")
	}
	return parse(body)
}

func (s *Server) json(w http.ResponseWriter, status int, v any) {
	if sw, ok := w.(*statusWriter); ok {
		sw.tradeNo = tradeNoOf(v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	// Messages quote what the client sent: "<" stays "<", not "\u003c".
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// error renders err; only internal errors are logged, with the request id.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	code := paygate.ErrorCode(err)
	if wait := paygate.ErrorRetryAfter(err); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(wait))
	}
	if code == paygate.EInternal {
		s.log.ErrorContext(r.Context(), "internal error", "requestId", paygate.RequestID(r.Context()), "err", err)
	}
	s.json(w, wire.HTTPStatus(code), wire.ErrorView{Error: wire.ErrorBody{Code: code, Message: paygate.ErrorMessage(err),
		Param: paygate.ErrorParam(err), RequestID: paygate.RequestID(r.Context())}})
}

// limiter is a token bucket per merchant. It is per node: with N nodes a
// merchant gets up to N times the rate.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	now     func() time.Time
	buckets map[string]*bucket
	swept   time.Time // the last forgetting of idle buckets
}

type bucket struct {
	tokens float64
	last   time.Time
}

func (l *limiter) allow(key string) (retryAfter int, ok bool) { return l.allowAt(key, 0, 0) }

// allowAt is allow with a key's own rate and burst (0: the limiter's; a
// burst of 0 with a rate: twice the rate).
func (l *limiter) allowAt(key string, rate float64, burst int) (retryAfter int, ok bool) {
	if rate <= 0 {
		rate, burst = l.rate, int(l.burst)
	} else if burst <= 0 {
		burst = max(1, int(2*rate))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.buckets) > 100_000 && now.Sub(l.swept) >= time.Second {
		// Forget clients idle long enough to have a full bucket again; at
		// most once a second, so a flood of new keys costs one scan a
		// second, not one a request.
		l.swept = now
		for k, b := range l.buckets {
			if now.Sub(b.last).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
	}
	size := float64(burst)
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: size, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(size, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return int((1-b.tokens)/rate) + 1, false
}

// tradeNoOf is the payment an answer is about, if it is about one.
func tradeNoOf(v any) string {
	switch v := v.(type) {
	case wire.PaymentView:
		return v.TradeNo
	case wire.RefundView:
		return v.TradeNo
	case wire.SessionView:
		return v.TradeNo
	case wire.TrackerView:
		return v.TradeNo
	}
	return ""
}
