-- Dashboard users: a merchant's people (merchant_id set) and the
-- provider's operators (merchant_id ''). Passwords as argon2id hashes; the
-- one-time set-password link as the SHA-256 of its token.
CREATE TABLE users (
	id            text COLLATE "C" PRIMARY KEY,
	email         text NOT NULL UNIQUE,
	merchant_id   text NOT NULL,
	role          text NOT NULL,
	password_hash text NOT NULL,
	setup_hash    text NOT NULL,
	setup_until   bigint,
	version       bigint NOT NULL,
	created_at    bigint NOT NULL
);
CREATE INDEX users_setup ON users (setup_hash) WHERE setup_hash <> '';

-- Wrong passwords by email, whether a user has it or not, so that a lockout
-- holds on every node and tells nothing of which emails have users.
CREATE TABLE signin_failures (
	email        text PRIMARY KEY,
	failures     bigint NOT NULL,
	locked_until bigint NOT NULL,
	last_at      bigint NOT NULL
);
CREATE INDEX signin_failures_last ON signin_failures (last_at);

-- Signed-in sessions, by the SHA-256 of the cookie's token, so that every
-- node sees them.
CREATE TABLE user_sessions (
	id           text PRIMARY KEY,
	user_id      text NOT NULL,
	created_at   bigint NOT NULL,
	last_seen_at bigint NOT NULL,
	idle_until   bigint NOT NULL,
	expires_at   bigint NOT NULL
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);
CREATE INDEX user_sessions_idle ON user_sessions (idle_until);
CREATE INDEX user_sessions_expiry ON user_sessions (expires_at);

-- What people did in the dashboard; never updated.
CREATE TABLE audit_log (
	id          text COLLATE "C" PRIMARY KEY,
	at          bigint NOT NULL,
	merchant_id text NOT NULL,
	user_id     text NOT NULL,
	email       text NOT NULL,
	action      text NOT NULL,
	object      text NOT NULL,
	outcome     text NOT NULL,
	ip          text NOT NULL
);
CREATE INDEX audit_log_merchant ON audit_log (merchant_id, id);

-- An operator finds a payment by orderNo across merchants.
-- On a large PostgreSQL database this build blocks writes to payments for
-- its duration: create it beforehand with CREATE INDEX CONCURRENTLY (same
-- name) to avoid that (docs/deploy.md).
CREATE INDEX IF NOT EXISTS payments_order_no ON payments (order_no);
