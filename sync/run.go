package sync

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/report"
	"github.com/domainsync/domainsync/whmcsdb"
)

// Options are the inputs of one registrar's run.
type Options struct {
	DB        *whmcsdb.DB
	Registrar registrar.Registrar
	// Module and Modules are the tbldomains.registrar values selected,
	// matched in any case (both empty = Registrar.Name()). The last-sync
	// table and the report are named after Registrar.Name(), whatever the
	// modules.
	Module   string
	Modules  []string
	Settings Settings

	DryRun bool     // plan and report only: nothing is written anywhere
	Names  []string // --domain: exactly these domains, ignoring interval and batch size
	All    bool     // --all: every selected domain of the registrar, no batch limit, no interval
	Force  bool     // apply a batch the mass-change guard would hold

	Now      time.Time      // the run's clock reading (zero = time.Now())
	Location *time.Location // the WHMCS business time zone for "today" (nil = local)
	Logger   *slog.Logger   // nil = discard

	// PushConcurrency bounds the registrar writes in flight (0 = 4); the
	// client's own rate limit and cap apply on top.
	PushConcurrency int

	// Progress, when set, is called after each domain of the batch has been
	// applied (written, or found unchanged or edited meanwhile) with the
	// count done and the batch size; not on a dry run or a held batch.
	Progress func(done, total int)

	// Deadline (--timeout; zero = none): once it has passed, no new domain
	// is started (applied or pushed); the one in flight finishes, the rest
	// stay due for the next run, and the report says so. A registrar read
	// still running at the deadline is cancelled and nothing is applied.
	Deadline time.Time

	// Contacts is the contact sync mode (ODR: registrars.odr.contacts);
	// ContactsOff, or a registrar without registrar.Contacts, skips it.
	// See contacts.go.
	Contacts ContactMode

	// LockCheck, when set, returns an error once the run lock is lost (e.g.
	// whmcsdb.Lock.Held). It is called before the apply phase and before
	// each WHMCS and registrar write; an error stops the run before that
	// write.
	LockCheck func(ctx context.Context) error

	// Command is the command line the run journal records ("sync --all").
	Command string
	// JournalKeep is how long the run journal keeps a run (journal.keep;
	// 0 = DefaultJournalKeep; negative = forever). Older runs are pruned
	// at the end of the run.
	JournalKeep time.Duration

	runID int64 // this run's journal id (0 on a dry run)
}

// checkLock calls o.LockCheck, if set, before a write (what: the write).
func (o Options) checkLock(ctx context.Context, what string) error {
	return checkLock(ctx, o.LockCheck, what)
}

// checkLock calls check, if set, before a write (what: the write).
func checkLock(ctx context.Context, check func(context.Context) error, what string) error {
	if check == nil {
		return nil
	}
	if err := check(ctx); err != nil {
		return fmt.Errorf("stopped before %s: %w", what, err)
	}
	return nil
}

// pastDeadline reports whether o.Deadline is set and has passed.
func (o Options) pastDeadline() bool {
	return !o.Deadline.IsZero() && !time.Now().Before(o.Deadline)
}

// Result is the outcome of one registrar's run.
type Result struct {
	Report *report.Report
	// Plans are the batch's plans in batch order; an --all run keeps only
	// those that change or report something (in id order), the domains in
	// step being counted in the report's totals.
	Plans []DomainPlan
	// Held: the mass-change guard held the batch; nothing was applied.
	Held bool
	// AccountErr is the registrar's account-level failure (login, rate
	// limit, maintenance, access denied) that stopped the run before anything
	// was written; the report carries it as its one error.
	AccountErr error
	// Applied counts the domains whose WHMCS rows were written, Pushed the
	// registrar writes that succeeded.
	Applied, Pushed int
	// TimedOut: the Deadline stopped the run early; NotStarted counts the
	// domains (or registrar writes) left for the next run.
	TimedOut   bool
	NotStarted int
	// RunID is the run's id in the run journal (0 on a dry run); Finished
	// what became of the registrar writes earlier runs left planned.
	RunID    int64
	Finished FinishedWrites
}

// runStages processes one batch for one registrar as a pipeline of stages,
// each taking and returning plain values (ARCHITECTURE.md): finishing the
// registrar writes earlier runs left planned (recover.go), select (select.go),
// fetch (fetch.go), plan (planbatch.go, the rules of plan.go), guard
// (guard.go), apply with the overlapped pushes (apply.go, push.go),
// contacts (contactstage.go, the rules of contacts.go) and report
// (report.go). The returned error means the run could not complete
// (database failure, lost run lock, cancelled context); registrar account
// failures are in Result.AccountErr with the report still built.
// Per-domain problems are report rows.
func runStages(ctx context.Context, o Options) (*Result, error) {
	o = o.withDefaults()
	started := time.Now()
	res := &Result{Report: newRunReport(o)}

	// Registrar writes earlier runs left planned, first (whatever the
	// domains' interval).
	if err := finishStage(ctx, o, res); err != nil {
		return nil, err
	}

	sel, err := selectDomains(ctx, o)
	if err != nil {
		return nil, err
	}
	reportSelection(res.Report, o, sel)
	if sel.Count == 0 {
		finishReport(ctx, o, sel, res.Report, started)
		return res, nil
	}

	// Account-level failures and the deadline stop the run here, before
	// anything is written.
	f, err := fetchBatch(ctx, o, sel.Want, sel.Expect)
	if err != nil {
		return nil, err
	}
	if f.TimedOut || f.AccountErr != nil {
		reportFetchStop(res, o, f, sel.Count)
		finishReport(ctx, o, sel, res.Report, started)
		return res, nil
	}

	p, err := planBatch(ctx, o, sel, f.Results)
	if err != nil {
		return nil, err
	}
	p, g := guardBatch(p, o.Settings, o.Force)
	reportPlanned(res.Report, o, p, g)
	res.Plans, res.Held = p.Plans, g.Held
	// A dry run or a held batch writes nothing: its rows show the plan.
	planOnly := o.DryRun || g.Held

	outs := make([]outcome, len(p.Plans))
	if !planOnly {
		a, err := applyBatch(ctx, o, sel.Table, p)
		reportApplied(res, o, a)
		outs = a.Outcomes
		if err != nil {
			// What was committed so far is consistent; still say what was done.
			buildReport(res.Report, p.Plans, outs, false)
			return res, err
		}
	}
	buildReport(res.Report, p.Plans, outs, planOnly)
	if err := syncContacts(ctx, o, p.ContactDomains, f.Results, res, planOnly); err != nil {
		return res, err
	}
	reportDeadline(res)
	finishReport(ctx, o, sel, res.Report, started)
	return res, nil
}

// withDefaults fills in the Options left zero: a discarding Logger, the
// clock reading, the local time zone.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	return o
}

// modules are the tbldomains.registrar values the run selects: Module and
// Modules, or the registrar's name when both are empty.
func (o Options) modules() []string {
	modules := append([]string{o.Module}, o.Modules...)
	if strings.TrimSpace(strings.Join(modules, "")) == "" {
		modules = []string{o.Registrar.Name()}
	}
	return modules
}
