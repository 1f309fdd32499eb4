package cmd

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar/odr/odrsim"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// withODR adds registrars.odr (the simulator, a secret) to e's config.
func withODR(t *testing.T, e *e2e, opts odrsim.Options, secret string) *odrsim.Server {
	t.Helper()
	sim, url := odrsim.StartTB(t, opts)
	if secret == "" {
		secret = sim.APISecret()
	}
	data := readFile(t, e.cfgPath)
	block := fmt.Sprintf("  odr:\n    url: %q\n    api_key: %q\n    api_secret: %q\n    modules: [odr, ODR]\n    rate_limit: 1000\n    timeout: 10s\nreport:\n", url, sim.APIKey(), secret)
	data = strings.Replace(data, "report:\n", block, 1)
	if err := os.WriteFile(e.cfgPath, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return sim
}

func odrPuts(sim *odrsim.Server, suffix string) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Method == "PUT" && strings.HasSuffix(strings.TrimSuffix(r.Path, "/"), suffix) {
			n++
		}
	}
	return n
}

func subjects(e *e2e) []string {
	var out []string
	for _, m := range e.smtp.Messages() {
		p, err := m.Parse()
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, p.Subject)
	}
	return out
}

func TestSyncE2EODRAndOpenprovider(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	sim := withODR(t, e, odrsim.Options{Domains: []odrsim.Domain{
		{ID: 1, Name: "renew.nl", Status: "REGISTERED", AutoRenew: true, Expiration: "2027-03-01 00:00:00"},
		{ID: 2, Name: "xfer-ok.nl", Status: "REGISTERED", AutoRenew: true, Expiration: "2027-01-01 00:00:00"},
		{ID: 3, Name: "xfer-bad.nl", Status: "DELETED", AutoRenew: false, Expiration: "2024-01-01 00:00:00"},
		{ID: 4, Name: "xfer-wait.nl", Status: "PENDING", AutoRenew: false, Expiration: "2026-09-01 00:00:00"},
	}}, "")
	e.opDomain("op1.com", "ACT", "2026-05-01", "default")
	opID := e.domain(whmcstest.DomainRow{Domain: "op1.com", Status: "Active", ExpiryDate: "2026-01-01", NextDueDate: "2025-12-18", NextInvoiceDate: "2025-12-18", RegistrationDate: "2020-01-10"})
	renewID := e.domain(whmcstest.DomainRow{Domain: "renew.nl", Registrar: "ODR", Status: "Active", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15", RegistrationDate: "2020-01-10", DoNotRenew: true})
	okID := e.domain(whmcstest.DomainRow{Domain: "xfer-ok.nl", Registrar: "odr", Type: "Transfer", Status: "Pending Transfer", RegistrationDate: "2025-01-10"})
	badID := e.domain(whmcstest.DomainRow{Domain: "xfer-bad.nl", Registrar: "odr", Type: "Transfer", Status: "Pending Transfer", RegistrationDate: "2025-01-10"})
	e.domain(whmcstest.DomainRow{Domain: "xfer-wait.nl", Registrar: "odr", Type: "Transfer", Status: "Pending Transfer", RegistrationDate: "2025-01-10"})

	// --registrar limits the run.
	if code, _, stderr := e.run("--registrar", "ODR", "--dry-run"); code != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, stderr)
	}
	if code, _, _ := e.run("--registrar", "enom"); code != ExitUsage {
		t.Errorf("--registrar enom: exit %d, want %d", code, ExitUsage)
	}

	code, _, stderr := e.run()
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	subj := subjects(e)
	if len(subj) != 2 || !strings.HasPrefix(subj[0], "Domain sync (openprovider)") || !strings.HasPrefix(subj[1], "Domain sync (odr)") {
		t.Fatalf("subjects %q", subj)
	}
	if got := odrPuts(sim, "/renew-off"); got != 1 {
		t.Errorf("renew-off sent %d times, want 1", got)
	}
	if d, _ := sim.Domain("renew.nl"); d.AutoRenew {
		t.Error("renew.nl still renews at ODR")
	}
	if odrPuts(sim, "/renew-on") != 0 {
		t.Error("renew-on sent")
	}
	mustContain(t, "billing", strings.Join(e.query("SELECT id, status, expirydate, nextduedate FROM tbldomains ORDER BY id"), "\n"),
		fmt.Sprintf("%d | Active | 2026-05-01 | 2025-12-18", opID),
		fmt.Sprintf("%d | Active | 2027-01-01 | 2026-12-18", okID),
		fmt.Sprintf("%d | Pending Transfer | 0000-00-00 | 0000-00-00", badID))
	_, p := e.mailTo(1)
	mustContain(t, "odr report", p.Text, "xfer-bad.nl", "failed transfer", "xfer-wait.nl", "transfer in progress", "renew.nl", "off")
	// Each registrar has its own last-synced table holding only its rows.
	ids := e.query("SELECT id FROM tblDomainSyncOdr ORDER BY id")
	if len(ids) != 4 || ids[0] != fmt.Sprint(renewID) {
		t.Errorf("tblDomainSyncOdr ids %v", ids)
	}
	if got := e.query("SELECT id FROM tblDomainSyncOpenprovider"); len(got) != 1 || got[0] != fmt.Sprint(opID) {
		t.Errorf("tblDomainSyncOpenprovider ids %v", got)
	}

	// Next run (everything again): renew-off is never sent again.
	e.smtp.Reset()
	if code, _, stderr := e.run("--all", "--registrar", "odr"); code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	if got := odrPuts(sim, "/renew-off"); got != 1 {
		t.Errorf("after the second run renew-off was sent %d times, want 1", got)
	}
	if s := subjects(e); len(s) != 1 || !strings.HasPrefix(s[0], "Domain sync (odr)") {
		t.Errorf("--registrar odr mails %q", s)
	}
}

func (e *e2e) mailTo(i int) (string, *struct{ Subject, Text string }) {
	e.t.Helper()
	msgs := e.smtp.Messages()
	if len(msgs) <= i {
		e.t.Fatalf("only %d mails", len(msgs))
	}
	p, err := msgs[i].Parse()
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Subject, &struct{ Subject, Text string }{p.Subject, p.Text}
}

func TestSyncE2EODRLoginFails(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	withODR(t, e, odrsim.Options{Domains: []odrsim.Domain{{ID: 1, Name: "a.nl", Status: "REGISTERED", Expiration: "2027-01-01 00:00:00"}}}, "secret$wrong")
	e.opDomain("op1.com", "ACT", "2026-05-01", "default")
	opID := e.domain(whmcstest.DomainRow{Domain: "op1.com", Status: "Active", ExpiryDate: "2026-01-01", NextDueDate: "2025-12-18", NextInvoiceDate: "2025-12-18", RegistrationDate: "2020-01-10"})
	e.domain(whmcstest.DomainRow{Domain: "a.nl", Registrar: "odr", Status: "Active", ExpiryDate: "2026-01-01", RegistrationDate: "2020-01-10"})
	code, _, stderr := e.run()
	if code != ExitError {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	if strings.Contains(stderr, "secret$wrong") {
		t.Error("the secret was printed")
	}
	mustContain(t, "stderr", stderr, "odr")
	if got := e.query("SELECT expirydate FROM tbldomains WHERE id = ?", opID); got[0] != "2026-05-01" {
		t.Errorf("openprovider domain not synced: %v", got)
	}
	if s := subjects(e); len(s) != 2 || !strings.Contains(s[1], "(odr)") || !strings.Contains(s[1], "error") {
		t.Errorf("subjects %q", s)
	}
}

func TestReconcileE2E(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	sim := withODR(t, e, odrsim.Options{PerPage: 2, Domains: []odrsim.Domain{
		{ID: 1, Name: "same.nl", Status: "REGISTERED", Expiration: "2027-01-01 00:00:00"},
		{ID: 2, Name: "orphan.nl", Status: "REGISTERED", Expiration: "2027-02-01 00:00:00"},
		{ID: 3, Name: "moved.nl", Status: "REGISTERED", Expiration: "2027-01-01 00:00:00"},
		{ID: 4, Name: "late.nl", Status: "REGISTERED", Expiration: "2028-01-01 00:00:00"},
		{ID: 5, Name: "quar.nl", Status: "QUARANTINE", Expiration: "2026-01-01 00:00:00"},
		{ID: 6, Name: "gone.nl", Status: "DELETED", Expiration: "2024-01-01 00:00:00"},
		{ID: 7, Name: "xn--bcher-kva.nl", Status: "REGISTERED", Expiration: "2027-01-01 00:00:00"},
	}}, "")
	_ = sim
	for _, d := range []whmcstest.DomainRow{
		{Domain: "same.nl", Registrar: "ODR", Status: "Active", ExpiryDate: "2027-01-01"},
		{Domain: "Bücher.nl.", Registrar: "odr", Status: "Active", ExpiryDate: "2027-01-01"},
		{Domain: "moved.nl", Registrar: "openprovider", Status: "Active", ExpiryDate: "2027-01-01"},
		{Domain: "late.nl", Registrar: "odr", Status: "Active", ExpiryDate: "2027-01-01"},
		{Domain: "quar.nl", Registrar: "odr", Status: "Active", ExpiryDate: "2026-01-01"},
		{Domain: "gone.nl", Registrar: "odr", Status: "Active", ExpiryDate: "2025-01-01"},
		{Domain: "never.nl", Registrar: "odr", Status: "Pending Registration"},
		// Openprovider side.
		{Domain: "op-same.com", Status: "Active", ExpiryDate: "2026-05-01"},
		{Domain: "op-missing.com", Status: "Active", ExpiryDate: "2026-05-01"},
		{Domain: "op-late.com", Status: "Active", ExpiryDate: "2026-05-01"},
	} {
		e.domain(d)
	}
	e.opDomain("op-same.com", "ACT", "2026-05-01", "default")
	e.opDomain("op-late.com", "ACT", "2027-05-01", "default")
	e.opDomain("op-orphan.com", "ACT", "2026-05-01", "default")
	e.opDomain("same.nl", "ACT", "2027-01-01", "default") // at Openprovider, in WHMCS under odr
	before := e.checksums()

	code, stdout, stderr := e.runCmd("reconcile", "--config", e.cfgPath, "--report", "text")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if e.checksums() != before {
		t.Error("reconcile wrote to the database")
	}
	s := subjects(e)
	if len(s) != 2 {
		t.Fatalf("subjects %q", s)
	}
	if want := "Domain reconciliation (odr): 1 not in WHMCS, 2 missing at registrar, 1 under another registrar, 1 expiry mismatch, 1 status mismatch"; s[1] != want {
		t.Errorf("odr subject\n got %q\nwant %q", s[1], want)
	}
	if want := "Domain reconciliation (openprovider): 1 not in WHMCS, 2 missing at registrar, 1 under another registrar, 1 expiry mismatch"; s[0] != want {
		t.Errorf("openprovider subject\n got %q\nwant %q", s[0], want)
	}
	mustContain(t, "stdout", stdout, "orphan.nl", "exists there as deleted (status DELETED)", "never.nl", "not found", "moved.nl", "late.nl", "+365", "quar.nl", "QUARANTINE", "op-orphan.com", "op-missing.com")
	if strings.Contains(stdout, "bücher") || strings.Contains(stdout, "xn--bcher") {
		t.Errorf("the IDN was reported:\n%s", stdout)
	}
	if n := sim.Count("GET", "/domain/"); n < 4 {
		t.Errorf("ODR listing pages %d, want every page (4)", n)
	}

	// --registrar, --no-mail.
	e.smtp.Reset()
	if code, _, stderr := e.runCmd("reconcile", "--config", e.cfgPath, "--registrar", "odr", "--no-mail"); code != 0 || len(e.smtp.Messages()) != 0 {
		t.Errorf("--no-mail: exit %d, %d mails\n%s", code, len(e.smtp.Messages()), stderr)
	}
}
