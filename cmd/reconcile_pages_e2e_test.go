package cmd

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/registrar/openprovider"
	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/report"
	dsync "github.com/domainsync/domainsync/sync"
)

// TestReconcileOpenproviderPagesE2E (issue 10): "domainsync reconcile" over
// an Openprovider portfolio of 2,500 domains, read in 3 listing pages of
// 1000, with differences of all four kinds planted on different pages.
// Each planted difference is reported once, in its section, and nothing
// else is; every page is read exactly once; nothing is written.
func TestReconcileOpenproviderPagesE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("MariaDB")
	}
	const n = 2500
	gen := opsim.Generate(n, 11)
	// A clean portfolio: every domain live and active with a renewal date,
	// so that only the planted rows differ. The listing is in id order, so
	// the domain at index i is on page i/1000+1.
	for i := range gen {
		d := &gen[i]
		d.Status, d.IsDeleted, d.DeletedAt = "ACT", false, opsim.NoDate
		d.DeleteStatus, d.SoftQuarantineExpiryDate, d.HardQuarantineExpiryDate, d.QuarantineExpirationDate, d.RestorableUntil = "", "", "", "", ""
		if d.RenewalDate == "" {
			d.RenewalDate = opsim.GenerateRef.AddDate(0, 0, 100+i%200).Format(opsim.DateLayout)
			d.ExpirationDate = d.RenewalDate
		}
	}
	// The planted domains keep their id (hence their page) and get a
	// telling name.
	rename := func(i int, full string) {
		name, ext, _ := strings.Cut(full, ".")
		gen[i].Domain = opsim.DomainName{Name: name, Extension: ext}
	}
	const (
		iOrphan1  = 7    // page 1: at the registrar, not in WHMCS
		iOrphan3  = 2450 // page 3: at the registrar, not in WHMCS
		iDeleted  = 1234 // page 2: deleted at the registrar (DEL), Active in WHMCS
		iOther    = 1777 // page 2: in WHMCS under another registrar
		iLate     = 321  // page 1: expiry 100 days apart
		iTolerant = 888  // page 1: expiry 1 day apart (within the tolerance)
		iStatus   = 2222 // page 3: Expired in WHMCS, ACT at the registrar
	)
	rename(iOrphan1, "plant-orphan-page1.com")
	rename(iOrphan3, "plant-orphan-page3.com")
	rename(iDeleted, "plant-deleted.com")
	gen[iDeleted].Status = "DEL"
	rename(iOther, "plant-other.com")
	rename(iLate, "plant-late.com")
	rename(iTolerant, "plant-tolerant.com")
	rename(iStatus, "plant-status.com")
	// Only in the registrar's deleted listing (is_deleted=true), Active in WHMCS.
	gone := gen[0]
	gone.ID = gen[len(gen)-1].ID + 1
	gone.Domain = opsim.DomainName{Name: "plant-gone", Extension: "com"}
	gone.IsDeleted = true
	gone.Status = "DEL"
	gen = append(gen, gone)
	iGone := len(gen) - 1

	e := newE2E(t, e2eOptions{Sim: opsim.Options{Domains: gen}})

	// WHMCS: one row per registrar domain (expiry = the renewal day),
	// except the planted differences, plus rows the reconciliation must not
	// report (other registrars' domains, a Cancelled domain of ours).
	type row struct{ name, registrar, status, expiry string }
	var rows []row
	for i, d := range gen {
		exp := d.RenewalDate[:10]
		r := row{d.FullName(), "openprovider", "Active", exp}
		switch i {
		case iOrphan1, iOrphan3:
			continue
		case iGone:
			r.expiry = exp
		case iOther:
			r.registrar = "enom"
		case iLate:
			r.expiry = shiftDay(t, exp, -100)
		case iTolerant:
			r.expiry = shiftDay(t, exp, 1)
		case iStatus:
			r.status = "Expired"
		}
		rows = append(rows, r)
	}
	rows = append(rows,
		row{"plant-missing.com", "openprovider", "Active", "2026-06-01"},    // not at the registrar at all
		row{"old-cancelled.com", "openprovider", "Cancelled", "2024-06-01"}, // not expected there
		row{"elsewhere.com", "enom", "Active", "2026-06-01"},                // not ours
	)
	for i := range 30 {
		rows = append(rows, row{fmt.Sprintf("enom-only%d.net", i), "enom", "Active", "2026-07-01"})
	}
	const cols = "(userid, type, registrationdate, domain, registrar, registrationperiod, expirydate, status, nextduedate, nextinvoicedate, donotrenew, firstpaymentamount, recurringamount, subscriptionid, additionalnotes, paymentmethod, reminders)"
	for start := 0; start < len(rows); start += 500 {
		chunk := rows[start:min(start+500, len(rows))]
		var vals []string
		var args []any
		for _, r := range chunk {
			vals = append(vals, "(7,'Register','2020-01-01',?,?,1,?,?,?,?,0,'0.00','10.00','','','banktransfer','')")
			args = append(args, r.name, r.registrar, r.expiry, r.status, r.expiry, r.expiry)
		}
		if _, err := e.db.Exec("INSERT INTO tbldomains "+cols+" VALUES "+strings.Join(vals, ","), args...); err != nil {
			t.Fatalf("seeding tbldomains: %v", err)
		}
	}
	before := e.checksums()
	e.op.ResetRequests()

	code, stdout, stderr := e.runCmd("reconcile", "--config", e.cfgPath, "--registrar", "openprovider", "--report", "json", "--no-mail")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if e.checksums() != before {
		t.Error("reconcile wrote to the database")
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Errorf("--no-mail: %d mails sent", n)
	}

	// Every live page exactly once, one page of the deleted listing, nothing
	// else but the login.
	pages, deletedPages, logins := map[string]int{}, 0, 0
	for _, r := range e.op.Requests() {
		switch {
		case r.Path == "/v1beta/auth/login":
			logins++
		case r.Method == "GET" && r.Path == "/v1beta/domains" && strings.Contains(r.Query, "offset=") && strings.Contains(r.Query, "is_deleted=true"):
			deletedPages++
		case r.Method == "GET" && r.Path == "/v1beta/domains" && strings.Contains(r.Query, "offset=") && !strings.Contains(r.Query, "is_deleted=true"):
			pages[r.Query]++
		default:
			t.Errorf("unexpected request %s %s?%s", r.Method, r.Path, r.Query)
		}
	}
	if want := (n + openprovider.PageSize - 1) / openprovider.PageSize; len(pages) != want || logins != 1 {
		t.Errorf("%d distinct listing pages, %d logins; want %d and 1: %v", len(pages), logins, want, pages)
	}
	if deletedPages != 1 {
		t.Errorf("%d pages of the deleted listing, want 1", deletedPages)
	}
	for q, c := range pages {
		if c != 1 {
			t.Errorf("listing page %q requested %d times", q, c)
		}
	}

	var rep report.JSONReport
	if err := json.NewDecoder(strings.NewReader(stdout)).Decode(&rep); err != nil {
		t.Fatalf("decoding the JSON report: %v\n%s", err, stdout)
	}
	if rep.Kind != report.KindReconcile || rep.Registrar != "openprovider" {
		t.Errorf("kind %q, registrar %q", rep.Kind, rep.Registrar)
	}
	if rep.Totals.Checked != n+1 { // the live portfolio and plant-gone.com from the deleted listing
		t.Errorf("checked %d registrar domains, want %d", rep.Totals.Checked, n+1)
	}
	exp := func(i int) string { return gen[i].RenewalDate[:10] }
	want := map[string][][]string{
		dsync.SectionNotInWHMCS: {
			{"plant-orphan-page1.com", "ACT", exp(iOrphan1)},
			{"plant-orphan-page3.com", "ACT", exp(iOrphan3)},
		},
		dsync.SectionMissingAtRegistar: {
			{"plant-deleted.com", "Active", exp(iDeleted), "exists there as deleted (status DEL)"},
			{"plant-gone.com", "Active", exp(iGone), "exists there as deleted (status DEL)"},
			{"plant-missing.com", "Active", "2026-06-01", "not found"},
		},
		dsync.SectionOtherRegistrar: {
			{"plant-other.com", "enom", "Active", "ACT"},
		},
		dsync.SectionExpiryMismatch: {
			{"plant-late.com", shiftDay(t, exp(iLate), -100), exp(iLate), "+100"},
		},
		dsync.SectionStatusMismatch: {
			{"plant-status.com", "Expired", "ACT", "Active"},
		},
	}
	got := map[string][][]string{}
	for _, s := range rep.Sections {
		if _, dup := got[s.ID]; dup {
			t.Errorf("section %q twice", s.ID)
		}
		rows := slices.Clone(s.Rows)
		slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(strings.Join(a, "|"), strings.Join(b, "|")) })
		got[s.ID] = rows
	}
	for id, w := range want {
		if !slices.EqualFunc(got[id], w, slices.Equal) {
			t.Errorf("section %s:\n got %q\nwant %q", id, got[id], w)
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("unexpected section %s: %q", id, g)
		}
	}
	if wantSubj := "Domain reconciliation (openprovider): 2 not in WHMCS, 3 missing at registrar, 1 under another registrar, 1 expiry mismatch, 1 status mismatch"; rep.Subject != wantSubj {
		t.Errorf("subject\n got %q\nwant %q", rep.Subject, wantSubj)
	}
	if len(rep.Notices) != 0 {
		t.Errorf("notices: %q", rep.Notices)
	}
}

// shiftDay moves a YYYY-MM-DD date by days.
func shiftDay(t *testing.T, date string, days int) string {
	t.Helper()
	d, err := civil.ParseDate(date)
	if err != nil {
		t.Fatalf("date %q: %v", date, err)
	}
	return d.AddDays(days).String()
}
