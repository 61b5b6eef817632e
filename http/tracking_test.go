package http

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"paygate"
	"paygate/wire"
)

// trackingServer is a server over a fresh SQLite store whose merchant has a
// paid order "fuzz-order" with a tracker "FZ-1"; it returns the token.
func trackingServer(f *testing.F) (*Server, string) {
	f.Helper()
	srv, gw, ctx, token := testServer(f)
	if _, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "USD", OrderNo: "fuzz-order",
		PaymentMethodType: "card", Card: &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2040"},
		DeviceInfo: &wire.DeviceInfo{ClientIP: "10.1.1.1"}}); err != nil {
		f.Fatal(err)
	}
	if _, _, err := gw.Tracking.AddTracker(ctx, &wire.TrackerRequest{Carrier: "UPS", OrderNo: "fuzz-order", ShipmentDate: "2026-01-01",
		ShipmentDirection: "FORWARD", ShippingStatus: "SHIPPED", TrackingNo: "FZ-1", TrackingNumberType: "CARRIER_PROVIDED"}); err != nil {
		f.Fatal(err)
	}
	return srv, token
}

// fuzzPost sends body to path: no input may panic or answer 500, and a 400
// other than invalid_json names its field.
func fuzzPost(t *testing.T, srv *Server, token, path string, body []byte) {
	req := httptest.NewRequest("POST", path, strings.NewReader(string(body)))
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
}

// FuzzTrackerBatch sends arbitrary bodies to POST /v1/tracking/batch through
// the whole stack.
func FuzzTrackerBatch(f *testing.F) {
	for _, s := range []string{
		`[{"carrier":"2EBOX","orderNo":"fuzz-order","shipmentDate":"2026-01-02","shipmentDirection":"FORWARD","shippingStatus":"SHIPPED","trackingNo":"FZ-2","trackingNumberType":"CARRIER_PROVIDED"}]`,
		`{"trackers":[{"orderNo":"fuzz-order","trackingNo":"fz-1"},1,null,"x"]}`, `[]`, `{"trackers":{}}`, `[[],{}]`, "\x00",
		`[{"carrier":"OTHER","carrierNameOther":"é","shipmentDate":"2025-02-30","matedata":{"a":"b"}}]`,
	} {
		f.Add([]byte(s))
	}
	srv, token := trackingServer(f)
	f.Fuzz(func(t *testing.T, body []byte) { fuzzPost(t, srv, token, "/v1/tracking/batch", body) })
}

// FuzzTrackerUpdate sends arbitrary bodies to POST /v1/tracking/update: the
// JSON Patch reader and its rules.
func FuzzTrackerUpdate(f *testing.F) {
	for _, s := range []string{
		`{"orderNo":"fuzz-order","trackingNo":"FZ-1","iterms":[{"op":"replace","path":"/status","value":"CANCELLED"}],"matedata":{"k":"v"}}`,
		`{"orderNo":"fuzz-order","trackingNo":"fz-1","items":[{"op":"add","path":"/metadata/a~1b~0","value":"x"},{"op":"remove","path":"/metadata/a~1b~0"}]}`,
		`{"orderNo":"fuzz-order","trackingNo":"FZ-1","items":[{"op":"replace","path":"/carrier","value":"ZZ"},{"op":"add","path":"/carrierNameOther","value":"Z"}]}`,
		`{"orderNo":"fuzz-order","trackingNo":"FZ-1","items":[{"op":"replace","path":"/metadata/~2","value":1}]}`,
		`{"items":{}}`, `{"items":[null]}`, `{"orderNo":"fuzz-order","trackingNo":"FZ-1","items":[{"op":"replace","path":"/shipmentDate","value":"9999-12-31"}]}`,
	} {
		f.Add([]byte(s))
	}
	srv, token := trackingServer(f)
	f.Fuzz(func(t *testing.T, body []byte) { fuzzPost(t, srv, token, "/v1/tracking/update", body) })
}
