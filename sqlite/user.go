package sqlite

import (
	"context"
	"database/sql"
	"time"

	"paygate"
)

const userCols = `id, email, merchant_id, role, password_hash, setup_hash, setup_until, failed_logins, locked_until, version, created_at`

// CreateUser inserts a dashboard user.
func (s *Store) CreateUser(ctx context.Context, u *paygate.User) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.MerchantID, string(u.Role), u.PasswordHash, u.SetupHash, msPtr(u.SetupUntil), u.FailedLogins,
		msPtr(u.LockedUntil), u.Version, ms(u.CreatedAt))
	return dbErr("create user", err)
}

func (s *Store) user(ctx context.Context, where, arg string) (*paygate.User, error) {
	var u paygate.User
	var role string
	var created int64
	var setupUntil, lockedUntil sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE `+where, arg).Scan(&u.ID, &u.Email, &u.MerchantID,
		&role, &u.PasswordHash, &u.SetupHash, &setupUntil, &u.FailedLogins, &lockedUntil, &u.Version, &created)
	if err != nil {
		return nil, dbErr("user", err)
	}
	u.Role, u.CreatedAt = paygate.Role(role), fromMs(created)
	u.SetupUntil, u.LockedUntil = timePtr(setupUntil), timePtr(lockedUntil)
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
	return s.user(ctx, `setup_hash = ?`, hash)
}

// UpdateUser writes u if the stored version is u.Version-1.
func (s *Store) UpdateUser(ctx context.Context, u *paygate.User) error {
	res, err := s.w.ExecContext(ctx, `UPDATE users SET role = ?, password_hash = ?, setup_hash = ?, setup_until = ?,
		failed_logins = ?, locked_until = ?, version = ? WHERE id = ? AND version = ?`,
		string(u.Role), u.PasswordHash, u.SetupHash, msPtr(u.SetupUntil), u.FailedLogins, msPtr(u.LockedUntil),
		u.Version, u.ID, u.Version-1)
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
