package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/checkout"
	"paygate/dashboard"
	"paygate/gateway"
	"paygate/geoip"
	phttp "paygate/http"
	"paygate/metrics"
	"paygate/notify"
	"paygate/postgres"
	"paygate/risk"
	"paygate/sqlite"
	"paygate/tracing"
	"paygate/vault"
)

// Main is the running program. Tests set its fields, call Open with Addr
// "127.0.0.1:0", speak HTTP to URL, and Close it.
type Main struct {
	Addr                      string
	DB                        string
	BaseURL                   string
	MasterKey                 string   // base64; empty: a key file beside the SQLite database
	OldMasterKeys             []string // base64 keys of earlier rotations, for reading only
	AllowPrivateNotifyTargets bool
	TokenTTL                  time.Duration
	AuthorizationTTL          time.Duration
	SweepInterval             time.Duration
	SandboxLatency            time.Duration // each sandbox acquirer call takes this long
	NotifyConcurrency         int           // concurrent deliveries per endpoint
	NotifyHostConcurrency     int           // concurrent deliveries per host name
	NotifyHostRate            float64       // deliveries started per second per host name
	NotifyHostBurst           int           // deliveries a host name may get at once beyond its rate
	RateLimit                 float64       // requests per second per merchant (0: the default)
	MetricsAddr               string        // where Prometheus scrapes /metrics; "": no metrics
	LogFormat                 string        // json (the default) or text
	LogLevel                  string        // debug, info (the default), warn or error
	GeoIPDB                   string        // an IP database in MaxMind DB format, for the risk engine; "": none
	BINFile                   string        // a BIN file (bin,country lines) over the built-in table; "": none
	TrustedProxies            string        // addresses and CIDR blocks whose X-Forwarded-For names the client
	Now                       func() time.Time

	Stdout, Stderr io.Writer

	// Set by Open.
	URL        string
	MetricsURL string               // the /metrics address, when MetricsAddr is set
	Sandbox    *gateway.NewMerchant // the merchant created on an empty database, if any
	// Tracing exports spans; Open starts it from the OTEL_* environment
	// when a test has not set it.
	Tracing    *tracing.Tracing
	Gateway    *gateway.Service
	Dispatcher *gateway.Dispatcher

	store    paygate.Store
	server   *http.Server
	handling sync.WaitGroup // requests being handled
	done     chan struct{}  // closed when Serve returns
	swept    chan struct{}  // closed when the sweep loop returns
	cancel   context.CancelFunc
	log      *slog.Logger

	metrics       *metrics.Metrics
	metricsServer *http.Server
	geo           *geoip.DB      // opened from GeoIPDB by Open
	bins          *risk.BINTable // read from BINFile by Open
}

// NewMain returns a Main with the defaults of `paygate serve --help`.
func NewMain() *Main {
	return &Main{Addr: "127.0.0.1:8080", DB: "sqlite:./paygate.db", TokenTTL: 2 * time.Hour,
		AuthorizationTTL: 7 * 24 * time.Hour, SweepInterval: 30 * time.Second,
		NotifyConcurrency: gateway.DefaultPerEndpoint, NotifyHostConcurrency: gateway.DefaultPerHost,
		NotifyHostRate: gateway.DefaultHostRate, NotifyHostBurst: gateway.DefaultHostBurst,
		Stdout: os.Stdout, Stderr: os.Stderr}
}

// openStore opens the database named by DB and the vault's key.
func (m *Main) openStore(ctx context.Context) (paygate.Store, *vault.Vault, error) {
	var path string
	pg := false
	switch {
	case strings.HasPrefix(m.DB, "sqlite:"):
		path = strings.TrimPrefix(m.DB, "sqlite:")
	case strings.HasPrefix(m.DB, "postgres://"), strings.HasPrefix(m.DB, "postgresql://"):
		pg = true
	default:
		return nil, nil, errors.New("--db must be sqlite:PATH or a postgres:// URL")
	}
	if !pg {
		// A typo in the folder must not start an empty gateway with a new
		// key and a new sandbox merchant somewhere unexpected.
		if dir := filepath.Dir(path); dir != "" {
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return nil, nil, fmt.Errorf("--db %s: the folder %s does not exist; create it first (paygate creates the database file, not its folder)", m.DB, dir)
			}
		}
	}
	var key []byte
	var err error
	if m.MasterKey != "" {
		if key, err = vault.ParseKey(m.MasterKey); err != nil {
			return nil, nil, fmt.Errorf("PAYGATE_MASTER_KEY: %w", err)
		}
	} else if pg {
		// No file beside the database to keep a key in, and every node
		// must seal and open with the same one.
		return nil, nil, errors.New("PAYGATE_MASTER_KEY is required with PostgreSQL: set it to the same key (base64 of 32 bytes) on every node")
	} else {
		keyFile := path + ".key"
		if _, err := os.Stat(keyFile); errors.Is(err, fs.ErrNotExist) {
			// A new key is for a new database only: one that already holds
			// data was sealed under a key this node has not been given.
			if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
				return nil, nil, fmt.Errorf("the database %s exists but its key file %s does not: set PAYGATE_MASTER_KEY to the key its data was sealed with", path, keyFile)
			}
		}
		var created bool
		if key, created, err = vault.LoadOrCreateKeyFile(keyFile); err != nil {
			return nil, nil, fmt.Errorf("master key: %w", err)
		}
		if created {
			m.logger().Warn("PAYGATE_MASTER_KEY is not set: created a master key file beside the database; keep it safe and back it up, stored card data cannot be read without it",
				"keyFile", keyFile)
		}
	}
	var olds [][]byte
	for i, o := range m.OldMasterKeys {
		k, err := vault.ParseKey(o)
		if err != nil {
			return nil, nil, fmt.Errorf("PAYGATE_OLD_MASTER_KEYS key %d: %w", i+1, err)
		}
		olds = append(olds, k)
	}
	v, err := vault.New(key, olds...)
	if err != nil {
		return nil, nil, err
	}
	if pg {
		s, err := postgres.Open(ctx, m.DB)
		if err != nil {
			return nil, nil, err
		}
		return s, v, nil
	}
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	return s, v, nil
}

// openKeyed is openStore for the commands that read sealed data: it refuses
// a database holding data sealed under a key this node has not been given.
func (m *Main) openKeyed(ctx context.Context) (paygate.Store, *vault.Vault, error) {
	s, v, err := m.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := checkSealedKeys(ctx, s, v); err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, v, nil
}

// checkSealedKeys refuses to go on when any sealed row of the database was
// sealed under a key that is neither the master key nor one of the old ones:
// the server would start, and its stored cards and notification secrets
// would then fail to open one request at a time.
func checkSealedKeys(ctx context.Context, s paygate.Store, v *vault.Vault) error {
	ids, err := s.SealedKeyIDs(ctx)
	if err != nil {
		return err
	}
	var unknown []string
	for _, id := range ids {
		if !v.Knows(id) {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return fmt.Errorf("the database holds data sealed under master key id %s, but the master key given (PAYGATE_MASTER_KEY, or the key file beside a SQLite database) has id %s "+
		"and PAYGATE_OLD_MASTER_KEYS lists no key of that id: its stored cards and secrets could not be read. "+
		"Set PAYGATE_MASTER_KEY to the key the data was sealed with, or, to move to a new key, list the old one in PAYGATE_OLD_MASTER_KEYS and run paygate vault rekey",
		strings.Join(unknown, ", "), v.KeyID())
}

func (m *Main) newGateway(s paygate.Store, v *vault.Vault) *gateway.Service {
	cfg := gateway.Config{Now: m.Now, TokenTTL: m.TokenTTL, AuthorizationTTL: m.AuthorizationTTL, BaseURL: m.URL,
		AllowPrivateTargets: m.AllowPrivateNotifyTargets, Observer: m.observer(), BINs: m.bins,
		Connect: connectStripe, Node: nodeName()}
	if m.geo != nil {
		cfg.Geo = m.geo
	}
	return gateway.New(m.tracedStore(s), acquirer.Sandbox{Latency: m.SandboxLatency}, v, m.logger(), cfg)
}

// openRiskData opens the IP database and reads the BIN file, when given.
func (m *Main) openRiskData() error {
	if m.BINFile != "" {
		f, err := os.Open(m.BINFile)
		if err != nil {
			return fmt.Errorf("--bin-file: %w", err)
		}
		defer f.Close()
		if m.bins, err = risk.LoadBINs(f); err != nil {
			return fmt.Errorf("--bin-file %s: %w", m.BINFile, err)
		}
	}
	if m.GeoIPDB == "" {
		m.logger().Info("no --geoip-db: the risk engine's geography signal compares the card's country with the billing country only")
		return nil
	}
	db, err := geoip.Open(m.GeoIPDB)
	if err != nil {
		return fmt.Errorf("--geoip-db: %w", err)
	}
	m.geo = db
	return nil
}

// Open opens the database, creates the sandbox merchant on an empty one,
// starts listening and starts the background sweep.
func (m *Main) Open(ctx context.Context) error {
	if err := m.checkSettings(); err != nil {
		return err
	}
	if err := m.openRiskData(); err != nil {
		return err
	}
	// The port first: a busy one is reported before a database, a key
	// file or a sandbox merchant is created.
	ln, err := net.Listen("tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", m.Addr, err)
	}
	if m.Tracing == nil {
		if m.Tracing, err = tracing.FromEnv(ctx, os.Getenv); err != nil {
			ln.Close()
			return fmt.Errorf("tracing (OTEL_EXPORTER_OTLP_*): %w", err)
		}
	}
	mln, err := m.openMetrics()
	if err != nil {
		ln.Close()
		return fmt.Errorf("--metrics-addr %s: %w", m.MetricsAddr, err)
	}
	s, v, err := m.openKeyed(ctx)
	if err != nil {
		ln.Close()
		if mln != nil {
			mln.Close()
		}
		return err
	}
	m.store = s
	m.URL = strings.TrimRight(m.BaseURL, "/")
	if m.URL == "" {
		m.URL = m.defaultURL(ln.Addr())
	}
	m.Gateway = m.newGateway(s, v)
	if err := m.createSandboxMerchant(ctx); err != nil {
		ln.Close()
		if mln != nil {
			mln.Close()
		}
		s.Close()
		return err
	}
	m.serve(ln)
	m.serveMetrics(mln)
	m.startBackground(ctx)
	fmt.Fprintf(m.Stdout, "paygate listening on %s (database %s)\n", m.URL, redactDB(m.DB))
	return nil
}

// defaultURL is the base of the links this server gives out when
// --base-url is not set. A listener on every address (":8080") has no host a
// browser can use, so the links name the loopback address, which works on
// this machine only: the log says to set --base-url for any other.
func (m *Main) defaultURL(addr net.Addr) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		u := "http://127.0.0.1:" + port
		m.logger().Warn("listening on every address without --base-url: links in answers and pages use "+u+
			", reachable from this machine only; set --base-url (PAYGATE_BASE_URL) to the URL customers and merchants reach", "addr", addr.String())
		return u
	}
	return "http://" + addr.String()
}

// checkSettings refuses settings that cannot work, before anything is opened.
func (m *Main) checkSettings() error {
	if err := m.checkLogSettings(); err != nil {
		return err
	}
	if _, err := parseTrustedProxies(m.TrustedProxies); err != nil {
		return err
	}
	if m.SandboxLatency < 0 || m.SandboxLatency > time.Minute {
		return fmt.Errorf("--sandbox-latency must be between 0 and 1m, got %s", m.SandboxLatency)
	}
	for name, d := range map[string]time.Duration{"--sweep-interval": m.SweepInterval, "--token-ttl": m.TokenTTL, "--authorization-ttl": m.AuthorizationTTL} {
		if d <= 0 {
			return fmt.Errorf("%s must be positive, got %s", name, d)
		}
	}
	for _, c := range []struct {
		name string
		n    int
	}{
		{"--notify-concurrency (PAYGATE_NOTIFY_CONCURRENCY)", m.NotifyConcurrency},
		{"--notify-host-concurrency (PAYGATE_NOTIFY_HOST_CONCURRENCY)", m.NotifyHostConcurrency},
		{"--notify-host-burst (PAYGATE_NOTIFY_HOST_BURST)", m.NotifyHostBurst},
	} {
		if c.n < 1 {
			return fmt.Errorf("%s must be a whole number of at least 1, got %d", c.name, c.n)
		}
	}
	if !(m.NotifyHostRate > 0) || math.IsInf(m.NotifyHostRate, 0) {
		return fmt.Errorf("--notify-host-rate (PAYGATE_NOTIFY_HOST_RATE) must be a number more than 0, got %g", m.NotifyHostRate)
	}
	if !(m.RateLimit >= 0) { // 0 is the default (100/s)
		return fmt.Errorf("--rate-limit (PAYGATE_RATE_LIMIT) must be more than 0, got %g", m.RateLimit)
	}
	return nil
}

// createSandboxMerchant creates a sandbox merchant on an empty database and
// prints its credentials, the only time its secret is shown.
func (m *Main) createSandboxMerchant(ctx context.Context) error {
	n, err := m.store.CountMerchants(ctx)
	if err != nil || n != 0 {
		return err
	}
	// Nodes starting together on one empty database: the first creates
	// it, the others' inserts conflict and they go on without one.
	nm, err := m.Gateway.Merchants.CreateSandboxMerchant(ctx)
	switch {
	case paygate.ErrorCode(err) == paygate.EConflict:
	case err != nil:
		return err
	default:
		m.Sandbox = nm
		fmt.Fprintf(m.Stdout, "Created a sandbox merchant (the secret is shown only now):\n  appId:        %s\n  secret:       %s\n  notifySecret: %s\n",
			nm.Merchant.AppID, nm.Secret, nm.NotifySecret)
		// And its dashboard admin, with the link that sets the password.
		nu, err := m.Gateway.Users.CreateUser(ctx, nm.Merchant.ID, SandboxAdmin, paygate.RoleAdmin)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "Dashboard: %s/dashboard/ -- set the password of %s at\n  %s\n  (the link works once, for 72 hours)\n",
			m.URL, SandboxAdmin, nu.SetupURL)
	}
	return nil
}

// SandboxAdmin is the email of the sandbox merchant's dashboard admin.
const SandboxAdmin = "admin@sandbox.test"

// serve serves the API and the hosted pages on ln until Close, counting the
// requests in flight so that Close can wait for them.
func (m *Main) serve(ln net.Listener) {
	api := phttp.NewServer(m.Gateway, m.logger(), phttp.Options{RateLimit: m.RateLimit, Pages: checkout.New(m.Gateway, m.logger()),
		Dashboard: dashboard.New(m.Gateway, m.logger()), Requests: m.requestObserver()})
	proxies, _ := parseTrustedProxies(m.TrustedProxies) // checked by checkSettings
	traced := m.traced(proxies.behindProxies(api))
	m.server = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m.handling.Add(1)
			defer m.handling.Done()
			traced.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	m.done = make(chan struct{})
	go func() {
		defer close(m.done)
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.logger().Error("serve", "err", err)
		}
	}()
}

// startBackground starts the expiry sweep and the notification dispatcher.
// They outlive ctx's cancellation and stop at Close.
func (m *Main) startBackground(ctx context.Context) {
	sweepCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	m.swept = make(chan struct{})
	m.Dispatcher = m.Gateway.Notifications.NewDispatcher(notify.NewClient(m.AllowPrivateNotifyTargets, 10*time.Second), gateway.DispatchConfig{
		PerEndpoint: m.NotifyConcurrency, PerHost: m.NotifyHostConcurrency, HostRate: m.NotifyHostRate, HostBurst: m.NotifyHostBurst})
	go func() {
		defer close(m.swept)
		var wg sync.WaitGroup
		wg.Go(func() { m.sweep(sweepCtx) })
		wg.Go(func() { m.Dispatcher.Run(sweepCtx, time.Second) })
		wg.Wait()
	}()
}

// sweep runs the expiry sweep every SweepInterval until ctx ends.
func (m *Main) sweep(ctx context.Context) {
	t := time.NewTicker(m.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := m.Gateway.Sweep(ctx); err != nil && ctx.Err() == nil {
				m.logger().Error("sweep", "err", err)
			} else if n > 0 {
				m.logger().Info("sweep expired payments", "count", n)
			}
		}
	}
}

// Close stops accepting, lets requests in flight finish (up to 30 s, and
// keeps the database open for those still running up to a minute more),
// stops the sweep and the dispatcher (waiting for deliveries in flight;
// those not recorded are delivered again after a restart) and closes the
// database.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		errs = append(errs, m.server.Shutdown(ctx))
		<-m.done
		// A request still running past the grace period (a slow acquirer)
		// may yet have an outcome to record: the store stays open for it,
		// up to another minute.
		handled := make(chan struct{})
		go func() { m.handling.Wait(); close(handled) }()
		select {
		case <-handled:
		case <-time.After(time.Minute):
			m.logger().Error("requests still running after shutdown; closing the database under them")
		}
	}
	if m.cancel != nil {
		m.cancel()
		<-m.swept
		m.cancel = nil
	}
	if m.metricsServer != nil {
		errs = append(errs, m.metricsServer.Close())
	}
	if m.Tracing != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, m.Tracing.Shutdown(ctx))
		cancel()
	}
	if m.store != nil {
		errs = append(errs, m.store.Close())
	}
	if m.geo != nil {
		errs = append(errs, m.geo.Close())
		m.geo = nil
	}
	return errors.Join(errs...)
}

// Migrate applies the database migrations and names those it applied.
func (m *Main) Migrate(ctx context.Context) ([]string, error) {
	s, _, err := m.openStore(ctx)
	if err != nil {
		return nil, err
	}
	var applied []string
	if a, ok := s.(interface{ Applied() []string }); ok {
		applied = a.Applied()
	}
	return applied, s.Close()
}

// Rekey re-encrypts every sealed row to the current master key and prints
// the report as JSON; rows no key can open make it fail after the report.
func (m *Main) Rekey(ctx context.Context, batch int) error {
	s, v, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := m.newGateway(s, v).StoredCards.Rekey(ctx, batch)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(m.Stdout).Encode(rep); err != nil {
		return err
	}
	if len(rep.Unreadable) > 0 {
		return fmt.Errorf("%d rows could not be opened by any configured key: %s", len(rep.Unreadable), strings.Join(rep.Unreadable, ", "))
	}
	return nil
}

// redactDB hides the passwords of a database URL, for logs and output: the
// user's, and libpq's password and sslpassword parameters.
func redactDB(db string) string {
	u, err := url.Parse(db)
	if err != nil || u.Scheme == "sqlite" {
		return db
	}
	q := u.Query()
	for _, k := range []string{"password", "sslpassword"} {
		if q.Has(k) {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}
