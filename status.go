package paygate

import (
	"fmt"
	"time"
)

// Status is the state of a payment. The transitions table below is the only
// place that says which changes are allowed; Payment.Transition is the only
// code that changes a status.
type Status string

// Payment statuses (the OpenAPI document, "Payments").
const (
	StatusPending           Status = "PENDING"
	StatusRequiresAction    Status = "REQUIRES_ACTION"
	StatusAuthorized        Status = "AUTHORIZED"
	StatusSucceeded         Status = "SUCCEEDED"
	StatusPartiallyRefunded Status = "PARTIALLY_REFUNDED"
	StatusRefunded          Status = "REFUNDED"
	StatusFailed            Status = "FAILED"
	StatusCancelled         Status = "CANCELLED"
	StatusExpired           Status = "EXPIRED"
)

// Statuses lists every payment status in lifecycle order.
func Statuses() []Status {
	return []Status{StatusPending, StatusRequiresAction, StatusAuthorized, StatusSucceeded,
		StatusPartiallyRefunded, StatusRefunded, StatusFailed, StatusCancelled, StatusExpired}
}

var transitions = map[Status][]Status{
	StatusPending:           {StatusRequiresAction, StatusAuthorized, StatusSucceeded, StatusFailed, StatusCancelled, StatusExpired},
	StatusRequiresAction:    {StatusAuthorized, StatusSucceeded, StatusFailed, StatusCancelled, StatusExpired},
	StatusAuthorized:        {StatusSucceeded, StatusCancelled, StatusExpired},
	StatusSucceeded:         {StatusPartiallyRefunded, StatusRefunded},
	StatusPartiallyRefunded: {StatusPartiallyRefunded, StatusRefunded},
}

// CanTransition reports whether a payment may move from one status to another.
func CanTransition(from, to Status) bool { return allowed(transitions, from, to) }

// allowed reports whether a transition table lets from become to; every
// object's table (payments, refunds, sessions, trackers) is read through it.
func allowed[S comparable](table map[S][]S, from, to S) bool {
	for _, s := range table[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Final reports whether no transition leaves s.
func (s Status) Final() bool { return len(transitions[s]) == 0 }

// Open reports whether the payment still waits for its outcome: for the
// customer (a challenge, a wallet) or for the acquirer.
func (s Status) Open() bool { return s == StatusPending || s == StatusRequiresAction }

// Paid reports whether the payment's money was captured (some of it may
// have been refunded since).
func (s Status) Paid() bool {
	return s == StatusSucceeded || s == StatusPartiallyRefunded || s == StatusRefunded
}

// Refundable reports whether refunds may be asked of the payment (the
// captured amount minus what was refunded bounds them).
func (s Status) Refundable() bool { return s == StatusSucceeded || s == StatusPartiallyRefunded }

// TakesTracking reports whether shipments may be attached to the order:
// it is paid, or authorized and about to be captured.
func (s Status) TakesTracking() bool { return s == StatusAuthorized || s.Paid() }

// RefundStatus is the state of a refund.
type RefundStatus string

// Refund statuses.
const (
	RefundProcessing RefundStatus = "PROCESSING"
	RefundSucceeded  RefundStatus = "SUCCEEDED"
	RefundFailed     RefundStatus = "FAILED"
)

var refundTransitions = map[RefundStatus][]RefundStatus{
	RefundProcessing: {RefundSucceeded, RefundFailed},
}

// Event records one status change of a payment or refund: when, from what, to
// what, and the request that caused it.
type Event struct {
	ID         int64
	MerchantID string
	ObjectType string // "payment" or "refund"
	ObjectID   string // tradeNo or refundId
	From       string // "" for creation
	To         string
	RequestID  string
	At         time.Time
}

func invalidState(kind, id string, from, to string) error {
	return &Error{Code: EInvalidState, Op: "transition",
		Message: fmt.Sprintf("%s %s is %s and cannot become %s", kind, id, from, to)}
}
