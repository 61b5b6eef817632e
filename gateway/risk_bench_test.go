package gateway

import (
	"path/filepath"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/sqlite"
	"paygate/vault"
)

// BenchmarkScreen is the risk engine's part of a card payment with
// fraudMode Y: the merchant's engine (cached), the velocity counts (one
// statement) and the decision.
func BenchmarkScreen(b *testing.B) {
	db, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	v, _ := vault.New(vault.NewKey())
	s := New(db, acquirer.Sandbox{}, v, nil, Config{})
	p := &paygate.Payment{TradeNo: "T1", MerchantID: "M1", Amount: paygate.Money{Minor: 10_099, Currency: "USD"},
		PaymentMethodType: "card", Card: &paygate.CardDetails{Brand: "visa", BIN: "424242", Last4: "4242", Fingerprint: "fp"},
		DeviceInfo: []byte(`{"clientIp":"10.1.1.1"}`), CreatedAt: time.Now()}
	eng, err := s.core.engine(b.Context(), "M1")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.core.screen(b.Context(), eng, p, "4242424242424242", "", false); err != nil {
			b.Fatal(err)
		}
	}
}
