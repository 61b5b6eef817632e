package gateway_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/sqlite"
	"paygate/vault"
)

const goodPassword = "correct horse battery"

// newUser creates a user and sets its password through the link.
func newUser(t *testing.T, gw *gateway.Service, merchantID, email string, role paygate.Role) *paygate.User {
	t.Helper()
	nu, err := gw.Users.CreateUser(t.Context(), merchantID, email, role)
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	token := nu.SetupURL[strings.LastIndex(nu.SetupURL, "/")+1:]
	u, err := gw.Users.SetPassword(t.Context(), token, goodPassword)
	if err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	return u
}

func TestCreateUserChecks(t *testing.T) {
	gw, _, ctx, _ := newTestGateway(t, acquirer.Sandbox{}, nil)
	m := paygate.MerchantID(ctx)
	for _, tc := range []struct {
		merchant, email string
		role            paygate.Role
		code, param     string
	}{
		{m, "not an address", paygate.RoleAdmin, paygate.EInvalidParameter, "email"},
		{m, "Ana <ana@example.com>", paygate.RoleAdmin, paygate.EInvalidParameter, "email"},
		{m, "ana@example.com", "owner", paygate.EInvalidParameter, "role"},
		{m, "ana@example.com", paygate.RoleOperator, paygate.EInvalidParameter, "merchant"},
		{"", "ana@example.com", paygate.RoleViewer, paygate.EInvalidParameter, "merchant"},
		{"M404", "ana@example.com", paygate.RoleViewer, paygate.ENotFound, ""},
	} {
		_, err := gw.Users.CreateUser(t.Context(), tc.merchant, tc.email, tc.role)
		var pe *paygate.Error
		if paygate.ErrorCode(err) != tc.code || tc.param != "" && (!errors.As(err, &pe) || pe.Param != tc.param) {
			t.Errorf("CreateUser(%q, %q, %q) = %v, want %s %s", tc.merchant, tc.email, tc.role, err, tc.code, tc.param)
		}
	}
	if _, err := gw.Users.CreateUser(t.Context(), m, " Ana@Example.com ", paygate.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	_, err := gw.Users.CreateUser(t.Context(), "", "ana@example.com", paygate.RoleOperator)
	if paygate.ErrorCode(err) != paygate.EConflict {
		t.Errorf("a second user with the same email (other case) = %v, want conflict", err)
	}
}

func TestSetupLinkIsOneTime(t *testing.T) {
	gw, _, ctx, now := newTestGateway(t, acquirer.Sandbox{}, nil)
	nu, err := gw.Users.CreateUser(t.Context(), paygate.MerchantID(ctx), "ana@example.com", paygate.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	token := nu.SetupURL[strings.LastIndex(nu.SetupURL, "/")+1:]
	if !strings.HasPrefix(nu.SetupURL, "/dashboard/setup/") || strings.Contains(nu.User.SetupHash, token) {
		t.Fatalf("link %q, stored hash %q", nu.SetupURL, nu.User.SetupHash)
	}
	if _, err := gw.Users.SetPassword(t.Context(), token, "short"); paygate.ErrorCode(err) != paygate.EInvalidParameter {
		t.Errorf("a short password = %v, want invalid_parameter", err)
	}
	if _, err := gw.Users.SetPassword(t.Context(), token, goodPassword); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	if _, err := gw.Users.SetPassword(t.Context(), token, goodPassword+"!"); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("the link used again = %v, want not_found", err)
	}
	again, err := gw.Users.ResetPassword(t.Context(), "ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(72 * time.Hour)
	token = again.SetupURL[strings.LastIndex(again.SetupURL, "/")+1:]
	if _, err := gw.Users.SetupUser(t.Context(), token); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("a link 72 h old = %v, want not_found", err)
	}
}

func TestSignInLockout(t *testing.T) {
	// Two nodes over one database: the second's own per-node guard sees
	// nothing of the first's failures; the user's lock is in the database.
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	v, _ := vault.New(vault.NewKey())
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cfg := gateway.Config{Now: func() time.Time { return now }}
	gw, other := gateway.New(db, acquirer.Sandbox{}, v, nil, cfg), gateway.New(db, acquirer.Sandbox{}, v, nil, cfg)
	nm, err := gw.Merchants.CreateMerchant(t.Context(), "m")
	if err != nil {
		t.Fatal(err)
	}
	newUser(t, gw, nm.Merchant.ID, "ana@example.com", paygate.RoleAdmin)
	// A browser that signed in before keeps its device token.
	before, err := gw.Users.SignIn(t.Context(), "ana@example.com", goodPassword, "192.0.2.200", "")
	if err != nil {
		t.Fatal(err)
	}
	// Six wrong passwords, each from another address so that only the
	// email's own count can lock it; for a user's email and for an email
	// nobody has, the same answers.
	for _, email := range []string{"ana@example.com", "nobody@example.com"} {
		for i := range 6 {
			_, err := gw.Users.SignIn(t.Context(), email, "wrong password", fmt.Sprintf("192.0.2.%d", i+1), "")
			if paygate.ErrorCode(err) != paygate.EUnauthorized || err.Error() != "unauthorized: email or password is wrong" {
				t.Fatalf("%s: wrong password %d = %v, want unauthorized", email, i+1, err)
			}
		}
		_, err = other.Users.SignIn(t.Context(), email, goodPassword, "198.51.100.1", "")
		var pe *paygate.Error
		if paygate.ErrorCode(err) != paygate.ERateLimited || !errors.As(err, &pe) || pe.RetryAfter != 1 {
			t.Fatalf("%s: the right password on another node while locked = %v, want rate_limited, retry after 1 s", email, err)
		}
	}
	// The browser that signed in before is not held off by the lock; a
	// forged device token is.
	if _, err := other.Users.SignIn(t.Context(), "ana@example.com", goodPassword, "198.51.100.8", before.Device+"x"); paygate.ErrorCode(err) != paygate.ERateLimited {
		t.Errorf("a forged device token passed the lock: %v", err)
	}
	if _, err := other.Users.SignIn(t.Context(), "ana@example.com", goodPassword, "198.51.100.7", before.Device); err != nil {
		t.Errorf("a known browser while the email is locked: %v", err)
	}
	now = now.Add(time.Second)
	res, err := other.Users.SignIn(t.Context(), "ana@example.com", goodPassword, "198.51.100.1", "")
	if err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	if _, err := gw.Users.Session(t.Context(), res.Token); err != nil {
		t.Errorf("the session on the first node: %v", err)
	}
	// A sign-in clears the count: five more wrong ones lock nothing.
	for i := range 5 {
		if _, err := other.Users.SignIn(t.Context(), "ana@example.com", "wrong again", fmt.Sprintf("192.0.2.%d", 50+i), ""); paygate.ErrorCode(err) != paygate.EUnauthorized {
			t.Fatalf("wrong password %d after a sign-in = %v", i+1, err)
		}
	}
	if _, err := other.Users.SignIn(t.Context(), "ana@example.com", goodPassword, "198.51.100.9", ""); err != nil {
		t.Errorf("five failures after a sign-in locked: %v", err)
	}
}

func TestSessionLife(t *testing.T) {
	gw, _, ctx, now := newTestGateway(t, acquirer.Sandbox{}, nil)
	newUser(t, gw, paygate.MerchantID(ctx), "ana@example.com", paygate.RoleAdmin)
	signIn := func() string {
		res, err := gw.Users.SignIn(t.Context(), "ana@example.com", goodPassword, "192.0.2.1", "")
		if err != nil {
			t.Fatal(err)
		}
		return res.Token
	}
	alive := func(token string) bool {
		_, err := gw.Users.Session(t.Context(), token)
		if err != nil && paygate.ErrorCode(err) != paygate.EUnauthorized {
			t.Fatal(err)
		}
		return err == nil
	}
	a := signIn()
	*now = now.Add(20 * time.Minute)
	if !alive(a) {
		t.Fatal("a session used after 20 minutes ended")
	}
	*now = now.Add(29 * time.Minute) // 49 min since sign-in, 29 since last use
	if !alive(a) {
		t.Fatal("the idle deadline did not move with use")
	}
	*now = now.Add(30 * time.Minute)
	if alive(a) {
		t.Error("a session unused for 30 minutes still works")
	}
	b := signIn()
	for range 25 { // used every 29 minutes (12 h 5 min): only the 12-hour limit ends it
		*now = now.Add(29 * time.Minute)
		alive(b)
	}
	if alive(b) {
		t.Error("a session 12 hours old still works")
	}
	c, d := signIn(), signIn()
	if err := gw.Users.SignOut(t.Context(), c); err != nil || alive(c) || !alive(d) {
		t.Errorf("sign-out: %v; c alive %v, d alive %v", err, alive(c), alive(d))
	}
	whoD, _ := gw.Users.Session(t.Context(), d)
	e := signIn()
	whoE, _ := gw.Users.Session(t.Context(), e)
	if gw.Users.CheckCSRF(whoD.Session, gw.Users.CSRFToken(whoE.Session)) || !gw.Users.CheckCSRF(whoD.Session, gw.Users.CSRFToken(whoD.Session)) {
		t.Error("a form token is not bound to its session")
	}
	reset, _ := gw.Users.ResetPassword(t.Context(), "ana@example.com")
	if !alive(d) {
		t.Error("asking for a new link ended the sessions")
	}
	if _, err := gw.Users.SetPassword(t.Context(), reset.SetupURL[strings.LastIndex(reset.SetupURL, "/")+1:], goodPassword+"2"); err != nil {
		t.Fatal(err)
	}
	if alive(d) || alive(e) {
		t.Error("a new password left the old sessions working")
	}
	res, err := gw.Users.SignIn(t.Context(), "ana@example.com", goodPassword+"2", "192.0.2.1", "")
	if err != nil {
		t.Fatal(err)
	}
	f := res.Token
	if !alive(f) {
		t.Fatal("no session with the new password")
	}
	if _, err := gw.Merchants.SetDisabled(t.Context(), paygate.MerchantID(ctx), true); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(2 * time.Second) // past the disabled flag's cache
	if alive(f) {
		t.Error("a disabled merchant's user is still signed in")
	}
	if _, err := gw.Users.SignIn(t.Context(), "ana@example.com", goodPassword+"2", "192.0.2.1", ""); paygate.ErrorCode(err) != paygate.EUnauthorized {
		t.Errorf("a disabled merchant's user signs in: %v", err)
	}
}

func TestAuditLogScope(t *testing.T) {
	gw, _, ctx, now := newTestGateway(t, acquirer.Sandbox{}, nil)
	m1 := paygate.MerchantID(ctx)
	nm, _ := gw.Merchants.CreateMerchant(t.Context(), "other")
	m2 := nm.Merchant.ID
	newUser(t, gw, m1, "ana@example.com", paygate.RoleAdmin)
	newUser(t, gw, m2, "bo@example.com", paygate.RoleAdmin)
	newUser(t, gw, "", "op@example.com", paygate.RoleOperator)
	who := map[string]*gateway.SignedIn{}
	for _, e := range []string{"ana@example.com", "bo@example.com", "op@example.com"} {
		res, err := gw.Users.SignIn(t.Context(), e, goodPassword, "192.0.2.1", "")
		if err != nil {
			t.Fatal(err)
		}
		who[e] = res.Who
	}
	record := func(w *gateway.SignedIn, merchant, action string, outcome error) {
		*now = now.Add(time.Millisecond)
		if err := gw.Users.Record(t.Context(), w, merchant, action, "T1", "192.0.2.1", outcome); err != nil {
			t.Fatal(err)
		}
	}
	record(who["ana@example.com"], m1, "refund", nil)
	record(who["bo@example.com"], m2, "capture", paygate.Errorf(paygate.EInvalidState, "no"))
	record(who["op@example.com"], "", "create merchant", nil)
	actions := func(w *gateway.SignedIn) string {
		es, err := gw.Users.AuditLog(t.Context(), w, "")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Action+"/"+e.Outcome)
		}
		return strings.Join(out, ",")
	}
	for email, want := range map[string]string{
		"ana@example.com": "refund/ok",
		"bo@example.com":  "capture/invalid_state",
		"op@example.com":  "create merchant/ok,capture/invalid_state,refund/ok",
	} {
		if got := actions(who[email]); got != want {
			t.Errorf("%s sees %q, want %q", email, got, want)
		}
	}
}
