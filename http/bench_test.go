package http

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"paygate/wire"
)

func paymentJSON(orderNo string) string {
	b, _ := json.Marshal(map[string]any{"amount": "100.99", "currency": "USD", "orderNo": orderNo, "paymentMethodType": "card",
		"card":       map[string]string{"cardNo": "4242424242424242", "cvc": "123", "expiryMonth": "06", "expiryYear": "2030"},
		"deviceInfo": map[string]string{"clientIp": "10.1.1.1"}})
	return string(b)
}

// BenchmarkCreatePayment is one full card payment through the HTTP handler:
// decode, validate, authenticate, two durable commits, render. Parallel, as
// requests come, so the group commit shares flushes.
func BenchmarkCreatePayment(b *testing.B) {
	srv, _, _, token := testServer(b)
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/v1/payments", strings.NewReader(paymentJSON(fmt.Sprintf("bench-%09d", n.Add(1)))))
			req.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			if w.Code != 201 {
				b.Fatalf("got %d %s", w.Code, w.Body)
			}
		}
	})
}

// BenchmarkDecodePayment is decoding a payment request body (validation is
// in BenchmarkCreatePayment and gateway's benchmarks).
func BenchmarkDecodePayment(b *testing.B) {
	body := []byte(paymentJSON("bench-000000001"))
	b.ReportAllocs()
	for b.Loop() {
		var req wire.CreatePaymentRequest
		if err := wire.Decode(body, &req); err != nil {
			b.Fatal(err)
		}
	}
}
