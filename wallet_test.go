package paygate

import "testing"

// TestWalletMethods checks the method table: every limit is an amount in an
// active currency, every method but the device wallets has product types.
func TestWalletMethods(t *testing.T) {
	for _, m := range WalletMethods() {
		if m.Device != (len(m.ProductTypes) == 0) || m.Device != (m.Max == nil) {
			t.Errorf("%s: got device %v with product types %v and limits %v", m.Type, m.Device, m.ProductTypes, m.Max)
		}
		for _, cur := range m.Currencies() {
			if _, err := ParseCurrency(cur); err != nil {
				t.Errorf("%s: currency %s: %v", m.Type, cur, err)
			}
			if _, err := ParseAmount(m.Max[cur], cur); err != nil {
				t.Errorf("%s: limit %s %s: %v", m.Type, m.Max[cur], cur, err)
			}
		}
		if got, ok := LookupWalletMethod(m.Type); !ok || got.Label != m.Label {
			t.Errorf("LookupWalletMethod(%s): got %v %v", m.Type, got, ok)
		}
	}
	if m, _ := LookupWalletMethod(MethodPayNow); !m.Accepts("SGD") || m.Accepts("USD") {
		t.Errorf("PayNow: got SGD %v USD %v, want SGD only", m.Accepts("SGD"), m.Accepts("USD"))
	}
}
