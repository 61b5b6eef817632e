package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/spf13/cobra"

	"paygate/gateway"
	"paygate/wire"
)

func merchantCommand(ctx context.Context, m *Main, e *environ) *cobra.Command {
	var name string
	merchant := &cobra.Command{Use: "merchant", Short: "Manage merchants"}
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a merchant and print its credentials as JSON (the secret is shown only here)",
		RunE: func(c *cobra.Command, _ []string) error {
			return m.CreateMerchant(ctx, name)
		},
	}
	create.Flags().StringVar(&name, "name", "", "merchant name")
	create.MarkFlagRequired("name")
	list := &cobra.Command{
		Use:   "list",
		Short: "Print every merchant (id, name, appId, created, disabled), one JSON object a line",
		RunE:  func(c *cobra.Command, _ []string) error { return m.ListMerchants(ctx) },
	}
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Print one merchant as JSON (never a secret)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(c *cobra.Command, args []string) error { return m.ShowMerchant(ctx, args[0]) },
	}
	disable := &cobra.Command{
		Use:   "disable ID",
		Short: "Disable a merchant: no new tokens, and its tokens stop working on every node within a second",
		Args:  cobra.ExactArgs(1),
		RunE:  func(c *cobra.Command, args []string) error { return m.SetMerchantDisabled(ctx, args[0], true) },
	}
	enable := &cobra.Command{
		Use:   "enable ID",
		Short: "Enable a disabled merchant again",
		Args:  cobra.ExactArgs(1),
		RunE:  func(c *cobra.Command, args []string) error { return m.SetMerchantDisabled(ctx, args[0], false) },
	}
	var grace time.Duration
	rotate := &cobra.Command{
		Use:   "rotate-secret ID",
		Short: "Give a merchant a new API secret and print it as JSON; the old one gets tokens until --grace ends",
		Args:  cobra.ExactArgs(1),
		RunE:  func(c *cobra.Command, args []string) error { return m.RotateSecret(ctx, args[0], grace) },
	}
	rotate.Flags().DurationVar(&grace, "grace", gateway.DefaultGrace, "how long the old secret keeps working for token calls, 0s to 168h")
	var rps float64
	var burst int
	limits := &cobra.Command{
		Use:   "set-limits ID --rps N [--burst M]",
		Short: "Give a merchant its own request rate limit per node (--rps 0: back to --rate-limit); print it as JSON",
		Args:  cobra.ExactArgs(1),
		RunE:  func(c *cobra.Command, args []string) error { return m.SetMerchantLimits(ctx, args[0], rps, burst) },
	}
	limits.Flags().Float64Var(&rps, "rps", 0, "requests a second, on each node (0: the node's --rate-limit)")
	limits.Flags().IntVar(&burst, "burst", 0, "requests at once beyond the rate (0: twice --rps)")
	limits.MarkFlagRequired("rps")
	zone := setTimezoneCommand(ctx, m)
	live, sandbox := setLiveCommand(ctx, m, true), setLiveCommand(ctx, m, false)
	rotateNotify := &cobra.Command{
		Use:   "rotate-notify-secret ID",
		Short: "Give a merchant a new notification secret and print it as JSON; notifications carry the old one's signature too until --grace ends",
		Args:  cobra.ExactArgs(1),
		RunE:  func(c *cobra.Command, args []string) error { return m.RotateNotifySecret(ctx, args[0], grace) },
	}
	rotateNotify.Flags().DurationVar(&grace, "grace", gateway.DefaultGrace, "how long notifications are signed with the old secret too, 0s to 168h")
	for _, c := range []*cobra.Command{create, list, show, disable, enable, rotate, rotateNotify, limits, zone, live, sandbox} {
		dbFlag(c, m, e)
		merchant.AddCommand(c)
	}
	return merchant
}

// merchants opens the database and calls f with the merchants' service.
func (m *Main) merchants(ctx context.Context, f func(*gateway.Merchants) error) error {
	s, v, err := m.openKeyed(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	return f(m.newGateway(s, v).Merchants)
}

// CreateMerchant creates a merchant and prints its credentials as one JSON object.
func (m *Main) CreateMerchant(ctx context.Context, name string) error {
	return m.merchants(ctx, func(ms *gateway.Merchants) error {
		nm, err := ms.CreateMerchant(ctx, name)
		if err != nil {
			return err
		}
		return json.NewEncoder(m.Stdout).Encode(map[string]string{"merchantId": nm.Merchant.ID, "appId": nm.Merchant.AppID,
			"secret": nm.Secret, "notifySecret": nm.NotifySecret})
	})
}

// ListMerchants prints every merchant, one JSON object a line, in id order.
func (m *Main) ListMerchants(ctx context.Context) error {
	return m.merchants(ctx, func(ms *gateway.Merchants) error {
		enc := json.NewEncoder(m.Stdout)
		after := ""
		for {
			page, err := ms.ListMerchants(ctx, after, 500)
			if err != nil || len(page) == 0 {
				return err
			}
			for _, mi := range page {
				if err := enc.Encode(mi); err != nil {
					return err
				}
			}
			after = page[len(page)-1].ID
		}
	})
}

// ShowMerchant prints one merchant as JSON.
func (m *Main) ShowMerchant(ctx context.Context, id string) error {
	return m.merchants(ctx, func(ms *gateway.Merchants) error {
		mi, err := ms.Merchant(ctx, id)
		if err != nil {
			return err
		}
		return json.NewEncoder(m.Stdout).Encode(mi)
	})
}

// SetMerchantDisabled disables or enables a merchant and prints it as JSON.
func (m *Main) SetMerchantDisabled(ctx context.Context, id string, disabled bool) error {
	return m.merchants(ctx, func(ms *gateway.Merchants) error {
		mi, err := ms.SetDisabled(ctx, id, disabled)
		if err != nil {
			return err
		}
		return json.NewEncoder(m.Stdout).Encode(mi)
	})
}

// SetMerchantLimits sets a merchant's own request rate limit and prints it
// as JSON.
func (m *Main) SetMerchantLimits(ctx context.Context, id string, rate float64, burst int) error {
	return m.merchants(ctx, func(ms *gateway.Merchants) error {
		mi, err := ms.SetLimits(ctx, id, rate, burst)
		if err != nil {
			return err
		}
		return json.NewEncoder(m.Stdout).Encode(mi)
	})
}

// RotateSecret gives a merchant a new API secret and prints it as JSON, as
// CreateMerchant prints the credentials.
func (m *Main) RotateSecret(ctx context.Context, id string, grace time.Duration) error {
	return m.merchants(ctx, func(ms *gateway.Merchants) error {
		rs, err := ms.RotateSecret(ctx, id, grace)
		if err != nil {
			return err
		}
		return json.NewEncoder(m.Stdout).Encode(wire.SecretView{MerchantID: rs.MerchantID, AppID: rs.AppID, Secret: rs.Secret,
			PreviousSecretValidUntil: wire.OptTime(rs.PrevSecretUntil)})
	})
}

// RotateNotifySecret gives a merchant a new notification secret and prints
// it as JSON, the only time it is shown.
func (m *Main) RotateNotifySecret(ctx context.Context, id string, grace time.Duration) error {
	return m.merchants(ctx, func(ms *gateway.Merchants) error {
		rs, err := ms.RotateNotifySecret(ctx, id, grace)
		if err != nil {
			return err
		}
		return json.NewEncoder(m.Stdout).Encode(wire.NotifySecretView{MerchantID: rs.MerchantID, NotifySecret: rs.NotifySecret,
			PreviousNotifySecretValidUntil: wire.OptTime(rs.PrevNotifySecretUntil)})
	})
}

// setTimezoneCommand is `merchant set-timezone`.
func setTimezoneCommand(ctx context.Context, m *Main) *cobra.Command {
	var tz string
	zone := &cobra.Command{
		Use:   "set-timezone ID --timezone ZONE",
		Short: "Set the time zone whose midnight is the merchant's daily settlement cut-off (UTC: the default); print it as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return m.merchants(ctx, func(ms *gateway.Merchants) error {
				mi, err := ms.SetSettlementTimeZone(ctx, args[0], tz)
				if err != nil {
					return err
				}
				return json.NewEncoder(m.Stdout).Encode(mi)
			})
		},
	}
	zone.Flags().StringVar(&tz, "timezone", "", "an IANA time zone name such as Asia/Singapore, or UTC")
	zone.MarkFlagRequired("timezone")
	return zone
}

// setLiveCommand is `merchant set-live` (live) or `merchant set-sandbox`.
func setLiveCommand(ctx context.Context, m *Main, live bool) *cobra.Command {
	use, short := "set-sandbox ID", "Make a merchant a sandbox merchant again (the default): card payments no routing takes go to the sandbox"
	if live {
		use, short = "set-live ID", "Make a merchant live: a card payment no routing takes is refused (422 no_route), not sent to the sandbox; print it as JSON"
	}
	return &cobra.Command{Use: use, Short: short, Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return m.merchants(ctx, func(ms *gateway.Merchants) error {
				mi, err := ms.SetLive(ctx, args[0], live)
				if err != nil {
					return err
				}
				return json.NewEncoder(m.Stdout).Encode(mi)
			})
		}}
}
