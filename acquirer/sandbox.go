package acquirer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"paygate"
)

// Test card numbers of the sandbox (README.md "Sandbox test cards").
const (
	CardDeclined          = "4000000000000002"
	CardInsufficientFunds = "4000000000009995"
	CardExpired           = "4000000000000069"
	CardIncorrectCVC      = "4000000000000127"
	CardProcessingError   = "4000000000000119"
	CardChallenge         = "4000000000003220"
	CardFrictionless      = "4000000000003063"
	CardFraud             = "4100000000000019"
	CardDisputed          = "4000000000000259"
)

var declines = map[string][2]string{
	CardDeclined:          {"card_declined", "The card was declined."},
	CardInsufficientFunds: {"insufficient_funds", "The card has insufficient funds."},
	CardExpired:           {"expired_card", "The card has expired."},
	CardIncorrectCVC:      {"incorrect_cvc", "The card's security code is incorrect."},
	CardProcessingError:   {"processing_error", "An error occurred while processing the card; it is safe to retry."},
}

// TestCards lists the sandbox's test cards: any other valid card number is
// approved.
func (Sandbox) TestCards() []TestCard {
	cards := []TestCard{{"4242424242424242", "approved"}, {"5555555555554444", "approved"}}
	for _, n := range []string{CardDeclined, CardInsufficientFunds, CardExpired, CardIncorrectCVC, CardProcessingError} {
		cards = append(cards, TestCard{n, declines[n][0]})
	}
	return append(cards, TestCard{CardChallenge, "challenge"}, TestCard{CardFrictionless, "frictionless"},
		TestCard{CardFraud, "fraud_suspected"}, TestCard{CardDisputed, "disputed"})
}

// Chargeback: a capture of the dispute test card is disputed as
// fraudulent. The sandbox keeps no state, so it knows the card by what the
// payment keeps of it: the BIN and the last four digits.
func (Sandbox) Chargeback(bin, last4 string) (string, bool) {
	if bin == CardDisputed[:6] && last4 == CardDisputed[12:] {
		return "fraudulent", true
	}
	return "", false
}

// WinningEvidence is the text that wins a dispute in the sandbox.
const WinningEvidence = "winning_evidence"

// DecideDispute: evidence that holds WinningEvidence wins, any other loses.
func (Sandbox) DecideDispute(evidence string) bool {
	return strings.Contains(evidence, WinningEvidence)
}

// Sandbox is the deterministic simulator. It keeps no state: every answer
// follows from its input, so it behaves the same on every node and after a
// restart.
type Sandbox struct {
	// Latency is how long each call to the acquirer (authenticate,
	// authorize, capture, void, refund, and the wallets' calls) takes, so
	// that a remote acquirer's delay can be measured here (`paygate serve
	// --sandbox-latency`). Zero answers at once.
	Latency time.Duration
}

// wait holds a call for the sandbox's latency; a caller that gives up
// first gets its context's error, as from a remote acquirer.
func (s Sandbox) wait(ctx context.Context) error {
	if s.Latency <= 0 {
		return nil
	}
	t := time.NewTimer(s.Latency)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var _ Acquirer = Sandbox{}

// Authenticate: the challenge card always asks for a challenge, the
// frictionless card authenticates without one, and any other card needs a
// challenge only in "standard" mode.
func (s Sandbox) Authenticate(ctx context.Context, req AuthenticateRequest) (AuthenticateResult, error) {
	if err := s.wait(ctx); err != nil {
		return AuthenticateResult{}, err
	}
	switch {
	case req.Card.Number == CardChallenge:
		return AuthenticateResult{ChallengeRequired: true}, nil
	case req.Card.Number == CardFrictionless:
		return AuthenticateResult{ThreeDS: Frictionless(req.Reference, req.Card.Brand, req.Mode)}, nil
	case req.Mode == paygate.ThreeDSStandard:
		return AuthenticateResult{ChallengeRequired: true}, nil
	}
	return AuthenticateResult{}, nil
}

// Frictionless returns the 3-D Secure 2.2.0 result of a frictionless
// authentication, with the ECI of the brand (05 Visa-style, 02 Mastercard).
func Frictionless(reference, brand string, mode paygate.ThreeDSMode) *paygate.ThreeDS {
	eci := "05"
	if brand == "mastercard" {
		eci = "02"
	}
	return &paygate.ThreeDS{Mode: mode, Version: "2.2.0", ECI: eci,
		CAVV: ref("cavv", reference)[:28], DSTransID: ref("ds", reference)[:32],
		AuthenticationResultCode: "Y", LiabilityShift: true}
}

// Name is the sandbox's connector name in metrics.
func (Sandbox) Name() string { return "sandbox" }

// ChallengeCode is the one-time code the sandbox ACS page accepts (and shows).
const ChallengeCode = "123456"

// ACS is an acquirer whose 3-D Secure challenge is answered on paygate's own
// ACS page (the sandbox): it checks the customer's one-time code, and may
// give the page a hint to show. A connector whose issuer hosts the
// challenge (a redirect to the card scheme's page) is not one.
type ACS interface {
	// ChallengeHint is what the page shows the customer about the code to
	// type ("" for nothing).
	ChallengeHint(reference string) string
	// CheckChallengeCode reports whether code answers the challenge.
	CheckChallengeCode(reference, code string) bool
}

var _ ACS = Sandbox{}

// TestMode reports that no real money moves: the pages say so, and list the
// test cards.
func (Sandbox) TestMode() bool { return true }

// ChallengeHint shows the sandbox's one code: the test customer has no phone.
func (Sandbox) ChallengeHint(string) string { return ChallengeCode }

// CheckChallengeCode accepts ChallengeCode for every challenge.
func (Sandbox) CheckChallengeCode(_, code string) bool { return code == ChallengeCode }

// CompleteChallenge passes with a challenge result of version 2.2.0 and a
// liability shift, or fails.
func (s Sandbox) CompleteChallenge(ctx context.Context, reference string, card Card, passed bool) (*paygate.ThreeDS, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	if !passed {
		return nil, nil
	}
	t := Frictionless(reference, card.Brand, "")
	t.AuthenticationResultCode = "Y"
	return t, nil
}

// Authorize approves any card but the decline and fraud test cards.
func (s Sandbox) Authorize(ctx context.Context, req AuthorizeRequest) (Result, error) {
	if err := s.wait(ctx); err != nil {
		return Result{}, err
	}
	if req.FraudScreen && req.Card.Number == CardFraud {
		return Result{Code: "fraud_suspected", Message: "The payment was blocked as suspected fraud.",
			Risk: &paygate.Risk{Decision: "decline", Score: 95, Reasons: []string{"card_on_risk_list"}}}, nil
	}
	if d, ok := declines[req.Card.Number]; ok {
		return Result{Code: d[0], Message: d[1], AcquirerRef: ref("auth", req.Reference)}, nil
	}
	r := Result{Approved: true, AcquirerRef: ref("auth", req.Reference), AuthCode: strings.ToUpper(ref("code", req.Reference)[:6]),
		SchemeTransactionID: ref("scheme", req.Reference)[:15]}
	if req.FraudScreen {
		r.Risk = &paygate.Risk{Decision: "approve", Score: 10, Reasons: []string{}}
	}
	return r, nil
}

// Capture always succeeds in the sandbox.
func (s Sandbox) Capture(ctx context.Context, acquirerRef string, _ paygate.Money) (Result, error) {
	if err := s.wait(ctx); err != nil {
		return Result{}, err
	}
	return Result{Approved: true, AcquirerRef: acquirerRef}, nil
}

// Void always succeeds in the sandbox.
func (s Sandbox) Void(ctx context.Context, acquirerRef string) (Result, error) {
	if err := s.wait(ctx); err != nil {
		return Result{}, err
	}
	return Result{Approved: true, AcquirerRef: acquirerRef}, nil
}

// Refund always succeeds in the sandbox.
func (s Sandbox) Refund(ctx context.Context, _, reference string, _ paygate.Money) (Result, error) {
	if err := s.wait(ctx); err != nil {
		return Result{}, err
	}
	return Result{Approved: true, AcquirerRef: ref("refund", reference)}, nil
}

// ref derives a stable acquirer-side id from the gateway's reference, so the
// same request always gets the same id (what an idempotent acquirer does).
func ref(kind, reference string) string {
	h := sha256.Sum256([]byte("sandbox/" + kind + "/" + reference))
	return hex.EncodeToString(h[:])
}
