package sync

import (
	"github.com/domainsync/domainsync/whmcsdb"
)

// JournalChanges are the journal rows of the plan's WHMCS changes (state
// applied, written in the domain's transaction), in the order of its
// activity-log lines: expiry, status, next due date, next invoice date,
// then each invoice item and (once) its invoice. Old values are the raw
// values the change is guarded on.
func (p DomainPlan) JournalChanges(runID int64) []whmcsdb.JournalChange {
	d := p.Domain
	row := func(field string, ref int64, detail string, old *string, nw string) whmcsdb.JournalChange {
		return whmcsdb.JournalChange{RunID: runID, DomainID: d.ID, UserID: d.UserID, Domain: p.UnicodeName,
			Field: field, RefID: ref, Detail: detail, Old: old, New: whmcsdb.Str(nw), State: whmcsdb.StateApplied}
	}
	var out []whmcsdb.JournalChange
	if c := p.Expiry; c != nil {
		out = append(out, row(whmcsdb.FieldExpiry, 0, "", d.RawExpiryDate, c.New.String()))
	}
	if c := p.Status; c != nil {
		out = append(out, row(whmcsdb.FieldStatus, 0, "", whmcsdb.Str(d.RawStatus), c.New))
	}
	if c := p.NextDue; c != nil {
		out = append(out, row(whmcsdb.FieldNextDue, 0, "", d.RawNextDueDate, c.New.String()))
	}
	if c := p.NextInvoice; c != nil {
		out = append(out, row(whmcsdb.FieldNextInvoice, 0, "", d.RawNextInvoiceDate, c.New.String()))
	}
	moved := map[int64]bool{}
	for _, m := range p.Items {
		out = append(out, row(whmcsdb.FieldInvoiceItem, m.ItemID, m.Type, m.ItemMove.OldDue, m.NewDue.String()))
		if m.MoveInvoice && !moved[m.InvoiceID] {
			moved[m.InvoiceID] = true
			out = append(out, row(whmcsdb.FieldInvoice, m.InvoiceID, "", m.OldInvoice, m.NewDue.String()))
		}
	}
	return out
}

// JournalPush is the journal row of one registrar write (state planned
// until the reply): Old and New as the registrar shows them (auto-renew
// off/on/default, privacy off/on), so that a later run can tell whether the
// registrar holds the value.
func (p DomainPlan) JournalPush(runID int64, push Push) whmcsdb.JournalChange {
	field := whmcsdb.FieldAutoRenew
	if push.Kind == PushPrivacy {
		field = whmcsdb.FieldPrivacy
	}
	return whmcsdb.JournalChange{RunID: runID, DomainID: p.Domain.ID, UserID: p.Domain.UserID, Domain: p.UnicodeName,
		Field: field, Old: whmcsdb.Str(push.Old), New: whmcsdb.Str(push.New), State: whmcsdb.StatePlanned}
}
