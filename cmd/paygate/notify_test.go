package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is a merchant's notification endpoint, started by the test.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status func(path string) int // answer for each delivery; 200 when nil
	block  chan struct{}         // when set, /slow requests wait on it
}

type received struct {
	Path   string
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if strings.HasPrefix(req.URL.Path, "/slow") && r.block != nil {
			<-r.block
		}
		var m map[string]any
		json.Unmarshal(body, &m)
		r.mu.Lock()
		r.got = append(r.got, received{Path: req.URL.Path, Header: req.Header.Clone(), Body: body, JSON: m})
		status := 200
		if r.status != nil {
			status = r.status(req.URL.Path)
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

// wait returns the deliveries to path once there are at least n of them.
func (r *receiver) wait(t *testing.T, path string, n int) []received {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var out []received
		r.mu.Lock()
		for _, g := range r.got {
			if g.Path == path {
				out = append(out, g)
			}
		}
		r.mu.Unlock()
		if len(out) >= n {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d deliveries to %s, want %d", len(out), path, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// verifyStandardWebhook checks a delivery's signature with an implementation
// of the Standard Webhooks scheme written here, independent of package notify.
func verifyStandardWebhook(t *testing.T, secret string, d received) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatalf("secret: %v", err)
	}
	id, ts := d.Header.Get("webhook-id"), d.Header.Get("webhook-timestamp")
	if id == "" || ts == "" {
		t.Fatalf("got headers %v, want webhook-id and webhook-timestamp", d.Header)
	}
	if _, err := strconv.ParseInt(ts, 10, 64); err != nil {
		t.Fatalf("got webhook-timestamp %q, want unix seconds", ts)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(d.Body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if got := d.Header.Get("webhook-signature"); got != want {
		t.Fatalf("got webhook-signature %q, want %q", got, want)
	}
	if d.JSON["notifyId"] != id {
		t.Errorf("got notifyId %v, want webhook-id %s", d.JSON["notifyId"], id)
	}
}

func TestNotifications(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	rcv := newReceiver(t)

	sub := c.do("POST", "/v1/notifications/subscriptions", map[string]string{
		"subscribeUrl": rcv.URL + "/sub", "apiVersion": "20250703", "signMethod": "sha256"}).want(201)
	secret := sub.str("signingSecret")
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("got signingSecret %q, want whsec_...", secret)
	}
	list := c.do("GET", "/v1/notifications/subscriptions", nil).want(200)
	if subs, _ := list.get("subscriptions").([]any); len(subs) != 1 || strings.Contains(string(list.body), secret) {
		t.Fatalf("got %s, want one subscription without its secret", list.body)
	}

	orderNo := nextOrderNo("ntf")
	body := cardPayment(orderNo, "4242424242424242")
	body["captureMethod"] = "manual"
	body["notificationUrl"] = rcv.URL + "/order"
	created := c.do("POST", "/v1/payments", body).want(201)
	atAuth := c.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": orderNo}).want(200)
	c.do("POST", "/v1/payments/capture", map[string]string{"orderNo": orderNo, "captureAmount": "100.99"}).want(200)
	c.do("POST", "/v1/refunds", map[string]string{"orderNo": orderNo, "amount": "10", "refundNumber": nextOrderNo("rf"), "reason": "r", "clientIp": "1.1.1.1"}).want(201)

	orderSide := rcv.wait(t, "/order", 4)
	subSide := rcv.wait(t, "/sub", 4)
	wantTypes := []string{"payment.authorized", "payment.succeeded", "refund.succeeded", "payment.refunded"}
	for name, ds := range map[string][]received{"order": orderSide, "subscription": subSide} {
		seen := map[float64]string{}
		for _, d := range ds {
			seen[d.JSON["sequence"].(float64)] = d.JSON["eventType"].(string)
			if d.JSON["apiVersion"] != "20250703" {
				t.Errorf("%s: got apiVersion %v, want 20250703", name, d.JSON["apiVersion"])
			}
		}
		for i, typ := range wantTypes {
			if seen[float64(i+1)] != typ {
				t.Errorf("%s: sequence %d got %q, want %q (all: %v)", name, i+1, seen[float64(i+1)], typ, seen)
			}
		}
	}
	for _, d := range orderSide {
		verifyStandardWebhook(t, a.Sandbox.NotifySecret, d)
	}
	for _, d := range subSide {
		verifyStandardWebhook(t, secret, d)
	}
	// One notifyId per event and target.
	ids := map[any]bool{}
	for _, d := range append(orderSide, subSide...) {
		ids[d.JSON["notifyId"]] = true
	}
	if len(ids) != 8 {
		t.Errorf("got %d distinct notifyIds, want 8", len(ids))
	}
	// The data of payment.authorized is what inquiry answered at that moment.
	for _, d := range orderSide {
		if d.JSON["eventType"] == "payment.authorized" {
			var data, inquiry any
			json.Unmarshal(mustJSON(t, d.JSON["data"]), &data)
			json.Unmarshal(atAuth.body, &inquiry)
			if !jsonEqual(data, inquiry) {
				t.Errorf("got data %s, want the inquiry answer %s", mustJSON(t, d.JSON["data"]), atAuth.body)
			}
		}
	}

	// The delivery log lists every notification with its attempts; an order
	// the merchant does not have (another merchant's too) is not_found.
	c.do("GET", "/v1/notifications?orderNo=no-such-order", nil).wantError(404, "not_found", "")
	r := c.do("GET", "/v1/notifications?orderNo="+orderNo, nil).want(200)
	logs, _ := r.get("notifications").([]any)
	if len(logs) != 8 {
		t.Fatalf("got %d notifications in the log, want 8", len(logs))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r = c.do("GET", "/v1/notifications?orderNo="+orderNo, nil).want(200)
		if !bytes.Contains(r.body, []byte(`"status":"PENDING"`)) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, l := range r.get("notifications").([]any) {
		n := l.(map[string]any)
		attempts, _ := n["attempts"].([]any)
		if n["status"] != "DELIVERED" || len(attempts) != 1 || attempts[0].(map[string]any)["statusCode"] != float64(200) {
			t.Errorf("got %v, want DELIVERED after one 200 attempt", n)
		}
	}

	// Another merchant sees none of it: the order is not_found.
	bob := a.newMerchant("Bob")
	bob.do("GET", "/v1/notifications?orderNo="+orderNo, nil).wantError(404, "not_found", "")
	first := logs[0].(map[string]any)["notifyId"].(string)
	bob.do("POST", "/v1/notifications/"+first+"/resend", nil).wantError(404, "not_found", "")
	bob.do("DELETE", "/v1/notifications/subscriptions/"+sub.str("subscriptionId"), nil).wantError(404, "not_found", "")

	// Resend delivers the same body once more, freshly signed.
	c.do("POST", "/v1/notifications/"+first+"/resend", nil).want(200)
	again := rcv.wait(t, pathOf(first, orderSide, subSide), 5)
	last := again[len(again)-1]
	if last.JSON["notifyId"] != first {
		t.Errorf("got resend of %v, want %s", last.JSON["notifyId"], first)
	}

	// Deleting the subscription stops further deliveries to it.
	c.do("DELETE", "/v1/notifications/subscriptions/"+sub.str("subscriptionId"), nil).want(200)
	c.do("POST", "/v1/payments/cancel", map[string]string{"tradeNo": created.str("tradeNo")}).wantError(409, "invalid_state", "")
}

func pathOf(notifyID string, sets ...[]received) string {
	for _, s := range sets {
		for _, d := range s {
			if d.JSON["notifyId"] == notifyID {
				return d.Path
			}
		}
	}
	return ""
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestNotificationRetries follows the retry schedule under the injected
// clock: no sleeping through real backoff.
func TestNotificationRetries(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	rcv := newReceiver(t)
	failing := true
	rcv.status = func(string) int {
		if failing {
			return 500
		}
		return 204
	}
	orderNo := nextOrderNo("retry")
	body := cardPayment(orderNo, "4242424242424242")
	body["notificationUrl"] = rcv.URL + "/hook"
	c.do("POST", "/v1/payments", body).want(201)
	rcv.wait(t, "/hook", 1)

	// log returns the notification once it has at least want attempts.
	log := func(want int) map[string]any {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			r := c.do("GET", "/v1/notifications?orderNo="+orderNo, nil).want(200)
			n := r.get("notifications").([]any)[0].(map[string]any)
			if lenAttempts(n) >= want || time.Now().After(deadline) {
				return n
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	schedule := []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 24 * time.Hour}
	for i, wait := range schedule {
		n := log(i + 1)
		if lenAttempts(n) != i+1 || n["status"] != "PENDING" {
			t.Fatalf("after attempt %d: got %v, want PENDING with %d attempts", i+1, n, i+1)
		}
		last := n["attempts"].([]any)[i].(map[string]any)
		if last["statusCode"] != float64(500) || last["error"] == "" {
			t.Errorf("attempt %d: got %v, want 500 with an error", i+1, last)
		}
		next, _ := time.Parse(time.RFC3339Nano, n["nextAttemptAt"].(string))
		lastAt, _ := time.Parse(time.RFC3339Nano, last["at"].(string))
		if d := next.Sub(lastAt); d < wait*9/10 || d > wait*11/10 {
			t.Errorf("retry %d: got wait %v, want %v ±10%%", i+1, d, wait)
		}
		a.clock.Advance(wait * 11 / 10)
		c = a.sandbox() // tokens expire as the clock moves
		a.Dispatcher.Tick(context.Background())
		a.Dispatcher.Wait()
		rcv.wait(t, "/hook", i+2)
	}
	n := log(8)
	if n["status"] != "FAILED" || lenAttempts(n) != 8 {
		t.Fatalf("got %v, want FAILED after 8 attempts", n)
	}
	// Every attempt carried the same notifyId.
	for _, d := range rcv.wait(t, "/hook", 8) {
		if d.JSON["notifyId"] != n["notifyId"] {
			t.Errorf("got notifyId %v, want %v", d.JSON["notifyId"], n["notifyId"])
		}
	}
	// Resend once the receiver is fixed.
	failing = false
	c.do("POST", "/v1/notifications/"+n["notifyId"].(string)+"/resend", nil, "Idempotency-Key", "resend-1").want(200)
	rcv.wait(t, "/hook", 9)
	deadline := time.Now().Add(5 * time.Second)
	for n = log(9); n["status"] != "DELIVERED" && time.Now().Before(deadline); n = log(9) {
		time.Sleep(10 * time.Millisecond)
	}
	if n["status"] != "DELIVERED" || lenAttempts(n) != 9 {
		t.Errorf("got %v, want DELIVERED after the resend", n)
	}
}

func lenAttempts(n map[string]any) int {
	as, _ := n["attempts"].([]any)
	return len(as)
}

// TestSlowReceiverDoesNotDelayOthers: an endpoint that hangs holds only its own slots.
func TestSlowReceiverDoesNotDelayOthers(t *testing.T) {
	a := startApp(t, func(m *Main) { m.NotifyConcurrency = 2 })
	c := a.sandbox()
	slow := newReceiver(t)
	slow.block = make(chan struct{})
	defer close(slow.block)
	fast := newReceiver(t)
	for range 5 {
		body := cardPayment(nextOrderNo("slow"), "4242424242424242")
		body["notificationUrl"] = slow.URL + "/slow"
		c.do("POST", "/v1/payments", body).want(201)
	}
	body := cardPayment(nextOrderNo("fast"), "4242424242424242")
	body["notificationUrl"] = fast.URL + "/fast"
	c.do("POST", "/v1/payments", body).want(201)
	fast.wait(t, "/fast", 1)
}

func TestSubscriptionBadInput(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	good := func() map[string]string {
		return map[string]string{"subscribeUrl": "https://merchant.example/hook", "apiVersion": "20250703", "signMethod": "sha256"}
	}
	tests := []struct {
		name, param string
		edit        func(map[string]string)
	}{
		{"sign method", "signMethod", func(m map[string]string) { m["signMethod"] = "md5" }},
		{"api version", "apiVersion", func(m map[string]string) { m["apiVersion"] = "20200101" }},
		{"missing url", "subscribeUrl", func(m map[string]string) { delete(m, "subscribeUrl") }},
		{"ftp url", "subscribeUrl", func(m map[string]string) { m["subscribeUrl"] = "ftp://merchant.example/hook" }},
		{"url too long", "subscribeUrl", func(m map[string]string) {
			m["subscribeUrl"] = "https://merchant.example/" + strings.Repeat("a", 140)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := good()
			tt.edit(m)
			c.do("POST", "/v1/notifications/subscriptions", m).wantError(400, "invalid_parameter", tt.param)
		})
	}
}

// TestSSRFGuard: without --allow-private-notify-targets, private targets are
// refused when subscribing, when paying, and again when delivering.
func TestSSRFGuard(t *testing.T) {
	a := startApp(t, func(m *Main) { m.AllowPrivateNotifyTargets = false })
	c := a.sandbox()
	for _, u := range []string{"http://127.0.0.1:9/hook", "http://10.0.0.1/hook", "http://169.254.169.254/latest", "http://[::1]/x", "http://localhost/x"} {
		c.do("POST", "/v1/notifications/subscriptions", map[string]string{"subscribeUrl": u, "apiVersion": "20250703", "signMethod": "sha256"}).
			wantError(400, "invalid_parameter", "subscribeUrl")
		body := cardPayment(nextOrderNo("ssrf"), "4242424242424242")
		body["notificationUrl"] = u
		c.do("POST", "/v1/payments", body).wantError(400, "invalid_parameter", "notificationUrl")
	}
	// A name that resolves to loopback passes the request check (no DNS at
	// request time) but is refused when delivering.
	host, _ := os.Hostname()
	addrs, _ := net.LookupHost(host)
	if len(addrs) == 0 || !strings.HasPrefix(addrs[0], "127.") {
		t.Logf("hostname %q does not resolve to loopback here (%v); delivery-time check left to notify's tests", host, addrs)
		return
	}
	rcv := newReceiver(t)
	orderNo := nextOrderNo("ssrf")
	body := cardPayment(orderNo, "4242424242424242")
	body["notificationUrl"] = strings.Replace(rcv.URL, "127.0.0.1", host, 1)
	c.do("POST", "/v1/payments", body).want(201)
	deadline := time.Now().Add(5 * time.Second)
	for {
		l := c.do("GET", "/v1/notifications?orderNo="+orderNo, nil).want(200)
		ns := l.get("notifications").([]any)
		if len(ns) == 1 && lenAttempts(ns[0].(map[string]any)) == 1 {
			att := ns[0].(map[string]any)["attempts"].([]any)[0].(map[string]any)
			if att["statusCode"] != nil || att["error"] == "" {
				t.Errorf("got attempt %v, want refused before connecting", att)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %s, want one refused attempt", l.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.got) != 0 {
		t.Errorf("got %d deliveries to a loopback receiver, want none", len(rcv.got))
	}
}

// TestDeliveryLogFixedTexts: the delivery log shows a receiver that answers
// with something other than HTTP as a fixed text, not its answer.
func TestDeliveryLogFixedTexts(t *testing.T) {
	const fragment = "internal-bastion-7"
	a := startApp(t)
	c := a.sandbox()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.Read(make([]byte, 4096))
				io.WriteString(conn, "HTTP/1.1 "+fragment+" OK\r\n\r\n")
			}()
		}
	}()
	orderNo := nextOrderNo("fixed")
	body := cardPayment(orderNo, "4242424242424242")
	body["notificationUrl"] = "http://" + l.Addr().String() + "/hook"
	c.do("POST", "/v1/payments", body).want(201)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := c.do("GET", "/v1/notifications?orderNo="+orderNo, nil).want(200)
		if n := r.get("notifications").([]any)[0].(map[string]any); lenAttempts(n) == 1 {
			att := n["attempts"].([]any)[0].(map[string]any)
			if att["error"] != "the receiver's answer was not valid HTTP" || strings.Contains(string(r.body), fragment) {
				t.Errorf("got attempt %v, want the fixed text for a bad answer", att)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %s, want one attempt", r.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNotifyHostPacing: on the real clock, a backlog of notifications to
// one host arrives no faster than the host's rate after its burst, with no
// more than its concurrency at once, while a notification to another host
// is not held up behind them.
func TestNotifyHostPacing(t *testing.T) {
	const n, rate, burst, perHost = 40, 20, 5, 2
	a := startApp(t, func(m *Main) {
		m.Now = time.Now
		m.NotifyConcurrency, m.NotifyHostConcurrency, m.NotifyHostRate, m.NotifyHostBurst = 4, perHost, rate, burst
	})
	c := a.sandbox()
	var mu sync.Mutex
	var arrivals []time.Time
	running, most := 0, 0
	paced := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		running++
		most = max(most, running)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // long enough for deliveries to overlap
		mu.Lock()
		running--
		mu.Unlock()
	}))
	defer paced.Close()
	other := newReceiver(t)
	_, port, _ := net.SplitHostPort(other.Listener.Addr().String())

	for i := range n {
		body := cardPayment(nextOrderNo("paced"), "4242424242424242")
		body["notificationUrl"] = paced.URL + "/paced"
		c.do("POST", "/v1/payments", body).want(201)
		if i == n/2 {
			// Another host name (localhost, not 127.0.0.1) in the middle of the backlog.
			body := cardPayment(nextOrderNo("other"), "4242424242424242")
			body["notificationUrl"] = "http://localhost:" + port + "/other"
			c.do("POST", "/v1/payments", body).want(201)
		}
	}
	queued := time.Now()
	other.wait(t, "/other", 1)
	if d := time.Since(queued); d > time.Second {
		t.Errorf("the other host's notification came %v after the backlog was queued, want it not held up", d)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		got := len(arrivals)
		mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(arrivals) != n {
		t.Fatalf("got %d deliveries, want %d", len(arrivals), n)
	}
	// The k-th delivery (from 1) needs k-burst tokens earned since the
	// first; allow four tokens' time for the way from dispatcher to handler.
	for k, at := range arrivals {
		earliest := time.Duration(float64(k+1-burst-4) / rate * float64(time.Second))
		if d := at.Sub(arrivals[0]); d < earliest {
			t.Errorf("delivery %d arrived %v after the first, want at least %v", k+1, d, earliest)
		}
	}
	if most > perHost {
		t.Errorf("got %d deliveries at once, want at most %d", most, perHost)
	}
	span := arrivals[n-1].Sub(arrivals[0])
	t.Logf("%d notifications to one host in %v: %.1f a second (rate %d, burst %d); at most %d at once",
		n, span.Round(time.Millisecond), float64(n-1)/span.Seconds(), rate, burst, most)
}
