package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"paygate"
	"paygate/postgres"
	"paygate/storetest"
)

// The tests run against the server named by PAYGATE_TEST_POSTGRES (a
// postgres:// URL of a role that may create schemas; `.ci/postgres start`
// prints one). Each store gets its own schema, dropped when its test ends.

func TestStore(t *testing.T) {
	base := testURL(t)
	storetest.Run(t, func(t *testing.T) paygate.Store {
		return pooledStore(t, base)
	})
}

// TestMigrateConcurrently starts several nodes on one empty database at once:
// the migrations run once and every node opens.
func TestMigrateConcurrently(t *testing.T) {
	u := newSchema(t, testURL(t))
	const n = 4
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			s, err := postgres.Open(t.Context(), u)
			if err == nil {
				s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Open: %v", err)
		}
	}
	if got, want := migrationNames(t, u), migrationFiles(t); !reflect.DeepEqual(got, want) {
		t.Errorf("schema_migrations: got %v, want %v", got, want)
	}

	// Reopening finds the schema and the data in place.
	s := open(t, u)
	m := &paygate.Merchant{ID: "m_1", Name: "Shop", AppID: "app_1", SecretHash: "hash", NotifySecretSealed: []byte("sealed"), KeyID: "k1"}
	if err := s.CreateMerchant(t.Context(), m); err != nil {
		t.Fatalf("CreateMerchant: %v", err)
	}
	again := open(t, u)
	if n, err := again.CountMerchants(t.Context()); err != nil || n != 1 {
		t.Errorf("CountMerchants after reopening: got %d, %v, want 1", n, err)
	}
}

// TestNewerSchema: a database migrated by a newer paygate is refused, and
// this binary applies none of its own migrations to it.
func TestNewerSchema(t *testing.T) {
	u := newSchema(t, testURL(t))
	sql(t, u, `CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at bigint NOT NULL)`,
		`INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_from_the_future.sql', 0)`)

	s, err := postgres.Open(t.Context(), u)
	if err == nil {
		s.Close()
		t.Fatal("Open of a newer schema: got no error")
	}
	want := "database schema is newer than this binary (unknown migration 9999_from_the_future.sql)"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("Open: got %q, want it to contain %q", err, want)
	}
	if got := migrationNames(t, u); !reflect.DeepEqual(got, []string{"9999_from_the_future.sql"}) {
		t.Errorf("schema_migrations: got %v, want only 9999_from_the_future.sql", got)
	}
	if got := tables(t, u); !reflect.DeepEqual(got, []string{"schema_migrations"}) {
		t.Errorf("tables: got %v, want only schema_migrations", got)
	}
}

// TestOpenBadInput: each way start-up can fail names the problem and never
// shows the password.
func TestOpenBadInput(t *testing.T) {
	base := testURL(t)
	closed := closedPort(t)
	withUser := func(user string) string {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(user, "s3cret-pw")
		return u.String()
	}
	withDB := func(db string) string {
		u, _ := url.Parse(base)
		u.Path = "/" + db
		return u.String()
	}
	withHost := func(host string) string {
		u, _ := url.Parse(base)
		u.User = url.UserPassword("postgres", "s3cret-pw")
		u.Host = host
		return u.String()
	}
	for _, tc := range []struct {
		name, url, want string
	}{
		{"BadURL", "postgres://postgres:s3cret-pw@127.0.0.1:notaport/db", "invalid database URL"},
		{"BadParameter", base + "&connect_timeout=soon", "invalid database URL"},
		{"Unreachable", withHost(closed), "cannot connect to 127.0.0.1"},
		{"UnknownRole", withUser("paygate_no_such_role"), `role "paygate_no_such_role" does not exist`},
		{"UnknownDatabase", withDB("paygate_no_such_db"), `database "paygate_no_such_db" does not exist`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			s, err := postgres.Open(t.Context(), tc.url)
			if err == nil {
				s.Close()
				t.Fatalf("Open %s: got no error", tc.url)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open: got %q, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret-pw") {
				t.Errorf("Open: got %q, which shows the password", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Open took %v, want a quick failure", d)
			}
		})
	}
}

// TestUnavailable cuts the connection to the server under a store: its calls
// fail fast with EUnavailable, and work again once the server is back,
// without reopening the store.
func TestUnavailable(t *testing.T) {
	u := newSchema(t, testURL(t))
	p := newProxy(t, u)
	s := open(t, p.url)
	ctx := t.Context()
	m := &paygate.Merchant{ID: "m_1", Name: "Shop", AppID: "app_1", SecretHash: "hash", NotifySecretSealed: []byte("sealed"), KeyID: "k1"}
	if err := s.CreateMerchant(ctx, m); err != nil {
		t.Fatalf("CreateMerchant: %v", err)
	}

	p.cut()
	calls := []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return s.Ping(ctx) }},
		{"Merchant", func() error { _, err := s.Merchant(ctx, "m_1"); return err }},
		{"Apply", func() error {
			return s.Apply(ctx, paygate.Change{Events: []paygate.Event{{MerchantID: "m_1", ObjectType: "payment", ObjectID: "T1", To: "PENDING", At: time.Now()}}})
		}},
		{"CreateMerchant", func() error {
			m2 := *m
			m2.ID, m2.AppID = "m_2", "app_2"
			return s.CreateMerchant(ctx, &m2)
		}},
		{"DueNotifications", func() error { _, err := s.DueNotifications(ctx, time.Now(), paygate.DueCursor{}, 10); return err }},
	}
	for _, c := range calls {
		start := time.Now()
		err := c.call()
		if code := paygate.ErrorCode(err); code != paygate.EUnavailable {
			t.Errorf("%s while the server is away: got %v (code %q), want code %q", c.name, err, code, paygate.EUnavailable)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s took %v to fail, want under 3s", c.name, d)
		}
	}

	p.restore()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.Ping(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ping after the server is back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n, err := s.CountMerchants(ctx); err != nil || n != 1 {
		t.Errorf("CountMerchants after the server is back: got %d, %v, want 1 (the write during the outage must not exist)", n, err)
	}
}

// TestUnstorableText: PostgreSQL text holds neither NUL nor invalid UTF-8,
// which SQLite accepts. A lookup by such a key finds nothing, as on SQLite;
// writing such text is invalid_parameter rather than an internal error.
func TestUnstorableText(t *testing.T) {
	s, ctx := open(t, newSchema(t, testURL(t))), t.Context()
	for _, key := range []string{"T\x00", "T\xff"} {
		if _, err := s.Payment(ctx, "m_1", key); paygate.ErrorCode(err) != paygate.ENotFound {
			t.Errorf("Payment %q: got %v, want code %q", key, err, paygate.ENotFound)
		}
		if _, err := s.Idempotency(ctx, "m_1", key); paygate.ErrorCode(err) != paygate.ENotFound {
			t.Errorf("Idempotency %q: got %v, want code %q", key, err, paygate.ENotFound)
		}
		if _, err := s.MerchantByAppID(ctx, key); paygate.ErrorCode(err) != paygate.ENotFound {
			t.Errorf("MerchantByAppID %q: got %v, want code %q", key, err, paygate.ENotFound)
		}
		if err := s.DeleteSubscription(ctx, "m_1", key); paygate.ErrorCode(err) != paygate.ENotFound {
			t.Errorf("DeleteSubscription %q: got %v, want code %q", key, err, paygate.ENotFound)
		}
		rec := &paygate.IdempotencyRecord{MerchantID: "m_1", Key: key, Op: "capture", RequestHash: "h", Version: 1}
		if err := s.Apply(ctx, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{rec}}); paygate.ErrorCode(err) != paygate.EInvalidParameter {
			t.Errorf("Apply with key %q: got %v, want code %q", key, err, paygate.EInvalidParameter)
		}
	}
}

// testURL returns the server's URL, or skips the test without one (fails
// under CI=true, where a missing server is a broken setup, not a laptop).
func testURL(t *testing.T) string {
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

// newSchema creates an empty schema, dropped when t ends, and returns base
// with its search_path set to it.
func newSchema(t *testing.T, base string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "test_" + hex.EncodeToString(b)
	sql(t, base, `CREATE SCHEMA `+name)
	t.Cleanup(func() { sql(t, base, `DROP SCHEMA `+name+` CASCADE`) })
	return withSearchPath(t, base, name)
}

// withSearchPath returns base with its search_path set to schema.
func withSearchPath(t *testing.T, base, schema string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("PAYGATE_TEST_POSTGRES must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// sql runs statements on a connection of its own.
func sql(t *testing.T, u string, stmts ...string) {
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

func migrationNames(t *testing.T, u string) []string {
	t.Helper()
	c, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close(t.Context())
	rows, _ := c.Query(t.Context(), `SELECT name FROM schema_migrations ORDER BY name`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("schema_migrations: %v", err)
	}
	return names
}

// migrationFiles lists the migrations of this package, by name.
func migrationFiles(t *testing.T) []string {
	t.Helper()
	es, err := os.ReadDir("migration")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	return names
}

// tables lists the tables in u's schema.
func tables(t *testing.T, u string) []string {
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

// open opens the store at u and closes it when t ends.
func open(t *testing.T, u string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// proxy forwards TCP to the server; cut drops every connection and refuses
// new ones, as a stopped server does, and restore accepts again.
type proxy struct {
	t      *testing.T
	target string
	url    string // the URL it was made for, pointing at the proxy
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

func newProxy(t *testing.T, dbURL string) *proxy {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, target: u.Host, conns: map[net.Conn]bool{}}
	p.listen("127.0.0.1:0")
	u.Host = p.addr
	p.url = u.String()
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) listen(addr string) {
	var ln net.Listener
	var err error
	for range 50 { // the port may linger briefly after cut
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *proxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

func (p *proxy) restore() { p.listen(p.addr) }
