package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"paygate"
)

func testUser(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"RoundTrip", testUserRoundTrip},
		{"Update", testUserUpdate},
		{"Sessions", testUserSessions},
		{"Audit", testAuditLog},
		{"Delete", testUserDelete},
		{"SignInFailures", testSignInFailures},
	})
}

func testUserDelete(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	for _, u := range []*paygate.User{newUser("u_1", "ana@example.com", "m_1"), newUser("u_2", "bo@example.com", "m_1")} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		us := &paygate.UserSession{ID: "s_" + u.ID, UserID: u.ID, CreatedAt: t0, LastSeenAt: t0, IdleUntil: at(time.Hour), ExpiresAt: at(time.Hour)}
		if err := s.CreateUserSession(ctx, us); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteUser(ctx, "u_1"); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err := s.User(ctx, "u_1")
	wantCode(t, err, paygate.ENotFound)
	_, err = s.UserSession(ctx, "s_u_1")
	wantCode(t, err, paygate.ENotFound)
	if _, err := s.UserSession(ctx, "s_u_2"); err != nil {
		t.Errorf("another user's session went: %v", err)
	}
	wantCode(t, s.DeleteUser(ctx, "u_1"), paygate.ENotFound)
	// The email is free again.
	if err := s.CreateUser(ctx, newUser("u_3", "ana@example.com", "m_1")); err != nil {
		t.Errorf("the email of a deleted user: %v", err)
	}
}

func testSignInFailures(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	lock := func(email string) time.Time {
		until, err := s.SignInLock(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return until
	}
	fail := func(email string, now, forget time.Time) int {
		n, err := s.FailSignIn(ctx, email, now, forget)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if !lock("ana@example.com").IsZero() {
		t.Error("a lock without failures")
	}
	for i := 1; i <= 3; i++ {
		if n := fail("ana@example.com", at(time.Duration(i)*time.Second), t0); n != i {
			t.Errorf("failure %d counted %d", i, n)
		}
	}
	if n := fail("bo@example.com", at(time.Second), t0); n != 1 {
		t.Errorf("another email's first failure counted %d", n)
	}
	if err := s.LockSignIn(ctx, "ana@example.com", at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.LockSignIn(ctx, "ana@example.com", at(30*time.Second)); err != nil { // an earlier end keeps the later
		t.Fatal(err)
	}
	if got := lock("ana@example.com"); !got.Equal(at(time.Minute)) {
		t.Errorf("lock until %v, want %v", got, at(time.Minute))
	}
	if !lock("bo@example.com").IsZero() {
		t.Error("another email is locked")
	}
	// The last failure was before forgetBefore: counting starts again.
	if n := fail("ana@example.com", at(time.Hour), at(time.Hour-time.Minute)); n != 1 {
		t.Errorf("a failure after a long pause counted %d, want 1", n)
	}
	if err := s.ClearSignInFailures(ctx, "ana@example.com"); err != nil {
		t.Fatal(err)
	}
	if !lock("ana@example.com").IsZero() || fail("ana@example.com", at(time.Hour), t0) != 1 {
		t.Error("cleared failures are still counted")
	}
	n, err := s.DeleteOldSignInFailures(ctx, at(2*time.Hour))
	if err != nil || n != 2 {
		t.Errorf("DeleteOldSignInFailures = %d, %v; want 2", n, err)
	}
}

func newUser(id, email, merchantID string) *paygate.User {
	return &paygate.User{ID: id, Email: email, MerchantID: merchantID, Role: paygate.RoleAdmin, SetupHash: "setup-" + id,
		SetupUntil: ptr(at(72 * time.Hour)), Version: 1, CreatedAt: t0}
}

func testUserRoundTrip(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	want := newUser("u_1", "ana@example.com", "m_1")
	if err := s.CreateUser(ctx, want); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	for name, get := range map[string]func() (*paygate.User, error){
		"User":        func() (*paygate.User, error) { return s.User(ctx, "u_1") },
		"UserByEmail": func() (*paygate.User, error) { return s.UserByEmail(ctx, "ana@example.com") },
		"UserBySetup": func() (*paygate.User, error) { return s.UserBySetup(ctx, "setup-u_1") },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %+v, want %+v", name, got, want)
		}
	}
	op := newUser("u_2", "op@example.com", "")
	op.Role = paygate.RoleOperator
	if err := s.CreateUser(ctx, op); err != nil {
		t.Fatalf("CreateUser operator: %v", err)
	}
	// The email is unique across merchants and operators, and so is the id.
	wantCode(t, s.CreateUser(ctx, newUser("u_3", "ana@example.com", "m_2")), paygate.EConflict)
	wantCode(t, s.CreateUser(ctx, newUser("u_1", "bo@example.com", "m_1")), paygate.EConflict)
	_, err := s.UserByEmail(ctx, "nobody@example.com")
	wantCode(t, err, paygate.ENotFound)
	_, err = s.UserBySetup(ctx, "")
	wantCode(t, err, paygate.ENotFound)
	_, err = s.User(ctx, "u_9")
	wantCode(t, err, paygate.ENotFound)
}

func testUserUpdate(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	u := newUser("u_1", "ana@example.com", "m_1")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	next := *u
	next.PasswordHash, next.SetupHash, next.SetupUntil = "$argon2id$x", "", nil
	next.Role, next.Version = paygate.RoleViewer, 2
	if err := s.UpdateUser(ctx, &next); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	got, err := s.User(ctx, "u_1")
	if err != nil {
		t.Fatalf("User: %v", err)
	}
	if !reflect.DeepEqual(got, &next) {
		t.Errorf("after update = %+v, want %+v", got, &next)
	}
	if _, err := s.UserBySetup(ctx, "setup-u_1"); paygate.ErrorCode(err) != paygate.ENotFound {
		t.Errorf("UserBySetup of a used link: %v, want not_found", err)
	}
	stale := *u
	stale.Version = 2 // written from version 1 again: another update came first
	wantCode(t, s.UpdateUser(ctx, &stale), paygate.EConflict)
	missing := newUser("u_9", "x@example.com", "m_1")
	missing.Version = 2
	wantCode(t, s.UpdateUser(ctx, missing), paygate.ENotFound)
}

func testUserSessions(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	mk := func(id, user string, idle, end time.Duration) *paygate.UserSession {
		return &paygate.UserSession{ID: id, UserID: user, CreatedAt: t0, LastSeenAt: t0, IdleUntil: at(idle), ExpiresAt: at(end)}
	}
	a, b, c := mk("s_a", "u_1", 30*time.Minute, 12*time.Hour), mk("s_b", "u_1", time.Hour, 2*time.Hour), mk("s_c", "u_2", 5*time.Hour, 6*time.Hour)
	for _, us := range []*paygate.UserSession{a, b, c} {
		if err := s.CreateUserSession(ctx, us); err != nil {
			t.Fatalf("CreateUserSession: %v", err)
		}
	}
	wantCode(t, s.CreateUserSession(ctx, mk("s_a", "u_3", time.Hour, time.Hour)), paygate.EConflict)
	got, err := s.UserSession(ctx, "s_a")
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("UserSession = %+v, %v; want %+v", got, err, a)
	}
	if err := s.TouchUserSession(ctx, "s_a", at(20*time.Minute), at(50*time.Minute)); err != nil {
		t.Fatalf("TouchUserSession: %v", err)
	}
	got, _ = s.UserSession(ctx, "s_a")
	if !got.LastSeenAt.Equal(at(20*time.Minute)) || !got.IdleUntil.Equal(at(50*time.Minute)) || !got.ExpiresAt.Equal(a.ExpiresAt) {
		t.Errorf("after touch = %+v", got)
	}
	wantCode(t, s.TouchUserSession(ctx, "s_none", t0, t0), paygate.ENotFound)
	// At 2 h: s_a's idle deadline (50 min) and s_b's end (2 h) have passed.
	n, err := s.DeleteExpiredUserSessions(ctx, at(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpiredUserSessions = %d, %v; want 2", n, err)
	}
	if _, err := s.UserSession(ctx, "s_c"); err != nil {
		t.Fatalf("the live session went: %v", err)
	}
	if err := s.CreateUserSession(ctx, mk("s_d", "u_2", 5*time.Hour, 6*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUserSession(ctx, "s_c"); err != nil {
		t.Fatalf("DeleteUserSession: %v", err)
	}
	if err := s.DeleteUserSession(ctx, "s_c"); err != nil {
		t.Fatalf("DeleteUserSession again: %v", err)
	}
	if err := s.DeleteUserSessions(ctx, "u_2"); err != nil {
		t.Fatalf("DeleteUserSessions: %v", err)
	}
	for _, id := range []string{"s_a", "s_b", "s_c", "s_d"} {
		_, err := s.UserSession(ctx, id)
		wantCode(t, err, paygate.ENotFound)
	}
}

func testAuditLog(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	for i := range 5 {
		m := "m_1"
		if i%2 == 1 {
			m = "m_2"
		}
		e := &paygate.AuditEntry{ID: fmt.Sprintf("A%03d", i), At: at(time.Duration(i) * time.Second), MerchantID: m,
			UserID: "u_1", Email: "ana@example.com", Action: "refund", Object: "T1", Outcome: "ok", IP: "192.0.2.1"}
		if err := s.AppendAudit(ctx, e); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
	}
	wantCode(t, s.AppendAudit(ctx, &paygate.AuditEntry{ID: "A000", At: t0}), paygate.EConflict)
	ids := func(es []*paygate.AuditEntry, err error) string {
		if err != nil {
			t.Fatalf("AuditLog: %v", err)
		}
		out := ""
		for _, e := range es {
			out += e.ID + " "
		}
		return out
	}
	for _, tc := range []struct {
		merchant, before string
		limit            int
		want             string
	}{
		{"m_1", "", 10, "A004 A002 A000 "},
		{"m_1", "A004", 1, "A002 "},
		{"m_2", "", 10, "A003 A001 "},
		{"", "", 3, "A004 A003 A002 "},
		{"", "A002", 10, "A001 A000 "},
		{"m_3", "", 10, ""},
	} {
		if got := ids(s.AuditLog(ctx, tc.merchant, tc.before, tc.limit)); got != tc.want {
			t.Errorf("AuditLog(%q, %q, %d) = %q, want %q", tc.merchant, tc.before, tc.limit, got, tc.want)
		}
	}
	es, _ := s.AuditLog(ctx, "m_1", "", 1)
	want := &paygate.AuditEntry{ID: "A004", At: at(4 * time.Second), MerchantID: "m_1", UserID: "u_1", Email: "ana@example.com",
		Action: "refund", Object: "T1", Outcome: "ok", IP: "192.0.2.1"}
	if len(es) != 1 || !reflect.DeepEqual(es[0], want) {
		t.Errorf("entry = %+v, want %+v", es, want)
	}
}
