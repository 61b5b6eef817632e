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
		for _, k := range []string{"id", "name", "appId", "created", "disabled", "live"} {
			if _, ok := v[k]; !ok || len(v) != 6 {
				t.Errorf("list line %s: want exactly id, name, appId, created, disabled, live", sc.Text())
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
	if v := one(t, "merchant", "set-live", ids[0]); v["live"] != true {
		t.Errorf("set-live: got %v, want live", v)
	}
	if v := one(t, "merchant", "show", ids[1]); v["live"] != false {
		t.Errorf("show the other: got %v, want a sandbox merchant", v)
	}
	if v := one(t, "merchant", "set-sandbox", ids[0]); v["live"] != false {
		t.Errorf("set-sandbox: got %v, want a sandbox merchant again", v)
	}

	for _, args := range [][]string{
		{"merchant", "show", "M_unknown"},
		{"merchant", "disable", "M_unknown"},
		{"merchant", "set-live", "M_unknown"},
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

// TestRotateSecretAPI: the merchant rotates its secret with its token and
// its current secret; the old secret gets tokens until the grace ends on
// the server's clock, the new one from the start.
func TestRotateSecretAPI(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	appID, old := a.Sandbox.Merchant.AppID, a.Sandbox.Secret
	path := "/v1/merchant/secret/rotate"
	c.do("POST", path, map[string]string{"secret": "wrong-" + old}).wantError(401, "unauthorized", "secret")
	c.do("POST", path, map[string]string{"secret": old, "grace": "169h"}).wantError(400, "invalid_parameter", "grace")
	c.do("POST", path, map[string]string{}).wantError(400, "invalid_parameter", "secret")
	(&client{a: a}).do("POST", path, map[string]string{"secret": old}).wantError(401, "unauthorized", "")

	r := c.do("POST", path, map[string]string{"secret": old, "grace": "1h"}).want(200)
	secret := r.str("secret")
	if secret == "" || secret == old || r.str("appId") != appID || r.str("previousSecretValidUntil") != "2026-11-25T13:00:00Z" {
		t.Fatalf("rotate: got %s, want a new secret, the old one good until 13:00", r.body)
	}
	a.login(appID, old)
	a.login(appID, secret)
	c.do("POST", path, map[string]string{"secret": old}).wantError(401, "unauthorized", "secret") // not the current one
	a.clock.Advance(time.Hour)
	c.do("POST", "/v1/auth/token", map[string]string{"appId": appID, "secret": old}).wantError(401, "unauthorized", "")
	a.login(appID, secret)
	c.do("GET", "/v1/notifications/subscriptions", nil).want(200) // tokens issued before still work
}

// TestRotateSecretCommand: merchant rotate-secret prints the new secret as
// JSON; the old one gets tokens until --grace ends.
func TestRotateSecretCommand(t *testing.T) {
	a := startApp(t)
	appID, old := a.Sandbox.Merchant.AppID, a.Sandbox.Secret
	out, _, err := runCmd(t, "merchant", "rotate-secret", a.Sandbox.Merchant.ID, "--grace", "2h", "--db", "sqlite:"+a.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil || v["secret"] == "" || v["appId"] != appID {
		t.Fatalf("rotate-secret: got %s, %v; want the new secret", out, err)
	}
	// The command runs on the wall clock, the server on the test's.
	until, err := time.Parse(time.RFC3339, v["previousSecretValidUntil"])
	if d := time.Until(until); err != nil || d < 2*time.Hour-time.Minute || d > 2*time.Hour {
		t.Fatalf("previousSecretValidUntil: got %q, %v; want two hours from now", v["previousSecretValidUntil"], err)
	}
	a.clock.Advance(until.Add(-time.Millisecond).Sub(a.clock.Now()))
	a.login(appID, old)
	a.login(appID, v["secret"])
	a.clock.Advance(time.Millisecond)
	(&client{a: a}).do("POST", "/v1/auth/token", map[string]string{"appId": appID, "secret": old}).wantError(401, "unauthorized", "")
	a.login(appID, v["secret"])

	out, _, err = runCmd(t, "merchant", "rotate-secret", a.Sandbox.Merchant.ID, "--grace", "0s", "--db", "sqlite:"+a.dbPath)
	if err != nil || strings.Contains(out, "previousSecretValidUntil") {
		t.Fatalf("rotate-secret --grace 0s: got %s, %v; want no previous secret", out, err)
	}
	if _, _, err := runCmd(t, "merchant", "rotate-secret", a.Sandbox.Merchant.ID, "--grace", "200h", "--db", "sqlite:"+a.dbPath); err == nil {
		t.Error("rotate-secret --grace 200h: got no error, want one")
	}
}
