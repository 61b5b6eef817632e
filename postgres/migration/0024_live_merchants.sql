-- The merchants the operator made live: their payments move real money, so
-- a card payment no routing rule or default takes is refused instead of
-- going to the built-in sandbox. Every other merchant is a sandbox merchant.
CREATE TABLE live_merchants (
	merchant_id text PRIMARY KEY,
	since       bigint NOT NULL
);
