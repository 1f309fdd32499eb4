package sync

import (
	"context"
	"strings"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/whmcsdb"
)

// The plan stage: the rules of plan.go (Plan) over every selected domain
// with the registrar's answer. With --all, a plan with nothing to apply,
// push or report is kept as its id only (its last_sync is recorded with
// the others'), so that memory stays flat in the portfolio size.

// planResult is the plan stage's outcome.
type planResult struct {
	// Plans are the batch's plans in batch order; with --all only those
	// that are not quiet (in id order).
	Plans []DomainPlan
	// Quiet (--all only) are the ids of the domains in step: nothing to
	// apply, push or report; QuietChecked of them were found at the
	// registrar.
	Quiet        []int64
	QuietChecked int
	// ContactDomains are the domains whose registrant contacts the
	// contacts stage compares: the whole batch, or with --all those the
	// listing gave a registrant (ContactsWanted: the registrar has
	// contacts and the mode is not off).
	ContactDomains []whmcsdb.Domain
	ContactsWanted bool
}

// planBatch is the plan stage: Plan for each domain of the selection
// (read through sel.each, in chunks with --all) against its registrar
// result; a name more than one row holds becomes an error row
// (duplicatePlan). The returned error is a database failure of an --all
// chunk.
func planBatch(ctx context.Context, o Options, sel selection, results map[string]registrar.Result) (planResult, error) {
	today := civil.DateOf(o.Now.In(o.Location))
	var out planResult
	_, canContacts := o.Registrar.(registrar.Contacts)
	out.ContactsWanted = canContacts && o.Contacts != ContactsOff
	err := sel.each(ctx, o.DB, func(d whmcsdb.Domain) {
		key := lookupName(d.Name)
		r, ok := results[key]
		if sel.All && key != "" && !ok {
			// A row renamed after the names were read has no registrar
			// reply: it is left for the next run.
			return
		}
		p := Plan(d, r, o.Settings, today)
		if ids := sel.Dups[key]; len(ids) > 1 {
			p = duplicatePlan(p, ids)
		}
		if !sel.All {
			out.Plans = append(out.Plans, p)
			return
		}
		if out.ContactsWanted && r.Found && strings.TrimSpace(r.Record.Registrant) != "" {
			out.ContactDomains = append(out.ContactDomains, d)
		}
		if p.quiet() {
			out.Quiet = append(out.Quiet, d.ID)
			if p.Record != nil {
				out.QuietChecked++
			}
			return
		}
		out.Plans = append(out.Plans, p)
	})
	if err != nil {
		return planResult{}, err
	}
	if !sel.All {
		out.ContactDomains = sel.Domains
	}
	return out, nil
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
	return !p.HasDBChange() && !p.Changed() && len(p.Notes) == 0 && len(p.Errors) == 0 && p.Unread == nil
}
