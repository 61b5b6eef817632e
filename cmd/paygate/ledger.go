package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
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
