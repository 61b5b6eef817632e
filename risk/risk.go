// Package risk holds the risk engine's rules, pure: what a payment is
// judged on (Input), the merchant's lists and rules, the built-in signals,
// and the decision with its score and reasons. It keeps nothing and calls
// nothing: the gateway reads the counts from the store and asks it.
package risk

import (
	"fmt"
	"strings"
)

// Decision is what the engine says of a payment.
type Decision string

// The decisions.
const (
	Approve Decision = "approve"
	Review  Decision = "review" // 3-D Secure must pass first
	Decline Decision = "decline"
)

// Scores at which the built-in signals review and decline.
const (
	ReviewScore  = 50
	DeclineScore = 80
)

// Reason is one thing that weighed in a decision: a stable code and a
// sentence.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Result is a decision, its score (0-100) and its reasons.
type Result struct {
	Decision Decision
	Score    int
	Reasons  []Reason
}

// Window is what a key (a card, an address) did in one span of time.
type Window struct {
	Count    int   // payments
	Amount   int64 // their amounts in minor units (of any currency: a rough size)
	Declines int   // of those, FAILED
}

// Windows are a key's counts over the last 10 minutes, hour and day; the
// payment being judged is counted in each.
type Windows struct{ Min10, Hour, Day Window }

// Input is what a payment is judged on.
type Input struct {
	Amount          int64 // minor units
	Currency        string
	Method          string // paymentMethodType
	CardBrand       string
	CardBIN         string
	CardCountry     string // ISO 3166 alpha-2 from the BIN; "" unknown
	CardFingerprint string
	IP              string
	IPCountry       string // "" unknown
	BillingCountry  string
	Email           string
	DeviceID        string
	Hour            int // of the day, UTC
	// The velocities: of the card, the address, the email and the device,
	// and the merchant's declines in the last 10 minutes.
	Card, Address, EmailUse, Device Windows
	// MerchantDeclines are the merchant's declines by acquirers and
	// issuers in the last 10 minutes; MerchantPayments all its payments
	// there, counted only when the declines reach MerchantAttack.
	MerchantDeclines, MerchantPayments int
}

// EmailDomain is the part of the input's email after the @, lower case.
func (in *Input) EmailDomain() string {
	_, d, ok := strings.Cut(in.Email, "@")
	if !ok {
		return ""
	}
	return strings.ToLower(d)
}

// Engine is one merchant's lists and rules, compiled.
type Engine struct {
	Lists *Lists
	Rules []*Rule // in the order they were made
	// ScreenAll judges every card payment of the merchant, whatever its
	// fraudMode.
	ScreenAll bool
}

// Decide judges in, in this order, the first that decides ending it:
//
//  1. the merchant's approve rules: one matching approves (an allow list);
//  2. the merchant's lists: a value on one declines;
//  3. the merchant's decline rules: one matching declines;
//  4. the built-in signals (velocity, card testing) give a score: at 80 it
//     declines, at 50 it reviews;
//  5. the merchant's review rules: one matching reviews.
//
// A rule that fails to evaluate (an overflow, say) is skipped, with a reason.
func (e *Engine) Decide(in *Input) Result {
	act := newActivation(in)
	var res Result
	var ruleErrs []Reason
	match := func(action Decision) *Rule {
		for _, r := range e.Rules {
			if r.Action != action || !r.Enabled {
				continue
			}
			ok, err := r.eval(act)
			if err != nil {
				ruleErrs = append(ruleErrs, Reason{"rule_error:" + r.Name, fmt.Sprintf("rule %s could not be evaluated: %v", r.Name, err)})
				continue
			}
			if ok {
				return r
			}
		}
		return nil
	}
	if r := match(Approve); r != nil {
		return Result{Decision: Approve, Reasons: append(ruleErrs, r.reason())}
	}
	if e.Lists != nil {
		if hits := e.Lists.Match(in); len(hits) > 0 {
			return Result{Decision: Decline, Score: 100, Reasons: append(ruleErrs, hits...)}
		}
	}
	if r := match(Decline); r != nil {
		return Result{Decision: Decline, Score: 100, Reasons: append(ruleErrs, r.reason())}
	}
	res.Score, res.Reasons = signals(in)
	res.Reasons = append(ruleErrs, res.Reasons...)
	switch {
	case res.Score >= DeclineScore:
		res.Decision = Decline
	case res.Score >= ReviewScore:
		res.Decision = Review
	default:
		res.Decision = Approve
	}
	if res.Decision == Approve {
		if r := match(Review); r != nil {
			res.Decision = Review
			res.Score = max(res.Score, ReviewScore)
			res.Reasons = append(res.Reasons, r.reason())
		}
	}
	return res
}
