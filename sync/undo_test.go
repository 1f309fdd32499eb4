package sync

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/whmcsdb"
)

func jc(id int64, domain string, domainID int64, field string, ref int64, old, nw, state string) whmcsdb.JournalChange {
	c := whmcsdb.JournalChange{ID: id, RunID: 42, DomainID: domainID, UserID: 7, Domain: domain, Field: field, RefID: ref, State: state}
	if old != "NULL" {
		c.Old = whmcsdb.Str(old)
	}
	if nw != "NULL" {
		c.New = whmcsdb.Str(nw)
	}
	return c
}

// undoSummary prints a plan compactly: per domain, the reverted ids, the
// pushes (id:value sent) and the kept ids with their reasons.
func undoSummary(p UndoPlan) string {
	if p.Nothing != "" {
		return "nothing: " + p.Nothing
	}
	var b strings.Builder
	for _, d := range p.Domains {
		fmt.Fprintf(&b, "%s:", d.Name)
		for _, c := range d.Reverts {
			fmt.Fprintf(&b, " revert %d", c.ID)
		}
		for _, u := range d.Pushes {
			v := u.Enabled
			if u.Kind == PushAutoRenew {
				v = u.Renew
			}
			fmt.Fprintf(&b, " push %d=%v", u.Change.ID, v)
		}
		for _, k := range d.Kept {
			fmt.Fprintf(&b, " keep %d (%s)", k.Change.ID, k.Reason)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestPlanUndo(t *testing.T) {
	a := []whmcsdb.JournalChange{
		jc(1, "a.com", 10, whmcsdb.FieldExpiry, 0, "2025-03-01", "2026-03-01", "applied"),
		jc(2, "a.com", 10, whmcsdb.FieldNextDue, 0, "2025-02-15", "2026-02-15", "applied"),
		jc(3, "a.com", 10, whmcsdb.FieldInvoiceItem, 100, "2025-02-15", "2026-02-15", "applied"),
		jc(4, "a.com", 10, whmcsdb.FieldInvoice, 200, "2025-02-15", "2026-02-15", "applied"),
		jc(5, "a.com", 10, whmcsdb.FieldAutoRenew, 0, "off", "default", "sent"),
	}
	cur := func(edits ...any) map[whmcsdb.ValueKey]*string {
		m := map[whmcsdb.ValueKey]*string{
			{Field: whmcsdb.FieldExpiry, ID: 10}:        whmcsdb.Str("2026-03-01"),
			{Field: whmcsdb.FieldNextDue, ID: 10}:       whmcsdb.Str("2026-02-15"),
			{Field: whmcsdb.FieldInvoiceItem, ID: 100}:  whmcsdb.Str("2026-02-15"),
			{Field: whmcsdb.FieldInvoice, ID: 200}:      whmcsdb.Str("2026-02-15"),
			{Field: whmcsdb.FieldStatus, ID: 11}:        whmcsdb.Str("Expired"),
			{Field: whmcsdb.FieldNextInvoice, ID: 11}:   nil,
			{Field: whmcsdb.FieldExpiry, ID: 12}:        whmcsdb.Str("2026-01-01"),
			{Field: whmcsdb.FieldInvoiceItem, ID: 101}:  whmcsdb.Str("2026-01-01"),
			{Field: whmcsdb.FieldNextInvoice, ID: 12}:   whmcsdb.Str("2026-01-01"),
			{Field: whmcsdb.FieldNextInvoice, ID: 9999}: whmcsdb.Str("x"),
		}
		for i := 0; i < len(edits); i += 2 {
			k := edits[i].(whmcsdb.ValueKey)
			if edits[i+1] == nil {
				delete(m, k)
			} else {
				m[k] = whmcsdb.Str(edits[i+1].(string))
			}
		}
		return m
	}
	rec := func(autorenew string, privacy bool) map[string]registrar.Result {
		return map[string]registrar.Result{"a.com": {Found: true, Record: registrar.Record{Name: "a.com", AutoRenew: registrar.AutoRenew(autorenew), Privacy: privacy, PrivacyKnown: true}}}
	}
	run := whmcsdb.JournalRun{ID: 42, Registrar: "openprovider"}
	tests := []struct {
		name    string
		run     whmcsdb.JournalRun
		changes []whmcsdb.JournalChange
		current map[whmcsdb.ValueKey]*string
		records map[string]registrar.Result
		names   []string
		want    string
	}{
		{"everything still as the run left it", run, a, cur(), rec("default", false), nil,
			"a.com: revert 1 revert 2 revert 3 revert 4 push 5=false\n"},
		{"an admin edited the expiry: the domain's WHMCS values are kept", run, a,
			cur(whmcsdb.ValueKey{Field: whmcsdb.FieldExpiry, ID: 10}, "2027-01-01"), rec("default", false), nil,
			"a.com: push 5=false" +
				" keep 1 (changed since the run (an administrator's edit or a later run wins): expiry date is 2027-01-01, not the 2026-03-01 this run wrote)" +
				" keep 2 (changed since the run (an administrator's edit or a later run wins): expiry date is 2027-01-01, not the 2026-03-01 this run wrote)" +
				" keep 3 (changed since the run (an administrator's edit or a later run wins): expiry date is 2027-01-01, not the 2026-03-01 this run wrote)" +
				" keep 4 (changed since the run (an administrator's edit or a later run wins): expiry date is 2027-01-01, not the 2026-03-01 this run wrote)\n"},
		{"an invoice paid and deleted: kept", run, a[2:4],
			cur(whmcsdb.ValueKey{Field: whmcsdb.FieldInvoice, ID: 200}, nil), nil, nil,
			"a.com: keep 3 (changed since the run (an administrator's edit or a later run wins): invoice 200 due date (the row no longer exists))" +
				" keep 4 (changed since the run (an administrator's edit or a later run wins): invoice 200 due date (the row no longer exists))\n"},
		{"the registrar changed since", run, a[4:], cur(), rec("on", false), nil,
			"a.com: keep 5 (the registrar now holds on, not the default this run set (changed since))\n"},
		{"registrar not found, lookup failed", run, a[4:], cur(), map[string]registrar.Result{"a.com": {Err: errors.New("boom")}}, nil,
			"a.com: keep 5 (the registrar's current value could not be read: boom)\n"},
		{"registrar not asked", run, a[4:], cur(), nil, nil,
			"a.com: keep 5 (the registrar was not asked about this domain)\n"},
		{"privacy and auto-renew back on", run, []whmcsdb.JournalChange{
			jc(6, "a.com", 10, whmcsdb.FieldPrivacy, 0, "on", "off", "sent"),
			jc(7, "a.com", 10, whmcsdb.FieldAutoRenew, 0, "on", "off", "sent"),
		}, cur(), rec("off", false), nil, "a.com: push 6=true push 7=true\n"},
		{"states: planned, failed, undone, contact", run, []whmcsdb.JournalChange{
			jc(8, "b.com", 11, whmcsdb.FieldStatus, 0, "Active", "Expired", "undone"),
			jc(9, "b.com", 11, whmcsdb.FieldAutoRenew, 0, "off", "default", "planned"),
			jc(10, "b.com", 11, whmcsdb.FieldPrivacy, 0, "off", "on", "failed"),
			jc(11, "b.com", 11, whmcsdb.FieldContact, 0, "a", "b", "sent"),
			jc(12, "b.com", 11, whmcsdb.FieldNextInvoice, 0, "2025-01-01", "NULL", "applied"),
		}, cur(), map[string]registrar.Result{"b.com": {Found: true}}, nil,
			"b.com: revert 12 keep 8 (already undone by run 0) keep 9 (the registrar never confirmed this write (the run stopped); the next run of the registrar finishes it)" +
				" keep 10 (the registrar refused this write: nothing to undo) keep 11 (registrar contact changes are not undone; change the contact at the registrar if needed)\n"},
		{"--domain limits the undo", run, append(append([]whmcsdb.JournalChange{}, a[:1]...),
			jc(13, "c.com", 12, whmcsdb.FieldExpiry, 0, "0000-00-00", "2026-01-01", "applied"),
			jc(14, "c.com", 12, whmcsdb.FieldInvoiceItem, 101, "NULL", "2026-01-01", "applied")),
			cur(), nil, []string{"C.COM."}, "c.com: revert 13 revert 14\n"},
		{"--domain the run did not change", run, a, cur(), nil, []string{"z.com"}, "nothing: run 42 changed none of the domains z.com"},
		{"a held batch", whmcsdb.JournalRun{ID: 42, Note: "held: 6 of 10 domains would leave Active"}, nil, cur(), nil, nil,
			"nothing: run 42 was held by the mass-change guard (held: 6 of 10 domains would leave Active): it changed nothing, so there is nothing to undo"},
		{"a run that changed nothing", run, nil, cur(), nil, nil, "nothing: run 42 changed nothing: there is nothing to undo"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := undoSummary(PlanUndo(tc.run, tc.changes, tc.current, tc.records, tc.names))
			if got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestUndoLogLine(t *testing.T) {
	for _, tc := range []struct {
		c    whmcsdb.JournalChange
		want string
	}{
		{jc(1, "example.com", 1, whmcsdb.FieldExpiry, 0, "2025-03-01", "2026-03-01", "applied"),
			"Domain Sync: undo of run 42: example.com expiry date 2026-03-01 → 2025-03-01"},
		{jc(1, "example.com", 1, whmcsdb.FieldNextInvoice, 0, "0000-00-00", "2026-03-01", "applied"),
			"Domain Sync: undo of run 42: example.com next invoice date 2026-03-01 → none"},
		{func() whmcsdb.JournalChange {
			c := jc(1, "bücher.de", 1, whmcsdb.FieldInvoiceItem, 9, "NULL", "2026-03-01", "applied")
			c.Detail = "Domain"
			return c
		}(), "Domain Sync: undo of run 42: bücher.de invoice item 9 (Domain) due date 2026-03-01 → none"},
		{jc(1, "example.com", 1, whmcsdb.FieldStatus, 0, "Active", "Expired", "applied"),
			"Domain Sync: undo of run 42: example.com status Expired → Active"},
		{jc(1, "example.com", 1, whmcsdb.FieldAutoRenew, 0, "off", "default", "sent"),
			"Domain Sync: undo of run 42: example.com auto-renew default → off"},
	} {
		if got := UndoLogLine(42, tc.c); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

// A plan's journal rows: each WHMCS change with the raw value it is guarded
// on, each invoice once, and the registrar writes as the registrar shows them.
func TestPlanJournal(t *testing.T) {
	d := domain().idProtection().item(100, 200, "Domain", "2026-02-15", true).item(101, 200, "PromoDomain", "2026-02-15", true).build()
	r := record().code("ACT").expiry("2026-04-01").autoRenew(registrar.AutoRenewOff).found()
	p := Plan(d, r, settings(), today)
	var got []string
	for _, c := range p.JournalChanges(5) {
		got = append(got, fmt.Sprintf("%d %d %s %d %s %s→%s %s", c.RunID, c.DomainID, c.Field, c.RefID, c.Detail, ShowValue(c.Field, c.Old), ShowValue(c.Field, c.New), c.State))
	}
	for _, push := range p.Pushes {
		c := p.JournalPush(5, push)
		got = append(got, fmt.Sprintf("%d %d %s %s→%s %s", c.RunID, c.UserID, c.Field, *c.Old, *c.New, c.State))
	}
	sameLines(t, got, []string{
		"5 42 expiry 0  2026-03-01→2026-04-01 applied",
		"5 42 nextduedate 0  2026-02-15→2026-03-18 applied",
		"5 42 nextinvoicedate 0  2026-02-15→2026-03-18 applied",
		"5 42 invoiceitem 100 Domain 2026-02-15→2026-03-18 applied",
		"5 42 invoice 200  2026-02-15→2026-03-18 applied",
		"5 42 invoiceitem 101 PromoDomain 2026-02-15→2026-03-18 applied",
		"5 7 autorenew off→default planned",
		"5 7 privacy off→on planned",
	})
}
