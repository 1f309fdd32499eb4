package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/report"
	"github.com/domainsync/domainsync/whmcsdb"
)

// UndoOptions are the inputs of one undo.
type UndoOptions struct {
	DB    *whmcsdb.DB
	RunID int64    // the run to undo
	Names []string // --domain: only these domains (empty = all)

	// NewRegistrar builds the client of the run's registrar; it is called
	// only when the run has registrar writes to put back.
	NewRegistrar func(name string) (registrar.Registrar, error)

	DryRun  bool   // plan and report only: nothing is written anywhere
	Command string // the command line, for the journal

	Logger    *slog.Logger
	LockCheck func(ctx context.Context) error // as Options.LockCheck
}

// UndoResult is the outcome of an undo.
type UndoResult struct {
	Report  *report.Report
	Plan    UndoPlan
	UndoRun int64 // the undo's own run id (0 on a dry run or with nothing to undo)
	// Reverted counts the domains whose WHMCS values went back, Pushed the
	// registrar writes sent back, Conflicts the domains edited during the
	// undo, Failed the registrar writes that failed.
	Reverted, Pushed, Conflicts, Failed int
	AccountErr                          error
}

// Report sections of an undo.
const (
	SectionUndone = "undone"
	SectionKept   = "kept"
)

// NewUndoReport is an empty undo report: errors, what went back, what was
// kept.
func NewUndoReport(registrarName string) *report.Report {
	rep := report.New(report.KindUndo, registrarName,
		report.Section{ID: report.SectionErrors, Title: "Errors: please check these domains manually", Columns: []string{"Domain", "Message"}, Error: true,
			Count: report.Count{One: "error", Many: "errors"}},
		report.Section{ID: SectionUndone, Title: "Put back", Columns: []string{"Domain", "What", "The run's value", "Back to"},
			Count: report.Count{One: "change undone", Many: "changes undone", Zero: "nothing undone"}},
		report.Section{ID: SectionKept, Title: "Not undone", Columns: []string{"Domain", "What", "Why"},
			Count: report.Count{One: "not undone"}},
	)
	rep.RemainingDue = -1
	return rep
}

// Undo puts back what one run changed (see PlanUndo for the rules): each
// domain's WHMCS values in one transaction (guarded again, so an edit made
// during the undo wins too), then its registrar writes, each journalled
// planned before it is sent and moved to sent with its activity row once
// the registrar accepted it. The undo is a run of its own in the journal
// (undo_of), whose rows can be undone in turn. The returned error means
// the undo could not complete (database failure, lost lock).
func Undo(ctx context.Context, o UndoOptions) (*UndoResult, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	run, ok, err := o.DB.Run(ctx, o.RunID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("run %d is not in the journal (pruned after journal.keep, or never run)", o.RunID)
	}
	rep := NewUndoReport(run.Registrar)
	rep.DryRun = o.DryRun
	rep.Started = time.Now()
	res := &UndoResult{Report: rep}
	rep.AddNotice(fmt.Sprintf("undo of run %d (%s, %s, started %s)", run.ID, run.Registrar, run.Command, run.Started.Format(time.DateTime)))
	if run.ExitCode == nil {
		rep.AddNotice(fmt.Sprintf("run %d did not finish (it stopped or is still running); what it committed is undone", run.ID))
	}

	changes, err := o.DB.RunChanges(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	current, err := o.DB.CurrentValues(ctx, changes)
	if err != nil {
		return nil, err
	}
	var reg registrar.Registrar
	records := map[string]registrar.Result{}
	if names := PushNames(changes, o.Names); len(names) > 0 {
		if o.NewRegistrar == nil {
			return nil, errors.New("undo: no registrar client")
		}
		if reg, err = o.NewRegistrar(run.Registrar); err != nil {
			return nil, fmt.Errorf("%s: %w", run.Registrar, err)
		}
		err := reg.Login(ctx)
		if err == nil {
			records, err = reg.Lookup(ctx, names)
		}
		if err != nil {
			// Nothing is undone without the registrar's current values:
			// the WHMCS rows and the registrar go back together.
			res.AccountErr = err
			rep.AddError("("+run.Registrar+" account)", "could not read the registrar's current values; nothing undone: "+err.Error())
			return res, nil
		}
	}
	plan := PlanUndo(run, changes, current, records, o.Names)
	res.Plan = plan
	if plan.Nothing != "" {
		rep.AddNotice(plan.Nothing)
		return res, nil
	}
	for _, d := range plan.Domains {
		for _, k := range d.Kept {
			rep.Add(SectionKept, d.Name, FieldLabel(k.Change), k.Reason)
		}
	}
	if o.DryRun {
		for _, d := range plan.Domains {
			addUndone(rep, d.Reverts)
			for _, u := range d.Pushes {
				addUndone(rep, []whmcsdb.JournalChange{u.Change})
			}
		}
		totals(rep, plan, res)
		return res, nil
	}

	undoRun, err := o.DB.StartRun(ctx, whmcsdb.JournalRun{Registrar: run.Registrar, Command: o.Command, UndoOf: run.ID})
	if err != nil {
		return res, err
	}
	res.UndoRun = undoRun
	rep.AddNotice(fmt.Sprintf("this undo is run %d in the journal (domainsync history --run %d; it can be undone in turn)", undoRun, undoRun))
	finish := func(runErr error) (*UndoResult, error) {
		totals(rep, plan, res)
		code := 0
		if runErr != nil || res.AccountErr != nil || res.Failed > 0 {
			code = 1
		}
		jr := whmcsdb.JournalRun{ID: undoRun, ExitCode: &code, Selected: rep.Totals.Selected, Changed: rep.Totals.Changed,
			Failed: rep.Totals.Failed, Skipped: rep.Totals.Skipped}
		if err := o.DB.FinishRun(context.WithoutCancel(ctx), jr); err != nil && runErr == nil {
			runErr = err
		}
		return res, runErr
	}
	for _, d := range plan.Domains {
		if len(d.Reverts) > 0 {
			if err := o.checkLock(ctx, "undoing "+d.Name); err != nil {
				return finish(err)
			}
			err := o.DB.ApplyUndo(ctx, whmcsdb.Undo{RunID: undoRun, DomainID: d.DomainID, UserID: d.UserID, Domain: d.Name,
				Reverts: d.Reverts, ActivityLog: d.UndoLogLines(run.ID)})
			switch {
			case err == nil:
				res.Reverted++
				addUndone(rep, d.Reverts)
			case errors.Is(err, whmcsdb.ErrConflict):
				res.Conflicts++
				for _, c := range d.Reverts {
					rep.Add(SectionKept, d.Name, FieldLabel(c), "edited during the undo (the edit wins): "+err.Error())
				}
			default:
				return finish(err)
			}
		}
		for _, u := range d.Pushes {
			if res.AccountErr != nil {
				rep.Add(SectionKept, d.Name, FieldLabel(u.Change), "not sent: the registrar refused the account")
				continue
			}
			if err := o.checkLock(ctx, "undoing "+d.Name+" at the registrar"); err != nil {
				return finish(err)
			}
			if err := undoPush(ctx, o, reg, records, undoRun, run.ID, u, res); err != nil {
				return finish(err)
			}
		}
	}
	return finish(nil)
}

// undoPush sends one registrar write back: journalled planned first, then
// sent; accepted → activity row, journal row sent, the run's row undone
// (one transaction); refused → failed; no reply → left planned (the next
// run of the registrar finishes it).
func undoPush(ctx context.Context, o UndoOptions, reg registrar.Registrar, records map[string]registrar.Result, undoRun, ofRun int64, u UndoPush, res *UndoResult) error {
	rep := res.Report
	c := u.Change
	if _, exact := reg.(ExactAutoRenew); exact && u.Kind == PushAutoRenew && c.Old != nil {
		u.Shows = *c.Old // put back exactly (on stays on, not the account default)
	}
	j := u.Journal(undoRun)
	id, err := o.DB.JournalPlanned(ctx, j)
	if err != nil {
		return err
	}
	on := u.Renew
	if u.Kind == PushPrivacy {
		on = u.Enabled
	}
	err = sendPush(ctx, reg, records[undoKey(c.Domain)].Record, u.Kind, on, u.Shows)
	switch {
	case err == nil:
		j.RunUndoOf = ofRun
		if _, err := o.DB.PushAccepted(ctx, id, c.UserID, journalLogLine(j), 0, c.ID); err != nil {
			return err
		}
		res.Pushed++
		addUndone(rep, []whmcsdb.JournalChange{c})
	case registrar.IsAccountLevel(err):
		res.AccountErr = err
		res.Failed++
		rep.AddError(c.Domain, fmt.Sprintf("%s not put back at the registrar: %v", FieldLabel(c), err))
	case registrar.KindOf(err) == registrar.KindUnavailable:
		res.Failed++
		rep.AddError(c.Domain, fmt.Sprintf("%s: no reply from the registrar (%v); the next sync run finishes this write", FieldLabel(c), err))
	default:
		if err := o.DB.PushFailed(ctx, id, 0); err != nil {
			return err
		}
		res.Failed++
		rep.AddError(c.Domain, fmt.Sprintf("%s not put back: refused by the registrar: %v", FieldLabel(c), err))
	}
	return nil
}

// addUndone lists changes going back.
func addUndone(rep *report.Report, cs []whmcsdb.JournalChange) {
	for _, c := range cs {
		rep.Add(SectionUndone, c.Domain, FieldLabel(c), ShowValue(c.Field, c.New), ShowValue(c.Field, c.Old))
	}
}

// totals fills the report's totals: the domains of the plan, those with
// something undone (or to undo, on a dry run), failed, and kept whole.
func totals(rep *report.Report, plan UndoPlan, res *UndoResult) {
	t := &rep.Totals
	t.Selected = len(plan.Domains)
	undone := map[string]bool{}
	if s := rep.Section(SectionUndone); s != nil {
		for _, r := range s.Rows {
			undone[r[0]] = true
		}
	}
	failed := map[string]bool{}
	if s := rep.Section(report.SectionErrors); s != nil {
		for _, r := range s.Rows {
			failed[r[0]] = true
		}
	}
	for _, d := range plan.Domains {
		switch {
		case failed[d.Name]:
			t.Failed++
		case undone[d.Name]:
			t.Changed++
		default:
			t.Skipped++
		}
	}
}

// checkLock calls o.LockCheck, if set, before a write.
func (o UndoOptions) checkLock(ctx context.Context, what string) error {
	return checkLock(ctx, o.LockCheck, what)
}
