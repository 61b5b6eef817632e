package sqlite

import (
	"context"

	"paygate/storetest"
)

// PaymentColumns reads a payment's columns for the conformance suite.
func (s *Store) PaymentColumns(ctx context.Context, merchantID, tradeNo string) (storetest.PaymentColumns, error) {
	var c storetest.PaymentColumns
	err := s.r.QueryRowContext(ctx, `SELECT status, amount_minor, currency, payment_method, card_fingerprint, client_ip, email, device_id, failure_code, created_at
		FROM payments WHERE merchant_id = ? AND trade_no = ?`, merchantID, tradeNo).
		Scan(&c.Status, &c.AmountMinor, &c.Currency, &c.PaymentMethod, &c.CardFingerprint, &c.ClientIP, &c.Email, &c.DeviceID, &c.FailureCode, &c.CreatedAt)
	return c, err
}

// RefundColumns reads a refund's columns for the conformance suite.
func (s *Store) RefundColumns(ctx context.Context, merchantID, refundID string) (storetest.RefundColumns, error) {
	var c storetest.RefundColumns
	err := s.r.QueryRowContext(ctx, `SELECT status, amount_minor, currency, created_at FROM refunds WHERE merchant_id = ? AND refund_id = ?`,
		merchantID, refundID).Scan(&c.Status, &c.AmountMinor, &c.Currency, &c.CreatedAt)
	return c, err
}
