// Package tracing exports OpenTelemetry traces of paygate: the one place
// that wires go.opentelemetry.io/otel. A trace has a span per HTTP request
// (continuing the caller's W3C traceparent), per store commit, per
// connector call and per notification delivery. It is on only when the
// standard OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) is set; off,
// nothing is wrapped, so it costs nothing.
//
// Spans never carry a path, a body or an id a client chose: routes are the
// ServeMux patterns, because page paths hold access tokens.
package tracing

import (
	"context"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"paygate"
	"paygate/gateway"
)

// Tracing makes the spans.
type Tracing struct {
	provider   trace.TracerProvider
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	shutdown   func(context.Context) error
}

var _ gateway.Observer = (*Tracing)(nil)

// FromEnv starts tracing when getenv names an OTLP endpoint (the
// exporter reads the other standard OTEL_* variables itself); nil, nil
// when tracing is off.
func FromEnv(ctx context.Context, getenv func(string) string) (*Tracing, error) {
	if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return nil, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	t := New(tp)
	t.shutdown = tp.Shutdown
	return t, nil
}

// New traces with a provider of the caller's (tests give one with an
// in-memory exporter).
func New(tp trace.TracerProvider) *Tracing {
	return &Tracing{provider: tp, tracer: tp.Tracer("paygate"), propagator: propagation.TraceContext{},
		shutdown: func(context.Context) error { return nil }}
}

// Shutdown sends the spans still buffered.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.shutdown(ctx) }

// Handler gives every request a server span, a child of the caller's
// traceparent when it sends one. The span is named by the route once the
// request is answered (Request).
func (t *Tracing) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := t.propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := t.tracer.Start(ctx, "HTTP "+method(r.Method), trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", method(r.Method))))
		defer span.End()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Request names the request's span by its route and records its status
// (http.Options' Requests).
func (t *Tracing) Request(ctx context.Context, route, m string, status int, _ time.Duration) {
	span := trace.SpanFromContext(ctx)
	if route == "" {
		route = "unmatched"
	}
	span.SetName(route)
	span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status))
	if status >= 500 {
		span.SetStatus(codes.Error, http.StatusText(status))
	}
}

func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPut, http.MethodPatch, http.MethodHead, http.MethodOptions:
		return m
	}
	return "other"
}

// ConnectorCall records a connector call as a client span.
func (t *Tracing) ConnectorCall(ctx context.Context, connector, op, result string, start time.Time, took time.Duration) {
	_, span := t.tracer.Start(ctx, connector+" "+op, trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(start),
		trace.WithAttributes(attribute.String("paygate.connector", connector), attribute.String("paygate.result", result)))
	if result == "error" {
		span.SetStatus(codes.Error, "no answer")
	}
	span.End(trace.WithTimestamp(start.Add(took)))
}

// Delivery records a notification delivery as a client span.
func (t *Tracing) Delivery(ctx context.Context, result string, start time.Time, took time.Duration) {
	_, span := t.tracer.Start(ctx, "notification delivery", trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(start),
		trace.WithAttributes(attribute.String("paygate.result", result)))
	if result != "delivered" {
		span.SetStatus(codes.Error, result)
	}
	span.End(trace.WithTimestamp(start.Add(took)))
}

// PaymentStatus adds nothing to a trace: the commit's span holds the change.
func (t *Tracing) PaymentStatus(paygate.Status, string, string) {}

// RefundStatus adds nothing to a trace either.
func (t *Tracing) RefundStatus(paygate.RefundStatus, string) {}

// Store gives each commit of s a span.
func (t *Tracing) Store(s paygate.Store) paygate.Store { return tracedStore{s, t.tracer} }

type tracedStore struct {
	paygate.Store
	tracer trace.Tracer
}

func (s tracedStore) Apply(ctx context.Context, c paygate.Change) error {
	ctx, span := s.tracer.Start(ctx, "store commit", trace.WithAttributes(
		attribute.Int("paygate.payments", len(c.Payments)), attribute.Int("paygate.events", len(c.Events)),
		attribute.Int("paygate.notifications", len(c.Notifications))))
	defer span.End()
	err := s.Store.Apply(ctx, c)
	if err != nil {
		span.SetStatus(codes.Error, paygate.ErrorCode(err))
	}
	return err
}
