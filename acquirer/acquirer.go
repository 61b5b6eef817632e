// Package acquirer is the gateway's connection to card networks and wallets:
// the Acquirer interface every card connector implements, the Wallets
// interface of wallet and QR connectors (wallet.go), and Sandbox, a
// deterministic simulator of both whose test cards, codes and tokens produce
// each outcome on purpose (README.md "Sandbox test cards", docs/wallets.md).
package acquirer

import (
	"context"
	"errors"
	"net/http"

	"paygate"
)

// Acquirer authorizes, captures, voids and refunds card payments. Calls reach
// outside the gateway, so callers never make them inside a database
// transaction. A returned error means the call's outcome is unknown (network
// fault); a decline is a Result, not an error.
type Acquirer interface {
	// Authenticate runs 3-D Secure for a card in the given mode ("auto" or
	// "standard"; "no" is never sent).
	Authenticate(ctx context.Context, req AuthenticateRequest) (AuthenticateResult, error)
	// CompleteChallenge reports the outcome of a 3-D Secure challenge the
	// customer answered on the ACS page: the authentication result when it
	// passed, nil when it failed.
	CompleteChallenge(ctx context.Context, reference string, card Card, passed bool) (*paygate.ThreeDS, error)
	// Authorize holds (and with Capture, captures) the amount on the card.
	Authorize(ctx context.Context, req AuthorizeRequest) (Result, error)
	// Capture captures amount of an authorization, at most once.
	Capture(ctx context.Context, acquirerRef string, amount paygate.Money) (Result, error)
	// Void releases an authorization.
	Void(ctx context.Context, acquirerRef string) (Result, error)
	// Refund returns amount of a captured payment; reference is the refund's id
	// so that a retried call refunds once.
	Refund(ctx context.Context, acquirerRef, reference string, amount paygate.Money) (Result, error)
}

// Tester is implemented by connectors that move no real money, such as the
// sandbox; the customer's pages then show a test mode badge.
type Tester interface {
	TestMode() bool
}

// TestMode reports whether a connector moves no real money.
func TestMode(connector any) bool {
	t, ok := connector.(Tester)
	return ok && t.TestMode()
}

// TestCard is a card number a test-mode connector answers in a known way;
// Outcome names it (approved, a failure code, challenge, frictionless).
type TestCard struct{ Number, Outcome string }

// Disputes is implemented by connectors that report chargebacks with the
// capture and decide them on the merchant's evidence (the sandbox).
type Disputes interface {
	// Chargeback reports whether the capture of a payment by the card
	// (its BIN and last four digits) is disputed, and the reason.
	Chargeback(bin, last4 string) (reason string, ok bool)
	// DecideDispute reports whether the evidence wins the dispute.
	DecideDispute(evidence string) bool
}

// TestCardLister is implemented by connectors that have test cards (the
// sandbox); the dashboard lists them for developers.
type TestCardLister interface {
	TestCards() []TestCard
}

// Card is the card data sent to the acquirer; it lives only in memory.
type Card struct {
	Number      string
	CVC         string // empty for merchant-initiated payments
	ExpiryMonth int
	ExpiryYear  int
	HolderName  string
	Brand       string
}

// AuthenticateRequest asks for 3-D Secure authentication.
type AuthenticateRequest struct {
	Reference string // tradeNo
	Amount    paygate.Money
	Card      Card
	Mode      paygate.ThreeDSMode // auto or standard (never off)
	Device    Device              // the browser data 3-D Secure 2 sends the issuer
}

// Device is what the merchant said of the customer's device (its
// deviceInfo): the browser data of 3-D Secure 2, and signals for risk.
type Device struct {
	IP           string
	Language     string // a BCP 47 tag, "en-US"
	UserAgent    string
	AcceptHeader string
	TimeZone     string
	DeviceID     string
}

// AuthenticateResult says whether the customer must complete a challenge, or
// carries the frictionless (or skipped) result.
type AuthenticateResult struct {
	ChallengeRequired bool
	// ThreeDS is the result when authentication finished without a challenge;
	// nil when the card needs no authentication in "auto" mode.
	ThreeDS *paygate.ThreeDS
}

// AuthorizeRequest asks to authorize a card payment.
type AuthorizeRequest struct {
	Reference   string // tradeNo, so a retried call authorizes once
	Amount      paygate.Money
	Card        Card
	Capture     bool             // capture at once (captureMethod auto)
	ThreeDS     *paygate.ThreeDS // authentication result, if any
	FraudScreen bool             // the merchant asked for fraud screening (fraudMode Y)
	Initiator   string           // "customer" or "merchant" (stored-credential MIT)
	// PreviousSchemeTransactionID links a merchant-initiated payment to the
	// customer-initiated payment that stored the card (the MIT chain).
	PreviousSchemeTransactionID string
	// StatementDescriptor is what the customer's statement shows (the
	// payment's billingDesc); "" for the merchant's default.
	StatementDescriptor string
	Device              Device // for the acquirer's risk checks
	// ReturnURL is where a connector that runs 3-D Secure itself sends the
	// customer back after its redirect (Result.RedirectURL).
	ReturnURL string
	// Attempt numbers the payment's authorizations at the connector: each
	// card tried on the cashier page is a new one (1, 2, ...), 0 for a
	// payment with one card. Resolve asks about the attempt given.
	Attempt int
	// AcquirerRef is, for Resolve, the connector's id of the payment when an
	// earlier answer gave it (pending, or waiting for the customer); "" when
	// no answer came.
	AcquirerRef string
	// RequireThreeDS asks a connector that runs 3-D Secure itself
	// (OwnThreeDS) to authenticate the customer whenever the card can be
	// (threeDsMode standard, or the risk engine asks for it).
	RequireThreeDS bool
}

// OwnThreeDS is implemented by connectors that run 3-D Secure themselves
// inside Authorize (Stripe): the gateway then does not authenticate first,
// and asks for it with AuthorizeRequest.RequireThreeDS.
type OwnThreeDS interface {
	OwnThreeDS() bool
}

// Result is the acquirer's answer. A decline has Approved false and a Code from
// the API's failure codes (card_declined, insufficient_funds, ...).
type Result struct {
	Approved    bool
	Code        string
	Message     string
	AcquirerRef string
	AuthCode    string
	Risk        *paygate.Risk
	// SchemeTransactionID is the card network's id of an authorization; a
	// stored card keeps the first one for later merchant-initiated payments.
	SchemeTransactionID string
	// Pending means the acquirer took the request but gives its outcome
	// later (a webhook, or the sweep asking again): the payment stays PENDING.
	Pending bool
	// RedirectURL is set when the customer must act first (3-D Secure run
	// by the connector): the payment becomes REQUIRES_ACTION and the
	// customer is sent there, then back to AuthorizeRequest.ReturnURL.
	RedirectURL string
}

// ErrNoEffect is wrapped by a connector's error when the call certainly had
// no effect: the connection was refused before the request was sent, or the
// provider answered in a way it documents as changing nothing. Only then may
// a payment go on to another connector. Any other error is an unknown
// outcome: money may have moved, and the payment waits for the sweep.
var ErrNoEffect = errors.New("the acquirer did not act on the request")

// ErrBadRequest is wrapped, beside ErrNoEffect, when the provider refused
// the request itself (its parameters): the connector is up, so the failure
// does not count against its circuit breaker.
var ErrBadRequest = errors.New("the acquirer refused the request's parameters")

// Resolver is implemented by connectors that can ask again for the outcome
// of an authorization whose answer was lost (a timeout after the request
// was sent). Resolve repeats the question under the same idempotency key,
// so it never authorizes twice; an error means the outcome is still
// unknown. req is the request as first sent, without its Card.
type Resolver interface {
	Resolve(ctx context.Context, req AuthorizeRequest) (Result, error)
}

// Webhooks is implemented by connectors that report outcomes by calling
// the gateway (POST /connectors/{name}/webhook).
type Webhooks interface {
	// ParseWebhook verifies the event's signature and age and says what it
	// reports. An unsigned, badly signed or stale event is an error and
	// reports nothing; refusing a replayed EventID is the caller's job.
	ParseWebhook(payload []byte, header http.Header) (Update, error)
}

// Update is what a connector's webhook event reports.
type Update struct {
	EventID string
	// Reference is the gateway's reference the call was made with (the
	// payment's tradeNo, or a refund's id for a refund).
	Reference   string
	AcquirerRef string
	// Kind is "payment" (Result is the authorization's outcome, Captured
	// says whether the amount was captured), "refund", or "" for an event
	// the gateway has no use for (answered 200 and ignored).
	Kind     string
	Captured bool
	Result   Result
	// Attempt is the authorization attempt the event is about
	// (AuthorizeRequest.Attempt).
	Attempt int
}
