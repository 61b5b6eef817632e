-- The card vault. The card number and holder name live only in sealed
-- (AES-256-GCM under the vault key key_id); revoking sets sealed to NULL.
CREATE TABLE stored_cards (
	transaction_identifier text COLLATE "C" PRIMARY KEY,
	merchant_id            text NOT NULL,
	status                 text NOT NULL,
	version                bigint NOT NULL,
	brand                  text NOT NULL,
	bin                    text NOT NULL,
	last4                  text NOT NULL,
	expiry_month           integer NOT NULL,
	expiry_year            integer NOT NULL,
	fingerprint            text NOT NULL,
	sealed                 bytea,
	key_id                 text NOT NULL,
	currency               text NOT NULL,
	first_trade_no         text NOT NULL,
	scheme_transaction_id  text NOT NULL,
	created_at             bigint NOT NULL,
	updated_at             bigint NOT NULL
);
CREATE INDEX stored_cards_merchant ON stored_cards (merchant_id);
