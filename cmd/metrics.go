package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/openprovider"
	dsync "github.com/domainsync/domainsync/sync"
)

// runMetrics collects what one sync run writes to --metrics-file.
type runMetrics struct {
	Start    time.Time
	Duration time.Duration
	Exit     int
	Regs     []registrarMetrics
}

// registrarMetrics are one registrar's figures in a run.
type registrarMetrics struct {
	Name                               string
	Selected, Checked, Changed, Failed int
	Calls                              int64 // requests sent to the registrar, retries included (-1 = unknown)
}

// observe records one registrar's result (res may be nil when the run failed early).
func (m *runMetrics) observe(name string, reg registrar.Registrar, res *dsync.Result) {
	if m == nil {
		return
	}
	r := registrarMetrics{Name: name, Calls: -1}
	if res != nil && res.Report != nil {
		t := res.Report.Totals
		r.Selected, r.Checked, r.Changed, r.Failed = t.Selected, t.Checked, t.Changed, t.Failed
	}
	if s, ok := reg.(interface{ Stats() openprovider.Stats }); ok {
		r.Calls = s.Stats().Requests
	}
	m.Regs = append(m.Regs, r)
}

// exitCodeOf is the exit code Main returns for a RunE error.
func exitCodeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitError
}

// formatMetrics renders m in the Prometheus text exposition format
// (node_exporter's textfile collector). Run-wide figures carry no label;
// per-registrar figures carry registrar="name".
func formatMetrics(m runMetrics) string {
	var b strings.Builder
	gauge := func(name, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

	gauge("domainsync_last_run_timestamp_seconds", "Unix time the last sync run started.")
	fmt.Fprintf(&b, "domainsync_last_run_timestamp_seconds %s\n", num(float64(m.Start.UnixMilli())/1000))
	gauge("domainsync_last_run_duration_seconds", "Duration of the last sync run.")
	fmt.Fprintf(&b, "domainsync_last_run_duration_seconds %s\n", num(m.Duration.Seconds()))
	gauge("domainsync_last_run_exit_status", "Exit status of the last sync run (0 ok, 1 error, 75 locked).")
	fmt.Fprintf(&b, "domainsync_last_run_exit_status %d\n", m.Exit)

	per := []struct {
		name, help string
		val        func(registrarMetrics) (string, bool)
	}{
		{"domainsync_domains_selected", "Domains selected by the last run.", func(r registrarMetrics) (string, bool) { return strconv.Itoa(r.Selected), true }},
		{"domainsync_domains_checked", "Domains compared with the registrar by the last run.", func(r registrarMetrics) (string, bool) { return strconv.Itoa(r.Checked), true }},
		{"domainsync_domains_changed", "Domains changed by the last run.", func(r registrarMetrics) (string, bool) { return strconv.Itoa(r.Changed), true }},
		{"domainsync_domains_failed", "Domains with an error in the last run.", func(r registrarMetrics) (string, bool) { return strconv.Itoa(r.Failed), true }},
		{"domainsync_registrar_calls", "Requests sent to the registrar by the last run, retries included.", func(r registrarMetrics) (string, bool) {
			return strconv.FormatInt(r.Calls, 10), r.Calls >= 0
		}},
	}
	for _, p := range per {
		if len(m.Regs) == 0 {
			continue
		}
		gauge(p.name, p.help)
		for _, r := range m.Regs {
			if v, ok := p.val(r); ok {
				fmt.Fprintf(&b, "%s{registrar=%s} %s\n", p.name, quoteLabel(r.Name), v)
			}
		}
	}
	return b.String()
}

// quoteLabel quotes a label value as the exposition format wants
// (valid UTF-8; backslash, double quote and newline escaped).
func quoteLabel(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(strings.ToValidUTF8(s, "\uFFFD")) + `"`
}

// writeMetrics writes m to path atomically: a temporary file in the same
// directory, synced, made world-readable (0644, node_exporter reads it),
// then renamed over path.
func writeMetrics(path string, m runMetrics) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("metrics file %s: %w", path, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("metrics file %s: %w", path, err)
	}
	if _, err := f.WriteString(formatMetrics(m)); err != nil {
		return fail(err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("metrics file %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("metrics file %s: %w", path, err)
	}
	return nil
}

// runSyncWithMetrics runs the sync and, with --metrics-file (and not on a
// dry run), writes the metrics of the run whatever its outcome. A failure
// to write them is logged and makes a successful run exit 1.
func runSyncWithMetrics(ctx context.Context, opts *SyncOptions) error {
	if opts.MetricsFile == "" || opts.DryRun {
		return runSync(ctx, opts)
	}
	start := time.Now()
	opts.metrics = &runMetrics{Start: start}
	err := runSync(ctx, opts)
	m := *opts.metrics
	m.Duration = time.Since(start)
	m.Exit = exitCodeOf(err)
	if werr := writeMetrics(opts.MetricsFile, m); werr != nil {
		if err == nil {
			return WithExitCode(ExitError, werr)
		}
		fmt.Fprintf(opts.IO.ErrOut, "domainsync: %v\n", werr)
	}
	return err
}
