-- Merchants. The secret is kept only as an argon2id hash; the notification
-- secret is sealed by the vault (AES-256-GCM) because it must be read to sign.
CREATE TABLE merchants (
	id                   TEXT PRIMARY KEY,
	name                 TEXT NOT NULL,
	app_id               TEXT NOT NULL UNIQUE,
	secret_hash          TEXT NOT NULL,
	notify_secret_sealed BLOB NOT NULL,
	key_id               TEXT NOT NULL,
	created_at           INTEGER NOT NULL
);

-- Payments: indexed columns for lookups and compare-and-set, the rest of the
-- object as JSON. No column holds a card number or CVC.
CREATE TABLE payments (
	trade_no    TEXT PRIMARY KEY,
	merchant_id TEXT NOT NULL,
	order_no    TEXT NOT NULL,
	status      TEXT NOT NULL,
	version     INTEGER NOT NULL,
	expires_at  INTEGER,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	body        TEXT NOT NULL,
	UNIQUE (merchant_id, order_no)
);
CREATE INDEX payments_due ON payments (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE refunds (
	refund_id     TEXT PRIMARY KEY,
	merchant_id   TEXT NOT NULL,
	refund_number TEXT NOT NULL,
	trade_no      TEXT NOT NULL,
	status        TEXT NOT NULL,
	version       INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	body          TEXT NOT NULL,
	UNIQUE (merchant_id, refund_number)
);
CREATE INDEX refunds_trade ON refunds (merchant_id, trade_no, created_at);

-- Every status change, with the request that caused it.
CREATE TABLE events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	merchant_id TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id   TEXT NOT NULL,
	from_status TEXT NOT NULL,
	to_status   TEXT NOT NULL,
	request_id  TEXT NOT NULL,
	at          INTEGER NOT NULL
);
CREATE INDEX events_object ON events (merchant_id, object_id, id);

CREATE TABLE idempotency_keys (
	merchant_id  TEXT NOT NULL,
	key          TEXT NOT NULL,
	op           TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	version      INTEGER NOT NULL,
	done         INTEGER NOT NULL,
	is_error     INTEGER NOT NULL,
	result       BLOB,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	PRIMARY KEY (merchant_id, key)
);
CREATE INDEX idempotency_expiry ON idempotency_keys (expires_at);
