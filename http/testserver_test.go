package http

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/sqlite"
	"paygate/vault"
)

// testServer is the API over a fresh SQLite store with one merchant; it
// returns the server, the gateway, a context acting as the merchant, and
// the merchant's access token.
func testServer(tb testing.TB) (*Server, *gateway.Service, context.Context, string) {
	tb.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	v, _ := vault.New(vault.NewKey())
	gw := gateway.New(store, acquirer.Sandbox{}, v, nil, gateway.Config{})
	nm, err := gw.Merchants.CreateMerchant(context.Background(), "test")
	if err != nil {
		tb.Fatal(err)
	}
	token, _, err := gw.Merchants.IssueToken(context.Background(), nm.Merchant.AppID, nm.Secret, "192.0.2.1")
	if err != nil {
		tb.Fatal(err)
	}
	ctx := paygate.WithMerchantID(context.Background(), nm.Merchant.ID)
	return NewServer(gw, slog.New(slog.DiscardHandler), Options{RateLimit: 1e9}), gw, ctx, token
}
