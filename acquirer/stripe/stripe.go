// Package stripe is the card connector to Stripe (docs/connectors.md
// "Stripe"). It authorizes with a PaymentIntent created without the card,
// a PaymentMethod made of the card, and a confirmation; every write
// carries an idempotency key derived from the gateway's reference, so that a
// lost answer can be asked for again (Resolve) without charging twice.
package stripe

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	stripego "github.com/stripe/stripe-go/v82"

	"paygate"
	"paygate/acquirer"
)

// Config configures a Stripe connector.
type Config struct {
	// Name is the connector's name in metrics and its webhook path;
	// "stripe" when empty.
	Name string
	// APIKey is the secret (sk_) or restricted (rk_) key.
	APIKey string
	// WebhookSecret is the endpoint's signing secret (whsec_...). Without
	// it every webhook is refused.
	WebhookSecret string
	// BaseURL is Stripe's API; https://api.stripe.com when empty.
	BaseURL string
	// Timeout bounds each call to Stripe; 10s when zero.
	Timeout time.Duration
	// HTTPClient, when set, makes the calls instead of the connector's own
	// client; it should keep connections alive.
	HTTPClient *http.Client
}

// Connector is a Stripe card connector. It is safe for concurrent use.
type Connector struct {
	name          string
	webhookSecret string
	testMode      bool
	timeout       time.Duration
	http          *http.Client
	api           *stripego.Client
}

var (
	_ acquirer.Acquirer = (*Connector)(nil)
	_ acquirer.Resolver = (*Connector)(nil)
	_ acquirer.Webhooks = (*Connector)(nil)
	_ acquirer.Tester   = (*Connector)(nil)
)

// New returns a connector for cfg. It makes no call: a wrong key shows on
// the first payment (a 401, which had no effect).
func New(cfg Config) *Connector {
	c := &Connector{
		name:          cfg.Name,
		webhookSecret: cfg.WebhookSecret,
		testMode:      strings.HasPrefix(cfg.APIKey, "sk_test_") || strings.HasPrefix(cfg.APIKey, "rk_test_"),
		timeout:       cfg.Timeout,
		http:          cfg.HTTPClient,
	}
	if c.name == "" {
		c.name = "stripe"
	}
	if c.timeout <= 0 {
		c.timeout = 10 * time.Second
	}
	if c.http == nil {
		c.http = &http.Client{Transport: newTransport()}
	}
	url := cfg.BaseURL
	if url == "" {
		url = stripego.APIURL
	}
	backend := stripego.GetBackendWithConfig(stripego.APIBackend, &stripego.BackendConfig{
		URL:        stripego.String(url),
		HTTPClient: c.http,
		// A retry belongs to the gateway, which knows whether the first
		// attempt may have acted; the library would retry a timeout.
		MaxNetworkRetries: stripego.Int64(0),
		// The library's logger would print answers, ours are enough.
		LeveledLogger: &stripego.LeveledLogger{Level: stripego.LevelNull},
	})
	// Only the API backend is used (no Connect OAuth, files or meter events).
	c.api = stripego.NewClient(cfg.APIKey, stripego.WithBackends(&stripego.Backends{API: backend}))
	return c
}

// newTransport is the connector's one transport: connections stay open
// between calls, so a payment does not pay for a new TLS handshake, and
// enough of them stay idle for a busy node.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 256
	t.IdleConnTimeout = 90 * time.Second
	return t
}

// Name is the connector's name in metrics.
func (c *Connector) Name() string { return c.name }

// TestMode reports whether the API key is a test-mode key, which moves no
// real money.
func (c *Connector) TestMode() bool { return c.testMode }

// call runs one request to Stripe within the connector's timeout and turns
// its failure into a *callError. It watches whether a connection was
// obtained: until then no byte of the request left, so a failure to
// connect had no effect.
func (c *Connector) call(ctx context.Context, op string, do func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var connected atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	})
	err := do(ctx)
	if err == nil {
		return nil
	}
	return classify(op, err, connected.Load())
}

// params returns the common parameters of a write: its idempotency key.
func params(key string) stripego.Params {
	return stripego.Params{IdempotencyKey: stripego.String(key)}
}

// Idempotency keys. The PaymentIntent's is the payment's own, so that a
// repeated question finds the same PaymentIntent; each card attempt on it
// (a customer may try another card after a decline) gets keys of its own.
func createKey(reference string, attempt int) string {
	if attempt <= 0 {
		return "paygate:" + reference + ":create"
	}
	return "paygate:" + reference + ":" + strconv.Itoa(attempt) + ":create"
}

func attemptKeys(reference string) (pm, confirm string) {
	nonce := strings.ToLower(rand.Text()[:16])
	return "paygate:" + reference + ":pm:" + nonce, "paygate:" + reference + ":confirm:" + nonce
}

// stripeShift is how many decimal places Stripe's minor unit differs from
// ISO 4217's (docs.stripe.com/currencies, special cases): Stripe keeps two
// decimals for ISK (always 00) and counts MGA in whole ariary.
var stripeShift = map[string]int{"ISK": 2, "MGA": -2}

// amount converts m to Stripe's minor units.
func amount(m paygate.Money) (int64, error) {
	if _, ok := paygate.CurrencyExponent(m.Currency); !ok {
		return 0, errors.New("currency " + m.Currency + " is not an ISO 4217 code")
	}
	if m.Minor <= 0 {
		return 0, errors.New("the amount must be greater than zero")
	}
	switch stripeShift[m.Currency] {
	case 2:
		return m.Minor * 100, nil
	case -2:
		if m.Minor%100 != 0 {
			return 0, errors.New("Stripe takes " + m.Currency + " in whole units only")
		}
		return m.Minor / 100, nil
	}
	return m.Minor, nil
}

// descriptorSuffix makes a statement descriptor Stripe accepts: Latin
// characters, none of < > \ ' " *, at most 22 of them, at least one letter;
// "" means none. It depends on s alone, as Resolve repeats the request.
func descriptorSuffix(s string) string {
	s = strings.Map(func(r rune) rune {
		latin := (r >= ' ' && r <= '~') || unicode.Is(unicode.Latin, r)
		if !latin || strings.ContainsRune(`<>\'"*`, r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 22 {
		s = strings.TrimSpace(string(r[:22]))
	}
	if strings.IndexFunc(s, unicode.IsLetter) < 0 {
		return ""
	}
	return s
}
