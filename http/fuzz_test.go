package http

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"paygate"
)

// FuzzDecodePayment sends arbitrary bodies to POST /v1/payments through the
// whole stack (decoder, validation, gateway, SQLite): no input may panic or
// answer 500.
func FuzzDecodePayment(f *testing.F) {
	for _, s := range []string{
		`{"amount":"100.99","currency":"USD","orderNo":"order-1","paymentMethodType":"card","card":{"cardNo":"4242424242424242","cvc":"123","expiryMonth":"06","expiryYear":"2030"},"deviceInfo":{"clientIp":"10.1.1.1"}}`,
		`{"amount":1}`, `{"card":"x"}`, `[]`, `{"deviceInfo":{"browser":{"javaEnable":"no"}}}`, `{"productInfo":[{"price":"1.001"}]}`,
		`{"metadata":{"a":"b"},"matedata":"x"}`, `{"threeDsData":{"eci":"05","cavv":"x","dsVersion":"2.2.0"}}`, "\x00", `{"amount":"1e3"}`,
	} {
		f.Add([]byte(s))
	}
	srv, _, _, token := testServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/v1/payments", strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("got %d %s, want a 2xx or 4xx", w.Code, w.Body)
		}
		if w.Code == http.StatusBadRequest && !strings.Contains(w.Body.String(), paygate.EInvalidJSON) &&
			!strings.Contains(w.Body.String(), `"param"`) {
			t.Fatalf("got %s, want invalid_parameter to name the field", w.Body)
		}
	})
}
