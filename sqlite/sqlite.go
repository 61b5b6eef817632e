// Package sqlite implements the paygate store on an embedded SQLite database
// (modernc.org/sqlite, pure Go). Writes go through a single connection, since
// SQLite has one writer at a time; reads use a pool of read-only connections.
// Commits are durable (WAL with synchronous=FULL): a 2xx answer survives a crash.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"slices"
	"sort"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"paygate"
	"paygate/groupcommit"
)

//go:embed migration/*.sql
var migrations embed.FS

// Store is the SQLite store.
type Store struct {
	w *db // one connection: every write
	r *db // read-only connections

	commits *groupcommit.Queue[*pending] // one committer: SQLite has one writer

	subs subCache

	applied []string // the migrations Migrate applied
}

var _ paygate.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path and applies
// pending migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	// Created readable by its owner only (SQLite gives the WAL the same
	// mode): it holds sealed card data and merchants' secret hashes.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	w, err := sql.Open("sqlite", base+"&_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(10000)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8) // keep them: a new connection re-prepares every statement
	s := &Store{w: newDB(w), r: newDB(r)}
	if err := s.Migrate(ctx); err != nil {
		s.r.Close()
		s.w.Close()
		return nil, err
	}
	s.commits = groupcommit.New(1, maxGroup, s.runGroup)
	return s, nil
}

// Ping checks that the database file answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return &paygate.Error{Code: paygate.EUnavailable, Op: "ping", Message: "the database is unavailable", Err: err}
	}
	return nil
}

// ObserveCommits has f told of every group commit: how many changes it
// wrote and the time it took (the metrics).
func (s *Store) ObserveCommits(f func(size int, took time.Duration)) { s.commits.Observe(f) }

// Close commits the changes already queued and closes both pools.
func (s *Store) Close() error {
	s.commits.Close()
	return errors.Join(s.r.Close(), s.w.Close())
}

// Migrate applies the embedded migrations not yet applied, each in its own
// transaction, in file-name order.
func (s *Store) Migrate(ctx context.Context) error {
	if _, err := s.w.DB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	// A database migrated by a newer binary has migrations this one does not
	// know: refuse it rather than run on a schema it does not understand.
	rows, err := s.w.DB.QueryContext(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var applied []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		applied = append(applied, n)
	}
	rows.Close()
	for _, n := range applied {
		if !slices.Contains(names, n) {
			return fmt.Errorf("database schema is newer than this binary (unknown migration %s)", n)
		}
	}
	for _, name := range names {
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := s.w.DB.BeginTx(ctx, nil) // not prepared: a migration holds many statements
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
			tx.Rollback()
			return err
		}
		if n == 0 {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				tx.Rollback()
				return fmt.Errorf("migrate %s: %w", name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, name, time.Now().UnixMilli()); err != nil {
				tx.Rollback()
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		if n == 0 {
			s.applied = append(s.applied, path.Base(name))
		}
	}
	return nil
}

// Applied names the migrations this Store applied when it was opened, in
// order; none when the schema was up to date.
func (s *Store) Applied() []string { return s.applied }

// dbErr maps driver errors to paygate codes by SQLite's extended result code.
func dbErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return &paygate.Error{Code: paygate.EConflict, Op: op, Message: "already exists", Err: err}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &paygate.Error{Code: paygate.ENotFound, Op: op, Message: "not found"}
	}
	var pe *paygate.Error
	if errors.As(err, &pe) {
		return err
	}
	return paygate.Internal(op, err)
}

var errStale = &paygate.Error{Code: paygate.EConflict, Message: "stale version"}

func ms(t time.Time) int64 { return t.UnixMilli() }

func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func fromMs(v int64) time.Time { return time.UnixMilli(v).UTC() }

// Apply writes c in one transaction.
//
// Apply commits in groups (group commit): concurrent calls are written in one
// transaction and answered together after the one durable commit (one disk
// flush for many requests); a change that fails is rolled back alone (see
// runGroup). A call returns only once its change is on disk, or has failed;
// a change is written even if its request's context ends meanwhile, since it
// often records what already happened outside (an acquirer's answer).
func (s *Store) Apply(ctx context.Context, c paygate.Change) error {
	enc, err := encode(c)
	if err != nil {
		return err
	}
	err = s.commits.Do(&pending{c: c, enc: enc})
	if errors.Is(err, groupcommit.ErrClosed) {
		return paygate.Internal("apply", err)
	}
	return err
}

// pending is one Apply's change, encoded.
type pending struct {
	c   paygate.Change
	enc encoded
}

// maxGroup bounds how many changes share one transaction.
const maxGroup = 256

// runGroup writes group in one transaction and commits it, on the single
// writer connection (groupcommit.Commit). Without savepoints it gives up
// (done false, nothing written) at the first change that fails; with them,
// it commits every change that succeeds.
func (s *Store) runGroup(group []*pending, savepoints bool) (results []error, done bool) {
	ctx := context.Background()
	results = make([]error, len(group))
	fail := func(err error) ([]error, bool) {
		for i := range results {
			results[i] = err
		}
		return results, true
	}
	tx, err := s.w.begin(ctx)
	if err != nil {
		return fail(dbErr("apply", err))
	}
	// Prepare what ran unprepared once the connection is free again (a
	// closure: tx.missing grows while the group runs).
	defer func() { s.w.prepare(ctx, tx.missing) }()
	exec := func(q string) error {
		_, err := tx.ExecContext(ctx, q)
		return err
	}
	ok := 0
	for i, p := range group {
		if savepoints {
			if err := exec("SAVEPOINT change"); err != nil {
				tx.Rollback()
				return fail(dbErr("apply", err))
			}
		}
		results[i] = applyTx(ctx, tx, p.c, p.enc)
		switch {
		case results[i] != nil && !savepoints:
			tx.Rollback()
			return nil, false
		case results[i] != nil:
			if err := exec("ROLLBACK TO change"); err != nil {
				tx.Rollback()
				return fail(dbErr("apply", err))
			}
		default:
			ok++
		}
		if savepoints {
			if err := exec("RELEASE change"); err != nil {
				tx.Rollback()
				return fail(dbErr("apply", err))
			}
		}
	}
	if ok == 0 {
		tx.Rollback()
		return results, true
	}
	if err := tx.Commit(); err != nil {
		return fail(dbErr("commit", err))
	}
	return results, true
}

// applyTx writes one change inside tx.
func applyTx(ctx context.Context, tx *tx, c paygate.Change, enc encoded) error {
	var err error
	if err := applyPayments(ctx, tx, c.Payments, enc.payments); err != nil {
		return err
	}
	if err := applyRefunds(ctx, tx, c.Refunds, enc.refunds); err != nil {
		return err
	}
	for _, k := range c.Idempotency {
		var res sql.Result
		if k.Version == 1 {
			res, err = tx.ExecContext(ctx, `INSERT INTO idempotency_keys (merchant_id, key, op, request_hash, version, done, is_error, result, created_at, updated_at, expires_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, k.MerchantID, k.Key, k.Op, k.RequestHash, k.Version, k.Done, k.IsError, k.Result, ms(k.CreatedAt), ms(k.UpdatedAt), ms(k.ExpiresAt))
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE idempotency_keys SET op = ?, request_hash = ?, version = ?, done = ?, is_error = ?, result = ?, created_at = ?, updated_at = ?, expires_at = ?
				WHERE merchant_id = ? AND key = ? AND version = ?`, k.Op, k.RequestHash, k.Version, k.Done, k.IsError, k.Result, ms(k.CreatedAt), ms(k.UpdatedAt), ms(k.ExpiresAt), k.MerchantID, k.Key, k.Version-1)
		}
		if err := affected("apply idempotency", res, err); err != nil {
			return err
		}
	}
	if err := applyNotifications(ctx, tx, c); err != nil {
		return err
	}
	if err := applyStoredCards(ctx, tx, c.StoredCards); err != nil {
		return err
	}
	if err := applySessions(ctx, tx, c.Sessions); err != nil {
		return err
	}
	if err := applyTrackers(ctx, tx, c.Trackers); err != nil {
		return err
	}
	if err := applyDisputes(ctx, tx, c.Disputes); err != nil {
		return err
	}
	if err := applyJournals(ctx, tx, c.Journals); err != nil {
		return err
	}
	for _, e := range c.Events {
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (merchant_id, object_type, object_id, from_status, to_status, request_id, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, e.MerchantID, e.ObjectType, e.ObjectID, e.From, e.To, e.RequestID, ms(e.At)); err != nil {
			return dbErr("apply event", err)
		}
	}
	return nil
}

// affected turns "no row matched the version" into a conflict.
func affected(op string, res sql.Result, err error) error {
	if err != nil {
		return dbErr(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return dbErr(op, err)
	}
	if n == 0 {
		return errStale
	}
	return nil
}

func scanAll[T any](rows *sql.Rows) ([]*T, error) {
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, dbErr("scan", err)
		}
		v := new(T)
		if err := json.Unmarshal([]byte(body), v); err != nil {
			return nil, paygate.Internal("scan", err)
		}
		out = append(out, v)
	}
	return out, dbErr("scan", rows.Err())
}

// Events lists an object's events, oldest first.
func (s *Store) Events(ctx context.Context, merchantID, objectID string) ([]paygate.Event, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, merchant_id, object_type, object_id, from_status, to_status, request_id, at
		FROM events WHERE merchant_id = ? AND object_id = ? ORDER BY id`, merchantID, objectID)
	if err != nil {
		return nil, dbErr("events", err)
	}
	defer rows.Close()
	var out []paygate.Event
	for rows.Next() {
		var e paygate.Event
		var at int64
		if err := rows.Scan(&e.ID, &e.MerchantID, &e.ObjectType, &e.ObjectID, &e.From, &e.To, &e.RequestID, &at); err != nil {
			return nil, dbErr("events", err)
		}
		e.At = fromMs(at)
		out = append(out, e)
	}
	return out, dbErr("events", rows.Err())
}

// Idempotency returns an idempotency record.
func (s *Store) Idempotency(ctx context.Context, merchantID, key string) (*paygate.IdempotencyRecord, error) {
	var k paygate.IdempotencyRecord
	var created, updated, expires int64
	err := s.r.QueryRowContext(ctx, `SELECT merchant_id, key, op, request_hash, version, done, is_error, result, created_at, updated_at, expires_at
		FROM idempotency_keys WHERE merchant_id = ? AND key = ?`, merchantID, key).
		Scan(&k.MerchantID, &k.Key, &k.Op, &k.RequestHash, &k.Version, &k.Done, &k.IsError, &k.Result, &created, &updated, &expires)
	if err != nil {
		return nil, dbErr("idempotency", err)
	}
	k.CreatedAt, k.UpdatedAt, k.ExpiresAt = fromMs(created), fromMs(updated), fromMs(expires)
	return &k, nil
}

// DeleteExpiredIdempotency removes expired idempotency records.
func (s *Store) DeleteExpiredIdempotency(ctx context.Context, now time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= ?`, ms(now))
	if err != nil {
		return 0, dbErr("delete idempotency", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
