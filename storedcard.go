package paygate

import (
	"context"
	"time"
)

// Stored-credential reasons of a merchant-initiated payment.
const (
	ReasonRecurring   = "RECURRING"
	ReasonInstalment  = "INSTALMENT"
	ReasonUnscheduled = "UNSCHEDULED"
)

// StoredCard is a card kept in the vault for later payments without the
// customer present. The number and holder name are sealed (AES-256-GCM);
// the CVC is never kept. Revoking erases the sealed data.
type StoredCard struct {
	// TransactionIdentifier is the merchant's unguessable handle on the card.
	TransactionIdentifier string
	MerchantID            string
	Status                string // ACTIVE or REVOKED
	Version               int64

	Brand       string
	BIN         string
	Last4       string
	ExpiryMonth int
	ExpiryYear  int
	Fingerprint string // keyed HMAC of the number under the sealing key's vault
	Sealed      []byte // the sealed StoredCardSecret; nil once revoked
	KeyID       string // the vault key that sealed it

	Currency            string // the first payment's currency: the default of later ones
	FirstTradeNo        string
	SchemeTransactionID string // of the first payment, for the acquirer's MIT chain

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Stored card states.
const (
	StoredCardActive  = "ACTIVE"
	StoredCardRevoked = "REVOKED"
)

// StoredCredential says which stored card a payment used, and why.
//
// Its json tags are part of the stored format of Payment and must not change
// without a migration of the stored rows.
type StoredCredential struct {
	TransactionIdentifier string `json:"TransactionIdentifier"`
	Reason                string `json:"Reason"`    // RECURRING, INSTALMENT, UNSCHEDULED; "" for a customer-initiated payment
	Initiator             string `json:"Initiator"` // "customer" or "merchant"
	Stored                bool   `json:"Stored"`    // this payment stored the card (the first of a series)
}

// SealedSecret is one secret sealed by the vault outside the card vault: a
// merchant's notification secret, the one its last rotation replaced, or a
// subscription's signing secret. Rekey moves them to the current key with
// the stored cards.
type SealedSecret struct {
	// Kind is "merchant" (the notification secret), "merchant-prev" (the
	// replaced notification secret, listed only while one is kept),
	// "subscription" or "connector" (a connector's credentials).
	Kind   string
	ID     string
	Sealed []byte
	KeyID  string
}

// VaultStore keeps stored cards and lets the operator re-encrypt sealed data.
type VaultStore interface {
	// StoredCard returns an ACTIVE or REVOKED stored card; ENotFound.
	StoredCard(ctx context.Context, merchantID, transactionIdentifier string) (*StoredCard, error)
	// StoredCardsByFingerprint lists the merchant's ACTIVE stored cards
	// whose fingerprint is fingerprint, newest first (a token payment that
	// names the card by its number).
	StoredCardsByFingerprint(ctx context.Context, merchantID, fingerprint string) ([]*StoredCard, error)
	// StoredCardsAfter lists up to limit stored cards of any merchant whose
	// transactionIdentifier sorts after after, in that order (rekey batches).
	StoredCardsAfter(ctx context.Context, after string, limit int) ([]*StoredCard, error)
	// SealedSecretsAfter lists up to limit sealed secrets of kind whose id
	// sorts after after, in that order.
	SealedSecretsAfter(ctx context.Context, kind, after string, limit int) ([]SealedSecret, error)
	// ResealSecret replaces a sealed secret if it is still sealed under
	// oldKeyID; EConflict if it changed meanwhile.
	ResealSecret(ctx context.Context, s SealedSecret, oldKeyID string) error
	// SealedKeyIDs lists, sorted and without repeats, the ids of the vault
	// keys that sealed any row still holding sealed data (stored cards not
	// revoked, merchants' notification secrets and the replaced ones still
	// kept, subscriptions' secrets, connectors' credentials): the keys a
	// node needs to read this database.
	SealedKeyIDs(ctx context.Context) ([]string, error)
}
