package notify_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"paygate/notify"
)

// FuzzVerify feeds arbitrary secrets, headers and bodies to VerifyAt: it
// must never panic, must fail only with its documented errors, and must
// accept what Headers signed with the same secret.
func FuzzVerify(f *testing.F) {
	f.Add(specSecret, specID, "1614265330", specSignature, []byte(specBody))
	f.Add(specSecret, specID, "1614265330", "v1a,abc v1,"+strings.Repeat("A", 44), []byte(specBody))
	f.Add("whsec_", "", "", "", []byte(nil))
	f.Add("whsec_AQID", "id", "-9223372036854775808", "v1, v1,, ,,,", []byte("{}"))
	f.Add("whsec_AQID", "id.with.dots", "+1614265330", "v1,===", []byte("\x00\xff"))
	now := time.Unix(1614265330, 0)
	f.Fuzz(func(t *testing.T, secret, id, ts, sigs string, body []byte) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sigs)
		err := notify.VerifyAt(secret, h, body, time.Minute, now)
		if err != nil && !isVerifyError(err) {
			t.Fatalf("got %v, want one of the documented errors", err)
		}

		key, perr := notify.ParseSecret(secret)
		if perr != nil {
			if !errors.Is(err, notify.ErrSecret) {
				t.Fatalf("got %v, want ErrSecret as ParseSecret failed", err)
			}
			return
		}
		if id == "" {
			return
		}
		signed := notify.Headers(key, id, now, body)
		if err := notify.VerifyAt(secret, signed, body, time.Minute, now); err != nil {
			t.Fatalf("own signature: got %v, want nil", err)
		}
	})
}

func isVerifyError(err error) bool {
	for _, want := range []error{notify.ErrSecret, notify.ErrMissingHeaders, notify.ErrTimestamp, notify.ErrSignature} {
		if errors.Is(err, want) {
			return true
		}
	}
	return false
}

// FuzzCheckTarget checks that no URL passes the guard with a bad scheme,
// credentials, or a literal address that is not public. Names cannot
// resolve here (the resolver fails), so accepted hosts are literal IPs or
// names from /etc/hosts.
func FuzzCheckTarget(f *testing.F) {
	for _, s := range []string{
		"http://93.184.216.34/", "https://[2606:4700:4700::1111]:443/x", "http://127.0.0.1/",
		"http://[::ffff:127.0.0.1]/", "http://[fe80::1%25eth0]/", "http://2130706433/",
		"http://0x7f.1/", "http://localhost./", "http://u:p@93.184.216.34/", "ftp://x/",
		"http://93.184.216.34:0/", "HTTP://93.184.216.34./", "http://[64:ff9b::7f00:1]/",
	} {
		f.Add(s)
	}
	r := failingResolver()
	f.Fuzz(func(t *testing.T, raw string) {
		err := notify.CheckTarget(context.Background(), raw, false, r)
		errPrivate := notify.CheckTarget(context.Background(), raw, true, r)
		if err != nil && !errors.Is(err, notify.ErrTarget) {
			t.Fatalf("got %v, want an error matching ErrTarget", err)
		}
		if err == nil && errPrivate != nil {
			t.Fatalf("allowPrivate refused what the guard accepted: %v", errPrivate)
		}
		if err != nil {
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Hostname() == "" {
			t.Fatalf("accepted %q", raw)
		}
		host := strings.TrimSuffix(u.Hostname(), ".")
		if a, perr := netip.ParseAddr(host); perr == nil && !notify.IsPublic(a) {
			t.Fatalf("accepted %q, whose address %v is not public", raw, a)
		}
	})
}

// FuzzIsPublic checks that every IPv6 form of an IPv4 address (mapped,
// NAT64) is judged as the address itself.
func FuzzIsPublic(f *testing.F) {
	f.Add([]byte{127, 0, 0, 1})
	f.Add([]byte{93, 184, 216, 34})
	f.Add([]byte{169, 254, 169, 254})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) != 4 {
			return
		}
		v4 := netip.AddrFrom4([4]byte(b))
		want := notify.IsPublic(v4)
		mapped := netip.AddrFrom16(v4.As16())
		var n [16]byte
		copy(n[:], []byte{0, 0x64, 0xff, 0x9b})
		copy(n[12:], b)
		for _, a := range []netip.Addr{mapped, netip.AddrFrom16(n)} {
			if got := notify.IsPublic(a); got != want {
				t.Fatalf("IsPublic(%v): got %v, want %v as for %v", a, got, want, v4)
			}
		}
	})
}
