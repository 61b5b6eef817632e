package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"paygate"
)

// PaymentColumns are the columns a store keeps beside a payment's JSON body
// for lists, reports and risk rules; nil is NULL.
type PaymentColumns struct {
	Status          string
	AmountMinor     *int64
	Currency        *string
	PaymentMethod   *string
	CardFingerprint *string
	ClientIP        *string
	Email           *string
	DeviceID        *string
	FailureCode     *string
	CreatedAt       int64 // Unix milliseconds
}

// RefundColumns are the columns a store keeps beside a refund's JSON body.
type RefundColumns struct {
	Status      string
	AmountMinor *int64
	Currency    *string
	CreatedAt   int64 // Unix milliseconds
}

// ColumnReader reads a store's columns as they are, for the suite to check
// them against the objects written: a test hook each store implements in a
// _test.go file of its own package, so it is no part of the store's API.
type ColumnReader interface {
	PaymentColumns(ctx context.Context, merchantID, tradeNo string) (PaymentColumns, error)
	RefundColumns(ctx context.Context, merchantID, refundID string) (RefundColumns, error)
}

// wantPaymentColumns is what the columns of p must hold.
func wantPaymentColumns(p *paygate.Payment) PaymentColumns {
	return PaymentColumns{Status: string(p.Status), AmountMinor: &p.Amount.Minor, Currency: &p.Amount.Currency,
		PaymentMethod: &p.PaymentMethodType, CardFingerprint: nonEmpty(p.CardFingerprint()), ClientIP: nonEmpty(p.ClientIP()),
		Email: nonEmpty(p.Email()), DeviceID: nonEmpty(p.DeviceID()), FailureCode: nonEmpty(p.FailureCode),
		CreatedAt: p.CreatedAt.UnixMilli()}
}

// wantRefundColumns is what the columns of r must hold.
func wantRefundColumns(r *paygate.Refund) RefundColumns {
	return RefundColumns{Status: string(r.Status), AmountMinor: &r.Amount.Minor, Currency: &r.Amount.Currency,
		CreatedAt: r.CreatedAt.UnixMilli()}
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// CheckPaymentColumns checks that the columns of p's row hold what p does.
func CheckPaymentColumns(t *testing.T, cr ColumnReader, p *paygate.Payment) {
	t.Helper()
	got, err := cr.PaymentColumns(t.Context(), p.MerchantID, p.TradeNo)
	if err != nil {
		t.Fatalf("PaymentColumns %s: %v", p.TradeNo, err)
	}
	if g, w := showColumns(got), showColumns(wantPaymentColumns(p)); g != w {
		t.Errorf("columns of payment %s: got %s, want %s", p.TradeNo, g, w)
	}
}

// CheckRefundColumns checks that the columns of r's row hold what r does.
func CheckRefundColumns(t *testing.T, cr ColumnReader, r *paygate.Refund) {
	t.Helper()
	got, err := cr.RefundColumns(t.Context(), r.MerchantID, r.RefundID)
	if err != nil {
		t.Fatalf("RefundColumns %s: %v", r.RefundID, err)
	}
	if g, w := showColumns(got), showColumns(wantRefundColumns(r)); g != w {
		t.Errorf("columns of refund %s: got %s, want %s", r.RefundID, g, w)
	}
}

// showColumns shows columns with NULL as null (JSON does that for nil).
func showColumns(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

func columnReader(t *testing.T, s paygate.Store) ColumnReader {
	t.Helper()
	cr, ok := s.(ColumnReader)
	if !ok {
		t.Fatalf("%T does not implement storetest.ColumnReader: add the test hook in the store's own _test.go file", s)
	}
	return cr
}

// ColumnPayments returns payments (Version 1) of a merchant that fill the
// columns in each way: a card payment with a client IP, a wallet payment
// without a card and with a deviceInfo lacking clientIp, and one with
// neither. Stores' migration tests write them as rows of an older schema.
func ColumnPayments(merchantID string) []*paygate.Payment {
	card := newPayment(merchantID, "T_card", "O_card")
	card.DeviceInfo = json.RawMessage(`{"clientIp":"203.0.113.7","language":"fr-FR"}`)
	card.Billing = json.RawMessage(`{"email":"Ana@Example.com","phone":{"number":"1"}}`)
	wallet := newPayment(merchantID, "T_wallet", "O_wallet")
	wallet.PaymentMethodType, wallet.Card = paygate.MethodWeChat, nil
	wallet.Amount = paygate.Money{Minor: 500, Currency: "JPY"}
	wallet.DeviceInfo = json.RawMessage(`{"deviceId":"d-1"}`)
	wallet.CreatedAt = at(time.Minute + 7*time.Millisecond)
	bare := &paygate.Payment{TradeNo: "T_bare", MerchantID: merchantID, OrderNo: "O_bare", Status: paygate.StatusPending,
		Version: 1, Amount: paygate.Money{Minor: 1, Currency: "EUR"}, CreatedAt: at(-time.Hour), UpdatedAt: at(-time.Hour)}
	return []*paygate.Payment{card, wallet, bare}
}

func testColumnsPayments(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	cr := columnReader(t, s)
	ps := ColumnPayments("m_a")
	mustApply(t, s, paygate.Change{Payments: ps})
	for _, p := range ps {
		CheckPaymentColumns(t, cr, p)
	}

	// An update writes every column again from the payment.
	card, wallet, bare := *ps[0], *ps[1], *ps[2]
	card.Version, card.Status, card.CapturedMinor = 2, paygate.StatusSucceeded, card.Amount.Minor
	card.Card = &paygate.CardDetails{Brand: "mastercard", Last4: "4444", Fingerprint: "fp_other"}
	card.DeviceInfo = nil
	wallet.Version, wallet.Status, wallet.FailureCode = 2, paygate.StatusFailed, "card_declined"
	wallet.Card = &paygate.CardDetails{Brand: "visa", Last4: "1111"} // a card without a fingerprint
	bare.Version, bare.Status = 2, paygate.StatusExpired
	bare.Amount, bare.PaymentMethodType = paygate.Money{Minor: 250, Currency: "GBP"}, paygate.MethodAlipay
	bare.DeviceInfo = json.RawMessage(`{"clientIp":"2001:db8::1"}`)
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{&card, &wallet, &bare}})
	for _, p := range []*paygate.Payment{&card, &wallet, &bare} {
		CheckPaymentColumns(t, cr, p)
		checkPayment(t, mustPayment(t, s, p.MerchantID, p.TradeNo), p)
	}
}

func testColumnsRefunds(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	cr := columnReader(t, s)
	p := newPayment("m_a", "T1", "O1")
	r1 := newRefund(p, "R1", "RN1", at(time.Minute+3*time.Millisecond))
	r2 := newRefund(p, "R2", "RN2", at(2*time.Minute))
	r2.Amount = paygate.Money{Minor: 99, Currency: "USD"}
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Refunds: []*paygate.Refund{r1, r2}})
	CheckRefundColumns(t, cr, r1)
	CheckRefundColumns(t, cr, r2)

	v2 := *r1
	v2.Version, v2.Status, v2.UpdatedAt = 2, paygate.RefundSucceeded, at(time.Hour)
	mustApply(t, s, paygate.Change{Refunds: []*paygate.Refund{&v2}})
	CheckRefundColumns(t, cr, &v2)
}

// testColumns checks that the columns lists, reports and risk rules query
// hold what the JSON body of their row does, after inserts and updates.
func testColumns(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"Payments", testColumnsPayments},
		{"Refunds", testColumnsRefunds},
	})
}
