// Package cmd holds the cobra commands. Each command lives in its own file as
// an options struct (I/O streams and dependencies), a NewCmdX constructor that
// only parses flags, and a runX function that does the work.
package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes are part of the command-line contract (crontabs depend on them).
const (
	ExitOK     = 0  // the run completed (per-domain errors are in the report)
	ExitError  = 1  // the run could not run: config, database, registrar login, mail
	ExitUsage  = 2  // bad flags or arguments
	ExitLocked = 75 // another run holds the lock (EX_TEMPFAIL)
)

// IOStreams are the standard streams a command reads and writes.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// ExitError carries an exit code out of a command's RunE.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// WithExitCode wraps err so that Main exits with code. A nil err with a
// non-zero code exits silently with that code.
func WithExitCode(code int, err error) error { return &exitError{code: code, err: err} }

// usageError marks flag and argument errors (exit 2).
func usageError(err error) error { return &exitError{code: ExitUsage, err: err} }

// NewCmdRoot builds the root command with every subcommand attached.
func NewCmdRoot(ios *IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "domainsync",
		Short: "Keep WHMCS domains in step with their registrars",
		Long: `domainsync keeps a WHMCS installation's domains in step with the registrars
that hold them. Run "domainsync sync" from cron; run it with --dry-run first.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError(err) })
	root.AddCommand(NewCmdVersion(ios))
	for _, add := range extraCommands {
		root.AddCommand(add(ios))
	}
	return root
}

// extraCommands lets command files register themselves without editing this
// file (each appends from an init function).
var extraCommands []func(*IOStreams) *cobra.Command

// Main runs the command line and returns the process exit code.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	ios := &IOStreams{In: in, Out: out, ErrOut: errOut}
	root := NewCmdRoot(ios)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	code := ExitError
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	} else if isCobraUsageError(err) {
		code = ExitUsage
	}
	fmt.Fprintf(errOut, "domainsync: %v\n", err)
	return code
}

// isCobraUsageError recognises the errors cobra returns for unknown commands
// and bad argument counts, which are not routed through the flag error func.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "unknown flag", "unknown shorthand flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
