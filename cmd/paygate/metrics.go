package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"paygate/gateway"
	phttp "paygate/http"
	"paygate/metrics"
)

// openMetrics starts listening for Prometheus' scrapes on MetricsAddr, a
// listener of its own (never the API's); nothing when it is not set.
func (m *Main) openMetrics() (net.Listener, error) {
	if m.MetricsAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", m.MetricsAddr)
	if err != nil {
		return nil, err
	}
	m.metrics = metrics.New()
	m.MetricsURL = "http://" + ln.Addr().String() + "/metrics"
	return ln, nil
}

// serveMetrics serves /metrics on ln.
func (m *Main) serveMetrics(ln net.Listener) {
	if ln == nil {
		return
	}
	if s, ok := m.store.(interface {
		ObserveCommits(func(int, time.Duration))
	}); ok {
		s.ObserveCommits(m.metrics.GroupCommit)
	}
	m.metrics.CountBacklog(func() (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return m.store.NotificationBacklog(ctx, time.Now())
	})
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.metrics.Handler())
	m.metricsServer = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := m.metricsServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.logger().Error("metrics listener", "err", err)
		}
	}()
}

// observer is what the gateway reports to: the metrics, or nobody.
func (m *Main) observer() gateway.Observer {
	if m.metrics == nil {
		return nil
	}
	return m.metrics
}

// requestObserver is what the API reports each request to.
func (m *Main) requestObserver() phttp.RequestObserver {
	if m.metrics == nil {
		return nil
	}
	return m.metrics
}
