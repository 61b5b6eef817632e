package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"paygate"
)

const riskEntryCols = `id, merchant_id, list, value, note, created_at`

// AddRiskListEntry inserts a list entry unless the list is full: one
// statement on the one writer, so the count and the insert are one step.
func (s *Store) AddRiskListEntry(ctx context.Context, e *paygate.RiskListEntry, max int) error {
	res, err := s.w.ExecContext(ctx, `INSERT INTO risk_list_entries (`+riskEntryCols+`) SELECT ?, ?, ?, ?, ?, ?
		WHERE (SELECT count(*) FROM risk_list_entries WHERE merchant_id = ? AND list = ?) < ?`,
		e.ID, e.MerchantID, e.List, e.Value, e.Note, ms(e.CreatedAt), e.MerchantID, e.List, max)
	return limited(res, err, "add risk list entry")
}

// limited maps an insert that a full count stopped to ELimitExceeded.
func limited(res sql.Result, err error, op string) error {
	if err != nil {
		return dbErr(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return dbErr(op, err)
	} else if n == 0 {
		return &paygate.Error{Code: paygate.ELimitExceeded, Op: op, Message: "full"}
	}
	return nil
}

func scanRiskEntries(rows *sql.Rows, err error) ([]*paygate.RiskListEntry, error) {
	if err != nil {
		return nil, dbErr("risk list entries", err)
	}
	defer rows.Close()
	var out []*paygate.RiskListEntry
	for rows.Next() {
		var e paygate.RiskListEntry
		var created int64
		if err := rows.Scan(&e.ID, &e.MerchantID, &e.List, &e.Value, &e.Note, &created); err != nil {
			return nil, dbErr("risk list entries", err)
		}
		e.CreatedAt = fromMs(created)
		out = append(out, &e)
	}
	return out, dbErr("risk list entries", rows.Err())
}

// RiskListEntryByValue returns the entry of a list with value.
func (s *Store) RiskListEntryByValue(ctx context.Context, merchantID, list, value string) (*paygate.RiskListEntry, error) {
	es, err := scanRiskEntries(s.r.QueryContext(ctx, `SELECT `+riskEntryCols+` FROM risk_list_entries
		WHERE merchant_id = ? AND list = ? AND value = ?`, merchantID, list, value))
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, &paygate.Error{Code: paygate.ENotFound, Message: "not found"}
	}
	return es[0], nil
}

// RiskListEntries lists a page of a list's entries in id order.
func (s *Store) RiskListEntries(ctx context.Context, merchantID, list, after string, limit int) ([]*paygate.RiskListEntry, error) {
	if list == "" {
		return scanRiskEntries(s.r.QueryContext(ctx, `SELECT `+riskEntryCols+` FROM risk_list_entries
			WHERE merchant_id = ? AND id > ? ORDER BY id LIMIT ?`, merchantID, after, limit))
	}
	return scanRiskEntries(s.r.QueryContext(ctx, `SELECT `+riskEntryCols+` FROM risk_list_entries
		WHERE merchant_id = ? AND list = ? AND id > ? ORDER BY id LIMIT ?`, merchantID, list, after, limit))
}

// DeleteRiskListEntry removes a list entry.
func (s *Store) DeleteRiskListEntry(ctx context.Context, merchantID, list, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM risk_list_entries WHERE merchant_id = ? AND list = ? AND id = ?`,
		merchantID, list, id)
	return touchedOne(res, err, "delete risk list entry")
}

func touchedOne(res sql.Result, err error, op string) error {
	if err != nil {
		return dbErr(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return dbErr(op, err)
	} else if n == 0 {
		return &paygate.Error{Code: paygate.ENotFound, Op: op, Message: "not found"}
	}
	return nil
}

// AddRiskRule inserts a rule unless the merchant has max.
func (s *Store) AddRiskRule(ctx context.Context, r *paygate.RiskRule, max int) error {
	res, err := s.w.ExecContext(ctx, `INSERT INTO risk_rules (id, merchant_id, name, expression, action, enabled, created_at)
		SELECT ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM risk_rules WHERE merchant_id = ?) < ?`,
		r.ID, r.MerchantID, r.Name, r.Expression, r.Action, r.Enabled, ms(r.CreatedAt), r.MerchantID, max)
	return limited(res, err, "add risk rule")
}

// RiskRules lists a merchant's rules in the order they were made.
func (s *Store) RiskRules(ctx context.Context, merchantID string) ([]*paygate.RiskRule, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, merchant_id, name, expression, action, enabled, created_at FROM risk_rules
		WHERE merchant_id = ? ORDER BY created_at, id`, merchantID)
	if err != nil {
		return nil, dbErr("risk rules", err)
	}
	defer rows.Close()
	var out []*paygate.RiskRule
	for rows.Next() {
		var r paygate.RiskRule
		var created int64
		if err := rows.Scan(&r.ID, &r.MerchantID, &r.Name, &r.Expression, &r.Action, &r.Enabled, &created); err != nil {
			return nil, dbErr("risk rules", err)
		}
		r.CreatedAt = fromMs(created)
		out = append(out, &r)
	}
	return out, dbErr("risk rules", rows.Err())
}

// SetRiskRuleEnabled turns a rule on or off.
func (s *Store) SetRiskRuleEnabled(ctx context.Context, merchantID, id string, enabled bool) error {
	res, err := s.w.ExecContext(ctx, `UPDATE risk_rules SET enabled = ? WHERE merchant_id = ? AND id = ?`, enabled, merchantID, id)
	return touchedOne(res, err, "set risk rule enabled")
}

// DeleteRiskRule removes a rule.
func (s *Store) DeleteRiskRule(ctx context.Context, merchantID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM risk_rules WHERE merchant_id = ? AND id = ?`, merchantID, id)
	return touchedOne(res, err, "delete risk rule")
}

// velocityParts are Velocity's keys, in the order of Velocities: the
// column each is counted by and that column's index (named: the planner,
// left alone, may walk the merchant's index of every payment of the day).
var velocityParts = []struct{ column, index string }{
	{"card_fingerprint", "payments_card"},
	{"client_ip", "payments_client_ip"},
	{"email", "payments_email"},
	{"device_id", "payments_device"},
}

// velocityQuery is Velocity's statement for the parts used, tagged with
// their number.
func velocityQuery(cols []string, used []int) string {
	var parts []string
	for _, i := range used {
		vp := velocityParts[i]
		parts = append(parts, `SELECT `+strconv.Itoa(i)+`, `+strings.Join(cols, ", ")+` FROM (SELECT created_at, amount_minor, status
			FROM payments INDEXED BY `+vp.index+` WHERE `+vp.column+` = ? AND created_at >= ? AND merchant_id = ?
			ORDER BY created_at DESC LIMIT ?)`)
	}
	return strings.Join(parts, " UNION ALL ") + ` ORDER BY 1`
}

// Velocity counts a payment's keys' payments since each time, in one
// statement: for each key, its newest MaxVelocityScan rows of the merchant
// from the oldest time on, through the key's index.
func (s *Store) Velocity(ctx context.Context, merchantID string, keys paygate.VelocityKeys, since []time.Time) (*paygate.Velocities, error) {
	v := &paygate.Velocities{}
	outs := []*[]paygate.VelocityWindow{&v.Card, &v.IP, &v.Email, &v.Device}
	for _, o := range outs {
		*o = make([]paygate.VelocityWindow, len(since))
	}
	if len(since) == 0 {
		return v, nil
	}
	var cols []string
	var args []any
	oldest := since[0]
	for _, t := range since {
		cols = append(cols, `coalesce(sum(created_at >= ?), 0)`, `coalesce(sum(CASE WHEN created_at >= ? THEN amount_minor END), 0)`,
			`coalesce(sum(created_at >= ? AND status = 'FAILED'), 0)`)
		args = append(args, ms(t), ms(t), ms(t))
		if t.Before(oldest) {
			oldest = t
		}
	}
	var used []int
	var all []any
	for i, key := range []string{keys.Card, keys.IP, keys.Email, keys.Device} {
		if key == "" {
			continue
		}
		used = append(used, i)
		all = append(append(all, args...), key, ms(oldest), merchantID, paygate.MaxVelocityScan)
	}
	if len(used) == 0 {
		return v, s.merchantDeclines(ctx, merchantID, since[0], keys.CountPaymentsFrom, v)
	}
	rows, err := s.r.QueryContext(ctx, velocityQuery(cols, used), all...)
	if err != nil {
		return nil, dbErr("velocity", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key int
		vals := make([]int64, 3*len(since))
		dest := []any{&key}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, dbErr("velocity", err)
		}
		out := *outs[key]
		for i := range out {
			out[i] = paygate.VelocityWindow{Count: int(vals[3*i]), Amount: vals[3*i+1], Declines: int(vals[3*i+2])}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("velocity", err)
	}
	return v, s.merchantDeclines(ctx, merchantID, since[0], keys.CountPaymentsFrom, v)
}

// merchantDeclines counts the merchant's declines by acquirers and issuers
// since from, at most MaxVelocityScan, and from countFrom declines on its
// payments (statements of their own: within the one above the first cost
// four times the rest).
func (s *Store) merchantDeclines(ctx context.Context, merchantID string, from time.Time, countFrom int, v *paygate.Velocities) error {
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM payments INDEXED BY payments_merchant_declines
		WHERE merchant_id = ? AND created_at >= ? AND status = 'FAILED' AND failure_code NOT IN ('fraud_suspected', 'processing_error')
		LIMIT ?)`, merchantID, ms(from), paygate.MaxVelocityScan).Scan(&v.MerchantDeclines)
	if err != nil || countFrom == 0 || v.MerchantDeclines < countFrom {
		return dbErr("velocity", err)
	}
	err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM payments INDEXED BY payments_merchant_created
		WHERE merchant_id = ? AND created_at >= ? LIMIT ?)`, merchantID, ms(from), paygate.MaxMerchantScan).Scan(&v.MerchantPayments)
	return dbErr("velocity", err)
}

// RiskScreenAll reports the merchant's screen-all setting.
func (s *Store) RiskScreenAll(ctx context.Context, merchantID string) (bool, error) {
	var on bool
	err := s.r.QueryRowContext(ctx, `SELECT screen_all FROM risk_settings WHERE merchant_id = ?`, merchantID).Scan(&on)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return on, dbErr("risk settings", err)
}

// SetRiskScreenAll sets the merchant's screen-all setting.
func (s *Store) SetRiskScreenAll(ctx context.Context, merchantID string, on bool) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO risk_settings (merchant_id, screen_all) VALUES (?, ?)
		ON CONFLICT (merchant_id) DO UPDATE SET screen_all = excluded.screen_all`, merchantID, on)
	return dbErr("set risk settings", err)
}
