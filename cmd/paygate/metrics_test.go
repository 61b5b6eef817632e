package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestMetrics: after a scripted mix (approved, declined, a refund, a
// challenge, a bad request) the counters on /metrics moved as expected,
// label values are route patterns and fixed sets (no order number, trade
// number or token), and promtool accepts the output when it is installed.
func TestMetrics(t *testing.T) {
	a := startApp(t, func(m *Main) { m.MetricsAddr = "127.0.0.1:0" })
	c := a.sandbox()
	paid := nextOrderNo("mt")
	c.do("POST", "/v1/payments", cardPayment(paid, "4242424242424242")).want(201)
	c.do("POST", "/v1/payments", cardPayment(nextOrderNo("mt"), "4242424242424242")).want(201)
	c.do("POST", "/v1/payments", cardPayment(nextOrderNo("mt"), "4000000000000002")).want(201) // declined
	c.do("POST", "/v1/refunds", map[string]string{"orderNo": paid, "amount": "10", "refundNumber": nextOrderNo("rf"),
		"reason": "r", "clientIp": "1.1.1.1"}).want(201)
	c.do("GET", "/v1/payments/T-no-such-trade", nil).want(404)
	c.do("POST", "/v1/payments", map[string]any{"amount": 1}).want(400)

	resp, err := http.Get(a.MetricsURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	value := func(series string) float64 {
		t.Helper()
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
		if m == nil {
			t.Errorf("no series %s", series)
			return 0
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	for series, want := range map[string]float64{
		`paygate_http_requests_total{code="201",method="POST",route="POST /v1/payments"}`:                     3,
		`paygate_http_requests_total{code="400",method="POST",route="POST /v1/payments"}`:                     1,
		`paygate_http_requests_total{code="404",method="GET",route="GET /v1/payments/{tradeNo}"}`:             1,
		`paygate_payment_status_changes_total{connector="sandbox",method="card",status="SUCCEEDED"}`:          2,
		`paygate_payment_status_changes_total{connector="sandbox",method="card",status="FAILED"}`:             1,
		`paygate_payment_status_changes_total{connector="sandbox",method="card",status="PARTIALLY_REFUNDED"}`: 1,
		`paygate_refund_status_changes_total{connector="sandbox",status="SUCCEEDED"}`:                         1,
		`paygate_connector_calls_total{connector="sandbox",op="authorize",result="ok"}`:                       2,
		`paygate_connector_calls_total{connector="sandbox",op="authorize",result="declined"}`:                 1,
		`paygate_connector_calls_total{connector="sandbox",op="refund",result="ok"}`:                          1,
	} {
		if got := value(series); got != want {
			t.Errorf("%s: got %v, want %v", series, got, want)
		}
	}
	if got := value(`paygate_group_commit_changes_count`); got < 5 {
		t.Errorf("group commits: got %v, want at least the 5 the mix wrote", got)
	}
	if got := value(`paygate_db_pool_max_connections{pool="writer"}`); got != 1 {
		t.Errorf("the SQLite writer pool's size: got %v, want 1", got)
	}
	if got := value(`paygate_notifications_backlog`); got != 0 {
		t.Errorf("notification backlog: got %v, want 0 (no notification targets)", got)
	}
	if strings.Contains(text, paid) || strings.Contains(text, "T-no-such-trade") || strings.Contains(text, c.token) {
		t.Error("a label holds an order number, a trade number or a token")
	}
	if !strings.Contains(text, "go_goroutines") || !strings.Contains(text, "process_cpu_seconds_total") {
		t.Error("the Go runtime's and the process's metrics are missing")
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is not installed (apt-get install prometheus); CI needs it")
		}
		t.Log("promtool is not installed (Debian: apt-get install prometheus); its check is skipped")
		return
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = strings.NewReader(text)
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestMetricsOff: without --metrics-addr no listener serves metrics and the
// API has no /metrics route.
func TestMetricsOff(t *testing.T) {
	a := startApp(t)
	if a.MetricsURL != "" {
		t.Errorf("MetricsURL %q without --metrics-addr", a.MetricsURL)
	}
	resp, err := http.Get(a.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET /metrics on the API: got %d, want 404", resp.StatusCode)
	}
}

// TestAlertRules: promtool accepts the alert rules docs/metrics.md offers.
func TestAlertRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is not installed (apt-get install prometheus); CI needs it")
		}
		t.Skip("promtool is not installed (Debian: apt-get install prometheus)")
	}
	if out, err := exec.Command(promtool, "check", "rules", "../../docs/monitoring/alerts.yml").CombinedOutput(); err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
}
