// Package postgres implements the paygate store on PostgreSQL with pgx v5: a
// connection pool (pgx prepares and caches each statement per connection) and
// embedded migrations. Several paygate nodes can share one database: every
// write is a compare-and-set or an insert guarded by a unique key, so the
// nodes need no other coordination.
//
// Errors follow the store contract by SQLSTATE, never by message text: a
// unique violation (23505) is EConflict; a lost connection, a refused login,
// a server shutting down or a pool that cannot hand out a connection within
// a couple of seconds is EUnavailable, so the API answers 503 at once instead
// of hanging while the database is away.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"path"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"paygate"
	"paygate/groupcommit"
)

//go:embed migration/*.sql
var migrations embed.FS

// Timeouts that keep a request from waiting on a database that is away. Both
// can be raised per deployment: connect_timeout in the URL, and the pool is
// sized by pool_max_conns.
const (
	connectTimeout = 2 * time.Second // dialing and logging in to the server
	acquireTimeout = 2 * time.Second // waiting for a free pooled connection
)

// Store is the PostgreSQL store.
type Store struct {
	pool *pgxpool.Pool

	commits *groupcommit.Queue[[]write] // each change's statements

	applied []string // the migrations Migrate applied
}

var _ paygate.Store = (*Store)(nil)

// Open connects to the database at url (postgres://user:pass@host:port/db?...;
// any libpq parameter, plus pgx's pool_* parameters) and applies pending
// migrations. A bad URL, a server that cannot be reached or refuses the
// login, and a schema newer than this binary are errors naming the problem.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: invalid database URL: %w", err) // pgx redacts the password
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(max(8, 4*runtime.NumCPU()))
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "paygate"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot connect to %s: %w", where(cfg), err)
	}
	s := &Store{pool: pool}
	if err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	s.commits = groupcommit.New(committers, maxGroup, s.runGroup)
	return s, nil
}

// where names the server and database of cfg for messages, without secrets.
func where(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("%s:%d database %q as user %q", c.Host, c.Port, c.Database, c.User)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	err := s.withConn(ctx, "ping", func(c *pgxpool.Conn) error { return c.Ping(ctx) })
	if err != nil {
		return &paygate.Error{Code: paygate.EUnavailable, Op: "ping", Message: "the database is unavailable", Err: err}
	}
	return nil
}

// ObserveCommits has f told of every group commit: how many changes it
// wrote and the time it took (the metrics).
func (s *Store) ObserveCommits(f func(size int, took time.Duration)) { s.commits.Observe(f) }

// Close commits the changes already queued and closes the pool's connections.
func (s *Store) Close() error {
	s.commits.Close()
	s.pool.Close()
	return nil
}

// Migrate applies the embedded migrations not yet applied, in file-name
// order, in one transaction. Nodes starting together take turns on an
// advisory lock, so each migration runs once. A database that holds a
// migration this binary does not know was migrated by a newer paygate: that
// is an error, and nothing is changed.
func (s *Store) Migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return err
	}
	sort := func(names []string) []string { slices.Sort(names); return names }
	var done []string
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Per schema, so databases holding several paygates (or test
		// schemas) do not wait for one another.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('paygate migrate ' || coalesce(current_schema(), '')))`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			name text PRIMARY KEY, applied_at bigint NOT NULL)`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT name FROM schema_migrations`)
		if err != nil {
			return err
		}
		applied, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		known := map[string]bool{}
		for _, name := range names {
			known[path.Base(name)] = true
		}
		for _, name := range sort(applied) {
			if !known[name] {
				return fmt.Errorf("database schema is newer than this binary (unknown migration %s); run a paygate that knows it", name)
			}
		}
		for _, name := range sort(names) {
			base := path.Base(name)
			if slices.Contains(applied, base) {
				continue
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", base, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`, base, time.Now().UnixMilli()); err != nil {
				return err
			}
			done = append(done, base)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	s.applied = append(s.applied, done...)
	return nil
}

// Applied names the migrations this Store applied when it was opened, in
// order; none when the schema was up to date.
func (s *Store) Applied() []string { return s.applied }

// withConn runs f on a pooled connection, waiting at most acquireTimeout for
// one, and maps the error f returns.
func (s *Store) withConn(ctx context.Context, op string, f func(c *pgxpool.Conn) error) error {
	actx, cancel := context.WithTimeout(ctx, acquireTimeout)
	c, err := s.pool.Acquire(actx)
	cancel()
	if err != nil {
		return dbErr(ctx, op, err)
	}
	defer c.Release()
	return dbErr(ctx, op, f(c))
}

// dbErr maps driver errors to paygate codes by SQLSTATE and error type.
func dbErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	var pe *paygate.Error
	if errors.As(err, &pe) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &paygate.Error{Code: paygate.ENotFound, Op: op, Message: "not found"}
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch code := pg.Code; {
		case code == "23505": // unique_violation
			return &paygate.Error{Code: paygate.EConflict, Op: op, Message: "already exists", Err: err}
		case code == "40001" || code == "40P01": // serialization failure, deadlock: nothing was written
			return &paygate.Error{Code: paygate.EConflict, Op: op, Message: "concurrent update", Err: err}
		case code == "22021" || code == "22P05": // text PostgreSQL cannot store (NUL, invalid UTF-8)
			return &paygate.Error{Code: paygate.EInvalidParameter, Op: op, Message: "text must be valid UTF-8 without NUL characters", Err: err}
		case strings.HasPrefix(code, "08"), // connection exception
			code == "57P01", code == "57P02", code == "57P03", // admin shutdown, crash shutdown, cannot connect now
			code == "53300",               // too many connections
			code == "53100",               // disk full: nothing was written
			code == "57014",               // statement timeout (deploy.md suggests one)
			code == "25006",               // read-only transaction: a standby, during a failover
			strings.HasPrefix(code, "28"): // login refused
			return unavailable(op, err)
		}
		return paygate.Internal(op, err)
	}
	if ctx.Err() != nil {
		return paygate.Internal(op, err) // the caller gave up: not the database's fault
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		// context.DeadlineExceeded with ctx alive is our acquire timeout.
		return unavailable(op, err)
	}
	return paygate.Internal(op, err)
}

func unavailable(op string, err error) error {
	return &paygate.Error{Code: paygate.EUnavailable, Op: op, Message: "the database is unavailable; retry later", Err: err}
}

var errStale = &paygate.Error{Code: paygate.EConflict, Message: "stale version"}

// storable reports whether every string in args can be stored in PostgreSQL
// text (valid UTF-8, no NUL). A lookup by a key that is not cannot match a
// row; SQLite would find none either, so it answers "none" without asking.
func storable(args ...any) bool {
	for _, a := range args {
		if s, ok := a.(string); ok && (!utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0) {
			return false
		}
	}
	return true
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func msPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.UnixMilli()
	return &v
}

func fromMs(v int64) time.Time { return time.UnixMilli(v).UTC() }

// rows runs a query and calls scan for each row. A query whose arguments
// cannot be stored matches no row.
func (s *Store) rows(ctx context.Context, op, sql string, args []any, scan func(pgx.Rows) error) error {
	if !storable(args...) {
		return nil
	}
	return s.withConn(ctx, op, func(c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// exec runs one statement outside Apply and returns the rows it touched.
func (s *Store) exec(ctx context.Context, op, sql string, args ...any) (int64, error) {
	var n int64
	err := s.withConn(ctx, op, func(c *pgxpool.Conn) error {
		tag, err := c.Exec(ctx, sql, args...)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}

// bodies reads the JSON body column of the rows a query returns.
func bodies[T any](ctx context.Context, s *Store, op, sql string, args ...any) ([]*T, error) {
	var out []*T
	err := s.rows(ctx, op, sql, args, func(r pgx.Rows) error {
		var body string
		if err := r.Scan(&body); err != nil {
			return err
		}
		v := new(T)
		if err := json.Unmarshal([]byte(body), v); err != nil {
			return paygate.Internal(op, err)
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// one returns the first element of vs, or ENotFound.
func one[T any](vs []*T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, &paygate.Error{Code: paygate.ENotFound, Message: "not found"}
	}
	return vs[0], nil
}

// limitArg is LIMIT's argument: SQLite reads a negative limit as none.
func limitArg(limit int) *int {
	if limit < 0 {
		return nil
	}
	return &limit
}

// Events lists an object's events, oldest first.
func (s *Store) Events(ctx context.Context, merchantID, objectID string) ([]paygate.Event, error) {
	var out []paygate.Event
	err := s.rows(ctx, "events", `SELECT id, merchant_id, object_type, object_id, from_status, to_status, request_id, at
		FROM events WHERE merchant_id = $1 AND object_id = $2 ORDER BY id`, []any{merchantID, objectID}, func(r pgx.Rows) error {
		var e paygate.Event
		var at int64
		if err := r.Scan(&e.ID, &e.MerchantID, &e.ObjectType, &e.ObjectID, &e.From, &e.To, &e.RequestID, &at); err != nil {
			return err
		}
		e.At = fromMs(at)
		out = append(out, e)
		return nil
	})
	return out, err
}

// Idempotency returns an idempotency record.
func (s *Store) Idempotency(ctx context.Context, merchantID, key string) (*paygate.IdempotencyRecord, error) {
	var out []*paygate.IdempotencyRecord
	err := s.rows(ctx, "idempotency", `SELECT merchant_id, key, op, request_hash, version, done, is_error, result, created_at, updated_at, expires_at
		FROM idempotency_keys WHERE merchant_id = $1 AND key = $2`, []any{merchantID, key}, func(r pgx.Rows) error {
		var k paygate.IdempotencyRecord
		var created, updated, expires int64
		if err := r.Scan(&k.MerchantID, &k.Key, &k.Op, &k.RequestHash, &k.Version, &k.Done, &k.IsError, &k.Result, &created, &updated, &expires); err != nil {
			return err
		}
		k.CreatedAt, k.UpdatedAt, k.ExpiresAt = fromMs(created), fromMs(updated), fromMs(expires)
		out = append(out, &k)
		return nil
	})
	return one(out, err)
}

// DeleteExpiredIdempotency removes expired idempotency records.
func (s *Store) DeleteExpiredIdempotency(ctx context.Context, now time.Time) (int, error) {
	n, err := s.exec(ctx, "delete idempotency", `DELETE FROM idempotency_keys WHERE expires_at <= $1`, ms(now))
	if err != nil {
		return 0, err
	}
	return int(n), nil
}
