-- A merchant's own request rate limit, where the operator set one
-- (paygate merchant set-limits); a merchant without a row has the node's.
CREATE TABLE merchant_limits (
	merchant_id TEXT PRIMARY KEY REFERENCES merchants (id),
	rate_limit  REAL NOT NULL,
	rate_burst  INTEGER NOT NULL
);
