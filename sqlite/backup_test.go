package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"paygate"
	"paygate/sqlite"
)

// TestBackupUnderLoad: a backup taken while payments are being written
// holds every payment acknowledged before it began, and verifies.
func TestBackupUnderLoad(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	m := &paygate.Merchant{ID: "M1", Name: "m", AppID: "100000000000001", SecretHash: "x", NotifySecretSealed: []byte("sealed"), KeyID: "k", CreatedAt: now}
	if err := s.CreateMerchant(ctx, m); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var acked []string
	var n atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := n.Add(1)
				p := &paygate.Payment{TradeNo: fmt.Sprintf("T%d-%06d", w, i), MerchantID: "M1", OrderNo: fmt.Sprintf("order-%d-%06d", w, i),
					Status: paygate.StatusPending, Version: 1, Amount: paygate.Money{Minor: 100, Currency: "USD"},
					PaymentMethodType: paygate.MethodCard, CreatedAt: now, UpdatedAt: now}
				if err := s.Apply(context.WithoutCancel(ctx), paygate.Change{Payments: []*paygate.Payment{p}}); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, p.TradeNo)
				mu.Unlock()
			}
		})
	}
	for n.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	to := filepath.Join(dir, "backup.db")
	err = sqlite.Backup(ctx, db, to)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	v, err := sqlite.Verify(ctx, to)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if v.Migrations != v.Known || v.Merchants != 1 || v.Payments < len(before) {
		t.Errorf("verified %+v, want all migrations, 1 merchant, at least %d payments", v, len(before))
	}
	copyStore, err := sqlite.Open(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	defer copyStore.Close()
	for _, tradeNo := range before {
		if _, err := copyStore.Payment(ctx, "M1", tradeNo); err != nil {
			t.Fatalf("payment %s, acknowledged before the backup began: %v", tradeNo, err)
		}
	}
	if fi, err := os.Stat(to); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode: got %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	t.Logf("%d payments acknowledged before the backup, %d in it, %d written in all", len(before), v.Payments, n.Load())
}

// TestBackupRefusals: a database whose refunds do not add up, or a file that
// is not a paygate database, fails Verify; an existing target is not
// overwritten.
func TestBackupRefusals(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	m := &paygate.Merchant{ID: "M1", Name: "m", AppID: "100000000000001", SecretHash: "x", NotifySecretSealed: []byte("sealed"), KeyID: "k", CreatedAt: now}
	p := &paygate.Payment{TradeNo: "T1", MerchantID: "M1", OrderNo: "order-1", Status: paygate.StatusPartiallyRefunded, Version: 1,
		Amount: paygate.Money{Minor: 100, Currency: "USD"}, CapturedMinor: 100, RefundedMinor: 50, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateMerchant(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{p}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := sqlite.Verify(ctx, db); err == nil || !strings.Contains(err.Error(), "T1") {
		t.Errorf("verify of a payment refunded without a refund: got %v, want it named", err)
	}
	existing := filepath.Join(dir, "existing.db")
	os.WriteFile(existing, []byte("keep me"), 0o600)
	if err := sqlite.Backup(ctx, db, existing); err == nil {
		t.Error("backup over an existing file: got nil, want an error")
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Error("the existing file was changed")
	}
	if _, err := sqlite.Verify(ctx, existing); err == nil {
		t.Error("verify of a file that is not a database: got nil, want an error")
	}
	if _, err := sqlite.Verify(ctx, filepath.Join(dir, "missing.db")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("verify of a missing file: got %v, want no such file", err)
	}
}
