package stripe

import (
	"context"
	"crypto/rand"
	"errors"
	"strconv"
	"strings"

	stripego "github.com/stripe/stripe-go/v82"

	"paygate"
	"paygate/acquirer"
)

// codeRefused is the failure code of a capture, void or refund Stripe
// refused or failed (docs/connectors.md).
const codeRefused = "acquirer_refused"

// metaReference is the refund's metadata key holding the gateway's refund
// id, by which a refund's webhook finds its refund.
const metaReference = "reference"

// Capture captures amount of the PaymentIntent acquirerRef, at most once:
// the key is the PaymentIntent's.
func (c *Connector) Capture(ctx context.Context, acquirerRef string, amt paygate.Money) (acquirer.Result, error) {
	const op = "capture PaymentIntent"
	n, err := amount(amt)
	if err != nil {
		return acquirer.Result{}, &callError{op: op, text: err.Error(), noEffect: true, badRequest: true}
	}
	p := &stripego.PaymentIntentCaptureParams{
		Params:          params("paygate:" + acquirerRef + ":capture"),
		AmountToCapture: stripego.Int64(n),
	}
	err = c.call(ctx, op, func(ctx context.Context) error {
		_, err := c.api.V1PaymentIntents.Capture(ctx, acquirerRef, p)
		return err
	})
	if err != nil {
		return refusal(acquirerRef, err)
	}
	// Stripe answers 200 once the amount is captured.
	return acquirer.Result{Approved: true, AcquirerRef: acquirerRef}, nil
}

// Void cancels the PaymentIntent acquirerRef, which releases its
// authorization.
func (c *Connector) Void(ctx context.Context, acquirerRef string) (acquirer.Result, error) {
	const op = "cancel PaymentIntent"
	// A key of its own per call: a cancel refused once (the PaymentIntent
	// was busy) must not be replayed to a later one; cancelling twice
	// moves no money.
	p := &stripego.PaymentIntentCancelParams{Params: params("paygate:" + acquirerRef + ":cancel:" + strings.ToLower(rand.Text()[:12]))}
	err := c.call(ctx, op, func(ctx context.Context) error {
		_, err := c.api.V1PaymentIntents.Cancel(ctx, acquirerRef, p)
		return err
	})
	if err != nil {
		return refusal(acquirerRef, err)
	}
	// Stripe answers 200 once the PaymentIntent is canceled.
	return acquirer.Result{Approved: true, AcquirerRef: acquirerRef}, nil
}

// Refund refunds amount of the PaymentIntent acquirerRef once per
// reference (the refund's id), which the refund keeps in its metadata.
func (c *Connector) Refund(ctx context.Context, acquirerRef, reference string, amt paygate.Money) (acquirer.Result, error) {
	const op = "create Refund"
	n, err := amount(amt)
	if err == nil && (reference == "" || len(reference) > 200) {
		err = errors.New("the reference must have 1 to 200 characters")
	}
	if err != nil {
		return acquirer.Result{}, &callError{op: op, text: err.Error(), noEffect: true, badRequest: true}
	}
	p := &stripego.RefundCreateParams{
		Params:        params("paygate:refund:" + reference),
		PaymentIntent: stripego.String(acquirerRef),
		Amount:        stripego.Int64(n),
		Metadata:      map[string]string{metaReference: reference},
	}
	var rf *stripego.Refund
	err = c.call(ctx, op, func(ctx context.Context) (err error) {
		rf, err = c.api.V1Refunds.Create(ctx, p)
		return err
	})
	if err != nil {
		return refusal(acquirerRef, err)
	}
	r, ok := refundResult(rf)
	if !ok {
		return acquirer.Result{}, &callError{op: op, text: "Refund " + rf.ID + " has status " + orNone(string(rf.Status))}
	}
	return r, nil
}

// refundResult maps a Refund's status: succeeded is approved, pending (or
// requires_action) approved and pending, failed and canceled refused. ok is
// false for a status this connector does not know.
func refundResult(rf *stripego.Refund) (r acquirer.Result, ok bool) {
	r.AcquirerRef = rf.ID
	switch rf.Status {
	case stripego.RefundStatusSucceeded:
		r.Approved = true
	case stripego.RefundStatusPending, stripego.RefundStatusRequiresAction:
		r.Approved, r.Pending = true, true
	case stripego.RefundStatusFailed, stripego.RefundStatusCanceled:
		r.Code = codeRefused
		r.Message = "Stripe could not refund (status " + string(rf.Status) + ", failure_reason " + orNone(string(rf.FailureReason)) + ")."
	default:
		return r, false
	}
	return r, true
}

// refusal is the answer to a failed capture, void or refund. Stripe's
// definite refusal (400 invalid_request_error, 402, 404: the PaymentIntent
// is in another state, the amount is too large, there is no such
// PaymentIntent) is a Result, as retrying would not change it; a bad key,
// a rate limit, an idempotency conflict or no answer is an error.
func refusal(acquirerRef string, err error) (acquirer.Result, error) {
	var e *callError
	if !errors.As(err, &e) {
		return acquirer.Result{}, err
	}
	definite := e.status == 402 || e.status == 404 ||
		(e.status == 400 && e.typ == string(stripego.ErrorTypeInvalidRequest))
	if !definite {
		return acquirer.Result{}, err
	}
	return acquirer.Result{AcquirerRef: acquirerRef, Code: codeRefused,
		Message: "Stripe refused to " + e.op + " (HTTP " + strconv.Itoa(e.status) + ", code " + orNone(e.code) + ")."}, nil
}
