package stripe

import (
	stripego "github.com/stripe/stripe-go/v82"

	"paygate/acquirer"
)

// state is what a PaymentIntent's status says of the payment.
type state int

const (
	// settled: the Result is the payment's outcome (approved, pending,
	// awaiting the customer, or declined).
	settled state = iota
	// unconfirmed: no confirmation reached Stripe, so nothing was charged
	// (requires_payment_method without an error, requires_confirmation).
	unconfirmed
	// unexpected: a status this connector does not know.
	unexpected
)

// resultOf maps a PaymentIntent to the gateway's outcome
// (docs/connectors.md, "PaymentIntent statuses").
func resultOf(pi *stripego.PaymentIntent) (acquirer.Result, state) {
	r := acquirer.Result{AcquirerRef: pi.ID}
	switch pi.Status {
	case stripego.PaymentIntentStatusSucceeded, stripego.PaymentIntentStatusRequiresCapture:
		r.Approved = true
		if ch := pi.LatestCharge; ch != nil && ch.PaymentMethodDetails != nil && ch.PaymentMethodDetails.Card != nil {
			r.AuthCode = ch.PaymentMethodDetails.Card.AuthorizationCode
			r.SchemeTransactionID = ch.PaymentMethodDetails.Card.NetworkTransactionID
		}
	case stripego.PaymentIntentStatusProcessing:
		r.Pending = true
	case stripego.PaymentIntentStatusRequiresAction:
		if na := pi.NextAction; na != nil && na.RedirectToURL != nil && na.RedirectToURL.URL != "" {
			r.RedirectURL = na.RedirectToURL.URL
			break
		}
		// Only a redirect can be shown to the customer; nothing is charged
		// while the action waits, and nobody else can take it.
		r.Code = codeAuthFailed
		r.Message = "Stripe asked for a customer action the gateway cannot redirect to (next_action " + nextAction(pi) + ")."
	case stripego.PaymentIntentStatusRequiresPaymentMethod:
		if pi.LastPaymentError == nil {
			return r, unconfirmed
		}
		r = declined(r, string(pi.LastPaymentError.Code), string(pi.LastPaymentError.DeclineCode))
	case stripego.PaymentIntentStatusRequiresConfirmation:
		return r, unconfirmed
	case stripego.PaymentIntentStatusCanceled:
		if e := pi.LastPaymentError; e != nil {
			return declined(r, string(e.Code), string(e.DeclineCode)), settled
		}
		r.Code = "card_declined"
		if pi.CancellationReason == stripego.PaymentIntentCancellationReasonFraudulent {
			r.Code = "fraud_suspected"
		}
		r.Message = "Stripe canceled the payment (cancellation_reason " + string(pi.CancellationReason) + ")."
	default:
		return r, unexpected
	}
	return r, settled
}

func nextAction(pi *stripego.PaymentIntent) string {
	if pi.NextAction == nil || pi.NextAction.Type == "" {
		return "none"
	}
	return string(pi.NextAction.Type)
}

const codeAuthFailed = "authentication_failed"

// failureCodes maps Stripe's decline_code, or its error code when the
// decline_code is unknown or absent, to the API's failure codes
// (docs/connectors.md, "Decline codes"). Anything else is card_declined.
var failureCodes = map[string]string{
	"card_declined":                         "card_declined",
	"generic_decline":                       "card_declined",
	"do_not_honor":                          "card_declined",
	"incorrect_number":                      "card_declined",
	"invalid_number":                        "card_declined",
	"insufficient_funds":                    "insufficient_funds",
	"expired_card":                          "expired_card",
	"incorrect_cvc":                         "incorrect_cvc",
	"invalid_cvc":                           "incorrect_cvc",
	"processing_error":                      "processing_error",
	"fraudulent":                            "fraud_suspected",
	"stolen_card":                           "fraud_suspected",
	"lost_card":                             "fraud_suspected",
	"pickup_card":                           "fraud_suspected",
	"merchant_blacklist":                    "fraud_suspected",
	"authentication_required":               codeAuthFailed,
	"payment_intent_authentication_failure": codeAuthFailed,
}

// failureTexts are the messages of the failure codes; Stripe's own message
// is not used, so that nothing of the request comes back in it.
var failureTexts = map[string]string{
	"card_declined":      "The card was declined.",
	"insufficient_funds": "The card has insufficient funds.",
	"expired_card":       "The card has expired.",
	"incorrect_cvc":      "The card's security code is incorrect.",
	"processing_error":   "An error occurred while processing the card; it is safe to retry.",
	"fraud_suspected":    "The payment was blocked as suspected fraud.",
	codeAuthFailed:       "The card's issuer required 3-D Secure authentication, which did not pass.",
}

// failureCode maps Stripe's codes of a refusal to a failure code.
func failureCode(code, declineCode string) string {
	if c, ok := failureCodes[declineCode]; ok {
		return c
	}
	if c, ok := failureCodes[code]; ok {
		return c
	}
	return "card_declined"
}

// declined is r as a decline for Stripe's codes; the message keeps them for
// the operator.
func declined(r acquirer.Result, code, declineCode string) acquirer.Result {
	r.Approved, r.Pending, r.RedirectURL = false, false, ""
	r.Code = failureCode(code, declineCode)
	r.Message = failureTexts[r.Code] + " (Stripe code " + orNone(code) + ", decline_code " + orNone(declineCode) + ")"
	return r
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
