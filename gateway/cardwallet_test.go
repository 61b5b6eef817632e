package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/wire"
)

// TestNoWalletWhileACardWaits: card 1's answer is lost (unknown). The
// cashier page refuses a wallet as it refuses a second card (with a wallet
// on it, the card would never be asked about), and the card's approval is
// then recorded.
func TestNoWalletWhileACardWaits(t *testing.T) {
	gw, ctx, now, c := routedGateway(t, `{"rules": [], "default": [{"connector": "a"}]}`, withOwnThreeDS)
	sess, _, _, err := gw.Checkout.CreateSession(ctx, &wire.SessionRequest{Amount: "10.00", Currency: "SGD", OrderNo: "order-r3-w", ThreeDsMode: "no"})
	if err != nil {
		t.Fatal(err)
	}
	c["a"].authorize = func(acquirer.AuthorizeRequest) (acquirer.Result, error) { return acquirer.Result{}, errTimeout }
	p, _ := gw.Checkout.Pay(ctx, sess.SessionID, gateway.CardForm{CardNo: "4242424242424242", ExpiryMonth: "06", ExpiryYear: "2040", CVC: "123"})
	if p == nil || outcomes(p) != "[a:unknown]" {
		t.Fatalf("card 1: %v", p)
	}
	c["a"].resolve = approve // the card was approved at a
	if _, err := gw.Checkout.ChooseMethod(t.Context(), sess.SessionID, "payNow"); err != gateway.ErrInProgress {
		t.Errorf("a wallet chosen while card 1's outcome is unknown: got %v, want ErrInProgress", err)
	}
	gw.Connectors.Webhook(ctx, "a", []byte(`{"ID":"evt_w","TradeNo":"`+p.TradeNo+`","Outcome":"approved","Attempt":1}`), http.Header{"Sig": {"good"}})
	for range 5 {
		*now = now.Add(time.Hour)
		gw.Sweep(ctx)
	}
	q := mustPayment(t, gw, ctx, p.TradeNo)
	if n := c["a"].count(&c["a"].resolves); n == 0 && q.Status != paygate.StatusSucceeded {
		t.Errorf("payment %s (wallet %v): connector a never asked about card 1, the event was ignored", q.Status, q.Wallet != nil)
	}
}
