-- Shipment trackers of orders. A tracking number is one tracker per order
-- without regard to ASCII case, as SQLite's NOCASE column does: the unique
-- index and the lookups compare lower(tracking_no).
CREATE TABLE trackers (
	tracker_id  text COLLATE "C" PRIMARY KEY,
	merchant_id text NOT NULL,
	order_no    text NOT NULL,
	trade_no    text NOT NULL,
	tracking_no text NOT NULL,
	status      text NOT NULL,
	version     bigint NOT NULL,
	created_at  bigint NOT NULL,
	updated_at  bigint NOT NULL,
	body        text NOT NULL
);
CREATE UNIQUE INDEX trackers_tracking_no ON trackers (merchant_id, order_no, lower(tracking_no));
