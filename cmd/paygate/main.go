// Command paygate runs the payment gateway: serve, merchant (create, list,
// show, disable, enable, rotate-secret, rotate-notify-secret), migrate,
// vault rekey and bench (README.md, docs/deploy.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // settlement cut-off time zones, with or without the system's zoneinfo

	"github.com/spf13/cobra"
)

func main() {
	tuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "paygate:", err)
		os.Exit(1)
	}
}

// tuneGC collects garbage less often than Go's default unless GOGC or
// GOMEMLIMIT say otherwise: a request allocates a lot that dies at once, and
// with GOGC=400 a card payment costs about 13% less CPU (docs/performance.md)
// for some 20 MB more memory. The soft limit makes the collector work harder
// again before the process passes 440 MiB, which keeps a node with 5,000
// payments open at once (a slow acquirer) under 500 MB.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" && getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(400)
		debug.SetMemoryLimit(440 << 20)
	}
}

// run is main without the process: tests call it with their own arguments,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	root := &cobra.Command{Use: "paygate", Short: "An open-source payment gateway", SilenceUsage: true, SilenceErrors: true,
		Version: version()}
	root.SetVersionTemplate("paygate {{.Version}}\n")
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)

	m := NewMain()
	m.Stdout, m.Stderr = stdout, stderr
	m.MasterKey = getenv("PAYGATE_MASTER_KEY")
	for _, k := range strings.Split(getenv("PAYGATE_OLD_MASTER_KEYS"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			m.OldMasterKeys = append(m.OldMasterKeys, k)
		}
	}
	e := &environ{getenv: getenv}
	// Every command refuses a setting that does not read, whichever of them
	// the setting belongs to.
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return errors.Join(e.errs...) }
	root.AddCommand(serveCommand(ctx, m, e), merchantCommand(ctx, m, e), migrateCommand(ctx, m, e, stdout),
		vaultCommand(ctx, m, e), backupCommand(ctx, m, e, stdout), benchCommand(ctx, stdout, stderr), userCommand(ctx, m, e), ledgerCommand(ctx, m, e),
		pricingCommand(ctx, m, e), payoutCommand(ctx, m, e), connectorCommand(ctx, m, e), routingCommand(ctx, m, e))
	root.AddCommand(reconcileCommands(ctx, m, e)...)
	// No command takes arguments: a stray word is a mistake, not ignored.
	for _, c := range allCommands(root) {
		if c.Args == nil && c.Runnable() {
			c.Args = cobra.NoArgs
		}
	}
	err := root.ExecuteContext(ctx)
	if err != nil && strings.HasPrefix(err.Error(), "unknown command") {
		return fmt.Errorf("%w (see paygate --help)", err)
	}
	return err
}

// allCommands is c and every command below it.
func allCommands(c *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{c}
	for _, sub := range c.Commands() {
		out = append(out, allCommands(sub)...)
	}
	return out
}

// version is the module version and the commit this binary was built from,
// as the Go toolchain recorded them.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if rev != "" {
		v += " (commit " + rev[:min(12, len(rev))] + modified + ")"
	}
	return v + " " + info.GoVersion
}

// environ reads settings from the environment. A setting that does not read
// is an error, not the default: a typo must not go unnoticed. The errors are
// kept in the order the settings are read, and reported before any command
// runs.
type environ struct {
	getenv func(string) string
	errs   []error
}

// str is the variable name, or def when it is unset or empty.
func (e *environ) str(name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

func (e *environ) duration(name string, def time.Duration) time.Duration {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q is not a duration such as 30s or 2h", name, v))
		return def
	}
	return d
}

func (e *environ) number(name, def string) float64 {
	v := e.str(name, def)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q is not a number", name, v))
		f, _ = strconv.ParseFloat(def, 64)
	}
	return f
}

func (e *environ) whole(name string, def int) int {
	f := e.number(name, strconv.Itoa(def))
	if f != float64(int(f)) {
		e.errs = append(e.errs, fmt.Errorf("%s=%g is not a whole number", name, f))
	}
	return int(f)
}

// boolean is false when the variable is unset, and when it does not read.
func (e *environ) boolean(name string) bool {
	v := e.getenv(name)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q is not true or false", name, v))
	}
	return b
}

// dbFlag gives c the --db flag, which every command that opens the database has.
func dbFlag(c *cobra.Command, m *Main, e *environ) {
	c.Flags().StringVar(&m.DB, "db", e.str("PAYGATE_DB", "sqlite:./paygate.db"), "database: sqlite:PATH or postgres://... (PAYGATE_DB)")
}

func serveCommand(ctx context.Context, m *Main, e *environ) *cobra.Command {
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Serve the API (creates a sandbox merchant on an empty database)",
		Long: `Serve the JSON API, its documentation (/docs) and the hosted pages.

On an empty database it creates a sandbox merchant and prints its credentials.
Stored cards and secrets are encrypted under the master key: PAYGATE_MASTER_KEY
(base64 of 32 bytes; required with PostgreSQL), or with SQLite and no such
variable a key file created beside the database (PATH.key). Keys of earlier
rotations go in PAYGATE_OLD_MASTER_KEYS (comma-separated). Every flag can be
set by the environment variable named in its help.`,
		RunE: func(c *cobra.Command, _ []string) error {
			if !(m.RateLimit > 0) {
				return fmt.Errorf("--rate-limit (PAYGATE_RATE_LIMIT) must be more than 0, got %g", m.RateLimit)
			}
			if err := m.Open(ctx); err != nil {
				return err
			}
			<-ctx.Done()
			m.logger().Info("shutting down: no new connections, finishing the requests in flight")
			return m.Close()
		},
	}
	serveFlags(serve, m, e)
	dbFlag(serve, m, e)
	return serve
}

// serveFlags gives serve its flags; each takes its default from the
// environment variable named in its help.
func serveFlags(serve *cobra.Command, m *Main, e *environ) {
	f := serve.Flags()
	f.StringVar(&m.Addr, "addr", e.str("PAYGATE_ADDR", "127.0.0.1:8080"), "listen address (PAYGATE_ADDR)")
	f.StringVar(&m.BaseURL, "base-url", e.str("PAYGATE_BASE_URL", ""), "public URL of this server, for links (PAYGATE_BASE_URL; default http://ADDR)")
	f.StringVar(&m.TrustedProxies, "trusted-proxies", e.str("PAYGATE_TRUSTED_PROXIES", ""),
		"load balancers (addresses, CIDR blocks, comma-separated) whose X-Forwarded-For names the client (PAYGATE_TRUSTED_PROXIES)")
	f.StringVar(&m.GeoIPDB, "geoip-db", e.str("PAYGATE_GEOIP_DB", ""),
		"an IP database in MaxMind DB format (GeoLite2-Country, say) for the risk engine's geography signal (PAYGATE_GEOIP_DB)")
	f.StringVar(&m.BINFile, "bin-file", e.str("PAYGATE_BIN_FILE", ""),
		"a CSV file of bin,country lines the risk engine reads card countries from, over its built-in table (PAYGATE_BIN_FILE)")
	f.BoolVar(&m.AllowPrivateNotifyTargets, "allow-private-notify-targets", e.boolean("PAYGATE_ALLOW_PRIVATE_NOTIFY_TARGETS"),
		"allow notification URLs on private, loopback and link-local addresses (PAYGATE_ALLOW_PRIVATE_NOTIFY_TARGETS)")
	f.DurationVar(&m.TokenTTL, "token-ttl", e.duration("PAYGATE_TOKEN_TTL", 2*time.Hour), "access token lifetime (PAYGATE_TOKEN_TTL)")
	f.DurationVar(&m.AuthorizationTTL, "authorization-ttl", e.duration("PAYGATE_AUTHORIZATION_TTL", 7*24*time.Hour),
		"how long an uncaptured authorization is held before it expires (PAYGATE_AUTHORIZATION_TTL)")
	f.DurationVar(&m.SweepInterval, "sweep-interval", e.duration("PAYGATE_SWEEP_INTERVAL", 30*time.Second),
		"how often expired payments are swept (PAYGATE_SWEEP_INTERVAL)")
	f.IntVar(&m.NotifyConcurrency, "notify-concurrency", e.whole("PAYGATE_NOTIFY_CONCURRENCY", m.NotifyConcurrency),
		"concurrent notification deliveries per endpoint: scheme, host and port (PAYGATE_NOTIFY_CONCURRENCY)")
	f.IntVar(&m.NotifyHostConcurrency, "notify-host-concurrency", e.whole("PAYGATE_NOTIFY_HOST_CONCURRENCY", m.NotifyHostConcurrency),
		"concurrent notification deliveries per host name, whatever the scheme and port (PAYGATE_NOTIFY_HOST_CONCURRENCY)")
	f.Float64Var(&m.NotifyHostRate, "notify-host-rate", e.number("PAYGATE_NOTIFY_HOST_RATE", strconv.FormatFloat(m.NotifyHostRate, 'g', -1, 64)),
		"notification deliveries started per second per host name (PAYGATE_NOTIFY_HOST_RATE)")
	f.IntVar(&m.NotifyHostBurst, "notify-host-burst", e.whole("PAYGATE_NOTIFY_HOST_BURST", m.NotifyHostBurst),
		"notification deliveries a host name may get at once beyond its rate (PAYGATE_NOTIFY_HOST_BURST)")
	f.Float64Var(&m.RateLimit, "rate-limit", e.number("PAYGATE_RATE_LIMIT", "100"),
		"requests per second per merchant (and per client address on the token call), bursts of twice that (PAYGATE_RATE_LIMIT)")
	f.DurationVar(&m.SandboxLatency, "sandbox-latency", e.duration("PAYGATE_SANDBOX_LATENCY", 0),
		"make each call to the sandbox acquirer take this long, to measure a remote acquirer's delay, e.g. 200ms (PAYGATE_SANDBOX_LATENCY)")
	f.StringVar(&m.LogFormat, "log-format", e.str("PAYGATE_LOG_FORMAT", "json"), "log lines as json or text (PAYGATE_LOG_FORMAT)")
	f.StringVar(&m.LogLevel, "log-level", e.str("PAYGATE_LOG_LEVEL", "info"), "the least level logged: debug, info, warn or error (PAYGATE_LOG_LEVEL)")
	f.StringVar(&m.MetricsAddr, "metrics-addr", e.str("PAYGATE_METRICS_ADDR", ""),
		"serve Prometheus metrics at /metrics on this address, a listener apart from the API's, e.g. 127.0.0.1:9090; off when empty (PAYGATE_METRICS_ADDR)")
}

func migrateCommand(ctx context.Context, m *Main, e *environ, stdout io.Writer) *cobra.Command {
	migrate := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the database migrations",
		RunE: func(c *cobra.Command, _ []string) error {
			applied, err := m.Migrate(ctx)
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintln(stdout, "the database schema is up to date: no migration to apply")
			} else {
				fmt.Fprintf(stdout, "applied %d migrations: %s\n", len(applied), strings.Join(applied, ", "))
			}
			return nil
		},
	}
	dbFlag(migrate, m, e)
	return migrate
}

func vaultCommand(ctx context.Context, m *Main, e *environ) *cobra.Command {
	var batch int
	vaultCmd := &cobra.Command{Use: "vault", Short: "Manage the card vault"}
	rekey := &cobra.Command{
		Use:   "rekey",
		Short: "Re-encrypt every stored card and secret to PAYGATE_MASTER_KEY (old keys in PAYGATE_OLD_MASTER_KEYS); safe to interrupt and rerun",
		RunE: func(c *cobra.Command, _ []string) error {
			if batch < 1 {
				return fmt.Errorf("--batch must be at least 1, got %d", batch)
			}
			return m.Rekey(ctx, batch)
		},
	}
	rekey.Flags().IntVar(&batch, "batch", 100, "rows per batch")
	dbFlag(rekey, m, e)
	vaultCmd.AddCommand(rekey)
	return vaultCmd
}
