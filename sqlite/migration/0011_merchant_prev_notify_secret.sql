-- A rotated notification secret keeps signing during a grace period
-- (paygate merchant rotate-notify-secret): the sealed secret it replaced,
-- NULL when there is none, the vault key that sealed it, and until when
-- notifications carry its signature too (Unix milliseconds).
ALTER TABLE merchants ADD COLUMN prev_notify_secret_sealed BLOB;
ALTER TABLE merchants ADD COLUMN prev_notify_key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN prev_notify_until INTEGER;
