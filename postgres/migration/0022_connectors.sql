-- Connectors the operator registered (the built-in sandbox is not one of
-- them), their credentials sealed by the vault; the routing document; and
-- the webhook events each connector sent that were taken, so that a replay
-- changes nothing.
CREATE TABLE connectors (
	name          text COLLATE "C" PRIMARY KEY,
	type          text NOT NULL,
	base_url      text NOT NULL,
	timeout_ms    bigint NOT NULL,
	latency_ms    bigint NOT NULL,
	secret_sealed bytea NOT NULL,
	key_id        text NOT NULL,
	disabled      bigint NOT NULL,
	created_at    bigint NOT NULL,
	updated_at    bigint NOT NULL
);

CREATE TABLE routing (
	id         integer PRIMARY KEY CHECK (id = 1),
	doc        text NOT NULL,
	updated_at bigint NOT NULL
);

CREATE TABLE connector_events (
	connector text NOT NULL,
	event_id  text NOT NULL,
	at        bigint NOT NULL,
	PRIMARY KEY (connector, event_id)
);
