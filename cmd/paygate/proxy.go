package main

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// trustedProxies are the load balancers whose X-Forwarded-For says who the
// client is (--trusted-proxies).
type trustedProxies []netip.Prefix

// parseTrustedProxies reads a comma-separated list of addresses and CIDR
// blocks.
func parseTrustedProxies(v string) (trustedProxies, error) {
	var out trustedProxies
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("--trusted-proxies: %q is not an address or a CIDR block", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (t trustedProxies) has(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddress is the address a request came from: the connection's,
// unless the connection is from a trusted proxy; then the nearest address
// in X-Forwarded-For that is not one (a client cannot write past the
// proxies it went through: they append).
func (t trustedProxies) clientAddress(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !t.has(peer) {
		return netip.Addr{}, false
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}, false // a hop that does not read: keep the proxy's own
		}
		if !t.has(a) {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// behindProxies gives every handler the client's address as the request's
// RemoteAddr, for the token call's limits, the dashboard's audit and
// sign-in, and the risk engine's cashier-page address.
func (t trustedProxies) behindProxies(next http.Handler) http.Handler {
	if len(t) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, ok := t.clientAddress(r); ok {
			r2 := r.Clone(r.Context())
			r2.RemoteAddr = netip.AddrPortFrom(a, 0).String()
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}
