package paygate

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestPaymentClientIP(t *testing.T) {
	for _, tc := range []struct {
		name, device, want string
	}{
		{"Given", `{"clientIp":"203.0.113.7","language":"fr"}`, "203.0.113.7"},
		{"IPv6", `{"deviceId":"d","clientIp":"2001:db8::1"}`, "2001:db8::1"},
		{"Absent", `{"deviceId":"d"}`, ""},
		{"NoDeviceInfo", ``, ""},
		{"OtherCase", `{"ClientIP":"203.0.113.7"}`, ""}, // matched exactly, as the migrations read it
		{"NotAString", `{"clientIp":7}`, ""},
		{"NotAnObject", `["203.0.113.7"]`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Payment{DeviceInfo: json.RawMessage(tc.device)}
			if tc.device == "" {
				p.DeviceInfo = nil
			}
			if got := p.ClientIP(); got != tc.want {
				t.Errorf("ClientIP: got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPaymentCardFingerprint(t *testing.T) {
	if got := (&Payment{}).CardFingerprint(); got != "" {
		t.Errorf("CardFingerprint without a card: got %q, want \"\"", got)
	}
	if got := (&Payment{Card: &CardDetails{Fingerprint: "fp_1"}}).CardFingerprint(); got != "fp_1" {
		t.Errorf("CardFingerprint: got %q, want fp_1", got)
	}
}

func TestPaymentFilterPage(t *testing.T) {
	for _, tc := range []struct {
		limit, want int
	}{{1, 1}, {20, 20}, {MaxPaymentPage, MaxPaymentPage}, {0, MaxPaymentPage}, {-1, MaxPaymentPage}, {MaxPaymentPage + 1, MaxPaymentPage}} {
		if got := (PaymentFilter{Limit: tc.limit}).PageSize(); got != tc.want {
			t.Errorf("PageSize of Limit %d: got %d, want %d", tc.limit, got, tc.want)
		}
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ps := []*Payment{{TradeNo: "T3", CreatedAt: at.Add(2 * time.Second)}, {TradeNo: "T2", CreatedAt: at.Add(time.Second)}, {TradeNo: "T1", CreatedAt: at}}
	f := PaymentFilter{Limit: 2}
	page, next := f.Page(ps)
	if want := (PaymentCursor{CreatedAt: at.Add(time.Second), TradeNo: "T2"}); !reflect.DeepEqual(page, ps[:2]) || next != want {
		t.Errorf("Page of 3 by 2: got %d payments and %+v, want 2 and %+v", len(page), next, want)
	}
	if page, next := f.Page(ps[:2]); len(page) != 2 || !next.IsZero() {
		t.Errorf("Page of 2 by 2: got %d payments and %+v, want 2 and the zero cursor", len(page), next)
	}
	if !(PaymentCursor{}).IsZero() || (PaymentCursor{TradeNo: "T1"}).IsZero() {
		t.Error("IsZero: wrong for the zero cursor or one with a tradeNo")
	}
}
