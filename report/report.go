// Package report holds the run report: its model, its renderings (HTML, plain
// text, JSON) and sending it by mail.
//
// A Report is a list of sections of rows plus run totals. Every report kind
// (the sync report, later the reconciliation report) uses the same model: a
// Section is a titled table with a stable ID, its columns and its rows of
// plain-text cells. Renderers never interpret cell text: HTML escapes it
// (html/template), text and JSON carry it literally (text replaces control
// characters so a cell cannot break the layout or drive a terminal).
//
// Rows keep insertion order: the caller adds them in batch order and the
// report never sorts them. Sections keep the order they were created in;
// NewSync creates the sync sections in their fixed order, so callers cannot
// get the order wrong. Renderings omit sections that have no rows.
package report

import (
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/civil"
)

// Report kinds.
const (
	KindSync      = "sync"
	KindReconcile = "reconcile"
	KindUndo      = "undo"
)

// Stable IDs of the sync report's sections, in the order they appear.
const (
	SectionErrors    = "errors"
	SectionExpiry    = "expiry"
	SectionDueDate   = "due_date"
	SectionStatus    = "status"
	SectionAutoRenew = "auto_renew"
	SectionPrivacy   = "privacy"
	SectionContacts  = "contacts"
	SectionAttention = "attention"
	SectionWaiting   = "waiting"
)

// NoDate is how a date cell shows "no date" (NULL or 0000-00-00 in WHMCS, or
// no date sent by the registrar).
const NoDate = "no date"

// Report is one run's report.
type Report struct {
	Kind      string        // KindSync or KindReconcile
	Registrar string        // registrar module name, e.g. "openprovider"
	DryRun    bool          // nothing was written; the rows are what would change
	Started   time.Time     // zero = unknown (not shown)
	Duration  time.Duration // zero = unknown (not shown)

	// Notices are run-level banners shown above every section, e.g. that the
	// run was held because of a suspicious mass change.
	Notices []string

	// Sections in display order, including empty ones (renderings omit them).
	Sections []Section

	Totals Totals

	// RemainingDue is how many domains of the portfolio are still due for a
	// sync after this run; negative = unknown (not shown).
	RemainingDue int
}

// Totals are the run's counts of domains.
type Totals struct {
	Selected int `json:"selected"` // selected for this run
	Checked  int `json:"checked"`  // compared with the registrar's answer
	Changed  int `json:"changed"`  // with at least one change written (dry run: planned)
	Failed   int `json:"failed"`   // with an error
	Skipped  int `json:"skipped"`  // left alone (waiting, not applied, conflicts)
}

// Section is one titled table of the report.
type Section struct {
	ID      string     // stable identifier, e.g. "expiry"; unique within a report
	Title   string     // heading shown above the table
	Columns []string   // column headings
	Rows    [][]string // one cell per column, in insertion order
	Error   bool       // highlighted as errors

	// Count says how the section's rows are counted in the mail subject.
	Count Count
	// Quiet sections are listed but never by themselves make the report
	// worth mailing (see Notable), e.g. domains still waiting.
	Quiet bool
	// Total, when more than len(Rows), is the section's real count: only
	// the first rows are listed (a reconciliation of a large portfolio).
	// The subject counts Total.
	Total int
}

// Count labels a section's rows in the subject, e.g. {"change", "changes",
// "no changes"}. Rows of every section sharing the same One label are summed
// into one phrase. With an empty One the section is not counted.
type Count struct {
	One  string // label after a count of 1: "1 error"
	Many string // label after any other count: "12 errors" (empty = One)
	Zero string // phrase shown when the sum is 0 ("no changes"); empty = omitted
}

// New returns an empty report of the given kind with the given sections (in
// display order). Use it for report kinds other than the sync report.
func New(kind, registrar string, sections ...Section) *Report {
	r := &Report{Kind: kind, Registrar: registrar, RemainingDue: -1}
	r.Sections = append(r.Sections, sections...)
	return r
}

// NewSync returns an empty sync report with every sync section in its fixed
// order: errors, expiry date, next due date, status, auto-renew, WHOIS
// privacy, registrant contact, not applied / needs attention, waiting.
func NewSync(registrar string) *Report {
	r := New(KindSync, registrar)
	for _, id := range syncOrder {
		r.Sections = append(r.Sections, syncSection(id))
	}
	return r
}

var syncOrder = []string{
	SectionErrors, SectionExpiry, SectionDueDate, SectionStatus,
	SectionAutoRenew, SectionPrivacy, SectionContacts, SectionAttention, SectionWaiting,
}

var (
	countErrors    = Count{One: "error", Many: "errors"}
	countChanges   = Count{One: "change", Many: "changes", Zero: "no changes"}
	countAttention = Count{One: "needs attention", Many: "need attention"}
	countContacts  = Count{One: "contact difference", Many: "contact differences"}
)

// syncSection returns a fresh, empty sync section.
func syncSection(id string) Section {
	s := Section{ID: id}
	switch id {
	case SectionErrors:
		s.Title, s.Columns, s.Error, s.Count = "Errors: please check these domains manually", []string{"Domain", "Message"}, true, countErrors
	case SectionExpiry:
		s.Title, s.Columns, s.Count = "Expiry date", []string{"Domain", "Old date", "New date"}, countChanges
	case SectionDueDate:
		s.Title, s.Columns, s.Count = "Next due date", []string{"Domain", "Old date", "New date", "Invoice updated?", "Comments"}, countChanges
	case SectionStatus:
		s.Title, s.Columns, s.Count = "Status", []string{"Domain", "Old status", "New status"}, countChanges
	case SectionAutoRenew:
		s.Title, s.Columns, s.Count = "Auto-renew, set at the registrar", []string{"Domain", "Old setting", "New setting"}, countChanges
	case SectionPrivacy:
		s.Title, s.Columns, s.Count = "WHOIS privacy, set at the registrar", []string{"Domain", "Old", "New"}, countChanges
	case SectionContacts:
		s.Title, s.Columns, s.Count = "Registrant contact differs from the WHMCS client", []string{"Domain", "Field", "WHMCS", "ODR"}, countContacts
	case SectionAttention:
		s.Title, s.Columns, s.Count = "Not applied / needs attention", []string{"Domain", "What", "Why"}, countAttention
	case SectionWaiting:
		s.Title, s.Columns, s.Quiet = "Waiting: not yet at the registrar", []string{"Domain", "Why"}, true
	}
	return s
}

// Section returns the section with the given ID, or nil.
func (r *Report) Section(id string) *Section {
	for i := range r.Sections {
		if r.Sections[i].ID == id {
			return &r.Sections[i]
		}
	}
	return nil
}

// Add appends a row to the section with the given ID. The number of cells
// must match the section's columns.
func (r *Report) Add(id string, cells ...string) error {
	s := r.Section(id)
	if s == nil {
		return fmt.Errorf("report has no section %q", id)
	}
	if len(cells) != len(s.Columns) {
		return fmt.Errorf("report section %q has %d columns, got %d cells", id, len(s.Columns), len(cells))
	}
	s.Rows = append(s.Rows, cells)
	return nil
}

// addSync appends a row to a sync section, creating the section (at the end)
// when the report was not made by NewSync.
func (r *Report) addSync(id string, cells ...string) {
	s := r.Section(id)
	if s == nil {
		r.Sections = append(r.Sections, syncSection(id))
		s = &r.Sections[len(r.Sections)-1]
	}
	s.Rows = append(s.Rows, cells)
}

// AddError lists a domain that failed, with the reason (e.g. the registrar's
// message).
func (r *Report) AddError(domain, msg string) { r.addSync(SectionErrors, domain, msg) }

// AddExpiry lists an expiry date change.
func (r *Report) AddExpiry(domain string, old, new civil.Date) {
	r.addSync(SectionExpiry, domain, Date(old), Date(new))
}

// AddDueDate lists a next due date change; invoice says whether unpaid
// invoice items moved with it; comments may be empty.
func (r *Report) AddDueDate(domain string, old, new civil.Date, invoice bool, comments string) {
	r.addSync(SectionDueDate, domain, Date(old), Date(new), YesNo(invoice), comments)
}

// AddStatus lists a WHMCS status change.
func (r *Report) AddStatus(domain, old, new string) { r.addSync(SectionStatus, domain, old, new) }

// AddAutoRenew lists an auto-renew setting changed at the registrar, as the
// registrar names it (e.g. "default" → "off").
func (r *Report) AddAutoRenew(domain, old, new string) {
	r.addSync(SectionAutoRenew, domain, old, new)
}

// AddPrivacy lists a WHOIS privacy change made at the registrar.
func (r *Report) AddPrivacy(domain string, old, new bool) {
	r.addSync(SectionPrivacy, domain, Enabled(old), Enabled(new))
}

// AddContact lists one field in which the domain's registrant contact at
// the registrar (ODR) differs from the WHMCS client: the field (e.g.
// "email") and both values as they are stored.
func (r *Report) AddContact(domain, field, whmcs, registrar string) {
	r.addSync(SectionContacts, domain, field, whmcs, registrar)
}

// AddAttention lists something that was not applied or needs an
// administrator: what (e.g. "next due date 2025-01-01 → 2026-01-01") and why.
func (r *Report) AddAttention(domain, what, why string) {
	r.addSync(SectionAttention, domain, what, why)
}

// AddWaiting lists a domain not yet at the registrar (pending registration or
// transfer). Waiting rows never by themselves make the report Notable.
func (r *Report) AddWaiting(domain, why string) { r.addSync(SectionWaiting, domain, why) }

// AddNotice adds a run-level banner (e.g. the run was held).
func (r *Report) AddNotice(msg string) { r.Notices = append(r.Notices, msg) }

// Notable reports whether the report has anything worth mailing: a notice or
// a row in a section that is not Quiet. Whether to mail a report that is not
// notable (WHMCS's "send empty activity e-mail") is the caller's decision.
func (r *Report) Notable() bool {
	if len(r.Notices) > 0 {
		return true
	}
	for _, s := range r.Sections {
		if !s.Quiet && len(s.Rows) > 0 {
			return true
		}
	}
	return false
}

// Title names the report kind and registrar, e.g. "Domain sync (openprovider)".
func (r *Report) Title() string {
	var t string
	switch r.Kind {
	case KindSync:
		t = "Domain sync"
	case KindReconcile:
		t = "Domain reconciliation"
	case KindUndo:
		t = "Domain sync undo"
	case "":
		t = "domainsync report"
	default:
		t = "domainsync " + r.Kind
	}
	if r.Registrar != "" {
		t += " (" + r.Registrar + ")"
	}
	return oneLine(t)
}

// Subject is the mail subject: the title and the counts, e.g.
// "Domain sync (openprovider): 12 changes, 1 error", "Domain sync
// (openprovider): no changes", "[dry run] Domain sync (openprovider): 1
// change", "Domain reconciliation (odr): 3 not in WHMCS, 1 missing at
// registrar".
//
// Counts are data-driven (Section.Count): rows of sections sharing a label
// are summed, phrases appear in section order except that error sections'
// phrases come last, a zero sum shows the Zero phrase or nothing, and a
// subject with no phrase at all says "nothing to report". Counts are rows,
// not domains: one domain whose expiry and due date change is 2 changes.
func (r *Report) Subject() string {
	type group struct {
		c     Count
		n     int
		error bool
	}
	var groups []*group
	byLabel := map[string]*group{}
	for _, s := range r.Sections {
		if s.Count.One == "" {
			continue
		}
		g := byLabel[s.Count.One]
		if g == nil {
			g = &group{c: s.Count}
			byLabel[s.Count.One] = g
			groups = append(groups, g)
		}
		g.n += max(len(s.Rows), s.Total)
		g.error = g.error || s.Error
	}
	var parts []string
	for _, errorsPass := range []bool{false, true} {
		for _, g := range groups {
			if g.error != errorsPass {
				continue
			}
			switch {
			case g.n == 0 && g.c.Zero != "":
				parts = append(parts, g.c.Zero)
			case g.n == 1:
				parts = append(parts, "1 "+g.c.One)
			case g.n > 1:
				many := g.c.Many
				if many == "" {
					many = g.c.One
				}
				parts = append(parts, fmt.Sprintf("%d %s", g.n, many))
			}
		}
	}
	counts := strings.Join(parts, ", ")
	if counts == "" {
		counts = "nothing to report"
	}
	s := r.Title() + ": " + counts
	if r.DryRun {
		s = "[dry run] " + s
	}
	return oneLine(s)
}

// Date formats a date cell: ISO 8601 (YYYY-MM-DD), or NoDate for the zero
// value.
func Date(d civil.Date) string {
	if d.IsZero() {
		return NoDate
	}
	return d.String()
}

// YesNo formats a boolean cell as "yes" or "no".
func YesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// Enabled formats a boolean setting cell as "Enabled" or "Disabled".
func Enabled(b bool) string {
	if b {
		return "Enabled"
	}
	return "Disabled"
}
