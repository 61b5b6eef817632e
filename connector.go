package paygate

import (
	"context"
	"time"
)

// Connector is a connection to an acquirer that the operator registered
// (`paygate connector add`). Its credentials are sealed by the vault and
// never shown again. A disabled connector takes no new payments; the
// payments it already holds are still captured, voided and refunded through
// it.
type Connector struct {
	Name    string        // [a-z0-9_-], 1 to 32 characters; "sandbox" is the built-in one's
	Type    string        // ConnectorStripe or ConnectorSandbox
	BaseURL string        // "" for the type's own
	Timeout time.Duration // of each call
	// Latency is how long each call of a sandbox connector waits (to
	// measure a remote acquirer's delay); 0 for other types.
	Latency time.Duration
	// SecretSealed is the JSON of the credentials (ConnectorSecret),
	// sealed by the vault under KeyID.
	SecretSealed []byte
	KeyID        string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Connector types.
const (
	ConnectorStripe  = "stripe"
	ConnectorSandbox = "sandbox"
)

// SandboxConnector is the name of the built-in sandbox connector, which
// every node has without registering it.
const SandboxConnector = "sandbox"

// ConnectorSecret is what a connector's sealed credentials hold.
//
// Its json tags are a stored format (sealed in connectors.secret_sealed).
type ConnectorSecret struct {
	APIKey        string `json:"apiKey"`
	WebhookSecret string `json:"webhookSecret,omitempty"`
}

// ConnectorStore keeps the registered connectors, the routing document,
// the connectors' webhook events already taken and their circuits, and
// which merchants are live (their unrouted card payments are refused
// rather than sent to the sandbox).
type ConnectorStore interface {
	// CreateConnector adds a connector; EConflict if its name is taken.
	CreateConnector(ctx context.Context, c *Connector) error
	// Connectors lists every registered connector, by name.
	Connectors(ctx context.Context) ([]*Connector, error)
	// SetConnectorDisabled disables or enables a connector; ENotFound.
	SetConnectorDisabled(ctx context.Context, name string, disabled bool, at time.Time) error
	// RoutingDocument returns the routing document last set, nil if none.
	RoutingDocument(ctx context.Context) ([]byte, error)
	// SetRoutingDocument replaces the routing document.
	SetRoutingDocument(ctx context.Context, doc []byte, at time.Time) error
	// RecordConnectorEvent notes that a connector's webhook event was
	// taken; EConflict when it was noted before (a replay).
	RecordConnectorEvent(ctx context.Context, connector, eventID string, at time.Time) error
	// ConnectorEventTaken reports whether a connector's event was noted.
	ConnectorEventTaken(ctx context.Context, connector, eventID string) (bool, error)
	// DeleteConnectorEventsBefore forgets the events noted before a time,
	// and says how many.
	DeleteConnectorEventsBefore(ctx context.Context, before time.Time) (int, error)
	// MerchantLive reports whether the operator made the merchant live.
	MerchantLive(ctx context.Context, merchantID string) (bool, error)
	// SetMerchantLive makes a merchant live, or a sandbox merchant again;
	// ENotFound when there is no such merchant.
	SetMerchantLive(ctx context.Context, merchantID string, live bool, at time.Time) error
	// SetConnectorCircuit inserts or replaces a node's circuit of a
	// connector, unless the one stored has a later UpdatedAt.
	SetConnectorCircuit(ctx context.Context, c ConnectorCircuit) error
	// ConnectorCircuits lists every node's circuits, by connector and node.
	ConnectorCircuits(ctx context.Context) ([]ConnectorCircuit, error)
}

// ConnectorCircuit is one node's circuit breaker of one connector, as the
// node last wrote it (on each change of state).
type ConnectorCircuit struct {
	Node      string
	Connector string
	State     string // "closed", "open" or "half-open"
	Since     time.Time
	Failures  int // in a row
	UpdatedAt time.Time
}

// ConnectorAttempt is one connector tried for a payment's authorization.
//
// Its json tags are part of the stored format of Payment.
type ConnectorAttempt struct {
	Connector string `json:"Connector"`
	// Outcome is "approved", "declined", "pending", "action_required",
	// "no_effect" (the connector certainly did not act: the next one may
	// be tried) or "unknown" (no answer: the payment waits for the sweep).
	Outcome   string    `json:"Outcome"`
	Code      string    `json:"Code,omitempty"` // the decline's failure code
	LatencyMs int64     `json:"LatencyMs"`
	At        time.Time `json:"At"`
}
