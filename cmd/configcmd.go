package cmd

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/domainsync/domainsync/cmd/config"
)

func init() {
	extraCommands = append(extraCommands, NewCmdConfig)
}

type configOptions struct {
	IO         *IOStreams
	ConfigPath string                      // --config
	Env        func(string) (string, bool) // os.LookupEnv
	Search     []string                    // nil: config.DefaultSearchPaths
	Flags      func() []config.FlagValue   // the override flags given
}

// NewCmdConfig builds "domainsync config".
func NewCmdConfig(ios *IOStreams) *cobra.Command {
	return newCmdConfig(&configOptions{IO: ios, Env: os.LookupEnv})
}

func newCmdConfig(opts *configOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration and where each value comes from",
		Long: `Print the effective configuration: one "key = value  (source)" line per
setting, where the source is a flag, an environment variable, a line of the
configuration file or the built-in default. Passwords are masked. Takes the
same --config and override flags as "sync", so it shows what a sync run with
them would use. Exits 1 when the configuration has problems, listing each.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runConfig(opts)
		},
	}
	config.AddFlag(c, &opts.ConfigPath)
	opts.Flags = config.AddOverrideFlags(c)
	return c
}

func runConfig(opts *configOptions) error {
	var flags []config.FlagValue
	if opts.Flags != nil {
		flags = opts.Flags()
	}
	cfg, src, err := config.Load(config.LoadOptions{Path: opts.ConfigPath, Env: opts.Env, Flags: flags, Search: opts.Search})
	if err != nil {
		return WithExitCode(ExitError, err)
	}
	for _, w := range src.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", w)
	}
	out := opts.IO.Out
	if src.File != "" {
		fmt.Fprintf(out, "# configuration file: %s  (%s)\n", src.File, src.FileSource)
	} else {
		fmt.Fprintf(out, "# configuration file: none (environment and flags only)\n")
	}
	for _, s := range cfg.Values(src) {
		if _, err := fmt.Fprintf(out, "%s = %s  (%s)\n", s.Key, s.Value, s.Source); err != nil {
			return err
		}
	}
	return nil
}
