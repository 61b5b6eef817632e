-- The tables of sqlite/migration/0001_init.sql with PostgreSQL types. Times
-- are Unix milliseconds in bigint, as in SQLite, so both stores keep the same
-- precision and compare the same way. Ids that lists are ordered by use the
-- "C" collation: byte order, as SQLite sorts, whatever the database's locale.

-- Merchants. The secret is kept only as an argon2id hash; the notification
-- secret is sealed by the vault (AES-256-GCM) because it must be read to sign.
CREATE TABLE merchants (
	id                   text COLLATE "C" PRIMARY KEY,
	name                 text NOT NULL,
	app_id               text NOT NULL UNIQUE,
	secret_hash          text NOT NULL,
	notify_secret_sealed bytea NOT NULL,
	key_id               text NOT NULL,
	created_at           bigint NOT NULL
);

-- Payments: indexed columns for lookups and compare-and-set, the rest of the
-- object as JSON text (kept byte for byte; jsonb would reorder it). No column
-- holds a card number or CVC.
CREATE TABLE payments (
	trade_no    text COLLATE "C" PRIMARY KEY,
	merchant_id text NOT NULL,
	order_no    text NOT NULL,
	status      text NOT NULL,
	version     bigint NOT NULL,
	expires_at  bigint,
	created_at  bigint NOT NULL,
	updated_at  bigint NOT NULL,
	body        text NOT NULL,
	UNIQUE (merchant_id, order_no)
);
CREATE INDEX payments_due ON payments (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE refunds (
	refund_id     text COLLATE "C" PRIMARY KEY,
	merchant_id   text NOT NULL,
	refund_number text NOT NULL,
	trade_no      text NOT NULL,
	status        text NOT NULL,
	version       bigint NOT NULL,
	created_at    bigint NOT NULL,
	updated_at    bigint NOT NULL,
	body          text NOT NULL,
	UNIQUE (merchant_id, refund_number)
);
CREATE INDEX refunds_trade ON refunds (merchant_id, trade_no, created_at);

-- Every status change, with the request that caused it.
CREATE TABLE events (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	merchant_id text NOT NULL,
	object_type text NOT NULL,
	object_id   text NOT NULL,
	from_status text NOT NULL,
	to_status   text NOT NULL,
	request_id  text NOT NULL,
	at          bigint NOT NULL
);
CREATE INDEX events_object ON events (merchant_id, object_id, id);

CREATE TABLE idempotency_keys (
	merchant_id  text NOT NULL,
	key          text NOT NULL,
	op           text NOT NULL,
	request_hash text NOT NULL,
	version      bigint NOT NULL,
	done         boolean NOT NULL,
	is_error     boolean NOT NULL,
	result       bytea,
	created_at   bigint NOT NULL,
	updated_at   bigint NOT NULL,
	expires_at   bigint NOT NULL,
	PRIMARY KEY (merchant_id, key)
);
CREATE INDEX idempotency_expiry ON idempotency_keys (expires_at);
