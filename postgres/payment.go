package postgres

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"paygate"
)

// appendPayments adds c's payments and refunds to an Apply's writes: an
// insert (Version 1) or a compare-and-set update, every column from the
// object.
func appendPayments(ws []write, c paygate.Change) ([]write, error) {
	for _, p := range c.Payments {
		body, err := json.Marshal(p)
		if err != nil {
			return nil, paygate.Internal("apply", err)
		}
		fp, ip := nullIfEmpty(p.CardFingerprint()), nullIfEmpty(p.ClientIP())
		email, device, failure := nullIfEmpty(p.Email()), nullIfEmpty(p.DeviceID()), nullIfEmpty(p.FailureCode)
		if p.Version == 1 {
			ws = append(ws, write{"apply payment", false, `INSERT INTO payments (trade_no, merchant_id, order_no, status, version, expires_at, created_at, updated_at, body,
				amount_minor, currency, payment_method, card_fingerprint, client_ip, email, device_id, failure_code)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
				[]any{p.TradeNo, p.MerchantID, p.OrderNo, string(p.Status), p.Version, msPtr(p.ExpiresAt), ms(p.CreatedAt), ms(p.UpdatedAt), string(body),
					p.Amount.Minor, p.Amount.Currency, p.PaymentMethodType, fp, ip, email, device, failure}})
		} else {
			ws = append(ws, write{"apply payment", true, `UPDATE payments SET status = $1, version = $2, expires_at = $3, created_at = $4, updated_at = $5, body = $6,
				amount_minor = $7, currency = $8, payment_method = $9, card_fingerprint = $10, client_ip = $11, email = $12, device_id = $13,
				failure_code = $14 WHERE trade_no = $15 AND merchant_id = $16 AND version = $17`,
				[]any{string(p.Status), p.Version, msPtr(p.ExpiresAt), ms(p.CreatedAt), ms(p.UpdatedAt), string(body),
					p.Amount.Minor, p.Amount.Currency, p.PaymentMethodType, fp, ip, email, device, failure, p.TradeNo, p.MerchantID, p.Version - 1}})
		}
	}
	for _, r := range c.Refunds {
		body, err := json.Marshal(r)
		if err != nil {
			return nil, paygate.Internal("apply", err)
		}
		if r.Version == 1 {
			ws = append(ws, write{"apply refund", false, `INSERT INTO refunds (refund_id, merchant_id, refund_number, trade_no, status, version, created_at, updated_at, body,
				amount_minor, currency)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				[]any{r.RefundID, r.MerchantID, r.RefundNumber, r.TradeNo, string(r.Status), r.Version, ms(r.CreatedAt), ms(r.UpdatedAt), string(body),
					r.Amount.Minor, r.Amount.Currency}})
		} else {
			ws = append(ws, write{"apply refund", true, `UPDATE refunds SET status = $1, version = $2, created_at = $3, updated_at = $4, body = $5,
				amount_minor = $6, currency = $7 WHERE refund_id = $8 AND merchant_id = $9 AND version = $10`,
				[]any{string(r.Status), r.Version, ms(r.CreatedAt), ms(r.UpdatedAt), string(body), r.Amount.Minor, r.Amount.Currency,
					r.RefundID, r.MerchantID, r.Version - 1}})
		}
	}
	return ws, nil
}

// nullIfEmpty is s, or NULL for "".
func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Payment returns a payment by tradeNo.
func (s *Store) Payment(ctx context.Context, merchantID, tradeNo string) (*paygate.Payment, error) {
	return one(bodies[paygate.Payment](ctx, s, "payment", `SELECT body FROM payments WHERE trade_no = $1 AND merchant_id = $2`, tradeNo, merchantID))
}

// PaymentByOrderNo returns a payment by orderNo.
func (s *Store) PaymentByOrderNo(ctx context.Context, merchantID, orderNo string) (*paygate.Payment, error) {
	return one(bodies[paygate.Payment](ctx, s, "payment", `SELECT body FROM payments WHERE merchant_id = $1 AND order_no = $2`, merchantID, orderNo))
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
func walkedPage[T any](ctx context.Context, s *Store, op, q string, args []any, endQ string, endArgs []any, pageSize int) (vs []*T, endAt time.Time, endID string, err error) {
	if endQ == "" {
		vs, err := bodies[T](ctx, s, op, q, args...)
		return vs, time.Time{}, "", err
	}
	if !storable(args...) {
		return nil, time.Time{}, "", nil
	}
	err = s.withConn(ctx, op, func(c *pgxpool.Conn) error {
		return pgx.BeginTxFunc(ctx, c, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			bs, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			for _, b := range bs {
				v := new(T)
				if err := json.Unmarshal([]byte(b), v); err != nil {
					return paygate.Internal(op, err)
				}
				vs = append(vs, v)
			}
			if len(vs) > pageSize {
				return nil
			}
			rows, err = tx.Query(ctx, endQ, endArgs...)
			if err != nil {
				return err
			}
			type end struct {
				at int64
				id string
			}
			ends, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (end, error) {
				var e end
				return e, r.Scan(&e.at, &e.id)
			})
			if len(ends) == 2 { // the walk stopped with rows left to look at
				endAt, endID = time.UnixMilli(ends[0].at).UTC(), ends[0].id
			}
			return err
		})
	})
	if err != nil {
		return nil, time.Time{}, "", err
	}
	return vs, endAt, endID, nil
}

// paymentsQuery is the query of Payments: one more row than a page, to
// know whether another page follows. It reads the index
// payments_merchant_created, or payments_merchant_status with a status,
// backwards. The filters no index serves look at ScanSize payments
// at most.
func paymentsQuery(merchantID string, f paygate.PaymentFilter) (string, []any) {
	cols := "body"
	if f.Narrowed() {
		cols = "body, created_at, trade_no, payment_method, currency, order_no"
	}
	walk, args := paymentsWalk(merchantID, f, cols)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if !f.Narrowed() {
		return walk + ` LIMIT ` + arg(f.PageSize()+1), args
	}
	q := `SELECT body FROM (` + walk + ` LIMIT ` + arg(f.ScanSize()) + `) AS walk WHERE true`
	if f.Method != "" {
		q += ` AND payment_method = ` + arg(f.Method)
	}
	if f.Currency != "" {
		q += ` AND currency = ` + arg(f.Currency)
	}
	if f.OrderNoPrefix != "" {
		q += ` AND left(order_no, ` + arg(len(f.OrderNoPrefix)) + `) = ` + arg(f.OrderNoPrefix)
	}
	if f.Last4 != "" {
		q += ` AND body::json->'Card'->>'Last4' = ` + arg(f.Last4)
	}
	q += ` ORDER BY created_at DESC, trade_no DESC LIMIT ` + arg(f.PageSize()+1)
	return q, args
}

// walkEndQuery reads the last payment a narrowed page looked at, when the
// walk stopped at ScanSize, and the one after it: two rows when the walk
// stopped with payments left.
func walkEndQuery(merchantID string, f paygate.PaymentFilter) (string, []any) {
	walk, args := paymentsWalk(merchantID, f, "created_at, trade_no")
	return walk + ` LIMIT 2 OFFSET $` + strconv.Itoa(len(args)+1), append(args, f.ScanSize()-1)
}

// paymentsWalk selects cols of the merchant's payments in listing order,
// as far as an index serves f: status, time range and cursor.
func paymentsWalk(merchantID string, f paygate.PaymentFilter, cols string) (string, []any) {
	return walk{table: "payments", id: "trade_no", status: string(f.Status), from: f.From, to: f.To,
		afterAt: f.After.CreatedAt, afterID: f.After.TradeNo}.query(merchantID, cols)
}

// walk is a list's walk over a merchant's index, newest first: the table,
// the id column that breaks ties in time, and the conditions the index
// serves.
type walk struct {
	table, id string
	status    string // "" for every status
	from, to  time.Time
	afterAt   time.Time // with afterID, the cursor; both zero start the list
	afterID   string
}

// query selects cols of the merchant's rows along the walk.
func (w walk) query(merchantID, cols string) (string, []any) {
	args := []any{merchantID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	q := `SELECT ` + cols + ` FROM ` + w.table + ` WHERE merchant_id = $1`
	if w.status != "" {
		q += ` AND status = ` + arg(w.status)
	}
	if !w.from.IsZero() {
		q += ` AND created_at >= ` + arg(ms(w.from))
	}
	if !w.to.IsZero() {
		q += ` AND created_at < ` + arg(ms(w.to))
	}
	if !w.afterAt.IsZero() || w.afterID != "" {
		q += ` AND (created_at, ` + w.id + `) < (` + arg(ms(w.afterAt)) + `, ` + arg(w.afterID) + `)`
	}
	return q + ` ORDER BY created_at DESC, ` + w.id + ` DESC`, args
}

// DuePayments lists payments in statuses whose deadline has passed.
func (s *Store) DuePayments(ctx context.Context, statuses []paygate.Status, now time.Time, limit int) ([]*paygate.Payment, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	sts := make([]string, len(statuses))
	for i, st := range statuses {
		sts[i] = string(st)
	}
	return bodies[paygate.Payment](ctx, s, "due payments", `SELECT body FROM payments WHERE expires_at IS NOT NULL AND expires_at <= $1
		AND status = ANY($2) ORDER BY expires_at, trade_no LIMIT $3`, ms(now), sts, limitArg(limit))
}

// FindPayments lists the payments of any merchant with this tradeNo or orderNo.
func (s *Store) FindPayments(ctx context.Context, ref string, limit int) ([]*paygate.Payment, error) {
	return bodies[paygate.Payment](ctx, s, "find payments", `SELECT body FROM payments WHERE trade_no = $1 OR order_no = $1
		ORDER BY created_at DESC, trade_no DESC LIMIT $2`, ref, limitArg(limit))
}

// Refund returns a refund by id.
func (s *Store) Refund(ctx context.Context, merchantID, refundID string) (*paygate.Refund, error) {
	return one(bodies[paygate.Refund](ctx, s, "refund", `SELECT body FROM refunds WHERE refund_id = $1 AND merchant_id = $2`, refundID, merchantID))
}

// RefundByNumber returns a refund by refundNumber.
func (s *Store) RefundByNumber(ctx context.Context, merchantID, refundNumber string) (*paygate.Refund, error) {
	return one(bodies[paygate.Refund](ctx, s, "refund", `SELECT body FROM refunds WHERE merchant_id = $1 AND refund_number = $2`, merchantID, refundNumber))
}

// Refunds lists a payment's refunds, oldest first.
func (s *Store) Refunds(ctx context.Context, merchantID, tradeNo string) ([]*paygate.Refund, error) {
	return bodies[paygate.Refund](ctx, s, "refunds", `SELECT body FROM refunds WHERE merchant_id = $1 AND trade_no = $2 ORDER BY created_at, refund_id`, merchantID, tradeNo)
}

// StaleRefunds lists PROCESSING refunds not updated since before.
func (s *Store) StaleRefunds(ctx context.Context, before time.Time, limit int) ([]*paygate.Refund, error) {
	return bodies[paygate.Refund](ctx, s, "stale refunds", `SELECT body FROM refunds WHERE status = 'PROCESSING' AND updated_at <= $1
		ORDER BY updated_at, refund_id LIMIT $2`, ms(before), limitArg(limit))
}

// ListRefunds lists a page of a merchant's refunds, newest first, reading
// the index refunds_merchant_created backwards; status and currency
// narrow the walk, ScanSize refunds a page at most.
func (s *Store) ListRefunds(ctx context.Context, merchantID string, f paygate.RefundFilter) ([]*paygate.Refund, paygate.RefundCursor, error) {
	if !storable(merchantID, f.Currency, f.After.RefundID) {
		return nil, paygate.RefundCursor{}, nil
	}
	cols := "body"
	if f.Narrowed() {
		cols = "body, created_at, refund_id, status, currency"
	}
	walk, args := refundsWalk(merchantID, f, cols)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	q, endQ := walk, ""
	var endArgs []any
	if f.Narrowed() {
		endQ, endArgs = refundsWalk(merchantID, f, "created_at, refund_id")
		endQ += ` LIMIT 2 OFFSET $` + strconv.Itoa(len(endArgs)+1)
		endArgs = append(endArgs, f.ScanSize()-1)
		q = `SELECT body FROM (` + walk + ` LIMIT ` + arg(f.ScanSize()) + `) AS walk WHERE true`
		if f.Status != "" {
			q += ` AND status = ` + arg(string(f.Status))
		}
		if f.Currency != "" {
			q += ` AND currency = ` + arg(f.Currency)
		}
		q += ` ORDER BY created_at DESC, refund_id DESC`
	}
	q += ` LIMIT ` + arg(f.PageSize()+1)
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
	return walk{table: "refunds", id: "refund_id", from: f.From, to: f.To,
		afterAt: f.After.CreatedAt, afterID: f.After.RefundID}.query(merchantID, cols)
}
