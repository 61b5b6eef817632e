package paygate

import (
	"context"
	"time"
)

// SessionStatus is the state of a hosted checkout session.
type SessionStatus string

// Checkout session states: OPEN until the customer pays (COMPLETE) or the
// time runs out (EXPIRED).
const (
	SessionOpen     SessionStatus = "OPEN"
	SessionComplete SessionStatus = "COMPLETE"
	SessionExpired  SessionStatus = "EXPIRED"
)

var sessionTransitions = map[SessionStatus][]SessionStatus{
	SessionOpen: {SessionComplete, SessionExpired},
}

// Session is a hosted checkout: a cashier page where the customer pays the
// session's payment. The payment holds the amount and order; the session
// holds what the page needs.
//
// The json tags are the stored format: the stores keep a Session as this JSON
// (testdata/stored_format.golden), so a tag must not change without a
// migration of the stored rows; a renamed Go field keeps its tag.
type Session struct {
	SessionID   string        `json:"SessionID"`
	MerchantID  string        `json:"MerchantID"`
	TradeNo     string        `json:"TradeNo"`
	OrderNo     string        `json:"OrderNo"`
	Status      SessionStatus `json:"Status"`
	Version     int64         `json:"Version"`
	LinkMode    string        `json:"LinkMode"`
	FrontURL    string        `json:"FrontURL"`
	CheckoutURL string        `json:"CheckoutURL"` // the cashier page
	Language    string        `json:"Language"`    // the page's language, if the merchant chose one
	ExpiresAt   time.Time     `json:"ExpiresAt"`
	CreatedAt   time.Time     `json:"CreatedAt"`
	UpdatedAt   time.Time     `json:"UpdatedAt"`

	// PaymentMethodTypes are the methods the merchant offers on the cashier
	// page (card and wallets); empty: card and every wallet that takes the
	// currency.
	PaymentMethodTypes []string `json:"PaymentMethodTypes,omitempty"`
}

// Transition moves s to status to, like Payment.Transition.
func (s *Session) Transition(to SessionStatus, now time.Time, requestID string) (Event, error) {
	if !allowed(sessionTransitions, s.Status, to) {
		return Event{}, invalidState("session", s.SessionID, string(s.Status), string(to))
	}
	ev := Event{MerchantID: s.MerchantID, ObjectType: "session", ObjectID: s.SessionID,
		From: string(s.Status), To: string(to), RequestID: requestID, At: now}
	s.Status = to
	s.UpdatedAt = now
	return ev, nil
}

// Created returns the event recording the creation of s.
func (s *Session) Created(requestID string) Event {
	return Event{MerchantID: s.MerchantID, ObjectType: "session", ObjectID: s.SessionID,
		To: string(s.Status), RequestID: requestID, At: s.CreatedAt}
}

// SessionStore keeps checkout sessions.
type SessionStore interface {
	// Session returns a merchant's session; ENotFound.
	Session(ctx context.Context, merchantID, sessionID string) (*Session, error)
	// SessionByID returns a session by its unguessable id alone, for the
	// cashier page the customer opens; ENotFound.
	SessionByID(ctx context.Context, sessionID string) (*Session, error)
	// SessionByTradeNo returns the session of a payment; ENotFound.
	SessionByTradeNo(ctx context.Context, merchantID, tradeNo string) (*Session, error)
	// DueSessions lists up to limit OPEN sessions of any merchant whose
	// ExpiresAt is at or before now, oldest first.
	DueSessions(ctx context.Context, now time.Time, limit int) ([]*Session, error)
}
