-- Prices: what the provider takes of a merchant's captures (merchant ''
-- is the default plan), per method ('' every method) and currency (''
-- every currency).
CREATE TABLE prices (
	merchant_id        TEXT NOT NULL,
	method             TEXT NOT NULL,
	currency           TEXT NOT NULL,
	percent_hundredths INTEGER NOT NULL,
	fixed_minor        INTEGER NOT NULL,
	PRIMARY KEY (merchant_id, method, currency)
);
