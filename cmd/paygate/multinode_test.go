package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The PostgreSQL end-to-end tests (this file and outage_test.go) run paygate
// nodes on the server named by PAYGATE_TEST_POSTGRES (`.ci/postgres start`
// prints one; `make test` starts one), each test in a schema of its own.
// Without it they skip, except under CI=true, where they fail.

// TestMultiNode runs two `paygate serve` processes on one database, both
// with their expiry sweeps and notification dispatchers running, and spreads
// every request over both.
func TestMultiNode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	db := pgSchema(t)
	bin := buildBinary(t)
	key := newMasterKey(t)
	rcv := newHub(t)
	flags := []string{"--authorization-ttl", "3s", "--sweep-interval", "200ms"}
	a := startNode(t, bin, db, key, flags...)
	b := startNode(t, bin, db, key, flags...)
	if a.appID == "" {
		t.Fatal("the first node created no sandbox merchant on the empty database")
	}
	if b.appID != "" {
		t.Fatal("the second node created another sandbox merchant")
	}
	nodes := []*child{a, b}
	token := a.token(t, a.appID, a.secr) // one master key: node b accepts node a's tokens
	status, sub, err := send("POST", b.url+"/v1/notifications/subscriptions", token, map[string]string{
		"subscribeUrl": rcv.URL + "/sub", "apiVersion": "20250703", "signMethod": "sha256"})
	if err != nil || status != 201 {
		t.Fatalf("subscribe on node b: got %d %v %v, want 201", status, sub, err)
	}
	var orders []string // every order made, for the delivery check at the end

	t.Run("RiskVelocityAcrossNodes", func(t *testing.T) {
		// One card, four screened payments, sent to the nodes in turn: the
		// fourth in ten minutes is reviewed whichever node takes it, as the
		// counts are in the database.
		card := luhnNumber("400002", 7)
		var decisions []string
		for i := range 4 {
			body := cardPayment(nextOrderNo("mn-risk"), card)
			body["fraudMode"] = "Y"
			body["deviceInfo"] = map[string]any{"clientIp": fmt.Sprintf("192.0.2.%d", 100+i)}
			status, p, err := send("POST", nodes[i%2].url+"/v1/payments", token, body)
			if err != nil || status != 201 {
				t.Fatalf("payment %d: %d %v %v", i, status, p, err)
			}
			risk, _ := p["risk"].(map[string]any)
			decisions = append(decisions, fmt.Sprint(risk["decision"]))
		}
		if strings.Join(decisions, " ") != "approve approve approve review" {
			t.Errorf("decisions %v, want the fourth reviewed", decisions)
		}
	})

	t.Run("DashboardSessionAcrossNodes", func(t *testing.T) {
		// Signed in on node a, the same cookie works on node b: sessions
		// are in the database; signed out on b, it is dead on a too.
		pa := newPersonAt(t, a.url)
		pa.setPassword(strings.TrimPrefix(a.setupURL, a.url))
		pa.signIn(SandboxAdmin, dashPassword).want(t, 303)
		pb := newPersonAt(t, b.url)
		cookies := pa.hc.Jar.Cookies(mustURL(t, a.url+"/dashboard/"))
		pb.hc.Jar.SetCookies(mustURL(t, b.url+"/dashboard/"), cookies)
		home := pb.get("/dashboard/payments").want(t, 200)
		pb.post("/dashboard/signout", url.Values{"csrf": {home.hidden(t, "", "csrf")}}).want(t, 303)
		pa.get("/dashboard/payments").want(t, 303)
	})

	t.Run("IdenticalCreates", func(t *testing.T) {
		orderNo := nextOrderNo("mn-create")
		orders = append(orders, orderNo)
		body := cardPayment(orderNo, "4242424242424242")
		const n = 50
		statuses, tradeNos := make([]int, n), make([]string, n)
		errs := raceN(n, func(i int) error {
			status, p, err := send("POST", nodes[i%2].url+"/v1/payments", token, body)
			statuses[i], tradeNos[i] = status, str(p, "tradeNo")
			return err
		})
		created := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("request %d: %v", i, errs[i])
			}
			switch statuses[i] {
			case 201:
				created++
			case 200:
			default:
				t.Errorf("request %d on node %d: got status %d, want 200 or 201", i, i%2, statuses[i])
			}
			if tradeNos[i] == "" || tradeNos[i] != tradeNos[0] {
				t.Errorf("request %d: got tradeNo %q, want %q as every other", i, tradeNos[i], tradeNos[0])
			}
		}
		if created != 1 {
			t.Errorf("got %d answers 201, want exactly 1", created)
		}
		for _, node := range nodes {
			_, p, _ := send("POST", node.url+"/v1/payments/inquiry", token, map[string]string{"orderNo": orderNo})
			if str(p, "tradeNo") != tradeNos[0] || str(p, "status") != "SUCCEEDED" {
				t.Errorf("inquiry on %s: got %v, want %s SUCCEEDED", node.url, p, tradeNos[0])
			}
		}
	})

	t.Run("ConcurrentRefunds", func(t *testing.T) {
		orderNo := nextOrderNo("mn-refund")
		orders = append(orders, orderNo)
		body := cardPayment(orderNo, "4242424242424242")
		body["amount"] = "100.99"
		if status, p, err := send("POST", a.url+"/v1/payments", token, body); err != nil || status != 201 {
			t.Fatalf("create: got %d %v %v, want 201", status, p, err)
		}
		const n = 24 // 10.00 each: 10 fit in 100.99
		statuses := make([]int, n)
		errs := raceN(n, func(i int) error {
			status, _, err := send("POST", nodes[i%2].url+"/v1/refunds", token, map[string]string{"orderNo": orderNo, "amount": "10.00",
				"refundNumber": fmt.Sprintf("%s-r%02d", orderNo, i), "reason": "r", "clientIp": "1.1.1.1"})
			statuses[i] = status
			return err
		})
		ok := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("refund %d: %v", i, errs[i])
			}
			switch statuses[i] {
			case 201:
				ok++
			case 422:
			default:
				t.Errorf("refund %d on node %d: got status %d, want 201 or 422", i, i%2, statuses[i])
			}
		}
		if ok != 10 {
			t.Errorf("got %d refunds of 10.00 succeeded, want 10 (100.00 of 100.99)", ok)
		}
		for _, node := range nodes {
			_, p, _ := send("POST", node.url+"/v1/payments/inquiry", token, map[string]string{"orderNo": orderNo})
			refunds, _ := p["refunds"].([]any)
			if str(p, "refundedAmount") != "100.00" || str(p, "status") != "PARTIALLY_REFUNDED" || len(refunds) != 10 {
				t.Errorf("inquiry on %s: got %s %s with %d refunds, want 100.00 PARTIALLY_REFUNDED with 10",
					node.url, str(p, "refundedAmount"), str(p, "status"), len(refunds))
			}
		}
	})

	t.Run("ExpirySweep", func(t *testing.T) {
		// Authorizations expire after 3 s; both nodes sweep every 200 ms.
		var expiring []string
		for i := range 10 {
			orderNo := nextOrderNo("mn-expire")
			expiring = append(expiring, orderNo)
			body := cardPayment(orderNo, "4242424242424242")
			body["captureMethod"] = "manual"
			if status, p, err := send("POST", nodes[i%2].url+"/v1/payments", token, body); err != nil || status != 201 || str(p, "status") != "AUTHORIZED" {
				t.Fatalf("create: got %d %v %v, want 201 AUTHORIZED", status, p, err)
			}
		}
		orders = append(orders, expiring...)
		eventually(t, 20*time.Second, "every authorization EXPIRED", func() bool {
			for _, orderNo := range expiring {
				if _, p, _ := send("POST", b.url+"/v1/payments/inquiry", token, map[string]string{"orderNo": orderNo}); str(p, "status") != "EXPIRED" {
					return false
				}
			}
			return true
		})
		// Expired once: one payment.expired notification per order and target.
		for _, orderNo := range expiring {
			if got := countEvents(t, a.url, token, orderNo, "payment.expired"); got != 1 {
				t.Errorf("%s: got %d payment.expired notifications, want 1", orderNo, got)
			}
		}
	})

	t.Run("NotificationsOnce", func(t *testing.T) {
		// A burst of payments over both nodes, then every notification of
		// the test is delivered exactly once: both dispatchers run, and the
		// receiver answers 200 to each first attempt.
		for i := range 30 {
			orderNo := nextOrderNo("mn-burst")
			orders = append(orders, orderNo)
			if status, p, err := send("POST", nodes[i%2].url+"/v1/payments", token, cardPayment(orderNo, "4242424242424242")); err != nil || status != 201 {
				t.Fatalf("create: got %d %v %v, want 201", status, p, err)
			}
		}
		var ids []string
		eventually(t, 30*time.Second, "every notification DELIVERED", func() bool {
			ids = ids[:0]
			for _, orderNo := range orders {
				for _, n := range notificationLog(t, b.url, token, orderNo) {
					if n["status"] != "DELIVERED" {
						return false
					}
					ids = append(ids, n["notifyId"].(string))
				}
			}
			return true
		})
		time.Sleep(1500 * time.Millisecond) // a dispatcher tick of each node, for any duplicate to show
		for _, orderNo := range orders {
			for _, n := range notificationLog(t, a.url, token, orderNo) {
				if attempts, _ := n["attempts"].([]any); n["status"] != "DELIVERED" || len(attempts) != 1 {
					t.Errorf("notification %s: got %s with %d attempts, want DELIVERED after 1", n["notifyId"], n["status"], len(attempts))
				}
			}
		}
		for _, id := range ids {
			if got := rcv.count(id); got != 1 {
				t.Errorf("notification %s: received %d times, want once", id, got)
			}
		}
		if len(ids) < 30+1+10+10 {
			t.Errorf("got %d notifications in the delivery logs, want at least %d", len(ids), 30+1+10+10)
		}
		t.Logf("%d notifications of %d orders, each delivered once by one of two nodes", len(ids), len(orders))
	})
}

// TestMultiNodeRetries runs two nodes in this process on one database and one
// injected clock, so the retry schedule can be followed without sleeping:
// each failed notification is retried once per due time, by one node.
func TestMultiNodeRetries(t *testing.T) {
	db := pgSchema(t)
	key := newMasterKey(t)
	pg := func(m *Main) { m.DB, m.MasterKey, m.RateLimit = db, key, 1e6 }
	a := startApp(t, pg)
	b := startApp(t, pg, func(m *Main) { m.Now = a.clock.Now })
	if b.Sandbox != nil {
		t.Fatal("the second node created another sandbox merchant")
	}
	rcv := newHub(t)
	rcv.answer = func(_ string, n int) int { // the first attempt fails, the second is acknowledged
		if n == 1 {
			return 500
		}
		return 200
	}
	ca, cb := a.sandbox(), b.login(a.Sandbox.Merchant.AppID, a.Sandbox.Secret)
	var orders []string
	for i, c := range []*client{ca, cb, ca, cb, ca, cb, ca, cb, ca, cb} {
		orderNo := nextOrderNo(fmt.Sprintf("mn-retry-%d", i))
		orders = append(orders, orderNo)
		body := cardPayment(orderNo, "4242424242424242")
		body["notificationUrl"] = rcv.URL + "/retry"
		c.do("POST", "/v1/payments", body).want(201)
	}
	// First attempts: one per notification, recorded as failed.
	attempted := func(want int) func() bool {
		return func() bool {
			for _, orderNo := range orders {
				ns := ca.do("GET", "/v1/notifications?orderNo="+orderNo, nil).want(200).get("notifications").([]any)
				if len(ns) != 1 || lenAttempts(ns[0].(map[string]any)) != want {
					return false
				}
			}
			return true
		}
	}
	// A host that fails three deliveries in a row is paused (1 s, doubling)
	// on the gateway's clock, which stands still here: move it on a second
	// at a time while the first attempts come in, well short of the first
	// retries, about a minute after each.
	var moved time.Duration
	eventually(t, 10*time.Second, "a failed first attempt of each notification", func() bool {
		if attempted(1)() {
			return true
		}
		if moved < 30*time.Second {
			a.clock.Advance(time.Second)
			moved += time.Second
		}
		return false
	})

	// Due again a minute later: both dispatchers tick at once (their own
	// loops keep ticking too).
	a.clock.Advance(2 * time.Minute)
	var wg sync.WaitGroup
	for _, app := range []*app{a, b, a, b} {
		wg.Go(func() { app.Dispatcher.Tick(context.Background()) })
	}
	wg.Wait()
	a.Dispatcher.Wait()
	b.Dispatcher.Wait()
	eventually(t, 10*time.Second, "a second attempt of each notification", attempted(2))
	time.Sleep(1500 * time.Millisecond) // more ticks of both loops: nothing is due any more
	for _, orderNo := range orders {
		n := ca.do("GET", "/v1/notifications?orderNo="+orderNo, nil).want(200).get("notifications").([]any)[0].(map[string]any)
		attempts := n["attempts"].([]any)
		if n["status"] != "DELIVERED" || len(attempts) != 2 ||
			attempts[0].(map[string]any)["statusCode"] != float64(500) || attempts[1].(map[string]any)["statusCode"] != float64(200) {
			t.Errorf("%s: got %v, want DELIVERED after a 500 and a 200", orderNo, n)
		}
		if got := rcv.count(n["notifyId"].(string)); got != 2 {
			t.Errorf("%s: received %d times, want 2 (one per attempt)", n["notifyId"], got)
		}
	}

	// The expiry sweep run by both nodes at once expires each payment once.
	var manual []string
	for i, c := range []*client{ca, cb, ca, cb} {
		orderNo := nextOrderNo(fmt.Sprintf("mn-sweep-%d", i))
		manual = append(manual, orderNo)
		body := cardPayment(orderNo, "4242424242424242")
		body["captureMethod"] = "manual"
		c.do("POST", "/v1/payments", body).want(201)
	}
	a.clock.Advance(8 * 24 * time.Hour)
	for _, app := range []*app{a, b, a, b} {
		wg.Go(func() {
			if _, err := app.Gateway.Sweep(context.Background()); err != nil {
				t.Errorf("Sweep: %v", err)
			}
		})
	}
	wg.Wait()
	ca = a.sandbox() // the clock moved past the token's lifetime
	for _, orderNo := range manual {
		if r := ca.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": orderNo}).want(200); r.str("status") != "EXPIRED" {
			t.Errorf("%s: got %s, want EXPIRED", orderNo, r.str("status"))
		}
		expired := 0
		for _, n := range ca.do("GET", "/v1/notifications?orderNo="+orderNo, nil).want(200).get("notifications").([]any) {
			if n.(map[string]any)["eventType"] == "payment.expired" {
				expired++
			}
		}
		if expired != 0 {
			// No target: these orders have no notificationUrl and the merchant no subscription.
			t.Errorf("%s: got %d payment.expired notifications, want none", orderNo, expired)
		}
	}
}

// TestMultiNodeKill kills one of two nodes with SIGKILL under a load spread
// over both: no acknowledged payment is lost, the other node keeps serving,
// and it delivers the notifications the dead node had committed but not sent.
func TestMultiNodeKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	db := pgSchema(t)
	bin := buildBinary(t)
	key := newMasterKey(t)
	// A dispatcher claims at most --notify-concurrency deliveries per
	// endpoint at each tick (every second), which bounds how fast a backlog
	// drains: keep the load modest.
	a := startNode(t, bin, db, key, "--notify-concurrency", "8")
	b := startNode(t, bin, db, key, "--notify-concurrency", "8")
	token := a.token(t, a.appID, a.secr)
	rcv := newHub(t)
	// Hold every delivery until a is dead, so that a has notifications
	// committed and still queued (it sends at most 8 at once) when it dies.
	rcv.hold = make(chan struct{})

	var mu sync.Mutex
	var orders []string
	ackedBy := map[string]string{} // orderNo -> node that answered 201
	var killed atomic.Bool
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				node := []*child{a, b}[(w+i)%2]
				if node == a && killed.Load() {
					node = b // the load balancer noticed
				}
				orderNo := fmt.Sprintf("kill-%d-%05d", w, i)
				body := cardPayment(orderNo, "4242424242424242")
				body["notificationUrl"] = rcv.URL + "/kill"
				mu.Lock()
				orders = append(orders, orderNo)
				mu.Unlock()
				status, _, err := send("POST", node.url+"/v1/payments", token, body)
				if err == nil && status == 201 {
					mu.Lock()
					ackedBy[orderNo] = node.url
					mu.Unlock()
				}
				time.Sleep(25 * time.Millisecond)
			}
		})
	}
	time.Sleep(800 * time.Millisecond)
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	a.cmd.Wait()
	killed.Store(true)
	killedAt := time.Now()
	time.Sleep(500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	close(rcv.hold)

	byA, byB := 0, 0
	for _, n := range ackedBy {
		if n == a.url {
			byA++
		} else {
			byB++
		}
	}
	if byA == 0 || byB == 0 {
		t.Fatalf("acknowledged payments: got %d by a, %d by b, want some by each", byA, byB)
	}
	owed := map[string]bool{}
	for _, orderNo := range orders {
		status, p, err := send("POST", b.url+"/v1/payments/inquiry", token, map[string]string{"orderNo": orderNo})
		if err != nil {
			t.Fatal(err)
		}
		if ackedBy[orderNo] != "" && (status != 200 || str(p, "status") != "SUCCEEDED") {
			t.Errorf("acknowledged order %s: got %d %v on the surviving node, want SUCCEEDED", orderNo, status, p["status"])
		}
		if status == 200 && str(p, "status") == "SUCCEEDED" {
			owed[orderNo] = true
		}
	}
	// Node a's deliveries in flight reached the receiver before it died; the
	// rest of its queue is b's to send. (A delivery a had claimed but not yet
	// sent would wait for its 45-second lease; allow for it.)
	var lateFromA int
	defer func() {
		if t.Failed() {
			got := rcv.orders("payment.succeeded")
			for o := range owed {
				if got[o].IsZero() {
					t.Logf("not notified: %s (acknowledged by %q): %v", o, ackedBy[o], notificationLog(t, b.url, token, o))
				}
			}
		}
	}()
	eventually(t, 150*time.Second, "a payment.succeeded notification for every committed payment", func() bool {
		got := rcv.orders("payment.succeeded")
		for o := range got {
			if !owed[o] {
				t.Fatalf("got a notification for %s, which did not commit as SUCCEEDED", o)
			}
		}
		for o := range owed {
			if got[o].IsZero() {
				return false
			}
		}
		lateFromA = 0
		for o, at := range got {
			if ackedBy[o] == a.url && at.After(killedAt) {
				lateFromA++
			}
		}
		return true
	})
	if lateFromA == 0 {
		t.Errorf("got no notification of node a's payments delivered after it died, want node b to deliver a's queue")
	}
	t.Logf("%d payments acknowledged (%d by the killed node), %d committed, all notified; %d of the dead node's notifications delivered by the survivor",
		len(ackedBy), byA, len(owed), lateFromA)
}

// TestPostgresCommands runs the commands on PostgreSQL, and each way start-up
// can fail there: a clear error naming the problem, and nothing written.
func TestPostgresCommands(t *testing.T) {
	db := pgSchema(t)
	key := newMasterKey(t)
	withKey := func(name string) string {
		if name == "PAYGATE_MASTER_KEY" {
			return key
		}
		return ""
	}
	noKey := func(string) string { return "" }
	cmd := func(getenv func(string) string, args ...string) (string, error) {
		var out, errb syncBuffer
		err := run(context.Background(), args, getenv, &out, &errb)
		return out.String(), err
	}

	if _, err := cmd(noKey, "migrate", "--db", db); err == nil || !strings.Contains(err.Error(), "PAYGATE_MASTER_KEY is required") {
		t.Errorf("migrate without PAYGATE_MASTER_KEY: got %v, want an error naming it", err)
	}
	if got := pgTables(t, db); len(got) != 0 {
		t.Fatalf("tables after a refused migrate: got %v, want none", got)
	}
	if _, err := cmd(withKey, "migrate", "--db", db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	out, err := cmd(withKey, "merchant", "create", "--name", "Shop", "--db", strings.Replace(db, "postgres://", "postgresql://", 1))
	if err != nil || !strings.Contains(out, `"appId"`) {
		t.Fatalf("merchant create: got %q, %v, want its credentials", out, err)
	}
	tables := pgTables(t, db)

	u, _ := url.Parse(db)
	u.User = url.UserPassword("paygate_no_such_role", "s3cret-pw")
	badRole := u.String()
	u, _ = url.Parse(db)
	u.Host = "127.0.0.1:1"
	unreachable := u.String()
	for _, tc := range []struct {
		name, db, want string
	}{
		{"BadURL", "postgres://paygate:s3cret-pw@[::1/paygate", "invalid database URL"},
		{"LoginRefused", badRole, `role "paygate_no_such_role" does not exist`},
		{"Unreachable", unreachable, "cannot connect to 127.0.0.1:1"},
		{"NotAURL", "mysql://localhost/paygate", "--db must be sqlite:PATH or a postgres:// URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cmd(withKey, "serve", "--addr", "127.0.0.1:0", "--db", tc.db)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("serve: got %v, want an error containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret-pw") {
				t.Errorf("serve: got %q, which shows the password", err)
			}
		})
	}

	t.Run("NewerSchema", func(t *testing.T) {
		pgExec(t, db, `INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_from_the_future.sql', 0)`)
		_, err := cmd(withKey, "serve", "--addr", "127.0.0.1:0", "--db", db)
		want := "database schema is newer than this binary (unknown migration 9999_from_the_future.sql)"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("serve: got %v, want an error containing %q", err, want)
		}
		if got := pgTables(t, db); strings.Join(got, " ") != strings.Join(tables, " ") {
			t.Errorf("tables: got %v, want %v unchanged", got, tables)
		}
	})
}

// pgTables lists the tables of the schema u points at.
func pgTables(t *testing.T, u string) []string {
	t.Helper()
	c, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close(t.Context())
	rows, _ := c.Query(t.Context(), `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("tables: %v", err)
	}
	return names
}

// pgURL returns the test server's URL, or skips without one (fails under
// CI=true, where a missing server is a broken setup).
func pgURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("PAYGATE_TEST_POSTGRES")
	if u == "" {
		msg := "PAYGATE_TEST_POSTGRES is not set; start a server with `eval \"$(.ci/postgres start)\"` (or `make test`) to run the PostgreSQL tests"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return u
}

// pgSchema creates an empty schema, dropped when t ends, and returns the
// database URL with its search_path set to it.
func pgSchema(t *testing.T) string {
	t.Helper()
	base := pgURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	name := "e2e_" + hex.EncodeToString(b)
	pgExec(t, base, `CREATE SCHEMA `+name)
	t.Cleanup(func() { pgExec(t, base, `DROP SCHEMA `+name+` CASCADE`) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("PAYGATE_TEST_POSTGRES must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

func pgExec(t *testing.T, u string, stmts ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close(ctx)
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func newMasterKey(t *testing.T) string {
	t.Helper()
	k := make([]byte, 32)
	rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}

// startNode starts `paygate serve` on the database db as another process;
// its log is shown if the test fails. Its receivers all run on one host,
// 127.0.0.1, and get notifications as fast as the tests make them: the
// per-host pacing is lifted (args can set it again).
func startNode(t *testing.T, bin, db, key string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db,
		"--allow-private-notify-targets", "--rate-limit", "100000",
		"--notify-host-concurrency", "64", "--notify-host-rate", "100000", "--notify-host-burst", "100000"}, args...)...)
	cmd.Env = append(os.Environ(), "PAYGATE_MASTER_KEY="+key)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			out := logs.String()
			if len(out) > 4000 {
				out = "..." + out[len(out)-4000:]
			}
			t.Logf("log of node %s:\n%s", c.url, out)
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "appId:"):
			c.appID = strings.TrimSpace(strings.TrimPrefix(line, "appId:"))
		case strings.HasPrefix(line, "secret:"):
			c.secr = strings.TrimSpace(strings.TrimPrefix(line, "secret:"))
		case strings.Contains(line, "/dashboard/setup/"):
			c.setupURL = line
		case strings.HasPrefix(line, "paygate listening on "):
			c.url = strings.Fields(strings.TrimPrefix(line, "paygate listening on "))[0]
			go io.Copy(io.Discard, stdout)
			return c
		}
	}
	cmd.Wait()
	t.Fatalf("node exited before listening: %s", logs.String())
	return nil
}

// send makes one API call; body nil sends none.
func send(method, url, token string, body any) (int, map[string]any, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, nil
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// raceN runs f(0..n-1) in n goroutines released at once.
func raceN(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// eventually polls cond until it holds, failing the test after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// notificationLog returns an order's delivery log.
func notificationLog(t *testing.T, base, token, orderNo string) []map[string]any {
	t.Helper()
	status, body, err := send("GET", base+"/v1/notifications?orderNo="+url.QueryEscape(orderNo), token, nil)
	if err != nil || status != 200 {
		t.Fatalf("delivery log of %s: got %d %v %v", orderNo, status, body, err)
	}
	var out []map[string]any
	for _, n := range body["notifications"].([]any) {
		out = append(out, n.(map[string]any))
	}
	return out
}

func countEvents(t *testing.T, base, token, orderNo, eventType string) int {
	t.Helper()
	n := 0
	for _, l := range notificationLog(t, base, token, orderNo) {
		if l["eventType"] == eventType {
			n++
		}
	}
	return n
}

// hub is a notification receiver that counts deliveries by notifyId.
type hub struct {
	*httptest.Server
	hold   chan struct{}                    // when set, deliveries wait for it to close before answering
	answer func(notifyID string, n int) int // the status for the n-th delivery of a notification; 200 when nil

	mu    sync.Mutex
	seen  map[string]int
	first map[string]map[string]time.Time // eventType -> orderNo -> first arrival
}

func newHub(t *testing.T) *hub {
	t.Helper()
	h := &hub{seen: map[string]int{}, first: map[string]map[string]time.Time{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			NotifyID  string `json:"notifyId"`
			EventType string `json:"eventType"`
			Data      struct {
				OrderNo string `json:"orderNo"`
			} `json:"data"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		h.mu.Lock()
		h.seen[body.NotifyID]++
		n := h.seen[body.NotifyID]
		if h.first[body.EventType] == nil {
			h.first[body.EventType] = map[string]time.Time{}
		}
		if _, ok := h.first[body.EventType][body.Data.OrderNo]; !ok {
			h.first[body.EventType][body.Data.OrderNo] = time.Now()
		}
		status := 200
		if h.answer != nil {
			status = h.answer(body.NotifyID, n)
		}
		h.mu.Unlock()
		if h.hold != nil {
			<-h.hold
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(h.Close)
	return h
}

// count returns how many times a notification arrived.
func (h *hub) count(notifyID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen[notifyID]
}

// orders returns, for each order with a notification of eventType, when the
// first one arrived.
func (h *hub) orders(eventType string) map[string]time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]time.Time{}
	for o, at := range h.first[eventType] {
		out[o] = at
	}
	return out
}

// TestNodesStartTogether: nodes started at once on one empty database
// create one sandbox merchant between them, not one each.
func TestNodesStartTogether(t *testing.T) {
	db := pgSchema(t)
	key := newMasterKey(t)
	mains := make([]*Main, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range mains {
		m := NewMain()
		m.Addr, m.DB, m.MasterKey = "127.0.0.1:0", db, key
		m.Stdout, m.Stderr = &syncBuffer{}, &syncBuffer{}
		m.SweepInterval = time.Hour
		mains[i] = m
		wg.Go(func() { errs[i] = m.Open(context.Background()) })
	}
	wg.Wait()
	created := 0
	for i, m := range mains {
		if errs[i] != nil {
			t.Errorf("node %d: %v", i, errs[i])
			continue
		}
		t.Cleanup(func() { m.Close() })
		if m.Sandbox != nil {
			created++
		}
	}
	if created != 1 {
		t.Errorf("nodes that created a sandbox merchant: got %d, want 1", created)
	}
	if n, err := mains[0].store.CountMerchants(context.Background()); err != nil || n != 1 {
		t.Errorf("merchants: got %d %v, want 1", n, err)
	}
}
