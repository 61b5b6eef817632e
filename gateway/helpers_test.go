package gateway_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/sqlite"
	"paygate/vault"
)

// newTestGateway is the gateway over a fresh SQLite store (wrapped by wrap,
// if given) with one merchant, on a clock the test moves through the
// returned pointer; ctx acts as the merchant.
func newTestGateway(t *testing.T, acq acquirer.Acquirer, wallets acquirer.Wallets, wrap ...func(paygate.Store) paygate.Store) (*gateway.Service, paygate.Store, context.Context, *time.Time) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var store paygate.Store = db
	for _, w := range wrap {
		store = w(store)
	}
	v, _ := vault.New(vault.NewKey())
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	gw := gateway.New(store, acq, v, nil, gateway.Config{Now: func() time.Time { return now }, Wallets: wallets})
	nm, err := gw.Merchants.CreateMerchant(t.Context(), "m")
	if err != nil {
		t.Fatal(err)
	}
	return gw, store, paygate.WithMerchantID(t.Context(), nm.Merchant.ID), &now
}

// flakySandbox is the sandbox acquirer and wallets whose refunds fail (no
// answer) while down is set, a network fault at a boundary we do not own,
// and which counts refunds by channel.
type flakySandbox struct {
	acquirer.Sandbox
	down                       atomic.Bool
	cardRefunds, walletRefunds atomic.Int64
}

func (f *flakySandbox) Refund(ctx context.Context, ref, reference string, amount paygate.Money) (acquirer.Result, error) {
	f.cardRefunds.Add(1)
	if f.down.Load() {
		return acquirer.Result{}, errors.New("connection reset")
	}
	return f.Sandbox.Refund(ctx, ref, reference, amount)
}

func (f *flakySandbox) RefundOrder(ctx context.Context, q acquirer.QueryRequest, ref string, amount paygate.Money) (acquirer.Result, error) {
	f.walletRefunds.Add(1)
	if f.down.Load() {
		return acquirer.Result{}, errors.New("wallet unreachable")
	}
	return f.Sandbox.RefundOrder(ctx, q, ref, amount)
}
