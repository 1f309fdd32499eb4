package cmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/domainsync/domainsync/cmd/config"

	"github.com/domainsync/domainsync/registrar"
	dsync "github.com/domainsync/domainsync/sync"
	"github.com/domainsync/domainsync/whmcsdb"
)

func init() {
	extraCommands = append(extraCommands, NewCmdUndo)
}

// UndoOptions are the inputs of "domainsync undo".
type UndoOptions struct {
	IO *IOStreams

	ConfigPath string
	Env        func(string) (string, bool)
	Search     []string
	Flags      func() []config.FlagValue

	Run       int64    // --run (required)
	DryRun    bool     // --dry-run
	Domains   []string // --domain
	NoMail    bool     // --no-mail
	Report    string   // --report text|html|json ("" = none, text on a dry run)
	Verbose   bool     // -v
	LogFormat string   // --log-format

	Config       *config.Config // used instead of loading one (tests)
	NewRegistrar func(name string, cfg *config.Config, log *slog.Logger) (registrar.Registrar, error)
}

// NewCmdUndo builds "domainsync undo".
func NewCmdUndo(ios *IOStreams) *cobra.Command {
	opts := &UndoOptions{IO: ios, Env: os.LookupEnv}
	c := &cobra.Command{
		Use:   "undo --run ID",
		Short: "Put back what one run changed (from the run journal)",
		Long: `Put back what one run changed, as the run journal recorded it
(see "domainsync history").

  - WHMCS values (expiry date, next due date, next invoice date, status, and
    the unpaid invoice items and invoices that moved) go back to their old
    values, each domain in one transaction, and only when every value of the
    domain still holds what the run wrote: an administrator's edit or a
    later run wins, and the report lists the domain as not undone, with the
    reason.
  - Registrar writes (auto-renew, WHOIS privacy) are sent back when the
    registrar still holds the value the run set.
  - One activity-log row per undone change ("Domain Sync: undo of run 42:
    example.com expiry date 2026-03-01 → 2025-03-01"); the report is mailed
    to the same recipients as a sync report.

An undo takes the run lock, is a run of its own in the journal and can be
undone in turn. A batch held by the mass-change guard changed nothing, so
there is nothing to undo. Note that the next sync may make the same change
again if the registrar still says so.

--dry-run prints exactly what would go back and writes nothing.

Exit status: 0 done (domains kept are in the report); 1 the undo could not
run or a registrar write failed; 2 usage error; 75 another run holds the lock.`,
		Example: `  domainsync history
  domainsync undo --run 42 --dry-run
  domainsync undo --run 42 --domain example.com`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if opts.Run <= 0 {
				return usageError(errors.New("--run: give the id of the run to undo (see domainsync history)"))
			}
			if err := checkOutputFormats(opts.Report, opts.LogFormat); err != nil {
				return err
			}
			return runUndo(c.Context(), opts)
		},
	}
	config.AddFlag(c, &opts.ConfigPath)
	opts.Flags = config.AddOverrideFlags(c)
	fs := c.Flags()
	fs.Int64Var(&opts.Run, "run", 0, "the run to undo (its id in domainsync history)")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "print what would go back; write nothing, call no registrar write, send no mail")
	fs.StringArrayVar(&opts.Domains, "domain", nil, "undo only this domain's changes (repeatable)")
	fs.BoolVar(&opts.NoMail, "no-mail", false, "do not mail the report")
	fs.StringVar(&opts.Report, "report", "", "also print the report to stdout: text, html or json (a dry run prints text by default)")
	fs.BoolVarP(&opts.Verbose, "verbose", "v", false, "log progress to stderr")
	fs.StringVar(&opts.LogFormat, "log-format", "text", "log format on stderr: text or json")
	return c
}

func runUndo(ctx context.Context, opts *UndoOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	log := newLogger(opts.IO.ErrOut, opts.Verbose, opts.LogFormat)
	cfg, err := effectiveConfig(opts.Config, config.LoadOptions{Path: opts.ConfigPath, Env: opts.Env, Search: opts.Search}, opts.Flags, log)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return WithExitCode(ExitError, err)
	}
	defer db.Close()
	exists, err := db.JournalExists(ctx)
	if err != nil {
		return WithExitCode(ExitError, err)
	}
	if !exists[whmcsdb.JournalTable] || !exists[whmcsdb.JournalChanges] {
		return WithExitCode(ExitError, errors.New("no run journal in this database yet: there is no run to undo"))
	}
	if !opts.DryRun {
		// The tables exist (above): only their engines are left to check.
		if err := db.CheckJournal(ctx); err != nil {
			return WithExitCode(ExitError, err)
		}
	}
	lock, err := takeRunLock(ctx, db, opts.IO.ErrOut, "run")
	if err != nil {
		return err
	}
	defer lock.Release()

	newReg := opts.NewRegistrar
	if newReg == nil {
		newReg = newRegistrar
	}
	mail := newMailer(ctx, cfg, db, !opts.DryRun && !opts.NoMail)
	res, undoErr := dsync.Undo(ctx, dsync.UndoOptions{
		DB:    db,
		RunID: opts.Run,
		Names: opts.Domains,
		NewRegistrar: func(name string) (registrar.Registrar, error) {
			if !slices.Contains(configuredRegistrars(cfg), name) {
				return nil, fmt.Errorf("the run's registrar %q is not configured: its writes cannot be put back", name)
			}
			return newReg(name, cfg, log)
		},
		DryRun:    opts.DryRun,
		Command:   undoCommand(opts),
		Logger:    log,
		LockCheck: lock.Held,
	})
	var failures []error
	if res != nil {
		so := &SyncOptions{IO: opts.IO, DryRun: opts.DryRun, NoMail: opts.NoMail, Report: opts.Report}
		if err := deliver(ctx, so, mail, res.Report, log); err != nil {
			failures = append(failures, err)
		}
		if res.AccountErr != nil {
			failures = append(failures, withRegistrar(res.Report.Registrar, res.AccountErr))
		} else if res.Failed > 0 {
			failures = append(failures, fmt.Errorf("%d registrar writes were not put back (see the report)", res.Failed))
		}
		domains, reverts, pushes, kept := res.Plan.Counts()
		log.Info("undo finished", "run", opts.Run, "undo_run", res.UndoRun, "domains", domains, "values", reverts, "registrar_writes", pushes, "kept", kept)
	}
	if undoErr != nil {
		failures = append(failures, undoErr)
	}
	if len(failures) > 0 {
		return WithExitCode(ExitError, errors.Join(failures...))
	}
	return nil
}

// undoCommand is the undo's command line for the journal.
func undoCommand(opts *UndoOptions) string {
	parts := []string{"undo", "--run", strconv.FormatInt(opts.Run, 10)}
	for _, d := range opts.Domains {
		parts = append(parts, "--domain", d)
	}
	return strings.Join(parts, " ")
}
