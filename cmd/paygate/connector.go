package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"paygate"
	"paygate/acquirer"
	"paygate/acquirer/stripe"
	"paygate/gateway"
)

// connectStripe builds the client of a registered Stripe connector.
func connectStripe(c *paygate.Connector, secret paygate.ConnectorSecret) (acquirer.Acquirer, error) {
	if c.Type != paygate.ConnectorStripe {
		return nil, fmt.Errorf("no client for connectors of type %q", c.Type)
	}
	return stripe.New(stripe.Config{Name: c.Name, APIKey: secret.APIKey, WebhookSecret: secret.WebhookSecret,
		BaseURL: c.BaseURL, Timeout: c.Timeout}), nil
}

// nodeName names this process in the connectors' circuits it writes.
func nodeName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "node"
	}
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}

// connectors runs f with the connectors' service of a gateway over the
// database.
func (m *Main) connectors(ctx context.Context, f func(*gateway.Connectors) error) error {
	s, v, err := m.openKeyed(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	return f(m.newGateway(s, v).Connectors)
}

// connectorLine is what `connector list` and `connector add` print of a
// connector: never its credentials.
type connectorLine struct {
	Name      string          `json:"name"`
	Type      string          `json:"type"`
	BuiltIn   bool            `json:"builtIn,omitempty"`
	BaseURL   string          `json:"baseUrl,omitempty"`
	Timeout   string          `json:"timeout,omitempty"`
	Latency   string          `json:"latency,omitempty"`
	Disabled  bool            `json:"disabled"`
	CreatedAt *time.Time      `json:"createdAt,omitempty"`
	Circuits  []circuitOfNode `json:"circuits"`
}

type circuitOfNode struct {
	Node      string    `json:"node"`
	Circuit   string    `json:"circuit"`
	Since     time.Time `json:"since,omitzero"`
	Failures  int       `json:"consecutiveFailures"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func lineOf(c *paygate.Connector) connectorLine {
	l := connectorLine{Name: c.Name, Type: c.Type, BaseURL: c.BaseURL, Timeout: c.Timeout.String(), Disabled: c.Disabled,
		CreatedAt: &c.CreatedAt, Circuits: []circuitOfNode{}}
	if c.Latency > 0 {
		l.Latency = c.Latency.String()
	}
	return l
}

func connectorCommand(ctx context.Context, m *Main, e *environ) *cobra.Command {
	cmd := &cobra.Command{Use: "connector", Short: "Register card connectors (Stripe, sandbox) and see their circuits"}
	var n gateway.NewConnector
	add := &cobra.Command{
		Use:   "add --name N --type stripe|sandbox [--api-key K] [--webhook-secret S] [--base-url URL] [--timeout 10s] [--latency 0s]",
		Short: "Register a connector (its credentials sealed by the vault, never printed) and print it as JSON",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return m.connectors(ctx, func(cs *gateway.Connectors) error {
				added, err := cs.Add(ctx, n)
				if err != nil {
					return err
				}
				return json.NewEncoder(m.Stdout).Encode(lineOf(added))
			})
		},
	}
	f := add.Flags()
	f.StringVar(&n.Name, "name", "", "the connector's name: 1 to 32 of a-z, 0-9, _ and - (routing names it)")
	f.StringVar(&n.Type, "type", "", "stripe or sandbox")
	f.StringVar(&n.APIKey, "api-key", e.str("PAYGATE_CONNECTOR_API_KEY", ""), "the provider's secret API key, sk_... for Stripe (PAYGATE_CONNECTOR_API_KEY keeps it out of the shell's history)")
	f.StringVar(&n.WebhookSecret, "webhook-secret", e.str("PAYGATE_CONNECTOR_WEBHOOK_SECRET", ""), "the signing secret of the provider's webhooks, whsec_... (PAYGATE_CONNECTOR_WEBHOOK_SECRET)")
	f.StringVar(&n.BaseURL, "base-url", "", "the provider's API address (empty: its own, https://api.stripe.com)")
	f.DurationVar(&n.Timeout, "timeout", 10*time.Second, "the limit of each call to the provider")
	f.DurationVar(&n.Latency, "latency", 0, "sandbox connectors: how long each call waits, to measure a remote acquirer's delay")
	add.MarkFlagRequired("name")
	add.MarkFlagRequired("type")
	list := &cobra.Command{
		Use:   "list",
		Short: "Print every connector, the built-in sandbox first, with each node's circuit, one JSON object a line",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return m.listConnectors(ctx) },
	}
	setDisabled := func(use, short string, disabled bool) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: cobra.ExactArgs(1),
			RunE: func(c *cobra.Command, args []string) error {
				return m.connectors(ctx, func(cs *gateway.Connectors) error { return cs.SetDisabled(ctx, args[0], disabled) })
			}}
	}
	disable := setDisabled("disable NAME", "Disable a connector: no new payments go to it (on every node within 2 seconds); it still captures, voids and refunds its payments", true)
	enable := setDisabled("enable NAME", "Enable a disabled connector again", false)
	for _, c := range []*cobra.Command{add, list, disable, enable} {
		dbFlag(c, m, e)
		cmd.AddCommand(c)
	}
	return cmd
}

// listConnectors prints the built-in sandbox and the registered connectors
// with the circuits the nodes wrote.
func (m *Main) listConnectors(ctx context.Context) error {
	return m.connectors(ctx, func(cs *gateway.Connectors) error {
		regs, err := cs.List(ctx)
		if err != nil {
			return err
		}
		circuits, err := cs.Circuits(ctx)
		if err != nil {
			return err
		}
		lines := []connectorLine{{Name: paygate.SandboxConnector, Type: paygate.ConnectorSandbox, BuiltIn: true, Circuits: []circuitOfNode{}}}
		for _, r := range regs {
			lines = append(lines, lineOf(r))
		}
		enc := json.NewEncoder(m.Stdout)
		for _, l := range lines {
			for _, c := range circuits {
				if c.Connector == l.Name {
					l.Circuits = append(l.Circuits, circuitOfNode{Node: c.Node, Circuit: c.State, Since: c.Since, Failures: c.Failures, UpdatedAt: c.UpdatedAt})
				}
			}
			if err := enc.Encode(l); err != nil {
				return err
			}
		}
		return nil
	})
}

func routingCommand(ctx context.Context, m *Main, e *environ) *cobra.Command {
	cmd := &cobra.Command{Use: "routing", Short: "Set and show the routing document that picks each card payment's connectors"}
	var file string
	set := &cobra.Command{
		Use:   "set --file routing.json",
		Short: "Replace the routing document (checked as a whole: a fault is refused with its JSON path, the previous one staying); nodes apply it within 2 seconds",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			doc, err := readFileOrStdin(file)
			if err != nil {
				return err
			}
			return m.connectors(ctx, func(cs *gateway.Connectors) error {
				if err := cs.SetRouting(ctx, doc); err != nil {
					return routingFault(err)
				}
				fmt.Fprintln(m.Stdout, "routing set")
				return nil
			})
		},
	}
	set.Flags().StringVar(&file, "file", "", "the routing document (JSON; docs/connectors.md), - for standard input")
	set.MarkFlagRequired("file")
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the routing document in force ({} when none is set: every card payment goes to the sandbox)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return m.connectors(ctx, func(cs *gateway.Connectors) error {
				doc, err := cs.Routing(ctx)
				if err != nil {
					return err
				}
				if doc == nil {
					doc = []byte("{}")
				}
				var out bytes.Buffer
				if json.Indent(&out, doc, "", "  ") != nil {
					out.Reset()
					out.Write(doc)
				}
				out.WriteByte('\n')
				_, err = m.Stdout.Write(out.Bytes())
				return err
			})
		},
	}
	for _, c := range []*cobra.Command{set, show} {
		dbFlag(c, m, e)
		cmd.AddCommand(c)
	}
	return cmd
}

// routingFault names the JSON path of a refused document's fault.
func routingFault(err error) error {
	if pe, ok := err.(*paygate.Error); ok && pe.Param != "" {
		return fmt.Errorf("the routing document was refused at %s: %s; the previous one stays in force", pe.Param, pe.Message)
	}
	return err
}

func readFileOrStdin(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	}
	return os.ReadFile(name)
}
