package gateway

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"paygate"
	"paygate/wire"
)

// Page sizes of the list API.
const (
	defaultListLimit = 20
	maxListLimit     = paygate.MaxPaymentPage
)

// PaymentList is a page of a merchant's payments, newest first, and the
// cursor of the next page ("" when there is none).
type PaymentList struct {
	Payments []*paygate.Payment
	Next     string
}

// List answers GET /v1/payments: the merchant's payments, newest first,
// filtered, a page at a time. A cursor is opaque and bound to the merchant:
// another merchant's finds nothing. New payments never shift a page (the
// cursor is the last payment's creation time and tradeNo).
//
// Errors: invalid_parameter naming the query parameter.
func (s *Payments) List(ctx context.Context, q *wire.PaymentListQuery) (*PaymentList, error) {
	merchantID := paygate.MerchantID(ctx)
	f, err := s.listFilter(q)
	if err != nil {
		return nil, err
	}
	if q.StartingAfter != "" {
		at, id, ok, err := s.readCursor(merchantID, "payments", q.StartingAfter)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &PaymentList{}, nil // another merchant's cursor, or another key's
		}
		f.After = paygate.PaymentCursor{CreatedAt: at, TradeNo: id}
	}
	page, next, err := s.store.Payments(ctx, merchantID, f)
	if err != nil {
		return nil, err
	}
	out := &PaymentList{Payments: page}
	if !next.IsZero() {
		out.Next = s.cursor(merchantID, "payments", next.CreatedAt, next.TradeNo)
	}
	return out, nil
}

// RefundList is a page of a merchant's refunds, newest first, and the
// cursor of the next page ("" when there is none).
type RefundList struct {
	Refunds []*paygate.Refund
	Next    string
}

// ListRefunds answers GET /v1/refunds: the merchant's refunds, newest
// first, filtered by status, currency and creation time, a page at a time,
// with cursors as List's.
//
// Errors: invalid_parameter naming the query parameter.
func (s *Payments) ListRefunds(ctx context.Context, q *wire.RefundListQuery) (*RefundList, error) {
	merchantID := paygate.MerchantID(ctx)
	var c checker
	f := paygate.RefundFilter{Limit: defaultListLimit, Status: paygate.RefundStatus(q.Status), Currency: q.Currency}
	switch f.Status {
	case "", paygate.RefundProcessing, paygate.RefundSucceeded, paygate.RefundFailed:
	default:
		c.fail("status", "status must be PROCESSING, SUCCEEDED or FAILED")
	}
	if q.Currency != "" {
		if _, err := paygate.ParseCurrency(q.Currency); err != nil {
			c.fail("currency", "currency %s", err.Error())
		}
	}
	f.From = c.rfc3339("createdFrom", q.CreatedFrom)
	f.To = c.rfc3339("createdTo", q.CreatedTo)
	f.Limit = c.listLimit(q.Limit)
	if c.err != nil {
		return nil, c.err
	}
	if q.StartingAfter != "" {
		at, id, ok, err := s.readCursor(merchantID, "refunds", q.StartingAfter)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &RefundList{}, nil
		}
		f.After = paygate.RefundCursor{CreatedAt: at, RefundID: id}
	}
	page, next, err := s.store.ListRefunds(ctx, merchantID, f)
	if err != nil {
		return nil, err
	}
	out := &RefundList{Refunds: page}
	if !next.IsZero() {
		out.Next = s.cursor(merchantID, "refunds", next.CreatedAt, next.RefundID)
	}
	return out, nil
}

// listLimit reads a list's page size, 1-100, default 20.
func (c *checker) listLimit(v string) int {
	if v == "" {
		return defaultListLimit
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxListLimit || v[0] == '+' {
		c.fail("limit", "limit must be a whole number from 1 to %d", maxListLimit)
	}
	return n
}

// listFilter checks a list query's parameters.
func (s *Payments) listFilter(q *wire.PaymentListQuery) (paygate.PaymentFilter, error) {
	var c checker
	f := paygate.PaymentFilter{Limit: defaultListLimit, Method: q.PaymentMethodType, Currency: q.Currency,
		OrderNoPrefix: q.OrderNo, Last4: q.Last4}
	if q.Status != "" {
		if !slices.Contains(paygate.Statuses(), paygate.Status(q.Status)) {
			c.fail("status", "status must be a payment status (PENDING, ..., EXPIRED)")
		}
		f.Status = paygate.Status(q.Status)
	}
	if q.PaymentMethodType != "" && !slices.Contains(paygate.PaymentMethodTypes(), q.PaymentMethodType) {
		c.fail("paymentMethodType", "paymentMethodType must be one of %s", strings.Join(paygate.PaymentMethodTypes(), ", "))
	}
	if q.Currency != "" {
		if _, err := paygate.ParseCurrency(q.Currency); err != nil {
			c.fail("currency", "currency %s", err.Error())
		}
	}
	f.From = c.rfc3339("createdFrom", q.CreatedFrom)
	f.To = c.rfc3339("createdTo", q.CreatedTo)
	c.length("orderNo", q.OrderNo, 1, 64)
	if q.Last4 != "" && (len(q.Last4) != 4 || strings.Trim(q.Last4, "0123456789") != "") {
		c.fail("last4", "last4 must be the card number's last 4 digits")
	}
	f.Limit = c.listLimit(q.Limit)
	if c.err != nil {
		return paygate.PaymentFilter{}, c.err
	}
	return f, nil
}

// rfc3339 reads an optional RFC 3339 time.
func (c *checker) rfc3339(param, v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		c.fail(param, "%s must be an RFC 3339 time such as 2026-12-01T00:00:00Z", param)
	}
	return t
}

// cursor is the opaque form of a page's end: its creation time and id,
// with a MAC binding them to the merchant and the kind of list.
func (s *core) cursor(merchantID, kind string, at time.Time, id string) string {
	body := strconv.FormatInt(at.UnixMilli(), 10) + "|" + id
	return base64.RawURLEncoding.EncodeToString([]byte(body)) + "." + s.pageMAC("cursor|"+kind+"|"+merchantID+"|"+body)
}

// readCursor reads a cursor: ok false when it is not this merchant's or
// this list's (or was made under another key); invalid_parameter when it
// is no cursor.
func (s *core) readCursor(merchantID, kind, v string) (at time.Time, id string, ok bool, err error) {
	bad := paygate.InvalidParam("startingAfter", "startingAfter must be the nextCursor of an earlier page")
	enc, mac, found := strings.Cut(v, ".")
	raw, canonical := decodeToken(enc)
	if !found || !canonical {
		return time.Time{}, "", false, bad
	}
	body := string(raw)
	msText, id, found := strings.Cut(body, "|")
	ms, perr := strconv.ParseInt(msText, 10, 64)
	if !found || perr != nil || id == "" {
		return time.Time{}, "", false, bad
	}
	if !hmac.Equal([]byte(mac), []byte(s.pageMAC("cursor|"+kind+"|"+merchantID+"|"+body))) {
		return time.Time{}, "", false, nil
	}
	return time.UnixMilli(ms).UTC(), id, true, nil
}
