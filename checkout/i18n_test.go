package checkout

import (
	"net/http/httptest"
	"testing"

	"paygate"
)

func TestLanguage(t *testing.T) {
	cases := []struct{ query, accept, want string }{
		{"", "", "en"},
		{"", "zh-CN,zh;q=0.9,en;q=0.8", "zh"},
		{"", "zh;q=0, en;q=1", "en"},
		{"", "fr-CH, zh;q=0.1, en;q=0.9", "en"},
		{"", "fr, de", "en"},
		{"", "ZH-TW", "zh"},
		{"", "zhx, en;q=0.5", "en"},
		{"", "en;q=abc, zh;q=0.2", "zh"},
		{"lang=ZH", "en", "zh"},
		{"lang=en", "zh", "en"},
		{"lang=fr", "zh", "zh"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/checkout/x?"+c.query, nil)
		r.Header.Set("Accept-Language", c.accept)
		if got := language(r); got != c.want {
			t.Errorf("lang=%q Accept-Language %q: got %s, want %s", c.query, c.accept, got, c.want)
		}
	}
}

// TestLanguageFor: a payment's page speaks ?lang= first, then the
// language of the payment's deviceInfo, then the browser's.
func TestLanguageFor(t *testing.T) {
	cases := []struct{ query, accept, device, want string }{
		{"", "en", "zh-CN", "zh"},
		{"", "zh", "en-US", "en"},
		{"lang=en", "zh", "zh-CN", "en"},
		{"", "zh", "fr-FR", "zh"},
		{"", "zh", "", "zh"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/3ds/x?"+c.query, nil)
		r.Header.Set("Accept-Language", c.accept)
		p := &paygate.Payment{}
		if c.device != "" {
			p.DeviceInfo = []byte(`{"clientIp":"10.1.1.1","language":"` + c.device + `"}`)
		}
		if got := languageFor(r, p); got != c.want {
			t.Errorf("lang=%q Accept-Language %q deviceInfo.language %q: got %s, want %s", c.query, c.accept, c.device, got, c.want)
		}
	}
}
