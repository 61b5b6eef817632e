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
