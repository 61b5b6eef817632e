package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestMasterKeyMismatch: a node given another master key than the one its
// database's data was sealed under refuses to start, naming
// PAYGATE_OLD_MASTER_KEYS, and starts once the old key is listed there.
func TestMasterKeyMismatch(t *testing.T) {
	t.Run("SQLiteKeyFile", func(t *testing.T) {
		db := "sqlite:" + filepath.Join(t.TempDir(), "p.db")
		// The first start keeps a key file beside the database.
		checkKeyStart(t, db, "", nil, "")
		checkKeyStart(t, db, newMasterKey(t), nil, "PAYGATE_OLD_MASTER_KEYS")
	})
	t.Run("SQLite", func(t *testing.T) {
		testKeyMismatch(t, "sqlite:"+filepath.Join(t.TempDir(), "p.db"))
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		testKeyMismatch(t, pgSchema(t))
	})
}

func testKeyMismatch(t *testing.T, db string) {
	old, current := newMasterKey(t), newMasterKey(t)
	checkKeyStart(t, db, old, nil, "")
	checkKeyStart(t, db, current, nil, "PAYGATE_OLD_MASTER_KEYS")
	checkKeyStart(t, db, current, []string{newMasterKey(t)}, "PAYGATE_OLD_MASTER_KEYS")
	checkKeyStart(t, db, current, []string{old}, "")
	// merchant create reads the same keys.
	var out, errb syncBuffer
	getenv := func(k string) string { return map[string]string{"PAYGATE_MASTER_KEY": current}[k] }
	err := run(context.Background(), []string{"merchant", "create", "--name", "Shop", "--db", db}, getenv, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "PAYGATE_OLD_MASTER_KEYS") {
		t.Errorf("merchant create with another key: got %v, want a refusal naming PAYGATE_OLD_MASTER_KEYS", err)
	}
}

// checkKeyStart starts a node on db with the keys given and stops it; it
// wants a refusal containing want, or, when want is empty, a start.
func checkKeyStart(t *testing.T, db, key string, olds []string, want string) {
	t.Helper()
	m := NewMain()
	m.Addr, m.DB, m.MasterKey, m.OldMasterKeys = "127.0.0.1:0", db, key, olds
	m.Stdout, m.Stderr = &bytes.Buffer{}, &bytes.Buffer{}
	err := m.Open(context.Background())
	if err == nil {
		m.Close()
	}
	switch {
	case want == "" && err != nil:
		t.Fatalf("start: got %v, want it started", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("start with a key the data was not sealed under: got %v, want a refusal containing %q", err, want)
	}
}
