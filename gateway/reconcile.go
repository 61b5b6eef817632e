package gateway

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"time"

	"paygate"
	"paygate/ledger"
)

// SandboxSettlementFile writes the built-in sandbox acquirer's settlement
// file of a UTC day: a line for each capture, refund, dispute and dispute
// won it settled that day (docs/ledger.md). The sandbox keeps no state, so
// its file is drawn from the movements the gateway posted with it.
func (s *Service) SandboxSettlementFile(ctx context.Context, day time.Time, w io.Writer) error {
	date := day.UTC().Format(time.DateOnly)
	js, err := s.core.journalsOf(ctx, paygate.SandboxConnector, func(j *paygate.Journal) bool {
		l, ok := ledger.FileLineOf(j)
		return ok && l.Date == date
	})
	if err != nil {
		return err
	}
	lines := make([]ledger.FileLine, 0, len(js))
	for _, j := range js {
		l, _ := ledger.FileLineOf(j)
		lines = append(lines, l)
	}
	return ledger.WriteFile(w, lines)
}

// Reconcile matches an acquirer's settlement file against the books: each
// line to its capture, refund or dispute, and each movement of the file's
// dates, of the payments the connector processed, to its line. The
// connector's type names the file's format: the sandbox's settlement file
// (the built-in sandbox, or a registered sandbox connector), or Stripe's
// itemized balance report (docs/ledger.md).
//
// Errors: invalid_parameter (an unknown connector, a file that does not
// read: the message names its line).
func (s *Service) Reconcile(ctx context.Context, connector string, file io.Reader) (*ledger.Reconciliation, error) {
	typ, err := s.connectorType(ctx, connector)
	if err != nil {
		return nil, err
	}
	read := ledger.ReadFile
	if typ == paygate.ConnectorStripe {
		read = ledger.ReadStripeReport
	}
	lines, err := read(file)
	if err != nil {
		return nil, paygate.InvalidParam("file", "the settlement file does not read: %v", err)
	}
	dates := map[string]bool{}
	for _, l := range lines {
		dates[l.Date] = true
	}
	js, err := s.core.journalsOf(ctx, connector, func(j *paygate.Journal) bool { return dates[j.At.UTC().Format(time.DateOnly)] })
	if err != nil {
		return nil, fmt.Errorf("reading the books: %w", err)
	}
	return ledger.Reconcile(lines, js), nil
}

// connectorType is the type of the connector named name: the built-in
// sandbox's, or a registered one's.
func (s *Service) connectorType(ctx context.Context, name string) (string, error) {
	if name == paygate.SandboxConnector {
		return paygate.ConnectorSandbox, nil
	}
	regs, err := s.core.store.Connectors(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range regs {
		if r.Name == name {
			return r.Type, nil
		}
	}
	return "", paygate.InvalidParam("connector", "no connector %q: sandbox, or one paygate connector list shows", name)
}

// journalsOf lists the journals that keep, of the payments connector
// processed (the built-in sandbox's also holds those from before routing).
// It reads the whole book, and each payment once.
func (s *core) journalsOf(ctx context.Context, connector string, keep func(*paygate.Journal) bool) ([]*paygate.Journal, error) {
	var js []*paygate.Journal
	if err := s.eachJournal(ctx, func(j *paygate.Journal) {
		if keep(j) && j.TradeNo != "" {
			js = append(js, j)
		}
	}); err != nil {
		return nil, err
	}
	type key struct{ merchant, tradeNo string }
	whose := map[key]string{}
	out := js[:0]
	for _, j := range js {
		k := key{j.MerchantID, j.TradeNo}
		c, seen := whose[k]
		if !seen {
			p, err := s.store.Payment(ctx, j.MerchantID, j.TradeNo)
			if err != nil {
				return nil, err
			}
			c = cmp.Or(p.Connector, paygate.SandboxConnector)
			whose[k] = c
		}
		if c == connector {
			out = append(out, j)
		}
	}
	return out, nil
}
