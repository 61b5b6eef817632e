package gateway

import (
	"context"
	"crypto/hmac"
	"fmt"
	"time"

	"paygate"
)

var errSignIn = paygate.Errorf(paygate.EUnauthorized, "email or password is wrong")

// SignIn checks an email and password and opens a session; client is the
// caller's address. It returns the token the browser keeps (the store has
// only its hash).
//
// Wrong passwords are held off as token calls are, per node, by address
// and by email (a back-off after five); and per user across nodes: past
// five wrong passwords in a row, each further one locks the user for 1 s,
// doubling up to 15 minutes. A disabled merchant's users cannot sign in; an unknown email,
// a wrong password and a disabled merchant are the same error, in about
// the same time.
//
// Errors: invalid_parameter, unauthorized, rate_limited (with RetryAfter).
func (s *Users) SignIn(ctx context.Context, email, password, client string) (string, *SignedIn, error) {
	email, err := normalEmail(email)
	if err != nil {
		return "", nil, err
	}
	if password == "" {
		return "", nil, paygate.InvalidParam("password", "password is required")
	}
	g := s.signin
	client = clientKey(client)
	settle, wait := g.admit(email, client)
	if wait > 0 {
		return "", nil, errLocked(wait)
	}
	result, exists := tokenUndecided, false
	defer func() { settle(result, exists) }()
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !isCode(err, paygate.ENotFound) {
		return "", nil, err
	}
	exists = u != nil
	now := s.now()
	if u != nil && u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		return "", nil, errLocked(u.LockedUntil.Sub(now))
	}
	ok := false
	if u == nil || u.PasswordHash == "" {
		g.pretendHash(ctx)
	} else if ok, err = g.timeHash(ctx, client, func() bool { return verifySecret(u.PasswordHash, password) }); err != nil {
		return "", nil, err
	}
	if ok && u.MerchantID != "" {
		disabled, err := s.merchantDisabled(ctx, u.MerchantID)
		if err != nil {
			return "", nil, err
		}
		ok = !disabled
	}
	if !ok {
		result = tokenWrong
		if u != nil {
			s.failedSignIn(ctx, u.ID)
		}
		return "", nil, errSignIn
	}
	result = tokenRight
	if u.FailedLogins > 0 || u.LockedUntil != nil {
		x := *u
		x.FailedLogins, x.LockedUntil = 0, nil
		x.Version++
		if s.store.UpdateUser(ctx, &x) == nil { // else another sign-in changed it: the count is theirs
			u = &x
		}
	}
	return s.openSession(ctx, u, now)
}

func errLocked(wait time.Duration) error {
	err := paygate.Errorf(paygate.ERateLimited, "too many wrong passwords; retry after %d s", retryAfter(wait))
	err.RetryAfter = retryAfter(wait)
	return err
}

// failedSignIn counts a wrong password on the user, and locks it past the
// free ones: 1 s, doubling with each further one, at most lockMax.
func (s *core) failedSignIn(ctx context.Context, userID string) {
	_, err := retryStale(ctx, "the user", func() (struct{}, error) {
		u, err := s.store.User(ctx, userID)
		if err != nil {
			return struct{}{}, err
		}
		x := *u
		x.FailedLogins++
		x.Version++
		if n := x.FailedLogins - lockFree; n > 0 {
			until := s.now().Add(min(time.Second<<min(n-1, 16), lockMax))
			x.LockedUntil = &until
		}
		return struct{}{}, s.store.UpdateUser(ctx, &x)
	})
	if err != nil {
		s.log.WarnContext(ctx, "count a failed sign-in", "user", userID, "err", err)
	}
}

func (s *core) openSession(ctx context.Context, u *paygate.User, now time.Time) (string, *SignedIn, error) {
	token := randomToken()
	us := &paygate.UserSession{ID: tokenHash(token), UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		IdleUntil: now.Add(sessionIdle), ExpiresAt: now.Add(sessionMax)}
	if err := s.store.CreateUserSession(ctx, us); err != nil {
		return "", nil, err
	}
	return token, &SignedIn{User: u, Session: us}, nil
}

var errNoSession = paygate.Errorf(paygate.EUnauthorized, "not signed in, or the session ended")

// Session returns who a session token belongs to. A session ends after 30
// minutes unused or 12 hours in all, when its user's password is set again,
// and when its merchant is disabled. Using it moves the idle deadline (at
// most once a minute, a write).
//
// Errors: unauthorized.
func (s *Users) Session(ctx context.Context, token string) (*SignedIn, error) {
	if _, ok := decodeToken(token); !ok {
		return nil, errNoSession
	}
	us, err := s.store.UserSession(ctx, tokenHash(token))
	if isCode(err, paygate.ENotFound) {
		return nil, errNoSession
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	if !now.Before(us.IdleUntil) || !now.Before(us.ExpiresAt) {
		return nil, errNoSession
	}
	u, err := s.store.User(ctx, us.UserID)
	if isCode(err, paygate.ENotFound) {
		return nil, errNoSession
	} else if err != nil {
		return nil, err
	}
	if u.MerchantID != "" {
		if disabled, err := s.merchantDisabled(ctx, u.MerchantID); err != nil {
			return nil, err
		} else if disabled {
			return nil, errNoSession
		}
	}
	if now.Sub(us.LastSeenAt) >= touchEvery {
		idle := now.Add(sessionIdle)
		if err := s.store.TouchUserSession(ctx, us.ID, now, idle); isCode(err, paygate.ENotFound) {
			return nil, errNoSession // signed out meanwhile
		} else if err != nil {
			return nil, err
		}
		us.LastSeenAt, us.IdleUntil = now, idle
	}
	return &SignedIn{User: u, Session: us}, nil
}

// SignOut ends the session of token.
func (s *Users) SignOut(ctx context.Context, token string) error {
	if _, ok := decodeToken(token); !ok {
		return nil
	}
	return s.store.DeleteUserSession(ctx, tokenHash(token))
}

// CSRFToken is the token every form of a session carries.
func (s *Users) CSRFToken(us *paygate.UserSession) string { return s.pageMAC("dashboard|" + us.ID) }

// CheckCSRF reports whether token is the session's form token.
func (s *Users) CheckCSRF(us *paygate.UserSession, token string) bool {
	return hmac.Equal([]byte(token), []byte(s.CSRFToken(us)))
}

// Record appends what a person did to the audit log: the action, what it
// acted on, the merchant, and the outcome (err's code, or "ok").
func (s *Users) Record(ctx context.Context, who *SignedIn, merchantID, action, object, ip string, outcome error) error {
	now := s.now()
	e := &paygate.AuditEntry{ID: fmt.Sprintf("A%s%03d%s", now.Format("20060102150405"), now.Nanosecond()/1e6, randomDigits(6)),
		At: now, MerchantID: merchantID, UserID: who.User.ID, Email: who.User.Email, Action: action, Object: object,
		Outcome: "ok", IP: ip}
	if outcome != nil {
		e.Outcome = paygate.ErrorCode(outcome)
	}
	return s.store.AppendAudit(ctx, e)
}

// AuditLog lists a page of the audit log a person may see, newest first,
// before the entry id before: a merchant's user sees its merchant's, an
// operator everything.
func (s *Users) AuditLog(ctx context.Context, who *SignedIn, before string) ([]*paygate.AuditEntry, error) {
	return s.store.AuditLog(ctx, who.Merchant(), before, AuditPageSize)
}

// FormToken is the token a form outside a session carries (the sign-in
// and set-password forms), bound to bind: a value of the browser's own.
func (s *Users) FormToken(bind string) string { return s.pageMAC("dashboard-form|" + bind) }

// CheckFormToken reports whether token is FormToken(bind).
func (s *Users) CheckFormToken(bind, token string) bool {
	return bind != "" && hmac.Equal([]byte(token), []byte(s.FormToken(bind)))
}
