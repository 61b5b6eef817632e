package http

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestLenientInputRefused: what encoding/json (or a URL parser) would read
// leniently is refused with a 4xx naming the field; what RFC 9110 allows is
// accepted.
func TestLenientInputRefused(t *testing.T) {
	srv, _, _, token := testServer(t)
	n := 0
	payment := func(extra string) string {
		n++
		return `{"paymentMethodType":"card","orderNo":"strict-` + strconv.Itoa(n) + `","amount":"10.00","currency":"USD",` +
			`"card":{"cardNo":"4242424242424242","cvc":"123","expiryMonth":"06","expiryYear":"2040"},"deviceInfo":{"clientIp":"10.1.1.1"}` + extra + `}`
	}
	cases := []struct {
		name, auth, path, body string
		status                 int
		code, param            string
	}{
		{"name twice", "Bearer", "/v1/payments", payment(`,"amount":"999.00"`), 400, "invalid_json", ""},
		{"name twice ignoring case", "Bearer", "/v1/payments", payment(`,"AMOUNT":"999.00"`), 400, "invalid_json", ""},
		{"name in another case", "Bearer", "/v1/payments", strings.Replace(payment(""), `"amount"`, `"Amount"`, 1), 400, "invalid_parameter", "Amount"},
		{"nested name in another case", "Bearer", "/v1/payments", strings.Replace(payment(""), `"cvc"`, `"CVC"`, 1), 400, "invalid_parameter", "card.CVC"},
		{"name twice by Unicode folding", "Bearer", "/v1/payments", payment(`,"description":"a","deſcription":"b"`), 400, "invalid_json", ""},
		{"name in another case by Unicode folding", "Bearer", "/v1/payments", payment(`,"deſcription":"b"`), 400, "invalid_parameter", "deſcription"},
		{"unknown name ignored", "Bearer", "/v1/payments", payment(`,"somethingElse":"x"`), 201, "", ""},
		{"notificationUrl with a password", "Bearer", "/v1/payments", payment(`,"notificationUrl":"https://shop:s3cret@93.184.216.34/hook"`), 400, "invalid_parameter", "notificationUrl"},
		{"notificationUrl with a bad port", "Bearer", "/v1/payments", payment(`,"notificationUrl":"https://93.184.216.34:99999/hook"`), 400, "invalid_parameter", "notificationUrl"},
		{"latitude NaN", "Bearer", "/v1/payments", strings.Replace(payment(""), `"clientIp":"10.1.1.1"`, `"clientIp":"10.1.1.1","location":{"lat":"NaN","lon":"1"}`, 1), 400, "invalid_parameter", "deviceInfo.location.lat"},
		{"longitude in hex", "Bearer", "/v1/payments", strings.Replace(payment(""), `"clientIp":"10.1.1.1"`, `"clientIp":"10.1.1.1","location":{"lat":"1.5","lon":"0x1p-2"}`, 1), 400, "invalid_parameter", "deviceInfo.location.lon"},
		{"NUL in a name", "Bearer", "/v1/payments", strings.Replace(payment(""), `"cvc":"123"`, `"cvc":"123","firstName":"A\u0000B"`, 1), 400, "invalid_parameter", "card.firstName"},
		{"escape in metadata", "Bearer", "/v1/payments", payment(`,"metadata":{"k":"a\u001bb"}`), 400, "invalid_parameter", "metadata.k"},
		{"line break in a description", "Bearer", "/v1/payments", payment(`,"description":"two\nlines"`), 201, "", ""},
		{"type error in a list", "Bearer", "/v1/payments", payment(`,"productInfo":[{"productName":"a","price":"1.00"},{"productName":"b","price":5}]`), 400, "invalid_parameter", "productInfo[1].price"},
		{"type error in a map", "Bearer", "/v1/payments", payment(`,"metadata":{"k":5}`), 400, "invalid_parameter", "metadata.k"},
		{"type error in an embedded struct", "Bearer", "/v1/payments/capture", `{"orderNo":5}`, 400, "invalid_parameter", "orderNo"},
		{"scheme in lower case", "bearer", "/v1/payments", payment(""), 201, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", c.path, strings.NewReader(c.body))
			req.Header.Set("Authorization", c.auth+" "+token)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			var got struct {
				Error struct{ Code, Param string }
			}
			json.Unmarshal(w.Body.Bytes(), &got)
			if w.Code != c.status || got.Error.Code != c.code || got.Error.Param != c.param {
				t.Errorf("got %d %s, want %d %s param %q", w.Code, w.Body, c.status, c.code, c.param)
			}
		})
	}
}

// TestMetadataValuesAreStrings: a null value in metadata (or its alias
// matedata) is refused with the key's path, in every request that takes
// metadata, instead of being stored as "". A null metadata as a whole still
// means none.
func TestMetadataValuesAreStrings(t *testing.T) {
	srv, _, _, token := testServer(t)
	n := 0
	payment := func(extra string) string {
		n++
		return `{"paymentMethodType":"card","orderNo":"meta-` + strconv.Itoa(n) + `","amount":"10.00","currency":"USD",` +
			`"card":{"cardNo":"4242424242424242","cvc":"123","expiryMonth":"06","expiryYear":"2040"},"deviceInfo":{"clientIp":"10.1.1.1"}` + extra + `}`
	}
	tracker := `"orderNo":"order-1","trackingNo":"1Z999","carrier":"UPS","shipmentDate":"2026-01-01","shipmentDirection":"forward",` +
		`"shippingStatus":"SHIPPED","trackingNumberType":"tracking_number"`
	cases := []struct {
		name, path, body string
		status           int
		param            string
	}{
		{"payment", "/v1/payments", payment(`,"metadata":{"a":"x","k":null}`), 400, "metadata.k"},
		{"payment alias", "/v1/payments", payment(`,"matedata":{"k":null}`), 400, "matedata.k"},
		{"payment key with a dot and capitals", "/v1/payments", payment(`,"metadata":{"Order.Ref":null}`), 400, "metadata.Order.Ref"},
		{"paypal", "/v1/payments", `{"paymentMethodType":"paypal","orderNo":"meta-pp","amount":"10.00","currency":"USD","deviceInfo":{"clientIp":"10.1.1.1"},"paypal":{"metadata":{"k":null}}}`, 400, "paypal.metadata.k"},
		{"token payment", "/v1/payments/token", `{"orderNo":"meta-t","amount":"5.00","transactionIdentifier":"tid-00000","expiryMonth":"06","expiryYear":"2040","metadata":{"k":null}}`, 400, "metadata.k"},
		{"session", "/v1/checkout/sessions", `{"orderNo":"meta-s","amount":"5.00","currency":"USD","metadata":{"k":null}}`, 400, "metadata.k"},
		{"session alias", "/v1/checkout/sessions", `{"orderNo":"meta-s","amount":"5.00","currency":"USD","matedata":{"k":null}}`, 400, "matedata.k"},
		{"tracker", "/v1/tracking", `{` + tracker + `,"metadata":{"k":null}}`, 400, "metadata.k"},
		{"tracker alias", "/v1/tracking", `{` + tracker + `,"matedata":{"k":null}}`, 400, "matedata.k"},
		{"tracker update", "/v1/tracking/update", `{"orderNo":"order-1","trackingNo":"1Z999","metadata":{"k":null}}`, 400, "metadata.k"},
		{"tracker update alias", "/v1/tracking/update", `{"orderNo":"order-1","trackingNo":"1Z999","matedata":{"k":null}}`, 400, "matedata.k"},
		{"a number is still a type error", "/v1/payments", payment(`,"metadata":{"k":5}`), 400, "metadata.k"},
		{"null metadata is none", "/v1/payments", payment(`,"metadata":null`), 201, ""},
		{"string values", "/v1/payments", payment(`,"metadata":{"k":"","l":"v"}`), 201, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", c.path, strings.NewReader(c.body))
			req.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			var got struct {
				Error struct{ Code, Param, Message string }
			}
			json.Unmarshal(w.Body.Bytes(), &got)
			if c.status != 400 {
				if w.Code != c.status {
					t.Errorf("got %d %s, want %d", w.Code, w.Body, c.status)
				}
				return
			}
			if w.Code != 400 || got.Error.Code != "invalid_parameter" || got.Error.Param != c.param {
				t.Errorf("got %d %s, want 400 invalid_parameter param %q", w.Code, w.Body, c.param)
			}
			if want := c.param + " must be a string"; !strings.Contains(got.Error.Message, want) {
				t.Errorf("got message %q, want it to contain %q", got.Error.Message, want)
			}
		})
	}

	t.Run("batch item", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/v1/tracking/batch", strings.NewReader(`{"trackers":[{`+tracker+`,"metadata":{"k":null}}]}`))
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		var got struct {
			Trackers []json.RawMessage
			Errors   []struct {
				Index int
				Error struct{ Code, Param string }
			}
		}
		json.Unmarshal(w.Body.Bytes(), &got)
		if len(got.Trackers) != 0 || len(got.Errors) != 1 || got.Errors[0].Error.Code != "invalid_parameter" || got.Errors[0].Error.Param != "metadata.k" {
			t.Errorf("got %d %s, want the item refused with invalid_parameter metadata.k", w.Code, w.Body)
		}
	})
}
