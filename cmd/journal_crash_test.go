package cmd

import (
	"fmt"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// TestJournalKillBetweenWriteAndReply: the real binary is killed (SIGKILL)
// at the moment the registrar has accepted a write and before its reply
// leaves (the simulator's hook, run after the write is applied and before
// the reply is written, kills the process and waits for it to die). Then:
//   - right after the kill, no activity row claims a registrar write the
//     registrar does not hold, and the journal holds the write as planned;
//   - the next run (a plain batch run; the domains with a planned write are
//     stamped synced just before it, so only the journal brings them back,
//     whatever the interval) finishes
//     every write: the accepted one is not sent again, the others are sent
//     once; each domain has exactly one auto-renew activity row; every
//     journal row is sent;
//   - a run after that changes nothing and adds no row.
func TestJournalKillBetweenWriteAndReply(t *testing.T) {
	const n = 6
	e := newE2E(t, e2eOptions{})
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("k%d.com", i)
		e.domain(whmcstest.DomainRow{Domain: name, RegistrationDate: "2020-01-10", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
		e.opDomain(name, "ACT", "2027-04-01", "off")
	}
	binary(t) // built before the clock of the run starts

	var (
		mu     stdsync.Mutex
		p      *proc
		exited = make(chan struct{})
		killed bool
	)
	e.op.SetHook(func(r opsim.Request) {
		if r.Method != "PUT" || r.Status != 200 {
			return
		}
		mu.Lock()
		first := !killed
		killed = true
		running := p
		mu.Unlock()
		if first {
			_ = running.cmd.Process.Kill() // SIGKILL: the write is applied, its reply not sent
		}
		<-exited // no reply leaves before the process is gone
	})
	mu.Lock()
	p = startSync(t, e, "--no-mail")
	mu.Unlock()
	go func() { p.wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(2 * time.Minute):
		t.Fatal("the run neither reached a registrar write nor ended")
	}
	e.op.SetHook(nil)
	if p.code != -1 || !killed {
		t.Fatalf("the run was not killed at a registrar write: exit %d (killed %v)\n%s", p.code, killed, p.errOut.String())
	}

	accepted := map[string]int{} // domain → PUTs the registrar applied
	ids := map[string]string{}
	for _, d := range e.op.Domains() {
		ids[fmt.Sprintf("/v1beta/domains/%d", d.ID)] = d.Domain.Name + "." + d.Domain.Extension
	}
	countPuts := func() {
		for _, r := range e.op.Requests() {
			if r.Method == "PUT" && r.Status == 200 {
				accepted[ids[r.Path]]++
			}
		}
	}
	countPuts()
	if len(accepted) == 0 {
		t.Fatal("no registrar write was accepted before the kill")
	}
	// No activity row claims a write the registrar does not hold.
	claims := func(when string) map[string]int {
		out := map[string]int{}
		for _, a := range e.activity() {
			if i := strings.Index(a, "Domain Sync: "); i >= 0 && strings.Contains(a, " auto-renew ") {
				name := strings.Fields(a[i+len("Domain Sync: "):])[0]
				out[name]++
				if d, _ := e.op.Find(name); d.Autorenew != "default" {
					t.Errorf("%s: an activity row claims auto-renew default for %s, the registrar has %q", when, name, d.Autorenew)
				}
			}
		}
		return out
	}
	if c := claims("after the kill"); len(c) != 0 {
		t.Errorf("after the kill: auto-renew activity rows %v, want none (no reply was received)", c)
	}
	planned := e.query("SELECT domain FROM " + whmcsdb.JournalChanges + " WHERE field = 'autorenew' AND state = 'planned' ORDER BY domain")
	for name := range accepted {
		if !strings.Contains(strings.Join(planned, ","), name) {
			t.Errorf("after the kill: %s's accepted write is not planned in the journal (planned: %v)", name, planned)
		}
	}
	t.Logf("killed after the registrar accepted %v; planned in the journal: %v", accepted, planned)
	// Stamp those domains synced now: a batch run does not select them
	// again for update_interval, so only the journal brings their writes
	// back ("whatever the interval").
	for _, name := range planned {
		whmcstest.Exec(t, e.dsn, "INSERT INTO tblDomainSyncOpenprovider (id, last_sync) SELECT id, NOW() FROM tbldomains WHERE domain = '"+name+"' "+
			"ON DUPLICATE KEY UPDATE last_sync = NOW()")
	}

	// The next run, a plain batch: the journal finishes the writes.
	e.op.ResetRequests()
	waitLockFree(t, e, whmcsdb.LockName(e.query("SELECT DATABASE()")[0], "sync"))
	code, out, errOut := e.run("--no-mail", "--report", "text")
	if code != 0 {
		t.Fatalf("next run: exit %d\n%s\n%s", code, out, errOut)
	}
	mustContain(t, "next run's report", out, "registrar writes left planned by earlier runs")
	countPuts()
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("k%d.com", i)
		if d, _ := e.op.Find(name); d.Autorenew != "default" {
			t.Errorf("%s: auto-renew %q after the next run, want default", name, d.Autorenew)
		}
		if accepted[name] != 1 {
			t.Errorf("%s: the registrar applied its write %d times, want once", name, accepted[name])
		}
	}
	c := claims("after the next run")
	for i := 1; i <= n; i++ {
		if name := fmt.Sprintf("k%d.com", i); c[name] != 1 {
			t.Errorf("%s: %d auto-renew activity rows after the next run, want 1", name, c[name])
		}
	}
	if left := e.query("SELECT COUNT(*) FROM " + whmcsdb.JournalChanges + " WHERE field = 'autorenew' AND state <> 'sent'"); left[0] != "0" {
		t.Errorf("%s registrar writes not sent in the journal after the next run", left[0])
	}

	// And nothing more after that.
	e.op.ResetRequests()
	acts := len(e.activity())
	if code, _, errOut := e.run("--no-mail", "--all"); code != 0 {
		t.Fatalf("third run: exit %d: %s", code, errOut)
	}
	if e.puts() != 0 || len(e.activity()) != acts {
		t.Errorf("third run: %d PUTs, %d new activity rows; want none", e.puts(), len(e.activity())-acts)
	}
}
