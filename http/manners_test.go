package http

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRouting: a known path with another method is 405 naming the methods
// in Allow, an unknown path 404, both as JSON errors; GET / points at the
// documentation and /docs/ leads to /docs.
func TestRouting(t *testing.T) {
	srv, _, _, token := testServer(t)
	for _, tc := range []struct {
		name, method, path string
		status             int
		code, allow        string
	}{
		{"GetOnPostRoute", "GET", "/v1/tracking", 405, "method_not_allowed", "POST"},
		{"DeleteOnPayments", "DELETE", "/v1/payments", 405, "method_not_allowed", "GET, HEAD, POST"},
		{"PutOnPaymentRead", "PUT", "/v1/payments/T1", 405, "method_not_allowed", "GET, HEAD"},
		{"PostOnHealthz", "POST", "/healthz", 405, "method_not_allowed", "GET, HEAD"},
		{"GetOnSubscriptionDelete", "GET", "/v1/notifications/subscriptions/S1", 405, "method_not_allowed", "DELETE"},
		{"PostOnIndex", "POST", "/", 405, "method_not_allowed", "GET, HEAD"},
		{"UnknownPath", "GET", "/v2/payments", 404, "not_found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			var body struct{ Error struct{ Code string } }
			json.Unmarshal(w.Body.Bytes(), &body)
			if w.Code != tc.status || body.Error.Code != tc.code {
				t.Errorf("got %d %s, want %d %s", w.Code, w.Body, tc.status, tc.code)
			}
			if got := w.Header().Get("Allow"); got != tc.allow {
				t.Errorf("Allow: got %q, want %q", got, tc.allow)
			}
		})
	}

	t.Run("Index", func(t *testing.T) {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		var body map[string]string
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 200 || body["docs"] != "/docs" || body["openapi"] != "/openapi.json" {
			t.Errorf("got %d %s, want 200 with docs and openapi", w.Code, w.Body)
		}
	})
	t.Run("DocsSlash", func(t *testing.T) {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("GET", "/docs/", nil))
		if w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/docs" {
			t.Errorf("got %d Location %q, want 301 to /docs", w.Code, w.Header().Get("Location"))
		}
	})
}

// TestErrorNotHTMLEscaped: an error message quoting what the client sent
// keeps its < > & as they are.
func TestErrorNotHTMLEscaped(t *testing.T) {
	srv, _, _, _ := testServer(t)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("GET", "/no/<such>&path", nil))
	if b := w.Body.String(); !strings.Contains(b, "/no/<such>&path") || strings.Contains(b, `\u003c`) {
		t.Errorf("got %s, want the path unescaped", b)
	}
}
