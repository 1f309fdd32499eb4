package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/domainsync/domainsync/cmd/config"
	dsync "github.com/domainsync/domainsync/sync"
	"github.com/domainsync/domainsync/whmcsdb"
)

func init() {
	extraCommands = append(extraCommands, NewCmdStatus)
}

// StatusOptions are the inputs of "domainsync status".
type StatusOptions struct {
	IO *IOStreams

	ConfigPath string
	Env        func(string) (string, bool)
	Search     []string
	Flags      func() []config.FlagValue

	Every time.Duration // --every: the cron spacing (0 = infer from recent runs)

	Config *config.Config // used instead of loading one (tests)
	Now    time.Time      // zero = time.Now()
	Binary string         // the program in suggested cron lines ("" = defaultBinary)
	Zone   *time.Location // WHMCS time zone for last_sync (nil = local)
}

// defaultBinary is where "make install" puts the program.
const defaultBinary = "/usr/local/bin/domainsync"

// recentRuns is how many recent run times the spacing is inferred from.
const recentRuns = 12

// NewCmdStatus builds "domainsync status".
func NewCmdStatus(ios *IOStreams) *cobra.Command {
	return newCmdStatus(&StatusOptions{IO: ios, Env: os.LookupEnv})
}

// newCmdStatus builds the command around opts (tests set Now and Zone).
func newCmdStatus(opts *StatusOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "status",
		Short: "Show per registrar what is synced, what is due, and whether the cron schedule keeps up",
		Long: `Show, per registrar: the domains by WHMCS status, how many were never
synced, how many are due now, the oldest last sync, and a coverage forecast.

The forecast: with sync.batch_size domains per run and one run every
--every (or, without it, the spacing inferred from the latest runs), one
full cycle over the synced domains takes ceil(domains / batch size) runs;
it should fit in sync.update_interval. When it does not, status prints the
cron line (or the batch size) that would make it fit.

status only reads the database: it takes no lock and writes nothing.`,
		Example: `  domainsync status --config /etc/domainsync/domainsync.yaml
  domainsync status --every 10m`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if opts.Every < 0 {
				return usageError(fmt.Errorf("--every: must not be negative, got %s", opts.Every))
			}
			return runStatus(c.Context(), opts)
		},
	}
	config.AddFlag(c, &opts.ConfigPath)
	opts.Flags = config.AddOverrideFlags(c)
	c.Flags().DurationVar(&opts.Every, "every", 0, "the cron spacing of sync runs, e.g. 10m (default: inferred from the latest runs)")
	return c
}

func runStatus(ctx context.Context, opts *StatusOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	log := newLogger(opts.IO.ErrOut, false, "text")
	cfg, err := effectiveConfig(opts.Config, config.LoadOptions{Path: opts.ConfigPath, Env: opts.Env, Search: opts.Search}, opts.Flags, log)
	if err != nil {
		return err
	}
	names := configuredRegistrars(cfg)
	if len(names) == 0 {
		return WithExitCode(ExitError, errors.New("no registrar configured: add registrars.openprovider (url, username, password) to the configuration"))
	}
	dsn := cfg.WHMCS.DSN.Reveal()
	if dsn == "" {
		return WithExitCode(ExitError, errors.New("no WHMCS database configured: set whmcs.dsn (or DOMAINSYNC_DB_DSN) or whmcs.dir"))
	}
	db, err := whmcsdb.Open(ctx, dsn, whmcsdb.Options{Logger: log, Location: opts.Zone})
	if err != nil {
		return WithExitCode(ExitError, err)
	}
	defer db.Close()

	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	for i, name := range names {
		settings := cfg.RegistrarSettings(name)
		st, err := db.Status(ctx, whmcsdb.BatchQuery{
			Registrars: cfg.RegistrarModules(name),
			Statuses:   settings.Statuses,
			Interval:   settings.UpdateInterval,
			Now:        now,
			SyncTable:  whmcsdb.SyncTableName(name),
		}, recentRuns)
		if err != nil {
			return WithExitCode(ExitError, fmt.Errorf("%s: %w", name, err))
		}
		st.Registrar = name // not its module names
		if i > 0 {
			fmt.Fprintln(opts.IO.Out)
		}
		every, source := opts.Every, "--every"
		if every == 0 {
			every, source = InferSpacing(st.RecentSyncs)
		}
		fc := Forecast(st.Selected, settings.BatchSize, every, settings.UpdateInterval)
		binary := opts.Binary
		if binary == "" {
			binary = defaultBinary
		}
		renderStatus(opts.IO.Out, st, settings, now, source, fc, syncCommand(binary, opts.ConfigPath))
	}
	return nil
}

func syncCommand(binary, config string) string {
	if config == "" {
		return binary + " sync"
	}
	return binary + " sync --config " + config
}

// InferSpacing is the median gap between consecutive recent run times
// (newest first, as RegistrarStatus.RecentSyncs), rounded to the minute
// (to the second below a minute), with a description of where it came
// from. Fewer than two runs give 0.
func InferSpacing(runs []time.Time) (time.Duration, string) {
	if len(runs) < 2 {
		return 0, fmt.Sprintf("unknown (%d of the 2 runs needed are recorded; give --every)", len(runs))
	}
	gaps := make([]time.Duration, 0, len(runs)-1)
	for i := 1; i < len(runs); i++ {
		g := runs[i-1].Sub(runs[i])
		if g < 0 {
			g = -g
		}
		gaps = append(gaps, g)
	}
	slices.Sort(gaps)
	m := gaps[len(gaps)/2]
	if len(gaps)%2 == 0 {
		m = (gaps[len(gaps)/2-1] + m) / 2
	}
	if m >= time.Minute {
		m = m.Round(time.Minute)
	} else {
		m = m.Round(time.Second)
	}
	return m, fmt.Sprintf("inferred from the last %d runs", len(runs))
}

// CoverageForecast says whether one full cycle over the synced domains fits
// in the update interval.
type CoverageForecast struct {
	Domains  int           // domains one cycle covers
	Batch    int           // sync.batch_size
	Every    time.Duration // spacing of runs (0 = unknown: no cycle time)
	Interval time.Duration // sync.update_interval (0 = every domain on every run)

	Runs  int           // ceil(Domains / Batch)
	Cycle time.Duration // Runs × Every (0 when Every is unknown)
	Fits  bool

	// When it does not fit: the cron schedule that would (SuggestCron ""
	// when even one run a minute is too slow), and the batch size that
	// would at the current spacing (0 when Every is unknown).
	SuggestEvery time.Duration
	SuggestCron  string
	SuggestBatch int
}

// cronSteps are the spacings a crontab expresses evenly: minute steps that
// divide an hour, hour steps that divide a day, then daily.
var cronSteps = []struct {
	every time.Duration
	spec  string
}{
	{24 * time.Hour, "0 0 * * *"},
	{12 * time.Hour, "0 */12 * * *"}, {8 * time.Hour, "0 */8 * * *"}, {6 * time.Hour, "0 */6 * * *"},
	{4 * time.Hour, "0 */4 * * *"}, {3 * time.Hour, "0 */3 * * *"}, {2 * time.Hour, "0 */2 * * *"},
	{time.Hour, "0 * * * *"},
	{30 * time.Minute, "*/30 * * * *"}, {20 * time.Minute, "*/20 * * * *"}, {15 * time.Minute, "*/15 * * * *"},
	{12 * time.Minute, "*/12 * * * *"}, {10 * time.Minute, "*/10 * * * *"}, {6 * time.Minute, "*/6 * * * *"},
	{5 * time.Minute, "*/5 * * * *"}, {4 * time.Minute, "*/4 * * * *"}, {3 * time.Minute, "*/3 * * * *"},
	{2 * time.Minute, "*/2 * * * *"}, {time.Minute, "* * * * *"},
}

// CronFor is the crontab schedule for the longest even spacing that is at
// most max ("" when max is under a minute).
func CronFor(max time.Duration) (time.Duration, string) {
	for _, s := range cronSteps {
		if s.every <= max {
			return s.every, s.spec
		}
	}
	return 0, ""
}

// Forecast computes the coverage forecast. Batch must be positive (the
// configuration guarantees it); a non-positive one is treated as 1.
func Forecast(domains, batch int, every, interval time.Duration) CoverageForecast {
	if batch < 1 {
		batch = 1
	}
	f := CoverageForecast{Domains: domains, Batch: batch, Every: every, Interval: interval}
	f.Runs = (domains + batch - 1) / batch
	if interval == 0 {
		// Every domain is due on every run: only one run covering all fits.
		f.Fits = f.Runs <= 1
		if !f.Fits {
			f.SuggestBatch = domains
		}
		if every > 0 {
			f.Cycle = time.Duration(f.Runs) * every
		}
		return f
	}
	if every <= 0 {
		return f
	}
	if f.Runs > 0 && every > math.MaxInt64/time.Duration(f.Runs) {
		f.Cycle = math.MaxInt64
	} else {
		f.Cycle = time.Duration(f.Runs) * every
	}
	f.Fits = f.Cycle <= interval
	if f.Fits {
		return f
	}
	f.SuggestEvery, f.SuggestCron = CronFor(interval / time.Duration(f.Runs))
	runsPerInterval := int(interval / every)
	if runsPerInterval < 1 {
		f.SuggestBatch = domains
	} else {
		f.SuggestBatch = (domains + runsPerInterval - 1) / runsPerInterval
	}
	return f
}

// fmtDuration prints a duration as 5h50m, 2d3h, 10m or 45s.
func fmtDuration(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	d = d.Round(time.Minute)
	var b strings.Builder
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return b.String()
}

func renderStatus(w io.Writer, st whmcsdb.RegistrarStatus, s dsync.Settings, now time.Time, source string, f CoverageForecast, command string) {
	table := st.SyncTable
	if table == "" {
		table = "none yet"
	}
	fmt.Fprintf(w, "registrar %s (last-sync table: %s)\n", st.Registrar, table)
	fmt.Fprintln(w, "  domains by WHMCS status:")
	synced := map[string]bool{}
	for _, x := range s.Statuses {
		synced[x] = true
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range st.ByStatus {
			if !yield(k) {
				return
			}
		}
	})
	if len(keys) == 0 {
		fmt.Fprintln(w, "    (none)")
	}
	for _, k := range keys {
		note := ""
		if !synced[k] {
			note = "  (not synced: not in sync.statuses)"
		}
		label := k
		if label == "" {
			label = "(invalid status)"
		}
		fmt.Fprintf(w, "    %-22s %7d%s\n", label, st.ByStatus[k], note)
	}
	fmt.Fprintf(w, "  synced domains:          %7d\n", st.Selected)
	fmt.Fprintf(w, "  never synced:            %7d\n", st.NeverSynced)
	fmt.Fprintf(w, "  due now:                 %7d  (update interval %s)\n", st.Due, fmtInterval(s.UpdateInterval))
	if st.OldestSync.IsZero() {
		fmt.Fprintln(w, "  oldest last sync:        none")
	} else {
		fmt.Fprintf(w, "  oldest last sync:        %s (%s ago)\n", st.OldestSync.Format(time.DateTime), fmtDuration(now.Sub(st.OldestSync)))
	}
	if f.Every > 0 {
		fmt.Fprintf(w, "  run spacing:             %s (%s)\n", fmtDuration(f.Every), source)
	} else {
		fmt.Fprintf(w, "  run spacing:             %s\n", source)
	}

	fmt.Fprintf(w, "  forecast: %d domains / batch %d = %d runs", f.Domains, f.Batch, f.Runs)
	if f.Every > 0 {
		fmt.Fprintf(w, " x %s = %s per cycle", fmtDuration(f.Every), fmtDuration(f.Cycle))
	}
	fmt.Fprintf(w, "; update interval %s\n", fmtInterval(f.Interval))
	switch {
	case f.Interval == 0 && f.Fits:
		fmt.Fprintln(w, "    fits: every run covers every domain")
	case f.Interval == 0:
		fmt.Fprintf(w, "    does not fit: update interval 0 makes every domain due on every run; set sync.batch_size to %d or give sync.update_interval a value\n", f.SuggestBatch)
	case f.Every <= 0:
		fmt.Fprintln(w, "    unknown: give --every with the cron spacing of the sync runs")
	case f.Fits:
		fmt.Fprintf(w, "    fits: one cycle takes %s of the %s interval\n", fmtDuration(f.Cycle), fmtInterval(f.Interval))
	default:
		fmt.Fprintf(w, "    does NOT fit: domains wait up to %s between syncs instead of %s\n", fmtDuration(f.Cycle), fmtInterval(f.Interval))
		if f.SuggestCron != "" {
			fmt.Fprintf(w, "    run every %s:  %s %s\n", fmtDuration(f.SuggestEvery), f.SuggestCron, command)
		} else {
			fmt.Fprintln(w, "    even one run a minute is too slow at this batch size")
		}
		fmt.Fprintf(w, "    or, every %s, set sync.batch_size to %d\n", fmtDuration(f.Every), f.SuggestBatch)
	}
}

func fmtInterval(d time.Duration) string {
	if d == 0 {
		return "0 (every run)"
	}
	return fmtDuration(d)
}
