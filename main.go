// Command domainsync keeps a WHMCS installation's domains in step with the
// registrars that hold them. See README.md.
package main

import (
	"os"

	"github.com/domainsync/domainsync/cmd"
)

func main() {
	stop := startMemProfile(os.Getenv("DOMAINSYNC_MEMPROFILE"))
	code := cmd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
