// Package memprofile is the benchmark's heap profiler (BENCHMARKS.md): the
// binary built with the build tag memprofile (as testdata/bench builds it)
// calls Start with $DOMAINSYNC_MEMPROFILE; a normal build does not contain it.
package memprofile

import (
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

// Start samples the heap every 50 ms and, whenever the heap in use
// reaches a new high, writes a heap profile to path, so that the file
// shows what was live near the run's peak. The returned function stops
// the sampling and writes a last profile if none was written. Empty path:
// nothing is done.
func Start(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	runtime.MemProfileRate = 64 * 1024
	write := func() {
		f, err := os.Create(path)
		if err != nil {
			return
		}
		_ = pprof.Lookup("heap").WriteTo(f, 0)
		_ = f.Close()
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var peak uint64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				if peak == 0 {
					write()
				}
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak+peak/10 {
					peak = ms.HeapInuse
					write()
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// StartCPU writes a CPU profile of everything until the returned function
// is called to path (empty: nothing is done; a file that cannot be
// created: nothing either, the run is not affected).
func StartCPU(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }
}
