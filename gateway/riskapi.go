package gateway

import (
	"context"
	"strings"
	"unicode/utf8"

	"paygate"
	"paygate/risk"
	"paygate/wire"
)

// maxNote is the longest note a list entry keeps.
const maxNote = 256

// checkList reads a list's name from the path.
func checkList(list string) (risk.List, error) {
	for _, l := range risk.AllLists {
		if string(l) == list {
			return l, nil
		}
	}
	return "", paygate.Errorf(paygate.ENotFound, "no list %q: the lists are cardFingerprint, ip, email, bin, country, deviceId", list)
}

// AddListEntry puts a value on one of the merchant's lists and answers
// created=false with the entry already there when the value is on it (the
// same value, in its normalized form, once a list).
//
// Errors: not_found (the list), invalid_parameter (value, note),
// limit_exceeded (the list holds 10,000 entries).
func (s *Risk) AddListEntry(ctx context.Context, list, value, note string) (*paygate.RiskListEntry, bool, error) {
	l, err := checkList(list)
	if err != nil {
		return nil, false, err
	}
	v, msg := risk.Normalize(l, value)
	if msg != "" {
		return nil, false, paygate.InvalidParam("value", "%s", msg)
	}
	if len([]rune(note)) > maxNote || !utf8.ValidString(note) || hasControl(note) {
		return nil, false, paygate.InvalidParam("note", "note must be at most %d characters of text", maxNote)
	}
	merchantID := paygate.MerchantID(ctx)
	if e, err := s.store.RiskListEntryByValue(ctx, merchantID, list, v); err == nil {
		return e, false, nil
	} else if !isCode(err, paygate.ENotFound) {
		return nil, false, err
	}
	now := s.now()
	e := &paygate.RiskListEntry{ID: newID("L", now, 8), MerchantID: merchantID, List: list, Value: v, Note: note, CreatedAt: now}
	if err := s.store.AddRiskListEntry(ctx, e, risk.MaxListEntries); err != nil {
		if isCode(err, paygate.ELimitExceeded) {
			return nil, false, paygate.Errorf(paygate.ELimitExceeded, "the %s list holds %d entries, the most it may; delete some first",
				list, risk.MaxListEntries)
		}
		if isCode(err, paygate.EConflict) { // the same value, at the same time
			if e, err := s.store.RiskListEntryByValue(ctx, merchantID, list, v); err == nil {
				return e, false, nil
			}
		}
		return nil, false, err
	}
	s.risk.forget(merchantID)
	return e, true, nil
}

// ListEntries lists a page of one of the merchant's lists, oldest first;
// next is the cursor of the following page ("" on the last).
//
// Errors: not_found (the list), invalid_parameter (limit, startingAfter).
func (s *Risk) ListEntries(ctx context.Context, list, limit, after string) (entries []*paygate.RiskListEntry, next string, err error) {
	if _, err := checkList(list); err != nil {
		return nil, "", err
	}
	var c checker
	n := c.listLimit(limit)
	if len(after) > 64 {
		c.fail("startingAfter", "startingAfter must be a nextCursor of this list")
	}
	if c.err != nil {
		return nil, "", c.err
	}
	es, err := s.store.RiskListEntries(ctx, paygate.MerchantID(ctx), list, after, n+1)
	if err != nil {
		return nil, "", err
	}
	if len(es) > n {
		es, next = es[:n], es[n-1].ID
	}
	return es, next, nil
}

// DeleteListEntry takes an entry off one of the merchant's lists.
//
// Errors: not_found (the list, or the entry on it).
func (s *Risk) DeleteListEntry(ctx context.Context, list, id string) error {
	if _, err := checkList(list); err != nil {
		return err
	}
	merchantID := paygate.MerchantID(ctx)
	if err := s.store.DeleteRiskListEntry(ctx, merchantID, list, id); err != nil {
		if isCode(err, paygate.ENotFound) {
			return paygate.Errorf(paygate.ENotFound, "no entry %s on the %s list", id, list)
		}
		return err
	}
	s.risk.forget(merchantID)
	return nil
}

// AddRule adds a rule to the merchant's rules (enabled unless the request
// says not); it is evaluated after the rules made before it of its action.
//
// Errors: invalid_parameter (name, expression with CEL's message and
// position, action), conflict (a rule of that name), limit_exceeded (100
// rules).
func (s *Risk) AddRule(ctx context.Context, req *wire.RiskRuleRequest) (*paygate.RiskRule, error) {
	if msg := risk.CheckName(req.Name); msg != "" {
		return nil, paygate.InvalidParam("name", "%s", msg)
	}
	action := risk.Decision(req.Action)
	if action != risk.Approve && action != risk.Review && action != risk.Decline {
		return nil, paygate.InvalidParam("action", "action must be approve, review or decline")
	}
	if _, err := risk.Compile("", req.Name, req.Expression, action, true); err != nil {
		return nil, paygate.InvalidParam("expression", "expression: %s", strings.TrimSpace(err.Error()))
	}
	merchantID := paygate.MerchantID(ctx)
	now := s.now()
	r := &paygate.RiskRule{ID: newID("R", now, 8), MerchantID: merchantID, Name: req.Name, Expression: req.Expression,
		Action: req.Action, Enabled: req.Enabled == nil || *req.Enabled, CreatedAt: now}
	if err := s.store.AddRiskRule(ctx, r, risk.MaxRules); err != nil {
		if isCode(err, paygate.ELimitExceeded) {
			return nil, paygate.Errorf(paygate.ELimitExceeded, "a merchant may have at most %d rules; delete one first", risk.MaxRules)
		}
		if isCode(err, paygate.EConflict) {
			return nil, paygate.Errorf(paygate.EConflict, "the merchant has a rule named %s", req.Name)
		}
		return nil, err
	}
	s.risk.forget(merchantID)
	return r, nil
}

// Rules lists the merchant's rules, in the order they were made.
func (s *Risk) Rules(ctx context.Context) ([]*paygate.RiskRule, error) {
	return s.store.RiskRules(ctx, paygate.MerchantID(ctx))
}

// SetRuleEnabled turns one of the merchant's rules on or off.
//
// Errors: not_found.
func (s *Risk) SetRuleEnabled(ctx context.Context, id string, enabled bool) (*paygate.RiskRule, error) {
	merchantID := paygate.MerchantID(ctx)
	if err := s.store.SetRiskRuleEnabled(ctx, merchantID, id, enabled); err != nil {
		return nil, err
	}
	s.risk.forget(merchantID)
	rules, err := s.store.RiskRules(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, paygate.Errorf(paygate.ENotFound, "no rule %s", id) // deleted meanwhile
}

// DeleteRule removes one of the merchant's rules.
//
// Errors: not_found.
func (s *Risk) DeleteRule(ctx context.Context, id string) error {
	merchantID := paygate.MerchantID(ctx)
	if err := s.store.DeleteRiskRule(ctx, merchantID, id); err != nil {
		return err
	}
	s.risk.forget(merchantID)
	return nil
}

// Evaluate answers the decision the engine would make on a payment request,
// without storing or charging anything (the payment is counted in the
// velocities as if it were made).
//
// Errors: invalid_parameter, as a payment's.
func (s *Risk) Evaluate(ctx context.Context, req *wire.CreatePaymentRequest) (*paygate.Risk, error) {
	d, err := s.validateCreate(req, s.now())
	if err != nil {
		return nil, err
	}
	d.payment.MerchantID = paygate.MerchantID(ctx)
	eng, err := s.engine(ctx, d.payment.MerchantID)
	if err != nil {
		return nil, err
	}
	res, err := s.screen(ctx, eng, d.payment, d.card.Number, "", true)
	if err != nil {
		return nil, err
	}
	return riskOf(res), nil
}

// ScreenAll reports whether the merchant has every card payment judged,
// whatever its fraudMode.
func (s *Risk) ScreenAll(ctx context.Context) (bool, error) {
	return s.store.RiskScreenAll(ctx, paygate.MerchantID(ctx))
}

// SetScreenAll turns the merchant's screening of every card payment on or
// off; it holds on every node within 2 seconds (on this one at once).
func (s *Risk) SetScreenAll(ctx context.Context, on bool) error {
	merchantID := paygate.MerchantID(ctx)
	if err := s.store.SetRiskScreenAll(ctx, merchantID, on); err != nil {
		return err
	}
	s.risk.forget(merchantID)
	return nil
}
