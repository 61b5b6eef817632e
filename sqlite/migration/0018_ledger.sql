-- The books (docs/ledger.md): one journal per money movement, written in
-- the same transaction as the change that made it, never updated.
CREATE TABLE journals (
	id          TEXT PRIMARY KEY,
	merchant_id TEXT NOT NULL,
	trade_no    TEXT NOT NULL,
	kind        TEXT NOT NULL,
	ref         TEXT NOT NULL,
	at          INTEGER NOT NULL
);
CREATE INDEX journals_trade ON journals (merchant_id, trade_no);

CREATE TABLE journal_entries (
	journal_id       TEXT NOT NULL,
	n                INTEGER NOT NULL,
	account_kind     TEXT NOT NULL,
	account_merchant TEXT NOT NULL,
	currency         TEXT NOT NULL,
	minor            INTEGER NOT NULL,
	PRIMARY KEY (journal_id, n)
);
