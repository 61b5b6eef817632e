-- Merchants' risk lists and rules (the risk engine, docs/risk.md).
CREATE TABLE risk_list_entries (
	id          TEXT PRIMARY KEY,
	merchant_id TEXT NOT NULL,
	list        TEXT NOT NULL,
	value       TEXT NOT NULL,
	note        TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	UNIQUE (merchant_id, list, value)
);
CREATE INDEX risk_list_entries_merchant ON risk_list_entries (merchant_id, list, id);
-- All of a merchant's lists, for a node's engine.
CREATE INDEX risk_list_entries_all ON risk_list_entries (merchant_id, id);

CREATE TABLE risk_rules (
	id          TEXT PRIMARY KEY,
	merchant_id TEXT NOT NULL,
	name        TEXT NOT NULL,
	expression  TEXT NOT NULL,
	action      TEXT NOT NULL,
	enabled     INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	UNIQUE (merchant_id, name)
);
CREATE INDEX risk_rules_merchant ON risk_rules (merchant_id, created_at, id);
