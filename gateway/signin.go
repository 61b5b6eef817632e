package gateway

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"paygate"
)

var errSignIn = paygate.Errorf(paygate.EUnauthorized, "email or password is wrong")

// The lockout's rules.
const (
	forgetFailures = time.Hour           // failures this old no longer count
	deviceTTL      = 90 * 24 * time.Hour // how long a browser that signed in is trusted
)

// SignInResult is a sign-in: the session's token and a device token, both
// for the browser to keep, and who signed in.
type SignInResult struct {
	Token, Device string
	Who           *SignedIn
}

// SignIn checks an email and password and opens a session; client is the
// caller's address and device the device token of an earlier sign-in on
// this browser ("" if none).
//
// Wrong passwords are held off per email in the database, on every node,
// whether a user has the email or not: past five in an hour, each further
// one locks the email for 1 s, doubling up to 15 minutes. A browser that
// signed in as the email before (its device token) is not held off by the
// email's lock, so that someone who only knows the email cannot keep its
// user out. Each node also backs off an address that keeps failing, as it
// does token calls. A disabled merchant's users cannot sign in. An unknown
// email, a wrong password and a disabled merchant are the same error, after
// the same work.
//
// Errors: invalid_parameter, unauthorized, rate_limited (with RetryAfter).
func (s *Users) SignIn(ctx context.Context, email, password, client, device string) (*SignInResult, error) {
	email, err := normalEmail(email)
	if err != nil {
		return nil, err
	}
	if password == "" {
		return nil, paygate.InvalidParam("password", "password is required")
	}
	trusted := s.trustedDevice(email, device)
	key := email // the guard's per-email back-off; a trusted browser has its own
	if trusted {
		key = email + "|" + device
	}
	g := s.signin
	client = clientKey(client)
	settle, wait := g.admit(key, client)
	if wait > 0 {
		return nil, errLocked(wait)
	}
	result := tokenUndecided
	defer func() { settle(result, true) }() // unknown emails count too
	now := s.now()
	if !trusted {
		until, err := s.store.SignInLock(ctx, email)
		if err != nil {
			return nil, err
		}
		if now.Before(until) {
			return nil, errLocked(until.Sub(now))
		}
	}
	u, ok, err := s.checkPassword(ctx, g, client, email, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		result = tokenWrong
		if err := s.failedSignIn(ctx, email, now); err != nil {
			return nil, err
		}
		if u != nil {
			go s.recordFailure(context.WithoutCancel(ctx), u, client)
		}
		return nil, errSignIn
	}
	result = tokenRight
	if err := s.store.ClearSignInFailures(ctx, email); err != nil {
		return nil, err
	}
	token, who, err := s.openSession(ctx, u, now)
	if err != nil {
		return nil, err
	}
	return &SignInResult{Token: token, Device: s.deviceToken(email, now), Who: who}, nil
}

// checkPassword finds the email's user and checks the password in one of
// the guard's hash slots; without a user (or a password, or with a
// disabled merchant) the answer is no, after as long as a hash takes.
func (s *core) checkPassword(ctx context.Context, g *tokenGuard, client, email, password string) (*paygate.User, bool, error) {
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !isCode(err, paygate.ENotFound) {
		return nil, false, err
	}
	ok := false
	if u == nil || u.PasswordHash == "" {
		g.pretendHash(ctx)
	} else if ok, err = g.timeHash(ctx, client, func() bool { return verifySecret(u.PasswordHash, password) }); err != nil {
		return nil, false, err
	}
	if ok && u.MerchantID != "" {
		disabled, err := s.merchantDisabled(ctx, u.MerchantID)
		if err != nil {
			return nil, false, err
		}
		ok = !disabled
	}
	return u, ok, nil
}

func errLocked(wait time.Duration) error {
	err := paygate.Errorf(paygate.ERateLimited, "too many wrong passwords; retry after %d s", retryAfter(wait))
	err.RetryAfter = retryAfter(wait)
	return err
}

// failedSignIn counts a wrong password for email, and locks it past the
// free ones: 1 s, doubling with each further one, at most lockMax.
func (s *core) failedSignIn(ctx context.Context, email string, now time.Time) error {
	n, err := s.store.FailSignIn(ctx, email, now, now.Add(-forgetFailures))
	if err != nil || n <= lockFree {
		return err
	}
	return s.store.LockSignIn(ctx, email, now.Add(min(time.Second<<min(n-lockFree-1, 16), lockMax)))
}

// recordFailure puts a known user's wrong password in the audit log, off
// the answer's path (its time must not tell known emails from others).
func (s *core) recordFailure(ctx context.Context, u *paygate.User, client string) {
	who := &SignedIn{User: u}
	if err := (&Users{s}).Record(ctx, who, u.MerchantID, "signin failed", "", client, nil); err != nil {
		s.log.WarnContext(ctx, "audit a failed sign-in", "err", err)
	}
}

// deviceToken is what a browser keeps after signing in as email: for 90
// days the email's lock does not hold it off.
func (s *core) deviceToken(email string, now time.Time) string {
	body := base64.RawURLEncoding.EncodeToString([]byte(email + "|" + strconv.FormatInt(now.Unix(), 10)))
	return body + "." + s.pageMAC("device|"+body)
}

func (s *core) trustedDevice(email, token string) bool {
	body, mac, ok := strings.Cut(token, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.pageMAC("device|"+body))) {
		return false
	}
	raw, ok := decodeToken(body)
	if !ok {
		return false
	}
	e, issued, ok := strings.Cut(string(raw), "|")
	sec, err := strconv.ParseInt(issued, 10, 64)
	return ok && err == nil && e == email && s.now().Sub(time.Unix(sec, 0)) < deviceTTL
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
