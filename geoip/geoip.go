// Package geoip reads an IP database in MaxMind DB format (GeoLite2 or
// GeoIP2 Country or City, or one of the operator's own) for the risk
// engine's geography signal: the country of a client address. It wraps
// github.com/oschwald/maxminddb-golang.
package geoip

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
)

// DB is an open IP database.
type DB struct{ r *maxminddb.Reader }

// Open opens the database file at path (memory-mapped; read-only).
func Open(path string) (*DB, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ip database %s: %w", path, err)
	}
	return &DB{r: r}, nil
}

// Country returns the ISO 3166 alpha-2 country of the address ip, "" when
// the database does not know it (or ip is not an address).
func (d *DB) Country(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	var rec struct {
		Country struct {
			ISOCode string `maxminddb:"iso_code"`
		} `maxminddb:"country"`
	}
	if err := d.r.Lookup(a.Unmap()).Decode(&rec); err != nil {
		return ""
	}
	return strings.ToUpper(rec.Country.ISOCode)
}

// Close releases the database.
func (d *DB) Close() error { return d.r.Close() }
