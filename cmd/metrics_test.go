package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

var (
	metricLineRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? (\S+)$`)
	helpRE       = regexp.MustCompile(`^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$`)
	typeRE       = regexp.MustCompile(`^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$`)
)

// checkExposition is a strict check of the Prometheus text format as
// node_exporter's textfile collector reads it: every line a HELP, a TYPE or
// a sample; TYPE once per family, before its samples; samples of a family
// together; values parse as floats; names start with domainsync_.
func checkExposition(text string) error {
	if !utf8.ValidString(text) {
		return errors.New("not valid UTF-8")
	}
	if !strings.HasSuffix(text, "\n") {
		return errors.New("does not end with a newline")
	}
	typed := map[string]bool{}
	done := map[string]bool{}
	current := ""
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n := i + 1
		switch {
		case helpRE.MatchString(line):
		case typeRE.MatchString(line):
			name := typeRE.FindStringSubmatch(line)[1]
			if typed[name] {
				return fmt.Errorf("line %d: second TYPE for %s", n, name)
			}
			typed[name] = true
			if current != "" {
				done[current] = true
			}
			current = name
		case metricLineRE.MatchString(line):
			m := metricLineRE.FindStringSubmatch(line)
			name, val := m[1], m[len(m)-1]
			if !strings.HasPrefix(name, "domainsync_") {
				return fmt.Errorf("line %d: %s lacks the domainsync_ prefix", n, name)
			}
			if !typed[name] || name != current || done[name] {
				return fmt.Errorf("line %d: sample of %s outside its TYPE block", n, name)
			}
			if _, err := strconv.ParseFloat(val, 64); err != nil {
				return fmt.Errorf("line %d: value %q: %v", n, val, err)
			}
		default:
			return fmt.Errorf("line %d: not a HELP, TYPE or sample line: %q", n, line)
		}
	}
	return nil
}

func TestFormatMetrics(t *testing.T) {
	m := runMetrics{
		Start:    time.Unix(1748779200, 500_000_000),
		Duration: 1500 * time.Millisecond,
		Exit:     ExitLocked,
		Regs: []registrarMetrics{
			{Name: "openprovider", Selected: 200, Checked: 198, Changed: 7, Failed: 2, Calls: 12},
			{Name: `odr "x"\`, Calls: -1},
		},
	}
	out := formatMetrics(m)
	if err := checkExposition(out); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"domainsync_last_run_timestamp_seconds 1.7487792005e+09\n",
		"domainsync_last_run_duration_seconds 1.5\n",
		"domainsync_last_run_exit_status 75\n",
		`domainsync_domains_selected{registrar="openprovider"} 200` + "\n",
		`domainsync_domains_checked{registrar="openprovider"} 198` + "\n",
		`domainsync_domains_changed{registrar="openprovider"} 7` + "\n",
		`domainsync_domains_failed{registrar="openprovider"} 2` + "\n",
		`domainsync_registrar_calls{registrar="openprovider"} 12` + "\n",
		`domainsync_domains_selected{registrar="odr \"x\"\\"} 0` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, `domainsync_registrar_calls{registrar="odr`) {
		t.Errorf("unknown call count was written:\n%s", out)
	}
	// A run that failed before any registrar: run-wide figures only.
	out = formatMetrics(runMetrics{Start: time.Unix(1, 0), Exit: ExitError})
	if err := checkExposition(out); err != nil || strings.Contains(out, "registrar=") {
		t.Errorf("early failure: %v\n%s", err, out)
	}
}

// The checker itself rejects what node_exporter would.
func TestCheckExposition(t *testing.T) {
	for _, bad := range []string{
		"domainsync_x 1\n",                   // no TYPE
		"# TYPE domainsync_x gauge\nfoo 1\n", // wrong prefix, wrong block
		"# TYPE domainsync_x gauge\ndomainsync_x one\n",
		"# TYPE domainsync_x gauge\ndomainsync_x{registrar=\"a} 1\n",
		"# TYPE domainsync_x gauge\ndomainsync_x 1",
		"# TYPE domainsync_x gauge\n# TYPE domainsync_x gauge\n",
		"# TYPE domainsync_x gauge\n\n",
	} {
		if checkExposition(bad) == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestWriteMetrics(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "domainsync.prom")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := runMetrics{Start: time.Unix(1748779200, 0), Duration: time.Second, Regs: []registrarMetrics{{Name: "openprovider", Selected: 3, Calls: 4}}}
	if err := writeMetrics(path, m); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != formatMetrics(m) {
		t.Errorf("file holds\n%s", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if err := writeMetrics(filepath.Join(dir, "missing", "x.prom"), m); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing directory: %v", err)
	}
}

func TestExitCodeOf(t *testing.T) {
	for err, want := range map[error]int{
		nil:                                ExitOK,
		errors.New("x"):                    ExitError,
		WithExitCode(ExitLocked, nil):      ExitLocked,
		usageError(errors.New("bad flag")): ExitUsage,
	} {
		if got := exitCodeOf(err); got != want {
			t.Errorf("exitCodeOf(%v) = %d, want %d", err, got, want)
		}
	}
}

func FuzzFormatMetrics(f *testing.F) {
	for _, s := range []string{"openprovider", "", `a"b`, `a\b`, "a\nb", "ünï", "\x00", "\xff"} {
		f.Add(s, 3, int64(5))
	}
	f.Fuzz(func(t *testing.T, name string, n int, calls int64) {
		out := formatMetrics(runMetrics{Start: time.Unix(0, 0), Regs: []registrarMetrics{{Name: name, Selected: n, Calls: calls}}})
		if err := checkExposition(out); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	})
}

// TestSyncMetricsFileE2E runs the real sync command with --metrics-file
// against the test database and the simulated registrar: the file is
// written, valid, and counts the run; a dry run leaves it alone.
func TestSyncMetricsFileE2E(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.domain(whmcstest.DomainRow{Domain: "renewed.com", RegistrationDate: "2020-01-10", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
	e.opDomain("renewed.com", "ACT", "2027-04-01", "default")
	e.domain(whmcstest.DomainRow{Domain: "same.com", RegistrationDate: "2020-01-10", ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	e.opDomain("same.com", "ACT", "2027-05-01", "default")
	path := filepath.Join(t.TempDir(), "domainsync.prom")

	if code, _, errOut := e.run("--dry-run", "--metrics-file", path); code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a dry run wrote the metrics file (%v)", err)
	}
	if code, out, errOut := e.run("--no-mail", "--metrics-file", path); code != 0 || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q (no progress bar may reach a non-terminal)", code, out, errOut)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if err := checkExposition(text); err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	for _, want := range []string{
		"domainsync_last_run_exit_status 0\n",
		`domainsync_domains_selected{registrar="openprovider"} 2` + "\n",
		`domainsync_domains_changed{registrar="openprovider"} 1` + "\n",
		`domainsync_domains_failed{registrar="openprovider"} 0` + "\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in\n%s", want, text)
		}
	}
	if !regexp.MustCompile(`domainsync_registrar_calls\{registrar="openprovider"\} [1-9]`).MatchString(text) {
		t.Errorf("no registrar calls counted:\n%s", text)
	}

	// A configuration error still writes the run-wide figures, exit 1.
	code, _, _ := e.runCmd("sync", "--config", filepath.Join(t.TempDir(), "missing.yaml"), "--metrics-file", path)
	data, _ = os.ReadFile(path)
	if code != ExitError || !strings.Contains(string(data), "domainsync_last_run_exit_status 1\n") || strings.Contains(string(data), "registrar=") {
		t.Errorf("config error: exit %d, metrics\n%s", code, data)
	}
}
