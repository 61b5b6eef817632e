package geoip_test

import (
	"path/filepath"
	"testing"

	"paygate/geoip"
	"paygate/geoip/geoiptest"
)

func TestCountry(t *testing.T) {
	path := geoiptest.WriteDB(t, map[string]string{"203.0.113.0/24": "GB", "198.51.100.0/24": "us", "2001:db8::/32": "DE"})
	db, err := geoip.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for ip, want := range map[string]string{
		"203.0.113.9": "GB", "198.51.100.1": "US", "::ffff:203.0.113.9": "GB", "2001:db8::1": "DE",
		"192.0.2.1": "", "not an address": "", "": "",
	} {
		if got := db.Country(ip); got != want {
			t.Errorf("Country(%q) = %q, want %q", ip, got, want)
		}
	}
	if _, err := geoip.Open(filepath.Join(t.TempDir(), "none.mmdb")); err == nil {
		t.Error("a missing file opened")
	}
}
