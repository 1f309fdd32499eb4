package cmd

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"

	"github.com/spf13/pflag"

	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

func TestSyncE2EDryRun(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	seedMixed(e)
	before := e.checksums()
	billing := e.billing()
	code, out, errOut := e.run("--dry-run")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if after := e.checksums(); after != before {
		t.Errorf("--dry-run changed the database:\n%s\nwas\n%s", after, before)
	}
	if e.billing() != billing {
		t.Error("--dry-run changed WHMCS rows")
	}
	if e.syncTableExists() {
		t.Error("--dry-run created the last-sync table")
	}
	for _, r := range e.op.Requests() {
		if r.Method != "GET" && r.Path != "/v1beta/auth/login" {
			t.Errorf("--dry-run sent %s %s", r.Method, r.Path)
		}
	}
	e.checkRequests()
	if n := len(e.smtp.Messages()); n != 0 {
		t.Errorf("--dry-run sent %d mails", n)
	}
	mustContain(t, "dry-run stdout", out, mixedReportRows...)
	mustContain(t, "dry-run stdout", out, "[dry run] Domain sync (openprovider): 26 changes, 4 need attention, 5 errors")

	// The same database then synced for real gives the mixed result.
	if code, _, errOut := e.run(); code != 0 {
		t.Fatalf("real run after the dry run: exit %d: %s", code, errOut)
	}
	golden(t, "mixed/db.txt", e.billing())

	// With the sync table in place and something to change, a dry run
	// still leaves every table as it was (last_sync included).
	e.op.Update(e.opID(t, "same.com"), func(d *opsim.Domain) { d.RenewalDate = "2027-05-20 00:00:00" })
	e.Sync = "update_interval: 0"
	e.writeConfig()
	e.op.ResetRequests()
	e.smtp.Reset()
	before = e.checksums()
	code, out, errOut = e.run("--dry-run", "--report", "html")
	if code != 0 || errOut != "" {
		t.Fatalf("second dry run: exit %d, stderr %q", code, errOut)
	}
	if after := e.checksums(); after != before {
		t.Errorf("the second --dry-run changed the database:\n%s\nwas\n%s", after, before)
	}
	mustContain(t, "dry-run html", out, "<html", "same.com", "2027-05-20")
	if n := e.puts(); n != 0 {
		t.Errorf("--dry-run sent %d PUTs", n)
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Errorf("--dry-run sent %d mails", n)
	}
}

// seedPlain adds n Active domains dN.com, each renewed at the registrar by
// a month (so that each has a change), and returns their ids.
func seedPlain(e *e2e, n int) []int64 {
	var ids []int64
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("d%02d.com", i)
		ids = append(ids, e.domain(whmcstest.DomainRow{Domain: name, RegistrationDate: "2020-01-10",
			ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"}))
		e.opDomain(name, "ACT", "2027-04-01", "default")
	}
	return ids
}

func TestSyncE2EBatchAndInterval(t *testing.T) {
	e := newE2E(t, e2eOptions{Sync: "batch_size: 10\nupdate_interval: 1h"})
	ids := seedPlain(e, 25)
	syncedIDs := func() []string {
		return e.query("SELECT id FROM tblDomainSyncOpenprovider ORDER BY id")
	}
	idList := func(from, to int) []string {
		var out []string
		for _, id := range ids[from:to] {
			out = append(out, strconv.FormatInt(id, 10))
		}
		return out
	}
	for run, want := range []int{10, 20, 25} {
		e.op.ResetRequests()
		e.smtp.Reset()
		if code, out, errOut := e.run(); code != 0 || out != "" || errOut != "" {
			t.Fatalf("run %d: exit %d, stdout %q, stderr %q", run+1, code, out, errOut)
		}
		if got := syncedIDs(); strings.Join(got, ",") != strings.Join(idList(0, want), ",") {
			t.Errorf("run %d: synced %v, want the first %d by id", run+1, got, want)
		}
		changed := e.query("SELECT COUNT(*) FROM tbldomains WHERE expirydate = '2027-04-01'")[0]
		if changed != strconv.Itoa(want) {
			t.Errorf("run %d: %s domains changed, want %d", run+1, changed, want)
		}
		e.checkRequests()
		_, p := e.onlyMail()
		n := want - run*10
		mustContain(t, fmt.Sprintf("run %d mail", run+1), p.Text, fmt.Sprintf("Totals: selected %d, checked %d, changed %d", n, n, n))
		if run < 2 {
			mustContain(t, fmt.Sprintf("run %d mail", run+1), p.Text, fmt.Sprintf("%d domains remain due", 25-want))
		}
	}
	// A fourth run: nothing is due within the interval; no registrar call,
	// no mail (nothing to report).
	e.op.ResetRequests()
	e.smtp.Reset()
	if code, out, errOut := e.run(); code != 0 || out != "" || errOut != "" {
		t.Fatalf("run 4: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if n := len(e.op.Requests()); n != 0 {
		t.Errorf("run 4 sent %d registrar requests, want none", n)
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Errorf("run 4 sent %d mails, want none", n)
	}
	// Two hours later every domain is due again: the oldest first.
	whmcstest.Exec(t, e.dsn, "UPDATE tblDomainSyncOpenprovider SET last_sync = last_sync - INTERVAL 2 HOUR WHERE id <= "+strconv.FormatInt(ids[14], 10))
	e.smtp.Reset()
	if code, _, errOut := e.run(); code != 0 {
		t.Fatalf("run 5: exit %d: %s", code, errOut)
	}
	stale := e.query("SELECT id FROM tblDomainSyncOpenprovider WHERE last_sync < NOW() - INTERVAL 30 MINUTE ORDER BY id")
	if strings.Join(stale, ",") != strings.Join(idList(10, 15), ",") {
		t.Errorf("after run 5, not synced again: %v; want %v (run 5 takes the 10 oldest)", stale, idList(10, 15))
	}
}

func TestSyncE2EDomainAndAll(t *testing.T) {
	e := newE2E(t, e2eOptions{Sync: "batch_size: 2"})
	m := seedMixed(e)
	code, out, errOut := e.run("--domain", "renewed.com", "--domain", "BÜCHER.de", "--domain", "nowhere.com", "--domain", "cancelled.com", "--report", "text")
	if code != 0 || errOut != "" {
		t.Fatalf("--domain: exit %d, stderr %q", code, errOut)
	}
	mustContain(t, "--domain report", out, "renewed.com", "bücher.de", "2027-09-15",
		"nowhere.com", "cancelled.com", "not found in WHMCS", "selected 2,")
	synced := e.query("SELECT id FROM tblDomainSyncOpenprovider ORDER BY id")
	want := []string{strconv.FormatInt(m.ids["renewed.com"], 10), strconv.FormatInt(m.ids["bücher.de"], 10)}
	if strings.Join(synced, ",") != strings.Join(want, ",") {
		t.Errorf("--domain synced %v, want %v", synced, want)
	}
	if got := e.query("SELECT expirydate FROM tbldomains WHERE id = ?", m.ids["invoice-own.com"])[0]; got != "2027-02-01" {
		t.Errorf("--domain changed another domain: invoice-own.com expiry %s", got)
	}
	e.checkRequests()

	// --all: the whole portfolio in one run, read with the list call.
	e.op.ResetRequests()
	e.smtp.Reset()
	if code, out, errOut := e.run("--all"); code != 0 || out != "" || errOut != "" {
		t.Fatalf("--all: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	golden(t, "mixed/db.txt", e.billing())
	e.checkRequests()
	perDomain := 0
	for _, r := range e.op.Requests() {
		if r.Method == "GET" && strings.HasPrefix(r.Path, "/v1beta/domains/") && r.Path != "/v1beta/domains/" {
			perDomain++
		}
	}
	if lists := e.op.Count("GET", "/v1beta/domains"); lists == 0 {
		t.Error("--all did not list the portfolio")
	}
	if perDomain != 0 {
		t.Errorf("--all sent %d per-domain GETs", perDomain)
	}
	_, p := e.onlyMail()
	mustContain(t, "--all mail", p.Text, "Totals: selected 29,")
}

func TestSyncE2EVerboseAndUsage(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 1)
	code, out, errOut := e.run("-v")
	if code != 0 || out != "" {
		t.Fatalf("-v: exit %d stdout %q", code, out)
	}
	mustContain(t, "-v stderr", errOut, "run finished", "report mailed")
	if strings.Contains(errOut, e.op.Password()) {
		t.Error("-v logged the registrar password")
	}
	for _, args := range [][]string{
		{"--all", "--domain", "x.com"},
		{"--report", "pdf"},
		{"--log-format", "xml"},
		{"--no-such-flag"},
		{"extra-argument"},
	} {
		code, _, errOut := e.run(args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
	if n := e.puts(); n != 0 {
		t.Errorf("%d PUTs", n)
	}
}

func TestSyncHelpDocumentsEveryFlag(t *testing.T) {
	var out, errOut strings.Builder
	if code := Main([]string{"sync", "--help"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	c := NewCmdSync(&IOStreams{})
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !strings.Contains(out.String(), "--"+f.Name) || f.Usage == "" {
			t.Errorf("--help does not document --%s", f.Name)
		}
	})
	mustContain(t, "--help", out.String(), "--dry-run", "--domain", "--all", "Exit status", "75")
}

func TestSyncE2EGuardHoldsThenForce(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 5)
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("gone%02d.com", i)
		e.domain(whmcstest.DomainRow{Domain: name, RegistrationDate: "2020-01-10", ExpiryDate: "2026-11-01", NextDueDate: "2026-10-18", NextInvoiceDate: "2026-10-18"})
		e.opDomain(name, "DEL", "2026-11-01", "default")
	}
	billing := e.billing()
	// A dry run shows the held batch.
	code, out, errOut := e.run("--dry-run")
	if code != 0 {
		t.Errorf("dry run of a held batch: exit %d, want 0 (it applies nothing anyway)", code)
	}
	mustContain(t, "dry-run stdout", out, "gone01.com", "held: suspicious mass change")
	mustContain(t, "dry-run stderr", errOut, "--force")
	code, out, errOut = e.run()
	if code != 1 || out != "" {
		t.Fatalf("exit %d stdout %q, want 1", code, out)
	}
	mustContain(t, "stderr", errOut, "held by the mass-change guard", "--force")
	if e.billing() != billing {
		t.Error("a held batch wrote to WHMCS")
	}
	if n := len(e.query("SELECT id FROM tblDomainSyncOpenprovider")); n != 0 {
		t.Errorf("a held batch recorded last_sync for %d domains", n)
	}
	_, p := e.onlyMail()
	mustContain(t, "held mail", p.Text, "gone01.com", "d01.com")

	e.smtp.Reset()
	if code, out, errOut := e.run("--force"); code != 0 || out != "" {
		t.Fatalf("--force: exit %d stdout %q stderr %q", code, out, errOut)
	}
	if n := e.query("SELECT COUNT(*) FROM tbldomains WHERE status = 'Expired'")[0]; n != "5" {
		t.Errorf("%s domains Expired after --force, want 5", n)
	}
}

func TestSyncE2EEditedDuringRun(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	ids := seedPlain(e, 3)
	// The admin's edit lands while the registrar is being read (the hook
	// runs before the first read is answered), so before any write.
	var hookErr error
	var once stdsync.Once
	edited := false
	e.op.SetHook(func(r opsim.Request) {
		if r.Method == "GET" {
			once.Do(func() {
				_, hookErr = e.db.Exec("UPDATE tbldomains SET expirydate = '2027-03-05' WHERE id = ?", ids[1])
				edited = true
			})
		}
	})
	code, out, errOut := e.run()
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, errOut)
	}
	if hookErr != nil || !edited {
		t.Fatalf("the edit during the run did not happen: %v", hookErr)
	}
	got := e.query("SELECT expirydate, nextduedate FROM tbldomains ORDER BY id")
	want := []string{"2027-04-01 | 2027-03-18", "2027-03-05 | 2027-02-15", "2027-04-01 | 2027-03-18"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows %q, want %q (the admin's edit kept, nothing else written for d02)", got, want)
	}
	_, p := e.onlyMail()
	mustContain(t, "mail", p.Text, "d02.com", "edited in WHMCS during the run")
}

func TestSyncE2EReportJSON(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 2)
	code, out, errOut := e.run("--report", "json", "--no-mail")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("--report json printed no JSON: %v\n%s", err, out)
	}
	mustContain(t, "json", out, "d01.com", "2027-04-01")
	if n := len(e.smtp.Messages()); n != 0 {
		t.Errorf("--no-mail sent %d mails", n)
	}
}

func TestSyncE2ESendEmpty(t *testing.T) {
	e := newE2E(t, e2eOptions{Report: "send_empty: true"})
	e.domain(whmcstest.DomainRow{Domain: "same.com", RegistrationDate: "2020-01-10", ExpiryDate: "2027-05-01", NextDueDate: "2027-04-17", NextInvoiceDate: "2027-04-17"})
	e.opDomain("same.com", "ACT", "2027-05-01", "default")
	if code, out, errOut := e.run(); code != 0 || out != "" || errOut != "" {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, errOut)
	}
	_, p := e.onlyMail()
	if want := "Domain sync (openprovider): no changes"; p.Subject != want {
		t.Errorf("subject %q, want %q", p.Subject, want)
	}
	// Without send_empty, nothing to report means no mail.
	e.Report = ""
	e.Sync = "update_interval: 0"
	e.writeConfig()
	e.smtp.Reset()
	if code, _, errOut := e.run(); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Errorf("%d mails for a run with nothing to report", n)
	}
}

// Names as WHMCS may store them (case, blanks) still match the registrar.
func TestSyncE2EStoredNameForms(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.domain(whmcstest.DomainRow{Domain: "Mixed-Case.COM", RegistrationDate: "2020-01-10", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
	e.domain(whmcstest.DomainRow{Domain: "xn--mnchen-3ya.de", RegistrationDate: "2020-01-10", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
	e.opDomain("mixed-case.com", "ACT", "2027-04-01", "default")
	e.opDomain("xn--mnchen-3ya.de", "ACT", "2027-04-01", "default")
	if code, out, errOut := e.run(); code != 0 || out != "" || errOut != "" {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, errOut)
	}
	got := e.query("SELECT domain, expirydate FROM tbldomains ORDER BY id")
	want := []string{"Mixed-Case.COM | 2027-04-01", "xn--mnchen-3ya.de | 2027-04-01"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows %q, want %q (names never rewritten)", got, want)
	}
	code, out, errOut := e.run("--domain", "münchen.de", "--domain", "mixed-case.com", "--dry-run")
	if code != 0 {
		t.Fatalf("--domain: exit %d: %s", code, errOut)
	}
	mustContain(t, "--domain dry run", out, "selected 2,")
	if strings.Contains(out, "not found in WHMCS") {
		t.Errorf("--domain did not match a stored name form:\n%s", out)
	}
}
