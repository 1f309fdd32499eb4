package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	stdsync "sync"
	"time"

	"cloud.google.com/go/civil"
	"golang.org/x/sync/errgroup"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/report"
	"github.com/domainsync/domainsync/whmcsdb"
)

// Options are the inputs of one registrar's run.
type Options struct {
	DB        *whmcsdb.DB
	Registrar registrar.Registrar
	// Module is the tbldomains.registrar value selected ("" = Registrar.Name()).
	Module   string
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
}

// Result is the outcome of one registrar's run.
type Result struct {
	Report *report.Report
	Plans  []DomainPlan
	// Held: the mass-change guard held the batch; nothing was applied.
	Held bool
	// AccountErr is the registrar's account-level failure (login, rate
	// limit, maintenance, access denied) that stopped the run before anything
	// was written; the report carries it as its one error.
	AccountErr error
	// Applied counts the domains whose WHMCS rows were written, Pushed the
	// registrar writes that succeeded.
	Applied, Pushed int
}

// Run processes one batch for one registrar: select, fetch, plan, guard,
// apply, report. The returned error means the run could not complete
// (database failure); registrar account failures are in Result.AccountErr
// with the report still built. Per-domain problems are report rows.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	loc := o.Location
	if loc == nil {
		loc = time.Local
	}
	module := o.Module
	if module == "" {
		module = o.Registrar.Name()
	}
	started := time.Now()
	rep := report.NewSync(module)
	rep.DryRun = o.DryRun
	rep.Started = o.Now
	res := &Result{Report: rep}

	table := whmcsdb.SyncTableName(module)
	if !o.DryRun {
		var err error
		if table, err = o.DB.EnsureSyncTable(ctx, module); err != nil {
			return nil, err
		}
	}
	q := whmcsdb.BatchQuery{
		Registrar: module,
		Statuses:  o.Settings.Statuses,
		Interval:  o.Settings.UpdateInterval,
		Limit:     o.Settings.BatchSize,
		Names:     o.Names,
		Now:       o.Now,
		SyncTable: table,
	}
	if o.All {
		q.Interval, q.Limit = 0, 0
	}
	domains, err := o.DB.SelectBatch(ctx, q)
	if err != nil {
		return nil, err
	}
	o.Logger.Debug("batch selected", "registrar", module, "domains", len(domains), "all", o.All, "names", len(o.Names))
	reportMissingNames(rep, o.Names, domains, module)
	rep.Totals.Selected = len(domains)

	finish := func() (*Result, error) {
		rep.Duration = time.Since(started)
		dueQ := q
		dueQ.Names, dueQ.Limit = nil, 0
		dueQ.Interval = o.Settings.UpdateInterval
		if n, err := o.DB.CountDue(ctx, dueQ); err == nil {
			rep.RemainingDue = n
		} else {
			o.Logger.Warn("could not count the domains still due", "err", err)
		}
		return res, nil
	}
	if len(domains) == 0 {
		return finish()
	}

	// Fetch what the registrar says. Account-level failures stop the run
	// here, before anything is written.
	results, err := fetch(ctx, o, domains)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		res.AccountErr = err
		rep.AddError("("+module+" account)", err.Error())
		rep.Totals.Failed = len(domains)
		return finish()
	}

	today := civil.DateOf(o.Now.In(loc))
	plans := make([]DomainPlan, len(domains))
	for i, d := range domains {
		plans[i] = Plan(d, results[lookupName(d.Name)], o.Settings, today)
	}
	g := Guard(plans, o.Settings, o.Force)
	if g.Reason != "" {
		rep.AddNotice(g.Reason)
		o.Logger.Warn(g.Reason)
	}
	if g.Held {
		res.Held = true
		plans = HoldAll(plans, g.Reason)
	}
	res.Plans = plans

	outcomes := make([]outcome, len(plans))
	if !o.DryRun && !g.Held {
		if err := apply(ctx, o, table, plans, outcomes, res); err != nil {
			// What was committed so far is consistent; still say what was done.
			buildReport(rep, plans, outcomes, o.DryRun)
			return res, err
		}
	}
	buildReport(rep, plans, outcomes, o.DryRun || g.Held)
	return finish()
}

// lookupName is the key a domain's registrar result is stored under.
func lookupName(name string) string {
	ascii, _, err := registrar.NormalizeName(name)
	if err != nil {
		return ""
	}
	return ascii
}

// reportMissingNames lists --domain names that the selection did not find.
func reportMissingNames(rep *report.Report, names []string, domains []whmcsdb.Domain, module string) {
	if len(names) == 0 {
		return
	}
	found := map[string]bool{}
	for _, d := range domains {
		found[lookupName(d.Name)] = true
	}
	for _, n := range names {
		if !found[lookupName(n)] {
			rep.AddError(n, fmt.Sprintf("not found in WHMCS as a domain of registrar %s with a selected status (sync.statuses)", module))
		}
	}
}

// fetch asks the registrar about every domain of the batch: the whole
// portfolio listing for --all, per-name lookups otherwise. Names the listing
// does not hold are looked up, so that deleted domains are explained.
func fetch(ctx context.Context, o Options, domains []whmcsdb.Domain) (map[string]registrar.Result, error) {
	want := make([]string, 0, len(domains))
	seen := map[string]bool{}
	for _, d := range domains {
		if n := lookupName(d.Name); n != "" && !seen[n] {
			seen[n] = true
			want = append(want, n)
		}
	}
	if err := o.Registrar.Login(ctx); err != nil {
		return nil, err
	}
	if !o.All {
		o.Logger.Debug("registrar read strategy", "strategy", "lookup", "names", len(want))
		return o.Registrar.Lookup(ctx, want)
	}
	o.Logger.Debug("registrar read strategy", "strategy", "list", "names", len(want))
	out := make(map[string]registrar.Result, len(want))
	err := o.Registrar.List(ctx, func(int) {}, func(r registrar.Record) error {
		if seen[r.Name] {
			if prev, dup := out[r.Name]; dup && prev.Found && prev.Record.ID != r.ID {
				out[r.Name] = registrar.Result{Err: fmt.Errorf("the registrar lists %s twice (ids %s and %s)", r.Name, prev.Record.ID, r.ID)}
				return nil
			}
			out[r.Name] = registrar.Result{Record: r, Found: true}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, n := range want {
		if _, ok := out[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		more, err := o.Registrar.Lookup(ctx, missing)
		if err != nil {
			return nil, err
		}
		for n, r := range more {
			out[n] = r
		}
	}
	return out, nil
}

// outcome is what happened when a plan was applied.
type outcome struct {
	applied    bool     // WHMCS rows written
	conflict   error    // the row was edited meanwhile: nothing written
	pushed     []bool   // per plan push: succeeded
	pushErrors []string // per-domain push failures
}

// apply writes each plan: one guarded transaction per changed domain (with
// its last_sync), one multi-row last_sync statement for the rest, then the
// registrar pushes. A database error stops the run; a registrar account
// failure stops the pushes with one error.
func apply(ctx context.Context, o Options, table string, plans []DomainPlan, outs []outcome, res *Result) error {
	now := o.Now
	var unchanged []int64
	for i, p := range plans {
		if !p.HasDBChange() {
			unchanged = append(unchanged, p.Domain.ID)
			continue
		}
		err := o.DB.Apply(ctx, p.Change(table, now))
		switch {
		case err == nil:
			outs[i].applied = true
			res.Applied++
		case errors.Is(err, whmcsdb.ErrConflict):
			outs[i].conflict = err
			unchanged = append(unchanged, p.Domain.ID)
		default:
			return fmt.Errorf("%s: %w", p.UnicodeName, err)
		}
	}
	if err := o.DB.RecordLastSync(ctx, table, unchanged, now); err != nil {
		return err
	}

	// Registrar pushes, bounded; the first account-level failure stops them.
	limit := o.PushConcurrency
	if limit <= 0 {
		limit = 4
	}
	var mu stdsync.Mutex
	var accountErr error
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(limit)
	for i := range plans {
		p := plans[i]
		if len(p.Pushes) == 0 || outs[i].conflict != nil {
			continue
		}
		outs[i].pushed = make([]bool, len(p.Pushes))
		for j, push := range p.Pushes {
			eg.Go(func() error {
				mu.Lock()
				stop := accountErr != nil
				mu.Unlock()
				if stop || gctx.Err() != nil {
					return nil
				}
				var err error
				switch push.Kind {
				case PushAutoRenew:
					err = o.Registrar.SetAutoRenew(gctx, *p.Record, push.Renew)
				case PushPrivacy:
					err = o.Registrar.SetPrivacy(gctx, *p.Record, push.Enabled)
				}
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					if registrar.IsAccountLevel(err) {
						if accountErr == nil {
							accountErr = err
						}
						return nil
					}
					outs[i].pushErrors = append(outs[i].pushErrors, fmt.Sprintf("%s not changed at the registrar: %v", push.Kind, err))
					return nil
				}
				outs[i].pushed[j] = true
				res.Pushed++
				return nil
			})
		}
	}
	_ = eg.Wait()
	if accountErr != nil {
		res.AccountErr = accountErr
		res.Report.AddError("("+o.Registrar.Name()+" account)", "registrar writes stopped: "+accountErr.Error())
	}
	// Activity-log lines for the pushes that succeeded.
	for i, p := range plans {
		for j, ok := range outs[i].pushed {
			if ok {
				if err := o.DB.LogActivity(ctx, p.Domain.UserID, p.Pushes[j].LogLine(p.UnicodeName)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// buildReport turns the plans and what happened to them into report rows.
// planned: nothing was applied (dry run or held), so the rows show the plan.
func buildReport(rep *report.Report, plans []DomainPlan, outs []outcome, planned bool) {
	for i, p := range plans {
		name := p.UnicodeName
		if name == "" {
			name = p.Domain.Name
		}
		o := outs[i]
		for _, e := range p.Errors {
			rep.AddError(name, e)
		}
		for _, e := range o.pushErrors {
			rep.AddError(name, e)
		}
		if o.conflict != nil {
			rep.AddAttention(name, "not applied", "the domain was edited in WHMCS during the run; its edit was kept and this domain will be checked again next time")
		}
		dbShown := planned || o.applied
		if dbShown {
			if p.Expiry != nil {
				rep.AddExpiry(name, p.Expiry.Old, p.Expiry.New)
			}
			if p.NextDue != nil || p.NextInvoice != nil {
				dc := p.NextDue
				var comments []string
				if dc == nil {
					dc = p.NextInvoice
					comments = append(comments, "next invoice date only")
				}
				ids := p.InvoiceIDs()
				for _, id := range ids {
					comments = append(comments, fmt.Sprintf("invoice #%d", id))
				}
				rep.AddDueDate(name, dc.Old, dc.New, len(p.Items) > 0, strings.Join(comments, ", "))
			}
			if p.Status != nil {
				old, nw := p.Status.Old, p.Status.New
				if p.Status.TransferCompleted {
					nw += " (transfer completed)"
				}
				rep.AddStatus(name, old, nw)
			}
		}
		for j, push := range p.Pushes {
			if planned || (o.pushed != nil && o.pushed[j]) {
				switch push.Kind {
				case PushAutoRenew:
					rep.AddAutoRenew(name, push.Old, push.New)
				case PushPrivacy:
					rep.AddPrivacy(name, !push.Enabled, push.Enabled)
				}
			}
		}
		for _, n := range p.Notes {
			switch n.Kind {
			case NoteWaiting:
				rep.AddWaiting(name, joinWhat(n))
			default:
				rep.AddAttention(name, n.What, n.Why)
			}
		}

		// Totals.
		if p.Record != nil {
			rep.Totals.Checked++
		}
		failed := len(p.Errors) > 0 || len(o.pushErrors) > 0
		changed := (planned && p.Changed()) || o.applied && p.Changed() || anyTrue(o.pushed)
		switch {
		case failed:
			rep.Totals.Failed++
		case changed:
			rep.Totals.Changed++
		case o.conflict != nil || len(p.Notes) > 0:
			rep.Totals.Skipped++
		}
	}
}

func joinWhat(n Note) string {
	switch {
	case n.What == "":
		return n.Why
	case n.Why == "":
		return n.What
	}
	return n.What + ": " + n.Why
}

func anyTrue(bs []bool) bool {
	for _, b := range bs {
		if b {
			return true
		}
	}
	return false
}
