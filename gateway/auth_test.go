package gateway_test

import (
	"context"
	"testing"

	"paygate"
	"paygate/acquirer"
	"paygate/wire"
)

const base64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// spellings returns tok with its character at i replaced by each character
// of the base64 URL alphabet, and with a newline or carriage return put
// before and after it; one of them is tok itself.
func spellings(tok string, i int) []string {
	var out []string
	for _, c := range base64URL {
		out = append(out, tok[:i]+string(c)+tok[i+1:])
	}
	for _, nl := range []string{"\n", "\r", "\r\n"} {
		out = append(out, tok[:i]+nl+tok[i:], tok[:i+1]+nl+tok[i+1:])
	}
	return out
}

// checkOneSpelling checks that, of every one-character change to tok at the
// last character of each dot-separated part, only tok itself is accepted:
// base64 with non-zero trailing bits or with line breaks in it decodes to
// the same bytes, and must be refused all the same.
func checkOneSpelling(t *testing.T, tok string, accepted func(string) bool) {
	t.Helper()
	if !accepted(tok) {
		t.Fatalf("the original %q: refused, want accepted", tok)
	}
	var ends []int
	for i := range len(tok) {
		if i == len(tok)-1 || tok[i+1] == '.' {
			ends = append(ends, i)
		}
	}
	for _, i := range ends {
		for _, s := range spellings(tok, i) {
			if s != tok && accepted(s) {
				t.Errorf("%q (changed at %d): accepted, want refused", s, i)
			}
		}
	}
	// A line break anywhere.
	for i := range len(tok) + 1 {
		if s := tok[:i] + "\n" + tok[i:]; accepted(s) {
			t.Errorf("%q: accepted, want refused", s)
		}
	}
}

// TestTokensHaveOneSpelling: access tokens and page links are accepted only
// as issued, so a token has one spelling (nothing downstream can tell two
// spellings of one token apart, or be made to by a stray byte).
func TestTokensHaveOneSpelling(t *testing.T) {
	gw, _, ctx, _ := newTestGateway(t, acquirer.Sandbox{}, acquirer.Sandbox{})

	t.Run("AccessToken", func(t *testing.T) {
		nm, err := gw.Merchants.CreateMerchant(ctx, "spelling")
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := gw.Merchants.IssueToken(ctx, nm.Merchant.AppID, nm.Secret, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		checkOneSpelling(t, tok, func(s string) bool {
			id, err := gw.Merchants.Authenticate(ctx, s)
			if err != nil && paygate.ErrorCode(err) != paygate.EUnauthorized {
				t.Errorf("Authenticate(%q): got %v, want nil or unauthorized", s, err)
			}
			return err == nil && id == nm.Merchant.ID
		})
	})

	t.Run("ChallengeLink", func(t *testing.T) {
		_, tok := challenged(t, gw, ctx, "order-spelling-3ds", false)
		checkOneSpelling(t, tok, func(s string) bool {
			_, err := gw.Checkout.ChallengePage(context.Background(), s)
			if err != nil && paygate.ErrorCode(err) != paygate.ENotFound {
				t.Errorf("ChallengePage(%q): got %v, want nil or not_found", s, err)
			}
			return err == nil
		})
	})

	t.Run("WalletLink", func(t *testing.T) {
		p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "CNY", OrderNo: "order-spelling-w",
			PaymentMethodType: "wechat", DeviceInfo: &wire.DeviceInfo{}, Wechat: &wire.WechatInput{ProductType: "qr-code"}})
		if err != nil || p.NextAction == nil {
			t.Fatalf("create: got %v %v", p, err)
		}
		tok := simulateToken(p.NextAction.SimulateURL)
		checkOneSpelling(t, tok, func(s string) bool {
			_, err := gw.Wallets.WalletPage(context.Background(), s)
			if err != nil && paygate.ErrorCode(err) != paygate.ENotFound {
				t.Errorf("WalletPage(%q): got %v, want nil or not_found", s, err)
			}
			return err == nil
		})
	})
}
