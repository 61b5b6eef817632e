-- Merchants' risk lists and rules (the risk engine, docs/risk.md).
CREATE TABLE risk_list_entries (
	id          text COLLATE "C" PRIMARY KEY,
	merchant_id text NOT NULL,
	list        text NOT NULL,
	value       text NOT NULL,
	note        text NOT NULL,
	created_at  bigint NOT NULL,
	UNIQUE (merchant_id, list, value)
);
CREATE INDEX risk_list_entries_merchant ON risk_list_entries (merchant_id, list, id);
-- All of a merchant's lists, for a node's engine.
CREATE INDEX risk_list_entries_all ON risk_list_entries (merchant_id, id);

CREATE TABLE risk_rules (
	id          text COLLATE "C" PRIMARY KEY,
	merchant_id text NOT NULL,
	name        text NOT NULL,
	expression  text NOT NULL,
	action      text NOT NULL,
	enabled     boolean NOT NULL,
	created_at  bigint NOT NULL,
	UNIQUE (merchant_id, name)
);
CREATE INDEX risk_rules_merchant ON risk_rules (merchant_id, created_at, id);
