package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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
}

// checkLock calls o.LockCheck, if set, before a write (what: the write).
func (o Options) checkLock(ctx context.Context, what string) error {
	if o.LockCheck == nil {
		return nil
	}
	if err := o.LockCheck(ctx); err != nil {
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
	module := o.Registrar.Name()
	modules := append([]string{o.Module}, o.Modules...)
	if strings.TrimSpace(strings.Join(modules, "")) == "" {
		modules = []string{module}
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
		Registrars: modules,
		Statuses:   o.Settings.Statuses,
		Interval:   o.Settings.UpdateInterval,
		Limit:      o.Settings.BatchSize,
		Names:      o.Names,
		Now:        o.Now,
		SyncTable:  table,
	}
	if o.All {
		q.Interval, q.Limit = 0, 0
	}
	// The selection. A batch (or --domain) is read whole. --all reads only
	// ids and names first, and the domains themselves in chunks of
	// AllChunk after the registrar has been read, keeping only the plans
	// that change or report something: memory stays flat in the portfolio
	// size (BENCHMARKS.md).
	var (
		domains []whmcsdb.Domain
		names   []whmcsdb.DomainName
		err     error
	)
	if o.All {
		names, err = o.DB.SelectNames(ctx, q)
	} else if domains, err = o.DB.SelectBatch(ctx, q); err == nil && len(domains) > 0 {
		names, err = withOtherRows(ctx, o.DB, q, domains)
	}
	if err != nil {
		return nil, err
	}
	selected := len(names)
	if !o.All {
		selected = len(domains)
	}
	want, dups := selectionNames(names)
	var maxID int64
	if o.All && len(names) > 0 {
		maxID = names[len(names)-1].ID
	}
	names = nil // (not needed any more: let a large --all selection go)
	o.Logger.Debug("batch selected", "domains", selected, "all", o.All, "names", len(o.Names))
	reportMissingNames(rep, o.Names, domains, module)
	if o.Names == nil {
		if err := reportInvalidStatuses(ctx, o.DB, rep, modules); err != nil {
			return nil, err
		}
	}
	rep.Totals.Selected = selected

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
	if selected == 0 {
		return finish()
	}

	// Fetch what the registrar says. Account-level failures stop the run
	// here, before anything is written.
	fctx, cancelFetch := ctx, context.CancelFunc(func() {})
	if !o.Deadline.IsZero() {
		fctx, cancelFetch = context.WithDeadline(ctx, o.Deadline)
	}
	results, err := fetch(fctx, o, want)
	cancelFetch()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		if ctx.Err() == nil && errors.Is(fctx.Err(), context.DeadlineExceeded) { // (cancelFetch above leaves Canceled otherwise)
			// The --timeout deadline passed while reading the registrar:
			// nothing is applied from an incomplete read.
			res.TimedOut, res.NotStarted = true, selected
			rep.AddNotice(fmt.Sprintf("stopped at the --timeout deadline while reading the registrar: nothing applied; the %d domains of this batch stay due for the next run", selected))
			rep.Totals.Skipped = selected
			return finish()
		}
		res.AccountErr = err
		rep.AddError("("+module+" account)", err.Error())
		rep.Totals.Failed = selected
		return finish()
	}

	// Plan. With --all, a plan with nothing to apply, push or report is
	// kept as its id only (its last_sync is recorded with the others').
	today := civil.DateOf(o.Now.In(loc))
	var (
		plans        []DomainPlan
		quiet        []int64 // --all: checked, nothing to do
		quietChecked int     // of those, found at the registrar
		contactDoms  []whmcsdb.Domain
	)
	_, canContacts := o.Registrar.(registrar.Contacts)
	wantContacts := canContacts && o.Contacts != ContactsOff
	planOne := func(d whmcsdb.Domain) {
		key := lookupName(d.Name)
		p := Plan(d, results[key], o.Settings, today)
		if ids := dups[key]; len(ids) > 1 {
			p = duplicatePlan(p, ids)
		}
		if !o.All {
			plans = append(plans, p)
			return
		}
		if wantContacts {
			if r := results[key]; r.Found && strings.TrimSpace(r.Record.Registrant) != "" {
				contactDoms = append(contactDoms, d)
			}
		}
		if p.quiet() {
			quiet = append(quiet, d.ID)
			if p.Record != nil {
				quietChecked++
			}
			return
		}
		plans = append(plans, p)
	}
	if o.All {
		if err := eachChunk(ctx, o.DB, q, maxID, func(d whmcsdb.Domain) {
			// A row renamed after the names were read has no registrar
			// reply: it is left for the next run.
			if key := lookupName(d.Name); key != "" {
				if _, ok := results[key]; !ok {
					return
				}
			}
			planOne(d)
		}); err != nil {
			return nil, err
		}
	} else {
		for _, d := range domains {
			planOne(d)
		}
		contactDoms = domains
	}
	if o.All && wantContacts && len(contactDoms) == 0 {
		rep.AddNotice("registrant contacts were not compared: the " + module + " listing that an --all run reads carries no contacts; the batch runs compare them")
	}
	g := GuardN(plans, len(plans)+len(quiet), o.Settings, o.Force)
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
	rep.Totals.Checked += quietChecked
	if !o.DryRun && !g.Held {
		if err := apply(ctx, o, table, plans, quiet, outcomes, res); err != nil {
			// What was committed so far is consistent; still say what was done.
			buildReport(rep, plans, outcomes, o.DryRun)
			return res, err
		}
	}
	buildReport(rep, plans, outcomes, o.DryRun || g.Held)
	// Registrant contacts (contacts.go): on a dry run or a held batch they
	// are compared and reported only.
	if err := syncContacts(ctx, o, contactDoms, results, res, o.DryRun || g.Held); err != nil {
		return res, err
	}
	if res.TimedOut {
		rep.AddNotice(fmt.Sprintf("stopped at the --timeout deadline: %d domains or registrar writes not started; they stay due for the next run", res.NotStarted))
	}
	return finish()
}

// AllChunk is how many domains an --all run reads from WHMCS at a time.
var AllChunk = 5000

// eachChunk reads the domains q selects with ids up to maxID, in id order,
// AllChunk at a time (each chunk with its unpaid invoice items), and calls
// fn for each; only one chunk is in memory at a time.
func eachChunk(ctx context.Context, db *whmcsdb.DB, q whmcsdb.BatchQuery, maxID int64, fn func(whmcsdb.Domain)) error {
	q.ByID, q.AfterID, q.Limit = true, 0, max(1, AllChunk)
	for {
		chunk, err := db.SelectBatch(ctx, q)
		if err != nil {
			return err
		}
		for _, d := range chunk {
			if d.ID > maxID {
				return nil // added after the names were read: next run
			}
			fn(d)
		}
		if len(chunk) < q.Limit {
			return nil
		}
		q.AfterID = chunk[len(chunk)-1].ID
	}
}

// withOtherRows returns the batch's ids and names followed by those of
// the other rows of the selection (any last_sync) that hold one of the
// batch's names, so that a name held twice is caught even when the other
// row is not due in this batch.
func withOtherRows(ctx context.Context, db *whmcsdb.DB, q whmcsdb.BatchQuery, domains []whmcsdb.Domain) ([]whmcsdb.DomainName, error) {
	names := make([]whmcsdb.DomainName, len(domains))
	inBatch := make(map[int64]bool, len(domains))
	q.Names = nil
	for i, d := range domains {
		names[i] = whmcsdb.DomainName{ID: d.ID, Name: d.Name}
		inBatch[d.ID] = true
		if strings.TrimSpace(d.Name) != "" {
			q.Names = append(q.Names, d.Name)
		}
	}
	all := q.Names
	for len(all) > 0 { // (a few thousand names per query: placeholders are limited)
		n := min(len(all), 5000)
		q.Names, all = all[:n], all[n:]
		rows, err := db.SelectNames(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if !inBatch[r.ID] {
				inBatch[r.ID] = true
				names = append(names, r)
			}
		}
	}
	return names, nil
}

// selectionNames returns the distinct registrar names (lookupName) of the
// selection, in order, and for each name that more than one row holds,
// those rows' ids.
func selectionNames(rows []whmcsdb.DomainName) (want []string, dups map[string][]int64) {
	first := make(map[string]int64, len(rows))
	dups = map[string][]int64{}
	for _, r := range rows {
		n := lookupName(r.Name)
		if n == "" {
			continue
		}
		id, seen := first[n]
		switch {
		case !seen:
			first[n] = r.ID
			want = append(want, n)
		case len(dups[n]) == 0:
			dups[n] = []int64{id, r.ID}
		default:
			dups[n] = append(dups[n], r.ID)
		}
	}
	for _, ids := range dups {
		slices.Sort(ids)
	}
	return want, dups
}

// duplicatePlan turns the plan of a name that more than one WHMCS row of
// the selection holds (ids) into one error row: which row is billed is for
// a person to decide.
func duplicatePlan(p DomainPlan, ids []int64) DomainPlan {
	q := DomainPlan{Domain: p.Domain, Name: p.Name, UnicodeName: p.UnicodeName}
	q.errorf("WHMCS holds this domain %d times (tbldomains ids %v); nothing changed", len(ids), ids)
	return q
}

// quiet reports whether the plan has nothing to apply, send, log or
// report: the domain is in step.
func (p DomainPlan) quiet() bool {
	return !p.HasDBChange() && !p.Changed() && len(p.Notes) == 0 && len(p.Errors) == 0
}

// lookupName is the key a domain's registrar result is stored under.
func lookupName(name string) string {
	ascii, _, err := registrar.NormalizeName(name)
	if err != nil {
		return ""
	}
	return ascii
}

// reportInvalidStatuses adds one error row for each domain of the modules
// whose tbldomains.status is not a WHMCS status (a value outside the enum
// is stored as the empty string): no status filter selects it, so it is never synced.
func reportInvalidStatuses(ctx context.Context, db *whmcsdb.DB, rep *report.Report, modules []string) error {
	bad, err := db.InvalidStatusDomains(ctx, modules, whmcsStatuses)
	if err != nil {
		return err
	}
	for _, d := range bad {
		name := d.Name
		if strings.TrimSpace(name) == "" {
			name = fmt.Sprintf("(tbldomains id %d)", d.ID)
		}
		rep.AddError(name, fmt.Sprintf("tbldomains.status %q (id %d) is not a WHMCS status; fix it in WHMCS; nothing changed", d.RawStatus, d.ID))
		rep.Totals.Failed++
	}
	return nil
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

// outcome is what happened when a plan was applied.
type outcome struct {
	applied    bool     // WHMCS rows written
	conflict   error    // the row was edited meanwhile: nothing written
	pushed     []bool   // per plan push: succeeded
	pushErrors []string // per-domain push failures
	notStarted bool     // the Deadline passed before this domain was started
}

// apply writes each plan: one guarded transaction per changed domain (with
// its last_sync), one multi-row last_sync statement for the rest, and the
// registrar pushes, each domain's started once its WHMCS rows are written
// (or found unchanged). A database error stops the run (pushes not yet
// started are not started); a registrar account failure stops the pushes
// with one error.
func apply(ctx context.Context, o Options, table string, plans []DomainPlan, quiet []int64, outs []outcome, res *Result) error {
	now := o.Now
	unchanged := append([]int64(nil), quiet...)
	total := len(quiet) + len(plans)
	if err := o.checkLock(ctx, "writing to WHMCS"); err != nil {
		return err
	}
	if o.Progress != nil && len(quiet) > 0 {
		o.Progress(len(quiet), total)
	}

	// A domain's registrar writes start as soon as its WHMCS rows are
	// written (or found unchanged), while the next domains are written:
	// the loop below queues them, pushes() sends them.
	var mu stdsync.Mutex // guards res, outs[i].pushed/pushErrors and accountErr once queued
	var accountErr error
	halted := false
	queue := make(chan int, len(plans))
	pushesDone := make(chan error, 1)
	go func() { pushesDone <- pushes(ctx, o, plans, outs, res, queue, &mu, &accountErr, &halted) }()
	stop := func(err error) error {
		if err != nil {
			// The run stops: writes not yet started are not started.
			mu.Lock()
			halted = true
			mu.Unlock()
		}
		close(queue)
		werr := <-pushesDone
		if accountErr != nil {
			res.AccountErr = accountErr
			res.Report.AddError("("+o.Registrar.Name()+" account)", "registrar writes stopped: "+accountErr.Error())
		}
		if err != nil {
			return err
		}
		return werr
	}

	for i, p := range plans {
		if o.pastDeadline() {
			// Not started: no write, no last_sync, no push; due next run.
			for k := i; k < len(plans); k++ {
				outs[k].notStarted = true
			}
			mu.Lock()
			res.TimedOut = true
			res.NotStarted += len(plans) - i
			mu.Unlock()
			break
		}
		if !p.HasDBChange() {
			unchanged = append(unchanged, p.Domain.ID)
			if len(p.Pushes) > 0 {
				queue <- i
			}
			if o.Progress != nil {
				o.Progress(len(quiet)+i+1, total)
			}
			continue
		}
		if err := o.checkLock(ctx, "writing "+p.UnicodeName); err != nil {
			return stop(err)
		}
		err := o.DB.Apply(ctx, p.Change(table, now))
		switch {
		case err == nil:
			outs[i].applied = true
			res.Applied++
			if len(p.Pushes) > 0 {
				queue <- i
			}
		case errors.Is(err, whmcsdb.ErrConflict):
			outs[i].conflict = err
			unchanged = append(unchanged, p.Domain.ID)
		default:
			return stop(fmt.Errorf("%s: %w", p.UnicodeName, err))
		}
		if o.Progress != nil {
			o.Progress(len(quiet)+i+1, total)
		}
	}
	if err := o.checkLock(ctx, "recording last_sync"); err != nil {
		return stop(err)
	}
	return stop(o.DB.RecordLastSync(ctx, table, unchanged, now))
}

// pushes sends the registrar writes of the plans whose indexes arrive on
// queue, at most o.PushConcurrency at a time, until queue is closed; the
// first account-level failure (in *accountErr) stops them, and so does the
// first database error or lost run lock, which is returned, and *halted
// (the WHMCS writes stopped with an error). mu guards res, *accountErr,
// *halted and the outcomes' push fields. Writes in flight finish.
func pushes(ctx context.Context, o Options, plans []DomainPlan, outs []outcome, res *Result, queue <-chan int, mu *stdsync.Mutex, accountErr *error, halted *bool) error {
	limit := o.PushConcurrency
	if limit <= 0 {
		limit = 4
	}
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(limit)
	for i := range queue {
		p := plans[i]
		mu.Lock()
		outs[i].pushed = make([]bool, len(p.Pushes))
		mu.Unlock()
		for j, push := range p.Pushes {
			eg.Go(func() error {
				mu.Lock()
				stop := *accountErr != nil || *halted
				mu.Unlock()
				if stop || gctx.Err() != nil {
					return nil
				}
				if o.pastDeadline() {
					// Not started: the registrar still differs, so the next
					// run that selects the domain plans this write again.
					mu.Lock()
					res.TimedOut = true
					res.NotStarted++
					mu.Unlock()
					return nil
				}
				// The run lock is checked before each registrar write too:
				// a run that lost it stops writing anywhere.
				if err := o.checkLock(gctx, "writing "+p.UnicodeName+" at the registrar"); err != nil {
					return err
				}
				// The activity-log row goes in before the registrar write, so
				// that a crash between the two cannot lose it; a refused
				// write takes it back, and a rerun after a crash reuses it.
				logID, lerr := o.DB.LogPushIntent(ctx, p.Domain.UserID, push.LogLine(p.UnicodeName), p.Domain.LastSync)
				if lerr != nil {
					return lerr
				}
				var err error
				switch push.Kind {
				case PushAutoRenew:
					err = o.Registrar.SetAutoRenew(gctx, *p.Record, push.Renew)
				case PushPrivacy:
					err = o.Registrar.SetPrivacy(gctx, *p.Record, push.Enabled)
				}
				if err != nil && registrar.KindOf(err) != registrar.KindUnavailable {
					// A definite refusal: the write did not happen. (After a
					// transport failure it may have: the row stays, and a
					// rerun that has to send it again reuses it.)
					if derr := o.DB.DeleteActivity(ctx, logID); derr != nil {
						return derr
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					if registrar.IsAccountLevel(err) {
						if *accountErr == nil {
							*accountErr = err
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
	return eg.Wait()
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
		case o.conflict != nil || o.notStarted || len(p.Notes) > 0:
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
