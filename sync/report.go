package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/report"
	"github.com/domainsync/domainsync/whmcsdb"
)

// The report stage: the run's report.Report, built from what the other
// stages return. Rows are added in the order the stages ran (selection
// problems, a fetch stop, the guard's notice, the plans and their
// outcomes, the contacts, the deadline), and finishReport closes it.

// newRunReport is the report of o's run, before any stage.
func newRunReport(o Options) *report.Report {
	rep := report.NewSync(o.Registrar.Name())
	rep.DryRun = o.DryRun
	rep.Started = o.Now
	return rep
}

// reportSelection adds the selection's problems: the --domain names not
// found and the domains with an invalid tbldomains.status; and the count
// selected.
func reportSelection(rep *report.Report, o Options, sel selection) {
	reportMissingNames(rep, o.Names, sel.Domains, o.Registrar.Name())
	for _, d := range sel.Invalid {
		name := d.Name
		if strings.TrimSpace(name) == "" {
			name = fmt.Sprintf("(tbldomains id %d)", d.ID)
		}
		rep.AddError(name, fmt.Sprintf("tbldomains.status %q (id %d) is not a WHMCS status; fix it in WHMCS; nothing changed", d.RawStatus, d.ID))
		rep.Totals.Failed++
	}
	rep.Totals.Selected = sel.Count
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

// reportFetchStop records a fetch stage that read nothing usable (the
// Deadline passed, or an account failure) for a selection of n domains:
// nothing is applied, and all n stay due.
func reportFetchStop(res *Result, o Options, f fetchResult, n int) {
	rep := res.Report
	if f.TimedOut {
		res.TimedOut, res.NotStarted = true, n
		rep.AddNotice(fmt.Sprintf("stopped at the --timeout deadline while reading the registrar: nothing applied; the %d domains of this batch stay due for the next run", n))
		rep.Totals.Skipped = n
		return
	}
	res.AccountErr = f.AccountErr
	rep.AddError("("+o.Registrar.Name()+" account)", f.AccountErr.Error())
	rep.Totals.Failed = n
}

// reportPlanned adds the notices of the plan and guard stages.
func reportPlanned(rep *report.Report, o Options, p planResult, g GuardResult) {
	if o.All && p.ContactsWanted && len(p.ContactDomains) == 0 {
		rep.AddNotice("registrant contacts were not compared: the " + o.Registrar.Name() + " listing that an --all run reads carries no contacts; the batch runs compare them")
	}
	if g.Reason != "" {
		rep.AddNotice(g.Reason)
		o.Logger.Warn(g.Reason)
	}
	if n, why := unreadSummary(p.Plans); n > 0 {
		msg := fmt.Sprintf("%d domains could not be read at %s and are left as they are, due for the next run (nothing written, none reported as not found): %s",
			n, o.Registrar.Name(), why)
		rep.AddNotice(msg)
		o.Logger.Warn(msg)
	}
	rep.Totals.Checked += p.QuietChecked
}

// maxUnreadRows bounds the report rows naming unread domains; the notice
// counts them all.
const maxUnreadRows = 50

// unreadSummary counts the plans not read at the registrar and says why:
// the distinct reasons, the most frequent first (at most three).
func unreadSummary(plans []DomainPlan) (int, string) {
	n := 0
	count := map[string]int{}
	var order []string
	for _, p := range plans {
		if p.Unread == nil {
			continue
		}
		n++
		why := p.Unread.Error()
		var pl *registrar.PartialListError
		if errors.As(p.Unread, &pl) {
			why = "a listing page could not be read (" + pl.Err.Error() + ")"
		} else {
			why = unreadKind(p.Unread)
		}
		if count[why] == 0 {
			order = append(order, why)
		}
		count[why]++
	}
	slices.SortStableFunc(order, func(a, b string) int { return count[b] - count[a] })
	var parts []string
	for i, w := range order {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d other reasons", len(order)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", w, count[w]))
	}
	return n, strings.Join(parts, "; ")
}

// unreadKind is the reason a lookup was not read, without the domain's
// own request line: the registrar's error kind and, when it has one, its
// failure (e.g. "unavailable: HTTP 500 with unknown code 9999").
func unreadKind(err error) string {
	var re *registrar.Error
	if !errors.As(err, &re) {
		return "lookups failed"
	}
	msg := re.Message
	if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "GET ") {
		msg = msg[i+2:]
	}
	if msg == "" {
		return "lookups failed: " + re.Kind.String()
	}
	return "lookups failed: " + re.Kind.String() + ": " + msg
}

// reportApplied records the apply stage's counts in res and, when the
// registrar's account failed during the pushes, its one error row.
func reportApplied(res *Result, o Options, a applyResult) {
	res.Applied += a.Applied
	res.Pushed += a.Pushed
	res.NotStarted += a.NotStarted
	res.TimedOut = res.TimedOut || a.TimedOut
	if a.AccountErr != nil {
		res.AccountErr = a.AccountErr
		res.Report.AddError("("+o.Registrar.Name()+" account)", "registrar writes stopped: "+a.AccountErr.Error())
	}
}

// buildReport turns the plans and what happened to them into report rows.
// planned: nothing was applied (dry run or held), so the rows show the plan.
func buildReport(rep *report.Report, plans []DomainPlan, outs []outcome, planned bool) {
	unread := 0
	for i, p := range plans {
		name := p.UnicodeName
		if name == "" {
			name = p.Domain.Name
		}
		o := outs[i]
		if p.Unread != nil {
			unread++
			switch {
			case unread <= maxUnreadRows:
				rep.AddAttention(name, "not read at the registrar", "left as it is and due for the next run: "+p.Unread.Error())
			case unread == maxUnreadRows+1:
				rep.AddAttention("…", "not read at the registrar", "more domains; the notice above counts them all")
			}
			rep.Totals.Skipped++
			continue
		}
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

// reportDeadline adds the notice of a run the Deadline stopped after the
// registrar was read.
func reportDeadline(res *Result) {
	if res.TimedOut {
		res.Report.AddNotice(fmt.Sprintf("stopped at the --timeout deadline: %d domains or registrar writes not started; they stay due for the next run", res.NotStarted))
	}
}

// finishReport closes the report: the run's duration (since started) and
// how many domains are still due (sel.Query without names or limit, with
// the interval).
func finishReport(ctx context.Context, o Options, sel selection, rep *report.Report, started time.Time) {
	rep.Duration = time.Since(started)
	dueQ := sel.Query
	dueQ.Names, dueQ.Limit = nil, 0
	dueQ.Interval = o.Settings.UpdateInterval
	if n, err := o.DB.CountDue(ctx, dueQ); err == nil {
		rep.RemainingDue = n
	} else {
		o.Logger.Warn("could not count the domains still due", "err", err)
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
