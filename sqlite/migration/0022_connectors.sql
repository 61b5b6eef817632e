-- Connectors the operator registered (the built-in sandbox is not one of
-- them), their credentials sealed by the vault; the routing document; and
-- the webhook events each connector sent that were taken, so that a replay
-- changes nothing.
CREATE TABLE connectors (
	name          TEXT PRIMARY KEY,
	type          TEXT NOT NULL,
	base_url      TEXT NOT NULL,
	timeout_ms    INTEGER NOT NULL,
	latency_ms    INTEGER NOT NULL,
	secret_sealed BLOB NOT NULL,
	key_id        TEXT NOT NULL,
	disabled      INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
);

CREATE TABLE routing (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	doc        TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);

CREATE TABLE connector_events (
	connector TEXT NOT NULL,
	event_id  TEXT NOT NULL,
	at        INTEGER NOT NULL,
	PRIMARY KEY (connector, event_id)
) WITHOUT ROWID;
