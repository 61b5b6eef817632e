package tracing

import (
	"net/http"
	"net/http/httptest"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// BenchmarkHandler: off, the API's handler is not wrapped at all (what
// "off" costs is nothing, by construction); on, a span per request with
// the SDK's default sampler and no exporter.
func BenchmarkHandler(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"off", h}, {"on", New(sdktrace.NewTracerProvider()).Handler(h)}} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("POST", "/v1/payments", nil)
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
