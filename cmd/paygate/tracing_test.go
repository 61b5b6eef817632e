package main

import (
	"net/http"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"paygate/tracing"
)

// TestTracing: with tracing on, a payment request continues the caller's
// trace (W3C traceparent): its server span is named by the route, and the
// store commits and the acquirer call are spans in the same trace. No span
// holds a path or a token.
func TestTracing(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	a := startApp(t, func(m *Main) { m.Tracing = tracing.New(tp) })
	c := a.sandbox()
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	r := c.do("POST", "/v1/payments", cardPayment(nextOrderNo("tr"), "4242424242424242"),
		"traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	r.want(201)
	// The challenge page's path holds a token: its span must not.
	resp, err := http.Get(a.URL + "/3ds/secret-token-in-path")
	if err == nil {
		resp.Body.Close()
	}

	var server, commits, authorize int
	for _, s := range exp.GetSpans() {
		if s.SpanContext.TraceID().String() == traceID {
			switch {
			case s.Name == "POST /v1/payments":
				server++
				if s.Parent.SpanID().String() != "00f067aa0ba902b7" {
					t.Errorf("server span's parent: got %s, want the caller's", s.Parent.SpanID())
				}
			case s.Name == "store commit":
				commits++
			case s.Name == "sandbox authorize":
				authorize++
			}
		}
		text := s.Name
		for _, kv := range s.Attributes {
			text += " " + kv.Value.String()
		}
		if strings.Contains(text, "secret-token-in-path") || strings.Contains(text, c.token) || strings.Contains(text, "4242424242424242") {
			t.Errorf("span %q holds a path, token or card number: %s", s.Name, text)
		}
	}
	if server != 1 || commits < 2 || authorize != 1 {
		t.Errorf("in the caller's trace: %d server spans, %d store commits, %d authorizations; want 1, at least 2, 1", server, commits, authorize)
	}
}
