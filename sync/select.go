package sync

import (
	"context"
	"slices"
	"strings"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/whmcsdb"
)

// The select stage: which WHMCS domains this run takes, and the distinct
// registrar names the fetch stage reads. The --all chunking lives here
// alone: a batch (or --domain) is read whole; --all reads only ids and
// names first and the domains themselves in chunks of AllChunk after the
// registrar has been read (selection.each), so that memory stays flat in
// the portfolio size (BENCHMARKS.md).

// selection is what the select stage found.
type selection struct {
	// Table is the last-sync table (created unless on a dry run).
	Table string
	// Query selects the batch; finishReport counts what is still due from it.
	Query whmcsdb.BatchQuery
	// All: an --all run; Domains is then nil and each reads the domains
	// with ids up to MaxID in chunks.
	All   bool
	MaxID int64
	// Domains is the batch, read whole (not with All).
	Domains []whmcsdb.Domain
	// Count is the number of domains selected.
	Count int
	// Want is the distinct registrar names (lookupName) of the selection,
	// in order; Dups, for each name more than one row of the selection
	// holds (in the batch or not), those rows' ids.
	Want []string
	Dups map[string][]int64
	// Expect is how many domains the registrar's listing is expected to
	// hold (0: not counted): the WHMCS domains of the run's modules and
	// statuses. --all has them all; a batch counts them (one COUNT) when
	// the registrar lists only what it wants and the batch is more than
	// one wave of lookups (fetch: the first pages are requested at once).
	Expect int
	// Invalid are the domains of the modules whose tbldomains.status is
	// not a WHMCS status (read unless Names is set): report rows.
	Invalid []whmcsdb.Domain
}

// selectDomains is the select stage: it ensures the last-sync table (not
// on a dry run), reads the batch (or the names of --all, or the --domain
// names), the other rows holding one of the batch's names, and the
// domains with an invalid status.
func selectDomains(ctx context.Context, o Options) (selection, error) {
	module := o.Registrar.Name()
	modules := o.modules()
	sel := selection{Table: whmcsdb.SyncTableName(module), All: o.All}
	if !o.DryRun {
		var err error
		if sel.Table, err = o.DB.EnsureSyncTable(ctx, module); err != nil {
			return selection{}, err
		}
	}
	sel.Query = whmcsdb.BatchQuery{
		Registrars: modules,
		Statuses:   o.Settings.Statuses,
		Interval:   o.Settings.UpdateInterval,
		Limit:      o.Settings.BatchSize,
		Names:      o.Names,
		Now:        o.Now,
		SyncTable:  sel.Table,
	}
	if o.All {
		sel.Query.Interval, sel.Query.Limit = 0, 0
	}
	var (
		names []whmcsdb.DomainName // (local: a large --all selection's names go with the stage)
		err   error
	)
	if o.All {
		names, err = o.DB.SelectNames(ctx, sel.Query)
	} else if sel.Domains, err = o.DB.SelectBatch(ctx, sel.Query); err == nil && len(sel.Domains) > 0 {
		names, err = withOtherRows(ctx, o.DB, sel.Query, sel.Domains)
	}
	if err != nil {
		return selection{}, err
	}
	sel.Count = len(names)
	if !o.All {
		sel.Count = len(sel.Domains)
	}
	sel.Want, sel.Dups = selectionNames(names)
	if o.All && len(names) > 0 {
		sel.MaxID = names[len(names)-1].ID
	}
	switch _, lists := o.Registrar.(WantedLister); {
	case o.All:
		sel.Expect = sel.Count
	case lists && o.Names == nil && !LookupFirst(len(sel.Want), concurrency(o.Registrar)):
		if sel.Expect, err = o.DB.CountDomains(ctx, sel.Query); err != nil {
			return selection{}, err
		}
	}
	o.Logger.Debug("batch selected", "domains", sel.Count, "all", o.All, "names", len(o.Names))
	if o.Names == nil {
		if sel.Invalid, err = o.DB.InvalidStatusDomains(ctx, modules, whmcsStatuses); err != nil {
			return selection{}, err
		}
	}
	return sel, nil
}

// AllChunk is how many domains an --all run reads from WHMCS at a time.
var AllChunk = 5000

// each calls fn for every selected domain, in batch order: the batch held
// in memory, or, for --all, the domains read AllChunk at a time (eachChunk).
func (s selection) each(ctx context.Context, db *whmcsdb.DB, fn func(whmcsdb.Domain)) error {
	if s.All {
		return eachChunk(ctx, db, s.Query, s.MaxID, fn)
	}
	for _, d := range s.Domains {
		fn(d)
	}
	return nil
}

// eachChunk reads the domains q selects with ids up to maxID, in id order,
// AllChunk at a time (each chunk with its unpaid invoice items), and calls
// fn for each; only one chunk is in memory at a time.
func eachChunk(ctx context.Context, db *whmcsdb.DB, q whmcsdb.BatchQuery, maxID int64, fn func(whmcsdb.Domain)) error {
	q.ByID, q.AfterID, q.Limit = true, 0, max(1, AllChunk)
	for {
		chunk, err := db.SelectBatch(ctx, q)
		if err != nil {
			return err
		}
		for _, d := range chunk {
			if d.ID > maxID {
				return nil // added after the names were read: next run
			}
			fn(d)
		}
		if len(chunk) < q.Limit {
			return nil
		}
		q.AfterID = chunk[len(chunk)-1].ID
	}
}

// withOtherRows returns the batch's ids and names followed by those of
// the other rows of the selection (any last_sync) that hold one of the
// batch's names, so that a name held twice is caught even when the other
// row is not due in this batch.
func withOtherRows(ctx context.Context, db *whmcsdb.DB, q whmcsdb.BatchQuery, domains []whmcsdb.Domain) ([]whmcsdb.DomainName, error) {
	names := make([]whmcsdb.DomainName, len(domains))
	inBatch := make(map[int64]bool, len(domains))
	q.Names = nil
	for i, d := range domains {
		names[i] = whmcsdb.DomainName{ID: d.ID, Name: d.Name}
		inBatch[d.ID] = true
		if strings.TrimSpace(d.Name) != "" {
			q.Names = append(q.Names, d.Name)
		}
	}
	all := q.Names
	for len(all) > 0 { // (a few thousand names per query: placeholders are limited)
		n := min(len(all), 5000)
		q.Names, all = all[:n], all[n:]
		rows, err := db.SelectNames(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if !inBatch[r.ID] {
				inBatch[r.ID] = true
				names = append(names, r)
			}
		}
	}
	return names, nil
}

// selectionNames returns the distinct registrar names (lookupName) of the
// selection, in order, and for each name that more than one row holds,
// those rows' ids.
func selectionNames(rows []whmcsdb.DomainName) (want []string, dups map[string][]int64) {
	first := make(map[string]int64, len(rows))
	dups = map[string][]int64{}
	for _, r := range rows {
		n := lookupName(r.Name)
		if n == "" {
			continue
		}
		id, seen := first[n]
		switch {
		case !seen:
			first[n] = r.ID
			want = append(want, n)
		case len(dups[n]) == 0:
			dups[n] = []int64{id, r.ID}
		default:
			dups[n] = append(dups[n], r.ID)
		}
	}
	for _, ids := range dups {
		slices.Sort(ids)
	}
	return want, dups
}

// lookupName is the key a domain's registrar result is stored under.
func lookupName(name string) string {
	ascii, _, err := registrar.NormalizeName(name)
	if err != nil {
		return ""
	}
	return ascii
}
