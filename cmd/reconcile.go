package cmd

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/domainsync/domainsync/cmd/config"
	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/report"
	dsync "github.com/domainsync/domainsync/sync"
	"github.com/domainsync/domainsync/whmcsdb"
)

func init() {
	extraCommands = append(extraCommands, NewCmdReconcile)
}

// ReconcileOptions are the inputs of "domainsync reconcile".
type ReconcileOptions struct {
	IO         *IOStreams
	ConfigPath string                      // --config
	Env        func(string) (string, bool) // os.LookupEnv in production
	Search     []string                    // config search paths; nil = config.DefaultSearchPaths
	Registrars []string                    // --registrar
	Report     string                      // --report text|html|json ("" = none)
	NoMail     bool                        // --no-mail
	Verbose    bool                        // -v

	// Config, when set, is used instead of loading one.
	Config *config.Config
	// NewRegistrar overrides how registrar clients are built (tests).
	NewRegistrar func(name string, cfg *config.Config, log *slog.Logger) (registrar.Registrar, error)
}

// NewCmdReconcile builds "domainsync reconcile".
func NewCmdReconcile(ios *IOStreams) *cobra.Command {
	opts := &ReconcileOptions{IO: ios, Env: os.LookupEnv}
	c := &cobra.Command{
		Use:   "reconcile",
		Short: "Compare each registrar's whole portfolio with WHMCS (writes nothing)",
		Long: `Compare each registrar's whole portfolio with WHMCS. Writes nothing.

Reads every page of the registrar's portfolio and every WHMCS domain, and
reports, per registrar:
  1. domains at the registrar but not in WHMCS (with status and expiry);
  2. WHMCS domains of the registrar (Active, Pending*, Grace, Redemption,
     Expired) that it does not hold (saying whether it holds them as deleted);
  3. domains at the registrar that WHMCS has under another registrar;
  4. expiry dates that differ by more than reconcile.expiry_tolerance_days,
     and statuses that disagree.
Names are compared normalized (case, trailing dot, Unicode and punycode).
The report is mailed to the same recipients as sync's.

Exit status: 0 done; 1 a registrar, the database or the mail failed; 2 usage.`,
		Example: `  # crontab: once a day
  30 6 * * * /usr/local/bin/domainsync reconcile --config /etc/domainsync/domainsync.yaml

  domainsync reconcile --registrar odr --report text --no-mail`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutputFormats(opts.Report, "text"); err != nil {
				return err
			}
			return runReconcile(c.Context(), opts)
		},
	}
	config.AddFlag(c, &opts.ConfigPath)
	fs := c.Flags()
	fs.StringArrayVar(&opts.Registrars, "registrar", nil, "only this configured registrar: openprovider or odr (repeatable; default all)")
	fs.StringVar(&opts.Report, "report", "", "also print the report to stdout: text, html or json")
	fs.BoolVar(&opts.NoMail, "no-mail", false, "do not mail the report")
	fs.BoolVarP(&opts.Verbose, "verbose", "v", false, "log progress to stderr")
	return c
}

func runReconcile(ctx context.Context, opts *ReconcileOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	log := newLogger(opts.IO.ErrOut, opts.Verbose, "text")
	cfg, err := effectiveConfig(opts.Config, config.LoadOptions{Path: opts.ConfigPath, Env: opts.Env, Search: opts.Search}, nil, log)
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
	newReg := opts.NewRegistrar
	if newReg == nil {
		newReg = newRegistrar
	}
	out := &SyncOptions{IO: opts.IO, Report: opts.Report, NoMail: opts.NoMail}
	mail := newMailer(ctx, cfg, db, !opts.NoMail)

	var failures []error
	for _, name := range names {
		rep, err := reconcileOne(ctx, db, cfg, name, newReg, log)
		if err != nil {
			failures = append(failures, withRegistrar(name, err))
			if rep == nil {
				continue
			}
		}
		if err := deliver(ctx, out, mail, rep, log); err != nil {
			failures = append(failures, err)
		}
	}
	if len(failures) > 0 {
		return WithExitCode(ExitError, errors.Join(failures...))
	}
	return nil
}

// reconcileOne compares one registrar. A registrar failure returns the
// report (carrying the error) and the error; a database failure no report.
func reconcileOne(ctx context.Context, db *whmcsdb.DB, cfg *config.Config, name string,
	newReg func(string, *config.Config, *slog.Logger) (registrar.Registrar, error), log *slog.Logger) (*report.Report, error) {
	rc := dsync.NewReconciler(dsync.ReconcileOptions{
		Registrar: name, Modules: cfg.RegistrarModules(name), Settings: cfg.RegistrarSettings(name),
		ExpiryTolerance: cfg.Reconcile.ExpiryToleranceDays,
	})
	if err := streamWHMCSDomains(ctx, db, rc.AddWHMCS); err != nil {
		return nil, err
	}
	failed := func(err error) (*report.Report, error) {
		rep := dsync.NewReconcileReport(name)
		rep.AddNotice("reconciliation failed, nothing compared: " + err.Error())
		return rep, err
	}
	reg, err := newReg(name, cfg, log)
	if err != nil {
		return nil, err
	}
	if err := reg.Login(ctx); err != nil {
		return failed(err)
	}
	n := 0
	err = reg.List(ctx, func(total int) { log.Debug("listing the portfolio", "registrar", name, "total", total) },
		func(rec registrar.Record) error {
			n++
			rc.AddRecord(rec)
			return nil
		})
	if err != nil {
		return failed(err)
	}
	// Domains the registrar holds only among its deleted ones (not in the
	// live listing): so that a WHMCS domain missing there is reported as
	// "exists there as deleted" rather than "not found".
	if dl, ok := reg.(dsync.DeletedLister); ok {
		err = dl.ListDeleted(ctx, func(int) {}, func(rec registrar.Record) error {
			rec.Deleted = true
			rc.AddRecord(rec)
			return nil
		})
		if err != nil {
			return failed(err)
		}
	}
	rep := rc.Report()
	log.Info("reconciled", "registrar", name, "registrar_domains", n, "subject", rep.Subject())
	return rep, nil
}

// streamWHMCSDomains calls fn for every tbldomains row, one at a time.
func streamWHMCSDomains(ctx context.Context, db *whmcsdb.DB, fn func(dsync.ReconcileDomain)) error {
	return db.EachDomain(ctx, func(d whmcsdb.PortfolioDomain) error {
		fn(dsync.ReconcileDomain{ID: d.ID, Name: d.Name, Registrar: d.Registrar, Status: d.Status, Expiry: d.Expiry})
		return nil
	})
}
