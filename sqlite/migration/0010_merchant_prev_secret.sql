-- A rotated secret keeps working for token calls during a grace period
-- (paygate merchant rotate-secret): the hash of the secret it replaced, ''
-- when there is none, and until when it is good (Unix milliseconds).
ALTER TABLE merchants ADD COLUMN prev_secret_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN prev_secret_until INTEGER;
