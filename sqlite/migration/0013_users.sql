-- Dashboard users: a merchant's people (merchant_id set) and the
-- provider's operators (merchant_id ''). Passwords as argon2id hashes; the
-- one-time set-password link as the SHA-256 of its token.
CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE,
	merchant_id   TEXT NOT NULL,
	role          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	setup_hash    TEXT NOT NULL,
	setup_until   INTEGER,
	version       INTEGER NOT NULL,
	created_at    INTEGER NOT NULL
);
CREATE INDEX users_setup ON users (setup_hash) WHERE setup_hash <> '';

-- Wrong passwords by email, whether a user has it or not, so that a lockout
-- holds on every node and tells nothing of which emails have users.
CREATE TABLE signin_failures (
	email        TEXT PRIMARY KEY,
	failures     INTEGER NOT NULL,
	locked_until INTEGER NOT NULL,
	last_at      INTEGER NOT NULL
);
CREATE INDEX signin_failures_last ON signin_failures (last_at);

-- Signed-in sessions, by the SHA-256 of the cookie's token, so that every
-- node sees them.
CREATE TABLE user_sessions (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	idle_until   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);
CREATE INDEX user_sessions_idle ON user_sessions (idle_until);
CREATE INDEX user_sessions_expiry ON user_sessions (expires_at);

-- What people did in the dashboard; never updated.
CREATE TABLE audit_log (
	id          TEXT PRIMARY KEY,
	at          INTEGER NOT NULL,
	merchant_id TEXT NOT NULL,
	user_id     TEXT NOT NULL,
	email       TEXT NOT NULL,
	action      TEXT NOT NULL,
	object      TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	ip          TEXT NOT NULL
);
CREATE INDEX audit_log_merchant ON audit_log (merchant_id, id);

-- An operator finds a payment by orderNo across merchants.
-- On a large PostgreSQL database this build blocks writes to payments for
-- its duration: create it beforehand with CREATE INDEX CONCURRENTLY (same
-- name) to avoid that (docs/deploy.md).
CREATE INDEX IF NOT EXISTS payments_order_no ON payments (order_no);
