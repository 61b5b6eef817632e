package paygate

import (
	"context"
	"time"
)

// RiskListEntry is a value on one of a merchant's risk lists (a card
// fingerprint, an address or CIDR block, an email, a BIN, a country, a
// device id): payments that carry it are declined.
type RiskListEntry struct {
	ID         string
	MerchantID string
	List       string
	Value      string // normalized (risk.Normalize)
	Note       string
	CreatedAt  time.Time
}

// RiskRule is one of a merchant's risk rules: a CEL expression and the
// decision a match makes.
type RiskRule struct {
	ID         string
	MerchantID string
	Name       string // unique per merchant
	Expression string
	Action     string // approve, review, decline
	Enabled    bool
	CreatedAt  time.Time
}

// VelocityWindow is what payments with one key (a card, an address) add up
// to since a time: how many, their amounts in minor units (of any
// currency), and how many FAILED.
type VelocityWindow struct {
	Count    int
	Amount   int64
	Declines int
}

// VelocityKeys are what a payment's velocities are counted by; "" is none.
// The merchant's payments of the first window are counted only when its
// declines there reach CountPaymentsFrom (0: never), as that count walks
// every payment of the window.
type VelocityKeys struct {
	Card, IP, Email, Device string
	CountPaymentsFrom       int
}

// Velocities are a payment's counts: one window a since, for each key, and
// the merchant's declines by acquirers and issuers of the first window (not
// the risk engine's own, fraud_suspected, nor processing_error), and, when
// asked, all its payments there.
type Velocities struct {
	Card, IP, Email, Device            []VelocityWindow
	MerchantDeclines, MerchantPayments int
}

// MaxMerchantScan bounds the merchant's payments counted for Velocities.
const MaxMerchantScan = 5_000

// MaxVelocityScan bounds the payments a velocity count looks at per key (a
// busy address, a merchant's own server sending its address, must not make
// every payment walk a day of rows); the signals' thresholds are far below.
const MaxVelocityScan = 1_000

// RiskStore keeps merchants' risk lists and rules, and counts payments for
// the velocity signals.
type RiskStore interface {
	// AddRiskListEntry inserts e unless the merchant's list holds max
	// entries (ELimitExceeded), counted and inserted as one step even with
	// concurrent adds; EConflict if the list has its value (or its id is
	// taken).
	AddRiskListEntry(ctx context.Context, e *RiskListEntry, max int) error
	// RiskListEntryByValue returns the entry of a merchant's list with
	// value; ENotFound.
	RiskListEntryByValue(ctx context.Context, merchantID, list, value string) (*RiskListEntry, error)
	// RiskListEntries lists up to limit entries of a merchant's list (every
	// list when list is ""), in id order, after the id after.
	RiskListEntries(ctx context.Context, merchantID, list, after string, limit int) ([]*RiskListEntry, error)
	// DeleteRiskListEntry removes an entry of a merchant's list; ENotFound.
	DeleteRiskListEntry(ctx context.Context, merchantID, list, id string) error
	// AddRiskRule inserts r unless the merchant has max rules
	// (ELimitExceeded), as AddRiskListEntry; EConflict if the merchant has a
	// rule of its name (or its id is taken).
	AddRiskRule(ctx context.Context, r *RiskRule, max int) error
	// RiskRules lists a merchant's rules in the order they were made.
	RiskRules(ctx context.Context, merchantID string) ([]*RiskRule, error)
	// SetRiskRuleEnabled turns a merchant's rule on or off; ENotFound.
	SetRiskRuleEnabled(ctx context.Context, merchantID, id string, enabled bool) error
	// DeleteRiskRule removes a merchant's rule; ENotFound.
	DeleteRiskRule(ctx context.Context, merchantID, id string) error
	// RiskScreenAll reports whether the merchant has every card payment
	// judged, whatever its fraudMode (false when it never said).
	RiskScreenAll(ctx context.Context, merchantID string) (bool, error)
	// SetRiskScreenAll sets it.
	SetRiskScreenAll(ctx context.Context, merchantID string, on bool) error
	// Velocity counts the merchant's payments with each key (the card
	// fingerprint, the client address, the email, the device id) created
	// at or after each of since, and the merchant's FAILED payments since
	// since[0]; an empty key counts nothing. Each
	// count's newest MaxVelocityScan payments are looked at, no more:
	// counts stop there.
	Velocity(ctx context.Context, merchantID string, keys VelocityKeys, since []time.Time) (*Velocities, error)
}
