package gateway

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"time"

	"paygate"
	"paygate/routing"
)

// NewConnector is what the operator registers (`paygate connector add`).
type NewConnector struct {
	Name          string
	Type          string // paygate.ConnectorStripe or paygate.ConnectorSandbox
	APIKey        string
	WebhookSecret string
	BaseURL       string        // "" for the type's own
	Timeout       time.Duration // 0: 10 s
	Latency       time.Duration // sandbox connectors only
}

var validConnectorName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// Add registers a connector, its credentials sealed by the vault. It is
// used by new payments once routing names it, within connectorsTTL on
// every node.
//
// Errors: invalid_parameter (naming the flag's field), conflict (the name
// is taken).
func (s *Connectors) Add(ctx context.Context, n NewConnector) (*paygate.Connector, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	if n.Timeout == 0 {
		n.Timeout = 10 * time.Second
	}
	plain, _ := json.Marshal(paygate.ConnectorSecret{APIKey: n.APIKey, WebhookSecret: n.WebhookSecret})
	sealed, err := s.vault.Seal(plain, connectorAAD(n.Name))
	if err != nil {
		return nil, paygate.Internal("seal connector credentials", err)
	}
	now := s.now()
	c := &paygate.Connector{Name: n.Name, Type: n.Type, BaseURL: n.BaseURL, Timeout: n.Timeout, Latency: n.Latency,
		SecretSealed: sealed, KeyID: s.vault.KeyID(), CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateConnector(ctx, c); err != nil {
		if isCode(err, paygate.EConflict) {
			return nil, paygate.Errorf(paygate.EConflict, "a connector named %q exists already", n.Name)
		}
		return nil, err
	}
	s.conns.forget()
	return c, nil
}

func (n *NewConnector) check() error {
	switch {
	case !validConnectorName.MatchString(n.Name):
		return paygate.InvalidParam("name", "name must be 1 to 32 of a-z, 0-9, _ and -, starting with a letter or digit")
	case n.Name == paygate.SandboxConnector:
		return paygate.InvalidParam("name", "%q is the built-in sandbox connector's name", n.Name)
	case n.Type != paygate.ConnectorStripe && n.Type != paygate.ConnectorSandbox:
		return paygate.InvalidParam("type", "type must be stripe or sandbox")
	case n.Type == paygate.ConnectorStripe && !strings.HasPrefix(n.APIKey, "sk_") && !strings.HasPrefix(n.APIKey, "rk_"):
		return paygate.InvalidParam("apiKey", "a Stripe API key is a secret (sk_...) or restricted (rk_...) key")
	case n.WebhookSecret != "" && !strings.HasPrefix(n.WebhookSecret, "whsec_"):
		return paygate.InvalidParam("webhookSecret", "a Stripe webhook signing secret starts with whsec_")
	case n.Timeout < 0 || n.Timeout > 2*time.Minute:
		return paygate.InvalidParam("timeout", "timeout must be between 1ms and 2m (0: 10s)")
	case n.Latency < 0 || n.Latency > time.Minute || n.Latency > 0 && n.Type != paygate.ConnectorSandbox:
		return paygate.InvalidParam("latency", "latency is for sandbox connectors only, at most 1m")
	}
	if n.BaseURL != "" {
		u, err := url.Parse(n.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return paygate.InvalidParam("baseUrl", "baseUrl must be an http or https URL without credentials")
		}
	}
	return nil
}

// List lists the registered connectors, by name (their credentials stay
// sealed).
func (s *Connectors) List(ctx context.Context) ([]*paygate.Connector, error) {
	return s.store.Connectors(ctx)
}

// SetDisabled disables a connector (it takes no new payments; those it
// holds are still captured, voided and refunded through it) or enables
// it again. Errors: not_found.
func (s *Connectors) SetDisabled(ctx context.Context, name string, disabled bool) error {
	if err := s.store.SetConnectorDisabled(ctx, name, disabled, s.now()); err != nil {
		return err
	}
	s.conns.forget()
	return nil
}

// SetRouting replaces the routing document after checking it as a whole
// against the connectors that exist; a refused one leaves the previous in
// place. Errors: invalid_json, invalid_parameter (Param is the JSON path
// of the fault).
func (s *Connectors) SetRouting(ctx context.Context, doc []byte) error {
	regs, err := s.store.Connectors(ctx)
	if err != nil {
		return err
	}
	known := map[string]bool{paygate.SandboxConnector: true}
	for _, r := range regs {
		known[r.Name] = true
	}
	if _, err := routing.Parse(doc, func(n string) bool { return known[n] }); err != nil {
		return err
	}
	if err := s.store.SetRoutingDocument(ctx, doc, s.now()); err != nil {
		return err
	}
	s.conns.forget()
	return nil
}

// Routing returns the routing document in force, nil when none was set.
func (s *Connectors) Routing(ctx context.Context) ([]byte, error) {
	return s.store.RoutingDocument(ctx)
}
