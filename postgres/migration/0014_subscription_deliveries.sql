-- The dashboard's developers page shows a subscription's recent deliveries.
CREATE INDEX notifications_subscription ON notifications (merchant_id, subscription_id, created_at)
	WHERE subscription_id <> '';
