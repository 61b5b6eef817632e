package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"paygate"
)

// pools reports the store's connection pools at each scrape.
type pools struct {
	stats                  atomic.Pointer[func() map[string]paygate.PoolStats]
	max, open, inUse       *prometheus.Desc
	waits, waitSecondsDesc *prometheus.Desc
}

func newPools() *pools {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"pool"}, nil)
	}
	return &pools{
		max:             d("paygate_db_pool_max_connections", "Connections the store's pool may open."),
		open:            d("paygate_db_pool_open_connections", "Connections the store's pool has open."),
		inUse:           d("paygate_db_pool_in_use_connections", "Connections of the store's pool in use."),
		waits:           d("paygate_db_pool_waits_total", "Times a caller waited for a connection of the store's pool."),
		waitSecondsDesc: d("paygate_db_pool_wait_seconds_total", "Time callers spent waiting for a connection of the store's pool."),
	}
}

func (p *pools) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{p.max, p.open, p.inUse, p.waits, p.waitSecondsDesc} {
		ch <- d
	}
}

func (p *pools) Collect(ch chan<- prometheus.Metric) {
	f := p.stats.Load()
	if f == nil {
		return
	}
	for name, st := range (*f)() {
		ch <- prometheus.MustNewConstMetric(p.max, prometheus.GaugeValue, float64(st.Max), name)
		ch <- prometheus.MustNewConstMetric(p.open, prometheus.GaugeValue, float64(st.Open), name)
		ch <- prometheus.MustNewConstMetric(p.inUse, prometheus.GaugeValue, float64(st.InUse), name)
		ch <- prometheus.MustNewConstMetric(p.waits, prometheus.CounterValue, float64(st.Waits), name)
		ch <- prometheus.MustNewConstMetric(p.waitSecondsDesc, prometheus.CounterValue, st.WaitDuration.Seconds(), name)
	}
}

// ReportPools sets how the store's pools are read at a scrape.
func (m *Metrics) ReportPools(stats func() map[string]paygate.PoolStats) { m.pools.stats.Store(&stats) }
