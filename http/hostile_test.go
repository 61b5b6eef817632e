package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"paygate/wire"

	"paygate"
)

// hostileBodies are the worst bodies of at most MaxBodyBytes for the
// decoder: nesting as deep as the size allows (arrays, objects, both behind
// an escaped name, which makes the careful name walk run), and a body of
// many names (escaped, so it is walked) ending in a repeated one.
func hostileBodies() map[string]string {
	fill := func(prefix, unit, suffix string) string {
		n := (MaxBodyBytes - len(prefix) - len(suffix)) / len(unit)
		return prefix + strings.Repeat(unit, n) + suffix
	}
	var names strings.Builder
	names.WriteString(`{"\u0061":1`)
	for i := 0; names.Len() < MaxBodyBytes-32; i++ {
		fmt.Fprintf(&names, `,"n%d":1`, i)
	}
	names.WriteString(`,"a":2}`)
	return map[string]string{
		"arrays":           fill(`{"\u0061":`, "[", ""),
		"objects":          fill(`{"\u0061":`, `{"\u0061":`, ""),
		"mixed":            fill(`{"\u0061":`, `[{"\u0061":`, ""),
		"closedArrays":     `{"\u0061":` + strings.Repeat("[", 30000) + strings.Repeat("]", 30000) + `}`,
		"longNameThenDeep": `{"\u0061` + strings.Repeat("x", 40000) + `":` + strings.Repeat("[", 20000),
		"bareArrays":       strings.Repeat("[", MaxBodyBytes),
		"manyNames":        names.String(),
	}
}

// TestHostileBodies: every JSON endpoint answers the hostile bodies with a
// 400 invalid_json, quickly and without the server's memory growing with
// the square of the nesting (which once took a server to 1.6 GB with one
// 32 KB body).
func TestHostileBodies(t *testing.T) {
	srv, _, _, token := testServer(t)
	paths := []string{"/v1/auth/token", "/v1/checkout/sessions", "/v1/payments", "/v1/payments/token",
		"/v1/payments/capture", "/v1/payments/cancel", "/v1/payments/inquiry", "/v1/refunds",
		"/v1/refunds/inquiry", "/v1/tracking", "/v1/tracking/batch", "/v1/tracking/update",
		"/v1/tracking/inquiry", "/v1/notifications/subscriptions"}
	for name, body := range hostileBodies() {
		if len(body) > MaxBodyBytes {
			t.Fatalf("%s: body of %d bytes is over the limit", name, len(body))
		}
		for _, path := range paths {
			req := httptest.NewRequest("POST", path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			var got wire.ErrorView
			json.Unmarshal(w.Body.Bytes(), &got)
			if w.Code != http.StatusBadRequest || got.Error.Code != paygate.EInvalidJSON {
				t.Errorf("%s %s: got %d %.200s, want 400 invalid_json", name, path, w.Code, w.Body)
			}
		}
	}
}

// TestHostileBodiesAllocate: decoding a hostile body allocates a bounded
// multiple of its size (the old walk allocated about 1.5·depth² bytes: some
// gigabytes for these bodies).
func TestHostileBodiesAllocate(t *testing.T) {
	targets := map[string]any{"payment": &paymentRequestProbe{}, "batch": nil}
	for name, body := range hostileBodies() {
		for kind, v := range targets {
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			var err error
			if v == nil {
				_, err = decodeBatch([]byte(body))
			} else {
				err = wire.Decode([]byte(body), v)
			}
			runtime.ReadMemStats(&ms1)
			if paygate.ErrorCode(err) != paygate.EInvalidJSON {
				t.Errorf("%s as %s: got %v, want invalid_json", name, kind, err)
			}
			// Linear in the size, whatever the shape: the tokens, the names seen
			// and the decoder's buffers, about 35 bytes a byte at worst here.
			if alloc := ms1.TotalAlloc - ms0.TotalAlloc; alloc > 64*MaxBodyBytes {
				t.Errorf("%s as %s: decoding allocated %d bytes, want at most %d", name, kind, alloc, 64*MaxBodyBytes)
			}
		}
	}
}

// paymentRequestProbe has the shapes of a request: nested objects, arrays
// and maps.
type paymentRequestProbe struct {
	A     json.RawMessage     `json:"a"`
	Card  struct{ No string } `json:"card"`
	Lines []struct {
		Price string `json:"price"`
	} `json:"lines"`
	Metadata map[string]string `json:"metadata"`
}

// TestDepthLimit: nesting up to wire.MaxDepth reads as before; one level
// more is refused, and brackets inside strings do not count.
func TestDepthLimit(t *testing.T) {
	var v map[string]any
	ok := `{"a":` + strings.Repeat("[", wire.MaxDepth-1) + strings.Repeat("]", wire.MaxDepth-1) + `}`
	if err := wire.Decode([]byte(ok), &v); err != nil {
		t.Errorf("depth %d: %v", wire.MaxDepth, err)
	}
	deep := `{"a":` + strings.Repeat("[", wire.MaxDepth) + strings.Repeat("]", wire.MaxDepth) + `}`
	if err := wire.Decode([]byte(deep), &v); paygate.ErrorCode(err) != paygate.EInvalidJSON {
		t.Errorf("depth %d: got %v, want invalid_json", wire.MaxDepth+1, err)
	}
	str := `{"a":"` + strings.Repeat(`[\"{`, 1000) + `"}`
	if err := wire.Decode([]byte(str), &v); err != nil {
		t.Errorf("brackets in a string: %v", err)
	}
}

// FuzzDecodeNesting: bodies of any nesting decode to an answer (never a
// panic), and a body nested past wire.MaxDepth is invalid_json.
func FuzzDecodeNesting(f *testing.F) {
	for _, s := range hostileBodies() {
		f.Add([]byte(s[:min(len(s), 4096)]))
	}
	f.Add([]byte(`{"a":` + strings.Repeat("[", wire.MaxDepth) + `}`))
	f.Add([]byte(`{"\u0061":[[{"b":1,"b":2}]]}`))
	f.Add([]byte(`{"lines":[{"price":1}],"card":{"No":"x"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		err := wire.Decode(body, &paymentRequestProbe{})
		if err == nil {
			return
		}
		if code := paygate.ErrorCode(err); code != paygate.EInvalidJSON && code != paygate.EInvalidParameter {
			t.Fatalf("got %v, want invalid_json or invalid_parameter", err)
		}
		if _, err := decodeBatch(body); err != nil {
			if code := paygate.ErrorCode(err); code != paygate.EInvalidJSON && code != paygate.EInvalidParameter {
				t.Fatalf("batch: got %v, want invalid_json or invalid_parameter", err)
			}
		}
	})
}
