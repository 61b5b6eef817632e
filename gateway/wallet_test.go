package gateway_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/wire"
)

// heldWallet is the sandbox whose first wallet approval waits for release,
// which counts wallet refunds, and which can say an order was paid (and
// refuse to close it) as a real wallet does for an answer we never got.
type heldWallet struct {
	acquirer.Sandbox
	held         atomic.Bool
	entered      chan struct{}
	release      chan struct{}
	paidAtWallet atomic.Bool
	mu           sync.Mutex
	refunds      []string
}

func (h *heldWallet) Simulate(ctx context.Context, r acquirer.SimulateRequest) (acquirer.WalletResult, error) {
	if h.entered != nil && h.held.CompareAndSwap(false, true) {
		close(h.entered)
		<-h.release
	}
	return h.Sandbox.Simulate(ctx, r)
}

func (h *heldWallet) RefundOrder(ctx context.Context, q acquirer.QueryRequest, ref string, amount paygate.Money) (acquirer.Result, error) {
	h.mu.Lock()
	h.refunds = append(h.refunds, ref+" "+amount.String())
	h.mu.Unlock()
	return h.Sandbox.RefundOrder(ctx, q, ref, amount)
}

func (h *heldWallet) QueryOrder(ctx context.Context, q acquirer.QueryRequest) (acquirer.WalletResult, error) {
	if h.paidAtWallet.Load() {
		return acquirer.WalletResult{State: acquirer.WalletPaid, WalletRef: q.WalletRef, TransactionID: "42001"}, nil
	}
	return h.Sandbox.QueryOrder(ctx, q)
}

func (h *heldWallet) CloseOrder(ctx context.Context, q acquirer.QueryRequest) (acquirer.Result, error) {
	if h.paidAtWallet.Load() {
		return acquirer.Result{Code: "ORDERPAID", Message: "order paid"}, nil
	}
	return h.Sandbox.CloseOrder(ctx, q)
}

func simulateToken(u string) string { return u[strings.LastIndex(u, "/")+1:] }

// TestWalletPaidTwiceAfterARefund: a second "paid" answer for an attempt
// already recorded paid, and partly refunded since, changes nothing (it
// refunded the whole amount again).
func TestWalletPaidTwiceAfterARefund(t *testing.T) {
	w := &heldWallet{entered: make(chan struct{}), release: make(chan struct{})}
	gw, _, ctx, _ := newTestGateway(t, w, w)
	p, _, err := gw.Payments.CreatePayment(ctx, &wire.CreatePaymentRequest{Amount: "10.00", Currency: "CNY", OrderNo: "order-w-1",
		PaymentMethodType: "wechat", DeviceInfo: &wire.DeviceInfo{}, Wechat: &wire.WechatInput{ProductType: "qr-code"}})
	if err != nil || p.Status != paygate.StatusRequiresAction {
		t.Fatalf("create: got %v %v", p, err)
	}
	tok := simulateToken(p.NextAction.SimulateURL)
	done := make(chan error)
	go func() { _, err := gw.Wallets.SimulateWallet(context.Background(), tok, true, "balance"); done <- err }()
	<-w.entered
	if q, err := gw.Wallets.SimulateWallet(context.Background(), tok, true, "balance"); err != nil || q.Status != paygate.StatusSucceeded {
		t.Fatalf("second approval: got %v %v", q, err)
	}
	if r, _, err := gw.Payments.CreateRefund(ctx, &wire.RefundRequest{OrderRef: wire.OrderRef{OrderNo: "order-w-1"}, Amount: "4",
		ClientIP: "1.1.1.1", Reason: "r", RefundNumber: "refund-w-1"}); err != nil || r.Status != paygate.RefundSucceeded {
		t.Fatalf("refund: got %v %v", r, err)
	}
	close(w.release)
	<-done
	if len(w.refunds) != 1 {
		t.Errorf("wallet refunds: got %v, want only the merchant's 4.00", w.refunds)
	}
}

// TestSessionSweepAsksTheWallet: a cashier-page wallet attempt the shopper
// paid, whose answer never reached us, completes the session at its
// deadline instead of being closed and expired.
func TestSessionSweepAsksTheWallet(t *testing.T) {
	w := &heldWallet{}
	gw, _, ctx, now := newTestGateway(t, w, w)
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "SGD", OrderNo: "order-w-2"})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := gw.Checkout.ChooseMethod(t.Context(), sess.SessionID, "payNow"); err != nil || p.NextAction == nil {
		t.Fatalf("choose payNow: got %v %v", p, err)
	}
	w.paidAtWallet.Store(true)
	*now = now.Add(2 * time.Hour)
	if _, err := gw.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	sess, p, err := gw.Checkout.Session(ctx, sess.SessionID)
	if err != nil || p.Status != paygate.StatusSucceeded || sess.Status != paygate.SessionComplete {
		t.Errorf("after the deadline: got payment %v, session %v, %v; want SUCCEEDED and COMPLETE", p.Status, sess.Status, err)
	}
}

// TestWalletAttemptReferences: every cashier-page attempt has its own
// reference, carried whole in the EMVCo QR code (at most 25 characters).
func TestWalletAttemptReferences(t *testing.T) {
	w := &heldWallet{}
	gw, _, ctx, _ := newTestGateway(t, w, w)
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "SGD", OrderNo: "order-w-3"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := range 30 {
		p, err := gw.Checkout.ChooseMethod(t.Context(), sess.SessionID, []string{"payNow", "grabPay"}[i%2])
		if err != nil {
			t.Fatal(err)
		}
		ref := p.Wallet.Reference
		if seen[ref] || len(ref) > 25 {
			t.Fatalf("attempt %d: reference %q (%d characters) reused or too long", i, ref, len(ref))
		}
		seen[ref] = true
		fields, err := acquirer.ParseEMV(p.NextAction.QRCode)
		if err != nil {
			t.Fatal(err)
		}
		if add, err := acquirer.SplitEMV(fields["62"]); err != nil || add["01"] != ref {
			t.Fatalf("attempt %d: QR reference %q, want %q", i, add["01"], ref)
		}
	}
}
