package paygate

import (
	"errors"
	"fmt"
)

// Error codes. Each is part of the API contract (docs/api.md); http/ maps them to
// statuses and nothing else does.
const (
	EInvalidJSON       = "invalid_json"
	EInvalidParameter  = "invalid_parameter"
	EUnauthorized      = "unauthorized"
	ENotFound          = "not_found"
	EDuplicateOrderNo  = "duplicate_order_no"
	EDuplicateRefundNo = "duplicate_refund_number"
	EDuplicateTracking = "duplicate_tracking_no" // trackingNo reused on an order with another body
	EIdempotencyReused = "idempotency_key_reused"
	EInvalidState      = "invalid_state"
	EAmountExceeded    = "amount_exceeded"
	ELimitExceeded     = "limit_exceeded" // a merchant's lists or rules are full
	ENoRoute           = "no_route"       // a live merchant's card payment no routing rule or default takes
	ERateLimited       = "rate_limited"
	EInternal          = "internal_error"
	EConflict          = "conflict" // a unique key or compare-and-set lost; gateway resolves it
	EUnavailable       = "unavailable"
	EMethodNotAllowed  = "method_not_allowed" // a known path asked with another method
)

// Error is the one error type of paygate. Code is machine-readable, Message is
// safe to show to the merchant, Param names the offending request field as a JSON
// path, Op is the operation for logs, Err the cause (never shown to clients).
type Error struct {
	Code    string
	Message string
	Param   string
	Op      string
	Err     error
	// RetryAfter is how many seconds to wait before trying again, for
	// rate_limited and unavailable; 0 when the error does not say.
	RetryAfter int
}

func (e *Error) Error() string {
	s := e.Code
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Param != "" {
		s += " (" + e.Param + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidParam returns an invalid_parameter error naming the field.
func InvalidParam(param, format string, args ...any) *Error {
	return &Error{Code: EInvalidParameter, Param: param, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected error with the operation that met it.
func Internal(op string, err error) *Error {
	return &Error{Code: EInternal, Op: op, Message: "internal error", Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil and
// EInternal for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the client-safe message of err; for anything that is not
// an *Error it is a generic text, so causes never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		return e.Message
	}
	return "internal error"
}

// ErrorParam returns the Param of err's *Error, if any.
func ErrorParam(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Param
	}
	return ""
}

// ErrorRetryAfter returns the RetryAfter of err's *Error, if any.
func ErrorRetryAfter(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
