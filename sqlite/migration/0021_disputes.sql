-- Disputes (docs/ledger.md): chargebacks of captured payments. The body is
-- the dispute as JSON; the columns are what is looked up by.
CREATE TABLE disputes (
	dispute_id  TEXT PRIMARY KEY,
	merchant_id TEXT NOT NULL,
	trade_no    TEXT NOT NULL,
	status      TEXT NOT NULL,
	due_at      INTEGER NOT NULL,
	version     INTEGER NOT NULL,
	body        TEXT NOT NULL,
	UNIQUE (merchant_id, trade_no)
);
CREATE INDEX disputes_merchant ON disputes (merchant_id, dispute_id);
CREATE INDEX disputes_due ON disputes (due_at) WHERE status = 'NEEDS_RESPONSE';

-- A batch's disputes: how many, and what they held or returned.
ALTER TABLE settlements ADD COLUMN disputes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE settlements ADD COLUMN disputed_minor INTEGER NOT NULL DEFAULT 0;

-- The time zone of a merchant's daily settlement cut-off, where the operator
-- set one (paygate merchant set-timezone); a merchant without a row closes
-- at 00:00 UTC.
CREATE TABLE merchant_settlement (
	merchant_id TEXT PRIMARY KEY REFERENCES merchants (id),
	time_zone   TEXT NOT NULL
);
