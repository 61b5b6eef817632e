package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"paygate/postgres"
)

// schemas keeps the migrated schemas the conformance suite's stores use, so
// that a store is opened on an emptied one (TRUNCATE) rather than on a new
// schema migrated from nothing: as river's test schemas, reused once their
// test ends. Each store still has a schema of its own while it is open.
var schemas struct {
	mu    sync.Mutex
	admin *pgxpool.Pool // on the base URL: creates, empties and drops them
	free  []string
	all   []string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if schemas.admin != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		for _, name := range schemas.all {
			if _, err := schemas.admin.Exec(ctx, `DROP SCHEMA `+name+` CASCADE`); err != nil {
				fmt.Fprintf(os.Stderr, "drop test schema %s: %v\n", name, err)
			}
		}
		cancel()
		schemas.admin.Close()
	}
	os.Exit(code)
}

// pooledStore opens a store on an empty, migrated schema of its own,
// emptied and given back to the pool when t ends.
func pooledStore(t *testing.T, base string) *postgres.Store {
	t.Helper()
	ctx := t.Context()
	admin, name, reused := takeSchema(t, base)
	if reused {
		rows, _ := admin.Query(ctx, `SELECT quote_ident(table_name) FROM information_schema.tables
			WHERE table_schema = $1 AND table_name <> 'schema_migrations'`, name)
		tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("tables of %s: %v", name, err)
		}
		for i := range tables {
			tables[i] = name + "." + tables[i]
		}
		if _, err := admin.Exec(ctx, `TRUNCATE `+strings.Join(tables, ", ")+` RESTART IDENTITY`); err != nil {
			t.Fatalf("empty %s: %v", name, err)
		}
	}
	t.Cleanup(func() { // runs after the store's Close, registered below
		schemas.mu.Lock()
		schemas.free = append(schemas.free, name)
		schemas.mu.Unlock()
	})
	return open(t, withSearchPath(t, base, name)) // migrates a new schema
}

// takeSchema returns a free schema, or a new empty one.
func takeSchema(t *testing.T, base string) (admin *pgxpool.Pool, name string, reused bool) {
	t.Helper()
	schemas.mu.Lock()
	defer schemas.mu.Unlock()
	if schemas.admin == nil {
		p, err := pgxpool.New(context.Background(), base)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		schemas.admin = p
	}
	if n := len(schemas.free); n > 0 {
		name = schemas.free[n-1]
		schemas.free = schemas.free[:n-1]
		return schemas.admin, name, true
	}
	b := make([]byte, 6)
	rand.Read(b)
	name = "test_pool_" + hex.EncodeToString(b)
	if _, err := schemas.admin.Exec(t.Context(), `CREATE SCHEMA `+name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	schemas.all = append(schemas.all, name)
	return schemas.admin, name, false
}
