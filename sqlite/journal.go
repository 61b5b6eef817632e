package sqlite

import (
	"context"
	"strings"

	"paygate"
)

// applyJournals appends the change's journals and their entries.
func applyJournals(ctx context.Context, tx *tx, js []*paygate.Journal) error {
	for _, j := range js {
		if _, err := tx.ExecContext(ctx, `INSERT INTO journals (id, merchant_id, trade_no, kind, ref, at) VALUES (?, ?, ?, ?, ?, ?)`,
			j.ID, j.MerchantID, j.TradeNo, j.Kind, j.Ref, ms(j.At)); err != nil {
			return dbErr("apply journal", err)
		}
		// One statement for the lines (2 or 3 a journal): each statement
		// costs more than its rows.
		q := `INSERT INTO journal_entries (journal_id, n, account_kind, account_merchant, currency, minor) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", len(j.Entries)), ", ")
		args := make([]any, 0, 6*len(j.Entries))
		for n, e := range j.Entries {
			args = append(args, j.ID, n, string(e.Account.Kind), e.Account.Merchant, e.Account.Currency, e.Minor)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return dbErr("apply journal entry", err)
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

// Journals lists a page of journals, with their entries, in id order.
func (s *Store) Journals(ctx context.Context, after string, limit int) ([]*paygate.Journal, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT j.id, j.merchant_id, j.trade_no, j.kind, j.ref, j.at, e.account_kind, e.account_merchant,
		e.currency, e.minor FROM (SELECT * FROM journals WHERE id > ? ORDER BY id LIMIT ?) j
		JOIN journal_entries e ON e.journal_id = j.id ORDER BY j.id, e.n`, after, limit)
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
