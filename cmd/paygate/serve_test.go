package main

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// runCmd runs the command line args with no environment and returns its
// output and error.
func runCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb syncBuffer
	err = run(t.Context(), args, func(string) string { return "" }, &out, &errb)
	return out.String(), errb.String(), err
}

// TestServeMissingFolder: a --db in a folder that does not exist is refused,
// and nothing is created: no folder, no key, no sandbox merchant.
func TestServeMissingFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no", "such")
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--db", "sqlite:" + filepath.Join(dir, "x.db")},
		{"merchant", "create", "--name", "Shop", "--db", "sqlite:" + filepath.Join(dir, "x.db")},
		{"migrate", "--db", "sqlite:" + filepath.Join(dir, "x.db")},
	} {
		_, _, err := runCmd(t, args...)
		if err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%s: got %v, want a refusal saying the folder does not exist", args[0], err)
		}
	}
	if _, err := os.Stat(filepath.Dir(dir)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want the folder not created", err)
	}
}

// TestServeBusyPort: a port in use is reported before the database, its
// key or a sandbox merchant is created.
func TestServeBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	path := filepath.Join(t.TempDir(), "p.db")
	stdout, _, err := runCmd(t, "serve", "--addr", ln.Addr().String(), "--db", "sqlite:"+path)
	if err == nil || !strings.Contains(err.Error(), "--addr "+ln.Addr().String()) {
		t.Errorf("got %v, want a refusal naming --addr %s", err, ln.Addr())
	}
	for _, p := range []string{path, path + ".key"} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: got %v, want it not created", p, err)
		}
	}
	if strings.Contains(stdout, "sandbox merchant") {
		t.Errorf("got %q, want no sandbox merchant created", stdout)
	}
}

// TestServeEveryAddress: listening on every address without --base-url,
// links name the loopback address (never http://[::]:PORT) and the log says
// to set --base-url.
func TestServeEveryAddress(t *testing.T) {
	m := NewMain()
	var logs syncBuffer
	m.Addr, m.DB, m.Stdout, m.Stderr = ":0", "sqlite:"+filepath.Join(t.TempDir(), "p.db"), &syncBuffer{}, &logs
	if err := m.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !strings.HasPrefix(m.URL, "http://127.0.0.1:") {
		t.Errorf("URL: got %s, want http://127.0.0.1:PORT", m.URL)
	}
	if !strings.Contains(logs.String(), "--base-url") {
		t.Errorf("log: got %s, want advice to set --base-url", logs.String())
	}
}

// TestServeShutdownLog: serve logs a line when it starts shutting down.
func TestServeShutdownLog(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var out, errb syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", "sqlite:" + filepath.Join(t.TempDir(), "p.db")},
			func(string) string { return "" }, &out, &errb)
	}()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "listening on"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not started: %s %s", out.String(), errb.String())
		}
	}
	// The links are on this server, on the port it got (outside the
	// ephemeral range, 8080 is not one), not another command's default
	// URL; the sandbox admin's link too.
	listening := regexp.MustCompile(`listening on (\S+)`).FindStringSubmatch(out.String())
	if listening == nil || strings.HasSuffix(listening[1], ":8080") || !strings.Contains(out.String(), "  "+listening[1]+"/dashboard/setup/") {
		t.Errorf("the dashboard link is not on the server:\n%s", out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "shutting down") {
		t.Errorf("log: got %s, want a line saying it is shutting down", errb.String())
	}
}

// TestServeCommandLine: --version, the help of serve, and stray arguments.
func TestServeCommandLine(t *testing.T) {
	if out, _, err := runCmd(t, "--version"); err != nil || !strings.HasPrefix(out, "paygate ") {
		t.Errorf("--version: got %q, %v, want paygate VERSION", out, err)
	}
	if out, _, err := runCmd(t, "serve", "--help"); err != nil || !strings.Contains(out, "PAYGATE_MASTER_KEY") {
		t.Errorf("serve --help: got %v and a help without PAYGATE_MASTER_KEY:\n%s", err, out)
	}
	db := "sqlite:" + filepath.Join(t.TempDir(), "p.db")
	for _, args := range [][]string{
		{"serve", "--db", db, "now"},
		{"migrate", "--db", db, "extra"},
		{"merchant", "create", "--name", "Shop", "Two", "--db", db},
		{"vault", "rekey", "--db", db, "x"},
	} {
		if _, _, err := runCmd(t, args...); err == nil || !strings.Contains(err.Error(), "unknown command") && !strings.Contains(err.Error(), "accepts 0 arg") {
			t.Errorf("%v: got %v, want a refusal of the extra argument", args, err)
		}
	}
}

// TestMigrateSays: migrate says which migrations it applied, and that there
// was nothing to do when the schema is up to date.
func TestMigrateSays(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "p.db")
	out, _, err := runCmd(t, "migrate", "--db", db)
	if err != nil || !strings.Contains(out, "applied") || !strings.Contains(out, "0001_init.sql") {
		t.Fatalf("first migrate: got %q, %v, want the migrations applied named", out, err)
	}
	out, _, err = runCmd(t, "migrate", "--db", db)
	if err != nil || !strings.Contains(out, "up to date") {
		t.Errorf("second migrate: got %q, %v, want up to date", out, err)
	}
}
