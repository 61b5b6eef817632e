package paygate

import (
	"context"
	"time"
)

// DisputeStatus is where a dispute (a chargeback the cardholder's bank
// raised) stands.
type DisputeStatus string

// Dispute statuses: it opens NEEDS_RESPONSE; the merchant's evidence makes
// it UNDER_REVIEW; the acquirer decides WON or LOST. No evidence by the
// deadline is LOST.
const (
	DisputeNeedsResponse DisputeStatus = "NEEDS_RESPONSE"
	DisputeUnderReview   DisputeStatus = "UNDER_REVIEW"
	DisputeWon           DisputeStatus = "WON"
	DisputeLost          DisputeStatus = "LOST"
)

var disputeTransitions = map[DisputeStatus][]DisputeStatus{
	DisputeNeedsResponse: {DisputeUnderReview, DisputeLost},
	DisputeUnderReview:   {DisputeWon, DisputeLost},
}

// Open reports whether the dispute is still to be decided.
func (s DisputeStatus) Open() bool { return s == DisputeNeedsResponse || s == DisputeUnderReview }

// Dispute is a chargeback of a captured payment: its amount and a fee are
// held from the merchant while it runs, and returned if it is won.
type Dispute struct {
	DisputeID     string        `json:"DisputeID"`
	MerchantID    string        `json:"MerchantID"`
	TradeNo       string        `json:"TradeNo"`
	OrderNo       string        `json:"OrderNo"`
	Amount        Money         `json:"Amount"`   // held from the merchant
	FeeMinor      int64         `json:"FeeMinor"` // the dispute fee, in Amount's currency
	Reason        string        `json:"Reason"`
	Status        DisputeStatus `json:"Status"`
	Evidence      string        `json:"Evidence,omitempty"`
	EvidenceDueBy time.Time     `json:"EvidenceDueBy"`
	Version       int64         `json:"Version"`
	CreatedAt     time.Time     `json:"CreatedAt"`
	UpdatedAt     time.Time     `json:"UpdatedAt"`
	ClosedAt      *time.Time    `json:"ClosedAt,omitempty"`
}

// Created returns the event recording the opening of d.
func (d *Dispute) Created(requestID string) Event {
	return Event{MerchantID: d.MerchantID, ObjectType: "dispute", ObjectID: d.DisputeID, To: string(d.Status),
		RequestID: requestID, At: d.CreatedAt}
}

// Transition moves d to another status, by the table; a move it does not
// allow is invalid_state.
func (d *Dispute) Transition(to DisputeStatus, now time.Time, requestID string) (Event, error) {
	if !allowed(disputeTransitions, d.Status, to) {
		return Event{}, invalidState("dispute", d.DisputeID, string(d.Status), string(to))
	}
	ev := Event{MerchantID: d.MerchantID, ObjectType: "dispute", ObjectID: d.DisputeID,
		From: string(d.Status), To: string(to), RequestID: requestID, At: now}
	d.Status = to
	d.UpdatedAt = now
	if !to.Open() {
		d.ClosedAt = &now
	}
	return ev, nil
}

// DisputeStore keeps disputes; they are written through Apply (Change.Disputes).
type DisputeStore interface {
	// Dispute returns a merchant's dispute; ENotFound if absent.
	Dispute(ctx context.Context, merchantID, id string) (*Dispute, error)
	// Disputes lists up to limit of a merchant's disputes, newest (highest
	// id) first, after the id given ("" from the newest).
	Disputes(ctx context.Context, merchantID, before string, limit int) ([]*Dispute, error)
	// DueDisputes lists up to limit disputes of every merchant still
	// waiting for evidence whose deadline passed before now.
	DueDisputes(ctx context.Context, now time.Time, limit int) ([]*Dispute, error)
}
