package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Backup writes a consistent copy of the database at path into the new file
// to, while a running paygate keeps writing: VACUUM INTO reads one snapshot
// of the database (WAL readers do not block the writer), so the copy holds
// every change committed before it began and none half. to must not exist;
// it is created readable by its owner only, as the database is.
func Backup(ctx context.Context, path, to string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f.Close()
	db, err := openReadOnly(path)
	if err != nil {
		os.Remove(to)
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, to); err != nil {
		os.Remove(to)
		return fmt.Errorf("backup: %w", err)
	}
	// The copy, and its name in the folder, on disk before "backed up".
	return errors.Join(syncPath(to), syncPath(filepath.Dir(to)))
}

func syncPath(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: sync %s: %w", name, err)
	}
	return nil
}

// Verified is what Verify found in a backup.
type Verified struct {
	Migrations int // migrations applied, of Known
	Known      int // migrations this build has
	Merchants  int
	Payments   int
	Refunds    int
}

// maxReported bounds the payments a failed check names.
const maxReported = 10

// Verify opens a database file read-only and checks it: SQLite's own
// integrity check, a schema this build knows (an older one is reported, a
// newer one refused), and each payment's refunded and reserved amounts
// against its refunds, which every commit keeps equal.
func Verify(ctx context.Context, path string) (Verified, error) {
	var v Verified
	if _, err := os.Stat(path); err != nil {
		return v, fmt.Errorf("verify: %w", err)
	}
	db, err := openReadOnly(path)
	if err != nil {
		return v, err
	}
	defer db.Close()
	var ok string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		return v, fmt.Errorf("verify: SQLite's integrity check failed: %v%s", err, ok)
	}
	if v.Migrations, v.Known, err = checkSchema(ctx, db); err != nil {
		return v, err
	}
	for _, c := range []struct {
		n     *int
		table string
	}{{&v.Merchants, "merchants"}, {&v.Payments, "payments"}, {&v.Refunds, "refunds"}} {
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+c.table).Scan(c.n); err != nil {
			return v, fmt.Errorf("verify: count %s: %w", c.table, err)
		}
	}
	return v, checkRefundBalances(ctx, db)
}

func openReadOnly(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// checkSchema compares the applied migrations with this build's.
func checkSchema(ctx context.Context, db *sql.DB) (applied, known int, err error) {
	names, _ := fs.Glob(migrations, "migration/*.sql")
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	rows, err := db.QueryContext(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return 0, len(names), fmt.Errorf("verify: not a paygate database: %w", err)
	}
	defer rows.Close()
	var unknown []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return 0, len(names), err
		}
		applied++
		if !have[n] {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		return applied, len(names), fmt.Errorf("verify: the database has migrations this build does not know (%s): a newer paygate wrote it", strings.Join(unknown, ", "))
	}
	return applied, len(names), rows.Err()
}

// checkRefundBalances checks every payment's RefundedMinor and
// RefundingMinor against the sums of its succeeded and processing refunds,
// and that they do not exceed what was captured.
func checkRefundBalances(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `
		SELECT p.trade_no FROM payments p
		LEFT JOIN (SELECT merchant_id, trade_no,
				sum(CASE WHEN status = 'SUCCEEDED' THEN json_extract(body, '$.Amount.Minor') ELSE 0 END) AS done,
				sum(CASE WHEN status = 'PROCESSING' THEN json_extract(body, '$.Amount.Minor') ELSE 0 END) AS busy
			FROM refunds GROUP BY merchant_id, trade_no) r
			ON r.merchant_id = p.merchant_id AND r.trade_no = p.trade_no
		WHERE json_extract(p.body, '$.RefundedMinor') != coalesce(r.done, 0)
			OR json_extract(p.body, '$.RefundingMinor') != coalesce(r.busy, 0)
			OR json_extract(p.body, '$.RefundedMinor') + json_extract(p.body, '$.RefundingMinor') > json_extract(p.body, '$.CapturedMinor')
		ORDER BY p.trade_no LIMIT ?`, maxReported)
	if err != nil {
		return fmt.Errorf("verify: refunds: %w", err)
	}
	defer rows.Close()
	var bad []string
	for rows.Next() {
		var tradeNo string
		if err := rows.Scan(&tradeNo); err != nil {
			return err
		}
		bad = append(bad, tradeNo)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(bad) > 0 {
		return errors.New("verify: refund amounts do not add up on payment(s) " + strings.Join(bad, ", "))
	}
	return nil
}
