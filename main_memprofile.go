//go:build memprofile

package main

import (
	"os"

	"github.com/domainsync/domainsync/testdata/bench/memprofile"
)

// Built with -tags memprofile (as the benchmark harness, testdata/bench,
// builds the binary), DOMAINSYNC_MEMPROFILE=path writes a heap profile
// near the run's peak and DOMAINSYNC_CPUPROFILE=path a CPU profile of the
// whole run (testdata/bench/memprofile).
func init() {
	startProfile = func() (stop func()) {
		stopMem := memprofile.Start(os.Getenv("DOMAINSYNC_MEMPROFILE"))
		stopCPU := memprofile.StartCPU(os.Getenv("DOMAINSYNC_CPUPROFILE"))
		return func() { stopCPU(); stopMem() }
	}
}
