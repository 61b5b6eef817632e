package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"paygate"
)

const userCols = `id, email, merchant_id, role, password_hash, setup_hash, setup_until, version, created_at`

// CreateUser inserts a dashboard user.
func (s *Store) CreateUser(ctx context.Context, u *paygate.User) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.MerchantID, string(u.Role), u.PasswordHash, u.SetupHash, msPtr(u.SetupUntil), u.Version, ms(u.CreatedAt))
	return dbErr("create user", err)
}

func (s *Store) user(ctx context.Context, where, arg string) (*paygate.User, error) {
	var u paygate.User
	var role string
	var created int64
	var setupUntil sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE `+where, arg).Scan(&u.ID, &u.Email, &u.MerchantID,
		&role, &u.PasswordHash, &u.SetupHash, &setupUntil, &u.Version, &created)
	if err != nil {
		return nil, dbErr("user", err)
	}
	u.Role, u.CreatedAt, u.SetupUntil = paygate.Role(role), fromMs(created), timePtr(setupUntil)
	return &u, nil
}

// User returns a user by id.
func (s *Store) User(ctx context.Context, id string) (*paygate.User, error) {
	return s.user(ctx, `id = ?`, id)
}

// UserByEmail returns a user by email.
func (s *Store) UserByEmail(ctx context.Context, email string) (*paygate.User, error) {
	return s.user(ctx, `email = ?`, email)
}

// UserBySetup returns the user whose set-password token hashes to hash.
func (s *Store) UserBySetup(ctx context.Context, hash string) (*paygate.User, error) {
	if hash == "" {
		return nil, &paygate.Error{Code: paygate.ENotFound, Message: "not found"}
	}
	return s.user(ctx, `setup_hash = ? AND setup_hash <> ''`, hash)
}

// UpdateUser writes u if the stored version is u.Version-1.
func (s *Store) UpdateUser(ctx context.Context, u *paygate.User) error {
	res, err := s.w.ExecContext(ctx, `UPDATE users SET role = ?, password_hash = ?, setup_hash = ?, setup_until = ?,
		version = ? WHERE id = ? AND version = ?`,
		string(u.Role), u.PasswordHash, u.SetupHash, msPtr(u.SetupUntil), u.Version, u.ID, u.Version-1)
	if err != nil {
		return dbErr("update user", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return dbErr("update user", err)
	}
	if _, err := s.User(ctx, u.ID); err != nil {
		return err
	}
	return &paygate.Error{Code: paygate.EConflict, Op: "update user", Message: "stale version"}
}

// CreateUserSession inserts a session.
func (s *Store) CreateUserSession(ctx context.Context, us *paygate.UserSession) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO user_sessions (id, user_id, created_at, last_seen_at, idle_until, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, us.ID, us.UserID, ms(us.CreatedAt), ms(us.LastSeenAt), ms(us.IdleUntil), ms(us.ExpiresAt))
	return dbErr("create user session", err)
}

// UserSession returns a session by id.
func (s *Store) UserSession(ctx context.Context, id string) (*paygate.UserSession, error) {
	us := paygate.UserSession{ID: id}
	var created, seen, idle, expires int64
	err := s.r.QueryRowContext(ctx, `SELECT user_id, created_at, last_seen_at, idle_until, expires_at FROM user_sessions
		WHERE id = ?`, id).Scan(&us.UserID, &created, &seen, &idle, &expires)
	if err != nil {
		return nil, dbErr("user session", err)
	}
	us.CreatedAt, us.LastSeenAt, us.IdleUntil, us.ExpiresAt = fromMs(created), fromMs(seen), fromMs(idle), fromMs(expires)
	return &us, nil
}

// TouchUserSession moves a session's idle deadline.
func (s *Store) TouchUserSession(ctx context.Context, id string, seen, idleUntil time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE user_sessions SET last_seen_at = ?, idle_until = ? WHERE id = ?`,
		ms(seen), ms(idleUntil), id)
	if err != nil {
		return dbErr("touch user session", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return dbErr("touch user session", err)
	}
	return &paygate.Error{Code: paygate.ENotFound, Message: "session not found"}
}

// DeleteUserSession removes a session.
func (s *Store) DeleteUserSession(ctx context.Context, id string) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM user_sessions WHERE id = ?`, id)
	return dbErr("delete user session", err)
}

// DeleteUserSessions removes a user's sessions.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM user_sessions WHERE user_id = ?`, userID)
	return dbErr("delete user sessions", err)
}

// DeleteExpiredUserSessions removes ended sessions.
func (s *Store) DeleteExpiredUserSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM user_sessions WHERE idle_until <= ? OR expires_at <= ?`, ms(now), ms(now))
	if err != nil {
		return 0, dbErr("delete expired user sessions", err)
	}
	n, err := res.RowsAffected()
	return int(n), dbErr("delete expired user sessions", err)
}

// AppendAudit inserts an audit entry.
func (s *Store) AppendAudit(ctx context.Context, e *paygate.AuditEntry) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO audit_log (id, at, merchant_id, user_id, email, action, object, outcome, ip)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, ms(e.At), e.MerchantID, e.UserID, e.Email, e.Action, e.Object, e.Outcome, e.IP)
	return dbErr("append audit", err)
}

// AuditLog lists audit entries, newest first.
func (s *Store) AuditLog(ctx context.Context, merchantID, before string, limit int) ([]*paygate.AuditEntry, error) {
	q := `SELECT id, at, merchant_id, user_id, email, action, object, outcome, ip FROM audit_log WHERE `
	args := []any{}
	if merchantID != "" {
		q += `merchant_id = ? AND `
		args = append(args, merchantID)
	}
	if before == "" {
		q += `1 = 1`
	} else {
		q += `id < ?`
		args = append(args, before)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, dbErr("audit log", err)
	}
	defer rows.Close()
	var out []*paygate.AuditEntry
	for rows.Next() {
		var e paygate.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.MerchantID, &e.UserID, &e.Email, &e.Action, &e.Object, &e.Outcome, &e.IP); err != nil {
			return nil, dbErr("audit log", err)
		}
		e.At = fromMs(at)
		out = append(out, &e)
	}
	return out, dbErr("audit log", rows.Err())
}

// DeleteUser removes a user and its sessions, in one transaction.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return dbErr("delete user", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)
	if err != nil {
		return dbErr("delete user", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return dbErr("delete user", err)
	} else if n == 0 {
		return &paygate.Error{Code: paygate.ENotFound, Message: "user not found"}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_sessions WHERE user_id = ?`, id); err != nil {
		return dbErr("delete user", err)
	}
	return dbErr("delete user", tx.Commit())
}

// SignInLock returns until when sign-in with email is locked.
func (s *Store) SignInLock(ctx context.Context, email string) (time.Time, error) {
	var until int64
	err := s.r.QueryRowContext(ctx, `SELECT locked_until FROM signin_failures WHERE email = ?`, email).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) || err == nil && until == 0 {
		return time.Time{}, nil
	}
	return fromMs(until), dbErr("sign-in lock", err)
}

// FailSignIn counts a wrong password for email.
func (s *Store) FailSignIn(ctx context.Context, email string, now, forgetBefore time.Time) (int, error) {
	var n int
	err := s.w.QueryRowContext(ctx, `INSERT INTO signin_failures (email, failures, locked_until, last_at) VALUES (?, 1, 0, ?)
		ON CONFLICT (email) DO UPDATE SET last_at = excluded.last_at,
		failures = CASE WHEN signin_failures.last_at < ? THEN 1 ELSE signin_failures.failures + 1 END
		RETURNING failures`, email, ms(now), ms(forgetBefore)).Scan(&n)
	return n, dbErr("fail sign-in", err)
}

// LockSignIn locks sign-in with email until until.
func (s *Store) LockSignIn(ctx context.Context, email string, until time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE signin_failures SET locked_until = max(locked_until, ?) WHERE email = ?`, ms(until), email)
	return dbErr("lock sign-in", err)
}

// ClearSignInFailures forgets email's failures.
func (s *Store) ClearSignInFailures(ctx context.Context, email string) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM signin_failures WHERE email = ?`, email)
	return dbErr("clear sign-in failures", err)
}

// DeleteOldSignInFailures forgets old failures whose lock has ended.
func (s *Store) DeleteOldSignInFailures(ctx context.Context, before time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM signin_failures WHERE last_at < ? AND locked_until < ?`, ms(before), ms(before))
	if err != nil {
		return 0, dbErr("delete old sign-in failures", err)
	}
	n, err := res.RowsAffected()
	return int(n), dbErr("delete old sign-in failures", err)
}
