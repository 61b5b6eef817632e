package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"paygate"
	"paygate/vault"
)

// benchOptions are the flags of `paygate bench`.
type benchOptions struct {
	target, appID, secret, db string
	mix                       string
	clients                   int
	sweep                     string
	rate                      float64
	duration                  time.Duration
	baseline                  bool
	jsonOut                   string
	preload                   int
	listPage                  int
	cpuProfile                string
	sandboxLatency            time.Duration
}

func benchCommand(ctx context.Context, stdout, stderr io.Writer) *cobra.Command {
	var o benchOptions
	c := &cobra.Command{
		Use:   "bench",
		Short: "Load a paygate server (started here unless --target) and the bare baseline, and report throughput and latency",
		RunE: func(c *cobra.Command, _ []string) error {
			return runBenchCommand(ctx, o, stdout, stderr)
		},
	}
	f := c.Flags()
	f.StringVar(&o.target, "target", "", "URL of a running paygate (needs --app-id and --secret); empty starts one here")
	f.StringVar(&o.appID, "app-id", "", "merchant appId on --target")
	f.StringVar(&o.secret, "secret", "", "merchant secret on --target")
	f.StringVar(&o.db, "db", "", "database of the server started here (default: a new SQLite file in a temporary folder)")
	f.StringVar(&o.mix, "mix", "card", "operations and weights, e.g. card=8,inquiry=2 (card, manual, refund, inquiry, session, list, listdeep, listnone)")
	f.IntVar(&o.clients, "clients", 64, "concurrent clients (closed loop), or the most requests in flight (open loop)")
	f.StringVar(&o.sweep, "sweep", "", "run once per client count, e.g. 1,4,16,64,256 (overrides --clients)")
	f.Float64Var(&o.rate, "rate", 0, "arrivals per second (open loop); 0 runs a closed loop")
	f.DurationVar(&o.duration, "duration", 10*time.Second, "length of each run")
	f.BoolVar(&o.baseline, "baseline", true, "also load the bare net/http baseline the same way and print the ratio")
	f.StringVar(&o.jsonOut, "json", "", "write the reports as JSON to this file (- for stdout)")
	f.IntVar(&o.preload, "preload", 0, "store this many payments first (for inquiry and lists at scale)")
	f.IntVar(&o.listPage, "list-page", 1000, "the page of 20 payments that listdeep reads")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run (server and tool) to this file")
	f.DurationVar(&o.sandboxLatency, "sandbox-latency", 0, "the server started here waits this long in each sandbox acquirer call (serve --sandbox-latency)")
	return c
}

// benchResult is one client count's reports.
type benchResult struct {
	Clients  int          `json:"clients"`
	Paygate  *BenchReport `json:"paygate"`
	Baseline *BenchReport `json:"baseline,omitempty"`
	Ratio    float64      `json:"ratio,omitempty"`
	RSSMB    float64      `json:"serverRssMb,omitempty"`
}

func runBenchCommand(ctx context.Context, o benchOptions, stdout, stderr io.Writer) error {
	mix, err := parseMix(o.mix)
	if err != nil {
		return err
	}
	counts, err := benchClientCounts(o, mix)
	if err != nil {
		return err
	}
	srv, cleanup, err := openBenchServer(ctx, o)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := preloadBench(ctx, o, srv, stderr); err != nil {
		return err
	}
	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	var base *baseline
	if o.baseline {
		if base, err = startBaseline(); err != nil {
			return err
		}
		defer base.Close()
	}
	var results []benchResult
	for _, n := range counts {
		res, err := benchClients(ctx, o, mix, n, srv, base, stdout)
		if err != nil {
			return err
		}
		results = append(results, res)
	}
	return writeBenchJSON(o.jsonOut, results, stdout)
}

// benchClientCounts is the client count of each run: --clients, or those of
// --sweep. Each run's settings are checked before anything starts.
func benchClientCounts(o benchOptions, mix map[string]int) ([]int, error) {
	counts := []int{o.clients}
	if o.sweep != "" {
		counts = nil
		for _, s := range strings.Split(o.sweep, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				return nil, fmt.Errorf("--sweep: %q is not a client count", s)
			}
			counts = append(counts, n)
		}
	}
	for _, n := range counts {
		cfg := BenchConfig{Mix: mix, Clients: n, Rate: o.rate, Duration: o.duration}
		if err := cfg.Validate(); err != nil {
			return nil, err
		}
	}
	return counts, nil
}

// benchServer is the paygate a bench loads: one started in this process, or
// the one at --target.
type benchServer struct {
	url, token string
	m          *Main // the server started here; nil with --target
}

// openBenchServer starts a paygate here, or checks the --target settings,
// and gets a token for it. The cleanup function stops the server started here.
func openBenchServer(ctx context.Context, o benchOptions) (*benchServer, func(), error) {
	if o.target != "" {
		if o.appID == "" || o.secret == "" {
			return nil, nil, fmt.Errorf("--target needs --app-id and --secret")
		}
		token, err := benchToken(o.target, o.appID, o.secret)
		if err != nil {
			return nil, nil, err
		}
		return &benchServer{url: o.target, token: token}, func() {}, nil
	}
	m, cleanup, err := startBenchServer(ctx, o.db, o.sandboxLatency)
	if err != nil {
		return nil, nil, err
	}
	token, err := benchToken(m.URL, m.Sandbox.Merchant.AppID, m.Sandbox.Secret)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return &benchServer{url: m.URL, token: token, m: m}, cleanup, nil
}

// preloadBench stores --preload payments: straight into the store of the
// server started here, through the API of a --target.
func preloadBench(ctx context.Context, o benchOptions, srv *benchServer, stderr io.Writer) error {
	if o.preload <= 0 {
		return nil
	}
	if srv.m != nil {
		return preloadStore(ctx, srv.m, o.preload, stderr)
	}
	fmt.Fprintf(stderr, "preloading %d payments...\n", o.preload)
	for done := 0; done < o.preload; {
		rep, err := runBench(ctx, BenchConfig{Target: srv.url, Token: srv.token, Mix: map[string]int{"card": 1}, Clients: 64, Duration: 5 * time.Second})
		if err != nil {
			return err
		}
		done += rep.Requests - rep.Errors
		fmt.Fprintf(stderr, "  %d stored\n", done)
	}
	return nil
}

// startCPUProfile profiles this process to the file at path until stop.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// benchClients loads the baseline (when there is one) and then paygate with
// n clients, and prints the reports.
func benchClients(ctx context.Context, o benchOptions, mix map[string]int, n int, srv *benchServer, base *baseline, stdout io.Writer) (benchResult, error) {
	res := benchResult{Clients: n}
	inProcess := srv.m != nil
	var err error
	if base != nil {
		cpu := cpuTime()
		res.Baseline, err = runBench(ctx, BenchConfig{Target: base.URL, Token: "baseline", Mix: mix, Clients: n, Rate: o.rate, Duration: o.duration})
		if err != nil {
			return res, err
		}
		res.Baseline.CPUMicros = perRequest(cpuTime()-cpu, res.Baseline.Requests)
		fmt.Fprint(stdout, "baseline ", res.Baseline.Text())
	}
	preloaded := 0
	if inProcess {
		preloaded = o.preload
	}
	cpu := cpuTime()
	res.Paygate, err = runBench(ctx, BenchConfig{Target: srv.url, Token: srv.token, Mix: mix, Clients: n, Rate: o.rate, Duration: o.duration, Preloaded: preloaded,
		ListPage: o.listPage})
	if err != nil {
		return res, err
	}
	if inProcess {
		res.Paygate.CPUMicros = perRequest(cpuTime()-cpu, res.Paygate.Requests)
	}
	fmt.Fprint(stdout, "paygate  ", res.Paygate.Text())
	if inProcess {
		res.RSSMB = rssMB()
		fmt.Fprintf(stdout, "  process RSS (server and load tool together): %.0f MB\n", res.RSSMB)
	}
	if res.Baseline != nil && res.Baseline.Throughput > 0 {
		res.Ratio = res.Paygate.Throughput / res.Baseline.Throughput
		fmt.Fprintf(stdout, "  paygate/baseline throughput: %.2f\n", res.Ratio)
	}
	return res, nil
}

// writeBenchJSON writes the reports as JSON to the file at path, to stdout
// for "-", nowhere for "".
func writeBenchJSON(path string, results []benchResult, stdout io.Writer) error {
	if path == "" {
		return nil
	}
	b, _ := json.MarshalIndent(results, "", "  ")
	if path == "-" {
		_, err := stdout.Write(append(b, '\n'))
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// startBenchServer starts a paygate in this process on a free port.
func startBenchServer(ctx context.Context, db string, latency time.Duration) (*Main, func(), error) {
	dir, err := os.MkdirTemp("", "paygate-bench-")
	if err != nil {
		return nil, nil, err
	}
	m := NewMain()
	m.Addr = "127.0.0.1:0"
	m.DB = db
	if m.DB == "" {
		m.DB = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	m.MasterKey = os.Getenv("PAYGATE_MASTER_KEY")
	if m.MasterKey == "" {
		m.MasterKey = base64.StdEncoding.EncodeToString(vault.NewKey())
	}
	m.RateLimit = 1e9
	m.SandboxLatency = latency
	m.Stdout, m.Stderr = io.Discard, io.Discard
	if err := m.Open(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	if m.Sandbox == nil {
		nm, err := m.Gateway.Merchants.CreateMerchant(ctx, "Bench merchant")
		if err != nil {
			m.Close()
			return nil, nil, err
		}
		m.Sandbox = nm
	}
	return m, func() { m.Close(); os.RemoveAll(dir) }, nil
}

func benchToken(target, appID, secret string) (string, error) {
	body := fmt.Sprintf(`{"appId":%q,"secret":%q}`, appID, secret)
	resp, err := http.Post(target+"/v1/auth/token", "application/json", strings.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("token from %s: %w", target, err)
	}
	defer resp.Body.Close()
	var v struct {
		AccessToken string `json:"accessToken"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.AccessToken == "" {
		return "", fmt.Errorf("token from %s: HTTP %d", target, resp.StatusCode)
	}
	return v.AccessToken, nil
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func perRequest(cpu time.Duration, requests int) float64 {
	if requests == 0 || cpu <= 0 {
		return 0
	}
	return float64(cpu.Microseconds()) / float64(requests)
}

// rssMB reads this process's resident set size (Linux).
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// preloadStore writes n succeeded card payments straight into the store, a
// thousand per commit: the state a busy gateway reaches, without waiting for
// the API to make them one by one.
func preloadStore(ctx context.Context, m *Main, n int, stderr io.Writer) error {
	now := time.Now().UTC()
	merchantID := m.Sandbox.Merchant.ID
	start := time.Now()
	for done := 0; done < n; {
		var c paygate.Change
		for i := 0; i < 1000 && done < n; i, done = i+1, done+1 {
			created := now.Add(time.Duration(done-n) * time.Millisecond) // a millisecond apart, the last now
			p := &paygate.Payment{TradeNo: fmt.Sprintf("P%019d", done), MerchantID: merchantID,
				OrderNo: fmt.Sprintf("preload-%012d", done), Status: paygate.StatusSucceeded, Version: 1,
				Amount: paygate.Money{Minor: 10099, Currency: "USD"}, CapturedMinor: 10099,
				PaymentMethodType: paygate.MethodCard, CaptureMethod: paygate.CaptureAuto, FraudMode: "N",
				ThreeDS:   &paygate.ThreeDS{Mode: "auto"},
				Card:      &paygate.CardDetails{Brand: "visa", BIN: "424242", Last4: "4242", ExpiryMonth: 6, ExpiryYear: 2030},
				CreatedAt: created, UpdatedAt: created, AuthorizedAt: &created}
			c.Payments = append(c.Payments, p)
			c.Events = append(c.Events, p.Created("preload"))
		}
		if err := m.store.Apply(ctx, c); err != nil {
			return fmt.Errorf("preload: %w", err)
		}
		if done%100_000 == 0 || done == n {
			fmt.Fprintf(stderr, "preloaded %d payments (%.0f s)\n", done, time.Since(start).Seconds())
		}
	}
	return nil
}
