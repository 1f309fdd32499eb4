package sync

// Undo (issue 17): putting back what one run changed. PlanUndo is pure: it
// takes the run's journal rows, what WHMCS holds now and what the
// registrar says now, and decides per domain what goes back and what is
// kept (with the reason). cmd/undo.go does the I/O.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/whmcsdb"
)

// UndoPlan is what an undo of one run does.
type UndoPlan struct {
	Run whmcsdb.JournalRun
	// Nothing, when set, says why the run has nothing to undo (a held
	// batch, a run that changed nothing, no change of the --domain names).
	Nothing string
	Domains []DomainUndo
}

// DomainUndo is one domain's undo: its WHMCS values going back (one
// transaction), its registrar writes going back, and the changes kept.
type DomainUndo struct {
	DomainID int64
	UserID   int64
	Name     string // as journalled (Unicode)
	// Reverts are the WHMCS journal rows put back (each value still holds
	// the run's New and gets its Old back).
	Reverts []whmcsdb.JournalChange
	// Pushes are the registrar writes sent back to their old value.
	Pushes []UndoPush
	// Kept are the run's changes of this domain that stay, each with why.
	Kept []Kept
}

// UndoPush is one registrar write going back: Change is the run's journal
// row (Old is sent back).
type UndoPush struct {
	Change  whmcsdb.JournalChange
	Kind    PushKind
	Renew   bool // PushAutoRenew: the value to send
	Enabled bool // PushPrivacy: the value to send
	// Shows is how the registrar shows the setting after the write
	// (auto-renew: off, or Openprovider's default / ODR's on; privacy
	// off/on): the undo run's journal row records it as the new value.
	Shows string
}

// Journal is the undo run's planned journal row of the write: the run's
// values swapped, RefID linking to the row it puts back.
func (u UndoPush) Journal(undoRun int64) whmcsdb.JournalChange {
	c := u.Change
	return whmcsdb.JournalChange{RunID: undoRun, DomainID: c.DomainID, UserID: c.UserID, Domain: c.Domain, Field: c.Field,
		RefID: c.ID, Old: c.New, New: whmcsdb.Str(u.Shows), State: whmcsdb.StatePlanned}
}

// Kept is a change of the run that the undo leaves as it is.
type Kept struct {
	Change whmcsdb.JournalChange
	Reason string
}

// Empty reports whether the domain has nothing to put back.
func (d DomainUndo) Empty() bool { return len(d.Reverts) == 0 && len(d.Pushes) == 0 }

// PlanUndo decides the undo of run from its journal rows (changes, in
// order). current holds what each WHMCS value holds now
// (whmcsdb.CurrentValues); records what the registrar says now about each
// domain with a registrar write to put back, by lookupName (nil when there
// is none). names, when not empty, limits the undo to those domains.
//
// The rules:
//   - Only WHMCS changes that were applied and registrar writes the
//     registrar accepted (sent) go back; writes planned (never confirmed)
//     or refused, and changes already undone, are kept with the reason.
//   - A domain's WHMCS values (tbldomains dates and status, its invoice
//     items and invoices) go back together, in one transaction, and only
//     when every one of them still holds the value the run wrote: an
//     administrator's edit or a later run wins, and the domain is kept
//     with the values that changed since named.
//   - A registrar write goes back when the registrar still holds the value
//     the run set (auto-renew: off → renew, on/default → off; privacy: the
//     old value); otherwise, or when the registrar's value is unknown, it
//     is kept with the reason.
//   - Registrar contact changes are not undone (kept, with the reason).
func PlanUndo(run whmcsdb.JournalRun, changes []whmcsdb.JournalChange, current map[whmcsdb.ValueKey]*string, records map[string]registrar.Result, names []string) UndoPlan {
	p := UndoPlan{Run: run}
	want := map[string]bool{}
	for _, n := range names {
		want[undoKey(n)] = true
	}
	byDomain := map[int64]*DomainUndo{}
	var order []int64
	for _, c := range changes {
		if len(want) > 0 && !want[undoKey(c.Domain)] {
			continue
		}
		d := byDomain[c.DomainID]
		if d == nil {
			d = &DomainUndo{DomainID: c.DomainID, UserID: c.UserID, Name: c.Domain}
			byDomain[c.DomainID] = d
			order = append(order, c.DomainID)
		}
		switch {
		case c.State == whmcsdb.StateUndone:
			d.Kept = append(d.Kept, Kept{c, fmt.Sprintf("already undone by run %d", c.ByRun)})
		case c.State == whmcsdb.StatePlanned:
			d.Kept = append(d.Kept, Kept{c, "the registrar never confirmed this write (the run stopped); the next run of the registrar finishes it"})
		case c.State == whmcsdb.StateFailed:
			d.Kept = append(d.Kept, Kept{c, "the registrar refused this write: nothing to undo"})
		case whmcsdb.IsRegistrarField(c.Field):
			planUndoPush(d, c, records, run.Registrar)
		default:
			d.Reverts = append(d.Reverts, c)
		}
	}
	for _, id := range order {
		d := byDomain[id]
		var edited []string
		for _, c := range d.Reverts {
			v, ok := current[whmcsdb.KeyOf(c)]
			switch {
			case !ok:
				edited = append(edited, FieldLabel(c)+" (the row no longer exists)")
			case !sameValue(v, c.New):
				edited = append(edited, fmt.Sprintf("%s is %s, not the %s this run wrote", FieldLabel(c), ShowValue(c.Field, v), ShowValue(c.Field, c.New)))
			}
		}
		if len(edited) > 0 {
			why := "changed since the run (an administrator's edit or a later run wins): " + strings.Join(edited, "; ")
			for _, c := range d.Reverts {
				d.Kept = append(d.Kept, Kept{c, why})
			}
			d.Reverts = nil
		}
		p.Domains = append(p.Domains, *d)
	}
	switch {
	case len(changes) == 0 && strings.HasPrefix(run.Note, "held"):
		p.Nothing = fmt.Sprintf("run %d was held by the mass-change guard (%s): it changed nothing, so there is nothing to undo", run.ID, run.Note)
	case len(changes) == 0:
		p.Nothing = fmt.Sprintf("run %d changed nothing: there is nothing to undo", run.ID)
	case len(p.Domains) == 0:
		p.Nothing = fmt.Sprintf("run %d changed none of the domains %s", run.ID, strings.Join(names, ", "))
	}
	return p
}

// planUndoPush plans putting back one accepted registrar write.
func planUndoPush(d *DomainUndo, c whmcsdb.JournalChange, records map[string]registrar.Result, registrarName string) {
	kind := PushAutoRenew
	switch c.Field {
	case whmcsdb.FieldAutoRenew:
	case whmcsdb.FieldPrivacy:
		kind = PushPrivacy
	default:
		d.Kept = append(d.Kept, Kept{c, "registrar contact changes are not undone; change the contact at the registrar if needed"})
		return
	}
	r, ok := records[undoKey(c.Domain)]
	switch {
	case !ok:
		d.Kept = append(d.Kept, Kept{c, "the registrar was not asked about this domain"})
		return
	case r.Err != nil:
		d.Kept = append(d.Kept, Kept{c, "the registrar's current value could not be read: " + r.Err.Error()})
		return
	case !r.Found:
		d.Kept = append(d.Kept, Kept{c, "the domain is no longer at the registrar"})
		return
	case r.Record.Invalid != nil:
		d.Kept = append(d.Kept, Kept{c, "the registrar's reply is invalid: " + r.Record.Invalid.Error()})
		return
	}
	now, known := RegistrarValue(c.Field, r.Record)
	switch {
	case !known:
		d.Kept = append(d.Kept, Kept{c, "the registrar sent no current value"})
	case c.New == nil || now != *c.New:
		d.Kept = append(d.Kept, Kept{c, fmt.Sprintf("the registrar now holds %s, not the %s this run set (changed since)", now, ShowValue(c.Field, c.New))})
	case c.Old == nil:
		d.Kept = append(d.Kept, Kept{c, "the journal has no old value"})
	default:
		u := UndoPush{Change: c, Kind: kind}
		if kind == PushAutoRenew {
			u.Renew = *c.Old != string(registrar.AutoRenewOff)
			u.Shows = string(registrar.AutoRenewOff)
			if u.Renew {
				u.Shows = string(rulesFor(registrarName).renewOn)
			}
		} else {
			u.Enabled = *c.Old == "on"
			u.Shows = onOff(u.Enabled)
		}
		d.Pushes = append(d.Pushes, u)
	}
}

// RegistrarValue is a registrar setting as journalled: auto-renew as the
// registrar sends it (off, on, default), privacy on/off. known is false
// when the registrar sent nothing.
func RegistrarValue(field string, rec registrar.Record) (v string, known bool) {
	switch field {
	case whmcsdb.FieldAutoRenew:
		return string(rec.AutoRenew), rec.AutoRenew != registrar.AutoRenewUnknown
	case whmcsdb.FieldPrivacy:
		return onOff(rec.Privacy), rec.PrivacyKnown
	}
	return "", false
}

// undoKey matches domain names as the sync does (ASCII, lower case), or
// the name as given when it does not normalize.
func undoKey(name string) string {
	if k := lookupName(name); k != "" {
		return k
	}
	return strings.ToLower(strings.TrimSpace(name))
}

// UndoKey is undoKey for the command: the key records are stored under.
func UndoKey(name string) string { return undoKey(name) }

func sameValue(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// FieldLabel names a journal change's field as the activity log and the
// reports do: "expiry date", "invoice 12 item 34 (Domain) due date".
func FieldLabel(c whmcsdb.JournalChange) string {
	switch c.Field {
	case whmcsdb.FieldExpiry:
		return "expiry date"
	case whmcsdb.FieldNextDue:
		return "next due date"
	case whmcsdb.FieldNextInvoice:
		return "next invoice date"
	case whmcsdb.FieldStatus:
		return "status"
	case whmcsdb.FieldReminders:
		return "expiry reminders sent"
	case whmcsdb.FieldInvoiceItem:
		s := fmt.Sprintf("invoice item %d", c.RefID)
		if c.Detail != "" {
			s += " (" + c.Detail + ")"
		}
		return s + " due date"
	case whmcsdb.FieldInvoice:
		return fmt.Sprintf("invoice %d due date", c.RefID)
	case whmcsdb.FieldAutoRenew:
		return PushAutoRenew.String()
	case whmcsdb.FieldPrivacy:
		return PushPrivacy.String()
	case whmcsdb.FieldContact:
		if c.Detail != "" {
			return "registrant contact " + c.Detail
		}
		return "registrant contact"
	}
	return c.Field
}

// ShowValue prints a journalled value: dates as YYYY-MM-DD, "none" for no
// date (NULL or a zero date) or no value.
func ShowValue(field string, v *string) string {
	if v == nil {
		return "none"
	}
	s := *v
	switch field {
	case whmcsdb.FieldExpiry, whmcsdb.FieldNextDue, whmcsdb.FieldNextInvoice, whmcsdb.FieldInvoiceItem, whmcsdb.FieldInvoice:
		d, err := whmcsdb.ParseDate(v)
		switch {
		case err != nil:
			return s
		case d.IsZero():
			return "none"
		}
		return d.String()
	}
	if s == "" {
		return "none"
	}
	return s
}

// UndoLogLine is the activity row of one undone change: "Domain Sync: undo
// of run 42: example.com expiry date 2026-03-01 → 2025-03-01".
func UndoLogLine(run int64, c whmcsdb.JournalChange) string {
	return fmt.Sprintf("Domain Sync: undo of run %d: %s %s %s → %s", run, c.Domain, FieldLabel(c), ShowValue(c.Field, c.New), ShowValue(c.Field, c.Old))
}

// UndoLogLines are the activity rows of a domain's WHMCS reverts.
func (d DomainUndo) UndoLogLines(run int64) []string {
	var out []string
	for _, c := range d.Reverts {
		out = append(out, UndoLogLine(run, c))
	}
	return out
}

// Counts are the domains, WHMCS values and registrar writes going back,
// and the changes kept.
func (p UndoPlan) Counts() (domains, reverts, pushes, kept int) {
	for _, d := range p.Domains {
		if !d.Empty() {
			domains++
		}
		reverts += len(d.Reverts)
		pushes += len(d.Pushes)
		kept += len(d.Kept)
	}
	return
}

// PushNames are the ASCII names of the domains with an accepted registrar
// write of the run (the names to ask the registrar about), each once.
func PushNames(changes []whmcsdb.JournalChange, names []string) []string {
	want := map[string]bool{}
	for _, n := range names {
		want[undoKey(n)] = true
	}
	var out []string
	for _, c := range changes {
		k := undoKey(c.Domain)
		if c.State != whmcsdb.StateSent || !whmcsdb.IsRegistrarField(c.Field) || (len(want) > 0 && !want[k]) || slices.Contains(out, k) {
			continue
		}
		out = append(out, k)
	}
	return out
}
