-- Prices: what the provider takes of a merchant's captures (merchant ''
-- is the default plan), per method ('' every method) and currency (''
-- every currency).
CREATE TABLE prices (
	merchant_id        text NOT NULL,
	method             text NOT NULL,
	currency           text NOT NULL,
	percent_hundredths bigint NOT NULL,
	fixed_minor        bigint NOT NULL,
	PRIMARY KEY (merchant_id, method, currency)
);
