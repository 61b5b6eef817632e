-- Real columns for what lists, reports and risk rules query, filled by every
-- write from the payment or refund it stores, and here from the bodies
-- already stored: text kept byte for byte in the frozen format of
-- testdata/stored_format.golden, read as json (jsonb would refuse a \u0000
-- escape a stored string may hold). NULL in amount_minor, currency or
-- payment_method marks a row no writer has filled (one a node of the previous
-- release wrote during a rolling upgrade, docs/deploy.md); NULL in
-- card_fingerprint or client_ip also means the payment has none.
ALTER TABLE payments
	ADD COLUMN amount_minor bigint,
	ADD COLUMN currency text,
	ADD COLUMN payment_method text,
	ADD COLUMN card_fingerprint text,
	ADD COLUMN client_ip text;
UPDATE payments SET
	amount_minor     = (body::json -> 'Amount' ->> 'Minor')::bigint,
	currency         = body::json -> 'Amount' ->> 'Currency',
	payment_method   = body::json ->> 'PaymentMethodType',
	card_fingerprint = nullif(body::json -> 'Card' ->> 'Fingerprint', ''),
	client_ip        = nullif(body::json -> 'DeviceInfo' ->> 'clientIp', '');

ALTER TABLE refunds
	ADD COLUMN amount_minor bigint,
	ADD COLUMN currency text;
UPDATE refunds SET
	amount_minor = (body::json -> 'Amount' ->> 'Minor')::bigint,
	currency     = body::json -> 'Amount' ->> 'Currency';

-- A merchant's payments newest first (read backwards), all of them or in one
-- status, paged by (created_at, trade_no).
CREATE INDEX payments_merchant_created ON payments (merchant_id, created_at, trade_no);
CREATE INDEX payments_merchant_status ON payments (merchant_id, status, created_at, trade_no);
-- A card's or an address's payments over time (risk velocity), across
-- merchants; a merchant's own count filters these few rows.
CREATE INDEX payments_card ON payments (card_fingerprint, created_at) WHERE card_fingerprint IS NOT NULL;
CREATE INDEX payments_client_ip ON payments (client_ip, created_at) WHERE client_ip IS NOT NULL;
-- A merchant's refunds over time, for reports.
CREATE INDEX refunds_merchant_created ON refunds (merchant_id, created_at, refund_id);
