-- The card vault. The card number and holder name live only in sealed
-- (AES-256-GCM under the vault key key_id); revoking sets sealed to NULL.
CREATE TABLE stored_cards (
	transaction_identifier TEXT PRIMARY KEY,
	merchant_id            TEXT NOT NULL,
	status                 TEXT NOT NULL,
	version                INTEGER NOT NULL,
	brand                  TEXT NOT NULL,
	bin                    TEXT NOT NULL,
	last4                  TEXT NOT NULL,
	expiry_month           INTEGER NOT NULL,
	expiry_year            INTEGER NOT NULL,
	fingerprint            TEXT NOT NULL,
	sealed                 BLOB,
	key_id                 TEXT NOT NULL,
	currency               TEXT NOT NULL,
	first_trade_no         TEXT NOT NULL,
	scheme_transaction_id  TEXT NOT NULL,
	created_at             INTEGER NOT NULL,
	updated_at             INTEGER NOT NULL
);
CREATE INDEX stored_cards_merchant ON stored_cards (merchant_id);
