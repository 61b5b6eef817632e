-- The customer's email (billing.email, lower case) and device id
-- (deviceInfo.deviceId) as columns, for the risk engine's velocities; NULL
-- when the payment has none. Filled here from the bodies already stored.
ALTER TABLE payments ADD COLUMN email TEXT;
ALTER TABLE payments ADD COLUMN device_id TEXT;
UPDATE payments SET
	email     = nullif(lower(json_extract(body, '$.Billing.email')), ''),
	device_id = nullif(json_extract(body, '$.DeviceInfo.deviceId'), '');
CREATE INDEX payments_email ON payments (email, created_at) WHERE email IS NOT NULL;
CREATE INDEX payments_device ON payments (device_id, created_at) WHERE device_id IS NOT NULL;
