package main

import (
	"context"
	"encoding/json"
	"fmt"

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
