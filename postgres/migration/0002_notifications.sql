-- Subscriptions: every notification of the merchant goes to url, signed with
-- the subscription's own secret (sealed by the vault).
CREATE TABLE subscriptions (
	id            text COLLATE "C" PRIMARY KEY,
	merchant_id   text NOT NULL,
	url           text NOT NULL,
	api_version   text NOT NULL,
	sign_method   text NOT NULL,
	secret_sealed bytea NOT NULL,
	key_id        text NOT NULL,
	created_at    bigint NOT NULL
);
CREATE INDEX subscriptions_merchant ON subscriptions (merchant_id, created_at);

-- The outbox: one row per notification and target, written in the same
-- transaction as the state change it reports. The body is bytes: it is what
-- gets signed and sent, and must come back byte for byte.
CREATE TABLE notifications (
	notify_id       text COLLATE "C" PRIMARY KEY,
	merchant_id     text NOT NULL,
	event_type      text NOT NULL,
	order_no        text NOT NULL,
	object_id       text NOT NULL,
	sequence        bigint NOT NULL,
	url             text NOT NULL,
	subscription_id text NOT NULL,
	body            bytea NOT NULL,
	status          text NOT NULL,
	attempts        integer NOT NULL,
	max_attempts    integer NOT NULL,
	next_attempt_at bigint NOT NULL,
	lease_until     bigint NOT NULL,
	version         bigint NOT NULL,
	created_at      bigint NOT NULL,
	updated_at      bigint NOT NULL
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX notifications_order ON notifications (merchant_id, order_no, created_at);

CREATE TABLE notification_attempts (
	notify_id   text NOT NULL,
	merchant_id text NOT NULL,
	n           integer NOT NULL,
	at          bigint NOT NULL,
	status_code integer NOT NULL,
	error       text NOT NULL,
	latency_ms  bigint NOT NULL,
	PRIMARY KEY (notify_id, n)
);
