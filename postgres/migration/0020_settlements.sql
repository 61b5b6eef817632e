-- Settlement batches (docs/ledger.md). unsettled is the queue of journals
-- waiting for a batch: a capture's or refund's journal joins it in its own
-- commit and leaves it when a batch takes it (settlement_items). One
-- b-tree, in the order a batch takes them: one insert per movement.
CREATE TABLE unsettled (
	merchant_id text NOT NULL,
	currency    text NOT NULL,
	at          bigint NOT NULL,
	journal_id  text COLLATE "C" NOT NULL,
	PRIMARY KEY (merchant_id, currency, at, journal_id)
);

-- The journals posted before batches began wait for the first one.
INSERT INTO unsettled (journal_id, merchant_id, currency, at)
	SELECT j.id, j.merchant_id, e.currency, j.at FROM journals j
	JOIN journal_entries e ON e.journal_id = j.id AND e.account_kind = 'acquirer_owes'
	WHERE j.kind IN ('capture', 'refund');

CREATE TABLE settlements (
	id             text COLLATE "C" PRIMARY KEY,
	merchant_id    text NOT NULL,
	currency       text NOT NULL,
	cutoff         bigint NOT NULL,
	status         text NOT NULL,
	captures       bigint NOT NULL,
	refunds        bigint NOT NULL,
	gross_minor    bigint NOT NULL,
	refunded_minor bigint NOT NULL,
	fee_minor      bigint NOT NULL,
	net_minor      bigint NOT NULL,
	created_at     bigint NOT NULL,
	paid_at        bigint,
	UNIQUE (merchant_id, currency, cutoff)
);
CREATE INDEX settlements_merchant ON settlements (merchant_id, id);

-- A batch's sums by journal kind and account kind, added to as its
-- movements are taken in chunks (a batch is CLOSING until they are all in).
CREATE TABLE settlement_totals (
	settlement_id text COLLATE "C" NOT NULL,
	journal_kind  text COLLATE "C" NOT NULL,
	account_kind  text COLLATE "C" NOT NULL,
	journals      bigint NOT NULL,
	minor         bigint NOT NULL,
	PRIMARY KEY (settlement_id, journal_kind, account_kind)
);

CREATE TABLE settlement_items (
	journal_id    text COLLATE "C" PRIMARY KEY,
	settlement_id text COLLATE "C" NOT NULL
);
CREATE INDEX settlement_items_batch ON settlement_items (settlement_id, journal_id);

-- Nothing reads journals by (merchant, tradeNo): one index fewer to write.
DROP INDEX journals_trade;
