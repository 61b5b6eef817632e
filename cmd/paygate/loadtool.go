package main

// The load tool behind `paygate bench`: it drives a paygate server (or the
// bare baseline server beside it) with a mix of operations at a fixed
// concurrency (closed loop) or a fixed arrival rate (open loop, so slow
// answers are not hidden), and reports throughput and latency percentiles
// per operation.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// benchOps are the operations the tool knows, with what each does.
var benchOps = map[string]string{
	"card":     "card payment, auto capture (POST /v1/payments)",
	"cardmany": "card payment with a new card and address each time (cardrisk without the screening)",
	"cardrisk": "card payment with fraudMode Y: risk screened (a new card and address each time, so nothing fires)",
	"manual":   "card payment, manual capture, then capture (two requests)",
	"refund":   "card payment, then a partial refund (two requests)",
	"inquiry":  "GET /v1/payments/{tradeNo} of an earlier payment",
	"session":  "checkout session (POST /v1/checkout/sessions)",
	"list":     "GET /v1/payments?limit=20, the first page",
	"listdeep": "GET /v1/payments?limit=20 at page --list-page (default 1,000), by its cursor",
	"listnone": "GET /v1/payments?last4=0000, a filter no payment matches: the longest walk a page can take",
}

// BenchConfig is one load run.
type BenchConfig struct {
	Target      string         // base URL of the server
	Token       string         // a bearer token for the target
	Mix         map[string]int // operation -> weight
	Clients     int            // closed loop: concurrent clients; open loop: the most requests in flight
	Rate        float64        // arrivals per second; 0 runs a closed loop
	Duration    time.Duration
	Timeout     time.Duration // per request (default 5 s)
	StallAfter  time.Duration // end the run when nothing succeeds for this long (default 5 s)
	OrderPrefix string
	Preloaded   int // payments P0000000000000000000... stored by --preload: inquiry reads them at random
	ListPage    int // the page listdeep reads, found by walking the list before the run; 0 reads the first
}

// Validate refuses impossible settings with a message saying why.
func (c *BenchConfig) Validate() error {
	if c.Clients <= 0 {
		return errors.New("clients must be at least 1")
	}
	if c.Rate < 0 {
		return errors.New("rate must not be negative (0 runs a closed loop)")
	}
	if c.Duration <= 0 {
		return errors.New("duration must be positive")
	}
	if len(c.Mix) == 0 {
		return errors.New("the mix names no operation")
	}
	total := 0
	for op, w := range c.Mix {
		if _, ok := benchOps[op]; !ok {
			return fmt.Errorf("unknown operation %q (known: %s)", op, strings.Join(slices.Sorted(mapsKeys(benchOps)), ", "))
		}
		if w < 0 {
			return fmt.Errorf("operation %q has a negative weight", op)
		}
		total += w
	}
	if total == 0 {
		return errors.New("the mix's weights add up to zero")
	}
	return nil
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// parseMix reads "card=3,inquiry=1" (a bare name weighs 1).
func parseMix(s string) (map[string]int, error) {
	mix := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, ok := strings.Cut(part, "=")
		n := 1
		if ok {
			var err error
			if n, err = strconv.Atoi(w); err != nil {
				return nil, fmt.Errorf("mix %q: weight %q is not a number", part, w)
			}
		}
		mix[strings.TrimSpace(name)] += n
	}
	return mix, nil
}

// OpStats is one operation's result.
type OpStats struct {
	Count      int     `json:"count"`
	Errors     int     `json:"errors"`
	Throughput float64 `json:"throughputPerSec"`
	P50        float64 `json:"p50Ms"`
	P90        float64 `json:"p90Ms"`
	P99        float64 `json:"p99Ms"`
	Max        float64 `json:"maxMs"`
	// GatewayP50 and GatewayP99 are percentiles of what the gateway added:
	// each answer's time less the time the server said it waited on
	// connectors (its Server-Timing header). Zero when no call waited.
	GatewayP50 float64 `json:"gatewayP50Ms,omitempty"`
	GatewayP99 float64 `json:"gatewayP99Ms,omitempty"`
	FirstError string  `json:"firstError,omitempty"`
}

// BenchReport is a run's result.
type BenchReport struct {
	Target     string              `json:"target"`
	Clients    int                 `json:"clients"`
	Rate       float64             `json:"rate,omitempty"`
	Seconds    float64             `json:"seconds"`
	Requests   int                 `json:"requests"`
	Errors     int                 `json:"errors"`
	Throughput float64             `json:"throughputPerSec"`
	Stalled    bool                `json:"stalled,omitempty"`
	Ops        map[string]*OpStats `json:"ops"`
	// CPUMicros is the CPU time (user and system) this process spent per
	// request during the run: server and load tool together, so only when
	// the server runs in this process. Steadier than throughput on a
	// shared machine.
	CPUMicros float64 `json:"cpuMicrosPerRequest,omitempty"`
}

type sample struct {
	op   string
	lat  time.Duration
	conn time.Duration // the server's time on connectors (Server-Timing)
	err  error
}

// connectorWait sums the Server-Timing connector durations of the answers
// one operation got; do puts one in the context of each operation.
type connectorWait struct{ d time.Duration }

type connectorWaitKey struct{}

// noteServerTiming adds an answer's "connector;dur=N" to ctx's sum.
func noteServerTiming(ctx context.Context, h http.Header) {
	w, _ := ctx.Value(connectorWaitKey{}).(*connectorWait)
	if w == nil {
		return
	}
	for _, part := range strings.Split(h.Get("Server-Timing"), ",") {
		name, dur, ok := strings.Cut(strings.TrimSpace(part), ";dur=")
		if !ok || name != "connector" {
			continue
		}
		if ms, err := strconv.ParseFloat(dur, 64); err == nil && ms > 0 {
			w.d += time.Duration(ms * float64(time.Millisecond))
		}
	}
}

// runBench drives the target and returns the report. It ends after Duration, or
// early when the server stops answering (Stalled), never hanging.
func runBench(ctx context.Context, cfg BenchConfig) (*BenchReport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	client := &http.Client{Timeout: cfg.Timeout, Transport: &http.Transport{
		MaxIdleConns: cfg.Clients * 2, MaxIdleConnsPerHost: cfg.Clients * 2, IdleConnTimeout: time.Minute}}
	r := &runner{cfg: cfg, client: client}
	ops := weightedOps(cfg.Mix)
	if cfg.Mix["listdeep"] > 0 && cfg.ListPage > 1 {
		var err error
		if r.deep, err = r.walkTo(ctx, cfg.ListPage); err != nil {
			return nil, err
		}
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	samples := make(chan sample, 4096)
	var collected []sample
	done := make(chan struct{})
	var lastOK atomic.Int64
	lastOK.Store(time.Now().UnixNano())
	stalled := atomic.Bool{}
	go func() {
		collected = collect(samples, &lastOK)
		close(done)
	}()
	go watchStall(ctx, cancel, &lastOK, cfg.StallAfter, &stalled)
	start := time.Now()
	if cfg.Rate == 0 {
		r.closedLoop(ctx, ops, samples)
	} else {
		r.openLoop(ctx, ops, start, samples)
	}
	elapsed := time.Since(start)
	close(samples)
	<-done
	return summarize(cfg, collected, elapsed, stalled.Load()), nil
}

// setDefaults fills in the settings left zero.
func (c *BenchConfig) setDefaults() {
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Second
	}
	if c.StallAfter == 0 {
		c.StallAfter = 5 * time.Second
	}
	if c.OrderPrefix == "" {
		c.OrderPrefix = "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
}

// weightedOps lists each operation of mix as many times as its weight, in
// order, so that a uniform pick from the list follows the weights.
func weightedOps(mix map[string]int) []string {
	var ops []string
	for op, w := range mix {
		for range w {
			ops = append(ops, op)
		}
	}
	sort.Strings(ops)
	return ops
}

// collect gathers the samples until the channel closes, and keeps in lastOK
// the time of the latest success.
func collect(samples <-chan sample, lastOK *atomic.Int64) []sample {
	var collected []sample
	for s := range samples {
		collected = append(collected, s)
		if s.err == nil {
			lastOK.Store(time.Now().UnixNano())
		}
	}
	return collected
}

// watchStall is the watchdog: a server that has not answered successfully
// for stallAfter ends the run (cancel) and marks it stalled.
func watchStall(ctx context.Context, cancel context.CancelFunc, lastOK *atomic.Int64, stallAfter time.Duration, stalled *atomic.Bool) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if time.Since(time.Unix(0, lastOK.Load())) > stallAfter {
				stalled.Store(true)
				cancel()
				return
			}
		}
	}
}

// closedLoop runs Clients clients, each sending its next request when the
// last is answered, until ctx ends.
func (r *runner) closedLoop(ctx context.Context, ops []string, out chan<- sample) {
	var wg sync.WaitGroup
	for i := range r.cfg.Clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			for ctx.Err() == nil {
				r.do(ctx, ops[rng.IntN(len(ops))], time.Now(), out)
			}
		})
	}
	wg.Wait()
}

// openLoop sends requests on a fixed schedule from start, Rate a second with
// at most Clients in flight, until ctx ends. Latency counts from the
// scheduled time, so a slow server cannot hide its queue.
func (r *runner) openLoop(ctx context.Context, ops []string, start time.Time, out chan<- sample) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, r.cfg.Clients)
	interval := time.Duration(float64(time.Second) / r.cfg.Rate)
	rng := rand.New(rand.NewPCG(1, 42))
	for n := 0; ctx.Err() == nil; n++ {
		at := start.Add(time.Duration(n) * interval)
		if d := time.Until(at); d > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
		}
		if ctx.Err() != nil {
			break
		}
		op := ops[rng.IntN(len(ops))]
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r.do(ctx, op, at, out)
		})
	}
	wg.Wait()
}

func summarize(cfg BenchConfig, ss []sample, elapsed time.Duration, stalled bool) *BenchReport {
	rep := &BenchReport{Target: cfg.Target, Clients: cfg.Clients, Rate: cfg.Rate, Seconds: elapsed.Seconds(),
		Stalled: stalled, Ops: map[string]*OpStats{}}
	lats, added := map[string][]float64{}, map[string][]float64{}
	waited := map[string]bool{}
	for _, s := range ss {
		st := rep.Ops[s.op]
		if st == nil {
			st = &OpStats{}
			rep.Ops[s.op] = st
		}
		st.Count++
		rep.Requests++
		if s.err != nil {
			st.Errors++
			rep.Errors++
			if st.FirstError == "" {
				st.FirstError = s.err.Error()
			}
			continue
		}
		lats[s.op] = append(lats[s.op], float64(s.lat.Microseconds())/1000)
		added[s.op] = append(added[s.op], float64((s.lat-s.conn).Microseconds())/1000)
		waited[s.op] = waited[s.op] || s.conn > 0
	}
	for op, st := range rep.Ops {
		l := lats[op]
		sort.Float64s(l)
		st.Throughput = float64(st.Count-st.Errors) / elapsed.Seconds()
		st.P50, st.P90, st.P99 = pct(l, 0.50), pct(l, 0.90), pct(l, 0.99)
		if waited[op] {
			a := added[op]
			sort.Float64s(a)
			st.GatewayP50, st.GatewayP99 = pct(a, 0.50), pct(a, 0.99)
		}
		if len(l) > 0 {
			st.Max = l[len(l)-1]
		}
	}
	rep.Throughput = float64(rep.Requests-rep.Errors) / elapsed.Seconds()
	return rep
}

func pct(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

// Text renders the report for a terminal.
func (r *BenchReport) Text() string {
	var b strings.Builder
	mode := fmt.Sprintf("%d clients, closed loop", r.Clients)
	if r.Rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f/s, at most %d in flight", r.Rate, r.Clients)
	}
	fmt.Fprintf(&b, "%s: %s, %.1f s, %d requests, %d errors, %.0f req/s", r.Target, mode, r.Seconds, r.Requests, r.Errors, r.Throughput)
	if r.Stalled {
		b.WriteString(" (ended early: the server stopped answering)")
	}
	if r.CPUMicros > 0 {
		fmt.Fprintf(&b, ", %.0f µs CPU/request (server and tool)", r.CPUMicros)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "  %-9s %8s %7s %9s %8s %8s %8s %8s\n", "op", "count", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms")
	for _, op := range slices.Sorted(func(yield func(string) bool) {
		for k := range r.Ops {
			if !yield(k) {
				return
			}
		}
	}) {
		s := r.Ops[op]
		fmt.Fprintf(&b, "  %-9s %8d %7d %9.0f %8.2f %8.2f %8.2f %8.2f\n", op, s.Count, s.Errors, s.Throughput, s.P50, s.P90, s.P99, s.Max)
		if s.GatewayP99 > 0 {
			fmt.Fprintf(&b, "            added by the gateway (less connector time): p50 %.2f ms, p99 %.2f ms\n", s.GatewayP50, s.GatewayP99)
		}
		if s.FirstError != "" {
			fmt.Fprintf(&b, "            first error: %s\n", s.FirstError)
		}
	}
	return b.String()
}

type runner struct {
	cfg    BenchConfig
	client *http.Client
	seq    atomic.Int64
	mu     sync.Mutex
	paid   []string // tradeNos for inquiry
	deep   string   // the cursor of the page listdeep reads
}

func (r *runner) orderNo() string {
	return fmt.Sprintf("%s-%08d", r.cfg.OrderPrefix, r.seq.Add(1))
}

// paymentBody is the card payment body the tool sends (and the baseline
// server decodes).
func paymentBody(orderNo, capture string) map[string]any {
	return map[string]any{
		"amount": "100.99", "currency": "USD", "orderNo": orderNo, "paymentMethodType": "card",
		"captureMethod": capture, "description": "load test",
		"card": map[string]any{"cardNo": "4242424242424242", "cvc": "123", "expiryMonth": "06", "expiryYear": "2030",
			"firstName": "Load", "lastName": "Test"},
		"deviceInfo": map[string]any{"clientIp": "10.1.1.1", "language": "en-US"},
	}
}

func (r *runner) do(ctx context.Context, op string, at time.Time, out chan<- sample) {
	wait := &connectorWait{}
	ctx = context.WithValue(ctx, connectorWaitKey{}, wait)
	record := func(name string, start time.Time, err error) {
		conn := wait.d
		wait.d = 0
		if ctx.Err() != nil && err != nil {
			return // cut short by the end of the run: not the server's error
		}
		out <- sample{op: name, lat: time.Since(start), conn: conn, err: err}
	}
	switch op {
	case "card":
		_, err := r.post(ctx, "/v1/payments", paymentBody(r.orderNo(), "auto"), 201, r.remember)
		record(op, at, err)
	case "cardrisk", "cardmany":
		n := r.seq.Add(1)
		body := paymentBody(fmt.Sprintf("%s-%08d", r.cfg.OrderPrefix, n), "auto")
		if op == "cardrisk" {
			body["fraudMode"] = "Y"
		}
		body["card"].(map[string]any)["cardNo"] = luhnNumber("400001", int(n))
		body["deviceInfo"] = map[string]any{"clientIp": fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255), "language": "en-US"}
		_, err := r.post(ctx, "/v1/payments", body, 201, r.remember)
		record(op, at, err)
	case "manual":
		orderNo := r.orderNo()
		_, err := r.post(ctx, "/v1/payments", paymentBody(orderNo, "manual"), 201, nil)
		record(op, at, err)
		if err == nil {
			start := time.Now()
			_, err = r.post(ctx, "/v1/payments/capture", map[string]string{"orderNo": orderNo, "captureAmount": "100.99"}, 200, nil)
			record("capture", start, err)
		}
	case "refund":
		orderNo := r.orderNo()
		_, err := r.post(ctx, "/v1/payments", paymentBody(orderNo, "auto"), 201, nil)
		if err != nil {
			record("card", at, err)
			return
		}
		wait.d = 0 // the payment's connector time is not the refund's
		start := time.Now()
		_, err = r.post(ctx, "/v1/refunds", map[string]string{"orderNo": orderNo, "amount": "10.00",
			"refundNumber": orderNo + "-r", "reason": "load test", "clientIp": "10.1.1.1"}, 201, nil)
		record(op, start, err)
	case "inquiry":
		if r.cfg.Preloaded > 0 {
			record(op, at, r.get(ctx, fmt.Sprintf("/v1/payments/P%019d", rand.IntN(r.cfg.Preloaded))))
			return
		}
		r.mu.Lock()
		var tradeNo string
		if len(r.paid) > 0 {
			tradeNo = r.paid[rand.IntN(len(r.paid))]
		}
		r.mu.Unlock()
		if tradeNo == "" {
			_, err := r.post(ctx, "/v1/payments", paymentBody(r.orderNo(), "auto"), 201, r.remember)
			record("card", at, err)
			return
		}
		err := r.get(ctx, "/v1/payments/"+tradeNo)
		record(op, at, err)
	case "list":
		record(op, at, r.get(ctx, "/v1/payments?limit=20"))
	case "listnone":
		record(op, at, r.get(ctx, "/v1/payments?limit=20&last4=0000"))
	case "listdeep":
		record(op, at, r.get(ctx, "/v1/payments?limit=20&startingAfter="+url.QueryEscape(r.deep)))
	case "session":
		_, err := r.post(ctx, "/v1/checkout/sessions", map[string]any{"amount": "100.99", "currency": "USD",
			"orderNo": r.orderNo(), "description": "load test"}, 201, nil)
		record(op, at, err)
	}
}

// walkTo pages through the payment list, 20 a page, to the cursor that
// starts page n; an error when the list is shorter.
func (r *runner) walkTo(ctx context.Context, n int) (string, error) {
	cursor := ""
	for page := 1; page < n; page++ {
		req, err := http.NewRequestWithContext(ctx, "GET", r.cfg.Target+"/v1/payments?limit=20&startingAfter="+url.QueryEscape(cursor), nil)
		if err != nil {
			return "", err
		}
		req.Header.Set("Authorization", "Bearer "+r.cfg.Token)
		var v struct {
			NextCursor string `json:"nextCursor"`
		}
		if _, err := r.send(req, 200, func(b []byte) { json.Unmarshal(b, &v) }); err != nil {
			return "", err
		}
		if v.NextCursor == "" {
			return "", fmt.Errorf("listdeep: the list ends at page %d of 20 payments, before page %d (store more with --preload)", page, n)
		}
		cursor = v.NextCursor
	}
	return cursor, nil
}

func (r *runner) remember(body []byte) {
	var v struct {
		TradeNo string `json:"tradeNo"`
	}
	if json.Unmarshal(body, &v) == nil && v.TradeNo != "" {
		r.mu.Lock()
		if len(r.paid) < 100_000 {
			r.paid = append(r.paid, v.TradeNo)
		} else {
			r.paid[rand.IntN(len(r.paid))] = v.TradeNo
		}
		r.mu.Unlock()
	}
}

func (r *runner) post(ctx context.Context, path string, body any, want int, then func([]byte)) ([]byte, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, "POST", r.cfg.Target+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.cfg.Token)
	return r.send(req, want, then)
}

func (r *runner) get(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", r.cfg.Target+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.cfg.Token)
	_, err = r.send(req, 200, nil)
	return err
}

func (r *runner) send(req *http.Request, want int, then func([]byte)) ([]byte, error) {
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	noteServerTiming(req.Context(), resp.Header)
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return body, fmt.Errorf("%s %s: HTTP %d: %.200s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	if then != nil {
		then(body)
	}
	return body, nil
}

// luhnNumber is the i-th 16-digit card number starting with prefix that
// passes the Luhn check.
func luhnNumber(prefix string, i int) string {
	body := fmt.Sprintf("%s%09d", prefix, i%1_000_000_000)
	sum := 0
	for j := range len(body) {
		d := int(body[len(body)-1-j] - '0')
		if j%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return body + strconv.Itoa((10-sum%10)%10)
}
