-- A merchant's risk settings: screenAll judges every card payment, whatever
-- its fraudMode. A merchant without a row has the defaults (off).
CREATE TABLE risk_settings (
	merchant_id text PRIMARY KEY,
	screen_all  boolean NOT NULL
);
