package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"paygate"
)

const riskEntryCols = `id, merchant_id, list, value, note, created_at`

// AddRiskListEntry inserts a list entry.
func (s *Store) AddRiskListEntry(ctx context.Context, e *paygate.RiskListEntry) error {
	_, err := s.exec(ctx, "add risk list entry", `INSERT INTO risk_list_entries (`+riskEntryCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		e.ID, e.MerchantID, e.List, e.Value, e.Note, ms(e.CreatedAt))
	return err
}

func (s *Store) riskEntries(ctx context.Context, where string, args ...any) ([]*paygate.RiskListEntry, error) {
	var out []*paygate.RiskListEntry
	err := s.rows(ctx, "risk list entries", `SELECT `+riskEntryCols+` FROM risk_list_entries WHERE `+where, args,
		func(r pgx.Rows) error {
			var e paygate.RiskListEntry
			var created int64
			if err := r.Scan(&e.ID, &e.MerchantID, &e.List, &e.Value, &e.Note, &created); err != nil {
				return err
			}
			e.CreatedAt = fromMs(created)
			out = append(out, &e)
			return nil
		})
	return out, err
}

// RiskListEntryByValue returns the entry of a list with value.
func (s *Store) RiskListEntryByValue(ctx context.Context, merchantID, list, value string) (*paygate.RiskListEntry, error) {
	return one(s.riskEntries(ctx, `merchant_id = $1 AND list = $2 AND value = $3`, merchantID, list, value))
}

// RiskListEntries lists a page of a list's entries in id order.
func (s *Store) RiskListEntries(ctx context.Context, merchantID, list, after string, limit int) ([]*paygate.RiskListEntry, error) {
	if list == "" {
		return s.riskEntries(ctx, `merchant_id = $1 AND id > $2 ORDER BY id LIMIT $3`, merchantID, after, limitArg(limit))
	}
	return s.riskEntries(ctx, `merchant_id = $1 AND list = $2 AND id > $3 ORDER BY id LIMIT $4`, merchantID, list, after, limitArg(limit))
}

// CountRiskListEntries counts a list's entries.
func (s *Store) CountRiskListEntries(ctx context.Context, merchantID, list string) (int, error) {
	var n int
	err := s.rows(ctx, "count risk list entries", `SELECT count(*) FROM risk_list_entries WHERE merchant_id = $1 AND list = $2`,
		[]any{merchantID, list}, func(r pgx.Rows) error { return r.Scan(&n) })
	return n, err
}

// DeleteRiskListEntry removes a list entry.
func (s *Store) DeleteRiskListEntry(ctx context.Context, merchantID, list, id string) error {
	n, err := s.exec(ctx, "delete risk list entry", `DELETE FROM risk_list_entries WHERE merchant_id = $1 AND list = $2 AND id = $3`,
		merchantID, list, id)
	return touchedOne(n, err)
}

func touchedOne(n int64, err error) error {
	if err != nil || n == 1 {
		return err
	}
	return &paygate.Error{Code: paygate.ENotFound, Message: "not found"}
}

// AddRiskRule inserts a rule.
func (s *Store) AddRiskRule(ctx context.Context, r *paygate.RiskRule) error {
	_, err := s.exec(ctx, "add risk rule", `INSERT INTO risk_rules (id, merchant_id, name, expression, action, enabled, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, r.MerchantID, r.Name, r.Expression, r.Action, r.Enabled, ms(r.CreatedAt))
	return err
}

// RiskRules lists a merchant's rules in the order they were made.
func (s *Store) RiskRules(ctx context.Context, merchantID string) ([]*paygate.RiskRule, error) {
	var out []*paygate.RiskRule
	err := s.rows(ctx, "risk rules", `SELECT id, merchant_id, name, expression, action, enabled, created_at FROM risk_rules
		WHERE merchant_id = $1 ORDER BY created_at, id`, []any{merchantID}, func(r pgx.Rows) error {
		var x paygate.RiskRule
		var created int64
		if err := r.Scan(&x.ID, &x.MerchantID, &x.Name, &x.Expression, &x.Action, &x.Enabled, &created); err != nil {
			return err
		}
		x.CreatedAt = fromMs(created)
		out = append(out, &x)
		return nil
	})
	return out, err
}

// SetRiskRuleEnabled turns a rule on or off.
func (s *Store) SetRiskRuleEnabled(ctx context.Context, merchantID, id string, enabled bool) error {
	n, err := s.exec(ctx, "set risk rule enabled", `UPDATE risk_rules SET enabled = $1 WHERE merchant_id = $2 AND id = $3`,
		enabled, merchantID, id)
	return touchedOne(n, err)
}

// DeleteRiskRule removes a rule.
func (s *Store) DeleteRiskRule(ctx context.Context, merchantID, id string) error {
	n, err := s.exec(ctx, "delete risk rule", `DELETE FROM risk_rules WHERE merchant_id = $1 AND id = $2`, merchantID, id)
	return touchedOne(n, err)
}

// Velocity counts a card's and an address's payments since each time, in
// one statement.
func (s *Store) Velocity(ctx context.Context, fingerprint, ip string, since []time.Time) ([]paygate.VelocityWindow, []paygate.VelocityWindow, error) {
	card, addr := make([]paygate.VelocityWindow, len(since)), make([]paygate.VelocityWindow, len(since))
	if len(since) == 0 {
		return card, addr, nil
	}
	args := []any{fingerprint, ip}
	var cols []string
	oldest := since[0]
	for _, t := range since {
		args = append(args, ms(t))
		n := len(args)
		cols = append(cols, fmt.Sprintf(`count(*) FILTER (WHERE created_at >= $%d)`, n),
			fmt.Sprintf(`coalesce(sum(amount_minor) FILTER (WHERE created_at >= $%d), 0)`, n),
			fmt.Sprintf(`count(*) FILTER (WHERE created_at >= $%d AND status = 'FAILED')`, n))
		if t.Before(oldest) {
			oldest = t
		}
	}
	args = append(args, ms(oldest))
	last := fmt.Sprint(len(args))
	sel := `SELECT ` + strings.Join(cols, ", ") + ` FROM payments WHERE `
	q := `(` + sel + `card_fingerprint = $1 AND created_at >= $` + last + `) UNION ALL (` + sel + `client_ip = $2 AND created_at >= $` + last + `)`
	i := 0
	err := s.rows(ctx, "velocity", q, args, func(r pgx.Rows) error {
		out := [][]paygate.VelocityWindow{card, addr}[min(i, 1)]
		i++
		dest := make([]any, 0, 3*len(since))
		for j := range out {
			dest = append(dest, &out[j].Count, &out[j].Amount, &out[j].Declines)
		}
		return r.Scan(dest...)
	})
	return card, addr, err
}
