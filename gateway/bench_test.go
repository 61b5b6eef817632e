package gateway

import (
	"testing"
	"time"

	"paygate/vault"
	"paygate/wire"
)

// BenchmarkValidatePayment is the validation of a card payment request: money,
// card checks, every optional part.
func BenchmarkValidatePayment(b *testing.B) {
	v, _ := vault.New(vault.NewKey())
	s := New(nil, nil, v, nil, Config{})
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		req := &wire.CreatePaymentRequest{Amount: "100.99", Currency: "USD", OrderNo: "order-000001", PaymentMethodType: "card",
			Card:       &wire.CardInput{CardNo: "4242424242424242", CVC: "123", ExpiryMonth: "06", ExpiryYear: "2030", FirstName: "A", LastName: "B"},
			DeviceInfo: &wire.DeviceInfo{ClientIP: "10.1.1.1", Language: "en-US"},
			Billing:    &wire.Billing{Email: "a@example.com", Address: &wire.Address{Country: "HK"}}}
		if _, err := s.core.validateCreate(req, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticate is checking an access token on every request: an
// HMAC, no database.
func BenchmarkAuthenticate(b *testing.B) {
	v, _ := vault.New(vault.NewKey())
	s := New(nil, nil, v, nil, Config{})
	token := s.core.signToken("M1", time.Now().Add(time.Hour))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Merchants.Authenticate(b.Context(), token); err != nil {
			b.Fatal(err)
		}
	}
}
