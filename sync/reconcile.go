package sync

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/report"
)

// Section IDs of the reconciliation report, in display order.
const (
	SectionNotInWHMCS        = "not_in_whmcs"
	SectionMissingAtRegistar = "missing_at_registrar"
	SectionOtherRegistrar    = "other_registrar"
	SectionExpiryMismatch    = "expiry_mismatch"
	SectionStatusMismatch    = "status_mismatch"
)

// ReconcileStatuses are the WHMCS statuses in which a domain is expected
// at its registrar (section "missing at registrar").
var ReconcileStatuses = []string{StatusActive, StatusPending, StatusPendingRegistration, StatusPendingTransfer, StatusGrace, StatusRedemption, StatusExpired}

// DefaultMaxReconcileRows bounds the rows listed per section; the counts
// stay exact and a notice says how many were left out.
const DefaultMaxReconcileRows = 1000

// ReconcileDomain is what reconciliation needs of one tbldomains row.
type ReconcileDomain struct {
	ID        int64
	Name      string // tbldomains.domain as stored
	Registrar string // tbldomains.registrar
	Status    string // tbldomains.status
	Expiry    civil.Date
}

// ReconcileOptions configure a Reconciler.
type ReconcileOptions struct {
	Registrar string   // the registrar's name for the report ("odr")
	Modules   []string // its tbldomains.registrar values (any case); empty = Registrar
	Settings  Settings // status map (Settings.Registrar picks the defaults)
	// ExpiryTolerance is how many days the expiry dates may differ before
	// they are reported.
	ExpiryTolerance int
	MaxRows         int // per section; 0 = DefaultMaxReconcileRows
}

// Reconciler compares one registrar's portfolio with WHMCS. Feed it every
// WHMCS domain (any registrar) with AddWHMCS, then stream the registrar's
// portfolio through AddRecord, then call Report. It holds one small entry
// per WHMCS domain and one name per deleted registrar domain; registrar
// records are not kept. It writes nothing and is not safe for concurrent
// use.
type Reconciler struct {
	o       ReconcileOptions
	modules map[string]bool
	whmcs   map[string][]*recEntry // ASCII name → rows
	deleted map[string]string      // ASCII name → status code, deleted at the registrar
	rep     *report.Report
	counts  map[string]int
	badName int
}

type recEntry struct {
	d    ReconcileDomain
	ours bool
	seen bool
}

// NewReconciler returns an empty reconciler.
func NewReconciler(o ReconcileOptions) *Reconciler {
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxReconcileRows
	}
	if o.ExpiryTolerance < 0 {
		o.ExpiryTolerance = 0
	}
	mods := map[string]bool{}
	for _, m := range o.Modules {
		if m = strings.ToLower(strings.TrimSpace(m)); m != "" {
			mods[m] = true
		}
	}
	if len(mods) == 0 {
		mods[strings.ToLower(o.Registrar)] = true
	}
	return &Reconciler{o: o, modules: mods, whmcs: map[string][]*recEntry{}, deleted: map[string]string{}, counts: map[string]int{},
		rep: NewReconcileReport(o.Registrar)}
}

// NewReconcileReport returns an empty reconciliation report with its
// sections in display order.
func NewReconcileReport(registrarName string) *report.Report {
	same := report.Count{One: "expiry mismatch", Many: "expiry mismatches"}
	return report.New(report.KindReconcile, registrarName,
		report.Section{ID: SectionNotInWHMCS, Title: "At the registrar, not in WHMCS",
			Columns: []string{"Domain", "Registrar status", "Registrar expiry"}, Count: report.Count{One: "not in WHMCS"}},
		report.Section{ID: SectionMissingAtRegistar, Title: "In WHMCS, missing at the registrar",
			Columns: []string{"Domain", "WHMCS status", "WHMCS expiry", "At the registrar"}, Count: report.Count{One: "missing at registrar"}},
		report.Section{ID: SectionOtherRegistrar, Title: "At this registrar, in WHMCS under another registrar",
			Columns: []string{"Domain", "WHMCS registrar", "WHMCS status", "Registrar status"}, Count: report.Count{One: "under another registrar"}},
		report.Section{ID: SectionExpiryMismatch, Title: "Expiry dates that disagree",
			Columns: []string{"Domain", "WHMCS expiry", "Registrar expiry", "Difference (days)"}, Count: same},
		report.Section{ID: SectionStatusMismatch, Title: "Statuses that disagree",
			Columns: []string{"Domain", "WHMCS status", "Registrar status", "Expected WHMCS status"}, Count: report.Count{One: "status mismatch", Many: "status mismatches"}},
	)
}

func (r *Reconciler) ours(module string) bool {
	return r.modules[strings.ToLower(strings.TrimSpace(module))]
}

// AddWHMCS adds one tbldomains row (of any registrar). Rows whose name does
// not normalize are counted and reported in a notice.
func (r *Reconciler) AddWHMCS(d ReconcileDomain) {
	ascii, _, err := registrar.NormalizeName(d.Name)
	if err != nil {
		if r.ours(d.Registrar) {
			r.badName++
		}
		return
	}
	if st, ok := CanonicalStatus(d.Status); ok {
		d.Status = st
	}
	r.whmcs[ascii] = append(r.whmcs[ascii], &recEntry{d: d, ours: r.ours(d.Registrar)})
}

func (r *Reconciler) add(id string, cells ...string) {
	r.counts[id]++
	if r.counts[id] <= r.o.MaxRows {
		_ = r.rep.Add(id, cells...)
	}
}

// AddRecord compares one domain of the registrar's portfolio.
func (r *Reconciler) AddRecord(rec registrar.Record) {
	r.rep.Totals.Checked++
	ascii := rec.Name
	if a, _, err := registrar.NormalizeName(rec.Name); err == nil {
		ascii = a
	}
	shown := rec.UnicodeName
	if shown == "" {
		shown = ascii
	}
	deleted := rec.Deleted || rec.Family == registrar.FamilyDeleted
	if deleted {
		// Kept for "missing at registrar" (exists there as deleted); a
		// deleted domain is not expected in WHMCS.
		r.deleted[ascii] = rec.StatusCode
		return
	}
	entries := r.whmcs[ascii]
	var ours, others []*recEntry
	for _, e := range entries {
		if e.ours {
			ours = append(ours, e)
		} else {
			others = append(others, e)
		}
	}
	switch {
	case len(ours) > 0:
		for _, e := range ours {
			e.seen = true
		}
		r.compare(shown, pick(ours), rec)
	case len(others) > 0:
		e := pick(others)
		r.add(SectionOtherRegistrar, shown, e.d.Registrar, e.d.Status, statusShown(rec))
	default:
		r.add(SectionNotInWHMCS, shown, statusShown(rec), report.Date(rec.Expiry))
	}
}

// pick prefers a row WHMCS still manages (not Cancelled, Fraud or
// Transferred Away): old cancelled orders of a re-registered name are not
// compared.
func pick(es []*recEntry) *recEntry {
	for _, e := range es {
		if !isTerminal(e.d.Status) {
			return e
		}
	}
	return es[0]
}

func statusShown(rec registrar.Record) string {
	if rec.StatusCode == "" {
		return "no status sent"
	}
	return rec.StatusCode
}

// compare reports the expiry and status disagreements of one domain.
func (r *Reconciler) compare(name string, e *recEntry, rec registrar.Record) {
	d := e.d
	if !d.Expiry.IsZero() && !rec.Expiry.IsZero() {
		if n := rec.Expiry.DaysSince(d.Expiry); abs(n) > r.o.ExpiryTolerance {
			r.add(SectionExpiryMismatch, name, report.Date(d.Expiry), report.Date(rec.Expiry), fmt.Sprintf("%+d", n))
		}
	}
	if want, ok := r.expected(d.Status, rec); !ok {
		r.add(SectionStatusMismatch, name, d.Status, statusShown(rec), want)
	}
}

// expected says whether the WHMCS status agrees with the registrar code,
// and the status expected when it does not. A finer state of the same
// family agrees (Pending Transfer with a pending code; Grace or Redemption
// with an expired one); a kept code (scheduled deletion) agrees with any
// status; an unknown code never agrees.
func (r *Reconciler) expected(cur string, rec registrar.Record) (string, bool) {
	code := canonicalCode(rec.StatusCode)
	if code == CodeFAI {
		return "(the request failed at the registrar)", false
	}
	target, ok := r.o.Settings.StatusFor(code)
	switch {
	case !ok:
		return "(unknown registrar status)", false
	case target == StatusKept || target == cur:
		return target, true
	case isPendingFamily(target) && isPendingFamily(cur):
		return target, true
	case isExpiredFamily(target) && isExpiredFamily(cur):
		return target, true
	case code == "RRQ" && isExpiredFamily(cur):
		return target, true
	}
	return target, false
}

// Report lists the WHMCS domains of the registrar that were not seen
// (missing at the registrar) and returns the report.
func (r *Reconciler) Report() *report.Report {
	expected := map[string]bool{}
	for _, s := range ReconcileStatuses {
		expected[s] = true
	}
	// Map iteration order is random: collect, then sort for a stable report.
	var missing []missingRow
	for ascii, es := range r.whmcs {
		for _, e := range es {
			if !e.ours || e.seen || !expected[e.d.Status] {
				continue
			}
			missing = append(missing, missingRow{ascii, e})
		}
	}
	sortMissing(missing)
	for _, m := range missing {
		at := "not found"
		if code, ok := r.deleted[m.ascii]; ok {
			at = "exists there as deleted"
			if code != "" {
				at += " (status " + code + ")"
			}
		}
		name := m.e.d.Name
		if _, uni, err := registrar.NormalizeName(name); err == nil {
			name = uni
		}
		r.add(SectionMissingAtRegistar, name, m.e.d.Status, report.Date(m.e.d.Expiry), at)
	}
	for i := range r.rep.Sections {
		s := &r.rep.Sections[i]
		s.Total = r.counts[s.ID]
		if n := s.Total; n > len(s.Rows) {
			r.rep.AddNotice(fmt.Sprintf("%s: %d domains, the first %d listed", s.Title, n, len(s.Rows)))
		}
	}
	if r.badName > 0 {
		r.rep.AddNotice(fmt.Sprintf("%d WHMCS domains of %s have a name that is not a valid domain name; not compared", r.badName, r.o.Registrar))
	}
	r.rep.Totals.Selected = 0
	for _, es := range r.whmcs {
		for _, e := range es {
			if e.ours {
				r.rep.Totals.Selected++
			}
		}
	}
	return r.rep
}

// Counts returns the number of findings per section ID (rows listed or not).
func (r *Reconciler) Counts() map[string]int {
	out := make(map[string]int, len(r.counts))
	for k, v := range r.counts {
		out[k] = v
	}
	return out
}

type missingRow struct {
	ascii string
	e     *recEntry
}

func sortMissing(ms []missingRow) {
	slices.SortFunc(ms, func(a, b missingRow) int {
		if c := strings.Compare(a.ascii, b.ascii); c != 0 {
			return c
		}
		return cmp.Compare(a.e.d.ID, b.e.d.ID)
	})
}
