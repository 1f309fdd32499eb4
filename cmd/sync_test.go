package cmd

import (
	"html"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// golden compares got with testdata/sync/<name>, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("..", "testdata", "sync", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

// The mixed batch: every rule at least once. Dates are absolute (the
// plausibility window is ten years from today, so they stay valid for
// years); the comments say what the run must do.
type mixed struct {
	ids map[string]int64
}

func seedMixed(e *e2e) mixed {
	m := mixed{ids: map[string]int64{}}
	add := func(r whmcstest.DomainRow) {
		if r.RegistrationDate == "" {
			r.RegistrationDate = "2020-01-10"
		}
		m.ids[r.Domain] = e.domain(r)
	}
	off := func(d *opsim.Domain) { d.IsPrivateWhoisEnabled = false }
	privOn := func(d *opsim.Domain) { d.IsPrivateWhoisEnabled = true }
	notAllowed := func(d *opsim.Domain) { d.IsPrivateWhoisAllowed = false }
	_ = off

	// 1. Nothing differs.
	add(whmcstest.DomainRow{Domain: "same.com", Reminders: "30,7", ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	e.opDomain("same.com", "ACT", "2027-05-01", "default")
	// 2. Renewed at the registrar: expiry, next due and next invoice follow.
	add(whmcstest.DomainRow{Domain: "renewed.com", Reminders: "30,7", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
	e.opDomain("renewed.com", "ACT", "2027-04-01", "default")
	// 3. Unpaid invoice of this domain only: item and invoice move.
	add(whmcstest.DomainRow{Domain: "invoice-own.com", ExpiryDate: "2027-02-01", NextDueDate: "2027-01-18", NextInvoiceDate: "2027-01-18"})
	e.opDomain("invoice-own.com", "ACT", "2027-03-01", "default")
	invA := whmcstest.InsertInvoice(e.t, e.db, whmcstest.InvoiceRow{UserID: 7, Date: "2026-11-01", DueDate: "2027-01-18", Total: "10.00"})
	whmcstest.InsertItem(e.t, e.db, whmcstest.ItemRow{InvoiceID: invA, UserID: 7, Type: "Domain", RelID: m.ids["invoice-own.com"], Description: "invoice-own.com renewal", Amount: "10.00", DueDate: "2027-01-18"})
	// 4. Unpaid invoice shared with a hosting item: the domain's item
	// moves, the hosting item and the invoice's due date stay.
	add(whmcstest.DomainRow{Domain: "invoice-shared.com", ExpiryDate: "2027-02-10", NextDueDate: "2027-01-27", NextInvoiceDate: "2027-01-27"})
	e.opDomain("invoice-shared.com", "ACT", "2027-03-10", "default")
	invB := whmcstest.InsertInvoice(e.t, e.db, whmcstest.InvoiceRow{UserID: 7, Date: "2026-11-01", DueDate: "2027-01-27", Total: "30.00"})
	whmcstest.InsertItem(e.t, e.db, whmcstest.ItemRow{InvoiceID: invB, UserID: 7, Type: "Domain", RelID: m.ids["invoice-shared.com"], Description: "invoice-shared.com renewal", Amount: "10.00", DueDate: "2027-01-27"})
	whmcstest.InsertItem(e.t, e.db, whmcstest.ItemRow{InvoiceID: invB, UserID: 7, Type: "Hosting", RelID: 99, Description: "hosting", Amount: "20.00", DueDate: "2027-01-27"})
	// 5. A paid invoice never moves.
	add(whmcstest.DomainRow{Domain: "invoice-paid.com", ExpiryDate: "2027-02-20", NextDueDate: "2027-02-06", NextInvoiceDate: "2027-02-06"})
	e.opDomain("invoice-paid.com", "ACT", "2027-03-20", "default")
	invC := whmcstest.InsertInvoice(e.t, e.db, whmcstest.InvoiceRow{UserID: 7, Status: "Paid", Date: "2026-11-01", DueDate: "2027-02-06", Total: "10.00"})
	whmcstest.InsertItem(e.t, e.db, whmcstest.ItemRow{InvoiceID: invC, UserID: 7, Type: "Domain", RelID: m.ids["invoice-paid.com"], Description: "invoice-paid.com renewal", Amount: "10.00", DueDate: "2027-02-06"})
	// 6. Due date would move 365 days (> 100): expiry updates, due date not.
	add(whmcstest.DomainRow{Domain: "maxdiff.com", ExpiryDate: "2027-01-05", NextDueDate: "2026-12-22", NextInvoiceDate: "2026-12-22"})
	e.opDomain("maxdiff.com", "ACT", "2028-01-05", "default")
	// 7. No next due date: filled.
	add(whmcstest.DomainRow{Domain: "zero-due.com", ExpiryDate: "2027-06-01"})
	e.opDomain("zero-due.com", "ACT", "2027-06-01", "default")
	// 8. Only the next invoice date differs.
	add(whmcstest.DomainRow{Domain: "inv-only.com", ExpiryDate: "2027-07-01", NextDueDate: "2027-06-17", NextInvoiceDate: "2027-06-10"})
	e.opDomain("inv-only.com", "ACT", "2027-07-01", "default")
	// 9. Deleted at the registrar: Active → Expired.
	add(whmcstest.DomainRow{Domain: "expired-at-reg.com", ExpiryDate: "2026-11-01", NextDueDate: "2026-10-18", NextInvoiceDate: "2026-10-18"})
	e.opDomain("expired-at-reg.com", "DEL", "2026-11-01", "default")
	// 10, 11. Finer expired states are kept.
	add(whmcstest.DomainRow{Domain: "grace-kept.com", Status: "Grace", ExpiryDate: "2026-11-10", NextDueDate: "2026-10-27", NextInvoiceDate: "2026-10-27"})
	e.opDomain("grace-kept.com", "DEL", "2026-11-10", "default")
	add(whmcstest.DomainRow{Domain: "redemption-kept.com", Status: "Redemption", ExpiryDate: "2026-09-10", NextDueDate: "2026-08-27", NextInvoiceDate: "2026-08-27"})
	e.opDomain("redemption-kept.com", "DEL", "2026-09-10", "default")
	// 12. Restore requested: Expired is kept.
	add(whmcstest.DomainRow{Domain: "rrq.com", Status: "Expired", ExpiryDate: "2026-10-01", NextDueDate: "2026-09-17", NextInvoiceDate: "2026-09-17"})
	e.opDomain("rrq.com", "RRQ", "2026-10-01", "default")
	// 13. Transfer completed: Pending Transfer → Active with its dates.
	add(whmcstest.DomainRow{Domain: "transfer-done.com", Type: "Transfer", Status: "Pending Transfer", NextDueDate: "2027-11-01", NextInvoiceDate: "2027-11-01"})
	e.opDomain("transfer-done.com", "ACT", "2027-11-20", "default")
	// 14. Registration completed: Pending Registration → Active.
	add(whmcstest.DomainRow{Domain: "registered.com", Status: "Pending Registration"})
	e.opDomain("registered.com", "ACT", "2027-11-24", "default")
	// 15. Pending registration not at the registrar yet: waiting.
	add(whmcstest.DomainRow{Domain: "waiting-reg.com", Status: "Pending Registration"})
	// 16. FAI: error and an activity-log line, nothing else.
	add(whmcstest.DomainRow{Domain: "fai.com", ExpiryDate: "2027-05-05", NextDueDate: "2027-04-21", NextInvoiceDate: "2027-04-21"})
	e.opDomain("fai.com", "FAI", "2027-06-05", "default")
	// 17. Unknown status code: error, nothing changed.
	add(whmcstest.DomainRow{Domain: "unknown-code.com", ExpiryDate: "2027-05-05", NextDueDate: "2027-04-21", NextInvoiceDate: "2027-04-21"})
	e.opDomain("unknown-code.com", "XYZ", "2027-06-05", "default")
	// 18. Auto-renew off at the registrar, WHMCS renews: push default.
	add(whmcstest.DomainRow{Domain: "renew-push.com", ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	e.opDomain("renew-push.com", "ACT", "2027-05-01", "off")
	// 19. WHMCS says do not renew, registrar on: push off.
	add(whmcstest.DomainRow{Domain: "stop-push.com", DoNotRenew: true, ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	e.opDomain("stop-push.com", "ACT", "2027-05-01", "on")
	// 20. Registrar on, WHMCS renews: on is never downgraded.
	add(whmcstest.DomainRow{Domain: "on-kept.com", ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	e.opDomain("on-kept.com", "ACT", "2027-05-01", "on")
	// 21, 22. Privacy pushed both ways.
	add(whmcstest.DomainRow{Domain: "privacy-push.com", IDProtection: true, ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	e.opDomain("privacy-push.com", "ACT", "2027-05-01", "default")
	add(whmcstest.DomainRow{Domain: "privacy-off.com", ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	e.opDomain("privacy-off.com", "ACT", "2027-05-01", "default", privOn)
	// 23. Privacy not allowed: reported, nothing sent.
	add(whmcstest.DomainRow{Domain: "privacy-na.com", IDProtection: true, ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	e.opDomain("privacy-na.com", "ACT", "2027-05-01", "default", notAllowed)
	// 24. Not at the registrar at all: error.
	add(whmcstest.DomainRow{Domain: "gone.com", ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	// 25. Only among the registrar's deleted domains: error saying so.
	add(whmcstest.DomainRow{Domain: "deleted.com", ExpiryDate: "2026-06-01", NextDueDate: "2026-05-18", NextInvoiceDate: "2026-05-18"})
	e.opDomain("deleted.com", "DEL", "2026-06-01", "default", func(d *opsim.Domain) {
		d.IsDeleted = true
		d.DeletedAt = "2026-07-01 10:00:00"
	})
	// 26. Implausible expiry: never written, error naming the field.
	add(whmcstest.DomainRow{Domain: "implausible.com", ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	e.opDomain("implausible.com", "ACT", "2099-01-01", "default")
	// 27. Expiry moving backwards: applied, noted.
	add(whmcstest.DomainRow{Domain: "backwards.com", ExpiryDate: "2027-08-01", NextDueDate: "2027-07-18", NextInvoiceDate: "2027-07-18"})
	e.opDomain("backwards.com", "ACT", "2027-07-01", "default")
	// 28. IDN stored in Unicode, punycode at the registrar.
	add(whmcstest.DomainRow{Domain: "bücher.de", ExpiryDate: "2027-09-01", NextDueDate: "2027-08-18", NextInvoiceDate: "2027-08-18"})
	e.opDomain("xn--bcher-kva.de", "ACT", "2027-09-15", "default")
	// 29. Active → Pending would drop the domain from the sync: not applied.
	add(whmcstest.DomainRow{Domain: "to-pending.com", ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	e.opDomain("to-pending.com", "REQ", "2027-05-01", "default")
	// 30. Cancelled and another registrar's domain: never selected.
	add(whmcstest.DomainRow{Domain: "cancelled.com", Status: "Cancelled", ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	e.opDomain("cancelled.com", "ACT", "2028-05-01", "off")
	add(whmcstest.DomainRow{Domain: "other-registrar.com", Registrar: "enom", ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	e.opDomain("other-registrar.com", "ACT", "2028-05-01", "off")
	return m
}

// mustContain fails for every want missing from s.
func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, s)
		}
	}
}

// The rows of the mixed batch the report must show, as text cells.
var mixedReportRows = []string{
	"fai.com", "The domain name request has failed",
	"unknown-code.com", `unknown registrar status code "XYZ"`,
	"gone.com", "not among its deleted domains either",
	"deleted.com", "exists among deleted domains",
	"implausible.com", "implausible expiry date 2099-01-01", "renewal_date",
	"renewed.com", "2027-04-01", "invoice-own.com", "invoice #1",
	"maxdiff.com", "exceeds due_date_max_difference 100",
	"expired-at-reg.com", "transfer-done.com", "Active (transfer completed)",
	"renew-push.com", "stop-push.com", "privacy-push.com", "privacy-off.com",
	"privacy-na.com", "does not allow WHOIS privacy",
	"backwards.com", "moves backwards by 31 days",
	"bücher.de", "to-pending.com", "waiting-reg.com",
}

func TestSyncE2EMixedThenUnchanged(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	m := seedMixed(e)
	code, out, errOut := e.run()
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and silence (cron)", code, out, errOut)
	}
	golden(t, "mixed/db.txt", e.billing())
	// Sorted: the registrar writes (and so their activity rows) run concurrently.
	acts := e.activity()
	sort.Strings(acts)
	golden(t, "mixed/activity.txt", strings.Join(acts, "\n")+"\n")

	// last_sync: every selected domain, none of the others.
	synced := e.query("SELECT id FROM tblDomainSyncOpenprovider WHERE last_sync > '2000-01-01' ORDER BY id")
	if len(synced) != 29 {
		t.Errorf("last_sync recorded for %d domains, want the 29 selected: %v", len(synced), synced)
	}
	for _, n := range []string{"cancelled.com", "other-registrar.com"} {
		if slices.Contains(synced, strconv.FormatInt(m.ids[n], 10)) {
			t.Errorf("%s was synced", n)
		}
	}

	// The registrar: one login, four PUTs with the right bodies, and the
	// registrar's state after them.
	if puts := e.checkRequests(); puts != 4 {
		t.Errorf("%d PUTs, want 4 (2 auto-renew, 2 privacy)", puts)
	}
	for name, check := range map[string]func(opsim.Domain) bool{
		"renew-push.com":   func(d opsim.Domain) bool { return d.Autorenew == "default" },
		"stop-push.com":    func(d opsim.Domain) bool { return d.Autorenew == "off" },
		"on-kept.com":      func(d opsim.Domain) bool { return d.Autorenew == "on" },
		"privacy-push.com": func(d opsim.Domain) bool { return d.IsPrivateWhoisEnabled },
		"privacy-off.com":  func(d opsim.Domain) bool { return !d.IsPrivateWhoisEnabled },
		"privacy-na.com":   func(d opsim.Domain) bool { return !d.IsPrivateWhoisEnabled },
		"cancelled.com":    func(d opsim.Domain) bool { return d.Autorenew == "off" },
	} {
		d, ok := e.op.Find(name)
		if !ok || !check(d) {
			t.Errorf("%s at the registrar after the run: %+v", name, d)
		}
	}

	// The mail: subject, envelope, headers, both parts.
	msg, p := e.onlyMail()
	if want := "Domain sync (openprovider): 26 changes, 4 need attention, 5 errors"; p.Subject != want {
		t.Errorf("subject %q, want %q", p.Subject, want)
	}
	if msg.From != "domainsync@whmcs.test" || !slices.Equal(msg.To, []string{"anna@whmcs.test"}) {
		t.Errorf("envelope from %q to %v; want domainsync@whmcs.test to anna (olaf is disabled, sam's role has no System Emails)", msg.From, msg.To)
	}
	mustContain(t, "From header", p.Header.Get("From"), "domainsync@whmcs.test")
	mustContain(t, "To header", p.Header.Get("To"), "Anna Admin", "anna@whmcs.test")
	mustContain(t, "text part", p.Text, mixedReportRows...)
	mustContain(t, "text part", p.Text, "Totals: selected 29, checked 26, changed 16, failed 5, skipped 3.")
	mustContain(t, "html part", p.HTML, "<table")
	for _, r := range mixedReportRows {
		mustContain(t, "html part", p.HTML, html.EscapeString(r))
	}
	for _, n := range []string{"same.com", "on-kept.com", "cancelled.com", "other-registrar.com", "grace-kept.com"} {
		if strings.Contains(p.Text, n) || strings.Contains(p.HTML, n) {
			t.Errorf("the report lists %s, which has nothing to report", n)
		}
	}

	// A second run over the same domains (interval 0) changes nothing:
	// no WHMCS field, no PUT; the only new activity line is FAI's, which
	// is logged on every run that sees it.
	before := e.billing()
	activityBefore := e.activity()
	e.Sync = "update_interval: 0"
	e.writeConfig()
	e.op.ResetRequests()
	e.smtp.Reset()
	code, out, errOut = e.run()
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("second run: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if after := e.billing(); after != before {
		t.Errorf("the second run changed WHMCS:\n%s\nwas\n%s", after, before)
	}
	if puts := e.checkRequests(); puts != 0 {
		t.Errorf("the second run sent %d PUTs, want none", puts)
	}
	added := e.activity()[len(activityBefore):]
	if len(added) != 1 || !strings.Contains(added[0], "fai.com The domain name request has failed") {
		t.Errorf("second run activity lines %q, want only FAI's", added)
	}
	_, p = e.onlyMail()
	if want := "Domain sync (openprovider): no changes, 3 need attention, 5 errors"; p.Subject != want {
		t.Errorf("second run subject %q, want %q", p.Subject, want)
	}
}
