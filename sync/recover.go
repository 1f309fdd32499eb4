package sync

// Finishing registrar writes that an earlier run left planned (issue 17):
// a run that stopped (kill -9, a lost lock, a deadline, a transport failure
// with no reply) between journalling a registrar write and recording the
// reply left its journal row planned. The next run of that registrar
// finishes each such write first, whatever the domain's interval: it reads
// the registrar's current value, sends the write only if the registrar
// still differs, and then writes the activity row and marks the journal
// row sent, in one transaction (whmcsdb.PushAccepted), so that the row is
// written exactly once and only for a write the registrar holds.

import (
	"context"
	"fmt"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/report"
	"github.com/domainsync/domainsync/whmcsdb"
)

// ExactAutoRenew is a registrar client that can set auto-renew to one of
// its own values (Openprovider: on, off or default), so that an undo puts
// back "on" rather than the account default.
type ExactAutoRenew interface {
	SetAutoRenewValue(ctx context.Context, rec registrar.Record, v registrar.AutoRenew) error
}

// sendPush makes one registrar write. shows is the value the registrar is
// to show afterwards; an auto-renew write is sent as exactly that value
// when the client can (ExactAutoRenew), else as on (renew) or off.
func sendPush(ctx context.Context, reg registrar.Registrar, rec registrar.Record, kind PushKind, on bool, shows string) error {
	switch kind {
	case PushAutoRenew:
		if x, ok := reg.(ExactAutoRenew); ok {
			switch v := registrar.AutoRenew(shows); v {
			case registrar.AutoRenewOn, registrar.AutoRenewOff, registrar.AutoRenewDefault:
				return x.SetAutoRenewValue(ctx, rec, v)
			}
		}
		return reg.SetAutoRenew(ctx, rec, on)
	case PushPrivacy:
		return reg.SetPrivacy(ctx, rec, on)
	}
	return fmt.Errorf("unknown registrar write %d", kind)
}

// writeOf is the write a planned journal row stands for: its kind and the
// value to send (from the row's New, as the registrar shows it).
func writeOf(c whmcsdb.JournalChange) (kind PushKind, on bool, ok bool) {
	if c.New == nil {
		return 0, false, false
	}
	switch c.Field {
	case whmcsdb.FieldAutoRenew:
		return PushAutoRenew, *c.New != string(registrar.AutoRenewOff), true
	case whmcsdb.FieldPrivacy:
		return PushPrivacy, *c.New == "on", true
	}
	return 0, false, false
}

// journalLogLine is the activity row of a journalled registrar write once
// the registrar holds it: the sync's line, or an undo's for a write of an
// undo run.
func journalLogLine(c whmcsdb.JournalChange) string {
	kind, _, _ := writeOf(c)
	old, nw := ShowValue(c.Field, c.Old), ShowValue(c.Field, c.New)
	if c.RunUndoOf > 0 {
		return fmt.Sprintf("Domain Sync: undo of run %d: %s %s %s → %s", c.RunUndoOf, c.Domain, kind, old, nw)
	}
	return logLine(c.Domain, kind.String(), old, nw)
}

// FinishedWrites counts what finishPlanned did.
type FinishedWrites struct {
	Found      int // planned writes of earlier runs
	Held       int // the registrar already held the value: only the row and the journal
	Sent       int // sent now
	Refused    int // refused by the registrar (marked failed)
	Superseded int // a later write of the same setting was accepted since (marked failed)
	Left       int // left planned (no reply, or the registrar could not be read)
	Stopped    bool
	Account    error // an account-level failure stopped it
	Failures   []string
}

// finishPlanned finishes the registrar writes earlier runs of this
// registrar left planned (see the top of this file). runID is this run's
// journal id (0: no journal, nothing to do). Report rows: one per write
// finished (in the auto-renew / privacy sections), one error row per
// write that could not be finished, and a notice with the counts. A
// database error is returned; registrar failures leave the rows planned
// for the next run.
func finishPlanned(ctx context.Context, o Options, runID int64, rep *report.Report) (FinishedWrites, error) {
	var f FinishedWrites
	if runID <= 0 || o.DryRun {
		return f, nil
	}
	planned, err := o.DB.PlannedWrites(ctx, o.Registrar.Name(), runID)
	if err != nil || len(planned) == 0 {
		return f, err
	}
	f.Found = len(planned)
	var names []string
	seen := map[string]bool{}
	for _, c := range planned {
		if k := undoKey(c.Domain); !seen[k] {
			seen[k] = true
			names = append(names, k)
		}
	}
	if err := o.Registrar.Login(ctx); err != nil {
		f.Account, f.Left = err, len(planned)
		return f, nil
	}
	results, err := o.Registrar.Lookup(ctx, names)
	if err != nil {
		f.Account, f.Left = err, len(planned)
		return f, nil
	}
	fail := func(c whmcsdb.JournalChange, msg string) {
		f.Failures = append(f.Failures, msg)
		rep.AddError(c.Domain, fmt.Sprintf("%s %s → %s (planned by run %d): %s", FieldLabel(c), ShowValue(c.Field, c.Old), ShowValue(c.Field, c.New), c.RunID, msg))
	}
	for _, c := range planned {
		if err := o.checkLock(ctx, "finishing a registrar write of "+c.Domain); err != nil {
			return f, err
		}
		kind, on, ok := writeOf(c)
		r := results[undoKey(c.Domain)]
		var undone []int64
		if c.RunUndoOf > 0 && c.RefID > 0 {
			undone = []int64{c.RefID}
		}
		switch {
		case c.Field == whmcsdb.FieldContact:
			// A contact change whose reply never came: this run compares the
			// contact again and makes the change anew if it is still needed.
			if err := o.DB.PushFailed(ctx, c.ID, runID); err != nil {
				return f, err
			}
			f.Superseded++
			continue
		case c.Superseded:
			// A later write of the same setting went through: this one is
			// history (no activity row of its own).
			if err := o.DB.PushFailed(ctx, c.ID, runID); err != nil {
				return f, err
			}
			f.Superseded++
			continue
		case !ok:
			if err := o.DB.PushFailed(ctx, c.ID, runID); err != nil {
				return f, err
			}
			f.Refused++
			fail(c, "not a registrar write this version can finish; marked failed")
			continue
		case r.Err != nil:
			f.Left++
			fail(c, "could not read the registrar's current value ("+r.Err.Error()+"); left for the next run")
			continue
		case !r.Found:
			if err := o.DB.PushFailed(ctx, c.ID, runID); err != nil {
				return f, err
			}
			f.Refused++
			fail(c, "the domain is no longer at the registrar; marked failed")
			continue
		case r.Record.Invalid != nil:
			f.Left++
			fail(c, "the registrar's reply is invalid ("+r.Record.Invalid.Error()+"); left for the next run")
			continue
		}
		// The registrar may hold the value already (the write went through
		// before the run stopped): then only its activity row and journal
		// row are written. Otherwise the write is sent now.
		count := &f.Held
		if cur, known := RegistrarValue(c.Field, r.Record); !known || cur != *c.New {
			err := sendPush(ctx, o.Registrar, r.Record, kind, on, *c.New)
			switch {
			case err == nil:
			case registrar.IsAccountLevel(err):
				f.Account, f.Stopped = err, true
				f.Left = f.Found - (f.Held + f.Sent + f.Refused + f.Superseded)
				return f, nil
			case registrar.KindOf(err) == registrar.KindUnavailable:
				f.Left++
				fail(c, fmt.Sprintf("no reply from the registrar (%v); left for the next run", err))
				continue
			default:
				if err := o.DB.PushFailed(ctx, c.ID, runID); err != nil {
					return f, err
				}
				f.Refused++
				fail(c, fmt.Sprintf("refused by the registrar: %v", err))
				continue
			}
			count = &f.Sent
		}
		done, err := o.DB.PushAccepted(ctx, c.ID, c.UserID, journalLogLine(c), runID, undone...)
		if err != nil {
			return f, err
		}
		if done {
			*count++
			addPushRow(rep, c)
		}
	}
	return f, nil
}

// addPushRow lists a finished journalled write in the report.
func addPushRow(rep *report.Report, c whmcsdb.JournalChange) {
	old, nw := ShowValue(c.Field, c.Old), ShowValue(c.Field, c.New)
	switch c.Field {
	case whmcsdb.FieldAutoRenew:
		rep.AddAutoRenew(c.Domain, old, nw)
	case whmcsdb.FieldPrivacy:
		rep.AddPrivacy(c.Domain, old == "on", nw == "on")
	}
}
