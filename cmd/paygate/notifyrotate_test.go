package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"paygate/notify"
)

// notifyOnce creates a card payment notified at rcv's path and returns its
// first delivery (payment.succeeded).
func notifyOnce(t *testing.T, c *client, rcv *receiver, path string) received {
	t.Helper()
	body := cardPayment(nextOrderNo("rot"), "4242424242424242")
	body["notificationUrl"] = rcv.URL + path
	c.do("POST", "/v1/payments", body).want(201)
	return rcv.wait(t, path, 1)[0]
}

// wantSignatures checks that d carries n signatures and verifies with each
// secret in good and with none in bad, on the server's clock.
func wantSignatures(t *testing.T, a *app, d received, n int, good, bad []string) {
	t.Helper()
	if got := strings.Fields(d.Header.Get(notify.HeaderSignature)); len(got) != n {
		t.Errorf("webhook-signature: got %q, want %d entries", got, n)
	}
	for _, secret := range good {
		if err := notify.VerifyAt(secret, d.Header, d.Body, 0, a.clock.Now()); err != nil {
			t.Errorf("VerifyAt with %.10s...: %v", secret, err)
		}
	}
	for _, secret := range bad {
		if err := notify.VerifyAt(secret, d.Header, d.Body, 0, a.clock.Now()); !errors.Is(err, notify.ErrSignature) {
			t.Errorf("VerifyAt with %.10s...: got %v, want %v", secret, err, notify.ErrSignature)
		}
	}
}

// TestRotateNotifySecretAPI: the merchant rotates its notification secret
// with its token and its current API secret; notifications carry the old
// secret's signature too until the grace ends on the server's clock.
func TestRotateNotifySecretAPI(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	rcv := newReceiver(t)
	secret, old := a.Sandbox.Secret, a.Sandbox.NotifySecret
	path := "/v1/merchant/notify-secret/rotate"
	c.do("POST", path, map[string]string{"secret": "wrong-" + secret}).wantError(401, "unauthorized", "secret")
	c.do("POST", path, map[string]string{"secret": old}).wantError(401, "unauthorized", "secret") // the notify secret is not the key
	c.do("POST", path, map[string]string{"secret": secret, "grace": "169h"}).wantError(400, "invalid_parameter", "grace")
	c.do("POST", path, map[string]string{}).wantError(400, "invalid_parameter", "secret")
	(&client{a: a}).do("POST", path, map[string]string{"secret": secret}).wantError(401, "unauthorized", "")
	wantSignatures(t, a, notifyOnce(t, c, rcv, "/before"), 1, []string{old}, nil)

	r := c.do("POST", path, map[string]string{"secret": secret, "grace": "1h"}).want(200)
	rotated := r.str("notifySecret")
	if !strings.HasPrefix(rotated, "whsec_") || rotated == old || r.str("merchantId") != a.Sandbox.Merchant.ID ||
		r.str("previousNotifySecretValidUntil") != "2026-11-25T13:00:00Z" {
		t.Fatalf("rotate: got %s, want a new whsec_ secret, the old one signing until 13:00", r.body)
	}
	a.clock.Advance(time.Hour - time.Second)
	wantSignatures(t, a, notifyOnce(t, c, rcv, "/grace"), 2, []string{rotated, old}, nil)
	a.clock.Advance(time.Second)
	wantSignatures(t, a, notifyOnce(t, c, rcv, "/after"), 1, []string{rotated}, []string{old})
	a.login(a.Sandbox.Merchant.AppID, secret) // the API secret is untouched
}

// TestRotateNotifySecretCommand: merchant rotate-notify-secret prints the
// new notification secret as JSON; notifications carry the old one's
// signature too until --grace ends.
func TestRotateNotifySecretCommand(t *testing.T) {
	a := startApp(t)
	rcv := newReceiver(t)
	id, old, db := a.Sandbox.Merchant.ID, a.Sandbox.NotifySecret, "sqlite:"+a.dbPath
	out, _, err := runCmd(t, "merchant", "rotate-notify-secret", id, "--grace", "2h", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil || !strings.HasPrefix(v["notifySecret"], "whsec_") || v["merchantId"] != id {
		t.Fatalf("rotate-notify-secret: got %s, %v; want the new secret", out, err)
	}
	// The command runs on the wall clock, the server on the test's.
	until, err := time.Parse(time.RFC3339, v["previousNotifySecretValidUntil"])
	if d := time.Until(until); err != nil || d < 2*time.Hour-time.Minute || d > 2*time.Hour {
		t.Fatalf("previousNotifySecretValidUntil: got %q, %v; want two hours from now", v["previousNotifySecretValidUntil"], err)
	}
	a.clock.Advance(until.Add(-time.Second).Sub(a.clock.Now()))
	c := a.sandbox() // after the move: a token from before would have expired
	wantSignatures(t, a, notifyOnce(t, c, rcv, "/grace"), 2, []string{v["notifySecret"], old}, nil)
	a.clock.Advance(time.Second)
	wantSignatures(t, a, notifyOnce(t, c, rcv, "/after"), 1, []string{v["notifySecret"]}, []string{old})

	out, _, err = runCmd(t, "merchant", "rotate-notify-secret", id, "--grace", "0s", "--db", db)
	if err != nil || strings.Contains(out, "previousNotifySecretValidUntil") {
		t.Fatalf("rotate-notify-secret --grace 0s: got %s, %v; want no previous secret", out, err)
	}
	var w map[string]string
	if err := json.Unmarshal([]byte(out), &w); err != nil {
		t.Fatal(err)
	}
	wantSignatures(t, a, notifyOnce(t, c, rcv, "/now"), 1, []string{w["notifySecret"]}, []string{v["notifySecret"], old})
	if _, _, err := runCmd(t, "merchant", "rotate-notify-secret", id, "--grace", "200h", "--db", db); err == nil {
		t.Error("rotate-notify-secret --grace 200h: got no error, want one")
	}
}
