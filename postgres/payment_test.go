package postgres_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"paygate"
	"paygate/storetest"
)

// TestPaymentsUseIndexes checks that the queries lists and risk rules make
// can read an index in the order they list, with no sort of their own.
func TestPaymentsUseIndexes(t *testing.T) {
	s := open(t, newSchema(t, testURL(t)))
	t0 := time.UnixMilli(1_767_225_600_000)
	after := paygate.PaymentCursor{CreatedAt: t0, TradeNo: "T1"}
	for _, tc := range []struct {
		name  string
		f     paygate.PaymentFilter
		index string
	}{
		{"Newest", paygate.PaymentFilter{}, "payments_merchant_created"},
		{"Page", paygate.PaymentFilter{From: t0.Add(-time.Hour), To: t0, After: after, Limit: 20}, "payments_merchant_created"},
		{"Status", paygate.PaymentFilter{Status: paygate.StatusSucceeded}, "payments_merchant_status"},
		{"StatusPage", paygate.PaymentFilter{Status: paygate.StatusSucceeded, From: t0.Add(-time.Hour), After: after}, "payments_merchant_status"},
		{"Narrowed", paygate.PaymentFilter{Status: paygate.StatusSucceeded, Last4: "4242", After: after}, "payments_merchant_status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := s.ExplainPayments(t.Context(), "m_a", tc.f)
			if err != nil {
				t.Fatal(err)
			}
			checkPlan(t, plan, tc.index)
			if tc.f.Narrowed() {
				plan, err := s.ExplainWalkEnd(t.Context(), "m_a", tc.f)
				if err != nil {
					t.Fatal(err)
				}
				checkPlan(t, plan, tc.index)
			}
		})
	}
	for _, tc := range []struct {
		name, sql string
		args      []any
		index     string
	}{
		{"CardVelocity", `SELECT count(*) FROM payments WHERE card_fingerprint = $1 AND created_at >= $2`, []any{"fp", t0.UnixMilli()}, "payments_card"},
		{"IPVelocity", `SELECT count(*) FROM payments WHERE client_ip = $1 AND created_at >= $2`, []any{"203.0.113.7", t0.UnixMilli()}, "payments_client_ip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := s.Explain(t.Context(), tc.sql, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			checkPlan(t, plan, tc.index)
		})
	}
}

func checkPlan(t *testing.T, plan, index string) {
	t.Helper()
	if !strings.Contains(plan, " using "+index+" on payments") {
		t.Errorf("plan: got\n%s\nwant it to use %s", plan, index)
	}
	if strings.Contains(plan, "Sort") || strings.Contains(plan, "Seq Scan") {
		t.Errorf("plan: got\n%s\nwant no sort and no sequential scan", plan)
	}
}

// TestMigrationFillsColumns writes payments and refunds as the release
// before the columns wrote them (the schema of the earlier migrations, the
// JSON body alone), then opens the store: the migration fills the columns
// from the bodies, and lists find the rows.
func TestMigrationFillsColumns(t *testing.T) {
	u := newSchema(t, testURL(t))
	stmts := []string{`CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at bigint NOT NULL)`}
	for _, name := range migrationFiles(t) {
		if name >= "0007" {
			continue
		}
		body, err := os.ReadFile("migration/" + name)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, string(body), `INSERT INTO schema_migrations (name, applied_at) VALUES ('`+name+`', 0)`)
	}
	sql(t, u, stmts...)

	ps := storetest.ColumnPayments("m_a")
	r := &paygate.Refund{RefundID: "R1", MerchantID: "m_a", RefundNumber: "RN1", TradeNo: ps[0].TradeNo, OrderNo: ps[0].OrderNo,
		Status: paygate.RefundSucceeded, Version: 2, Amount: paygate.Money{Minor: 700, Currency: "USD"},
		CreatedAt: ps[0].CreatedAt.Add(time.Minute), UpdatedAt: ps[0].CreatedAt.Add(2 * time.Minute)}
	c, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		body, _ := json.Marshal(p)
		var expires *int64
		if p.ExpiresAt != nil {
			expires = new(p.ExpiresAt.UnixMilli())
		}
		if _, err := c.Exec(t.Context(), `INSERT INTO payments (trade_no, merchant_id, order_no, status, version, expires_at, created_at, updated_at, body)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, p.TradeNo, p.MerchantID, p.OrderNo, string(p.Status), p.Version, expires,
			p.CreatedAt.UnixMilli(), p.UpdatedAt.UnixMilli(), string(body)); err != nil {
			t.Fatal(err)
		}
	}
	body, _ := json.Marshal(r)
	if _, err := c.Exec(t.Context(), `INSERT INTO refunds (refund_id, merchant_id, refund_number, trade_no, status, version, created_at, updated_at, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.RefundID, r.MerchantID, r.RefundNumber, r.TradeNo, string(r.Status), r.Version,
		r.CreatedAt.UnixMilli(), r.UpdatedAt.UnixMilli(), string(body)); err != nil {
		t.Fatal(err)
	}
	c.Close(t.Context())

	s := open(t, u)
	for _, p := range ps {
		storetest.CheckPaymentColumns(t, s, p)
	}
	storetest.CheckRefundColumns(t, s, r)
	got, _, err := s.Payments(t.Context(), "m_a", paygate.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range got {
		ids = append(ids, p.TradeNo)
	}
	if want := []string{"T_wallet", "T_card", "T_bare"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("Payments after the migration: got %v, want %v", ids, want)
	}
}
