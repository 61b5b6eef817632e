package notify_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"paygate/notify"
)

func TestIsPublic(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"93.184.216.34", true},
		{"8.8.8.8", true},
		{"2606:4700:4700::1111", true},
		{"::ffff:93.184.216.34", true},
		{"64:ff9b::5db8:d822", true}, // NAT64 form of 93.184.216.34
		{"100.63.255.255", true},
		{"100.128.0.0", true},
		{"172.32.0.1", true},
		{"1.0.0.0", true},

		{"127.0.0.1", false},
		{"127.255.255.254", false},
		{"2002:7f00:1::1", false}, // 6to4 of 127.0.0.1
		{"2001:0:4136::1", false}, // Teredo
		{"168.63.129.16", false},  // Azure's host endpoint
		{"10.0.0.1", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"169.254.0.1", false},
		{"100.64.0.1", false},
		{"100.100.100.200", false},
		{"100.127.255.255", false},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"255.255.255.255", false},
		{"240.0.0.1", false},
		{"192.0.0.170", false},
		{"198.18.0.1", false},
		{"::", false},
		{"::1", false},
		{"::127.0.0.1", false},
		{"fc00::1", false},
		{"fd00:ec2::254", false},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"fec0::1", false},
		{"ff02::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"::ffff:169.254.169.254", false},
		{"64:ff9b::7f00:1", false},    // NAT64 form of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 form of 169.254.169.254
		{"64:ff9b:1::1", false},
		{"100::1", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := notify.IsPublic(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("zero Addr", func(t *testing.T) {
		if notify.IsPublic(netip.Addr{}) {
			t.Errorf("got true, want false")
		}
	})
}

func TestCheckTarget(t *testing.T) {
	const notPublic = "notification URL must resolve to a public address (the server allows private ones only with --allow-private-notify-targets)"
	tests := []struct {
		name, url   string
		want        string // "" for accepted
		wantPrivate string // with allowPrivate
	}{
		{"public ip", "http://93.184.216.34/", "", ""},
		{"public ip https port path", "https://93.184.216.34:8443/notify?x=1", "", ""},
		{"public ipv6", "https://[2606:4700:4700::1111]/", "", ""},
		{"loopback", "http://127.0.0.1/", notPublic, ""},
		{"loopback with port", "http://127.0.0.1:8080/notify", notPublic, ""},
		{"loopback trailing dot", "http://127.0.0.1./", notPublic, ""},
		{"private 10", "http://10.1.2.3/", notPublic, ""},
		{"private 192.168", "http://192.168.0.10/", notPublic, ""},
		{"private 172.16", "http://172.16.5.4/", notPublic, ""},
		{"metadata", "http://169.254.169.254/latest/meta-data/", notPublic, ""},
		{"ipv6 loopback", "http://[::1]/", notPublic, ""},
		{"ipv6 unique local", "http://[fc00::1]/", notPublic, ""},
		{"ipv6 link-local zone", "http://[fe80::1%25eth0]/", notPublic, ""},
		{"ipv4-mapped loopback", "http://[::ffff:127.0.0.1]/", notPublic, ""},
		{"cgnat", "http://100.64.0.1/", notPublic, ""},
		{"this network", "http://0.0.0.0/", notPublic, ""},
		{"localhost", "http://localhost/", notPublic, ""},
		{"localhost port", "http://localhost:8080/", notPublic, ""},
		{"localhost upper case", "http://LocalHost/", notPublic, ""},
		{"localhost trailing dot", "http://localhost./", notPublic, ""},
		{"localhost subdomain", "http://api.localhost/", notPublic, ""},
		{"decimal ipv4", "http://2130706433/", "notification URL host is neither a domain name nor an IP address", ""},
		{"short ipv4", "http://127.1/", "notification URL host is neither a domain name nor an IP address", ""},
		{"hex ipv4", "http://0x7f.0x0.0x0.0x1/", "notification URL host is neither a domain name nor an IP address", ""},
		{"ftp scheme", "ftp://93.184.216.34/", "notification URL must use http or https", "notification URL must use http or https"},
		{"no scheme", "93.184.216.34/notify", "notification URL must use http or https", "notification URL must use http or https"},
		{"javascript", "javascript:alert(1)", "notification URL must use http or https", "notification URL must use http or https"},
		{"userinfo", "http://user:pass@93.184.216.34/", "notification URL must not contain a user name or password", "notification URL must not contain a user name or password"},
		{"user only", "http://user@93.184.216.34/", "notification URL must not contain a user name or password", "notification URL must not contain a user name or password"},
		{"no host", "http:///notify", "notification URL must have a host", "notification URL must have a host"},
		{"opaque", "http:93.184.216.34", "notification URL must have a host", "notification URL must have a host"},
		{"port zero", "http://93.184.216.34:0/", "notification URL has an invalid port", "notification URL has an invalid port"},
		{"port too big", "http://93.184.216.34:65536/", "notification URL has an invalid port", "notification URL has an invalid port"},
		{"not a url", "http://[::1", "notification URL is not a valid URL", "notification URL is not a valid URL"},
		{"control character", "http://93.184.216.34/\n", "notification URL is not a valid URL", "notification URL is not a valid URL"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		for _, allowPrivate := range []bool{false, true} {
			want := tt.want
			name := tt.name
			if allowPrivate {
				want, name = tt.wantPrivate, name+"/allowPrivate"
			}
			t.Run(name, func(t *testing.T) {
				// A resolver that fails: none of these cases may need DNS.
				err := notify.CheckTarget(ctx, tt.url, allowPrivate, failingResolver())
				checkTargetErr(t, err, want)
			})
		}
	}
}

func checkTargetErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("got %v, want nil", err)
		}
		return
	}
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if !errors.Is(err, notify.ErrTarget) {
		t.Errorf("got %v, want an error matching ErrTarget", err)
	}
}

func TestCheckTargetResolves(t *testing.T) {
	r := fakeResolver(map[string][]string{
		"public.example.":  {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"},
		"rebind.example.":  {"127.0.0.1"},
		"mixed.example.":   {"93.184.216.34", "10.0.0.7"},
		"metadata.example": {"169.254.169.254"},
		"v6only.example.":  {"::1"},
		"mapped.example.":  {"::ffff:192.168.0.1"},
	})
	const notPublic = "notification URL must resolve to a public address (the server allows private ones only with --allow-private-notify-targets)"
	tests := []struct {
		name, url   string
		want        string
		wantPrivate string
	}{
		{"public", "https://public.example/notify", "", ""},
		{"public trailing dot", "https://public.example./notify", "", ""},
		{"resolves to loopback", "http://rebind.example/", notPublic, ""},
		{"one private address", "http://mixed.example/", notPublic, ""},
		{"resolves to metadata", "http://metadata.example/", notPublic, ""},
		{"resolves to ipv6 loopback", "http://v6only.example/", notPublic, ""},
		{"resolves to mapped private", "http://mapped.example/", notPublic, ""},
		{"does not resolve", "http://nxdomain.example/", "notification URL host could not be resolved", ""},
	}
	for _, tt := range tests {
		for _, allowPrivate := range []bool{false, true} {
			want, name := tt.want, tt.name
			if allowPrivate {
				want, name = tt.wantPrivate, name+"/allowPrivate"
			}
			t.Run(name, func(t *testing.T) {
				err := notify.CheckTarget(context.Background(), tt.url, allowPrivate, r)
				checkTargetErr(t, err, want)
			})
		}
	}

	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := notify.CheckTarget(ctx, "http://public.example/", false, r)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	})
}

// failingResolver fails every DNS query without touching the network.
func failingResolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS in this test")
	}}
}

// fakeResolver answers DNS queries from records (name, with or without the
// final dot, to addresses) and NXDOMAIN for any other name.
func fakeResolver(records map[string][]string) *net.Resolver {
	zone := make(map[string][]netip.Addr)
	for name, addrs := range records {
		name = strings.TrimSuffix(name, ".") + "."
		for _, a := range addrs {
			zone[name] = append(zone[name], netip.MustParseAddr(a))
		}
	}
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		client, server := net.Pipe()
		go serveDNS(server, zone)
		return client, nil
	}}
}

// serveDNS answers queries on conn, which the resolver treats as a stream
// (TCP framing: a two-byte length before each message) because it is not
// a net.PacketConn.
func serveDNS(conn net.Conn, zone map[string][]netip.Addr) {
	defer conn.Close()
	for {
		var n uint16
		if err := binary.Read(conn, binary.BigEndian, &n); err != nil {
			return
		}
		q := make([]byte, n)
		if _, err := io.ReadFull(conn, q); err != nil {
			return
		}
		resp := dnsAnswer(q, zone)
		if resp == nil {
			return
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(resp)))
		if _, err := conn.Write(append(out, resp...)); err != nil {
			return
		}
	}
}

// dnsAnswer builds the response to a one-question query, or nil when the
// query cannot be parsed.
func dnsAnswer(q []byte, zone map[string][]netip.Addr) []byte {
	if len(q) < 12 {
		return nil
	}
	var name strings.Builder
	i := 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		name.WriteString(strings.ToLower(string(q[i+1 : i+1+l])))
		name.WriteByte('.')
		i += 1 + l
	}
	end := i + 1 + 4 // the root label, QTYPE, QCLASS
	if end > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i+1:])

	addrs, found := zone[name.String()]
	var answers [][]byte
	for _, a := range addrs {
		switch {
		case qtype == 1 && a.Is4():
			answers = append(answers, a.AsSlice())
		case qtype == 28 && a.Is6():
			answers = append(answers, a.AsSlice())
		}
	}
	flags := uint16(0x8180) // response, recursion desired and available
	if !found {
		flags |= 3 // NXDOMAIN
	}
	r := append([]byte{}, q[:2]...) // ID
	r = binary.BigEndian.AppendUint16(r, flags)
	r = binary.BigEndian.AppendUint16(r, 1)
	r = binary.BigEndian.AppendUint16(r, uint16(len(answers)))
	r = append(r, 0, 0, 0, 0) // no authority, no additional records
	r = append(r, q[12:end]...)
	for _, rdata := range answers {
		r = append(r, 0xC0, 12) // name: pointer to the question's
		r = binary.BigEndian.AppendUint16(r, qtype)
		r = binary.BigEndian.AppendUint16(r, 1) // IN
		r = binary.BigEndian.AppendUint32(r, 60)
		r = binary.BigEndian.AppendUint16(r, uint16(len(rdata)))
		r = append(r, rdata...)
	}
	return r
}

func TestSend(t *testing.T) {
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		timeout    time.Duration
		wantStatus int
		wantErr    string // "" for success
		within     time.Duration
	}{
		{
			name:       "200",
			handler:    func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") },
			wantStatus: 200,
			within:     2 * time.Second,
		},
		{
			name:       "204",
			handler:    func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) },
			wantStatus: 204,
			within:     2 * time.Second,
		},
		{
			name:       "500",
			handler:    func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) },
			wantStatus: 500,
			wantErr:    "HTTP 500",
			within:     2 * time.Second,
		},
		{
			name:       "404",
			handler:    http.NotFound,
			wantStatus: 404,
			wantErr:    "HTTP 404",
			within:     2 * time.Second,
		},
		{
			name: "redirect not followed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/elsewhere", http.StatusFound)
			},
			wantStatus: 302,
			wantErr:    "HTTP 302 (redirects are not followed)",
			within:     2 * time.Second,
		},
		{
			name: "slow server times out",
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body) // so the server notices the client hang up
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			},
			timeout:    200 * time.Millisecond,
			wantStatus: 0,
			wantErr:    "no answer within 200ms",
			within:     2 * time.Second,
		},
		{
			name: "huge answer read capped",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeMany(w, 30<<20)
			},
			wantStatus: 200,
			within:     2 * time.Second,
		},
		{
			name: "dribbling answer cut short",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(202)
				for range 200 {
					if _, err := w.Write([]byte{'.'}); err != nil {
						return
					}
					w.(http.Flusher).Flush()
					select {
					case <-r.Context().Done():
						return
					case <-time.After(50 * time.Millisecond):
					}
				}
			},
			wantStatus: 202,
			within:     3 * time.Second, // 200 × 50 ms would be 10 s
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				tt.handler(w, r)
			}))
			defer srv.Close()

			c := notify.NewClient(true, tt.timeout)
			defer c.CloseIdleConnections()
			status, latency, err := c.Send(context.Background(), srv.URL+"/notify", nil, []byte(`{}`))
			if status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", status, tt.wantStatus)
			}
			if tt.wantErr == "" && err != nil {
				t.Errorf("got %v, want nil", err)
			}
			if tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Errorf("got %v, want %s", err, tt.wantErr)
			}
			if latency <= 0 || latency > tt.within {
				t.Errorf("latency: got %v, want within (0, %v]", latency, tt.within)
			}
			if got := hits.Load(); got != 1 {
				t.Errorf("requests: got %d, want 1", got)
			}
		})
	}
}

// writeMany writes n bytes, stopping at the first write error (the client
// hung up); it returns how many were written.
func writeMany(w io.Writer, n int) int {
	buf := make([]byte, 32<<10)
	written := 0
	for written < n {
		m, err := w.Write(buf)
		written += m
		if err != nil {
			break
		}
	}
	return written
}

func TestSendReadsAtMost64KiB(t *testing.T) {
	const size = 30 << 20
	written := make(chan int, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		written <- writeMany(w, size)
	}))
	defer srv.Close()

	status, _, err := notify.NewClient(true, 0).Send(context.Background(), srv.URL, nil, nil)
	if status != 200 || err != nil {
		t.Fatalf("got %d, %v, want 200, nil", status, err)
	}
	// The client hung up after 64 KiB, so the server could not write it all
	// (what it did write went into socket buffers).
	select {
	case n := <-written:
		if n >= size {
			t.Errorf("server wrote %d bytes, want fewer than %d: the client read the whole answer", n, size)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("server still writing after 5 s, want the connection closed")
	}
}

func TestSendSignedDelivery(t *testing.T) {
	secret, key := notify.NewSecret()
	body := []byte(`{"notifyId":"N1","eventType":"payment.succeeded"}`)
	got := make(chan error, 1)
	var gotUA, gotType, gotMethod string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotType, gotMethod = r.UserAgent(), r.Header.Get("Content-Type"), r.Method
		b, _ := io.ReadAll(r.Body)
		got <- notify.Verify(secret, r.Header, b, time.Minute)
	}))
	defer srv.Close()

	h := notify.Headers(key, "N1", time.Now(), body)
	before := h.Clone()
	status, _, err := notify.NewClient(true, 0).Send(context.Background(), srv.URL, h, body)
	if status != 200 || err != nil {
		t.Fatalf("got %d, %v, want 200, nil", status, err)
	}
	if err := <-got; err != nil {
		t.Errorf("receiver's Verify: got %v, want nil", err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"method", gotMethod, "POST"},
		{"User-Agent", gotUA, "paygate-notify/1"},
		{"Content-Type", gotType, "application/json"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if len(h) != len(before) {
		t.Errorf("Send modified the caller's header: got %v, want %v", h, before)
	}
}

func TestSendGuard(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	tests := []struct{ name, url string }{
		{"loopback ip", srv.URL},
		{"localhost name", "http://localhost:" + strconv.Itoa(port)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, err := notify.NewClient(false, time.Second).Send(context.Background(), tt.url, nil, nil)
			if status != 0 {
				t.Errorf("status: got %d, want 0", status)
			}
			if !errors.Is(err, notify.ErrTarget) {
				t.Errorf("got %v, want an error matching ErrTarget", err)
			}
			if err != nil && err.Error() != "notification URL must resolve to a public address (the server allows private ones only with --allow-private-notify-targets)" {
				t.Errorf("got %q, want the merchant-safe message without the address", err)
			}
		})
	}
	if got := hits.Load(); got != 0 {
		t.Errorf("requests reached the server: got %d, want 0", got)
	}
}

func TestSendFailures(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so the server notices the client hang up
		<-r.Context().Done()
	}))
	defer srv.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name    string
		ctx     context.Context
		url     string
		wantErr string // substring
	}{
		{"connection refused", context.Background(), closed, "connection refused"},
		{"invalid url", context.Background(), "http://[::1", "notification URL is not a valid URL"},
		{"unsupported scheme", context.Background(), "ftp://93.184.216.34/", "notification URL must use http or https"},
		{"caller cancelled", cancelled, srv.URL, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, err := notify.NewClient(true, time.Second).Send(tt.ctx, tt.url, nil, nil)
			if status != 0 {
				t.Errorf("status: got %d, want 0", status)
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "Post ") {
				t.Errorf("got %q, want no repetition of the URL", err)
			}
		})
	}
}

// rawReceiver accepts connections on loopback and answers each with answer
// (nil: closes at once), whatever was sent; it returns its address.
func rawReceiver(t *testing.T, answer []byte) string {
	t.Helper()
	return rawListener(t, func(conn net.Conn) { conn.Write(answer) })
}

// resettingReceiver resets each connection once the request is in.
func resettingReceiver(t *testing.T) string {
	t.Helper()
	return rawListener(t, func(conn net.Conn) { conn.(*net.TCPConn).SetLinger(0) })
}

// rawListener calls answer with each connection once something has been
// read from it, then closes it; it returns its address.
func rawListener(t *testing.T, answer func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				buf := make([]byte, 4096)
				conn.Read(buf) // the request, or a TLS ClientHello
				answer(conn)
			}()
		}
	}()
	return l.Addr().String()
}

// TestSendFailureTexts: whatever answers at a notification URL, the error is
// one of the delivery log's fixed texts, so a URL cannot be used to read
// back fragments of what answered (a banner, a status line, a certificate).
func TestSendFailureTexts(t *testing.T) {
	const fragment = "internal-bastion-7"
	const (
		badAnswer = "the receiver's answer was not valid HTTP"
		closed    = "the receiver closed the connection without answering"
		tlsFailed = "the TLS handshake with the receiver failed"
	)
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // "TLS handshake error": expected here
	tlsSrv.StartTLS()
	defer tlsSrv.Close()

	tests := []struct {
		name, url, want string
	}{
		{"malformed status line", "http://" + rawReceiver(t, []byte("HTTP/1.1 "+fragment+" OK\r\n\r\n")), badAnswer},
		{"malformed status code", "http://" + rawReceiver(t, []byte("HTTP/1.1 2000 "+fragment+"\r\n\r\n")), badAnswer},
		{"malformed header", "http://" + rawReceiver(t, []byte("HTTP/1.1 200 OK\r\n"+fragment+"\r\n\r\n")), badAnswer},
		{"not http", "http://" + rawReceiver(t, []byte("SSH-2.0-OpenSSH_9.6 "+fragment+"\r\n")), badAnswer},
		{"binary garbage", "http://" + rawReceiver(t, []byte("\x00\x01\x02"+fragment+"\xff\xfe\r\n\r\n")), badAnswer},
		{"closes without answering", "http://" + rawReceiver(t, nil), closed},
		{"resets", "http://" + resettingReceiver(t), "the receiver reset the connection"},
		{"https to a plain server", "https://" + rawReceiver(t, []byte("HTTP/1.1 400 "+fragment+"\r\n\r\n")), tlsFailed},
		{"https to a closing server", "https://" + rawReceiver(t, nil), tlsFailed},
		{"untrusted certificate", tlsSrv.URL, tlsFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := notify.NewClient(true, 2*time.Second)
			defer c.CloseIdleConnections()
			status, _, err := c.Send(context.Background(), tt.url+"/notify", nil, []byte(`{}`))
			if status != 0 {
				t.Errorf("status: got %d, want 0", status)
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), fragment) {
				t.Errorf("got %q, want nothing of what the receiver sent", err)
			}
			if got := notify.FailureText(err); got != tt.want {
				t.Errorf("FailureText: got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFailureText: only Send's own texts pass through.
func TestFailureText(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"failure", notify.Failure("HTTP 503"), "HTTP 503"},
		{"wrapped failure", fmt.Errorf("attempt 2: %w", notify.Failure("HTTP 503")), "HTTP 503"},
		{"refusal", notify.CheckTargetOffline("http://127.0.0.1/", false), "notification URL must resolve to a public address (the server allows private ones only with --allow-private-notify-targets)"},
		{"caller gave up", context.Canceled, "the delivery failed"},
		{"another error", errors.New(`malformed HTTP status code "internal-bastion-7"`), "the delivery failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := notify.FailureText(tt.err); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
