package paygate

import (
	"context"
	"time"
)

// Role is what a dashboard user may do. A merchant's users have admin,
// developer or viewer; the provider's own staff are operators, who see
// every merchant.
type Role string

// The roles.
const (
	RoleAdmin     Role = "admin"
	RoleDeveloper Role = "developer"
	RoleViewer    Role = "viewer"
	RoleOperator  Role = "operator"
)

// Permission names one kind of thing a dashboard user does.
type Permission string

// The permissions.
const (
	PermView    Permission = "view"    // see payments, refunds, notifications, the audit log
	PermMoney   Permission = "money"   // capture, cancel, refund
	PermResend  Permission = "resend"  // send a notification again
	PermDevelop Permission = "develop" // rotate secrets, manage webhook subscriptions
	PermOperate Permission = "operate" // every merchant: create, disable, search across them
	PermRisk    Permission = "risk"    // change the risk lists, rules and settings
)

// rolePermissions is the one table of who may do what.
var rolePermissions = map[Role][]Permission{
	RoleAdmin:     {PermView, PermMoney, PermResend, PermDevelop, PermRisk},
	RoleDeveloper: {PermView, PermResend, PermDevelop},
	RoleViewer:    {PermView},
	RoleOperator:  {PermView, PermOperate},
}

// Can reports whether the role has permission p.
func (r Role) Can(p Permission) bool {
	for _, q := range rolePermissions[r] {
		if q == p {
			return true
		}
	}
	return false
}

// MerchantRole reports whether r is one of a merchant's roles (not the
// operator's).
func (r Role) MerchantRole() bool { return r == RoleAdmin || r == RoleDeveloper || r == RoleViewer }

// User is a person who signs in to the dashboard: a merchant's user
// (MerchantID set) or an operator (MerchantID ""). The password is kept
// only as an argon2id hash.
type User struct {
	ID           string
	Email        string // lower case, unique
	MerchantID   string // "" for an operator
	Role         Role
	PasswordHash string // "" until the user sets a password
	// SetupHash is the SHA-256 (hex) of the one-time link's token that sets
	// the password, good until SetupUntil; "" once used.
	SetupHash  string
	SetupUntil *time.Time
	Version    int64
	CreatedAt  time.Time
}

// Operator reports whether u is one of the provider's staff.
func (u *User) Operator() bool { return u.Role == RoleOperator }

// UserSession is a signed-in dashboard session. The browser holds a random
// token; the store keeps only its hash, so a copy of the database signs
// nobody in.
type UserSession struct {
	ID         string // SHA-256 (hex) of the cookie's token
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	IdleUntil  time.Time // the session ends here unless used before
	ExpiresAt  time.Time // and here whatever happens
}

// AuditEntry records one thing a person did in the dashboard.
type AuditEntry struct {
	ID         string // time-ordered
	At         time.Time
	MerchantID string // the merchant acted on; "" for an operator's own
	UserID     string
	Email      string
	Action     string // "refund", "capture", "signin", ...
	Object     string // what it acted on: a tradeNo, a subscription id, ...
	Outcome    string // "ok", or the error code
	IP         string
}

// UserStore keeps dashboard users, their sessions and the audit log.
type UserStore interface {
	// CreateUser inserts u; EConflict if its id or email is taken.
	CreateUser(ctx context.Context, u *User) error
	// User returns a user by id; ENotFound.
	User(ctx context.Context, id string) (*User, error)
	// UserByEmail returns a user by (lower-case) email; ENotFound.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// UserBySetup returns the user whose SetupHash is hash; ENotFound.
	UserBySetup(ctx context.Context, hash string) (*User, error)
	// UpdateUser writes u if the stored version is u.Version-1
	// (compare-and-set); EConflict if it is not, ENotFound if absent.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser removes a user and its sessions; ENotFound if absent.
	DeleteUser(ctx context.Context, id string) error
	// SignInLock returns until when sign-in with email is locked (zero:
	// it is not).
	SignInLock(ctx context.Context, email string) (time.Time, error)
	// FailSignIn counts a wrong password for email at now and returns the
	// count: the failures since the last ClearSignInFailures, counting
	// from 1 again when the last one was before forgetBefore.
	FailSignIn(ctx context.Context, email string, now, forgetBefore time.Time) (int, error)
	// LockSignIn locks sign-in with email until until (a later lock
	// already set stays).
	LockSignIn(ctx context.Context, email string, until time.Time) error
	// ClearSignInFailures forgets email's wrong passwords and lock.
	ClearSignInFailures(ctx context.Context, email string) error
	// DeleteOldSignInFailures forgets the failures last counted before
	// before whose lock has ended, and returns how many.
	DeleteOldSignInFailures(ctx context.Context, before time.Time) (int, error)
	// CreateUserSession inserts s; EConflict if its id is taken.
	CreateUserSession(ctx context.Context, s *UserSession) error
	// UserSession returns a session by id; ENotFound.
	UserSession(ctx context.Context, id string) (*UserSession, error)
	// TouchUserSession sets a session's LastSeenAt and IdleUntil; ENotFound.
	TouchUserSession(ctx context.Context, id string, seen, idleUntil time.Time) error
	// DeleteUserSession removes a session; no error if it is absent.
	DeleteUserSession(ctx context.Context, id string) error
	// DeleteUserSessions removes every session of a user.
	DeleteUserSessions(ctx context.Context, userID string) error
	// DeleteExpiredUserSessions removes the sessions whose IdleUntil or
	// ExpiresAt is at or before now, and returns how many.
	DeleteExpiredUserSessions(ctx context.Context, now time.Time) (int, error)
	// AppendAudit inserts an audit entry; EConflict if its id is taken.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AuditLog lists up to limit entries, newest first, before the id
	// before ("" starts with the newest), of one merchant, or of every
	// merchant and the operators' own when merchantID is "".
	AuditLog(ctx context.Context, merchantID, before string, limit int) ([]*AuditEntry, error)
}
