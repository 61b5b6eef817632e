package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"paygate"
)

// encoded holds what a change's payments and refunds are stored as (their
// JSON bodies, the columns read out of them), made by the calling goroutine
// so the single writer spends its time on SQL only.
type encoded struct {
	payments []paymentRow
	refunds  [][]byte
}

// paymentRow is a payment's body and the columns that are not plain fields.
type paymentRow struct {
	body        []byte
	fingerprint any // NULL without a card
	clientIP    any // NULL without one
	email       any // NULL without one
	deviceID    any // NULL without one
	failure     any // NULL without a failure code
}

func encode(c paygate.Change) (encoded, error) {
	var e encoded
	for _, p := range c.Payments {
		b, err := json.Marshal(p)
		if err != nil {
			return e, paygate.Internal("apply", err)
		}
		e.payments = append(e.payments, paymentRow{body: b, fingerprint: nullIfEmpty(p.CardFingerprint()), clientIP: nullIfEmpty(p.ClientIP()),
			email: nullIfEmpty(p.Email()), deviceID: nullIfEmpty(p.DeviceID()), failure: nullIfEmpty(p.FailureCode)})
	}
	for _, r := range c.Refunds {
		b, err := json.Marshal(r)
		if err != nil {
			return e, paygate.Internal("apply", err)
		}
		e.refunds = append(e.refunds, b)
	}
	return e, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// applyPayments inserts (Version 1) or updates (compare-and-set) payments,
// every column from the payment.
func applyPayments(ctx context.Context, tx *tx, ps []*paygate.Payment, rows []paymentRow) error {
	for i, p := range ps {
		row := rows[i]
		var res sql.Result
		var err error
		if p.Version == 1 {
			res, err = tx.ExecContext(ctx, `INSERT INTO payments (trade_no, merchant_id, order_no, status, version, expires_at, created_at, updated_at, body,
				amount_minor, currency, payment_method, card_fingerprint, client_ip, email, device_id, failure_code)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.TradeNo, p.MerchantID, p.OrderNo, p.Status, p.Version, msPtr(p.ExpiresAt),
				ms(p.CreatedAt), ms(p.UpdatedAt), row.body, p.Amount.Minor, p.Amount.Currency, p.PaymentMethodType, row.fingerprint, row.clientIP,
				row.email, row.deviceID, row.failure)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE payments SET status = ?, version = ?, expires_at = ?, created_at = ?, updated_at = ?, body = ?,
				amount_minor = ?, currency = ?, payment_method = ?, card_fingerprint = ?, client_ip = ?, email = ?, device_id = ?,
				failure_code = ? WHERE trade_no = ? AND merchant_id = ? AND version = ?`, p.Status, p.Version, msPtr(p.ExpiresAt), ms(p.CreatedAt),
				ms(p.UpdatedAt), row.body, p.Amount.Minor, p.Amount.Currency, p.PaymentMethodType, row.fingerprint, row.clientIP, row.email,
				row.deviceID, row.failure, p.TradeNo, p.MerchantID, p.Version-1)
		}
		if err := affected("apply payment", res, err); err != nil {
			return err
		}
	}
	return nil
}

// applyRefunds inserts (Version 1) or updates (compare-and-set) refunds.
func applyRefunds(ctx context.Context, tx *tx, rs []*paygate.Refund, bodies [][]byte) error {
	for i, r := range rs {
		var res sql.Result
		var err error
		if r.Version == 1 {
			res, err = tx.ExecContext(ctx, `INSERT INTO refunds (refund_id, merchant_id, refund_number, trade_no, status, version, created_at, updated_at, body,
				amount_minor, currency)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.RefundID, r.MerchantID, r.RefundNumber, r.TradeNo, r.Status, r.Version,
				ms(r.CreatedAt), ms(r.UpdatedAt), bodies[i], r.Amount.Minor, r.Amount.Currency)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE refunds SET status = ?, version = ?, created_at = ?, updated_at = ?, body = ?, amount_minor = ?, currency = ?
				WHERE refund_id = ? AND merchant_id = ? AND version = ?`, r.Status, r.Version, ms(r.CreatedAt), ms(r.UpdatedAt), bodies[i],
				r.Amount.Minor, r.Amount.Currency, r.RefundID, r.MerchantID, r.Version-1)
		}
		if err := affected("apply refund", res, err); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) payment(ctx context.Context, where string, args ...any) (*paygate.Payment, error) {
	var body string
	if err := s.r.QueryRowContext(ctx, `SELECT body FROM payments WHERE `+where, args...).Scan(&body); err != nil {
		return nil, dbErr("payment", err)
	}
	var p paygate.Payment
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		return nil, paygate.Internal("payment", err)
	}
	return &p, nil
}

// Payment returns a payment by tradeNo.
func (s *Store) Payment(ctx context.Context, merchantID, tradeNo string) (*paygate.Payment, error) {
	return s.payment(ctx, `trade_no = ? AND merchant_id = ?`, tradeNo, merchantID)
}

// PaymentByOrderNo returns a payment by orderNo.
func (s *Store) PaymentByOrderNo(ctx context.Context, merchantID, orderNo string) (*paygate.Payment, error) {
	return s.payment(ctx, `merchant_id = ? AND order_no = ?`, merchantID, orderNo)
}

// Payments lists a page of a merchant's payments, newest first.
func (s *Store) Payments(ctx context.Context, merchantID string, f paygate.PaymentFilter) ([]*paygate.Payment, paygate.PaymentCursor, error) {
	q, args := paymentsQuery(merchantID, f)
	var endQ string
	var endArgs []any
	if f.Narrowed() {
		endQ, endArgs = walkEndQuery(merchantID, f)
	}
	ps, endAt, endID, err := walkedPage[paygate.Payment](ctx, s, "payments", q, args, endQ, endArgs, f.PageSize())
	if err != nil {
		return nil, paygate.PaymentCursor{}, err
	}
	var walkEnd paygate.PaymentCursor
	if endID != "" {
		walkEnd = paygate.PaymentCursor{CreatedAt: endAt, TradeNo: endID}
	}
	page, next := f.PageWalked(ps, walkEnd)
	return page, next, nil
}

// walkedPage reads a page of a list: q's rows, and, for a narrowed list
// (endQ not "") whose rows do not fill the page, where its walk stopped
// with rows left to look at: the first of endQ's two rows (creation time
// and id). Both are read in one snapshot, so a row written meanwhile
// shifts neither.
func walkedPage[T any](ctx context.Context, s *Store, op, q string, args []any, endQ string, endArgs []any, pageSize int) ([]*T, time.Time, string, error) {
	if endQ == "" {
		rows, err := s.r.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, time.Time{}, "", dbErr(op, err)
		}
		vs, err := scanAll[T](rows)
		return vs, time.Time{}, "", err
	}
	tx, err := s.r.DB.BeginTx(ctx, nil)
	if err != nil {
		return nil, time.Time{}, "", dbErr(op, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, time.Time{}, "", dbErr(op, err)
	}
	vs, err := scanAll[T](rows)
	if err != nil || len(vs) > pageSize {
		return vs, time.Time{}, "", err
	}
	rows, err = tx.QueryContext(ctx, endQ, endArgs...)
	if err != nil {
		return nil, time.Time{}, "", dbErr(op, err)
	}
	defer rows.Close()
	var ats []int64
	var ids []string
	for rows.Next() {
		var at int64
		var id string
		if err := rows.Scan(&at, &id); err != nil {
			return nil, time.Time{}, "", dbErr(op, err)
		}
		ats, ids = append(ats, at), append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, "", dbErr(op, err)
	}
	if len(ids) < 2 { // the walk reached the end of the list
		return vs, time.Time{}, "", nil
	}
	return vs, time.UnixMilli(ats[0]).UTC(), ids[0], nil
}

// paymentsQuery is the query of Payments: one more row than a page, to
// know whether another page follows. It reads the index
// payments_merchant_created, or payments_merchant_status with a status,
// backwards. It names the index: without statistics SQLite's planner takes
// the first for a status and a time range, and then walks every status.
// The filters no index serves look at ScanSize payments at most.
func paymentsQuery(merchantID string, f paygate.PaymentFilter) (string, []any) {
	cols := "body"
	if f.Narrowed() {
		cols = "body, created_at, trade_no, payment_method, currency, order_no"
	}
	walk, args := paymentsWalk(merchantID, f, cols)
	if !f.Narrowed() {
		return walk + ` LIMIT ?`, append(args, f.PageSize()+1)
	}
	var q strings.Builder
	q.WriteString(`SELECT body FROM (` + walk + ` LIMIT ?) WHERE 1 = 1`)
	args = append(args, f.ScanSize())
	if f.Method != "" {
		q.WriteString(` AND payment_method = ?`)
		args = append(args, f.Method)
	}
	if f.Currency != "" {
		q.WriteString(` AND currency = ?`)
		args = append(args, f.Currency)
	}
	if f.OrderNoPrefix != "" {
		q.WriteString(` AND substr(order_no, 1, ?) = ?`)
		args = append(args, len(f.OrderNoPrefix), f.OrderNoPrefix)
	}
	if f.Last4 != "" {
		q.WriteString(` AND json_extract(body, '$.Card.Last4') = ?`)
		args = append(args, f.Last4)
	}
	q.WriteString(` ORDER BY created_at DESC, trade_no DESC LIMIT ?`)
	return q.String(), append(args, f.PageSize()+1)
}

// walkEndQuery reads the last payment a narrowed page looked at, when the
// walk stopped at ScanSize, and the one after it: two rows when the walk
// stopped with payments left.
func walkEndQuery(merchantID string, f paygate.PaymentFilter) (string, []any) {
	walk, args := paymentsWalk(merchantID, f, "created_at, trade_no")
	return walk + ` LIMIT 2 OFFSET ?`, append(args, f.ScanSize()-1)
}

// paymentsWalk selects cols of the merchant's payments in listing order,
// as far as an index serves f: status, time range and cursor.
func paymentsWalk(merchantID string, f paygate.PaymentFilter, cols string) (string, []any) {
	w := walk{table: "payments", index: "payments_merchant_created", id: "trade_no", status: string(f.Status),
		from: f.From, to: f.To, afterAt: f.After.CreatedAt, afterID: f.After.TradeNo}
	if f.Status != "" {
		w.index = "payments_merchant_status"
	}
	return w.query(merchantID, cols)
}

// walk is a list's walk over a merchant's index, newest first: the table,
// the index named to SQLite, the id column that breaks ties in time, and
// the conditions the index serves.
type walk struct {
	table, index, id string
	status           string // "" for every status
	from, to         time.Time
	afterAt          time.Time // with afterID, the cursor; both zero start the list
	afterID          string
}

// query selects cols of the merchant's rows along the walk.
func (w walk) query(merchantID, cols string) (string, []any) {
	var q strings.Builder
	q.WriteString(`SELECT ` + cols + ` FROM ` + w.table + ` INDEXED BY ` + w.index + ` WHERE merchant_id = ?`)
	args := []any{merchantID}
	if w.status != "" {
		q.WriteString(` AND status = ?`)
		args = append(args, w.status)
	}
	if !w.from.IsZero() {
		q.WriteString(` AND created_at >= ?`)
		args = append(args, ms(w.from))
	}
	if !w.to.IsZero() {
		q.WriteString(` AND created_at < ?`)
		args = append(args, ms(w.to))
	}
	if !w.afterAt.IsZero() || w.afterID != "" {
		q.WriteString(` AND (created_at, ` + w.id + `) < (?, ?)`)
		args = append(args, ms(w.afterAt), w.afterID)
	}
	q.WriteString(` ORDER BY created_at DESC, ` + w.id + ` DESC`)
	return q.String(), args
}

// DuePayments lists payments in statuses whose deadline has passed.
func (s *Store) DuePayments(ctx context.Context, statuses []paygate.Status, now time.Time, limit int) ([]*paygate.Payment, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	args := []any{ms(now)}
	for _, st := range statuses {
		args = append(args, string(st))
	}
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM payments WHERE expires_at IS NOT NULL AND expires_at <= ?
		AND status IN (?`+strings.Repeat(", ?", len(statuses)-1)+`) ORDER BY expires_at LIMIT ?`, args...)
	if err != nil {
		return nil, dbErr("due payments", err)
	}
	return scanAll[paygate.Payment](rows)
}

// FindPayments lists the payments of any merchant with this tradeNo or orderNo.
func (s *Store) FindPayments(ctx context.Context, ref string, limit int) ([]*paygate.Payment, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM payments WHERE trade_no = ? OR order_no = ?
		ORDER BY created_at DESC, trade_no DESC LIMIT ?`, ref, ref, limit)
	if err != nil {
		return nil, dbErr("find payments", err)
	}
	return scanAll[paygate.Payment](rows)
}

func (s *Store) refund(ctx context.Context, where string, args ...any) (*paygate.Refund, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM refunds WHERE `+where, args...)
	if err != nil {
		return nil, dbErr("refund", err)
	}
	rs, err := scanAll[paygate.Refund](rows)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, &paygate.Error{Code: paygate.ENotFound, Op: "refund", Message: "not found"}
	}
	return rs[0], nil
}

// Refund returns a refund by id.
func (s *Store) Refund(ctx context.Context, merchantID, refundID string) (*paygate.Refund, error) {
	return s.refund(ctx, `refund_id = ? AND merchant_id = ?`, refundID, merchantID)
}

// RefundByNumber returns a refund by refundNumber.
func (s *Store) RefundByNumber(ctx context.Context, merchantID, refundNumber string) (*paygate.Refund, error) {
	return s.refund(ctx, `merchant_id = ? AND refund_number = ?`, merchantID, refundNumber)
}

// Refunds lists a payment's refunds, oldest first.
func (s *Store) Refunds(ctx context.Context, merchantID, tradeNo string) ([]*paygate.Refund, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM refunds WHERE merchant_id = ? AND trade_no = ? ORDER BY created_at, refund_id`, merchantID, tradeNo)
	if err != nil {
		return nil, dbErr("refunds", err)
	}
	return scanAll[paygate.Refund](rows)
}

// StaleRefunds lists PROCESSING refunds not updated since before.
func (s *Store) StaleRefunds(ctx context.Context, before time.Time, limit int) ([]*paygate.Refund, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM refunds WHERE status = 'PROCESSING' AND updated_at <= ? ORDER BY updated_at, refund_id LIMIT ?`, ms(before), limit)
	if err != nil {
		return nil, dbErr("stale refunds", err)
	}
	return scanAll[paygate.Refund](rows)
}

// ListRefunds lists a page of a merchant's refunds, newest first, reading
// the index refunds_merchant_created backwards; status and currency
// narrow the walk, ScanSize refunds a page at most.
func (s *Store) ListRefunds(ctx context.Context, merchantID string, f paygate.RefundFilter) ([]*paygate.Refund, paygate.RefundCursor, error) {
	cols := "body"
	if f.Narrowed() {
		cols = "body, created_at, refund_id, status, currency"
	}
	walk, args := refundsWalk(merchantID, f, cols)
	q, endQ := walk, ""
	var endArgs []any
	if f.Narrowed() {
		endQ, endArgs = refundsWalk(merchantID, f, "created_at, refund_id")
		endQ += ` LIMIT 2 OFFSET ?`
		endArgs = append(endArgs, f.ScanSize()-1)
		q = `SELECT body FROM (` + walk + ` LIMIT ?) WHERE 1 = 1`
		args = append(args, f.ScanSize())
		if f.Status != "" {
			q += ` AND status = ?`
			args = append(args, string(f.Status))
		}
		if f.Currency != "" {
			q += ` AND currency = ?`
			args = append(args, f.Currency)
		}
		q += ` ORDER BY created_at DESC, refund_id DESC`
	}
	q += ` LIMIT ?`
	args = append(args, f.PageSize()+1)
	rs, endAt, endID, err := walkedPage[paygate.Refund](ctx, s, "list refunds", q, args, endQ, endArgs, f.PageSize())
	if err != nil {
		return nil, paygate.RefundCursor{}, err
	}
	var walkEnd paygate.RefundCursor
	if endID != "" {
		walkEnd = paygate.RefundCursor{CreatedAt: endAt, RefundID: endID}
	}
	page, next := f.Page(rs, walkEnd)
	return page, next, nil
}

// refundsWalk selects cols of the merchant's refunds in listing order, as
// far as the index serves f: time range and cursor.
func refundsWalk(merchantID string, f paygate.RefundFilter, cols string) (string, []any) {
	return walk{table: "refunds", index: "refunds_merchant_created", id: "refund_id",
		from: f.From, to: f.To, afterAt: f.After.CreatedAt, afterID: f.After.RefundID}.query(merchantID, cols)
}
