package stripe

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"paygate/acquirer"
)

func signed(payload []byte, secret string, at time.Time) http.Header {
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at})
	h := http.Header{}
	h.Set("Stripe-Signature", sp.Header)
	return h
}

func TestParseWebhook(t *testing.T) {
	tests := []struct {
		file string
		want acquirer.Update
	}{
		{"event_payment_intent_succeeded.json", acquirer.Update{EventID: "evt_3MtwBwLkdIwHu7ix0T2jXmQa",
			Reference: "T20260101000001", AcquirerRef: piID, Kind: "payment", Captured: true,
			Result: acquirer.Result{Approved: true, AcquirerRef: piID}}},
		{"event_payment_intent_amount_capturable_updated.json", acquirer.Update{EventID: "evt_3MtwBwLkdIwHu7ix0T2jXmQb",
			Reference: "T20260101000001", AcquirerRef: piID, Kind: "payment",
			Result: acquirer.Result{Approved: true, AcquirerRef: piID}}},
		{"event_payment_intent_payment_failed.json", acquirer.Update{EventID: "evt_3MtwBwLkdIwHu7ix0T2jXmQc",
			Reference: "T20260101000001", AcquirerRef: piID, Kind: "payment",
			Result: acquirer.Result{AcquirerRef: piID, Code: "insufficient_funds",
				Message: "The card has insufficient funds. (Stripe code card_declined, decline_code insufficient_funds)"}}},
		{"event_payment_intent_canceled.json", acquirer.Update{EventID: "evt_3MtwBwLkdIwHu7ix0T2jXmQd",
			Reference: "T20260101000001", AcquirerRef: piID, Kind: "payment",
			Result: acquirer.Result{AcquirerRef: piID, Code: "card_declined",
				Message: "Stripe canceled the payment (cancellation_reason requested_by_customer)."}}},
		{"event_payment_intent_processing.json", acquirer.Update{EventID: "evt_3MtwBwLkdIwHu7ix0T2jXmQe",
			Reference: "T20260101000001", AcquirerRef: piID, Kind: "payment",
			Result: acquirer.Result{Pending: true, AcquirerRef: piID}}},
		{"event_refund_updated.json", acquirer.Update{EventID: "evt_3MtwBwLkdIwHu7ix0T2jXmQf",
			Reference: "R20260101000001", AcquirerRef: "re_3MtwBwLkdIwHu7ix1Xh1Oq2y", Kind: "refund",
			Result: acquirer.Result{Approved: true, AcquirerRef: "re_3MtwBwLkdIwHu7ix1Xh1Oq2y"}}},
		{"event_refund_failed.json", acquirer.Update{EventID: "evt_3MtwBwLkdIwHu7ix0T2jXmQg",
			Reference: "R20260101000001", AcquirerRef: "re_3MtwBwLkdIwHu7ix1Xh1Oq2y", Kind: "refund",
			Result: acquirer.Result{Code: "acquirer_refused", AcquirerRef: "re_3MtwBwLkdIwHu7ix1Xh1Oq2y",
				Message: "Stripe could not refund (status failed, failure_reason expired_or_canceled_card)."}}},
		{"event_customer_created.json", acquirer.Update{EventID: "evt_1NG8Du2eZvKYlo2CUI79vXWy"}},
	}
	c := New(Config{APIKey: "sk_test_123", WebhookSecret: testSecret})
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			payload := fixture(t, tt.file)
			got, err := c.ParseWebhook(payload, signed(payload, testSecret, time.Now()))
			if err != nil {
				t.Fatalf("ParseWebhook: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseWebhookRefuses(t *testing.T) {
	payload := fixture(t, "event_payment_intent_succeeded.json")
	tampered := append([]byte(nil), payload...)
	tampered[len(tampered)-3] = ' '
	tests := []struct {
		name    string
		secret  string // the connector's
		payload []byte
		header  http.Header
	}{
		{"wrong secret", testSecret, payload, signed(payload, "whsec_other", time.Now())},
		{"no header", testSecret, payload, http.Header{}},
		{"garbled header", testSecret, payload, http.Header{"Stripe-Signature": {"t=abc,v1=zz"}}},
		{"stale", testSecret, payload, signed(payload, testSecret, time.Now().Add(-6*time.Minute))},
		{"tampered payload", testSecret, tampered, signed(payload, testSecret, time.Now())},
		{"no secret configured", "", payload, signed(payload, "", time.Now())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Config{APIKey: "sk_test_123", WebhookSecret: tt.secret})
			if got, err := c.ParseWebhook(tt.payload, tt.header); err == nil {
				t.Errorf("got %+v, want an error", got)
			}
		})
	}
}

// FuzzParseWebhook: any body and Stripe-Signature header are answered, never
// a panic; an event is accepted only with the secret's signature.
func FuzzParseWebhook(f *testing.F) {
	for _, name := range []string{"event_payment_intent_succeeded.json", "event_refund_failed.json", "event_customer_created.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "", true)
	}
	f.Add([]byte(`{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"metadata":7}}}`), "", true)
	f.Add([]byte(`{}`), "t=1,v1=00", false)
	c := New(Config{APIKey: "sk_test_123", WebhookSecret: testSecret})
	f.Fuzz(func(t *testing.T, payload []byte, header string, sign bool) {
		h := http.Header{"Stripe-Signature": {header}}
		if sign {
			h = signed(payload, testSecret, time.Now())
		}
		_, err := c.ParseWebhook(payload, h)
		if err == nil && webhook.ValidatePayload(payload, h.Get("Stripe-Signature"), testSecret) != nil {
			t.Fatalf("accepted %q with header %q, which the secret did not sign", payload, h.Get("Stripe-Signature"))
		}
	})
}

// TestWebhookAttempt: an event about a PaymentIntent of a cashier page's
// card says which attempt it is (its metadata), so the gateway can tell an
// earlier card's approval from the current one's.
func TestWebhookAttempt(t *testing.T) {
	pi := &stripego.PaymentIntent{ID: "pi_2", Status: stripego.PaymentIntentStatusSucceeded,
		Metadata: map[string]string{metaTradeNo: "T1", metaAttempt: "2"}}
	if u := paymentUpdate(acquirer.Update{EventID: "evt_1"}, pi); u.Kind != "payment" || u.Attempt != 2 || !u.Result.Approved {
		t.Errorf("got %+v, want an approval of attempt 2", u)
	}
	pi.Metadata = map[string]string{metaTradeNo: "T1"}
	if u := paymentUpdate(acquirer.Update{EventID: "evt_2"}, pi); u.Attempt != 0 {
		t.Errorf("a payment's one card: got attempt %d, want 0", u.Attempt)
	}
}
