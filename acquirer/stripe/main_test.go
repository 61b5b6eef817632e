package stripe

import (
	"os"
	"testing"

	"paygate/acquirer/stripe/stripetest"
)

// TestMain stops stripe-mock, which the first test that needs it starts.
func TestMain(m *testing.M) {
	code := m.Run()
	stripetest.Stop()
	os.Exit(code)
}

// stripeMock returns stripe-mock's URL (stripetest.URL).
func stripeMock(t *testing.T) string {
	t.Helper()
	return stripetest.URL(t)
}
