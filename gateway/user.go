package gateway

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"strings"
	"time"

	"paygate"
)

// Users are the dashboard's people: their accounts, sign-in, sessions and
// the audit log of what they do.
type Users struct{ *core }

// The dashboard's sign-in rules.
const (
	setupTTL    = 72 * time.Hour   // a set-password link's life
	sessionIdle = 30 * time.Minute // a session unused this long ends
	sessionMax  = 12 * time.Hour   // and every session ends after this
	touchEvery  = time.Minute      // how often a used session's idle deadline moves (a write)
	minPassword = 12
	maxPassword = 256
	lockFree    = 5                // wrong passwords before the lockout starts
	lockMax     = 15 * time.Minute // the longest lockout
	maxEmail    = 254
)

// AuditPageSize is the number of entries a page of the audit log holds.
const AuditPageSize = 50

// NewUser is what creating a user returns: the only time its set-password
// link is shown.
type NewUser struct {
	User     *paygate.User
	SetupURL string
}

// SignedIn is a signed-in person: the user and the session.
type SignedIn struct {
	User    *paygate.User
	Session *paygate.UserSession
}

// Merchant is the merchant whose objects the person sees: their own, or
// for an operator "" (every merchant).
func (w *SignedIn) Merchant() string { return w.User.MerchantID }

// CreateUser creates a dashboard user of merchantID with role (an operator
// when role is RoleOperator, with merchantID "") and returns the one-time
// link that sets the password, good for 72 hours.
//
// Errors: invalid_parameter (email, role, merchant), not_found (the
// merchant), conflict (the email has a user).
func (s *Users) CreateUser(ctx context.Context, merchantID, email string, role paygate.Role) (*NewUser, error) {
	email, err := normalEmail(email)
	if err != nil {
		return nil, err
	}
	switch {
	case role == paygate.RoleOperator && merchantID != "":
		return nil, paygate.InvalidParam("merchant", "an operator belongs to no merchant")
	case role.MerchantRole() && merchantID == "":
		return nil, paygate.InvalidParam("merchant", "a merchant's user needs its merchant id")
	case role != paygate.RoleOperator && !role.MerchantRole():
		return nil, paygate.InvalidParam("role", "role must be admin, developer or viewer (or an operator)")
	}
	if merchantID != "" {
		if _, err := s.store.Merchant(ctx, merchantID); err != nil {
			return nil, err
		}
	}
	now := s.now()
	u := &paygate.User{ID: newID("U", now, 6), Email: email, MerchantID: merchantID, Role: role, Version: 1, CreatedAt: now}
	link := s.newSetup(u, now)
	if err := s.store.CreateUser(ctx, u); err != nil {
		if isCode(err, paygate.EConflict) {
			return nil, paygate.Errorf(paygate.EConflict, "a user with this email exists")
		}
		return nil, err
	}
	return &NewUser{User: u, SetupURL: link}, nil
}

// ResetPassword gives the user a new one-time set-password link (the old
// password keeps working until it is used).
//
// Errors: not_found.
func (s *Users) ResetPassword(ctx context.Context, email string) (*NewUser, error) {
	email, err := normalEmail(email)
	if err != nil {
		return nil, err
	}
	return retryStale(ctx, "the user", func() (*NewUser, error) {
		u, err := s.store.UserByEmail(ctx, email)
		if err != nil {
			return nil, err
		}
		x := *u
		x.Version++
		link := s.newSetup(&x, s.now())
		if err := s.store.UpdateUser(ctx, &x); err != nil {
			return nil, err
		}
		return &NewUser{User: &x, SetupURL: link}, nil
	})
}

func (s *core) newSetup(u *paygate.User, now time.Time) string {
	token := randomToken()
	until := now.Add(setupTTL)
	u.SetupHash, u.SetupUntil = tokenHash(token), &until
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/dashboard/setup/" + token
}

// SetupUser returns the user a set-password link is for; not_found when
// the link is unknown, used or expired.
func (s *Users) SetupUser(ctx context.Context, token string) (*paygate.User, error) {
	if _, ok := decodeToken(token); !ok {
		return nil, errNoLink
	}
	u, err := s.store.UserBySetup(ctx, tokenHash(token))
	if isCode(err, paygate.ENotFound) || err == nil && (u.SetupUntil == nil || !s.now().Before(*u.SetupUntil)) {
		return nil, errNoLink
	}
	return u, err
}

var errNoLink = paygate.Errorf(paygate.ENotFound, "this link is unknown, used or expired")

// SetPassword sets the password of the user of a set-password link, uses
// the link up, and ends the user's sessions.
//
// Errors: invalid_parameter (password), not_found (the link).
func (s *Users) SetPassword(ctx context.Context, token, password string) (*paygate.User, error) {
	if n := len([]rune(password)); n < minPassword || n > maxPassword {
		return nil, paygate.InvalidParam("password", "the password must be %d to %d characters", minPassword, maxPassword)
	}
	hash := hashSecret(password)
	u, err := retryStale(ctx, "the user", func() (*paygate.User, error) {
		u, err := s.SetupUser(ctx, token) // read again on each try: a link used meanwhile is gone
		if err != nil {
			return nil, err
		}
		x := *u
		x.PasswordHash, x.SetupHash, x.SetupUntil = hash, "", nil
		x.Version++
		return &x, s.store.UpdateUser(ctx, &x)
	})
	if err != nil {
		return nil, err
	}
	if err := s.store.ClearSignInFailures(ctx, u.Email); err != nil {
		return nil, err
	}
	return u, s.store.DeleteUserSessions(ctx, u.ID)
}

func normalEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > maxEmail {
		return "", paygate.InvalidParam("email", "email must be an address such as ana@example.com")
	}
	return email, nil
}

// randomToken is 32 random bytes in unpadded URL-safe base64.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenHash is how a link's or a session's token is stored: SHA-256, hex.
// The token has 256 random bits, so a fast hash is enough.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// DeleteUser removes the user of email and ends its sessions at once.
//
// Errors: invalid_parameter (email), not_found.
func (s *Users) DeleteUser(ctx context.Context, email string) (*paygate.User, error) {
	email, err := normalEmail(email)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	return u, s.store.DeleteUser(ctx, u.ID)
}

// SetRole gives a merchant's user another of a merchant's roles; the next
// page the user opens has it. An operator stays one, and a merchant's user
// cannot become one (create the person again).
//
// Errors: invalid_parameter (email, role), not_found.
func (s *Users) SetRole(ctx context.Context, email string, role paygate.Role) (*paygate.User, error) {
	email, err := normalEmail(email)
	if err != nil {
		return nil, err
	}
	if !role.MerchantRole() {
		return nil, paygate.InvalidParam("role", "role must be admin, developer or viewer")
	}
	return retryStale(ctx, "the user", func() (*paygate.User, error) {
		u, err := s.store.UserByEmail(ctx, email)
		if err != nil {
			return nil, err
		}
		if u.Operator() {
			return nil, paygate.InvalidParam("role", "an operator has no merchant role")
		}
		x := *u
		x.Role = role
		x.Version++
		return &x, s.store.UpdateUser(ctx, &x)
	})
}
