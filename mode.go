package paygate

import (
	"fmt"
	"strings"
)

// The merchant's choices on a payment: fixed value sets, each a type with
// its values, its default and its parse, so that no rule spells them out.

// CaptureMethod is when an authorized card payment is captured.
type CaptureMethod string

// Capture methods.
const (
	CaptureAuto   CaptureMethod = "auto"   // at once: the payment ends SUCCEEDED (the default)
	CaptureManual CaptureMethod = "manual" // later, by a capture call: the payment stays AUTHORIZED
)

// ParseCaptureMethod reads a request's captureMethod; "" is CaptureAuto.
func ParseCaptureMethod(s string) (CaptureMethod, error) {
	return parseEnum(s, CaptureAuto, CaptureAuto, CaptureManual)
}

// FraudMode says whether the risk rules screen the payment.
type FraudMode string

// Fraud modes.
const (
	FraudOff    FraudMode = "N" // not screened (the default)
	FraudScreen FraudMode = "Y" // screened: a risky payment is declined as fraud_suspected
)

// ParseFraudMode reads a request's fraudMode; "" is FraudOff.
func ParseFraudMode(s string) (FraudMode, error) {
	return parseEnum(s, FraudOff, FraudOff, FraudScreen)
}

// Screens reports whether the risk rules screen a payment in mode m.
func (m FraudMode) Screens() bool { return m == FraudScreen }

// ThreeDSMode is how 3-D Secure is run for a card payment.
type ThreeDSMode string

// 3-D Secure modes.
const (
	ThreeDSOff      ThreeDSMode = "no"       // skipped: no liability shift
	ThreeDSAuto     ThreeDSMode = "auto"     // a challenge only when the issuer asks for one (the default)
	ThreeDSStandard ThreeDSMode = "standard" // every card challenged unless the issuer authenticates it frictionlessly
)

// ParseThreeDSMode reads a request's threeDsMode; "" is ThreeDSAuto.
func ParseThreeDSMode(s string) (ThreeDSMode, error) {
	return parseEnum(s, ThreeDSAuto, ThreeDSOff, ThreeDSAuto, ThreeDSStandard)
}

// parseEnum returns the value of values that s names, def for "", or an
// error listing the values in their order ("must be one of N, Y").
func parseEnum[T ~string](s string, def T, values ...T) (T, error) {
	if s == "" {
		return def, nil
	}
	names := make([]string, len(values))
	for i, v := range values {
		if string(v) == s {
			return v, nil
		}
		names[i] = string(v)
	}
	return def, fmt.Errorf("must be one of %s", strings.Join(names, ", "))
}
