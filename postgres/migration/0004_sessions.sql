-- Hosted checkout sessions; the payment row holds the amount and order.
CREATE TABLE sessions (
	session_id  text COLLATE "C" PRIMARY KEY,
	merchant_id text NOT NULL,
	trade_no    text NOT NULL,
	order_no    text NOT NULL,
	status      text NOT NULL,
	version     bigint NOT NULL,
	expires_at  bigint NOT NULL,
	created_at  bigint NOT NULL,
	updated_at  bigint NOT NULL,
	body        text NOT NULL
);
CREATE INDEX sessions_trade ON sessions (merchant_id, trade_no);
CREATE INDEX sessions_due ON sessions (expires_at) WHERE status = 'OPEN';
