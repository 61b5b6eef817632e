// Package gateway holds paygate's business rules, once: validation of
// requests, idempotency, the order of calls (acquirer outside any transaction),
// status transitions with their events, and the sweeps that expire what is
// left unfinished. It reaches storage only through the paygate interfaces.
package gateway

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/risk"
	"paygate/vault"
)

// Service is the gateway: one service per aggregate, each with the few
// methods its callers need, all sharing the store, the connectors and the
// vault. Build it with New; the zero value is not usable.
type Service struct {
	Merchants     *Merchants     // merchants and their access tokens
	Payments      *Payments      // payments, captures, cancels and refunds
	Checkout      *Checkout      // hosted checkout sessions and 3-D Secure pages
	Wallets       *Wallets       // the wallet pages of QR and redirect methods
	StoredCards   *StoredCards   // stored cards and the payments that use them
	Tracking      *Tracking      // shipment trackers
	Notifications *Notifications // subscriptions, the delivery log, dispatch
	Users         *Users         // dashboard users, sign-in, the audit log
	Risk          *Risk          // merchants' risk lists and rules
	Settlements   *Settlements   // settlement batches, balances, payouts
	Disputes      *Disputes      // chargebacks and the merchant's evidence
	Connectors    *Connectors    // registered connectors, routing, circuits
	core          *core
}

// The aggregate services; each is the shared core seen through its methods.
type (
	Merchants     struct{ *core }
	Payments      struct{ *core }
	Checkout      struct{ *core }
	Wallets       struct{ *core }
	StoredCards   struct{ *core }
	Tracking      struct{ *core }
	Notifications struct{ *core }
)

// core is what every service shares, and the rules they share: the
// compare-and-set helpers, the notification outbox, the sweeps.
type core struct {
	store    paygate.Store
	acquirer acquirer.Acquirer // the built-in sandbox's (builtin.acq)
	builtin  *liveConnector    // the built-in sandbox connector
	conns    connectorCache    // the registered connectors and the routing, as last read
	wallets  acquirer.Wallets  // nil: wallet methods are not enabled
	vault    *vault.Vault
	log      *slog.Logger
	cfg      Config
	wake     chan struct{} // tells the dispatcher a notification is waiting
	guard    *tokenGuard   // token calls
	signin   *tokenGuard   // dashboard sign-ins
	risk     engines       // merchants' compiled risk lists and rules
	states   stateCache    // merchants' disabled flags, as last read
	obs      Observer
	// What the connectors can do besides their interfaces, found before
	// they are wrapped for the observer.
	acs       acquirer.ACS             // hosts the 3-D Secure challenge page
	disputes  acquirer.Disputes        // reports chargebacks and decides them (nil: none)
	simulator acquirer.WalletSimulator // the sandbox's wallet page
	testMode  bool                     // the acquirer moves no real money
	testCards []acquirer.TestCard      // the acquirer's test cards, if it has any
}

// Config holds the gateway's tunables; zero fields take the defaults.
type Config struct {
	// Now is the clock; tests inject one so expiry is tested without sleeping.
	Now func() time.Time
	// TokenTTL is how long an access token lives (default 2 h).
	TokenTTL time.Duration
	// AuthorizationTTL is how long an uncaptured authorization is held before
	// the sweep expires it (default 7 days).
	AuthorizationTTL time.Duration
	// ActionTTL is the default time a payment waits for the customer
	// (REQUIRES_ACTION) when the request gives no expiryTime (default 30 min).
	ActionTTL time.Duration
	// PendingTTL bounds a payment left PENDING by a crash during the acquirer
	// call (default 10 min).
	PendingTTL time.Duration
	// ReplayWait is how long an identical request waits for the first one to
	// finish before answering with the in-flight object (default 10 s).
	ReplayWait time.Duration
	// BaseURL is where this gateway is reached, for nextAction links.
	BaseURL string
	// AllowPrivateTargets lets notification URLs point at loopback, private
	// and link-local addresses (tests, local development).
	AllowPrivateTargets bool
	// Wallets is the wallet and QR connector; nil: the acquirer's own, if
	// it is one (the sandbox is), else wallet methods are not enabled.
	Wallets acquirer.Wallets
	// Observer is told of connector calls, status changes and deliveries
	// (the metrics); nil: nobody.
	Observer Observer
	// Geo finds client addresses' countries for the risk engine's
	// geography signal; nil: the signal compares the card's country with
	// the billing country only.
	Geo Geo
	// BINs maps card BINs to countries; nil: the built-in table.
	BINs *risk.BINTable
	// Connect builds the clients of registered connectors of types other
	// than sandbox (Stripe); nil: only sandbox connectors.
	Connect Connect
	// Node names this node in the connectors' circuits it writes
	// (default "node").
	Node string
}

func (c *Config) defaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TokenTTL == 0 {
		c.TokenTTL = 2 * time.Hour
	}
	if c.AuthorizationTTL == 0 {
		c.AuthorizationTTL = 7 * 24 * time.Hour
	}
	if c.ActionTTL == 0 {
		c.ActionTTL = 30 * time.Minute
	}
	if c.PendingTTL == 0 {
		c.PendingTTL = 10 * time.Minute
	}
	if c.ReplayWait == 0 {
		c.ReplayWait = 10 * time.Second
	}
	if c.Node == "" {
		c.Node = "node"
	}
	if c.BINs == nil {
		c.BINs = risk.DefaultBINs
	}
}

// New returns a gateway over store, acquirer and vault.
func New(store paygate.Store, acq acquirer.Acquirer, v *vault.Vault, log *slog.Logger, cfg Config) *Service {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	wallets := cfg.Wallets
	if wallets == nil {
		wallets, _ = acq.(acquirer.Wallets)
	}
	obs := cfg.Observer
	if obs == nil {
		obs = noObserver{}
	}
	c := &core{store: store, acquirer: acq, wallets: wallets, vault: v, log: log, cfg: cfg, wake: make(chan struct{}, 1),
		guard: newTokenGuard(cfg.Now), signin: newTokenGuard(cfg.Now), obs: obs}
	c.signin.boundAll = true
	c.acs, _ = acq.(acquirer.ACS)
	c.disputes, _ = acq.(acquirer.Disputes)
	c.testMode = acquirer.TestMode(acq)
	if l, ok := acq.(acquirer.TestCardLister); ok && c.testMode {
		c.testCards = l.TestCards()
	}
	c.simulator, _ = wallets.(acquirer.WalletSimulator)
	c.acquirer = observedAcquirer{acq, connectorName(acq), obs}
	c.builtin = &liveConnector{name: paygate.SandboxConnector, typ: paygate.ConnectorSandbox, acq: c.acquirer, breaker: newBreaker()}
	if wallets != nil {
		c.wallets = observedWallets{wallets, connectorName(wallets), obs}
	}
	return &Service{core: c, Merchants: &Merchants{c}, Payments: &Payments{c}, Checkout: &Checkout{c}, Wallets: &Wallets{c},
		StoredCards: &StoredCards{c}, Tracking: &Tracking{c}, Notifications: &Notifications{c}, Users: &Users{c}, Risk: &Risk{c}, Settlements: &Settlements{c}, Disputes: &Disputes{c},
		Connectors: &Connectors{c}}
}

// Ready reports whether the gateway can serve: its database answers.
func (s *Service) Ready(ctx context.Context) error { return s.core.store.Ping(ctx) }

// Config returns the effective configuration.
func (s *Service) Config() Config { return s.core.cfg }

// Sweep runs the background work once (see core.sweep): expiries, refunds
// without an answer, old idempotency records. It returns how many payments,
// sessions and refunds it closed.
func (s *Service) Sweep(ctx context.Context) (int, error) { return s.core.sweep(ctx) }

func (s *core) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// newID returns prefix + a UTC timestamp + random digits: sortable by time,
// unguessable enough to not enumerate, and readable on a statement.
func newID(prefix string, now time.Time, digits int) string {
	return prefix + now.UTC().Format("20060102150405") + randomDigits(digits)
}

// requestHash is the keyed hash of a normalized request, for comparing
// idempotent retries without storing anything that reveals a card number.
func (s *core) requestHash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // request types are plain data
	}
	return s.vault.RequestHash(b)
}

func isCode(err error, code string) bool { return paygate.ErrorCode(err) == code }

// wait sleeps d or until ctx ends.
func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
