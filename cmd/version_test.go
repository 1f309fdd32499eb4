package cmd

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	code := Main([]string{"version"}, strings.NewReader(""), &out, &errOut)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	got := out.String()
	if !strings.HasPrefix(got, "domainsync "+Version+" (commit ") || !strings.Contains(got, runtime.Version()) {
		t.Fatalf("version output %q", got)
	}
}

func TestUsageErrorExitCode(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"version", "--no-such-flag"}, strings.NewReader(""), &out, &errOut); code != ExitUsage {
		t.Fatalf("unknown flag: exit %d, want %d", code, ExitUsage)
	}
	if code := Main([]string{"no-such-command"}, strings.NewReader(""), &out, &errOut); code != ExitUsage {
		t.Fatalf("unknown command: exit %d, want %d", code, ExitUsage)
	}
}
