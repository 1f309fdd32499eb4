package sync

import (
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/whmcsdb"
)

// HasDBChange reports whether the plan writes anything to WHMCS besides
// last_sync: a field, an invoice item, or an activity-log line (FAI).
func (p DomainPlan) HasDBChange() bool {
	return p.Expiry != nil || p.NextDue != nil || p.NextInvoice != nil || p.Status != nil ||
		len(p.Items) > 0 || len(p.LogOnly) > 0
}

// Changed reports whether the plan changes anything, in WHMCS or at the
// registrar (LogOnly lines are not changes).
func (p DomainPlan) Changed() bool {
	return p.Expiry != nil || p.NextDue != nil || p.NextInvoice != nil || p.Status != nil ||
		len(p.Items) > 0 || len(p.Pushes) > 0
}

// Change is the plan as whmcsdb writes it: the domain as read (its Raw*
// values guard every write), the new values, the item moves, one activity-log
// line per applied change ("Domain Sync: example.com expiry date 2025-03-01 →
// 2026-03-01") followed by the LogOnly lines, and last_sync (syncTable ""
// leaves it alone). Pushes are not part of it: the run loop sends them after
// the transaction and logs each success with Push.LogLine.
func (p DomainPlan) Change(syncTable string, now time.Time) whmcsdb.Change {
	c := whmcsdb.Change{Domain: p.Domain, SyncTable: syncTable, SyncTime: now}
	date := func(dc *DateChange) *civil.Date {
		if dc == nil {
			return nil
		}
		v := dc.New
		return &v
	}
	c.ExpiryDate = date(p.Expiry)
	c.NextDueDate = date(p.NextDue)
	c.NextInvoiceDate = date(p.NextInvoice)
	if p.Status != nil {
		v := p.Status.New
		c.Status = &v
	}
	for _, m := range p.Items {
		c.Items = append(c.Items, m.ItemMove)
	}
	c.ActivityLog = p.logLines()
	return c
}

// logLines are the activity-log lines of the plan's changes.
func (p DomainPlan) logLines() []string {
	var out []string
	name := p.UnicodeName
	for _, l := range p.changeLines() {
		out = append(out, "Domain Sync: "+name+" "+l)
	}
	return append(out, p.LogOnly...)
}

// changeLines describe the WHMCS changes, "<field> <old> → <new>".
func (p DomainPlan) changeLines() []string {
	var out []string
	add := func(field, old, new string) { out = append(out, field+" "+old+" → "+new) }
	if c := p.Expiry; c != nil {
		add("expiry date", showDate(c.Old), showDate(c.New))
	}
	if c := p.Status; c != nil {
		s := fmt.Sprintf("(registrar status %s", c.Code)
		if c.TransferCompleted {
			s += ", transfer completed"
		}
		add("status", showStatus(c.Old), showStatus(c.New)+" "+s+")")
	}
	if c := p.NextDue; c != nil {
		add("next due date", showDate(c.Old), showDate(c.New))
	}
	if c := p.NextInvoice; c != nil {
		add("next invoice date", showDate(c.Old), showDate(c.New))
	}
	for _, m := range p.Items {
		add(fmt.Sprintf("invoice %d item %d (%s) due date", m.InvoiceID, m.ItemID, m.Type), showDate(m.OldDue), showDate(m.NewDue))
		if m.MoveInvoice {
			add(fmt.Sprintf("invoice %d due date", m.InvoiceID), showDate(m.OldInvoiceDue), showDate(m.NewDue))
		}
	}
	return out
}

func logLine(domain, field, old, new string) string {
	return "Domain Sync: " + domain + " " + field + " " + old + " → " + new
}

func showStatus(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// String prints the plan for a dry run: the domain, then one indented line
// per change, push, note and error; "no change" when there is nothing.
func (p DomainPlan) String() string {
	var b strings.Builder
	b.WriteString(p.UnicodeName)
	if p.Record != nil && p.Record.StatusCode != "" {
		fmt.Fprintf(&b, " (%s, registrar %s)", p.Domain.Status, p.Record.StatusCode)
	} else if p.Domain.Status != "" {
		fmt.Fprintf(&b, " (%s)", p.Domain.Status)
	}
	b.WriteString("\n")
	n := 0
	line := func(format string, args ...any) {
		n++
		fmt.Fprintf(&b, "  "+format+"\n", args...)
	}
	for _, l := range p.changeLines() {
		line("%s", l)
	}
	for _, x := range p.Pushes {
		line("push %s %s → %s", x.Kind, x.Old, x.New)
	}
	for _, x := range p.Notes {
		line("[%s] %s: %s", x.Kind, x.What, x.Why)
	}
	for _, e := range p.Errors {
		line("error: %s", e)
	}
	if n == 0 {
		b.WriteString("  no change\n")
	}
	return b.String()
}
