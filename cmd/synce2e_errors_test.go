package cmd

// "domainsync sync" end to end when something fails: the registrar
// account, the mail server, the lock, the configuration, the pushes.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/report/mailtest"
	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

func TestSyncE2EAccountFailure(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(e *e2e)
		want   string
	}{
		{"wrong password", func(e *e2e) {
			e.op = opsimWithPassword(e, "another-password")
		}, "authentication failed"},
		{"maintenance", func(e *e2e) {
			e.op.SetFaults(opsim.Faults{Maintenance: true})
		}, "maintenance"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newE2E(t, e2eOptions{})
			seedMixed(e)
			billing := e.billing()
			tc.break_(e)
			code, out, errOut := e.run()
			if code != 1 {
				t.Fatalf("exit %d, want 1; stderr %q", code, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q", out)
			}
			// The last line is the command's one error line; the
			// client logs the stop before it (a warning-level log line).
			lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "domainsync: openprovider: "+tc.want) {
				t.Errorf("last stderr line %q, want domainsync: openprovider: %s...", last, tc.want)
			}
			if len(lines) > 2 {
				t.Errorf("stderr has %d lines:\n%s", len(lines), errOut)
			}
			if e.billing() != billing {
				t.Error("an account-level failure wrote to WHMCS")
			}
			if n := e.puts(); n != 0 {
				t.Errorf("%d PUTs", n)
			}
			if n := len(e.query("SELECT id FROM tblDomainSyncOpenprovider")); n != 0 {
				t.Errorf("last_sync recorded for %d domains after an account failure", n)
			}
			if n := len(e.query("SELECT id FROM tblactivitylog")); n != 0 {
				t.Errorf("%d activity-log lines after an account failure", n)
			}
			_, p := e.onlyMail()
			mustContain(t, "mail", p.Subject, "1 error")
			mustContain(t, "mail", p.Text, "(openprovider account)", tc.want)
		})
	}
}

// opsimWithPassword restarts nothing: it points the configuration at the
// running simulator with a wrong password.
func opsimWithPassword(e *e2e, pw string) *opsim.Server {
	cfg := strings.Replace(readFile(e.t, e.cfgPath), strconv.Quote(e.op.Password()), strconv.Quote(pw), 1)
	writeFile(e.t, e.cfgPath, cfg)
	return e.op
}

func TestSyncE2EMailRefused(t *testing.T) {
	for _, o := range []mailtest.Options{{RejectRcpt: true}, {RejectData: true}} {
		t.Run(fmt.Sprintf("%+v", o), func(t *testing.T) {
			e := newE2E(t, e2eOptions{Mail: o})
			seedPlain(e, 3)
			code, out, errOut := e.run()
			if code != 1 || out != "" {
				t.Fatalf("exit %d stdout %q, want 1", code, out)
			}
			mustContain(t, "stderr", errOut, "mail", "the database changes of this run are kept", strconv.Itoa(e.smtp.Port))
			if strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("stderr is more than one line:\n%s", errOut)
			}
			if n := e.query("SELECT COUNT(*) FROM tbldomains WHERE expirydate = '2027-04-01'")[0]; n != "3" {
				t.Errorf("%s domains changed, want 3 (kept despite the mail failure)", n)
			}
		})
	}
}

func TestSyncE2ENoRecipients(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	whmcstest.Exec(t, e.dsn, "UPDATE tbladminroles SET systememails = 0")
	seedPlain(e, 1)
	code, _, errOut := e.run()
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	mustContain(t, "stderr", errOut, "no recipients")
	// report.to overrides the admins.
	e.Report = "to: [\"Ops <ops@whmcs.test>\"]"
	e.writeConfig()
	e.Sync = "update_interval: 0"
	e.writeConfig()
	whmcstest.Exec(t, e.dsn, "UPDATE tbldomains SET expirydate = '2027-03-01'")
	if code, _, errOut := e.run(); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	msg, _ := e.onlyMail()
	if strings.Join(msg.To, ",") != "ops@whmcs.test" {
		t.Errorf("mail to %v, want ops@whmcs.test", msg.To)
	}
}

func TestSyncE2ELock(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 2)
	ctx := context.Background()
	db, err := whmcsdb.Open(ctx, e.dsn, whmcsdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	release, err := db.Lock(ctx, "sync")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := e.run()
	if code != ExitLocked || out != "" {
		t.Fatalf("exit %d stdout %q, want 75", code, out)
	}
	if lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n"); len(lines) != 1 || !strings.Contains(errOut, "lock") {
		t.Errorf("stderr %q, want one line about the lock", errOut)
	}
	if n := len(e.op.Requests()); n != 0 {
		t.Errorf("%d registrar requests while locked", n)
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Errorf("%d mails while locked", n)
	}
	release()
	if code, _, errOut := e.run(); code != 0 {
		t.Fatalf("after release: exit %d: %s", code, errOut)
	}
}

func TestSyncE2EConfigAndDatabaseErrors(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	if code, _, errOut := e.runCmd("sync", "--config", e.cfgPath+".missing"); code != 1 || errOut == "" {
		t.Errorf("missing config: exit %d, stderr %q; want 1", code, errOut)
	}
	cfg := readFile(t, e.cfgPath)
	writeFile(t, e.cfgPath, strings.Replace(cfg, "127.0.0.1:3306", "127.0.0.1:1", 1))
	code, _, errOut := e.run()
	if code != 1 || errOut == "" {
		t.Errorf("unreachable database: exit %d, stderr %q; want 1", code, errOut)
	}
	if n := len(e.op.Requests()); n != 0 {
		t.Errorf("%d registrar requests without a database", n)
	}
}

func TestSyncE2EPushFailures(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	for _, n := range []string{"p1.com", "p2.com", "p3.com"} {
		e.domain(whmcstest.DomainRow{Domain: n, RegistrationDate: "2020-01-10", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
	}
	id1 := e.opDomain("p1.com", "ACT", "2027-04-01", "off")
	e.opDomain("p2.com", "ACT", "2027-04-01", "off")
	e.opDomain("p3.com", "ACT", "2027-03-01", "default")
	// p1's update is refused (a per-domain error): the report says so,
	// no activity line claims it, the run completes.
	e.op.SetUpdateError(id1, 366, "Domain is locked by registry")
	code, out, errOut := e.run()
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, errOut)
	}
	act := strings.Join(e.activity(), "\n")
	mustContain(t, "activity", act, "p2.com auto-renew off → default", "p1.com expiry date")
	if strings.Contains(act, "p1.com auto-renew") {
		t.Errorf("the activity log claims p1's refused push:\n%s", act)
	}
	_, p := e.onlyMail()
	mustContain(t, "mail", p.Text, "p1.com", "auto-renew not changed at the registrar", "Domain is locked by registry")
	if d, _ := e.op.Find("p1.com"); d.Autorenew != "off" {
		t.Errorf("p1 autorenew %q", d.Autorenew)
	}

	// A rate limit during the pushes is account-level: WHMCS changes stay,
	// the pushes stop, the run exits 1. p2's and p3's writes are refused
	// with the rate-limit code and p1's accepted, in whatever order the
	// concurrent writes arrive (a fault switched on by the first write's
	// hook would race with the replies already decided for the others).
	whmcstest.Exec(t, e.dsn, "UPDATE tbldomains SET expirydate = '2027-03-01', nextduedate = '2027-02-15', nextinvoicedate = '2027-02-15'")
	e.op.SetUpdateError(id1, 0, "")
	for _, id := range []int64{id1 + 1, id1 + 2} {
		e.op.Update(id, func(d *opsim.Domain) { d.Autorenew = "off" })
		e.op.SetUpdateError(id, 50, "Calls limit has been reached")
	}
	e.Sync = "update_interval: 0"
	e.writeConfig()
	e.smtp.Reset()
	e.op.ResetRequests()
	code, _, errOut = e.run()
	if code != 1 {
		t.Fatalf("rate limited pushes: exit %d, want 1 (%s)", code, errOut)
	}
	mustContain(t, "stderr", errOut, "rate limited")
	puts := func(id int64) int { return e.op.Count("PUT", "/v1beta/domains/"+strconv.FormatInt(id, 10)) }
	if n := puts(id1) + puts(id1+1) + puts(id1+2); n < 1 || n > 3 {
		t.Errorf("%d PUTs, want 1 to 3 (each write at most once; none after a refusal but those in flight)", n)
	}
	if puts(id1+1)+puts(id1+2) == 0 {
		t.Error("exit 1 without a refused write")
	}
	if n := e.query("SELECT COUNT(*) FROM tbldomains WHERE expirydate = '2027-04-01'")[0]; n != "2" {
		t.Errorf("%s domains updated in WHMCS, want 2 (kept despite the push failure)", n)
	}
	_, p = e.onlyMail()
	mustContain(t, "mail", p.Text, "(openprovider account)", "registrar writes stopped")
}
