package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// db is a pool whose statements are prepared once and reused: parsing SQL
// was a quarter of the CPU of a payment before. database/sql keeps a
// statement prepared on each connection it has run on.
type db struct {
	*sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newDB(d *sql.DB) *db { return &db{DB: d, stmts: map[string]*sql.Stmt{}} }

// cached returns the prepared statement of query, if there is one.
func (d *db) cached(query string) *sql.Stmt {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stmts[query]
}

// stmt returns query prepared, preparing it first if needed. The lock is not
// held while preparing: that takes a connection, which a transaction on the
// one-connection writer pool may be holding.
func (d *db) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := d.cached(query); st != nil {
		return st, nil
	}
	st, err := d.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if old, ok := d.stmts[query]; ok {
		st.Close()
		return old, nil
	}
	d.stmts[query] = st
	return st, nil
}

// prepare prepares queries a transaction ran unprepared, once the
// transaction has given its connection back.
func (d *db) prepare(ctx context.Context, queries []string) {
	for _, q := range queries {
		d.stmt(ctx, q)
	}
}

// ExecContext runs a prepared statement.
func (d *db) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// QueryContext runs a prepared query.
func (d *db) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs a prepared query for one row.
func (d *db) QueryRowContext(ctx context.Context, query string, args ...any) *row {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return &row{err: err}
	}
	return &row{r: st.QueryRowContext(ctx, args...)}
}

// row is sql.Row or the error of preparing its query.
type row struct {
	r   *sql.Row
	err error
}

// Scan is sql.Row.Scan.
func (r *row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.r.Scan(dest...)
}

// Close closes the statements and the pool.
func (d *db) Close() error {
	d.mu.Lock()
	for _, st := range d.stmts {
		st.Close()
	}
	d.mu.Unlock()
	return d.DB.Close()
}

// begin starts a transaction whose statements are the pool's prepared ones.
func (d *db) begin(ctx context.Context) (*tx, error) {
	t, err := d.DB.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &tx{Tx: t, d: d}, nil
}

// tx is a transaction running prepared statements.
type tx struct {
	*sql.Tx
	d       *db
	missing []string // queries run unprepared; prepared after the transaction
}

// ExecContext runs the statement prepared if it is, else as is (preparing
// needs the connection this transaction holds) and notes it for later.
func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.d.cached(query); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	t.missing = append(t.missing, query)
	return t.Tx.ExecContext(ctx, query, args...)
}
