package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/domainsync/domainsync/cmd/config"
	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/odr"
	"github.com/domainsync/domainsync/registrar/openprovider"
	"github.com/domainsync/domainsync/report"
	dsync "github.com/domainsync/domainsync/sync"
	"github.com/domainsync/domainsync/whmcsdb"
)

func init() {
	extraCommands = append(extraCommands, NewCmdSync)
}

// SyncOptions are the inputs of "domainsync sync".
type SyncOptions struct {
	IO *IOStreams

	ConfigPath string                      // --config
	Env        func(string) (string, bool) // os.LookupEnv in production
	Search     []string                    // config search paths; nil = config.DefaultSearchPaths
	Flags      func() []config.FlagValue   // override flags given (batch size, ...)

	DryRun    bool     // --dry-run
	Domains   []string // --domain
	All       bool     // --all
	NoMail    bool     // --no-mail
	Report    string   // --report text|html|json ("" = none, text on a dry run)
	Verbose   bool     // -v
	LogFormat string   // --log-format text|json
	Force     bool     // --force
	// Timeout (--timeout) bounds the run: past it no new domain is started,
	// those in flight finish and the report is still sent (0 = no limit).
	Timeout time.Duration
	// Registrars (--registrar, repeatable) limits the run to these
	// configured registrars; empty = all.
	Registrars []string

	// Config, when set, is used instead of loading one (the demo).
	Config *config.Config
	// Now overrides the clock (tests); zero = time.Now().
	Now time.Time
	// NewRegistrar overrides how registrar clients are built (tests, demo).
	NewRegistrar func(name string, cfg *config.Config, log *slog.Logger) (registrar.Registrar, error)

	// Metrics and progress hooks (metrics.go, progress.go).
	MetricsFile string      // --metrics-file: Prometheus textfile (not written on a dry run)
	metrics     *runMetrics // collected during the run when MetricsFile is set
}

// NewCmdSync builds "domainsync sync".
func NewCmdSync(ios *IOStreams) *cobra.Command {
	opts := &SyncOptions{IO: ios, Env: os.LookupEnv}
	c := &cobra.Command{
		Use:   "sync",
		Short: "Sync one batch of WHMCS domains with their registrar",
		Long: `Sync one batch of WHMCS domains with their registrar.

Selects the registrar's domains that are due (never synced, or last synced
longer ago than sync.update_interval; at most sync.batch_size), reads what the
registrar says about them, and then:
  - writes the expiry date, next due date (with its unpaid invoice) and status
    into WHMCS (the registrar leads), each domain in one transaction, guarded
    so that an admin's edit made meanwhile is never overwritten;
  - sends auto-renew and WHOIS privacy to the registrar (WHMCS leads);
  - mails one report to the WHMCS administrators whose role has System Emails.

Run it with --dry-run first: it prints what would change and writes nothing
(not even last_sync), calls no registrar write and sends no mail.

Exit status: 0 the run completed (per-domain errors are in the report);
1 it could not run (configuration, database, registrar login or account,
mail, or a batch held by the mass-change guard); 2 usage error; 75 another
run holds the lock.`,
		Example: `  # see what would change, without writing anything
  domainsync sync --dry-run --config /etc/domainsync/domainsync.yaml

  # crontab: one batch every 10 minutes
  */10 * * * * /usr/local/bin/domainsync sync --config /etc/domainsync/domainsync.yaml

  # sync two domains now, whatever their interval
  domainsync sync --domain example.com --domain example.net`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutputFormats(opts.Report, opts.LogFormat); err != nil {
				return err
			}
			if opts.All && len(opts.Domains) > 0 {
				return usageError(errors.New("--all and --domain cannot be combined"))
			}
			return runSyncWithMetrics(c.Context(), opts)
		},
	}
	config.AddFlag(c, &opts.ConfigPath)
	opts.Flags = config.AddOverrideFlags(c)
	fs := c.Flags()
	fs.BoolVar(&opts.DryRun, "dry-run", false, "plan everything and print the report; write nothing, call no registrar write, send no mail")
	fs.StringArrayVar(&opts.Domains, "domain", nil, "sync this domain now, ignoring interval and batch size (repeatable)")
	fs.BoolVar(&opts.All, "all", false, "sync the whole portfolio in one run (no batch limit, no interval)")
	fs.BoolVar(&opts.NoMail, "no-mail", false, "do not mail the report")
	fs.StringVar(&opts.Report, "report", "", "also print the report to stdout: text, html or json (a dry run prints text by default)")
	fs.BoolVarP(&opts.Verbose, "verbose", "v", false, "log progress to stderr")
	fs.StringVar(&opts.LogFormat, "log-format", "text", "log format on stderr: text or json")
	fs.DurationVar(&opts.Timeout, "timeout", DefaultSyncTimeout, "stop starting new domains after this long (0 = no limit); those in flight finish, the rest stay due, the report is still sent")
	fs.BoolVar(&opts.Force, "force", false, "apply a batch that the mass-change guard would hold (after a person has looked at it)")
	fs.StringArrayVar(&opts.Registrars, "registrar", nil, "only this configured registrar: openprovider or odr (repeatable; default all)")
	fs.StringVar(&opts.MetricsFile, "metrics-file", "", "write Prometheus textfile-collector metrics of the run to this file (atomically)")
	return c
}

// DefaultSyncTimeout is --timeout's default: under a typical cron spacing
// of 10 minutes or more, so that a slow run ends before the next starts.
const DefaultSyncTimeout = 10 * time.Minute

// newLogger logs to stderr: warnings and errors only, everything with -v.
func newLogger(w io.Writer, verbose bool, format string) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	hopts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, hopts))
	}
	return slog.New(slog.NewTextHandler(w, hopts))
}

func runSync(ctx context.Context, opts *SyncOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	log := newLogger(opts.IO.ErrOut, opts.Verbose, opts.LogFormat)
	var deadline time.Time
	if opts.Timeout > 0 {
		deadline = time.Now().Add(opts.Timeout)
	}

	cfg, err := effectiveConfig(opts.Config, config.LoadOptions{Path: opts.ConfigPath, Env: opts.Env, Search: opts.Search}, opts.Flags, log)
	if err != nil {
		return err
	}
	names, err := runRegistrars(cfg, opts.Registrars)
	if err != nil {
		return err
	}

	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return WithExitCode(ExitError, err)
	}
	defer db.Close()
	if err := db.CheckEngines(ctx); err != nil {
		if !opts.DryRun {
			return WithExitCode(ExitError, err)
		}
		log.Warn("a real run would refuse to write", "reason", err)
	}

	lock, err := takeRunLock(ctx, db, opts.IO.ErrOut, "sync run")
	if err != nil {
		return err
	}
	defer lock.Release()

	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	newReg := opts.NewRegistrar
	if newReg == nil {
		newReg = newRegistrar
	}

	mail := newMailer(ctx, cfg, db, !opts.DryRun && !opts.NoMail)
	var failures []error
	for _, name := range names {
		reg, err := newReg(name, cfg, log)
		if err != nil {
			failures = append(failures, fmt.Errorf("%s: %w", name, err))
			continue
		}
		res, runErr := dsync.Run(ctx, dsync.Options{
			DB:        db,
			Registrar: reg,
			Settings:  cfg.RegistrarSettings(name),
			Modules:   cfg.RegistrarModules(name),
			DryRun:    opts.DryRun,
			Names:     opts.Domains,
			All:       opts.All,
			Force:     opts.Force,
			Deadline:  deadline,
			Now:       now,
			Logger:    log.With("registrar", name),
			Progress:  newProgress(opts.IO.ErrOut, name, opts.All),
			Contacts:  cfg.RegistrarContacts(name), // ODR contact sync mode (cmd/config)
			LockCheck: lock.Held,                   // stop before the next write once the run lock is lost
			Command:   syncCommandLine(opts),
			// The run journal keeps journal.keep days.
			JournalKeep: cfg.Journal.KeepDuration(),

			PushConcurrency: pushConcurrency(reg),
		})
		opts.metrics.observe(name, reg, res)
		if statser, ok := reg.(interface{ Stats() openprovider.Stats }); ok {
			log.Debug("registrar calls", "registrar", name, "stats", fmt.Sprintf("%+v", statser.Stats()))
		}
		if res != nil {
			if err := deliver(ctx, opts, mail, res.Report, log); err != nil {
				failures = append(failures, err)
			}
			log.Info("run finished", "registrar", name, "selected", res.Report.Totals.Selected,
				"changed", res.Report.Totals.Changed, "failed", res.Report.Totals.Failed,
				"applied", res.Applied, "pushed", res.Pushed)
			if res.TimedOut {
				log.Warn("stopped at the --timeout deadline; the rest stays due for the next run", "registrar", name,
					"timeout", opts.Timeout, "not_started", res.NotStarted, "applied", res.Applied)
			}
			if res.AccountErr != nil {
				failures = append(failures, withRegistrar(name, authHint(res.AccountErr, cfg, name)))
			}
			if res.Held && opts.DryRun { // a dry run applies nothing anyway: it exits 0 and says what a real run would do
				log.Warn("a real run would hold this batch and apply nothing; after checking the report, run with --force", "registrar", name)
			}
			if res.Held && !opts.DryRun {
				failures = append(failures, fmt.Errorf("%s: batch held by the mass-change guard (%s); nothing applied: look at the report, then run again with --force", name, firstNotice(res.Report)))
			}
		}
		if runErr != nil {
			failures = append(failures, fmt.Errorf("%s: %w", name, runErr))
		}
	}
	if len(failures) > 0 {
		return WithExitCode(ExitError, errors.Join(failures...))
	}
	return nil
}

// syncCommandLine is the run's command and flags for the run journal.
func syncCommandLine(opts *SyncOptions) string {
	parts := []string{"sync"}
	if opts.All {
		parts = append(parts, "--all")
	}
	for _, d := range opts.Domains {
		parts = append(parts, "--domain", d)
	}
	if opts.Force {
		parts = append(parts, "--force")
	}
	for _, r := range opts.Registrars {
		parts = append(parts, "--registrar", r)
	}
	return strings.Join(parts, " ")
}

// withRegistrar prefixes err with the registrar's name unless the error
// (a registrar.Error) already starts with it.
func withRegistrar(name string, err error) error {
	if strings.HasPrefix(err.Error(), name+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

func firstNotice(r *report.Report) string {
	if len(r.Notices) > 0 {
		return r.Notices[0]
	}
	return "suspicious mass change"
}

// authHint adds entityHint's hint to an Openprovider login failure.
func authHint(err error, cfg *config.Config, name string) error {
	if name != openprovider.Name || cfg.Registrars.Openprovider == nil {
		return err
	}
	return entityHint(err, cfg.Registrars.Openprovider.Password)
}

// configuredRegistrars lists the registrars configured, in a stable order.
func configuredRegistrars(cfg *config.Config) []string {
	var out []string
	if cfg.Registrars.Openprovider != nil {
		out = append(out, openprovider.Name)
	}
	if cfg.Registrars.Odr != nil {
		out = append(out, odr.Name)
	}
	return out
}

// newRegistrar builds the client for a configured registrar.
func newRegistrar(name string, cfg *config.Config, log *slog.Logger) (registrar.Registrar, error) {
	switch name {
	case openprovider.Name:
		op := cfg.Registrars.Openprovider
		return openprovider.New(openprovider.Config{
			URL:            op.URL,
			Username:       op.Username,
			Password:       op.Password.Reveal(),
			CAFile:         op.CAFile,
			RateLimit:      op.RateLimit,
			Concurrency:    op.Concurrency,
			RequestTimeout: op.Timeout,
			UserAgent:      UserAgent(),
			Logger:         log.With("registrar", name),
		})
	case odr.Name:
		return newODR(cfg, log)
	}
	return nil, fmt.Errorf("unknown registrar %q", name)
}

// openDB opens the WHMCS database from whmcs.dsn or, when that is empty,
// from whmcs.dir's configuration.php (with WHMCS's sql_mode and charset).
func openDB(ctx context.Context, cfg *config.Config, log *slog.Logger) (*whmcsdb.DB, error) {
	if cfg.WHMCS.DSN.Reveal() == "" && cfg.WHMCS.Dir == "" {
		return nil, errors.New("no WHMCS database configured: set whmcs.dsn (or DOMAINSYNC_DB_DSN), or whmcs.dir / --whmcs DIR")
	}
	return config.OpenWHMCSDB(ctx, cfg, whmcsdb.Options{AllowNonTransactional: cfg.WHMCS.AllowNonTransactional, Logger: log})
}

// pushConcurrency lets the registrar writes follow the client's own cap on
// requests in flight (0, the sync default, when the client has none).
func pushConcurrency(reg registrar.Registrar) int {
	if c, ok := reg.(dsync.ReadCapacity); ok {
		return c.Concurrency()
	}
	return 0
}
