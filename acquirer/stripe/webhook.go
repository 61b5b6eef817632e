package stripe

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	stripego "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"paygate/acquirer"
)

// ParseWebhook verifies the event's Stripe-Signature header with the
// endpoint's signing secret, refusing a timestamp older than 300 seconds, and
// says what the event reports: a PaymentIntent's outcome (payment_intent.*)
// or a refund's (refund.*, charge.refund.updated). Other events, and
// objects the gateway did not create (no tradeNo or reference in their
// metadata), report nothing (Kind "").
func (c *Connector) ParseWebhook(payload []byte, header http.Header) (acquirer.Update, error) {
	if c.webhookSecret == "" {
		return acquirer.Update{}, errors.New("stripe: webhook: no signing secret is configured")
	}
	ev, err := webhook.ConstructEventWithOptions(payload, header.Get("Stripe-Signature"), c.webhookSecret,
		webhook.ConstructEventOptions{
			Tolerance: webhook.DefaultTolerance,
			// Only a few stable fields are read, which every API version has.
			IgnoreAPIVersionMismatch: true,
		})
	if err != nil {
		return acquirer.Update{}, fmt.Errorf("stripe: webhook: %w", err)
	}
	u := acquirer.Update{EventID: ev.ID}
	if ev.Data == nil {
		return u, nil
	}
	switch ev.Type {
	case stripego.EventTypePaymentIntentSucceeded, stripego.EventTypePaymentIntentAmountCapturableUpdated,
		stripego.EventTypePaymentIntentPaymentFailed, stripego.EventTypePaymentIntentCanceled,
		stripego.EventTypePaymentIntentProcessing:
		var pi stripego.PaymentIntent
		if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
			return acquirer.Update{}, fmt.Errorf("stripe: webhook %s: the PaymentIntent cannot be read: %w", ev.ID, err)
		}
		return paymentUpdate(u, &pi), nil
	case stripego.EventTypeRefundCreated, stripego.EventTypeRefundUpdated, stripego.EventTypeRefundFailed,
		stripego.EventTypeChargeRefundUpdated:
		var rf stripego.Refund
		if err := json.Unmarshal(ev.Data.Raw, &rf); err != nil {
			return acquirer.Update{}, fmt.Errorf("stripe: webhook %s: the Refund cannot be read: %w", ev.ID, err)
		}
		return refundUpdate(u, &rf), nil
	}
	return u, nil
}

func paymentUpdate(u acquirer.Update, pi *stripego.PaymentIntent) acquirer.Update {
	ref := pi.Metadata[metaTradeNo]
	r, st := resultOf(pi)
	if ref == "" || st != settled {
		return u
	}
	u.Kind, u.Reference, u.AcquirerRef, u.Result = "payment", ref, pi.ID, r
	u.Captured = pi.Status == stripego.PaymentIntentStatusSucceeded
	u.Attempt, _ = strconv.Atoi(pi.Metadata[metaAttempt])
	return u
}

func refundUpdate(u acquirer.Update, rf *stripego.Refund) acquirer.Update {
	ref := rf.Metadata[metaReference]
	r, ok := refundResult(rf)
	if ref == "" || !ok {
		return u
	}
	u.Kind, u.Reference, u.AcquirerRef, u.Result = "refund", ref, rf.ID, r
	return u
}
