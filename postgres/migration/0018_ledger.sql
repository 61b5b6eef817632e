-- The books (docs/ledger.md): one journal per money movement, written in
-- the same transaction as the change that made it, never updated.
CREATE TABLE journals (
	id          text COLLATE "C" PRIMARY KEY,
	merchant_id text NOT NULL,
	trade_no    text NOT NULL,
	kind        text NOT NULL,
	ref         text NOT NULL,
	at          bigint NOT NULL
);
CREATE INDEX journals_trade ON journals (merchant_id, trade_no);

CREATE TABLE journal_entries (
	journal_id       text COLLATE "C" NOT NULL,
	n                bigint NOT NULL,
	account_kind     text NOT NULL,
	account_merchant text NOT NULL,
	currency         text NOT NULL,
	minor            bigint NOT NULL,
	PRIMARY KEY (journal_id, n)
);
