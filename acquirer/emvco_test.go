package acquirer

import (
	"context"
	"strings"
	"testing"
	"time"

	"paygate"
)

func TestCRC16CCITTFalse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint16
	}{
		{"123456789", 0x29B1}, // the catalogue check value of CRC-16/CCITT-FALSE
		{"", 0xFFFF},
		// The merchant-presented example of EMV QRCPS-MPM 1.1, section 4.
		{"00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304", 0xA13A},
	} {
		if got := CRC16CCITTFalse([]byte(c.in)); got != c.want {
			t.Errorf("CRC16CCITTFalse(%.20q...): got %04X, want %04X", c.in, got, c.want)
		}
	}
}

func TestEMVPayloads(t *testing.T) {
	for _, c := range []struct{ method, currency, account, guid string }{
		{paygate.MethodPayNow, "SGD", "26", "SG.PAYNOW"},
		{paygate.MethodUPay, "HKD", "15", ""},
		{paygate.MethodGrabPay, "MYR", "27", "com.grab"},
		{paygate.MethodShopeePay, "IDR", "28", "com.shopeepay"},
	} {
		t.Run(c.method, func(t *testing.T) {
			o, err := Sandbox{}.OpenOrder(context.Background(), OrderRequest{Method: c.method, ProductType: paygate.ProductQRCode,
				Reference: "T2026112512000012345678", Amount: paygate.Money{Minor: 123456, Currency: c.currency},
				MerchantName: "Café Ünïcode and a very long merchant name", StoreID: "P000001", ExpiresAt: time.Date(2026, 11, 25, 12, 30, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			f, err := ParseEMV(o.QRCode)
			if err != nil {
				t.Fatalf("ParseEMV(%q): %v", o.QRCode, err)
			}
			if f["53"] != numericCurrency[c.currency] || f["54"] != "1234.56" || len(f["59"]) > 25 || f["59"] == "" {
				t.Errorf("got fields %v", f)
			}
			if c.guid != "" {
				acct, _ := SplitEMV(f[c.account])
				if acct["00"] != c.guid {
					t.Errorf("merchant account %s: got %v, want GUID %s", c.account, acct, c.guid)
				}
			} else if f[c.account] == "" {
				t.Errorf("merchant account %s: got none", c.account)
			}
			add, _ := SplitEMV(f["62"])
			if add["01"] != "T2026112512000012345678" || add["07"] != "P000001" {
				t.Errorf("additional data: got %v", add)
			}
			bad := o.QRCode[:len(o.QRCode)-1] + string("0123456789ABCDEF"[(strings.IndexByte("0123456789ABCDEF", o.QRCode[len(o.QRCode)-1])+1)%16])
			if _, err := ParseEMV(bad); err == nil {
				t.Errorf("ParseEMV accepted a wrong CRC")
			}
		})
	}
}

func TestSandboxPayCode(t *testing.T) {
	s := Sandbox{}
	ctx := context.Background()
	for _, c := range []struct{ code, limit, state, funding, failure string }{
		{"134567890123451234", "", WalletPaid, SandboxBalance, ""},
		{"134567890123450000", "", WalletDeclined, "", "wallet_declined"},
		{"134567890123451111", "", WalletPaying, "", ""},
		{"134567890123452222", "", WalletPaid, SandboxCredit, ""},
		{"134567890123452222", "no_credit", WalletDeclined, "", "credit_not_allowed"},
	} {
		r, err := s.PayCode(ctx, PayRequest{Method: paygate.MethodWeChat, Reference: "T1", AuthCode: c.code, LimitPayMethod: c.limit})
		if err != nil || r.State != c.state || r.Funding != c.funding || r.Code != c.failure {
			t.Errorf("PayCode(%s, %q): got %+v %v, want %s %s %s", c.code, c.limit, r, err, c.state, c.funding, c.failure)
		}
		if r.State == WalletPaying {
			q, _ := s.QueryOrder(ctx, QueryRequest{Method: paygate.MethodWeChat, Reference: "T1", WalletRef: r.WalletRef})
			if q.State != WalletPaid {
				t.Errorf("QueryOrder after user paying: got %+v, want paid", q)
			}
		}
	}
	if q, _ := s.QueryOrder(ctx, QueryRequest{Method: paygate.MethodWeChat, Reference: "T2", WalletRef: "x"}); q.State != WalletOpen {
		t.Errorf("QueryOrder of an unpaid order: got %+v, want open", q)
	}
}

func TestSandboxOpenToken(t *testing.T) {
	s := Sandbox{}
	d, err := s.OpenToken(context.Background(), paygate.MethodApplePay, "tok_applepay_mastercard")
	if err != nil || d.Card.Brand != "mastercard" || d.ECI != "02" || d.Cryptogram == "" {
		t.Errorf("got %+v %v", d, err)
	}
	for _, c := range []struct{ method, token string }{
		{paygate.MethodApplePay, "tok_googlepay_visa"}, {paygate.MethodGooglePay, "tok_googlepay_"}, {paygate.MethodWeChat, "tok_applepay_visa"},
	} {
		if _, err := s.OpenToken(context.Background(), c.method, c.token); err != ErrBadToken {
			t.Errorf("OpenToken(%s, %s): got %v, want ErrBadToken", c.method, c.token, err)
		}
	}
}
