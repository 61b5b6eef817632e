package checkout

import (
	"net/http/httptest"
	"testing"
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
