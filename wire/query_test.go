package wire

import (
	"errors"
	"testing"

	"paygate"
)

// TestQuery: a list's query string decodes as url.ParseQuery would, but a
// pair it would drop, or a parameter given twice, is refused naming it.
func TestQuery(t *testing.T) {
	v, err := Query("status=FAILED&orderNo=a%2Bb&createdFrom=2026-01-01T00%3A00%3A00%2B08%3A00&&limit=&utm.source=x")
	if err != nil || v.Get("status") != "FAILED" || v.Get("orderNo") != "a+b" ||
		v.Get("createdFrom") != "2026-01-01T00:00:00+08:00" || !v.Has("limit") {
		t.Fatalf("got %v, %v", v, err)
	}
	for _, tc := range []struct{ raw, param string }{
		{"status=FAILED;", "status"},
		{"status=FAILED%zz", "status"},
		{"limit=1&limit=2", "limit"},
		{"status=A;limit=1", "status"},
		{"st%zzatus=FAILED", "query"},
		{"a;b=1", "query"},
		{"%3Cscript%3E=1%zz", "query"},
		{"utm.source=a&utm.source=b", "query"},
	} {
		_, err := Query(tc.raw)
		var e *paygate.Error
		if !errors.As(err, &e) || e.Code != paygate.EInvalidParameter || e.Param != tc.param {
			t.Errorf("%q: got %v, want invalid_parameter naming %s", tc.raw, err, tc.param)
		}
	}
}
