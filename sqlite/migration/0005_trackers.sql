-- Shipment trackers of orders. tracking_no compares without regard to ASCII
-- case (NOCASE), so one number is one tracker per order however it is spelt.
CREATE TABLE trackers (
	tracker_id  TEXT PRIMARY KEY,
	merchant_id TEXT NOT NULL,
	order_no    TEXT NOT NULL,
	trade_no    TEXT NOT NULL,
	tracking_no TEXT NOT NULL COLLATE NOCASE,
	status      TEXT NOT NULL,
	version     INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	body        TEXT NOT NULL,
	UNIQUE (merchant_id, order_no, tracking_no)
);
