package acquirer

import (
	"context"
	"testing"

	"paygate"
)

// FuzzParseEMV: an EMVCo payload from outside (a scanned code) never panics
// the parser, and what it accepts keeps a valid CRC.
func FuzzParseEMV(f *testing.F) {
	f.Add("00020101021226370009SG.PAYNOW010120213202611250000152040000530370254041.005802SG5913Sandbox Store6009Singapore6304")
	f.Add("")
	f.Add("6304ABCD")
	f.Add("0002")
	f.Fuzz(func(t *testing.T, payload string) {
		fields, err := ParseEMV(payload)
		if err != nil {
			return
		}
		if _, ok := fields["63"]; !ok {
			t.Fatalf("accepted %q without a CRC field", payload)
		}
	})
}

// FuzzOpenToken: any wallet token string is answered, never a panic.
func FuzzOpenToken(f *testing.F) {
	for _, s := range []string{"tok_applepay_visa", "tok_googlepay_declined", "", "tok_applepay_", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		for _, m := range []string{paygate.MethodApplePay, paygate.MethodGooglePay, "card"} {
			if d, err := (Sandbox{}).OpenToken(context.Background(), m, token); err == nil && d.Card.Number == "" {
				t.Fatalf("accepted %q without a card", token)
			}
		}
	})
}
