-- Subscriptions: every notification of the merchant goes to url, signed with
-- the subscription's own secret (sealed by the vault).
CREATE TABLE subscriptions (
	id            TEXT PRIMARY KEY,
	merchant_id   TEXT NOT NULL,
	url           TEXT NOT NULL,
	api_version   TEXT NOT NULL,
	sign_method   TEXT NOT NULL,
	secret_sealed BLOB NOT NULL,
	key_id        TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);
CREATE INDEX subscriptions_merchant ON subscriptions (merchant_id, created_at);

-- The outbox: one row per notification and target, written in the same
-- transaction as the state change it reports.
CREATE TABLE notifications (
	notify_id       TEXT PRIMARY KEY,
	merchant_id     TEXT NOT NULL,
	event_type      TEXT NOT NULL,
	order_no        TEXT NOT NULL,
	object_id       TEXT NOT NULL,
	sequence        INTEGER NOT NULL,
	url             TEXT NOT NULL,
	subscription_id TEXT NOT NULL,
	body            BLOB NOT NULL,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	max_attempts    INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	lease_until     INTEGER NOT NULL,
	version         INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX notifications_order ON notifications (merchant_id, order_no, created_at);

CREATE TABLE notification_attempts (
	notify_id   TEXT NOT NULL,
	merchant_id TEXT NOT NULL,
	n           INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	status_code INTEGER NOT NULL,
	error       TEXT NOT NULL,
	latency_ms  INTEGER NOT NULL,
	PRIMARY KEY (notify_id, n)
);
