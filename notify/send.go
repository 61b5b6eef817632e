package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrTarget matches (errors.Is) every refusal of a notification URL, by
// CheckTarget when the URL is registered and by Client.Send when it dials.
// The refusal's own message is safe to show the merchant.
var ErrTarget = errors.New("notify: notification URL refused")

// targetError is a refusal whose text is written for the merchant.
type targetError string

func (e targetError) Error() string        { return string(e) }
func (e targetError) Is(target error) bool { return target == ErrTarget }

// Refusals. They never echo the URL or what it resolved to: the host's
// addresses are the operator's business, not something to confirm to a
// prober.
const (
	errInvalidURL  targetError = "notification URL is not a valid URL"
	errScheme      targetError = "notification URL must use http or https"
	errNoHost      targetError = "notification URL must have a host"
	errUserinfo    targetError = "notification URL must not contain a user name or password"
	errPort        targetError = "notification URL has an invalid port"
	errNumericHost targetError = "notification URL host is neither a domain name nor an IP address"
	errUnresolved  targetError = "notification URL host could not be resolved"
	errNotPublic   targetError = "notification URL must resolve to a public address (the server allows private ones only with --allow-private-notify-targets)"
)

// CheckTarget checks a notification URL before it is accepted: the scheme
// is http or https, a host is present and there is no userinfo (which
// would be sent to the merchant's server in the clear and logged). Limiting
// the URL's length is the caller's job.
//
// Unless allowPrivate, the host must also be public (see IsPublic): a
// literal IP directly, a name by every address resolver (net.DefaultResolver
// when nil) returns for it, so that a merchant cannot point notifications
// at the gateway's own network. "localhost" and its subdomains are refused
// without a lookup. A name can be re-pointed later (DNS rebinding), which
// is why Client also checks the address it actually dials.
//
// The error's message is safe to show the merchant; it matches ErrTarget,
// except that a done ctx returns ctx.Err().
func CheckTarget(ctx context.Context, rawURL string, allowPrivate bool, resolver *net.Resolver) error {
	host, err := checkOffline(rawURL, allowPrivate)
	if err != nil || host == "" {
		return err
	}
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	addrs, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errUnresolved
	}
	if len(addrs) == 0 {
		return errUnresolved
	}
	for _, a := range addrs {
		if !IsPublic(a) {
			return errNotPublic
		}
	}
	return nil
}

// CheckTargetOffline is CheckTarget without the name lookup: everything that
// can be told from the URL itself. Orders' notificationUrl is checked this
// way when a payment is created (a lookup there would slow every payment);
// Client checks the address when it dials.
func CheckTargetOffline(rawURL string, allowPrivate bool) error {
	_, err := checkOffline(rawURL, allowPrivate)
	return err
}

// checkOffline checks what can be told without a lookup and returns the host
// name still to resolve, or "" when there is none to check (a literal
// address, or allowPrivate).
func checkOffline(rawURL string, allowPrivate bool) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", errInvalidURL
	}
	if u.Scheme != "http" && u.Scheme != "https" { // url.Parse lowercases it
		return "", errScheme
	}
	if u.User != nil {
		return "", errUserinfo
	}
	host := u.Hostname()
	if host == "" {
		return "", errNoHost
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", errPort
		}
	}
	if allowPrivate {
		return "", nil
	}

	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if addr, err := netip.ParseAddr(name); err == nil {
		if !IsPublic(addr) {
			return "", errNotPublic
		}
		return "", nil
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return "", errNotPublic
	}
	if endsInNumber(name) {
		// "2130706433", "0x7f.1", "127.1": browsers and some resolvers
		// (getaddrinfo) read these as IPv4 addresses; no real domain name
		// ends in a number, so refuse rather than guess what it means.
		return "", errNumericHost
	}
	return host, nil
}

// endsInNumber reports whether a host name's last label is a number
// (decimal, or 0x hex), the WHATWG URL rule for "this is an IPv4 address".
func endsInNumber(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	if last == "" {
		return false
	}
	digits := "0123456789"
	if rest, ok := strings.CutPrefix(last, "0x"); ok {
		last, digits = rest, "0123456789abcdef"
	}
	for _, c := range last {
		if !strings.ContainsRune(digits, c) {
			return false
		}
	}
	return true
}

// Ranges refused beyond those netip classifies (loopback, private,
// link-local, multicast, unspecified).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"; 0.0.0.0 reaches the local host
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT; also Alibaba's metadata 100.100.100.200
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking, used inside networks
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, and broadcast 255.255.255.255
	netip.MustParsePrefix("::/96"),         // IPv4-compatible (deprecated) forms
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),         // discard-only
	netip.MustParsePrefix("fec0::/10"),        // site-local (deprecated)
	netip.MustParsePrefix("2002::/16"),        // 6to4: tunnels to the IPv4 address inside
	netip.MustParsePrefix("2001::/32"),        // Teredo: likewise
	netip.MustParsePrefix("168.63.129.16/32"), // Azure's host endpoint (DNS, metadata)
}

// nat64 is the well-known NAT64 prefix: its addresses reach the IPv4
// address in their last four bytes, which must be public in turn.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// IsPublic reports whether addr may receive notifications when private
// targets are not allowed. Refused: loopback, private (RFC 1918,
// fc00::/7), link-local (169.254.0.0/16, holding the cloud metadata
// address 169.254.169.254, and fe80::/10), unspecified, multicast,
// carrier-grade NAT 100.64.0.0/10, 0.0.0.0/8, reserved 240.0.0.0/4 and a
// few other special ranges, and the IPv4-mapped and NAT64 IPv6 forms of
// any of these. An invalid Addr is not public.
func IsPublic(addr netip.Addr) bool {
	addr = addr.WithZone("").Unmap()
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() ||
		addr.IsLinkLocalUnicast() || addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}
	if nat64.Contains(addr) {
		b := addr.As16()
		return IsPublic(netip.AddrFrom4([4]byte(b[12:])))
	}
	return true
}

// Delivery limits.
const (
	// DefaultTimeout bounds one delivery, from dialing to the last byte
	// read (the API promises a 10 s timeout per attempt).
	DefaultTimeout = 10 * time.Second

	// maxAnswer is how much of an answer's body is read: enough to reuse
	// the connection after a typical reply, and no more, since only the
	// status counts.
	maxAnswer = 64 << 10

	// drainTimeout bounds reading the answer's body once the status is
	// known, so a receiver that dribbles bytes cannot hold a worker.
	drainTimeout = time.Second
)

// Client delivers notifications. It is safe for concurrent use; make one
// with NewClient and share it, so connections are reused.
type Client struct {
	hc      *http.Client
	timeout time.Duration
}

// NewClient returns a Client whose deliveries each take at most timeout
// (DefaultTimeout when <= 0), in total. It never follows a redirect (a 3xx
// is an answer like any other non-2xx, and following one would let a
// merchant bounce us to an address CheckTarget refused), reads at most
// 64 KiB of an answer and then closes the connection, and ignores proxy
// settings in the environment (through a proxy the guard below would check
// the proxy's address, not the target's).
//
// Unless allowPrivate, it refuses to connect to any address that is not
// IsPublic. The check runs on the IP actually dialed, after resolution, so
// a name that was public when registered and now resolves inside the
// network (DNS rebinding) is still refused.
func NewClient(allowPrivate bool, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = dialGuard
	}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    timeout,
		MaxResponseHeaderBytes: maxAnswer,
		DisableCompression:     true, // the body is discarded; never inflate it
	}
	return &Client{
		hc: &http.Client{
			Transport: tr,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		timeout: timeout,
	}
}

// dialGuard is the net.Dialer Control function that refuses non-public
// addresses; address is the resolved "ip:port" about to be connected.
func dialGuard(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !IsPublic(ap.Addr()) {
		return errNotPublic
	}
	return nil
}

// Failure is why a delivery failed, as the delivery log shows it: one of a
// few fixed texts (docs/notifications.md). None repeats what the receiver
// sent (a banner, a status line, a header, a certificate's names) or what our
// resolver or dialer said, so a notification URL cannot be used to read back
// what answers at an address or how our network is laid out.
type Failure string

// Error returns the text.
func (f Failure) Error() string { return string(f) }

// The failures besides "HTTP N", "HTTP N (redirects are not followed)" and
// "no answer within 10s" (Client.Send), and the refusals above.
const (
	failDNS       Failure = "the host name could not be resolved"
	failRefused   Failure = "could not connect to the receiver: connection refused"
	failConnect   Failure = "could not connect to the receiver"
	failReset     Failure = "the receiver reset the connection"
	failTLS       Failure = "the TLS handshake with the receiver failed"
	failClosed    Failure = "the receiver closed the connection without answering"
	failBadAnswer Failure = "the receiver's answer was not valid HTTP"
	failOther     Failure = "the delivery failed"
)

// FailureText is err, an error from Client.Send, as the delivery log shows
// it: the Failure or the refusal of the URL it is, else "the delivery
// failed" (the caller giving up, or an error of another Sender), never
// another error's own message.
func FailureText(err error) string {
	if f, ok := errors.AsType[Failure](err); ok {
		return string(f)
	}
	if te, ok := errors.AsType[targetError](err); ok {
		return string(te)
	}
	return string(failOther)
}

// Send POSTs body with header to rawURL and reports the answer's status
// (0 when there was none), the wall time taken, and an error unless the
// status is 2xx, the acknowledgement. The error is a Failure ("HTTP 500",
// "no answer within 10s", "the receiver reset the connection", ...), a
// refusal of the URL (matching ErrTarget: not http or https, or a
// non-public address when dialing), or ctx.Err() when ctx ends first. Each
// has a fixed text, which never repeats the URL (the caller knows it) or
// anything the receiver sent.
//
// header is not modified; a missing User-Agent is set to UserAgent.
func (c *Client) Send(ctx context.Context, rawURL string, header http.Header, body []byte) (status int, latency time.Duration, err error) {
	start := time.Now()
	if _, err := checkOffline(rawURL, true); err != nil {
		return 0, time.Since(start), err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// Which step failed tells the failures apart without reading their
	// messages: a TLS error has no one type, and after the connection is
	// made anything but a reset or an end is a bad answer.
	var connected, tlsFailed atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err != nil {
				tlsFailed.Store(true)
			}
		},
	})

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return 0, time.Since(start), errInvalidURL
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", UserAgent)
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, time.Since(start), c.sendError(parent, ctx, err, connected.Load(), tlsFailed.Load())
	}
	// The status is the answer; the body is read only so that a short one
	// leaves the connection reusable. Closing before its end drops the
	// connection instead of reading on. Read errors do not matter.
	stop := time.AfterFunc(drainTimeout, cancel)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	stop.Stop()
	resp.Body.Close()

	status = resp.StatusCode
	switch {
	case status >= 200 && status < 300:
		err = nil
	case status >= 300 && status < 400:
		err = Failure(fmt.Sprintf("HTTP %d (redirects are not followed)", status))
	default:
		err = Failure(fmt.Sprintf("HTTP %d", status))
	}
	return status, time.Since(start), err
}

// sendError turns a failed request into a Failure, by the step that failed
// (connected: a connection was made; tlsFailed: its TLS handshake failed)
// and the kind of error, never by its message.
func (c *Client) sendError(parent, ctx context.Context, err error, connected, tlsFailed bool) error {
	if te, ok := errors.AsType[targetError](err); ok {
		return te // not "dial tcp 10.0.0.1:80: ...": do not reveal the address
	}
	if perr := parent.Err(); perr != nil {
		return perr // the caller gave up (shutdown), not the receiver
	}
	if ne, ok := errors.AsType[net.Error](err); errors.Is(ctx.Err(), context.DeadlineExceeded) || ok && ne.Timeout() {
		return Failure("no answer within " + c.timeout.String())
	}
	switch {
	case isType[*net.DNSError](err):
		return failDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return failRefused
	case tlsFailed:
		return failTLS
	case errors.Is(err, syscall.ECONNRESET):
		return failReset
	case !connected:
		return failConnect
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.EPIPE):
		return failClosed
	}
	// A malformed status line or header, an HTTP/2 protocol error (whose
	// GOAWAY can carry the receiver's own text), ...
	return failBadAnswer
}

func isType[E error](err error) bool {
	_, ok := errors.AsType[E](err)
	return ok
}

// CloseIdleConnections closes connections kept for reuse, for shutdown.
func (c *Client) CloseIdleConnections() {
	c.hc.CloseIdleConnections()
}
