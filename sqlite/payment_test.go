package sqlite

import (
	"database/sql"
	"encoding/json"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"paygate"
	"paygate/storetest"
)

// TestPaymentsUseIndexes checks that the queries lists and risk rules make
// read an index in the order they list, with no sort of their own.
func TestPaymentsUseIndexes(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "paygate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.UnixMilli(1_767_225_600_000)
	after := paygate.PaymentCursor{CreatedAt: t0, TradeNo: "T1"}
	type query struct {
		name  string
		sql   string
		args  []any
		index string
	}
	var qs []query
	for _, tc := range []struct {
		name  string
		f     paygate.PaymentFilter
		index string
	}{
		{"Newest", paygate.PaymentFilter{}, "payments_merchant_created"},
		{"Page", paygate.PaymentFilter{From: t0.Add(-time.Hour), To: t0, After: after, Limit: 20}, "payments_merchant_created"},
		{"Status", paygate.PaymentFilter{Status: paygate.StatusSucceeded}, "payments_merchant_status"},
		{"StatusPage", paygate.PaymentFilter{Status: paygate.StatusSucceeded, From: t0.Add(-time.Hour), After: after}, "payments_merchant_status"},
	} {
		q, args := paymentsQuery("m_a", tc.f)
		qs = append(qs, query{tc.name, q, args, tc.index})
	}
	narrowed := paygate.PaymentFilter{Status: paygate.StatusSucceeded, Last4: "4242", After: after}
	q, args := paymentsQuery("m_a", narrowed)
	qs = append(qs, query{"Narrowed", q, args, "payments_merchant_status"})
	q, args = walkEndQuery("m_a", narrowed)
	qs = append(qs, query{"WalkEnd", q, args, "payments_merchant_status"})
	qs = append(qs,
		query{"CardVelocity", `SELECT count(*) FROM payments WHERE card_fingerprint = ? AND created_at >= ?`, []any{"fp", ms(t0)}, "payments_card"},
		query{"IPVelocity", `SELECT count(*) FROM payments WHERE client_ip = ? AND created_at >= ?`, []any{"203.0.113.7", ms(t0)}, "payments_client_ip"},
	)
	vq := velocityQuery([]string{"count(*)"}, []int{0, 1, 2, 3})
	var vargs []any
	for _, key := range []string{"fp", "203.0.113.7", "ana@example.com", "dev-1"} {
		vargs = append(vargs, key, ms(t0), "m_a", 1000)
	}
	plan := explain(t, s.r.DB, vq, vargs)
	for _, index := range []string{"payments_card", "payments_client_ip", "payments_email", "payments_device"} {
		if !strings.Contains(plan, "INDEX "+index+" ") {
			t.Errorf("velocity plan %q does not use %s", plan, index)
		}
	}
	for _, q := range qs {
		t.Run(q.name, func(t *testing.T) {
			plan := explain(t, s.r.DB, q.sql, q.args)
			if !strings.Contains(plan, "USING INDEX "+q.index+" ") && !strings.Contains(plan, "USING COVERING INDEX "+q.index+" ") {
				t.Errorf("plan of %s: got %q, want it to use %s", q.sql, plan, q.index)
			}
			if strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan of %s: got %q, want no sort", q.sql, plan)
			}
		})
	}
}

func explain(t *testing.T, db *sql.DB, q string, args []any) string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "; ")
}

// TestMigrationFillsColumns writes payments and refunds as the release
// before the columns wrote them (the schema of the earlier migrations, the
// JSON body alone), then opens the store: the migration fills the columns
// from the bodies, and lists find the rows.
func TestMigrationFillsColumns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paygate.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	mustExec(`CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`)
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if name >= "migration/0007" {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		mustExec(string(body))
		mustExec(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, 0)`, name)
	}
	ps := storetest.ColumnPayments("m_a")
	for _, p := range ps {
		body, _ := json.Marshal(p)
		mustExec(`INSERT INTO payments (trade_no, merchant_id, order_no, status, version, expires_at, created_at, updated_at, body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.TradeNo, p.MerchantID, p.OrderNo, string(p.Status), p.Version, msPtr(p.ExpiresAt),
			ms(p.CreatedAt), ms(p.UpdatedAt), body)
	}
	r := &paygate.Refund{RefundID: "R1", MerchantID: "m_a", RefundNumber: "RN1", TradeNo: ps[0].TradeNo, OrderNo: ps[0].OrderNo,
		Status: paygate.RefundSucceeded, Version: 2, Amount: paygate.Money{Minor: 700, Currency: "USD"},
		CreatedAt: ps[0].CreatedAt.Add(time.Minute), UpdatedAt: ps[0].CreatedAt.Add(2 * time.Minute)}
	body, _ := json.Marshal(r)
	mustExec(`INSERT INTO refunds (refund_id, merchant_id, refund_number, trade_no, status, version, created_at, updated_at, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.RefundID, r.MerchantID, r.RefundNumber, r.TradeNo, string(r.Status), r.Version,
		ms(r.CreatedAt), ms(r.UpdatedAt), body)
	db.Close()

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
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
