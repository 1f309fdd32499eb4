package cmd

// Reliability guarantees (RELIABILITY.md) that run in seconds: registrar
// faults, database faults, the --timeout deadline, the mass-change guard
// end to end, bad data, and secrets. The minute-long process trials
// (overlap, kill -9) are in reliability_test.go behind the reliability tag.

import (
	"context"
	"fmt"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// The two states a seedPlain domain may be in: wholly before or wholly
// after its change.
const (
	plainBefore = "2027-03-01 | 2027-02-15 | 2027-02-15"
	plainAfter  = "2027-04-01 | 2027-03-18 | 2027-03-18"
)

// plainState checks that every seedPlain domain is wholly before or wholly
// after its change: dates, exactly one "expiry date" activity row when
// changed (none otherwise), and a last_sync row when changed, unless its
// registrar write is still pending (the simulator still has auto-renew
// off): such a domain stays due. It returns how many are changed and how
// many rows it checked.
func plainState(t *testing.T, e *e2e) (changed, rows int) {
	t.Helper()
	synced := map[string]bool{}
	if e.syncTableExists() {
		for _, id := range e.query("SELECT id FROM tblDomainSyncOpenprovider") {
			synced[id] = true
		}
	}
	act := e.query("SELECT description FROM tblactivitylog")
	for _, r := range e.query("SELECT id, domain, expirydate, nextduedate, nextinvoicedate FROM tbldomains WHERE domain LIKE 'd%.com' ORDER BY id") {
		f := strings.SplitN(r, " | ", 3)
		id, name, dates := f[0], f[1], f[2]
		n := 0
		for _, a := range act {
			if strings.HasPrefix(a, "Domain Sync: "+name+" expiry date") {
				n++
			}
		}
		rows++
		switch dates {
		case plainBefore:
			if n != 0 {
				t.Errorf("%s unchanged but %d expiry activity rows", name, n)
			}
		case plainAfter:
			changed++
			if n != 1 {
				t.Errorf("%s changed with %d expiry activity rows, want 1", name, n)
			}
			if d, _ := e.op.Find(name); !synced[id] && d.Autorenew != "off" {
				t.Errorf("%s changed without its last_sync", name)
			}
		default:
			t.Errorf("%s is half changed: %s", name, dates)
		}
	}
	return changed, rows
}

func maxIdentical(t *testing.T, e *e2e) {
	t.Helper()
	if k, n := e.op.MaxIdentical(); n > 3 {
		t.Errorf("request %q sent %d times, want at most 3", k, n)
	}
}

func TestFaultsRegistrar(t *testing.T) {
	t.Parallel()
	const n = 12
	for _, tc := range []struct {
		name   string
		faults opsim.Faults
		during func(e *e2e) // set as the simulator's hook
		// wantExit: 0 the run completes; 1 it stops with one account error.
		wantExit int
		want     string // in stderr when wantExit is 1
		// wantChanged: the domains changed in WHMCS when wantExit is 1.
		wantChanged int
	}{
		{name: "20% HTTP 500", faults: opsim.Faults{ErrorRate: 0.2}},
		{name: "truncated bodies", faults: opsim.Faults{TruncateRate: 0.3}},
		{name: "token expiry mid-run", during: func(e *e2e) {
			// After the reads, at the first registrar write.
			var once stdsync.Once
			e.op.SetHook(func(r opsim.Request) {
				if r.Method == "PUT" {
					once.Do(e.op.ExpireTokens)
				}
			})
		}},
		{name: "maintenance mid-run", during: func(e *e2e) {
			// The first write is accepted, every later call refused: the
			// WHMCS changes (made before the pushes) stay, the pushes stop.
			var once stdsync.Once
			e.op.SetHook(func(r opsim.Request) {
				if r.Method == "PUT" {
					once.Do(func() { e.op.ChangeFaults(func(f *opsim.Faults) { f.Maintenance = true }) })
				}
			})
		}, wantExit: 1, want: "maintenance", wantChanged: n},
		{name: "rate limited", faults: opsim.Faults{RateLimited: true}, wantExit: 1, want: "rate limit"},
		{name: "every lookup fails", faults: opsim.Faults{ErrorRate: 1}, wantExit: 1, want: "openprovider"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newE2E(t, e2eOptions{Sim: opsim.Options{Seed: 7}})
			seedPlain(e, n)
			// Each domain also needs a registrar write (auto-renew off →
			// default), so that faults can land among the writes.
			for _, d := range e.op.Domains() {
				e.op.Update(d.ID, func(d *opsim.Domain) { d.Autorenew = "off" })
			}
			e.op.SetFaults(tc.faults)
			if tc.during != nil {
				tc.during(e)
			}
			start := time.Now()
			code, out, errOut := e.run("--timeout", "60s")
			if took := time.Since(start); took > 60*time.Second {
				t.Errorf("the run took %v, past its deadline", took)
			}
			if code != tc.wantExit || out != "" {
				t.Fatalf("exit %d stdout %q, want %d; stderr:\n%s", code, out, tc.wantExit, errOut)
			}
			maxIdentical(t, e)
			changed, _ := plainState(t, e)
			_, p := e.onlyMail()
			if tc.wantExit == 1 {
				mustContain(t, "stderr", errOut, tc.want)
				if c := strings.Count(p.Text, "(openprovider account)"); c != 1 {
					t.Errorf("%d account error rows in the mail, want 1:\n%s", c, p.Text)
				}
				if strings.Contains(p.Text, "not changed at the registrar") || strings.Contains(p.Text, "lookup at") || strings.Contains(p.Text, "not found") {
					t.Errorf("an account failure was reported per domain or as not found:\n%s", p.Text)
				}
				if changed != tc.wantChanged {
					t.Errorf("%d domains changed, want %d", changed, tc.wantChanged)
				}
			} else {
				// Every domain is changed, or is one error row and untouched.
				failed := strings.Count(p.Text, "lookup at openprovider failed") + strings.Count(p.Text, "invalid reply") +
					strings.Count(p.Text, "not read at the registrar")
				if changed+failed != n {
					t.Errorf("%d changed + %d error rows, want %d:\n%s", changed, failed, n, p.Text)
				}
			}
			// The next run, without faults, finishes the work.
			e.op.SetHook(nil)
			e.op.SetFaults(opsim.Faults{})
			e.Sync = "update_interval: 0"
			e.writeConfig()
			if code, _, errOut := e.run(); code != 0 {
				t.Fatalf("next run: exit %d: %s", code, errOut)
			}
			if changed, _ := plainState(t, e); changed != n {
				t.Errorf("after the next run %d of %d changed", changed, n)
			}
			for _, d := range e.op.Domains() {
				if d.Autorenew != "default" {
					t.Errorf("%s.%s auto-renew %q after the next run, want default", d.Domain.Name, d.Domain.Extension, d.Autorenew)
				}
			}
			// No write was applied twice: one auto-renew activity row each.
			for i := 1; i <= n; i++ {
				name := fmt.Sprintf("d%02d.com", i)
				if c := e.query("SELECT COUNT(*) FROM tblactivitylog WHERE description LIKE ?", "Domain Sync: "+name+" auto-renew%")[0]; c != "1" {
					t.Errorf("%s: %s auto-renew activity rows, want 1", name, c)
				}
			}
		})
	}
}

func TestFaultsAuthNeverNotFound(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 3)
	opsimWithPassword(e, "not-the-password")
	code, out, errOut := e.run("--report", "text")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	all := out + errOut
	for _, m := range e.smtp.Messages() {
		all += string(m.Data)
	}
	mustContain(t, "output", all, "authentication failed")
	for _, bad := range []string{"not found", "deleted", "Cancelled", "Expired"} {
		if strings.Contains(all, bad) {
			t.Errorf("an auth failure reported %q:\n%s", bad, all)
		}
	}
}

// TestFaultsDeadline: the registrar read is still unanswered at the
// --timeout deadline (the simulator holds its first domain read until the
// run has returned; the request timeout is far longer): the run stops at
// its deadline, applies nothing from the incomplete read, still mails the
// report, and the next run finishes the work. That the run returned at all
// while the read was held is the proof that the deadline cut it.
func TestFaultsDeadline(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 12)
	e.editConfig("timeout: 10s", "timeout: 10m")
	held := make(chan struct{})    // closed when a domain read is held
	release := make(chan struct{}) // closed once the run has returned
	var once stdsync.Once
	e.op.SetHook(func(r opsim.Request) {
		if r.Path != "/v1beta/domains" {
			return
		}
		once.Do(func() { close(held) })
		<-release
	})
	var releaseOnce stdsync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	code, out, errOut := e.run("--timeout", "3s")
	select {
	case <-held:
	default:
		t.Fatalf("no domain read reached the registrar: exit %d: %s", code, errOut)
	}
	unblock()
	if code != 0 || out != "" {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, errOut)
	}
	mustContain(t, "stderr", errOut, "--timeout deadline")
	if changed, _ := plainState(t, e); changed != 0 {
		t.Errorf("%d domains changed from a read cut by the deadline", changed)
	}
	_, p := e.onlyMail()
	mustContain(t, "mail", p.Text, "--timeout deadline", "stay due")
	e.op.SetHook(nil)
	e.smtp.Reset()
	if code, _, errOut := e.run(); code != 0 {
		t.Fatalf("next run: exit %d: %s", code, errOut)
	}
	if changed, _ := plainState(t, e); changed != 12 {
		t.Errorf("next run changed %d of 12", changed)
	}
}

// TestFaultsDeadlineDuringApply: the deadline passes while domain k is being
// written (another session holds its row until the run's deadline has
// surely passed): that write, in flight, finishes; no new domain starts; the
// report says what was done; the next run finishes the work. The only
// assumption on speed: reading 40 domains and writing 9 fit in the 8 s
// --timeout (the test fails saying so otherwise, never passes wrongly).
func TestFaultsDeadlineDuringApply(t *testing.T) {
	t.Parallel()
	const n, k = 40, 10
	const timeout = 8 * time.Second
	e := newE2E(t, e2eOptions{})
	ids := seedPlain(e, n)
	dbName := e.query("SELECT DATABASE()")[0]
	ctx := context.Background()
	watch, err := whmcstest.Open(t, e.dsn).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	var self int64
	if err := watch.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&self); err != nil {
		t.Fatal(err)
	}
	holder, release := holdRow(t, e, ids[k-1])
	type result struct {
		code        int
		out, errOut string
	}
	done := make(chan struct{})
	res := make(chan result, 1)
	go func() {
		defer close(done)
		code, out, errOut := e.run("--timeout", timeout.String())
		res <- result{code, out, errOut}
	}()
	waitBlockedAt(t, watch, dbName, k, []int64{holder, self}, done)
	// The run started before now, so its deadline is before now + timeout:
	// past that, release the row. (A wait for the run's deadline, not a
	// bet on its speed.)
	time.Sleep(timeout + 100*time.Millisecond)
	release()
	r := <-res
	if r.code != 0 || r.out != "" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.out, r.errOut)
	}
	if changed, _ := plainState(t, e); changed != k {
		t.Errorf("%d of %d changed; want the %d up to the one in flight at the deadline", changed, n, k)
	}
	_, p := e.onlyMail()
	mustContain(t, "mail", p.Text, "--timeout deadline", fmt.Sprintf("changed %d", k))
	e.smtp.Reset()
	if code, _, errOut := e.run(); code != 0 {
		t.Fatalf("next run: exit %d: %s", code, errOut)
	}
	if changed, _ := plainState(t, e); changed != n {
		t.Errorf("next run: %d of %d changed", changed, n)
	}
}

// TestFaultsGuardWholeBatchDeleted: a registrar glitch answers DEL for the
// whole batch: held, nothing applied, exit 1, the report says why; --force
// applies.
func TestFaultsGuardWholeBatchDeleted(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 8)
	for _, d := range e.op.Domains() {
		e.op.Update(d.ID, func(d *opsim.Domain) { d.Status = "DEL" })
	}
	before := e.billing()
	code, out, errOut := e.run("--report", "text")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	mustContain(t, "stdout", out, "held: suspicious mass change")
	if after := e.billing(); after != before {
		t.Error("a held batch changed WHMCS")
	}
	if n := len(e.activity()); n != 0 {
		t.Errorf("a held batch wrote %d activity rows", n)
	}
	if n := len(e.query("SELECT id FROM tblDomainSyncOpenprovider")); n != 0 {
		t.Errorf("a held batch recorded last_sync for %d domains", n)
	}
	_, p := e.onlyMail()
	mustContain(t, "mail", p.Text, "held: suspicious mass change")
	if code, _, errOut := e.run("--force"); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, errOut)
	}
	if n := e.query("SELECT COUNT(*) FROM tbldomains WHERE status <> 'Active'")[0]; n != "8" {
		t.Errorf("%s domains changed status after --force, want 8", n)
	}
}

// TestFaultsBadWHMCSData: each bad row is one error row; the rest proceeds.
func TestFaultsBadWHMCSData(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 3)
	bad := []whmcstest.DomainRow{
		{Domain: ""},
		{Domain: "   "},
		{Domain: "<script>alert(1)</script>.com"},
		{Domain: "a..b.com"},
		{Domain: "twice.com", ExpiryDate: "2027-03-01"},
		{Domain: "twice.com", ExpiryDate: "2027-03-01"},
		{Domain: "zero.com", ExpiryDate: "0000-00-00", NextDueDate: "0000-00-00"},
		{Domain: "odd-status.com", Status: "Sleeping", ExpiryDate: "2027-03-01"},
	}
	for _, r := range bad {
		r.RegistrationDate = "2020-01-10"
		e.domain(r)
	}
	// Good despite their spelling: upper case, a trailing dot, Unicode and
	// punycode.
	for _, name := range []string{"UPPER.COM", "dot.com.", "münchen.de"} {
		e.domain(whmcstest.DomainRow{Domain: name, RegistrationDate: "2020-01-10", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
	}
	for _, name := range []string{"upper.com", "dot.com", "xn--mnchen-3ya.de", "twice.com", "zero.com", "odd-status.com"} {
		e.opDomain(name, "ACT", "2027-04-01", "default")
	}
	code, out, errOut := e.run("--report", "html")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "<script>alert") {
		t.Error("the HTML report holds an unescaped <script>")
	}
	mustContain(t, "html", out, "&lt;script&gt;")
	_, p := e.onlyMail()
	if strings.Contains(p.HTML, "<script>alert") {
		t.Error("the mailed HTML holds an unescaped <script>")
	}
	if changed, _ := plainState(t, e); changed != 3 {
		t.Errorf("%d of the 3 good domains changed", changed)
	}
	for _, name := range []string{"upper.com", "dot.com", "münchen.de"} {
		mustContain(t, "mail", p.Text, name)
	}
	// One error row per bad domain (the duplicate: one per row).
	mustContain(t, "mail", p.Text, "7 errors", "WHMCS holds this domain 2 times", "a..b.com", "failed 7")
	if got := e.query("SELECT COUNT(*) FROM tbldomains WHERE domain = 'twice.com' AND expirydate = '2027-03-01'")[0]; got != "2" {
		t.Errorf("a duplicated domain was changed (%s of 2 rows unchanged)", got)
	}
	t.Logf("report:\n%s", p.Text)
}

// TestFaultsSecrets greps every output of a set of runs (stdout, stderr, the
// JSON, HTML and text reports, mails, -v logs in both formats, failures)
// for the configured passwords.
func TestFaultsSecrets(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 3)
	secrets := []string{e.op.Password()}
	var outputs []string
	for _, args := range [][]string{
		{"-v", "--report", "json"},
		{"-v", "--log-format", "json", "--report", "html", "--dry-run"},
		{"-v", "--report", "text", "--all"},
	} {
		_, out, errOut := e.run(args...)
		outputs = append(outputs, out, errOut)
	}
	e.op.SetFaults(opsim.Faults{Maintenance: true})
	_, out, errOut := e.run("-v", "--report", "json")
	outputs = append(outputs, out, errOut)
	e.op.SetFaults(opsim.Faults{})
	opsimWithPassword(e, "wrong-"+e.op.Password()+"-x")
	secrets = append(secrets, "wrong-"+e.op.Password()+"-x")
	_, out, errOut = e.run("-v", "--report", "json")
	outputs = append(outputs, out, errOut)
	for _, m := range e.smtp.Messages() {
		outputs = append(outputs, string(m.Data))
	}
	for _, r := range e.op.Requests() {
		outputs = append(outputs, r.Body, r.Query)
	}
	if len(outputs) < 10 {
		t.Fatalf("only %d outputs", len(outputs))
	}
	for _, o := range outputs {
		for _, s := range secrets {
			if strings.Contains(o, s) {
				t.Errorf("an output holds a secret:\n%s", o)
			}
		}
	}
}
