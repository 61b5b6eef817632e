package sqlite

import (
	"context"
	"errors"
	"strings"

	"paygate"
)

// applyJournals appends the change's journals: one statement of their
// lines each, every line carrying the journal's header (the table has no
// other row for a journal, so a journal id used again fails on its first
// line's key).
func applyJournals(ctx context.Context, tx *tx, js []*paygate.Journal) error {
	for _, j := range js {
		if len(j.Entries) == 0 {
			return paygate.Internal("apply journal", errNoLines)
		}
		q := `INSERT INTO journal_entries (journal_id, n, merchant_id, trade_no, kind, ref, at, account_kind, account_merchant, currency,
			minor) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(j.Entries)), ", ")
		args := make([]any, 0, 11*len(j.Entries))
		for n, e := range j.Entries {
			args = append(args, j.ID, n, j.MerchantID, j.TradeNo, j.Kind, j.Ref, ms(j.At), string(e.Account.Kind), e.Account.Merchant,
				e.Account.Currency, e.Minor)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return dbErr("apply journal", err)
		}
		if j.Settle {
			if _, err := tx.ExecContext(ctx, `INSERT INTO unsettled (journal_id, merchant_id, currency, at) VALUES (?, ?, ?, ?)`,
				j.ID, j.MerchantID, j.Currency, ms(j.At)); err != nil {
				return dbErr("apply journal", err)
			}
		}
	}
	return nil
}

var errNoLines = errors.New("a journal without lines")

// Journals lists a page of journals, with their entries, in id order.
func (s *Store) Journals(ctx context.Context, after string, limit int) ([]*paygate.Journal, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT e.journal_id, e.merchant_id, e.trade_no, e.kind, e.ref, e.at, e.account_kind,
		e.account_merchant, e.currency, e.minor
		FROM (SELECT journal_id FROM journal_entries WHERE journal_id > ? AND n = 0 ORDER BY journal_id LIMIT ?) p
		JOIN journal_entries e ON e.journal_id = p.journal_id ORDER BY e.journal_id, e.n`, after, limit)
	if err != nil {
		return nil, dbErr("journals", err)
	}
	defer rows.Close()
	var out []*paygate.Journal
	for rows.Next() {
		var j paygate.Journal
		var at int64
		var e paygate.Entry
		var kind string
		if err := rows.Scan(&j.ID, &j.MerchantID, &j.TradeNo, &j.Kind, &j.Ref, &at, &kind, &e.Account.Merchant, &e.Account.Currency,
			&e.Minor); err != nil {
			return nil, dbErr("journals", err)
		}
		e.Account.Kind = paygate.AccountKind(kind)
		if len(out) == 0 || out[len(out)-1].ID != j.ID {
			j.At = fromMs(at)
			out = append(out, &j)
		}
		last := out[len(out)-1]
		last.Entries = append(last.Entries, e)
	}
	return out, dbErr("journals", rows.Err())
}
