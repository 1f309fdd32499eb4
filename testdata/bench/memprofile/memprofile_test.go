package memprofile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Start (the hidden DOMAINSYNC_MEMPROFILE hook) writes a heap profile (gzipped
// protobuf, what `go tool pprof` reads) even for a run shorter than one
// sampling tick; an empty path is a no-op.
func TestStartMemProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heap.pprof")
	Start(path)()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no profile written: %v", err)
	}
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Fatalf("profile is not gzipped protobuf: % x", b[:min(len(b), 8)])
	}
	Start("")()
}

// StartCPU (DOMAINSYNC_CPUPROFILE) writes a CPU profile; an empty path is a no-op.
func TestStartCPUProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	StartCPU(path)()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no profile written: %v", err)
	}
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Fatalf("profile is not gzipped protobuf: % x", b[:min(len(b), 8)])
	}
	StartCPU("")()
}
