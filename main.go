// Command domainsync keeps a WHMCS installation's domains in step with the
// registrars that hold them. See README.md.
package main

import (
	"os"

	"github.com/domainsync/domainsync/cmd"
)

// startProfile starts a diagnostic profile for the run and returns what
// stops it; it does nothing unless the binary is built with -tags
// memprofile (main_memprofile.go: the benchmark's heap profile).
var startProfile = func() (stop func()) { return func() {} }

func main() {
	stop := startProfile()
	code := cmd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
