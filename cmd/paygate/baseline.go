package main

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"
)

// baseline is a bare net/http server that decodes and encodes the same JSON
// bodies as paygate with no work behind them: the ceiling of this machine
// for this protocol, against which paygate's throughput is quoted.
type baseline struct {
	URL    string
	srv    *http.Server
	ln     net.Listener
	closed chan struct{}
}

// startBaseline listens on a free loopback port.
func startBaseline() (*baseline, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &baseline{URL: "http://" + ln.Addr().String(), ln: ln, closed: make(chan struct{})}
	b.srv = &http.Server{Handler: http.HandlerFunc(b.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { b.srv.Serve(ln); close(b.closed) }()
	return b, nil
}

// Close stops the server.
func (b *baseline) Close() error {
	err := b.srv.Close()
	<-b.closed
	return err
}

// baselinePayment has the shape of paygate's payment answer.
type baselinePayment struct {
	TradeNo        string         `json:"tradeNo"`
	OrderNo        string         `json:"orderNo"`
	Status         string         `json:"status"`
	Amount         string         `json:"amount"`
	Currency       string         `json:"currency"`
	CapturedAmount string         `json:"capturedAmount"`
	RefundedAmount string         `json:"refundedAmount"`
	Method         string         `json:"paymentMethodType"`
	CaptureMethod  string         `json:"captureMethod"`
	Card           map[string]any `json:"card"`
	CreatedAt      string         `json:"createdAt"`
	UpdatedAt      string         `json:"updatedAt"`
	Refunds        []any          `json:"refunds"`
}

func (b *baseline) serve(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if r.Method == "POST" {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil {
			http.Error(w, `{"error":{"code":"invalid_json"}}`, 400)
			return
		}
	}
	orderNo, _ := in["orderNo"].(string)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	out := baselinePayment{TradeNo: "T" + now, OrderNo: orderNo, Status: "SUCCEEDED", Amount: "100.99", Currency: "USD",
		CapturedAmount: "100.99", RefundedAmount: "0.00", Method: "card", CaptureMethod: "auto",
		Card:      map[string]any{"brand": "visa", "bin": "424242", "last4": "4242", "expiryMonth": "06", "expiryYear": "2030"},
		CreatedAt: now, UpdatedAt: now, Refunds: []any{}}
	status := 200
	if r.Method == "POST" && (r.URL.Path == "/v1/payments" || r.URL.Path == "/v1/refunds" || strings.HasPrefix(r.URL.Path, "/v1/checkout")) {
		status = 201
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(out)
}
