package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestConfigRefused: settings that cannot work are refused before anything
// is opened, and a database whose key is not at hand is not given a new one.
func TestConfigRefused(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "p.db")
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	cmd := func(getenv func(string) string, args ...string) error {
		var out, errb syncBuffer
		return run(context.Background(), args, getenv, &out, &errb)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"SweepIntervalZero", nil, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--sweep-interval", "0s"}, "--sweep-interval must be positive"},
		{"LogFormat", nil, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--log-format", "xml"}, "--log-format (PAYGATE_LOG_FORMAT) must be json or text"},
		{"EnvLogLevel", map[string]string{"PAYGATE_LOG_LEVEL": "loud"}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, "--log-level (PAYGATE_LOG_LEVEL) must be debug, info, warn or error"},
		{"EnvDurationTypo", map[string]string{"PAYGATE_SWEEP_INTERVAL": "30"}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, `PAYGATE_SWEEP_INTERVAL="30" is not a duration`},
		{"EnvNumberTypo", map[string]string{"PAYGATE_RATE_LIMIT": "lots"}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, `PAYGATE_RATE_LIMIT="lots" is not a number`},
		{"EnvBoolTypo", map[string]string{"PAYGATE_ALLOW_PRIVATE_NOTIFY_TARGETS": "yes"}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, `is not true or false`},
		{"EnvConcurrencyFraction", map[string]string{"PAYGATE_NOTIFY_CONCURRENCY": "2.5"}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, `is not a whole number`},
		{"ConcurrencyZero", nil, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--notify-concurrency", "0"}, "--notify-concurrency (PAYGATE_NOTIFY_CONCURRENCY) must be"},
		{"HostConcurrencyZero", nil, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--notify-host-concurrency", "0"}, "--notify-host-concurrency (PAYGATE_NOTIFY_HOST_CONCURRENCY) must be a whole number of at least 1"},
		{"EnvHostConcurrencyNegative", map[string]string{"PAYGATE_NOTIFY_HOST_CONCURRENCY": "-2"}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, "--notify-host-concurrency (PAYGATE_NOTIFY_HOST_CONCURRENCY) must be"},
		{"EnvHostConcurrencyFraction", map[string]string{"PAYGATE_NOTIFY_HOST_CONCURRENCY": "1.5"}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, `PAYGATE_NOTIFY_HOST_CONCURRENCY=1.5 is not a whole number`},
		{"HostRateZero", nil, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--notify-host-rate", "0"}, "--notify-host-rate (PAYGATE_NOTIFY_HOST_RATE) must be a number more than 0"},
		{"EnvHostRateNegative", map[string]string{"PAYGATE_NOTIFY_HOST_RATE": "-0.5"}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, "--notify-host-rate (PAYGATE_NOTIFY_HOST_RATE) must be a number more than 0"},
		{"HostRateInfinite", nil, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--notify-host-rate", "Inf"}, "--notify-host-rate (PAYGATE_NOTIFY_HOST_RATE) must be"},
		{"HostRateNaN", nil, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--notify-host-rate", "NaN"}, "--notify-host-rate (PAYGATE_NOTIFY_HOST_RATE) must be"},
		{"EnvHostRateTypo", map[string]string{"PAYGATE_NOTIFY_HOST_RATE": "fast"}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, `PAYGATE_NOTIFY_HOST_RATE="fast" is not a number`},
		{"HostBurstZero", nil, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--notify-host-burst", "0"}, "--notify-host-burst (PAYGATE_NOTIFY_HOST_BURST) must be a whole number of at least 1"},
		{"EnvHostBurstNegative", map[string]string{"PAYGATE_NOTIFY_HOST_BURST": "-20"}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, "--notify-host-burst (PAYGATE_NOTIFY_HOST_BURST) must be"},
		{"SandboxLatencyNegative", map[string]string{"PAYGATE_SANDBOX_LATENCY": "-1s"}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, "--sandbox-latency must be between 0 and 1m"},
		{"RateLimitNegative", map[string]string{"PAYGATE_RATE_LIMIT": "-1"}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, "--rate-limit (PAYGATE_RATE_LIMIT) must be more than 0"},
		{"RekeyBatchZero", nil, []string{"vault", "rekey", "--db", db, "--batch", "0"}, "--batch must be at least 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := cmd(env(tc.env), tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}

	t.Run("DatabaseWithoutItsKey", func(t *testing.T) {
		key := newMasterKey(t)
		withKey := env(map[string]string{"PAYGATE_MASTER_KEY": key})
		db := "sqlite:" + filepath.Join(t.TempDir(), "sealed.db")
		if err := cmd(withKey, "merchant", "create", "--name", "Shop", "--db", db); err != nil {
			t.Fatal(err)
		}
		err := cmd(env(nil), "merchant", "create", "--name", "Other", "--db", db)
		if err == nil || !strings.Contains(err.Error(), "set PAYGATE_MASTER_KEY") {
			t.Errorf("without the key: got %v, want a refusal naming PAYGATE_MASTER_KEY", err)
		}
	})

	// The key file beside the database is checked on every start, not only
	// when created: one that group or others may read is refused with the
	// command that fixes it, and accepted again after it.
	t.Run("KeyFileReadableByOthers", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no Unix permission bits on Windows")
		}
		path := filepath.Join(t.TempDir(), "open.db")
		db := "sqlite:" + path
		if err := cmd(env(nil), "merchant", "create", "--name", "Shop", "--db", db); err != nil {
			t.Fatal(err)
		}
		keyFile := path + ".key"
		if err := os.Chmod(keyFile, 0o644); err != nil {
			t.Fatal(err)
		}
		err := cmd(env(nil), "merchant", "create", "--name", "Other", "--db", db)
		if want := "chmod 600 " + keyFile; err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("with mode 0644: got %v, want a refusal containing %q", err, want)
		}
		if err := os.Chmod(keyFile, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := cmd(env(nil), "merchant", "create", "--name", "Other", "--db", db); err != nil {
			t.Errorf("after chmod 600: got %v, want nil", err)
		}
	})
}

func TestRedactDB(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://paygate:s3cret@db/paygate":                    "postgres://paygate:xxxxx@db/paygate",
		"postgres://paygate@db/paygate?password=s3cret&x=1":       "postgres://paygate@db/paygate?password=xxxxx&x=1",
		"postgres://db/paygate?sslpassword=s3cret&sslmode=verify": "postgres://db/paygate?sslmode=verify&sslpassword=xxxxx",
		"sqlite:./paygate.db":                                     "sqlite:./paygate.db",
	} {
		if got := redactDB(in); got != want {
			t.Errorf("redactDB(%q): got %q, want %q", in, got, want)
		}
	}
}
