-- Hosted checkout sessions; the payment row holds the amount and order.
CREATE TABLE sessions (
	session_id  TEXT PRIMARY KEY,
	merchant_id TEXT NOT NULL,
	trade_no    TEXT NOT NULL,
	order_no    TEXT NOT NULL,
	status      TEXT NOT NULL,
	version     INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	body        TEXT NOT NULL
);
CREATE INDEX sessions_trade ON sessions (merchant_id, trade_no);
CREATE INDEX sessions_due ON sessions (expires_at) WHERE status = 'OPEN';
