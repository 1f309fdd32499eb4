package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/domainsync/domainsync/cmd/config"

	"github.com/domainsync/domainsync/registrar"
	dsync "github.com/domainsync/domainsync/sync"
	"github.com/domainsync/domainsync/whmcsdb"
)

func init() {
	extraCommands = append(extraCommands, NewCmdHistory)
}

// HistoryOptions are the inputs of "domainsync history".
type HistoryOptions struct {
	IO *IOStreams

	ConfigPath string
	Env        func(string) (string, bool)
	Search     []string
	Flags      func() []config.FlagValue

	Run    int64  // --run: every change of that run
	Domain string // --domain: every change of that domain across runs
	Limit  int    // --limit: how many runs the list shows
	Report string // --report: text (default) or json

	Config *config.Config // used instead of loading one (tests)
}

// NewCmdHistory builds "domainsync history".
func NewCmdHistory(ios *IOStreams) *cobra.Command {
	opts := &HistoryOptions{IO: ios, Env: os.LookupEnv}
	c := &cobra.Command{
		Use:   "history",
		Short: "Show what the last runs changed (the run journal)",
		Long: `Show the run journal: what each run of domainsync changed.

Without flags: the last runs, one line each (id, registrar, when, exit
status, domains changed and failed). --run ID lists every change of that
run: the domain, what changed, the old and the new value, and its state
(applied: written to WHMCS; sent: accepted by the registrar; planned: sent,
but the reply never came, so the next run finishes it; failed: refused by
the registrar; undone: put back by an undo run). --domain NAME lists every
change of that domain across runs. --report json prints the same as JSON.

history only reads the database: it takes no lock and writes nothing. The
journal keeps journal.keep days (default 90).`,
		Example: `  domainsync history
  domainsync history --run 42
  domainsync history --domain example.com --report json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			switch opts.Report {
			case "", "text", "json":
			default:
				return usageError(fmt.Errorf("--report: unknown format %q (text or json)", opts.Report))
			}
			if opts.Run < 0 {
				return usageError(fmt.Errorf("--run: not a run id: %d", opts.Run))
			}
			if opts.Run > 0 && opts.Domain != "" {
				return usageError(fmt.Errorf("--run and --domain cannot be combined"))
			}
			return runHistory(c.Context(), opts)
		},
	}
	config.AddFlag(c, &opts.ConfigPath)
	opts.Flags = config.AddOverrideFlags(c)
	fs := c.Flags()
	fs.Int64Var(&opts.Run, "run", 0, "every change of this run")
	fs.StringVar(&opts.Domain, "domain", "", "every change of this domain across runs")
	fs.IntVar(&opts.Limit, "limit", 20, "how many runs to list")
	fs.StringVar(&opts.Report, "report", "text", "output format: text or json")
	return c
}

func runHistory(ctx context.Context, opts *HistoryOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	log := newLogger(opts.IO.ErrOut, false, "text")
	cfg, err := effectiveConfig(opts.Config, config.LoadOptions{Path: opts.ConfigPath, Env: opts.Env, Search: opts.Search}, opts.Flags, log)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return WithExitCode(ExitError, err)
	}
	defer db.Close()
	exists, err := db.JournalExists(ctx)
	if err != nil {
		return WithExitCode(ExitError, err)
	}
	if !exists[whmcsdb.JournalTable] || !exists[whmcsdb.JournalChanges] {
		if opts.Report == "json" {
			return writeJSON(opts.IO.Out, historyJSON{Runs: []runJSON{}})
		}
		fmt.Fprintln(opts.IO.Out, "No runs journalled yet: the journal tables are created by the first sync run.")
		return nil
	}
	h, err := readHistory(ctx, db, opts)
	if err != nil {
		return WithExitCode(ExitError, err)
	}
	if opts.Report == "json" {
		return writeJSON(opts.IO.Out, h.json())
	}
	renderHistory(opts.IO.Out, h)
	return nil
}

// history is what the command shows: runs, and for --run or --domain the
// changes.
type history struct {
	Runs    []whmcsdb.JournalRun
	Run     *whmcsdb.JournalRun // --run
	Domain  string              // --domain
	Changes []whmcsdb.JournalChange
}

func readHistory(ctx context.Context, db *whmcsdb.DB, opts *HistoryOptions) (history, error) {
	var h history
	var err error
	switch {
	case opts.Run > 0:
		r, ok, err := db.Run(ctx, opts.Run)
		if err != nil {
			return h, err
		}
		if !ok {
			return h, fmt.Errorf("run %d is not in the journal (pruned after journal.keep, or never run)", opts.Run)
		}
		h.Run, h.Runs = &r, []whmcsdb.JournalRun{r}
		h.Changes, err = db.RunChanges(ctx, opts.Run)
		return h, err
	case opts.Domain != "":
		h.Domain = opts.Domain
		h.Changes, err = domainChanges(ctx, db, opts.Domain)
		if err != nil {
			return h, err
		}
		seen := map[int64]bool{}
		for _, c := range h.Changes {
			if seen[c.RunID] {
				continue
			}
			seen[c.RunID] = true
			if r, ok, err := db.Run(ctx, c.RunID); err != nil {
				return h, err
			} else if ok {
				h.Runs = append(h.Runs, r)
			}
		}
		return h, nil
	}
	h.Runs, err = db.Runs(ctx, opts.Limit)
	return h, err
}

// domainChanges finds a domain's rows as journalled (Unicode) or as given.
func domainChanges(ctx context.Context, db *whmcsdb.DB, name string) ([]whmcsdb.JournalChange, error) {
	names := []string{strings.TrimSpace(name)}
	if _, uni, err := registrar.NormalizeName(name); err == nil && uni != names[0] {
		names = append(names, uni)
	}
	var out []whmcsdb.JournalChange
	for _, n := range names {
		ch, err := db.DomainChanges(ctx, n)
		if err != nil {
			return nil, err
		}
		if len(ch) > 0 {
			out = ch
			break
		}
	}
	return out, nil
}

// exitText is a run's exit status as history shows it.
func exitText(r whmcsdb.JournalRun) string {
	if r.ExitCode == nil {
		return "unfinished"
	}
	s := strconv.Itoa(*r.ExitCode)
	if r.Note != "" {
		if kind, _, ok := strings.Cut(r.Note, ":"); ok && len(kind) < 20 {
			s += " (" + kind + ")"
		}
	}
	return s
}

func showTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateTime)
}

// stateText is a change's state, with the run that moved it there.
func stateText(c whmcsdb.JournalChange) string {
	switch {
	case c.State == whmcsdb.StateUndone && c.ByRun > 0:
		return fmt.Sprintf("undone by run %d", c.ByRun)
	case c.ByRun > 0 && c.ByRun != c.RunID:
		return fmt.Sprintf("%s (finished by run %d)", c.State, c.ByRun)
	}
	return c.State
}

func renderHistory(w io.Writer, h history) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	switch {
	case h.Run != nil:
		r := *h.Run
		fmt.Fprintf(tw, "Run %d: %s, %s\n", r.ID, r.Registrar, r.Command)
		if r.UndoOf > 0 {
			fmt.Fprintf(tw, "  undo of run %d\n", r.UndoOf)
		}
		fmt.Fprintf(tw, "  started %s, finished %s, exit %s\n", showTime(r.Started), showTime(r.Finished), exitText(r))
		if r.Note != "" {
			fmt.Fprintf(tw, "  %s\n", r.Note)
		}
		fmt.Fprintf(tw, "  %d selected, %d changed, %d failed, %d skipped\n\n", r.Selected, r.Changed, r.Failed, r.Skipped)
		if len(h.Changes) == 0 {
			fmt.Fprintln(tw, "No changes.")
			return
		}
		fmt.Fprintln(tw, "DOMAIN\tWHAT\tOLD\tNEW\tSTATE")
		for _, c := range h.Changes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Domain, dsync.FieldLabel(c), dsync.ShowValue(c.Field, c.Old), dsync.ShowValue(c.Field, c.New), stateText(c))
		}
	case h.Domain != "":
		if len(h.Changes) == 0 {
			fmt.Fprintf(tw, "No changes of %s in the journal.\n", h.Domain)
			return
		}
		fmt.Fprintf(tw, "Changes of %s\n\n", h.Changes[0].Domain)
		fmt.Fprintln(tw, "RUN\tWHEN\tWHAT\tOLD\tNEW\tSTATE")
		for _, c := range h.Changes {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", c.RunID, showTime(c.Time), dsync.FieldLabel(c), dsync.ShowValue(c.Field, c.Old), dsync.ShowValue(c.Field, c.New), stateText(c))
		}
	default:
		if len(h.Runs) == 0 {
			fmt.Fprintln(tw, "No runs in the journal.")
			return
		}
		fmt.Fprintln(tw, "RUN\tREGISTRAR\tSTARTED\tEXIT\tCHANGED\tFAILED\tCOMMAND")
		for _, r := range h.Runs {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\n", r.ID, r.Registrar, showTime(r.Started), exitText(r), r.Changed, r.Failed, r.Command)
		}
	}
}

type historyJSON struct {
	Runs    []runJSON    `json:"runs"`
	Domain  string       `json:"domain,omitempty"`
	Changes []changeJSON `json:"changes,omitempty"`
}

type runJSON struct {
	ID        int64   `json:"id"`
	Registrar string  `json:"registrar"`
	Command   string  `json:"command"`
	UndoOf    int64   `json:"undo_of,omitempty"`
	Started   string  `json:"started"`
	Finished  *string `json:"finished"`
	ExitCode  *int    `json:"exit_code"`
	Note      string  `json:"note,omitempty"`
	Selected  int     `json:"selected"`
	Changed   int     `json:"changed"`
	Failed    int     `json:"failed"`
	Skipped   int     `json:"skipped"`
}

type changeJSON struct {
	ID       int64   `json:"id"`
	Run      int64   `json:"run"`
	DomainID int64   `json:"domain_id"`
	Domain   string  `json:"domain"`
	Field    string  `json:"field"`
	What     string  `json:"what"`
	RefID    int64   `json:"ref_id,omitempty"`
	Old      *string `json:"old"`
	New      *string `json:"new"`
	State    string  `json:"state"`
	ByRun    int64   `json:"by_run,omitempty"`
	Time     string  `json:"time"`
}

func (h history) json() historyJSON {
	out := historyJSON{Runs: []runJSON{}, Domain: h.Domain}
	for _, r := range h.Runs {
		j := runJSON{ID: r.ID, Registrar: r.Registrar, Command: r.Command, UndoOf: r.UndoOf, Started: showTime(r.Started),
			ExitCode: r.ExitCode, Note: r.Note, Selected: r.Selected, Changed: r.Changed, Failed: r.Failed, Skipped: r.Skipped}
		if !r.Finished.IsZero() {
			f := showTime(r.Finished)
			j.Finished = &f
		}
		out.Runs = append(out.Runs, j)
	}
	if h.Run != nil || h.Domain != "" {
		out.Changes = []changeJSON{}
	}
	for _, c := range h.Changes {
		out.Changes = append(out.Changes, changeJSON{ID: c.ID, Run: c.RunID, DomainID: c.DomainID, Domain: c.Domain, Field: c.Field,
			What: dsync.FieldLabel(c), RefID: c.RefID, Old: c.Old, New: c.New, State: c.State, ByRun: c.ByRun, Time: showTime(c.Time)})
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
