// Package metrics exposes paygate's Prometheus metrics: the one place that
// wires github.com/prometheus/client_golang. It observes the gateway
// (gateway.Observer) and wraps the HTTP handler; label values come from
// small fixed sets (route patterns, statuses, results), never an id or a
// merchant's text.
package metrics

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"paygate"
	"paygate/gateway"
)

// Metrics is a registry of paygate's metrics and the Go runtime's and the
// process's.
type Metrics struct {
	reg              *prometheus.Registry
	requests         *prometheus.CounterVec
	requestSeconds   *prometheus.HistogramVec
	payments         *prometheus.CounterVec
	refunds          *prometheus.CounterVec
	connectorCalls   *prometheus.CounterVec
	connectorSeconds *prometheus.HistogramVec
	deliveries       *prometheus.CounterVec
	deliverySeconds  prometheus.Histogram
	groupSize        prometheus.Histogram
	groupSeconds     prometheus.Histogram
	backlog          atomic.Pointer[func() (int, error)]
	pools            *pools
}

var _ gateway.Observer = (*Metrics)(nil)

// New returns the metrics, registered.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paygate_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code."}, []string{"route", "method", "code"}),
		requestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "paygate_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"route", "method"}),
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paygate_payment_status_changes_total",
			Help: "Payments that moved to a status (PENDING counts created ones), by status, payment method and connector."},
			[]string{"status", "method", "connector"}),
		refunds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paygate_refund_status_changes_total",
			Help: "Refunds that moved to a status (PROCESSING counts created ones), by connector."}, []string{"status", "connector"}),
		connectorCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paygate_connector_calls_total",
			Help: "Calls to acquirers and wallets, by connector, operation and result (ok, declined, error: no answer)."},
			[]string{"connector", "op", "result"}),
		connectorSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "paygate_connector_call_duration_seconds",
			Help:    "Time a connector took to answer, by connector and operation.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"connector", "op"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paygate_notification_deliveries_total",
			Help: "Notification delivery attempts, by result (delivered, failed)."}, []string{"result"}),
		deliverySeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "paygate_notification_delivery_duration_seconds",
			Help:    "Time a notification's receiver took to answer.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}),
	}
	m.groupSize = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "paygate_group_commit_changes",
		Help:    "Changes written by one group commit of the store.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}})
	m.groupSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "paygate_group_commit_duration_seconds",
		Help:    "Time one group commit of the store took, durable write included.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}})
	backlog := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "paygate_notifications_backlog",
		Help: "Notifications due and not yet delivered, of every merchant (read from the database at each scrape)."},
		m.readBacklog)
	m.pools = newPools()
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), m.pools,
		m.requests, m.requestSeconds, m.payments, m.refunds, m.connectorCalls, m.connectorSeconds, m.deliveries, m.deliverySeconds,
		m.groupSize, m.groupSeconds, backlog)
	return m
}

// GroupCommit records one group commit of the store.
func (m *Metrics) GroupCommit(size int, took time.Duration) {
	m.groupSize.Observe(float64(size))
	m.groupSeconds.Observe(took.Seconds())
}

// CountBacklog sets how the notification backlog is counted at a scrape.
func (m *Metrics) CountBacklog(count func() (int, error)) { m.backlog.Store(&count) }

func (m *Metrics) readBacklog() float64 {
	f := m.backlog.Load()
	if f == nil {
		return 0
	}
	n, err := (*f)()
	if err != nil {
		return math.NaN() // the database did not answer: no number rather than a wrong one
	}
	return float64(n)
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request counts and times an answered HTTP request (http.Options'
// Requests). route is the pattern the ServeMux matched ("POST
// /v1/payments", "GET /v1/payments/{tradeNo}"), never the path.
func (m *Metrics) Request(_ context.Context, route, method string, status int, took time.Duration) {
	if route == "" || route == "/" {
		route = "unmatched"
	}
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPut, http.MethodPatch, http.MethodHead, http.MethodOptions:
	default:
		method = "other" // a client's made-up method is not a label value
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestSeconds.WithLabelValues(route, method).Observe(took.Seconds())
}

// ConnectorCall counts and times a connector call.
func (m *Metrics) ConnectorCall(_ context.Context, connector, op, result string, _ time.Time, took time.Duration) {
	m.connectorCalls.WithLabelValues(connector, op, result).Inc()
	m.connectorSeconds.WithLabelValues(connector, op).Observe(took.Seconds())
}

// PaymentStatus counts a payment's status change.
func (m *Metrics) PaymentStatus(status paygate.Status, method, connector string) {
	m.payments.WithLabelValues(string(status), method, connector).Inc()
}

// RefundStatus counts a refund's status change.
func (m *Metrics) RefundStatus(status paygate.RefundStatus, connector string) {
	m.refunds.WithLabelValues(string(status), connector).Inc()
}

// Delivery counts and times a delivery attempt.
func (m *Metrics) Delivery(_ context.Context, result string, _ time.Time, took time.Duration) {
	m.deliveries.WithLabelValues(result).Inc()
	m.deliverySeconds.Observe(took.Seconds())
}
