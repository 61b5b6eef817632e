package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"paygate"
)

const userCols = `id, email, merchant_id, role, password_hash, setup_hash, setup_until, version, created_at`

// CreateUser inserts a dashboard user.
func (s *Store) CreateUser(ctx context.Context, u *paygate.User) error {
	_, err := s.exec(ctx, "create user", `INSERT INTO users (`+userCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.ID, u.Email, u.MerchantID, string(u.Role), u.PasswordHash, u.SetupHash, msPtr(u.SetupUntil), u.Version, ms(u.CreatedAt))
	return err
}

func (s *Store) user(ctx context.Context, where, arg string) (*paygate.User, error) {
	var out []*paygate.User
	err := s.rows(ctx, "user", `SELECT `+userCols+` FROM users WHERE `+where, []any{arg}, func(r pgx.Rows) error {
		var u paygate.User
		var role string
		var created int64
		var setupUntil *int64
		if err := r.Scan(&u.ID, &u.Email, &u.MerchantID, &role, &u.PasswordHash, &u.SetupHash, &setupUntil, &u.Version,
			&created); err != nil {
			return err
		}
		u.Role, u.CreatedAt, u.SetupUntil = paygate.Role(role), fromMs(created), timePtr(setupUntil)
		out = append(out, &u)
		return nil
	})
	return one(out, err)
}

// User returns a user by id.
func (s *Store) User(ctx context.Context, id string) (*paygate.User, error) {
	return s.user(ctx, `id = $1`, id)
}

// UserByEmail returns a user by email.
func (s *Store) UserByEmail(ctx context.Context, email string) (*paygate.User, error) {
	return s.user(ctx, `email = $1`, email)
}

// UserBySetup returns the user whose set-password token hashes to hash.
func (s *Store) UserBySetup(ctx context.Context, hash string) (*paygate.User, error) {
	if hash == "" {
		return nil, &paygate.Error{Code: paygate.ENotFound, Message: "not found"}
	}
	return s.user(ctx, `setup_hash = $1 AND setup_hash <> ''`, hash)
}

// UpdateUser writes u if the stored version is u.Version-1.
func (s *Store) UpdateUser(ctx context.Context, u *paygate.User) error {
	n, err := s.exec(ctx, "update user", `UPDATE users SET role = $1, password_hash = $2, setup_hash = $3, setup_until = $4,
		version = $5 WHERE id = $6 AND version = $7`,
		string(u.Role), u.PasswordHash, u.SetupHash, msPtr(u.SetupUntil), u.Version, u.ID, u.Version-1)
	if err != nil || n == 1 {
		return err
	}
	if _, err := s.User(ctx, u.ID); err != nil {
		return err
	}
	return &paygate.Error{Code: paygate.EConflict, Op: "update user", Message: "stale version"}
}

// CreateUserSession inserts a session.
func (s *Store) CreateUserSession(ctx context.Context, us *paygate.UserSession) error {
	_, err := s.exec(ctx, "create user session", `INSERT INTO user_sessions (id, user_id, created_at, last_seen_at, idle_until,
		expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		us.ID, us.UserID, ms(us.CreatedAt), ms(us.LastSeenAt), ms(us.IdleUntil), ms(us.ExpiresAt))
	return err
}

// UserSession returns a session by id.
func (s *Store) UserSession(ctx context.Context, id string) (*paygate.UserSession, error) {
	var out []*paygate.UserSession
	err := s.rows(ctx, "user session", `SELECT user_id, created_at, last_seen_at, idle_until, expires_at FROM user_sessions
		WHERE id = $1`, []any{id}, func(r pgx.Rows) error {
		us := paygate.UserSession{ID: id}
		var created, seen, idle, expires int64
		if err := r.Scan(&us.UserID, &created, &seen, &idle, &expires); err != nil {
			return err
		}
		us.CreatedAt, us.LastSeenAt, us.IdleUntil, us.ExpiresAt = fromMs(created), fromMs(seen), fromMs(idle), fromMs(expires)
		out = append(out, &us)
		return nil
	})
	return one(out, err)
}

// TouchUserSession moves a session's idle deadline.
func (s *Store) TouchUserSession(ctx context.Context, id string, seen, idleUntil time.Time) error {
	n, err := s.exec(ctx, "touch user session", `UPDATE user_sessions SET last_seen_at = $1, idle_until = $2 WHERE id = $3`,
		ms(seen), ms(idleUntil), id)
	if err != nil || n == 1 {
		return err
	}
	return &paygate.Error{Code: paygate.ENotFound, Message: "session not found"}
}

// DeleteUserSession removes a session.
func (s *Store) DeleteUserSession(ctx context.Context, id string) error {
	_, err := s.exec(ctx, "delete user session", `DELETE FROM user_sessions WHERE id = $1`, id)
	return err
}

// DeleteUserSessions removes a user's sessions.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := s.exec(ctx, "delete user sessions", `DELETE FROM user_sessions WHERE user_id = $1`, userID)
	return err
}

// DeleteExpiredUserSessions removes ended sessions.
func (s *Store) DeleteExpiredUserSessions(ctx context.Context, now time.Time) (int, error) {
	n, err := s.exec(ctx, "delete expired user sessions", `DELETE FROM user_sessions WHERE idle_until <= $1 OR expires_at <= $1`,
		ms(now))
	return int(n), err
}

// AppendAudit inserts an audit entry.
func (s *Store) AppendAudit(ctx context.Context, e *paygate.AuditEntry) error {
	_, err := s.exec(ctx, "append audit", `INSERT INTO audit_log (id, at, merchant_id, user_id, email, action, object, outcome, ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.ID, ms(e.At), e.MerchantID, e.UserID, e.Email, e.Action, e.Object, e.Outcome, e.IP)
	return err
}

// AuditLog lists audit entries, newest first.
func (s *Store) AuditLog(ctx context.Context, merchantID, before string, limit int) ([]*paygate.AuditEntry, error) {
	var out []*paygate.AuditEntry
	err := s.rows(ctx, "audit log", `SELECT id, at, merchant_id, user_id, email, action, object, outcome, ip FROM audit_log
		WHERE ($1 = '' OR merchant_id = $1) AND ($2 = '' OR id < $2) ORDER BY id DESC LIMIT $3`,
		[]any{merchantID, before, limit}, func(r pgx.Rows) error {
			var e paygate.AuditEntry
			var at int64
			if err := r.Scan(&e.ID, &at, &e.MerchantID, &e.UserID, &e.Email, &e.Action, &e.Object, &e.Outcome, &e.IP); err != nil {
				return err
			}
			e.At = fromMs(at)
			out = append(out, &e)
			return nil
		})
	return out, err
}

// DeleteUser removes a user and its sessions, in one statement.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	n, err := s.exec(ctx, "delete user", `WITH gone AS (DELETE FROM user_sessions WHERE user_id = $1)
		DELETE FROM users WHERE id = $1`, id)
	if err != nil || n == 1 {
		return err
	}
	return &paygate.Error{Code: paygate.ENotFound, Message: "user not found"}
}

// SignInLock returns until when sign-in with email is locked.
func (s *Store) SignInLock(ctx context.Context, email string) (time.Time, error) {
	var until int64
	err := s.rows(ctx, "sign-in lock", `SELECT locked_until FROM signin_failures WHERE email = $1`, []any{email},
		func(r pgx.Rows) error { return r.Scan(&until) })
	if err != nil || until == 0 {
		return time.Time{}, err
	}
	return fromMs(until), nil
}

// FailSignIn counts a wrong password for email.
func (s *Store) FailSignIn(ctx context.Context, email string, now, forgetBefore time.Time) (int, error) {
	var n int
	err := s.rows(ctx, "fail sign-in", `INSERT INTO signin_failures (email, failures, locked_until, last_at) VALUES ($1, 1, 0, $2)
		ON CONFLICT (email) DO UPDATE SET last_at = excluded.last_at,
		failures = CASE WHEN signin_failures.last_at < $3 THEN 1 ELSE signin_failures.failures + 1 END
		RETURNING failures`, []any{email, ms(now), ms(forgetBefore)}, func(r pgx.Rows) error { return r.Scan(&n) })
	return n, err
}

// LockSignIn locks sign-in with email until until.
func (s *Store) LockSignIn(ctx context.Context, email string, until time.Time) error {
	_, err := s.exec(ctx, "lock sign-in", `UPDATE signin_failures SET locked_until = greatest(locked_until, $1) WHERE email = $2`,
		ms(until), email)
	return err
}

// ClearSignInFailures forgets email's failures.
func (s *Store) ClearSignInFailures(ctx context.Context, email string) error {
	_, err := s.exec(ctx, "clear sign-in failures", `DELETE FROM signin_failures WHERE email = $1`, email)
	return err
}

// DeleteOldSignInFailures forgets old failures whose lock has ended.
func (s *Store) DeleteOldSignInFailures(ctx context.Context, before time.Time) (int, error) {
	n, err := s.exec(ctx, "delete old sign-in failures", `DELETE FROM signin_failures WHERE last_at < $1 AND locked_until < $1`,
		ms(before))
	return int(n), err
}
