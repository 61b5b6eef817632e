-- Refunds still waiting for the acquirer's answer, for the sweep that sends them again.
CREATE INDEX refunds_processing ON refunds (updated_at) WHERE status = 'PROCESSING';
