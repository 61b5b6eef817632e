package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"paygate"
)

// appendJournals adds the change's journals and their entries to an
// Apply's writes.
func appendJournals(ws []write, c paygate.Change) []write {
	for _, j := range c.Journals {
		ws = append(ws, write{"apply journal", false, `INSERT INTO journals (id, merchant_id, trade_no, kind, ref, at)
			VALUES ($1, $2, $3, $4, $5, $6)`, []any{j.ID, j.MerchantID, j.TradeNo, j.Kind, j.Ref, ms(j.At)}})
		for n, e := range j.Entries {
			ws = append(ws, write{"apply journal entry", false, `INSERT INTO journal_entries (journal_id, n, account_kind,
				account_merchant, currency, minor) VALUES ($1, $2, $3, $4, $5, $6)`,
				[]any{j.ID, n, string(e.Account.Kind), e.Account.Merchant, e.Account.Currency, e.Minor}})
		}
		if j.Settle {
			ws = append(ws, write{"apply journal", false, `INSERT INTO unsettled (journal_id, merchant_id, currency, at)
				VALUES ($1, $2, $3, $4)`, []any{j.ID, j.MerchantID, j.Currency, ms(j.At)}})
		}
	}
	return ws
}

// Journals lists a page of journals, with their entries, in id order.
func (s *Store) Journals(ctx context.Context, after string, limit int) ([]*paygate.Journal, error) {
	var out []*paygate.Journal
	err := s.rows(ctx, "journals", `SELECT j.id, j.merchant_id, j.trade_no, j.kind, j.ref, j.at, e.account_kind, e.account_merchant,
		e.currency, e.minor FROM (SELECT * FROM journals WHERE id > $1 ORDER BY id LIMIT $2) j
		JOIN journal_entries e ON e.journal_id = j.id ORDER BY j.id, e.n`, []any{after, limitArg(limit)}, func(r pgx.Rows) error {
		var j paygate.Journal
		var at int64
		var e paygate.Entry
		var kind string
		if err := r.Scan(&j.ID, &j.MerchantID, &j.TradeNo, &j.Kind, &j.Ref, &at, &kind, &e.Account.Merchant, &e.Account.Currency,
			&e.Minor); err != nil {
			return err
		}
		e.Account.Kind = paygate.AccountKind(kind)
		if len(out) == 0 || out[len(out)-1].ID != j.ID {
			j.At = fromMs(at)
			out = append(out, &j)
		}
		last := out[len(out)-1]
		last.Entries = append(last.Entries, e)
		return nil
	})
	return out, err
}
