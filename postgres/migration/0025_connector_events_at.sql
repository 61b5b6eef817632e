-- The sweep forgets connectors' webhook events after 30 days (connectors
-- stop sending an event again long before): by their time.
CREATE INDEX connector_events_at ON connector_events (at);
