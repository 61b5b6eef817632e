-- Disputes (docs/ledger.md): chargebacks of captured payments. The body is
-- the dispute as JSON; the columns are what is looked up by.
CREATE TABLE disputes (
	dispute_id  text COLLATE "C" PRIMARY KEY,
	merchant_id text NOT NULL,
	trade_no    text NOT NULL,
	status      text NOT NULL,
	due_at      bigint NOT NULL,
	version     bigint NOT NULL,
	body        text NOT NULL,
	UNIQUE (merchant_id, trade_no)
);
CREATE INDEX disputes_merchant ON disputes (merchant_id, dispute_id);
CREATE INDEX disputes_due ON disputes (due_at) WHERE status = 'NEEDS_RESPONSE';

-- A batch's disputes: how many, and what they held or returned.
ALTER TABLE settlements ADD COLUMN disputes bigint NOT NULL DEFAULT 0;
ALTER TABLE settlements ADD COLUMN disputed_minor bigint NOT NULL DEFAULT 0;

-- The time zone of a merchant's daily settlement cut-off, where the operator
-- set one (paygate merchant set-timezone); a merchant without a row closes
-- at 00:00 UTC.
CREATE TABLE merchant_settlement (
	merchant_id text PRIMARY KEY REFERENCES merchants (id),
	time_zone   text NOT NULL
);
