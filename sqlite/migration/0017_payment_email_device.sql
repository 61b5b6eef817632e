-- The customer's email (billing.email, lower case), device id
-- (deviceInfo.deviceId) and failure code as columns, for the risk engine's
-- velocities; NULL when the payment has none. Filled here from the bodies
-- already stored.
ALTER TABLE payments ADD COLUMN email TEXT;
ALTER TABLE payments ADD COLUMN device_id TEXT;
ALTER TABLE payments ADD COLUMN failure_code TEXT;
UPDATE payments SET
	email        = nullif(lower(json_extract(body, '$.Billing.email')), ''),
	device_id    = nullif(json_extract(body, '$.DeviceInfo.deviceId'), ''),
	failure_code = nullif(json_extract(body, '$.FailureCode'), '');
CREATE INDEX payments_email ON payments (email, merchant_id, created_at) WHERE email IS NOT NULL;
CREATE INDEX payments_device ON payments (device_id, merchant_id, created_at) WHERE device_id IS NOT NULL;
-- A merchant's declines by acquirers and issuers: the risk engine's own
-- (fraud_suspected) and those of a screening that could not run
-- (processing_error) are left out, so that its declines cannot feed it.
CREATE INDEX payments_merchant_declines ON payments (merchant_id, created_at)
	WHERE status = 'FAILED' AND failure_code NOT IN ('fraud_suspected', 'processing_error');
