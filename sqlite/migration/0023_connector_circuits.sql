-- Each node's circuit of each connector, written when it changes, so that
-- `paygate connector list` shows what every node sees.
CREATE TABLE connector_circuits (
	node       TEXT NOT NULL,
	connector  TEXT NOT NULL,
	state      TEXT NOT NULL,
	since      INTEGER NOT NULL,
	failures   INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (connector, node)
) WITHOUT ROWID;
