package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"paygate"
	"paygate/sqlite"
	"paygate/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) paygate.Store {
		return open(t, filepath.Join(t.TempDir(), "paygate.db"))
	})
}

// TestOpenTwice checks that migrations are applied once: a second Open of the
// same file, while the first is open and after it is closed, finds the schema
// and the data in place.
func TestOpenTwice(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "paygate.db")
	m := &paygate.Merchant{ID: "m_1", Name: "Shop", AppID: "app_1", SecretHash: "hash",
		NotifySecretSealed: []byte("sealed"), KeyID: "k1"}

	first, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := first.CreateMerchant(ctx, m); err != nil {
		t.Fatalf("CreateMerchant: %v", err)
	}

	second := open(t, path) // while first is still open
	if got, err := second.Merchant(ctx, "m_1"); err != nil || got.AppID != "app_1" {
		t.Fatalf("Merchant after second Open: got %+v, %v, want app_1", got, err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	third := open(t, path)
	n, err := third.CountMerchants(ctx)
	if err != nil {
		t.Fatalf("CountMerchants: %v", err)
	}
	if n != 1 {
		t.Errorf("CountMerchants after reopening: got %d, want 1", n)
	}
	if err := third.CreateMerchant(ctx, m); paygate.ErrorCode(err) != paygate.EConflict {
		t.Errorf("CreateMerchant again: got %v, want code %q", err, paygate.EConflict)
	}
}

// open opens the store at path and closes it when t ends.
func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open %s: %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paygate.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (name, applied_at) VALUES ('migration/9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = sqlite.Open(t.Context(), path)
	if err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Errorf("got %v, want the newer schema refused", err)
	}
}

func TestFileReadableByOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paygate.db")
	open(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("database file mode: got %o, want 600", mode)
	}
}
