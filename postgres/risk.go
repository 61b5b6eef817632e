package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"paygate"
)

const riskEntryCols = `id, merchant_id, list, value, note, created_at`

// AddRiskListEntry inserts a list entry unless the list is full.
func (s *Store) AddRiskListEntry(ctx context.Context, e *paygate.RiskListEntry, max int) error {
	return s.insertCounted(ctx, "add risk list entry", e.MerchantID+"|"+e.List,
		`SELECT count(*) FROM risk_list_entries WHERE merchant_id = $1 AND list = $2`, []any{e.MerchantID, e.List}, max,
		`INSERT INTO risk_list_entries (`+riskEntryCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		e.ID, e.MerchantID, e.List, e.Value, e.Note, ms(e.CreatedAt))
}

// insertCounted runs insert unless count reaches max, in one transaction
// that holds an advisory lock on key: nodes adding at once take turns, so
// none passes the limit.
func (s *Store) insertCounted(ctx context.Context, op, key, count string, countArgs []any, max int, insert string, args ...any) error {
	if !storable(append(append([]any{key}, countArgs...), args...)...) {
		return &paygate.Error{Code: paygate.EInvalidParameter, Op: op, Message: "text must be valid UTF-8 without NUL characters"}
	}
	return s.withConn(ctx, op, func(c *pgxpool.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "risk-limit|"+key); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, count, countArgs...).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return &paygate.Error{Code: paygate.ELimitExceeded, Op: op, Message: "full"}
		}
		if _, err := tx.Exec(ctx, insert, args...); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
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

// AddRiskRule inserts a rule unless the merchant has max.
func (s *Store) AddRiskRule(ctx context.Context, r *paygate.RiskRule, max int) error {
	return s.insertCounted(ctx, "add risk rule", r.MerchantID, `SELECT count(*) FROM risk_rules WHERE merchant_id = $1`,
		[]any{r.MerchantID}, max, `INSERT INTO risk_rules (id, merchant_id, name, expression, action, enabled, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, r.MerchantID, r.Name, r.Expression, r.Action, r.Enabled, ms(r.CreatedAt))
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

// velocityColumns are Velocity's keys, in the order of Velocities, and
// the merchant's declines.
var velocityColumns = []struct{ column, filter string }{
	{"card_fingerprint", ""}, {"client_ip", ""}, {"email", ""}, {"device_id", ""},
	{"merchant_id", " AND status = 'FAILED' AND failure_code NOT IN ('fraud_suspected', 'processing_error')"},
}

// Velocity counts a payment's keys' payments since each time, in one
// statement: for each key, its newest MaxVelocityScan rows of the merchant
// from the oldest time on.
func (s *Store) Velocity(ctx context.Context, merchantID string, keys paygate.VelocityKeys, since []time.Time) (*paygate.Velocities, error) {
	v := &paygate.Velocities{}
	outs := []*[]paygate.VelocityWindow{&v.Card, &v.IP, &v.Email, &v.Device, nil}
	for _, o := range outs[:4] {
		*o = make([]paygate.VelocityWindow, len(since))
	}
	if len(since) == 0 {
		return v, nil
	}
	args := []any{merchantID, paygate.MaxVelocityScan}
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
	oldestArg, firstArg := len(args), 3 // $3 is since[0]
	var parts []string
	for i, key := range []string{keys.Card, keys.IP, keys.Email, keys.Device, merchantID} {
		if key == "" {
			continue
		}
		from := oldestArg
		if i == 4 {
			from = firstArg
		}
		args = append(args, key)
		vc := velocityColumns[i]
		parts = append(parts, fmt.Sprintf(`(SELECT %d AS key, %s FROM (SELECT created_at, amount_minor, status FROM payments
			WHERE %s = $%d%s AND created_at >= $%d AND merchant_id = $1 ORDER BY created_at DESC LIMIT $2) k%d)`,
			i, strings.Join(cols, ", "), vc.column, len(args), vc.filter, from, i))
	}
	err := s.rows(ctx, "velocity", strings.Join(parts, " UNION ALL ")+` ORDER BY key`, args, func(r pgx.Rows) error {
		var key int
		vals := make([]int64, 3*len(since))
		dest := []any{&key}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := r.Scan(dest...); err != nil {
			return err
		}
		if key == 4 {
			v.MerchantDeclines = int(vals[2])
			return nil
		}
		out := *outs[key]
		for i := range out {
			out[i] = paygate.VelocityWindow{Count: int(vals[3*i]), Amount: vals[3*i+1], Declines: int(vals[3*i+2])}
		}
		return nil
	})
	if err != nil || keys.CountPaymentsFrom == 0 || v.MerchantDeclines < keys.CountPaymentsFrom {
		return v, err
	}
	err = s.rows(ctx, "velocity", `SELECT count(*) FROM (SELECT 1 FROM payments WHERE merchant_id = $1 AND created_at >= $2 LIMIT $3) k`,
		[]any{merchantID, ms(since[0]), paygate.MaxMerchantScan}, func(r pgx.Rows) error { return r.Scan(&v.MerchantPayments) })
	return v, err
}

// RiskScreenAll reports the merchant's screen-all setting.
func (s *Store) RiskScreenAll(ctx context.Context, merchantID string) (bool, error) {
	var on bool
	err := s.rows(ctx, "risk settings", `SELECT screen_all FROM risk_settings WHERE merchant_id = $1`, []any{merchantID},
		func(r pgx.Rows) error { return r.Scan(&on) })
	return on, err
}

// SetRiskScreenAll sets the merchant's screen-all setting.
func (s *Store) SetRiskScreenAll(ctx context.Context, merchantID string, on bool) error {
	_, err := s.exec(ctx, "set risk settings", `INSERT INTO risk_settings (merchant_id, screen_all) VALUES ($1, $2)
		ON CONFLICT (merchant_id) DO UPDATE SET screen_all = excluded.screen_all`, merchantID, on)
	return err
}
