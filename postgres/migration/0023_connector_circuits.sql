-- Each node's circuit of each connector, written when it changes, so that
-- `paygate connector list` shows what every node sees.
CREATE TABLE connector_circuits (
	node       text COLLATE "C" NOT NULL,
	connector  text COLLATE "C" NOT NULL,
	state      text NOT NULL,
	since      bigint NOT NULL,
	failures   bigint NOT NULL,
	updated_at bigint NOT NULL,
	PRIMARY KEY (connector, node)
);
