package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"paygate/gateway"
	"paygate/wire"
)

func ledgerCommand(ctx context.Context, m *Main, e *environ) *cobra.Command {
	l := &cobra.Command{Use: "ledger", Short: "The books"}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check the books: every journal balances, every payment's journals match it; exit 1 on any violation",
		RunE:  func(c *cobra.Command, _ []string) error { return m.VerifyLedger(ctx) },
	}
	dbFlag(verify, m, e)
	l.AddCommand(verify)
	return l
}

// VerifyLedger checks the books and prints what it found.
func (m *Main) VerifyLedger(ctx context.Context) error {
	s, v, err := m.openKeyed(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := m.newGateway(s, v).VerifyLedger(ctx)
	if err != nil {
		return err
	}
	for _, line := range rep.Violations {
		fmt.Fprintln(m.Stdout, "violation:", line)
	}
	fmt.Fprintf(m.Stdout, "%d journals, %d payments checked, %d violations\n", rep.Journals, rep.Payments, len(rep.Violations))
	if len(rep.Violations) > 0 {
		return fmt.Errorf("the books do not hold: %d violations", len(rep.Violations))
	}
	return nil
}

func pricingCommand(ctx context.Context, m *Main, e *environ) *cobra.Command {
	p := &cobra.Command{Use: "pricing", Short: "What the provider takes of merchants' captures"}
	var in gateway.PriceInfo
	set := &cobra.Command{
		Use:   "set --percent P [--merchant ID] [--method M] [--currency C --fixed F]",
		Short: "Set a price (no --merchant: the default plan) and print it as JSON; nodes apply it within a second",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return m.merchants(ctx, func(ms *gateway.Merchants) error {
				pi, err := ms.SetPrice(ctx, in)
				if err != nil {
					return err
				}
				return json.NewEncoder(m.Stdout).Encode(pi)
			})
		},
	}
	set.Flags().StringVar(&in.Merchant, "merchant", "", "the merchant's id (empty: the default plan of every merchant)")
	set.Flags().StringVar(&in.Method, "method", "", "a paymentMethodType such as card (empty: every method)")
	set.Flags().StringVar(&in.Currency, "currency", "", "an ISO 4217 code (empty: every currency, with no fixed amount)")
	set.Flags().StringVar(&in.Percent, "percent", "", "the percentage of each capture, such as 2.9 (at most two decimals)")
	set.Flags().StringVar(&in.Fixed, "fixed", "", "a fixed amount per capture in --currency, such as 0.30")
	set.MarkFlagRequired("percent")
	var merchant string
	show := &cobra.Command{
		Use:   "show [--merchant ID]",
		Short: "Print a merchant's prices and then the default plan's as JSON, one a line",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return m.merchants(ctx, func(ms *gateway.Merchants) error {
				ps, err := ms.Prices(ctx, merchant)
				if err != nil {
					return err
				}
				for _, pi := range ps {
					if err := json.NewEncoder(m.Stdout).Encode(pi); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	show.Flags().StringVar(&merchant, "merchant", "", "the merchant's id (empty: the default plan alone)")
	for _, c := range []*cobra.Command{set, show} {
		dbFlag(c, m, e)
		p.AddCommand(c)
	}
	return p
}

func payoutCommand(ctx context.Context, m *Main, e *environ) *cobra.Command {
	var merchant, settlement string
	c := &cobra.Command{
		Use:   "payout --merchant ID --settlement ID",
		Short: "Record that a SETTLED batch's net was paid to its merchant: the batch becomes PAID; print it as JSON",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, v, err := m.openKeyed(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			st, err := m.newGateway(s, v).Settlements.Pay(ctx, merchant, settlement)
			if err != nil {
				return err
			}
			return json.NewEncoder(m.Stdout).Encode(wire.NewSettlementView(st))
		},
	}
	c.Flags().StringVar(&merchant, "merchant", "", "the merchant's id")
	c.Flags().StringVar(&settlement, "settlement", "", "the batch's settlementId")
	c.MarkFlagRequired("merchant")
	c.MarkFlagRequired("settlement")
	dbFlag(c, m, e)
	return c
}

func reconcileCommands(ctx context.Context, m *Main, e *environ) []*cobra.Command {
	var file, connector, date, out string
	rec := &cobra.Command{
		Use:   "reconcile --file F --connector sandbox",
		Short: "Match an acquirer's settlement file against the books; exit 1 on any difference",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return m.Reconcile(ctx, connector, file) },
	}
	rec.Flags().StringVar(&file, "file", "", "the settlement file (CSV; docs/ledger.md)")
	rec.Flags().StringVar(&connector, "connector", "sandbox", "whose file it is: sandbox, or a registered connector (a Stripe one reads Stripe's itemized balance report)")
	rec.MarkFlagRequired("file")
	gen := &cobra.Command{
		Use:   "settlement-file --date YYYY-MM-DD [--out FILE]",
		Short: "Write the sandbox acquirer's settlement file of a UTC day (standard output without --out)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			day, err := time.Parse(time.DateOnly, date)
			if err != nil {
				return fmt.Errorf("--date must be YYYY-MM-DD: %w", err)
			}
			s, v, err := m.openKeyed(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			w := io.Writer(m.Stdout)
			if out != "" {
				f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			return m.newGateway(s, v).SandboxSettlementFile(ctx, day, w)
		},
	}
	gen.Flags().StringVar(&date, "date", "", "the UTC day")
	gen.Flags().StringVar(&out, "out", "", "the file to create (it must not exist)")
	gen.MarkFlagRequired("date")
	for _, c := range []*cobra.Command{rec, gen} {
		dbFlag(c, m, e)
	}
	return []*cobra.Command{rec, gen}
}

// Reconcile matches a settlement file against the books and prints what
// it found.
func (m *Main) Reconcile(ctx context.Context, connector, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	s, v, err := m.openKeyed(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := m.newGateway(s, v).Reconcile(ctx, connector, f)
	if err != nil {
		return err
	}
	for _, group := range []struct {
		name  string
		lines []string
	}{{"missing from the file", rep.MissingFromFile}, {"missing from the books", rep.MissingFromLedger}, {"differs", rep.AmountDiffers}} {
		for _, l := range group.lines {
			fmt.Fprintf(m.Stdout, "%s: %s\n", group.name, l)
		}
	}
	fmt.Fprintf(m.Stdout, "%d matched, %d missing from the file, %d missing from the books, %d differ\n", rep.Matched,
		len(rep.MissingFromFile), len(rep.MissingFromLedger), len(rep.AmountDiffers))
	if n := rep.Differences(); n > 0 {
		return fmt.Errorf("the settlement file and the books differ: %d differences", n)
	}
	return nil
}
