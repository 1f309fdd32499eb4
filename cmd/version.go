package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set at build time with -ldflags "-X github.com/domainsync/domainsync/cmd.Version=...".
var (
	Version = "dev"
	Commit  = ""
)

// VersionInfo returns the version, the commit and the Go version the binary
// was built with. The commit falls back to the VCS stamp Go records.
func VersionInfo() (version, commit, goVersion string) {
	commit = Commit
	if commit == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					commit = s.Value
				}
			}
		}
	}
	if commit == "" {
		commit = "unknown"
	}
	return Version, commit, runtime.Version()
}

// UserAgent is sent to registrars: domainsync/<version>.
func UserAgent() string { return "domainsync/" + Version }

type versionOptions struct {
	IO *IOStreams
}

// NewCmdVersion builds "domainsync version".
func NewCmdVersion(ios *IOStreams) *cobra.Command {
	opts := &versionOptions{IO: ios}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runVersion(opts)
		},
	}
}

func runVersion(opts *versionOptions) error {
	v, c, g := VersionInfo()
	_, err := fmt.Fprintf(opts.IO.Out, "domainsync %s (commit %s, %s)\n", v, c, g)
	return err
}
