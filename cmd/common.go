package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/domainsync/domainsync/cmd/config"
	"github.com/domainsync/domainsync/whmcsdb"
)

// effectiveConfig returns cfg when the caller supplied one (the demo, tests),
// else loads the configuration (file, environment, flags, WHMCS) and logs its
// warnings. Errors exit 1.
func effectiveConfig(cfg *config.Config, lo config.LoadOptions, flags func() []config.FlagValue, log *slog.Logger) (*config.Config, error) {
	if cfg != nil {
		return cfg, nil
	}
	if flags != nil {
		lo.Flags = flags()
	}
	c, src, err := config.Load(lo)
	if err != nil {
		return nil, WithExitCode(ExitError, err)
	}
	for _, w := range src.Warnings {
		log.Warn(w)
	}
	return c, nil
}

// checkOutputFormats checks --report ("" for none, text, html or json) and
// --log-format (text or json): an unknown format is a usage error (exit 2).
// A command without --log-format passes "text", the format it logs in.
func checkOutputFormats(report, logFormat string) error {
	switch report {
	case "", "text", "html", "json":
	default:
		return usageError(fmt.Errorf("--report: unknown format %q (text, html or json)", report))
	}
	switch logFormat {
	case "text", "json":
	default:
		return usageError(fmt.Errorf("--log-format: unknown format %q (text or json)", logFormat))
	}
	return nil
}

// runRegistrars lists the configured registrars a command works on, limited
// by --registrar: an unknown name is a usage error (exit 2), none configured
// exits 1.
func runRegistrars(cfg *config.Config, want []string) ([]string, error) {
	names, err := selectRegistrars(configuredRegistrars(cfg), want)
	if err != nil {
		return nil, usageError(err)
	}
	if len(names) == 0 {
		return nil, WithExitCode(ExitError, errors.New("no registrar configured: add registrars.openprovider (url, username, password) or registrars.odr (api_key, api_secret) to the configuration"))
	}
	return names, nil
}

// takeRunLock takes the run lock that sync and undo share (one writer of a
// WHMCS database at a time). Another run holding it exits 75 after saying
// so on errOut (what names this command's kind of run); any other failure
// exits 1.
func takeRunLock(ctx context.Context, db *whmcsdb.DB, errOut io.Writer, what string) (*whmcsdb.Lock, error) {
	lock, err := db.LockHeld(ctx, "sync")
	if errors.Is(err, whmcsdb.ErrLocked) {
		fmt.Fprintf(errOut, "domainsync: another %s holds the lock on database %s; exiting\n", what, db.Name())
		return nil, WithExitCode(ExitLocked, nil)
	}
	if err != nil {
		return nil, WithExitCode(ExitError, err)
	}
	return lock, nil
}
