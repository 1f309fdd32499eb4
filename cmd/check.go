package cmd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/domainsync/domainsync/cmd/config"
	"github.com/domainsync/domainsync/whmcsdb/whmcsconf"

	"github.com/spf13/cobra"

	"github.com/domainsync/domainsync/registrar/openprovider"
	"github.com/domainsync/domainsync/report"
	"github.com/domainsync/domainsync/whmcsdb"
)

func init() {
	extraCommands = append(extraCommands, NewCmdCheck)
}

// CheckOptions are the inputs of "domainsync check".
type CheckOptions struct {
	IO         *IOStreams
	ConfigPath string                      // --config
	Env        func(string) (string, bool) // os.LookupEnv in production
	Search     []string                    // nil = config.DefaultSearchPaths
	Flags      func() []config.FlagValue   // override flags given
	SendTest   bool                        // --send-test-mail
	Timeout    time.Duration               // bound of each network check
}

// DefaultCheckTimeout bounds each network check (database, login, SMTP).
const DefaultCheckTimeout = 30 * time.Second

// NewCmdCheck builds "domainsync check".
func NewCmdCheck(ios *IOStreams) *cobra.Command {
	opts := &CheckOptions{IO: ios, Env: os.LookupEnv}
	c := &cobra.Command{
		Use:   "check",
		Short: "Check the configuration, database, registrar login and mail",
		Long: `Check everything a sync run needs, one line per check, ✓ or ✗ with the fix:
the configuration (effective values and their sources, secrets masked), the
WHMCS database and the privileges sync needs, the sync table, each
registrar's login, the SMTP server (EHLO, STARTTLS, AUTH; nothing is sent
unless --send-test-mail), the report's recipients, and that WHMCS's own
domain sync does not also change these domains. Nothing is written.

Exit status: 0 when every check passed, 1 otherwise, 2 usage error.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runCheck(c.Context(), opts)
		},
	}
	config.AddFlag(c, &opts.ConfigPath)
	opts.Flags = config.AddOverrideFlags(c)
	c.Flags().BoolVar(&opts.SendTest, "send-test-mail", false, "also send one test message to the report's recipients")
	c.Flags().DurationVar(&opts.Timeout, "timeout", DefaultCheckTimeout, "bound of each network check")
	return c
}

// checklist prints the lines and counts the failures.
type checklist struct {
	w      io.Writer
	failed int
}

func (l *checklist) ok(name, format string, args ...any) {
	fmt.Fprintf(l.w, "✓ %s: %s\n", name, fmt.Sprintf(format, args...))
}

func (l *checklist) fail(name, problem, fix string) {
	l.failed++
	fmt.Fprintf(l.w, "✗ %s: %s — fix: %s\n", name, oneLineText(problem), fix)
}

// warn prints a problem that does not fail the check.
func (l *checklist) warn(name, problem, fix string) {
	fmt.Fprintf(l.w, "! %s: %s — fix: %s\n", name, oneLineText(problem), fix)
}

func (l *checklist) info(name, format string, args ...any) {
	fmt.Fprintf(l.w, "• %s: %s\n", name, fmt.Sprintf(format, args...))
}

func (l *checklist) detail(format string, args ...any) {
	fmt.Fprintf(l.w, "    "+format+"\n", args...)
}

// oneLineText folds a multi-line error into one line.
func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }

func runCheck(ctx context.Context, opts *CheckOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultCheckTimeout
	}
	l := &checklist{w: opts.IO.Out}
	log := slog.New(slog.DiscardHandler)
	bounded := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, opts.Timeout) }

	// Configuration.
	var flags []config.FlagValue
	if opts.Flags != nil {
		flags = opts.Flags()
	}
	cctx, cancel := bounded()
	cfg, src, err := config.LoadContext(cctx, config.LoadOptions{Path: opts.ConfigPath, Env: opts.Env, Flags: flags, Search: opts.Search})
	cancel()
	if err != nil {
		l.fail("config", err.Error(), `correct the configuration (see "domainsync config" and the README)`)
		return checkDone(l)
	}
	file := "none (environment and flags only)"
	if src.File != "" {
		file = fmt.Sprintf("%s (%s)", src.File, src.FileSource)
	}
	l.ok("config", "parsed %s", file)
	for _, s := range cfg.Values(src) {
		l.detail("%s = %s  (%s)", s.Key, s.Value, s.Source)
	}
	for _, w := range src.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", w)
	}

	names := configuredRegistrars(cfg)
	if len(names) == 0 {
		l.fail("registrars", "no registrar configured", "add registrars.openprovider (url, username, password) or registrars.odr (api_key, api_secret)")
	}

	// Database.
	if problem, fix := config.DSNTransportWarning(cfg, src); problem != "" {
		l.warn("database transport", problem, fix)
	}
	cctx, cancel = bounded()
	db, err := openDB(cctx, cfg, log)
	cancel()
	if err != nil {
		l.fail("database", err.Error(), "set whmcs.dsn (or DOMAINSYNC_DB_DSN) or whmcs.dir to a reachable WHMCS database, user and password")
	} else {
		defer db.Close()
		l.ok("database", "connected to %q (whmcs.dsn %s)", db.Name(), src.Of("whmcs.dsn"))
		checkDatabase(ctx, opts, l, cfg, db, names)
	}

	// WHMCS settings read from the installation (whmcs.dir).
	checkWHMCSDir(l, cfg)

	// Registrars.
	for _, name := range names {
		cctx, cancel := bounded()
		err := loginRegistrar(cctx, cfg, name, log)
		cancel()
		if err != nil {
			l.fail("registrar "+name, authHint(err, cfg, name).Error(), fmt.Sprintf("check registrars.%s credentials and url (run \"domainsync config\" to see where each comes from)", name))
			continue
		}
		l.ok("registrar "+name, "login works")
	}

	// Mail.
	checkMail(ctx, opts, l, cfg, db)

	for _, name := range names {
		if name == openprovider.Name {
			path := ".../modules/registrars/openprovider/cron/DomainSync.php"
			if cfg.WHMCS.Dir != "" {
				path = filepath.Join(cfg.WHMCS.Dir, "modules", "registrars", "openprovider", "cron", "DomainSync.php")
			}
			l.info("reminder", "domainsync replaces the Openprovider module's cron: remove its line from the crontab if it is still there (php -q %s)", path)
		}
	}
	return checkDone(l)
}

func checkDone(l *checklist) error {
	if l.failed > 0 {
		fmt.Fprintf(l.w, "%d check(s) failed\n", l.failed)
		return WithExitCode(ExitError, nil)
	}
	fmt.Fprintln(l.w, "all checks passed")
	return nil
}

func loginRegistrar(ctx context.Context, cfg *config.Config, name string, log *slog.Logger) error {
	reg, err := newRegistrar(name, cfg, log)
	if err != nil {
		return err
	}
	return reg.Login(ctx)
}

// checkDatabase checks the tables' engines, the privileges, the sync
// tables and WHMCS's own domain sync.
func checkDatabase(ctx context.Context, opts *CheckOptions, l *checklist, cfg *config.Config, db *whmcsdb.DB, names []string) {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if err := db.CheckEngines(ctx); err != nil {
		l.fail("tables", err.Error(), "point whmcs.dsn at the WHMCS database; convert MyISAM tables with ALTER TABLE ... ENGINE=InnoDB (or set whmcs.allow_non_transactional)")
	} else {
		l.ok("tables", "tbldomains, tblinvoices, tblinvoiceitems, tblactivitylog present and transactional")
	}

	var syncTables, absent []string
	for _, name := range names {
		table := whmcsdb.SyncTableName(name)
		exists, err := db.SyncTableExists(ctx, table)
		switch {
		case err != nil:
			l.fail("sync table "+table, err.Error(), "check the database user's privileges")
			continue
		case exists:
			l.ok("sync table "+table, "present")
		default:
			absent = append(absent, table)
			l.ok("sync table "+table, "absent; the first sync creates it (needs CREATE, checked below)")
		}
		syncTables = append(syncTables, table)
	}

	// The run journal (history, undo): created by the first sync too.
	var journalAbsent []string
	if exists, err := db.JournalExists(ctx); err != nil {
		l.fail("journal", err.Error(), "check the database user's privileges")
	} else {
		for _, t := range whmcsdb.JournalTables {
			if !exists[t] {
				journalAbsent = append(journalAbsent, t)
			}
		}
		if len(journalAbsent) > 0 {
			l.ok("journal", "%s absent; the first sync creates them (needs CREATE, checked below)", strings.Join(journalAbsent, ", "))
		} else if err := db.CheckJournal(ctx); err != nil {
			l.fail("journal", err.Error(), "convert the journal tables with ALTER TABLE ... ENGINE=InnoDB")
		} else {
			l.ok("journal", "%s present and transactional (history, undo)", strings.Join(whmcsdb.JournalTables, ", "))
		}
	}
	want := append(whmcsdb.RequiredPrivileges(syncTables, absent), whmcsdb.JournalPrivileges(journalAbsent)...)

	g, err := db.Grants(ctx)
	if err != nil {
		l.fail("privileges", err.Error(), "check the database user's privileges (SHOW GRANTS)")
	} else if miss := g.Missing(want); len(miss) > 0 {
		var ps []string
		for _, p := range miss {
			ps = append(ps, p.String())
		}
		l.fail("privileges", fmt.Sprintf("%s lacks %s", g.User, strings.Join(ps, ", ")),
			"as a database administrator run: "+strings.Join(g.GrantStatements(miss), " "))
	} else {
		l.ok("privileges", "SELECT, UPDATE, INSERT, DELETE and CREATE where sync needs them (the journal's: on its own tables only)")
	}

	set, err := db.Settings(ctx, "DomainSyncEnabled")
	switch {
	case err != nil:
		l.fail("WHMCS domain sync", err.Error(), "check the database user's privileges on tblconfiguration")
	case whmcsconf.String(set["DomainSyncEnabled"]).Truthy(): // PHP truthiness, as WHMCS reads it
		l.fail("WHMCS domain sync", "WHMCS's own domain sync is on (tblconfiguration DomainSyncEnabled): its cron and domainsync would both change these domains",
			"switch it off in WHMCS under Configuration > System Settings > Automation Settings (Domain Sync Enabled)")
	default:
		l.ok("WHMCS domain sync", "off (tblconfiguration DomainSyncEnabled)")
	}
}

// checkWHMCSDir reports what reading the WHMCS directory found: a
// cc_encryption_hash that does not decrypt, and the module's native sync.
func checkWHMCSDir(l *checklist, cfg *config.Config) {
	w := cfg.FromWHMCS
	if w == nil {
		return
	}
	if w.WrongKey {
		l.fail("cc_encryption_hash", "$cc_encryption_hash in "+filepath.Join(w.Dir, "configuration.php")+" does not decrypt this database's values: the registrar credentials and WHMCS's mail settings were not read",
			"use the configuration.php of this WHMCS installation, or set the credentials (registrars.*, report.smtp.*) in the configuration file or environment")
	}
	if w.NativeSync {
		l.fail("module syncUseNativeWHMCS", "the Openprovider module has syncUseNativeWHMCS = true: WHMCS's native sync and domainsync would both change these domains",
			"either set syncUseNativeWHMCS to false in modules/registrars/openprovider/configuration/advanced-module-configurations.php and keep domainsync, or leave it on and do not run domainsync for openprovider")
	} else {
		l.ok("module syncUseNativeWHMCS", "off")
	}
}

// checkMail probes the SMTP server, finds the recipients and, when asked,
// sends one test message.
func checkMail(ctx context.Context, opts *CheckOptions, l *checklist, cfg *config.Config, db *whmcsdb.DB) {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if cfg.Report.MailDisabled {
		l.fail("mail", "WHMCS has e-mail sending disabled (tblconfiguration DisableEmailSending): no report would be mailed",
			"untick Disable Email Sending in WHMCS under Configuration > System Settings > General Settings > Mail")
	}
	// The transport alone: mailConfig with a placeholder recipient, so
	// that the probe does not depend on the database.
	transport := *cfg
	transport.Report.To = []string{"check@localhost"}
	mc, _ := mailConfig(ctx, &transport, nil)
	mc.To = nil
	mc.Timeout = opts.Timeout
	smtpOK := false
	if err := report.Probe(ctx, mc); err != nil {
		l.fail("smtp", err.Error(), "check report.smtp.host, port, tls, username and password (run \"domainsync config\" to see where each comes from)")
	} else {
		smtpOK = true
		how := "no TLS"
		switch mc.TLS {
		case report.TLSStartTLS:
			how = "STARTTLS"
		case report.TLSImplicit:
			how = "TLS"
		}
		auth := "no AUTH"
		if mc.Username != "" {
			auth = "AUTH as " + mc.Username
		}
		l.ok("smtp", "%s:%d answers (EHLO, %s, %s)", mc.Host, mc.Port, how, auth)
	}

	if db == nil && len(cfg.Report.To) == 0 {
		l.fail("recipients", "not checked: the database is not reachable", "fix the database first")
		return
	}
	from := "report.to"
	if len(cfg.Report.To) == 0 {
		from = "active WHMCS admins with System Emails"
		rs, err := db.Recipients(ctx)
		if err != nil {
			l.fail("recipients", err.Error(), "check the database user's privileges on tbladmins and tbladminroles")
			return
		}
		if len(rs) == 0 {
			l.fail("recipients", "none: report.to is empty and no active WHMCS administrator with an e-mail address has a role with System Emails",
				"set report.to, or tick System Emails on an active administrator's role in WHMCS (Configuration > Administrator Roles)")
			return
		}
	}
	full, err := mailConfig(ctx, cfg, db)
	if err != nil {
		l.fail("recipients", err.Error(), "set report.to, or give an active WHMCS administrator with an e-mail address a role with System Emails")
		return
	}
	l.ok("recipients", "%d (%s): %s", len(full.To), from, strings.Join(full.To, ", "))

	if !opts.SendTest || !smtpOK {
		return
	}
	full.Timeout = opts.Timeout
	text := "This is a test message from \"domainsync check --send-test-mail\".\nThe sync report will be mailed the same way.\n"
	if err := report.SendMail(ctx, full, "domainsync test mail", []byte(text), nil); err != nil {
		l.fail("test mail", err.Error(), "check the SMTP server's log and the recipients' addresses")
		return
	}
	l.ok("test mail", "sent to %d recipient(s)", len(full.To)+len(full.BCC))
}
