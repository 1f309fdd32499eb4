package sync

// The contacts stage (ODR only): the I/O of the contact sync, whose rules
// are in contacts.go. compareContacts reads the registrant contacts and
// the WHMCS clients, plans, checks the registrar's other users of a
// contact and writes; reportContactsResult turns its result into report
// rows; syncContacts does both.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	stdsync "sync"

	"golang.org/x/sync/errgroup"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/report"
	"github.com/domainsync/domainsync/whmcsdb"
)

// contactUses picks the domains of the batch whose registrant is known.
func contactUses(domains []whmcsdb.Domain, results map[string]registrar.Result) []ContactUse {
	var uses []ContactUse
	for _, d := range domains {
		r, ok := results[lookupName(d.Name)]
		if !ok || !r.Found || r.Err != nil || r.Record.Invalid != nil || strings.TrimSpace(r.Record.Registrant) == "" {
			continue
		}
		name := r.Record.UnicodeName
		if name == "" {
			name = d.Name
		}
		uses = append(uses, ContactUse{Domain: name, Record: r.Record, ClientID: d.UserID, DomainID: d.ID})
	}
	return uses
}

// contactsResult is the contacts stage's outcome, for the report stage
// (reportContactsResult): what could not be compared, the account-level
// failures in the order they stopped something, and the contact plans
// with what happened to each.
type contactsResult struct {
	// Planned: nothing was written and nothing more asked (dry run or
	// held batch).
	Planned bool
	// Unread are the uses whose contact could not be read (error rows) or
	// whose WHMCS client was not found (attention rows), in batch order.
	Unread []contactUnread
	// Stops are the account-level failures, each with what it stopped.
	Stops []contactStop
	// Plans, and per plan the write's error and whether it was done.
	Plans   []ContactPlan
	Outcome []error
	Done    []bool
}

// contactUnread is a use whose contact was not compared: Err, its read
// failure, or (nil) its WHMCS client is missing.
type contactUnread struct {
	Use ContactUse
	Err error
}

// contactStop is an account-level failure and what it stopped.
type contactStop struct {
	What string
	Err  error
}

// syncContacts is the contacts stage with its report: compareContacts,
// then reportContactsResult, also when the stage fails (what it did is
// still reported). It does nothing once the run has an account error.
// The returned error is a database failure or the run's context ending.
func syncContacts(ctx context.Context, o Options, domains []whmcsdb.Domain, results map[string]registrar.Result, res *Result, planned bool) error {
	if res.AccountErr != nil {
		return nil // (an account failure already stopped the registrar writes)
	}
	c, err := compareContacts(ctx, o, domains, results, planned)
	reportContactsResult(res, o, c)
	return err
}

// compareContacts is the contacts stage: it compares, and in update or
// replace mode changes, the registrant contacts of the domains (those
// whose registrant the registrar gave). Before a change it asks the
// registrar which domains of the whole account use the contact
// (checkContactUsers). planned: nothing is written and nothing more is
// asked (dry run or held batch). Past the Deadline nothing is done.
// Registrar failures are in the result; the returned error is a database
// failure or the run's context ending (with what was done so far).
func compareContacts(ctx context.Context, o Options, domains []whmcsdb.Domain, results map[string]registrar.Result, planned bool) (contactsResult, error) {
	out := contactsResult{Planned: planned}
	cr, ok := o.Registrar.(registrar.Contacts)
	if o.Contacts == ContactsOff || !ok || o.pastDeadline() {
		return out, nil
	}
	uses := contactUses(domains, results)
	if len(uses) == 0 {
		return out, nil
	}
	var clientIDs []int64
	var ids []string
	for _, u := range uses {
		clientIDs = append(clientIDs, u.ClientID)
		if !slices.Contains(ids, u.Record.Registrant) {
			ids = append(ids, u.Record.Registrant)
		}
	}
	clients, err := o.DB.Clients(ctx, clientIDs)
	if err != nil {
		return out, err
	}

	// Each distinct contact once, with the client's concurrency.
	have := map[string]registrar.Contact{}
	readErr := map[string]error{}
	var mu stdsync.Mutex
	accountErr := eachContact(ctx, clientConcurrency(o), ids, func(ctx context.Context, id string) error {
		c, err := cr.GetContact(ctx, id)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			readErr[id] = err
		} else {
			have[id] = c
		}
		return err
	})
	if accountErr != nil {
		out.Stops = append(out.Stops, contactStop{"registrant contacts not compared", accountErr})
		return out, nil
	}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	for _, u := range uses {
		if err := readErr[u.Record.Registrant]; err != nil {
			out.Unread = append(out.Unread, contactUnread{Use: u, Err: err})
		} else if _, ok := clients[u.ClientID]; !ok {
			out.Unread = append(out.Unread, contactUnread{Use: u})
		}
	}

	plans := PlanContacts(o.Contacts, uses, have, clients, ContactClients(uses, nil))
	if !planned {
		// Only a run that changes contacts asks the registrar who else uses
		// them: report mode, a dry run and a held batch send nothing more.
		var stop error
		if plans, stop, err = checkContactUsers(ctx, o, cr, plans); err != nil {
			return out, err
		}
		if stop != nil {
			out.Stops = append(out.Stops, contactStop{"registrant contacts not changed", stop})
		}
	}
	out.Plans = plans
	out.Outcome = make([]error, len(plans))
	out.Done = make([]bool, len(plans))
	if !planned {
		if stop := writeContacts(ctx, o, cr, plans, out.Outcome, out.Done); stop != nil {
			out.Stops = append(out.Stops, contactStop{"registrant contact changes stopped", stop})
		}
	}
	return out, nil
}

// reportContactsResult is the report of the contacts stage: the contacts
// not compared, the account failures (the first one the run's AccountErr
// unless it has one), then every difference and what was done about it.
func reportContactsResult(res *Result, o Options, c contactsResult) {
	rep := res.Report
	for _, u := range c.Unread {
		if u.Err != nil {
			rep.AddError(u.Use.Domain, "registrant contact "+u.Use.Record.Registrant+" not read: "+u.Err.Error())
		} else {
			rep.AddAttention(u.Use.Domain, "registrant contact not compared", fmt.Sprintf("WHMCS client #%d (tbldomains.userid) not found in tblclients", u.Use.ClientID))
		}
	}
	for _, s := range c.Stops {
		accountFailure(o, res, s.What, s.Err)
	}
	reportContacts(rep, c.Plans, c.Outcome, c.Done, c.Planned)
}

// checkContactUsers lists, for each contact a plan would change, every
// domain of the registrar account using it (each contact once, at the
// client's concurrency), reads the WHMCS clients holding those domains in
// one query, and lets CheckContactUsers decide. An account-level failure
// is returned as stop, and no contact is changed. The returned error is a
// database failure or the run's context ending.
func checkContactUsers(ctx context.Context, o Options, cr registrar.Contacts, plans []ContactPlan) (_ []ContactPlan, stop, err error) {
	var ids []string
	for _, p := range plans {
		if (p.Action == ContactUpdate || p.Action == ContactReplace) && !slices.Contains(ids, p.ContactID) {
			ids = append(ids, p.ContactID)
		}
	}
	if len(ids) == 0 {
		return plans, nil, nil
	}
	users := map[string]ContactUsers{}
	var mu stdsync.Mutex
	accountErr := eachContact(ctx, clientConcurrency(o), ids, func(ctx context.Context, id string) error {
		if o.pastDeadline() {
			return nil // not listed: not changed
		}
		names, err := cr.DomainsUsingContact(ctx, id)
		mu.Lock()
		defer mu.Unlock()
		users[id] = ContactUsers{Domains: names, Err: err}
		return err
	})
	if accountErr != nil {
		out := slices.Clone(plans)
		for i := range out {
			if out[i].Action == ContactUpdate || out[i].Action == ContactReplace {
				out[i].Action, out[i].Want = ContactReport, registrar.Contact{}
			}
		}
		return out, accountErr, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var names []string
	for _, u := range users {
		if u.Err == nil {
			names = append(names, u.Domains...)
		}
	}
	owners := map[string][]int64{}
	if len(names) > 0 {
		slices.Sort(names)
		if owners, err = o.DB.DomainOwners(ctx, slices.Compact(names)); err != nil {
			return nil, nil, err
		}
	}
	return CheckContactUsers(plans, users, owners), nil, nil
}

// eachContact calls fn for each contact id, at most conc at a time. The
// first account-level failure fn returns stops the calls not yet started
// (as does ctx ending) and is returned; fn's other errors are its own to
// keep.
func eachContact(ctx context.Context, conc int, ids []string, fn func(ctx context.Context, id string) error) (accountErr error) {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for _, id := range ids {
		g.Go(func() error {
			if gctx.Err() != nil {
				return nil // stopped: not asked
			}
			if err := fn(gctx, id); err != nil && registrar.IsAccountLevel(err) {
				return err // (the group's first error: Wait returns it)
			}
			return nil
		})
	}
	return g.Wait()
}

// writeContacts applies the update and replace plans, bounded by the
// client's concurrency via its own limits; the first account-level failure
// stops the rest and is returned.
func writeContacts(ctx context.Context, o Options, cr registrar.Contacts, plans []ContactPlan, outcome []error, done []bool) (stop error) {
	var mu stdsync.Mutex
	var accountErr error
	g, gctx := errgroup.WithContext(ctx)
	limit := o.PushConcurrency
	if limit <= 0 {
		limit = 4
	}
	g.SetLimit(limit)
	for i, p := range plans {
		if p.Action != ContactUpdate && p.Action != ContactReplace {
			continue
		}
		g.Go(func() error {
			mu.Lock()
			stop := accountErr != nil
			mu.Unlock()
			if stop || gctx.Err() != nil || o.pastDeadline() {
				return nil
			}
			// Journalled planned before the write, sent or failed after
			// it: one row per domain and field (contact changes are not
			// undone, but history shows them).
			ids, jerr := journalContact(ctx, o, p)
			if jerr != nil {
				mu.Lock()
				outcome[i] = jerr
				mu.Unlock()
				return nil
			}
			var err error
			if p.Action == ContactUpdate {
				err = cr.UpdateContact(gctx, p.Want)
			} else {
				var id string
				if id, err = cr.CreateContact(gctx, p.Want); err == nil {
					for _, u := range p.Uses {
						if e := cr.SetDomainContacts(gctx, u.Record, map[registrar.ContactRole]string{registrar.RoleRegistrant: id}); e != nil {
							err = fmt.Errorf("new contact %s created, but %s still points at contact %s: %w", id, u.Domain, p.ContactID, e)
							break
						}
					}
				}
			}
			if jerr := settleContact(ctx, o, ids, err); jerr != nil && err == nil {
				err = jerr
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && registrar.IsAccountLevel(err) && accountErr == nil {
				accountErr = err
			}
			outcome[i], done[i] = err, err == nil
			return nil
		})
	}
	_ = g.Wait()
	return accountErr
}

// journalContact journals a contact change as planned: one row per domain
// using the contact and per field that differs (replace: the registrant).
func journalContact(ctx context.Context, o Options, p ContactPlan) ([]int64, error) {
	if o.runID <= 0 {
		return nil, nil
	}
	var ids []int64
	for _, u := range p.Uses {
		diffs := p.Diffs
		if p.Action == ContactReplace {
			diffs = []ContactDiff{{Field: "registrant (new contact)", WHMCS: "new contact from WHMCS client #" + fmt.Sprint(p.ClientID), Registrar: p.ContactID}}
		}
		for _, d := range diffs {
			id, err := o.DB.JournalPlanned(ctx, whmcsdb.JournalChange{RunID: o.runID, DomainID: u.DomainID, UserID: u.ClientID, Domain: u.Domain,
				Field: whmcsdb.FieldContact, Detail: d.Field, Old: whmcsdb.Str(d.Registrar), New: whmcsdb.Str(d.WHMCS)})
			if err != nil {
				return ids, err
			}
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// settleContact moves a contact change's journal rows to sent (no activity
// row: contact changes are reported, not logged) or, refused, to failed.
// After a transport failure they stay planned; the next run marks them
// failed and compares the contact again.
func settleContact(ctx context.Context, o Options, ids []int64, err error) error {
	for _, id := range ids {
		switch {
		case err == nil:
			if _, jerr := o.DB.PushAccepted(ctx, id, 0, "", 0); jerr != nil {
				return jerr
			}
		case registrar.KindOf(err) != registrar.KindUnavailable && !registrar.IsAccountLevel(err):
			if jerr := o.DB.PushFailed(ctx, id, 0); jerr != nil {
				return jerr
			}
		}
	}
	return nil
}

// reportContacts lists every difference (Domain | Field | WHMCS | ODR),
// why a difference was not acted on, the failures, and a notice naming the
// contacts updated or replaced (with the owner-change warning).
func reportContacts(rep *report.Report, plans []ContactPlan, outcome []error, done []bool, planned bool) {
	var updated, replaced []string
	for i, p := range plans {
		for _, u := range p.Uses {
			for _, d := range p.Diffs {
				rep.AddContact(u.Domain, d.Field, d.WHMCS, d.Registrar)
			}
			switch {
			case p.Why != "":
				rep.AddAttention(u.Domain, "registrant contact not changed", p.Why)
			case p.Err != nil:
				rep.AddError(u.Domain, "registrant contact not changed: "+p.Err.Error())
			case outcome[i] != nil:
				rep.AddError(u.Domain, fmt.Sprintf("registrant contact not %sd at the registrar: %v", p.Action, outcome[i]))
			case p.Action == ContactUpdate && (planned || done[i]):
				updated = append(updated, u.Domain)
			case p.Action == ContactReplace && (planned || done[i]):
				replaced = append(replaced, u.Domain)
			}
		}
	}
	verb := func(did, would string) string {
		if planned {
			return would
		}
		return did
	}
	// A dry run or held batch does not ask the registrar who else uses a
	// contact (checkContactUsers); the notices say a real run does.
	check := verb("", " A real run first checks the registrar's whole portfolio and changes no contact that a domain of another WHMCS client, or one WHMCS does not hold, also uses.")
	if len(updated) > 0 {
		rep.AddNotice(fmt.Sprintf("contacts: update: the registrant contact %s updated in place with the WHMCS client's details (name and company unchanged) for %s.%s",
			verb("was", "would be"), nameList(updated), check))
	}
	if len(replaced) > 0 {
		rep.AddNotice(fmt.Sprintf("contacts: replace: a new registrant contact %s created from the WHMCS client and set as registrant of %s. "+
			"Registries may treat this as an owner change and mail the old owner.%s", verb("was", "would be"), nameList(replaced), check))
	}
}

// nameList joins names for a notice, at most 20 of them.
func nameList(names []string) string {
	const most = 20
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
}

// accountFailure records an account-level registrar failure of the
// contact sync: the run's one account error (unless one is recorded
// already) and one report row saying what stopped.
func accountFailure(o Options, res *Result, what string, err error) {
	if res.AccountErr == nil {
		res.AccountErr = err
	}
	res.Report.AddError("("+o.Registrar.Name()+" account)", what+": "+err.Error())
}

// clientConcurrency is the registrar client's number of requests at once
// (4 when it does not say).
func clientConcurrency(o Options) int {
	if c, ok := o.Registrar.(interface{ Concurrency() int }); ok && c.Concurrency() > 0 {
		return c.Concurrency()
	}
	return 4
}
