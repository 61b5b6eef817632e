-- Settlement batches (docs/ledger.md). unsettled is the queue of journals
-- waiting for a batch: a capture's or refund's journal joins it in its own
-- commit and leaves it when a batch takes it (settlement_items). One
-- b-tree, in the order a batch takes them: one insert per movement.
CREATE TABLE unsettled (
	merchant_id TEXT NOT NULL,
	currency    TEXT NOT NULL,
	at          INTEGER NOT NULL,
	journal_id  TEXT NOT NULL,
	PRIMARY KEY (merchant_id, currency, at, journal_id)
) WITHOUT ROWID;

-- The journals posted before batches began wait for the first one.
INSERT INTO unsettled (journal_id, merchant_id, currency, at)
	SELECT j.id, j.merchant_id, e.currency, j.at FROM journals j
	JOIN journal_entries e ON e.journal_id = j.id AND e.account_kind = 'acquirer_owes'
	WHERE j.kind IN ('capture', 'refund');

CREATE TABLE settlements (
	id             TEXT PRIMARY KEY,
	merchant_id    TEXT NOT NULL,
	currency       TEXT NOT NULL,
	cutoff         INTEGER NOT NULL,
	status         TEXT NOT NULL,
	captures       INTEGER NOT NULL,
	refunds        INTEGER NOT NULL,
	gross_minor    INTEGER NOT NULL,
	refunded_minor INTEGER NOT NULL,
	fee_minor      INTEGER NOT NULL,
	net_minor      INTEGER NOT NULL,
	created_at     INTEGER NOT NULL,
	paid_at        INTEGER,
	UNIQUE (merchant_id, currency, cutoff)
);
CREATE INDEX settlements_merchant ON settlements (merchant_id, id);

-- A batch's sums by journal kind and account kind, added to as its
-- movements are taken in chunks (a batch is CLOSING until they are all in).
CREATE TABLE settlement_totals (
	settlement_id TEXT NOT NULL,
	journal_kind  TEXT NOT NULL,
	account_kind  TEXT NOT NULL,
	journals      INTEGER NOT NULL,
	minor         INTEGER NOT NULL,
	PRIMARY KEY (settlement_id, journal_kind, account_kind)
) WITHOUT ROWID;

CREATE TABLE settlement_items (
	journal_id    TEXT PRIMARY KEY,
	settlement_id TEXT NOT NULL
);
CREATE INDEX settlement_items_batch ON settlement_items (settlement_id, journal_id);

-- The books become one table clustered on its key (WITHOUT ROWID): each
-- line carries its journal's header, the first line (n 0) standing for the
-- journal, and journals lose their unused (merchant, tradeNo) index. A
-- capture's journal is one statement into one b-tree instead of two
-- statements into five b-trees.
CREATE TABLE journal_lines (
	journal_id       TEXT NOT NULL,
	n                INTEGER NOT NULL,
	merchant_id      TEXT NOT NULL,
	trade_no         TEXT NOT NULL,
	kind             TEXT NOT NULL,
	ref              TEXT NOT NULL,
	at               INTEGER NOT NULL,
	account_kind     TEXT NOT NULL,
	account_merchant TEXT NOT NULL,
	currency         TEXT NOT NULL,
	minor            INTEGER NOT NULL,
	PRIMARY KEY (journal_id, n)
) WITHOUT ROWID;
INSERT INTO journal_lines SELECT e.journal_id, e.n, j.merchant_id, j.trade_no, j.kind, j.ref, j.at, e.account_kind,
	e.account_merchant, e.currency, e.minor FROM journal_entries e JOIN journals j ON j.id = e.journal_id;
DROP TABLE journal_entries;
DROP TABLE journals;
ALTER TABLE journal_lines RENAME TO journal_entries;
