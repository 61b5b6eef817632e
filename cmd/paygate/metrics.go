package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"paygate"

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
	if s, ok := m.store.(interface {
		PoolStats() map[string]paygate.PoolStats
	}); ok {
		m.metrics.ReportPools(s.PoolStats)
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

// observer is what the gateway reports to: the metrics and the traces, or
// nobody.
func (m *Main) observer() gateway.Observer {
	var obs []gateway.Observer
	if m.metrics != nil {
		obs = append(obs, m.metrics)
	}
	if m.Tracing != nil {
		obs = append(obs, m.Tracing)
	}
	switch len(obs) {
	case 0:
		return nil
	case 1:
		return obs[0]
	}
	return gateway.Observers(obs...)
}

// requestObserver is what the API reports each request to.
func (m *Main) requestObserver() phttp.RequestObserver {
	var obs requestObservers
	if m.metrics != nil {
		obs = append(obs, m.metrics)
	}
	if m.Tracing != nil {
		obs = append(obs, m.Tracing)
	}
	if len(obs) == 0 {
		return nil
	}
	return obs
}

type requestObservers []phttp.RequestObserver

func (o requestObservers) Request(ctx context.Context, route, method string, status int, took time.Duration) {
	for _, x := range o {
		x.Request(ctx, route, method, status, took)
	}
}

// traced is h with a span per request when tracing is on.
func (m *Main) traced(h http.Handler) http.Handler {
	if m.Tracing == nil {
		return h
	}
	return m.Tracing.Handler(h)
}

// tracedStore is s with a span per commit when tracing is on.
func (m *Main) tracedStore(s paygate.Store) paygate.Store {
	if m.Tracing == nil {
		return s
	}
	return m.Tracing.Store(s)
}
