-- An operator can disable a merchant (paygate merchant disable): NULL while
-- it is enabled, else when it was disabled (Unix milliseconds).
ALTER TABLE merchants ADD COLUMN disabled_at INTEGER;
