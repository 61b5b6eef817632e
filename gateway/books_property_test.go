package gateway_test

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"paygate"
	"paygate/acquirer"
	"paygate/gateway"
	"paygate/wire"
)

// TestBooksProperty: random sequences of card payments (captured at once or
// later), refunds, disputed captures with evidence or without, settlement
// closes, payouts and days passing, through the gateway, keep the books
// whole: ledger verify finds no violation, and the balance matches the
// payments.
func TestBooksProperty(t *testing.T) {
	gw, _, ctx, now := newTestGateway(t, &acquirer.Sandbox{}, nil)
	if _, err := gw.Merchants.SetPrice(ctx, gateway.PriceInfo{Method: "card", Currency: "USD", Percent: "2.9", Fixed: "0.30"}); err != nil {
		t.Fatal(err)
	}
	seq := 0
	next := func(prefix string) string { seq++; return fmt.Sprintf("%s-%d", prefix, seq) }
	rapid.Check(t, func(rt *rapid.T) {
		var paid, held []*paygate.Payment
		for range rapid.IntRange(1, 15).Draw(rt, "steps") {
			switch rapid.IntRange(0, 6).Draw(rt, "op") {
			case 0, 1: // a card payment, auto or manual capture, maybe the dispute card
				card := rapid.SampledFrom([]string{"4242424242424242", acquirer.CardDisputed}).Draw(rt, "card")
				manual := rapid.Bool().Draw(rt, "manual")
				req := &wire.CreatePaymentRequest{Amount: fmt.Sprintf("%d.%02d", rapid.IntRange(1, 500).Draw(rt, "units"),
					rapid.IntRange(0, 99).Draw(rt, "cents")), Currency: "USD", OrderNo: next("prop"), PaymentMethodType: "card",
					DeviceInfo: &wire.DeviceInfo{ClientIP: "203.0.113.9"},
					Card:       &wire.CardInput{CardNo: card, CVC: "123", ExpiryMonth: "06", ExpiryYear: "2045"}}
				if manual {
					req.CaptureMethod = "manual"
				}
				p, _, err := gw.Payments.CreatePayment(ctx, req)
				if err != nil {
					rt.Fatal(err)
				}
				if manual {
					held = append(held, p)
				} else {
					paid = append(paid, p)
				}
			case 2: // capture a held payment, in part
				if len(held) == 0 {
					continue
				}
				i := rapid.IntRange(0, len(held)-1).Draw(rt, "held")
				p := held[i]
				held = append(held[:i], held[i+1:]...)
				amount := paygate.Money{Minor: rapid.Int64Range(1, p.Amount.Minor).Draw(rt, "capture"), Currency: "USD"}
				q, err := gw.Payments.Capture(ctx, &wire.CaptureRequest{OrderRef: wire.OrderRef{TradeNo: p.TradeNo}, CaptureAmount: amount.String()}, "")
				if err != nil {
					rt.Fatal(err)
				}
				paid = append(paid, q)
			case 3: // a refund, refused on a disputed payment
				if len(paid) == 0 {
					continue
				}
				p := rapid.SampledFrom(paid).Draw(rt, "refunded")
				_, _, err := gw.Payments.CreateRefund(ctx, &wire.RefundRequest{OrderRef: wire.OrderRef{TradeNo: p.TradeNo}, Amount: "0.50",
					RefundNumber: next("refund"), Reason: "returned", ClientIP: "10.1.1.1"})
				if err != nil && paygate.ErrorCode(err) != paygate.EInvalidState && paygate.ErrorCode(err) != paygate.EAmountExceeded {
					rt.Fatal(err)
				}
			case 4: // answer a dispute
				page, _, err := gw.Disputes.List(ctx, "", "100")
				if err != nil || len(page) == 0 {
					continue
				}
				d := rapid.SampledFrom(page).Draw(rt, "dispute")
				evidence := rapid.SampledFrom([]string{"winning_evidence", "a receipt"}).Draw(rt, "evidence")
				_, err = gw.Disputes.SubmitEvidence(ctx, d.DisputeID, &wire.EvidenceRequest{Evidence: evidence})
				if err != nil && paygate.ErrorCode(err) != paygate.EInvalidState {
					rt.Fatal(err)
				}
			case 5: // close the batch now, and pay some out
				closed, err := gw.Settlements.CloseNow(ctx)
				if err != nil {
					rt.Fatal(err)
				}
				for _, st := range closed {
					if rapid.Bool().Draw(rt, "payout") {
						if _, err := gw.Settlements.Pay(ctx, st.MerchantID, st.ID); err != nil {
							rt.Fatal(err)
						}
					}
				}
			case 6: // hours pass: the sweep closes days and loses unanswered disputes
				*now = now.Add(time.Duration(rapid.IntRange(1, 24).Draw(rt, "hours")) * time.Hour)
				if _, err := gw.Sweep(ctx); err != nil {
					rt.Fatal(err)
				}
			}
		}
		rep, err := gw.VerifyLedger(ctx)
		if err != nil || len(rep.Violations) != 0 {
			rt.Fatalf("the books: %v %v", rep.Violations, err)
		}
	})
}
