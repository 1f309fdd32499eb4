package sync

import (
	"context"
	"errors"
	"fmt"

	"github.com/domainsync/domainsync/whmcsdb"
)

// The apply stage: the WHMCS writes of the plans, one guarded transaction
// per changed domain (with its last_sync) and one multi-row last_sync
// statement for the rest, with the push stage (push.go) alongside; the
// domains with registrar writes go first. The
// last_sync of a domain with registrar writes is recorded after them, and
// only when they succeeded or were refused for good: a domain whose write
// got no answer stays due. A domain the registrar could not be read for
// (DomainPlan.Unread) is left alone: no write, no last_sync. The run lock
// is checked before the first write and before each one; once the
// Deadline has passed no new domain is started.

// outcome is what happened when a plan was applied.
type outcome struct {
	applied    bool     // WHMCS rows written
	conflict   error    // the row was edited meanwhile: nothing written
	pushed     []bool   // per plan push: succeeded
	pushErrors []string // per-domain push failures
	notStarted bool     // the Deadline passed before this domain was started
	leftDue    bool     // a registrar write got no answer or was not sent: no last_sync
}

// applyResult is the apply stage's outcome (with the push stage's).
type applyResult struct {
	// Outcomes are the plans' outcomes, in plan order.
	Outcomes []outcome
	// Applied counts the domains whose WHMCS rows were written, Pushed the
	// registrar writes that succeeded.
	Applied, Pushed int
	// NotStarted counts the domains and registrar writes the Deadline left
	// for the next run.
	NotStarted int
	// TimedOut: the Deadline stopped the stage early.
	TimedOut bool
	// AccountErr is the registrar's account-level failure that stopped
	// the pushes.
	AccountErr error
}

// applyBatch is the apply stage: it writes each plan of p (table: the
// last-sync table) and starts each domain's registrar writes once its
// WHMCS rows are written or found unchanged. A database error or a lost
// run lock stops it (writes not yet started are not started) and is
// returned with what was done so far; a registrar account failure stops
// the pushes and is in AccountErr.
func applyBatch(ctx context.Context, o Options, table string, p planResult) (applyResult, error) {
	plans, quiet := p.Plans, p.Quiet
	a := applyResult{Outcomes: make([]outcome, len(plans))}
	unchanged := append([]int64(nil), quiet...)
	var pushed []int // plans whose last_sync waits for their pushes
	total := len(quiet) + len(plans)
	if err := o.checkLock(ctx, "writing to WHMCS"); err != nil {
		return a, err
	}
	if o.Progress != nil && len(quiet) > 0 {
		o.Progress(len(quiet), total)
	}

	pushes := startPushes(ctx, o, plans)
	stop := func(err error) (applyResult, error) {
		pr, perr := pushes.finish(err != nil)
		for i := range a.Outcomes {
			a.Outcomes[i].pushed, a.Outcomes[i].pushErrors = pr.Pushed[i], pr.Errors[i]
			a.Outcomes[i].leftDue = pr.Unsettled[i]
		}
		a.Pushed, a.AccountErr = pr.Count, pr.AccountErr
		a.NotStarted += pr.NotStarted
		a.TimedOut = a.TimedOut || pr.NotStarted > 0
		if err != nil {
			return a, err
		}
		if perr != nil {
			return a, perr
		}
		var settled []int64
		for _, i := range pushed {
			if !pr.Unsettled[i] {
				settled = append(settled, plans[i].Domain.ID)
			}
		}
		if err := o.checkLock(ctx, "recording last_sync"); err != nil {
			return a, err
		}
		return a, o.DB.RecordLastSync(ctx, table, settled, o.Now)
	}

	// The domains with registrar writes are written first: each one's
	// writes start when its WHMCS transaction commits, so they overlap the
	// WHMCS writes of the others instead of waiting behind them.
	order := make([]int, 0, len(plans))
	for i, pl := range plans {
		if len(pl.Pushes) > 0 {
			order = append(order, i)
		}
	}
	for i, pl := range plans {
		if len(pl.Pushes) == 0 {
			order = append(order, i)
		}
	}
	for n, i := range order {
		pl := plans[i]
		if o.pastDeadline() {
			// Not started: no write, no last_sync, no push; due next run.
			for _, k := range order[n:] {
				a.Outcomes[k].notStarted = true
			}
			a.TimedOut = true
			a.NotStarted += len(order) - n
			break
		}
		if pl.Unread != nil || pl.Domain.Invalid != nil {
			// Not read at the registrar, or a WHMCS row that cannot be
			// trusted: left as it is, and due (reported again next run).
			continue
		}
		if !pl.HasDBChange() {
			if len(pl.Pushes) > 0 {
				pushed = append(pushed, i)
				pushes.push(i)
			} else {
				unchanged = append(unchanged, pl.Domain.ID)
			}
			if o.Progress != nil {
				o.Progress(len(quiet)+n+1, total)
			}
			continue
		}
		if err := o.checkLock(ctx, "writing "+pl.UnicodeName); err != nil {
			return stop(err)
		}
		syncTable := table
		if len(pl.Pushes) > 0 {
			syncTable = "" // recorded once its pushes are done
		}
		c := pl.Change(syncTable, o.Now)
		if o.runID > 0 {
			// The journal rows go in the change's transaction: the WHMCS
			// changes applied, the registrar writes that follow planned.
			c.Journal = pl.JournalChanges(o.runID)
			for _, push := range pl.Pushes {
				c.Journal = append(c.Journal, pl.JournalPush(o.runID, push))
			}
		}
		ids, err := o.DB.ApplyJournal(ctx, c)
		switch {
		case err == nil:
			a.Outcomes[i].applied = true
			a.Applied++
			if len(pl.Pushes) > 0 {
				var pushIDs []int64
				if o.runID > 0 && len(ids) >= len(pl.Pushes) {
					pushIDs = ids[len(ids)-len(pl.Pushes):]
				}
				pushed = append(pushed, i)
				pushes.pushJournalled(i, pushIDs)
			}
		case errors.Is(err, whmcsdb.ErrConflict):
			a.Outcomes[i].conflict = err
			unchanged = append(unchanged, pl.Domain.ID)
		default:
			return stop(fmt.Errorf("%s: %w", pl.UnicodeName, err))
		}
		if o.Progress != nil {
			o.Progress(len(quiet)+n+1, total)
		}
	}
	if err := o.checkLock(ctx, "recording last_sync"); err != nil {
		return stop(err)
	}
	return stop(o.DB.RecordLastSync(ctx, table, unchanged, o.Now))
}
