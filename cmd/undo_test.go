package cmd

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// regSettings is every domain's auto-renew and privacy at the simulated
// registrar, in name order.
func (e *e2e) regSettings() string {
	var out []string
	for _, d := range e.op.Domains() {
		out = append(out, fmt.Sprintf("%s.%s autorenew=%s privacy=%v", d.Domain.Name, d.Domain.Extension, d.Autorenew, d.IsPrivateWhoisEnabled))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// lastRun is the id of the newest run in the journal.
func (e *e2e) lastRun() string {
	e.t.Helper()
	r := e.query("SELECT MAX(id) FROM tblDomainSyncJournal")
	if len(r) != 1 || r[0] == "NULL" {
		e.t.Fatal("no run in the journal")
	}
	return r[0]
}

// The mixed batch, then undo --run: tbldomains, tblinvoices and
// tblinvoiceitems hold their earlier rows again, and the registrar its
// earlier settings; the undo is journalled, logged, mailed, and can itself
// be undone.
func TestUndoE2EMixed(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	seedMixed(e)
	before, regBefore := e.billing(), e.regSettings()
	if code, _, errOut := e.run(); code != 0 {
		t.Fatalf("sync: exit %d: %s", code, errOut)
	}
	after, regAfter := e.billing(), e.regSettings()
	if after == before || regAfter == regBefore {
		t.Fatal("the sync changed nothing")
	}
	run := e.lastRun()
	// Every change of the run is journalled: WHMCS changes applied, the
	// registrar writes sent.
	states := e.query("SELECT CONCAT(state, ' ', COUNT(*)) FROM tblDomainSyncJournalChanges WHERE run_id = " + run + " GROUP BY state ORDER BY state")
	if !slices.Equal(states, []string{"applied 35", "sent 4"}) {
		t.Errorf("journal states of the sync: %v", states)
	}
	e.smtp.Reset()
	e.op.ResetRequests()
	actsBefore := len(e.activity())

	code, out, errOut := e.runCmd("undo", "--config", e.cfgPath, "--run", run, "--report", "text")
	if code != 0 {
		t.Fatalf("undo: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := e.billing(); got != before {
		t.Errorf("after the undo, WHMCS differs from before the run:\n--- got\n%s\n--- before\n%s", got, before)
	}
	if got := e.regSettings(); got != regBefore {
		t.Errorf("after the undo, the registrar differs from before the run:\n--- got\n%s\n--- before\n%s", got, regBefore)
	}
	if puts := e.checkRequests(); puts != 4 {
		t.Errorf("%d PUTs, want the 4 registrar writes put back", puts)
	}
	undo := e.lastRun()
	// The run's rows are undone, linked to the undo run, which has its own.
	if got := e.query("SELECT COUNT(*) FROM tblDomainSyncJournalChanges WHERE run_id = " + run + " AND (state <> 'undone' OR by_run <> " + undo + ")"); got[0] != "0" {
		t.Errorf("%s rows of run %s not undone by run %s", got[0], run, undo)
	}
	if got := e.query("SELECT CONCAT(undo_of, ' ', exit_code, ' ', command) FROM tblDomainSyncJournal WHERE id = " + undo); got[0] != run+" 0 undo --run "+run {
		t.Errorf("the undo run: %v", got)
	}
	// One activity row per undone change, in the format.
	acts := e.activity()[actsBefore:]
	if len(acts) != 39 {
		t.Errorf("%d activity rows for the undo, want 39:\n%s", len(acts), strings.Join(acts, "\n"))
	}
	mustContain(t, "activity log", strings.Join(acts, "\n"),
		"Domain Sync: undo of run "+run+": renewed.com expiry date 2027-04-01 → 2027-03-01",
		"Domain Sync: undo of run "+run+": renew-push.com auto-renew default → off",
		"Domain Sync: undo of run "+run+": stop-push.com auto-renew off → on",
		"Domain Sync: undo of run "+run+": privacy-push.com ID protection on → off",
		"Domain Sync: undo of run "+run+": bücher.de expiry date 2027-09-15 → 2027-09-01",
		"Domain Sync: undo of run "+run+": expired-at-reg.com status Expired → Active")
	mustContain(t, "report", out, "Domain sync undo (openprovider)", "Put back", "invoice-own.com")
	_, p := e.onlyMail()
	if !strings.HasPrefix(p.Subject, "Domain sync undo (openprovider): 39 changes undone") {
		t.Errorf("mail subject %q", p.Subject)
	}

	// history shows both runs; the undo can be undone in turn.
	code, out, _ = e.runCmd("history", "--config", e.cfgPath)
	mustContain(t, "history", out, "undo --run "+run)
	if code, _, errOut := e.runCmd("undo", "--config", e.cfgPath, "--run", undo, "--no-mail"); code != 0 {
		t.Fatalf("undo of the undo: exit %d: %s", code, errOut)
	}
	if got := e.billing(); got != after {
		t.Errorf("after undoing the undo, WHMCS differs from after the run:\n--- got\n%s\n--- want\n%s", got, after)
	}
	if got := e.regSettings(); got != regAfter {
		t.Errorf("after undoing the undo, the registrar differs from after the run:\n--- got\n%s\n--- want\n%s", got, regAfter)
	}
	// Undoing the same run again: everything is already undone.
	code, out, _ = e.runCmd("undo", "--config", e.cfgPath, "--run", run, "--no-mail", "--report", "text")
	if code != 0 || !strings.Contains(out, "already undone by run "+undo) {
		t.Errorf("second undo of run %s: exit %d\n%s", run, code, out)
	}
}

// An administrator's edit between the run and the undo is kept and
// reported; the rest is undone; --domain limits the undo.
func TestUndoE2EAdminEditKept(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	seedMixed(e)
	if code, _, errOut := e.run(); code != 0 {
		t.Fatalf("sync: exit %d: %s", code, errOut)
	}
	run := e.lastRun()
	// The admin edits renewed.com's next due date, and turns auto-renew on
	// at the registrar for renew-push.com.
	whmcstest.Exec(t, e.dsn, "UPDATE tbldomains SET nextduedate = '2027-05-05' WHERE domain = 'renewed.com'")
	e.op.Update(e.opID(t, "renew-push.com"), func(d *opsim.Domain) { d.Autorenew = "on" })
	edited := e.query("SELECT CONCAT_WS(' ', expirydate, nextduedate, nextinvoicedate) FROM tbldomains WHERE domain = 'renewed.com'")[0]
	e.smtp.Reset()

	// --domain: only those domains.
	code, out, errOut := e.runCmd("undo", "--config", e.cfgPath, "--run", run, "--domain", "renewed.com", "--domain", "renew-push.com", "--domain", "invoice-own.com", "--report", "text")
	if code != 0 {
		t.Fatalf("undo: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := e.query("SELECT CONCAT_WS(' ', expirydate, nextduedate, nextinvoicedate) FROM tbldomains WHERE domain = 'renewed.com'")[0]; got != edited {
		t.Errorf("renewed.com: %s after the undo, want the admin's edit kept: %s", got, edited)
	}
	if d, _ := e.op.Find("renew-push.com"); d.Autorenew != "on" {
		t.Errorf("renew-push.com auto-renew %q, want the admin's on kept", d.Autorenew)
	}
	if got := e.query("SELECT CONCAT_WS(' ', expirydate, nextduedate) FROM tbldomains WHERE domain = 'invoice-own.com'")[0]; got != "2027-02-01 2027-01-18" {
		t.Errorf("invoice-own.com %s, want undone", got)
	}
	if got := e.query("SELECT CONCAT_WS(' ', expirydate) FROM tbldomains WHERE domain = 'backwards.com'")[0]; got != "2027-07-01" {
		t.Errorf("backwards.com %s: not named by --domain, must stay as the run left it", got)
	}
	mustContain(t, "report", out, "Not undone", "renewed.com",
		"next due date is 2027-05-05, not the 2027-03-18 this run wrote",
		"renew-push.com", "the registrar now holds on, not the default this run set")
	_, p := e.onlyMail()
	mustContain(t, "mail", p.Text, "renewed.com", "2027-05-05")
	// The kept rows stay as they were in the journal.
	if got := e.query("SELECT COUNT(*) FROM tblDomainSyncJournalChanges WHERE run_id = " + run + " AND domain IN ('renewed.com', 'renew-push.com') AND state = 'undone'"); got[0] != "0" {
		t.Errorf("%s kept rows marked undone", got[0])
	}
}

// undo --dry-run shows exactly what would change and writes nothing:
// every table's checksum is the same, no registrar write, no mail.
func TestUndoE2EDryRun(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	seedMixed(e)
	if code, _, errOut := e.run(); code != 0 {
		t.Fatalf("sync: exit %d: %s", code, errOut)
	}
	run := e.lastRun()
	e.smtp.Reset()
	e.op.ResetRequests()
	sums := e.checksums()
	code, out, errOut := e.runCmd("undo", "--config", e.cfgPath, "--run", run, "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if got := e.checksums(); got != sums {
		t.Errorf("a dry run changed the database:\n--- after\n%s\n--- before\n%s", got, sums)
	}
	if e.puts() != 0 || len(e.smtp.Messages()) != 0 {
		t.Errorf("a dry run sent %d PUTs and %d mails", e.puts(), len(e.smtp.Messages()))
	}
	mustContain(t, "dry-run report", out, "[dry run]", "Put back", "renewed.com", "2027-04-01", "2027-03-01",
		"renew-push.com", "auto-renew", "invoice 1 due date")
}

// A batch held by the mass-change guard changed nothing: its undo says so
// and writes nothing.
func TestUndoE2EHeldBatch(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 5)
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("gone%02d.com", i)
		e.domain(whmcstest.DomainRow{Domain: name, RegistrationDate: "2020-01-10", ExpiryDate: "2026-11-01", NextDueDate: "2026-10-18", NextInvoiceDate: "2026-10-18"})
		e.opDomain(name, "DEL", "2026-11-01", "default")
	}
	code, _, _ := e.run()
	if code != 1 {
		t.Fatalf("sync: exit %d, want 1 (held)", code)
	}
	run := e.lastRun()
	if got := e.query("SELECT CONCAT(exit_code, ' ', LEFT(note, 28)) FROM tblDomainSyncJournal WHERE id = " + run)[0]; got != "1 held: suspicious mass change" {
		t.Errorf("the held run in the journal: %q", got)
	}
	sums := e.checksums()
	code, out, errOut := e.runCmd("undo", "--config", e.cfgPath, "--run", run, "--report", "text", "--no-mail")
	if code != 0 {
		t.Fatalf("undo: exit %d: %s", code, errOut)
	}
	mustContain(t, "report", out, "was held by the mass-change guard", "nothing to undo")
	if got := e.checksums(); got != sums {
		t.Errorf("undoing a held batch wrote something")
	}
	code, _, errOut = e.runCmd("undo", "--config", e.cfgPath, "--run", "999")
	if code != 1 || !strings.Contains(errOut, "run 999 is not in the journal") {
		t.Errorf("unknown run: exit %d: %s", code, errOut)
	}
}
