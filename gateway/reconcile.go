package gateway

import (
	"context"
	"fmt"
	"io"
	"time"

	"paygate"
	"paygate/ledger"
)

// SandboxSettlementFile writes the sandbox acquirer's settlement file of a
// UTC day: a line for each capture, refund, dispute and dispute won it
// settled that day (docs/ledger.md). The sandbox keeps no state, so its
// file is drawn from the movements the gateway posted with it.
func (s *Service) SandboxSettlementFile(ctx context.Context, day time.Time, w io.Writer) error {
	date := day.UTC().Format(time.DateOnly)
	var lines []ledger.FileLine
	err := s.core.eachJournal(ctx, func(j *paygate.Journal) {
		if l, ok := ledger.FileLineOf(j); ok && l.Date == date {
			lines = append(lines, l)
		}
	})
	if err != nil {
		return err
	}
	return ledger.WriteFile(w, lines)
}

// Reconcile matches an acquirer's settlement file against the books: each
// line to its capture, refund or dispute, and each movement of the file's
// dates to its line. connector names the file's format; only the
// sandbox's is known.
//
// Errors: invalid_parameter (an unknown connector, a file that does not
// read: the message names its line).
func (s *Service) Reconcile(ctx context.Context, connector string, file io.Reader) (*ledger.Reconciliation, error) {
	if connector != "sandbox" {
		return nil, paygate.InvalidParam("connector", "connector must be sandbox: the only settlement file format known")
	}
	lines, err := ledger.ReadFile(file)
	if err != nil {
		return nil, paygate.InvalidParam("file", "the settlement file does not read: %v", err)
	}
	var js []*paygate.Journal
	dates := map[string]bool{}
	for _, l := range lines {
		dates[l.Date] = true
	}
	err = s.core.eachJournal(ctx, func(j *paygate.Journal) {
		if dates[j.At.UTC().Format(time.DateOnly)] {
			js = append(js, j)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("reading the books: %w", err)
	}
	return ledger.Reconcile(lines, js), nil
}
