package cmd

// The real binary run as a subprocess (the reliability trials and the
// journal's kill -9 test): built once per test binary with go build.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds the real command once.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "domainsync-reliability-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "domainsync")
		out, err := exec.Command("go", "build", "-o", binPath, "..").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// proc is one running "domainsync sync".
type proc struct {
	cmd          *exec.Cmd
	out, errOut  bytes.Buffer
	start, ended time.Time
	code         int
}

func startSync(t *testing.T, e *e2e, args ...string) *proc {
	t.Helper()
	p := &proc{}
	p.cmd = exec.Command(binary(t), append([]string{"sync", "--config", e.cfgPath}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errOut
	p.cmd.Env = append(os.Environ(), "DOMAINSYNC_DB_DSN=", "DOMAINSYNC_CONFIG=")
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *proc) wait() {
	err := p.cmd.Wait()
	p.ended = time.Now()
	var ee *exec.ExitError
	switch {
	case err == nil:
		p.code = 0
	case errors.As(err, &ee):
		p.code = ee.ExitCode() // -1 when killed by a signal
	default:
		p.code = -2
	}
}
