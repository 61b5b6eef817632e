package main

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMerchantCommands: list, show, disable and enable print merchants as
// JSON, and never a secret or its hash.
func TestMerchantCommands(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "p.db")
	var secrets []string
	var ids []string
	for _, name := range []string{"Shop", "Other"} {
		out, _, err := runCmd(t, "merchant", "create", "--name", name, "--db", db)
		if err != nil {
			t.Fatal(err)
		}
		var cred map[string]string
		if err := json.Unmarshal([]byte(out), &cred); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cred["merchantId"])
		secrets = append(secrets, cred["secret"], cred["notifySecret"], strings.TrimPrefix(cred["notifySecret"], "whsec_"))
	}
	noSecret := func(t *testing.T, out string) {
		t.Helper()
		for _, s := range append(secrets, "argon2", "ecret", "hash", "ealed") {
			if strings.Contains(out, s) {
				t.Errorf("output %s: holds %q", out, s)
			}
		}
	}
	one := func(t *testing.T, args ...string) map[string]any {
		t.Helper()
		out, _, err := runCmd(t, append(args, "--db", db)...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		noSecret(t, out)
		var v map[string]any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%v: %v in %s", args, err, out)
		}
		return v
	}

	out, _, err := runCmd(t, "merchant", "list", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, out)
	var listed []string
	for sc := bufio.NewScanner(strings.NewReader(out)); sc.Scan(); {
		var v map[string]any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("list line %q: %v", sc.Text(), err)
		}
		for _, k := range []string{"id", "name", "appId", "created", "disabled"} {
			if _, ok := v[k]; !ok || len(v) != 5 {
				t.Errorf("list line %s: want exactly id, name, appId, created, disabled", sc.Text())
			}
		}
		listed = append(listed, v["id"].(string))
	}
	if len(listed) != 2 || listed[0] > listed[1] {
		t.Errorf("list: got ids %v, want both of %v in id order", listed, ids)
	}

	if v := one(t, "merchant", "show", ids[0]); v["id"] != ids[0] || v["name"] != "Shop" || v["disabled"] != nil {
		t.Errorf("show: got %v, want Shop, enabled", v)
	}
	if v := one(t, "merchant", "disable", ids[0]); v["disabled"] == nil {
		t.Errorf("disable: got %v, want a disabled time", v)
	}
	if v := one(t, "merchant", "show", ids[0]); v["disabled"] == nil {
		t.Errorf("show after disable: got %v, want a disabled time", v)
	}
	if v := one(t, "merchant", "show", ids[1]); v["disabled"] != nil {
		t.Errorf("show the other: got %v, want enabled", v)
	}
	if v := one(t, "merchant", "enable", ids[0]); v["disabled"] != nil {
		t.Errorf("enable: got %v, want enabled", v)
	}

	for _, args := range [][]string{
		{"merchant", "show", "M_unknown"},
		{"merchant", "disable", "M_unknown"},
		{"merchant", "show"},
		{"merchant", "enable", ids[0], ids[1]},
	} {
		if _, _, err := runCmd(t, append(args, "--db", db)...); err == nil {
			t.Errorf("%v: got no error, want one", args)
		}
	}
}

// TestMerchantDisableServing: a merchant disabled by the command, beside a
// serving node, loses its tokens on that node within a second of the
// node's clock, and gets them back when enabled.
func TestMerchantDisableServing(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	id := a.Sandbox.Merchant.ID
	db := "sqlite:" + a.dbPath
	c.do("GET", "/v1/notifications/subscriptions", nil).want(200)
	if _, _, err := runCmd(t, "merchant", "disable", id, "--db", db); err != nil {
		t.Fatal(err)
	}
	a.clock.Advance(time.Second)
	c.do("GET", "/v1/notifications/subscriptions", nil).wantError(401, "unauthorized", "")
	c.do("POST", "/v1/auth/token", map[string]string{"appId": a.Sandbox.Merchant.AppID, "secret": a.Sandbox.Secret}).
		wantError(401, "unauthorized", "")

	if _, _, err := runCmd(t, "merchant", "enable", id, "--db", db); err != nil {
		t.Fatal(err)
	}
	a.clock.Advance(time.Second)
	c.do("GET", "/v1/notifications/subscriptions", nil).want(200)
	a.sandbox()
}
