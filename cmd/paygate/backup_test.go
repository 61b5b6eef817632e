package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupCommand: paygate backup copies the database of a running
// server and verifies the copy; --verify checks a copy on its own; the
// command refuses PostgreSQL and an ambiguous call.
func TestBackupCommand(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	for range 3 {
		orderNo := nextOrderNo("bk")
		c.do("POST", "/v1/payments", cardPayment(orderNo, "4242424242424242")).want(201)
		c.do("POST", "/v1/refunds", map[string]string{"orderNo": orderNo, "amount": "10", "refundNumber": nextOrderNo("rf"),
			"reason": "r", "clientIp": "1.1.1.1"}).want(201)
	}
	paygate := func(args ...string) (string, error) {
		var out, errb syncBuffer
		err := run(context.Background(), args, func(string) string { return "" }, &out, &errb)
		return out.String(), err
	}
	file := filepath.Join(t.TempDir(), "copy.db")
	out, err := paygate("backup", "--db", "sqlite:"+a.dbPath, "--to", file)
	if err != nil || !strings.Contains(out, "3 payments, 3 refunds; refunds add up") {
		t.Fatalf("backup: got %q, %v; want 3 payments and 3 refunds verified", out, err)
	}
	if out, err := paygate("backup", "--verify", file); err != nil || !strings.Contains(out, "verified "+file) {
		t.Errorf("backup --verify: got %q, %v", out, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"backup", "--db", "postgres://u@127.0.0.1/db", "--to", file + "2"}, "pg_dump"},
		{[]string{"backup", "--db", "sqlite:" + a.dbPath}, "give --to FILE"},
		{[]string{"backup", "--to", file + "3", "--verify", file}, "give --to FILE"},
		{[]string{"backup", "--db", "sqlite:" + a.dbPath, "--to", file}, "exists"},
	} {
		if _, err := paygate(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
}
