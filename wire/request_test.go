package wire_test

import (
	"encoding/json"
	"errors"
	"maps"
	"testing"

	"paygate/wire"
)

// TestMetadataRefusesNull: a null metadata value is a type error naming
// its key, wherever metadata is taken; everything else reads as a map of
// strings does.
func TestMetadataRefusesNull(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		v          any
		field      string
	}{
		{"payment", `{"metadata":{"a":"x","k":null}}`, new(wire.CreatePaymentRequest), "metadata.k"},
		{"payment alias", `{"matedata":{"k":null}}`, new(wire.CreatePaymentRequest), "matedata.k"},
		{"paypal", `{"paypal":{"metadata":{"k":null}}}`, new(wire.CreatePaymentRequest), "paypal.metadata.k"},
		{"token payment", `{"metadata":{"k":null}}`, new(wire.TokenPaymentRequest), "metadata.k"},
		{"session", `{"matedata":{"k":null}}`, new(wire.SessionRequest), "matedata.k"},
		{"tracker", `{"metadata":{"k":null}}`, new(wire.TrackerRequest), "metadata.k"},
		{"tracker update", `{"matedata":{"k":null}}`, new(wire.TrackerUpdateRequest), "matedata.k"},
		{"the first key by name", `{"metadata":{"b":null,"a":null}}`, new(wire.TrackerRequest), "metadata.a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := json.Unmarshal([]byte(tc.body), tc.v)
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) || te.Field != tc.field || te.Value != "null" || te.Type.String() != "string" {
				t.Errorf("got %#v, want a type error for null at %s", err, tc.field)
			}
		})
	}

	// As for a map[string]string: null is nil, an object adds to the map.
	for body, want := range map[string]wire.Metadata{
		`null`:                   nil,
		`{}`:                     {"old": "x"},
		`{"k":"","l":"v\u00e9"}`: {"old": "x", "k": "", "l": "vé"},
	} {
		m := wire.Metadata{"old": "x"}
		if err := json.Unmarshal([]byte(body), &m); err != nil || !maps.Equal(m, want) || (want == nil) != (m == nil) {
			t.Errorf("%s: got %v, %v, want %v, nil", body, m, err, want)
		}
	}
	var m wire.Metadata
	if err := json.Unmarshal([]byte(`{"k":5}`), &m); err == nil {
		t.Errorf(`{"k":5}: got %v, want a type error`, m)
	}
}
