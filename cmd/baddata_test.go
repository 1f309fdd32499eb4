package cmd

// Bad data end to end (RELIABILITY.md, issue 6): what the registrar sends
// (duplicated names, unknown codes, invalid dates, wrong types, huge
// bodies), WHMCS statuses outside the enum, and the run lock's connection
// dying mid-run.

import (
	"encoding/json"
	"fmt"
	"strings"
	stdsync "sync"
	"testing"

	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/sync"
	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// badRegistrarDomain is a WHMCS domain whose registrar record is bad, and
// what its one error row must say (besides the name).
type badRegistrarDomain struct {
	name string
	mod  func(*opsim.Domain)
	want []string // in the domain's error row
}

func rawField(k, v string) func(*opsim.Domain) {
	return func(d *opsim.Domain) {
		if d.Raw == nil {
			d.Raw = map[string]json.RawMessage{}
		}
		d.Raw[k] = json.RawMessage(v)
	}
}

var badRegistrarDomains = []badRegistrarDomain{
	{name: "unknown-code.com", mod: func(d *opsim.Domain) { d.Status = "ZZZ" }, want: []string{"ZZZ"}},
	{name: "feb30.com", mod: func(d *opsim.Domain) { d.RenewalDate, d.ExpirationDate = "2025-02-30 00:00:00", "2025-02-30 00:00:00" }, want: []string{"2025-02-30"}},
	{name: "zero-date.com", mod: func(d *opsim.Domain) { d.RenewalDate, d.ExpirationDate = opsim.NoDate, opsim.NoDate }, want: []string{"0000-00-00"}},
	{name: "yesterday.com", mod: func(d *opsim.Domain) { d.RenewalDate, d.ExpirationDate = "yesterday", "yesterday" }, want: []string{"yesterday"}},
	{name: "number-date.com", mod: rawField("renewal_date", "20270401"), want: []string{"renewal_date", "20270401"}},
	{name: "number-status.com", mod: rawField("status", "7"), want: []string{"status", "7"}},
	{name: "string-id.com", mod: rawField("id", `"abc"`), want: []string{"id", "abc"}},
}

// seedBadRegistrar seeds 3 good domains (seedPlain), the bad ones, a name
// the registrar holds twice (different ids, dup.com) and a good domain with
// a 20 MB comments field (huge.com, under the client's 64 MiB cap: synced).
// It returns the WHMCS rows of the bad domains (billing columns) to check
// that nothing is written for them.
func seedBadRegistrar(e *e2e, dup bool) []badRegistrarDomain {
	seedPlain(e, 3)
	bad := append([]badRegistrarDomain(nil), badRegistrarDomains...)
	row := func(name string) {
		e.domain(whmcstest.DomainRow{Domain: name, RegistrationDate: "2020-01-10", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
	}
	for _, b := range bad {
		row(b.name)
		e.opDomain(b.name, "ACT", "2027-04-01", "default", b.mod)
	}
	if dup {
		row("dup.com")
		e.opDomain("dup.com", "ACT", "2027-04-01", "default")
		e.opDomain("dup.com", "ACT", "2027-05-01", "default")
		bad = append(bad, badRegistrarDomain{name: "dup.com", want: []string{"twice"}})
	}
	row("huge.com")
	e.opDomain("huge.com", "ACT", "2027-04-01", "default", func(d *opsim.Domain) { d.Comments = strings.Repeat("x", 20<<20) })
	return bad
}

// reportErrors returns the error rows of a JSON report: domain → messages.
func reportErrors(t *testing.T, out string) map[string][]string {
	t.Helper()
	var rep struct {
		Sections []struct {
			ID   string     `json:"id"`
			Rows [][]string `json:"rows"`
		} `json:"sections"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("the JSON report: %v\n%s", err, out)
	}
	errs := map[string][]string{}
	for _, s := range rep.Sections {
		if s.ID != "errors" {
			continue
		}
		for _, r := range s.Rows {
			if len(r) == 2 {
				errs[r[0]] = append(errs[r[0]], r[1])
			}
		}
	}
	return errs
}

// checkBadRegistrar runs once over seedBadRegistrar and checks: exit 0, no
// panic, the good domains (and huge.com) changed, exactly one error row per
// bad domain naming it, the field and the value, nothing written for any
// bad one, and no other error row.
func checkBadRegistrar(t *testing.T, e *e2e, bad []badRegistrarDomain, args ...string) {
	t.Helper()
	code, out, errOut := e.run(append([]string{"--report", "json"}, args...)...)
	if code != 0 || strings.Contains(errOut, "panic") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if changed, _ := plainState(t, e); changed != 3 {
		t.Errorf("%d of the 3 good domains changed", changed)
	}
	if got := e.query("SELECT expirydate FROM tbldomains WHERE domain = 'huge.com'")[0]; got != "2027-04-01" {
		t.Errorf("huge.com (20 MB comments) expiry %s, want synced to 2027-04-01", got)
	}
	errs := reportErrors(t, out)
	for _, b := range bad {
		msgs := errs[b.name]
		if len(msgs) != 1 {
			t.Errorf("%s: %d error rows, want 1: %q", b.name, len(msgs), msgs)
			continue
		}
		for _, w := range b.want {
			if !strings.Contains(msgs[0], w) {
				t.Errorf("%s: error row %q does not say %q", b.name, msgs[0], w)
			}
		}
		if got := e.query("SELECT CONCAT_WS(' | ', status, expirydate, nextduedate, nextinvoicedate) FROM tbldomains WHERE domain = ?", b.name)[0]; got != "Active | 2027-03-01 | 2027-02-15 | 2027-02-15" {
			t.Errorf("%s was written: %s", b.name, got)
		}
		if n := e.query("SELECT COUNT(*) FROM tblactivitylog WHERE description LIKE ?", "%"+b.name+"%")[0]; n != "0" {
			t.Errorf("%s: %s activity rows", b.name, n)
		}
		delete(errs, b.name)
	}
	if len(errs) != 0 {
		t.Errorf("unexpected error rows: %q", errs)
	}
}

// TestBadRegistrarDataLookup: the batch is read with per-name lookups.
// dup.com is left out: see TestBadRegistrarDataLookupDuplicate.
func TestBadRegistrarDataLookup(t *testing.T) {
	t.Setenv(sync.ReadStrategyEnv, "lookup")
	e := newE2E(t, e2eOptions{})
	bad := seedBadRegistrar(e, false)
	checkBadRegistrar(t, e, bad)
	if n := e.op.Count("GET", "/v1beta/domains"); n < len(bad)+4 {
		t.Errorf("%d searches: the batch was not read with lookups", n)
	}
}

// TestBadRegistrarDataAll: --all reads the listing.
func TestBadRegistrarDataAll(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	bad := seedBadRegistrar(e, true)
	checkBadRegistrar(t, e, bad, "--all")
}

// TestBadRegistrarDataLookupDuplicate: two live records of one name (ACT,
// different ids and dates) found by a lookup are one error row, as in the
// listing; nothing is written from either.
func TestBadRegistrarDataLookupDuplicate(t *testing.T) {
	t.Setenv(sync.ReadStrategyEnv, "lookup")
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 3)
	e.domain(whmcstest.DomainRow{Domain: "dup.com", RegistrationDate: "2020-01-10", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
	e.opDomain("dup.com", "ACT", "2027-04-01", "default")
	e.opDomain("dup.com", "ACT", "2027-05-01", "default")
	code, out, errOut := e.run("--report", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if msgs := reportErrors(t, out)["dup.com"]; len(msgs) != 1 {
		t.Errorf("dup.com: %d error rows, want 1", len(msgs))
	}
	if got := e.query("SELECT expirydate FROM tbldomains WHERE domain = 'dup.com'")[0]; got != "2027-03-01" {
		t.Errorf("dup.com written from one of two registrar records: %s", got)
	}
}

// TestBadStatusOutsideEnum: a tbldomains.status outside the enum (stored as
// ” under sql_mode=”) is one error row naming the domain, the field and
// the value, every run; nothing is written for it; the rest proceeds.
func TestBadStatusOutsideEnum(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 3)
	id := e.domain(whmcstest.DomainRow{Domain: "sleeping.com", Status: "Sleeping", RegistrationDate: "2020-01-10", ExpiryDate: "2027-03-01"})
	e.domain(whmcstest.DomainRow{Domain: "other-registrar.com", Registrar: "enom", Status: "Sleeping", ExpiryDate: "2027-03-01"})
	e.opDomain("sleeping.com", "ACT", "2027-04-01", "default")
	if got := e.query("SELECT status FROM tbldomains WHERE id = ?", id)[0]; got != "" {
		t.Fatalf("the enum stored %q, want ''", got)
	}
	for run := 1; run <= 2; run++ {
		code, out, errOut := e.run("--report", "json")
		if code != 0 {
			t.Fatalf("run %d: exit %d: %s", run, code, errOut)
		}
		errs := reportErrors(t, out)
		if msgs := errs["sleeping.com"]; len(msgs) != 1 || !strings.Contains(msgs[0], `tbldomains.status ""`) || !strings.Contains(msgs[0], "not a WHMCS status") {
			t.Errorf("run %d: sleeping.com error rows %q, want one naming tbldomains.status \"\"", run, msgs)
		}
		if len(errs) != 1 {
			t.Errorf("run %d: error rows %q, want only sleeping.com's", run, errs)
		}
		if changed, _ := plainState(t, e); changed != 3 {
			t.Errorf("run %d: %d of 3 good domains changed", run, changed)
		}
	}
	if got := e.query("SELECT expirydate FROM tbldomains WHERE id = ?", id)[0]; got != "2027-03-01" {
		t.Errorf("sleeping.com written: %s", got)
	}
	if n := e.query("SELECT COUNT(*) FROM tblDomainSyncOpenprovider WHERE id = ?", id)[0]; n != "0" {
		t.Error("sleeping.com got a last_sync")
	}
}

// TestBadStoredDate: a tbldomains row whose date is not a date (stored
// without NO_ZERO_IN_DATE) is one error row naming the domain, the column
// and the value, with nothing written for it; the rest of the batch is
// synced, run after run (it used to fail the whole batch).
func TestBadStoredDate(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 3)
	id := e.domain(whmcstest.DomainRow{Domain: "baddate.com", RegistrationDate: "2020-01-10", ExpiryDate: "2027-03-01", NextDueDate: "2027-00-15"})
	e.opDomain("baddate.com", "ACT", "2027-04-01", "default")
	for run := 1; run <= 2; run++ {
		code, out, errOut := e.run("--report", "json")
		if code != 0 {
			t.Fatalf("run %d: exit %d: %s", run, code, errOut)
		}
		errs := reportErrors(t, out)
		if msgs := errs["baddate.com"]; len(msgs) != 1 || !strings.Contains(msgs[0], "tbldomains.nextduedate") || !strings.Contains(msgs[0], "2027-00-15") {
			t.Errorf("run %d: baddate.com error rows %q, want one naming tbldomains.nextduedate and its value", run, msgs)
		}
		if len(errs) != 1 {
			t.Errorf("run %d: error rows %q, want only baddate.com's", run, errs)
		}
		if changed, _ := plainState(t, e); changed != 3 {
			t.Errorf("run %d: %d of 3 good domains changed", run, changed)
		}
	}
	if got := e.query("SELECT CONCAT(expirydate, ' ', nextduedate) FROM tbldomains WHERE id = ?", id)[0]; got != "2027-03-01 2027-00-15" {
		t.Errorf("baddate.com written: %s", got)
	}
	if n := e.query("SELECT COUNT(*) FROM tblDomainSyncOpenprovider WHERE id = ?", id)[0]; n != "0" {
		t.Error("baddate.com got a last_sync")
	}
}

// TestLockLostMidRun: the run lock's connection is killed (KILL CONNECTION
// from another session) while the run reads the registrar: the run stops
// before its first write with a clear error, exit 1; nothing is written;
// the next run syncs everything.
func TestLockLostMidRun(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	seedPlain(e, 5)
	lockName := whmcsdb.LockName(e.query("SELECT DATABASE()")[0], "sync")
	var once stdsync.Once
	killed := make(chan string, 1)
	e.op.SetHook(func(r opsim.Request) {
		if r.Path != "/v1beta/domains" {
			return
		}
		once.Do(func() {
			holder := e.query("SELECT IS_USED_LOCK(?)", lockName)[0]
			if holder == "NULL" {
				killed <- "the lock was not held during the read"
				return
			}
			if _, err := e.db.Exec("KILL CONNECTION " + holder); err != nil {
				killed <- err.Error()
				return
			}
			killed <- ""
		})
	})
	code, _, errOut := e.run()
	select {
	case msg := <-killed:
		if msg != "" {
			t.Fatal(msg)
		}
	default:
		t.Fatal("the lock connection was never killed")
	}
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	mustContain(t, "stderr", errOut, "run lock was lost", "stopped before")
	if changed, _ := plainState(t, e); changed != 0 {
		t.Errorf("%d domains written after the lock was lost", changed)
	}
	if e.syncTableExists() {
		if n := len(e.query("SELECT id FROM tblDomainSyncOpenprovider")); n != 0 {
			t.Errorf("%d last_sync rows written after the lock was lost", n)
		}
	}
	if n := e.puts(); n != 0 {
		t.Errorf("%d registrar writes after the lock was lost", n)
	}
	t.Logf("stderr: %s", errOut)
	e.op.SetHook(nil)
	waitLockFree(t, e, lockName)
	if code, _, errOut := e.run(); code != 0 {
		t.Fatalf("next run: exit %d: %s", code, errOut)
	}
	if changed, _ := plainState(t, e); changed != 5 {
		t.Errorf("next run: %d of 5 changed", changed)
	}
}

// TestLockLostDuringPushes: the run lock's connection is killed when the
// first registrar write arrives, and every registrar write is held at the
// registrar until the kill has completed. No write can finish (and free a
// push slot) before the lock is lost, so the writes sent are exactly those
// that had passed their lock check by then: at most the push concurrency.
// The guarantee, whatever the scheduling: the run stops starting registrar
// writes (only those in flight finish), exits 1 saying the lock was lost
// (the check that notices first may be a registrar write's or the one
// before recording last_sync), and the next run sends each remaining write
// once (--all: the domains may not be due again before update_interval).
func TestLockLostDuringPushes(t *testing.T) {
	t.Parallel()
	const n = 12
	const inFlight = 4 // the push concurrency: the registrar's concurrency in newE2E's configuration
	e := newE2E(t, e2eOptions{})
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("p%02d.com", i)
		e.domain(whmcstest.DomainRow{Domain: name, RegistrationDate: "2020-01-10",
			ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
		e.opDomain(name, "ACT", "2027-03-01", "off") // only the auto-renew differs
	}
	lockName := whmcsdb.LockName(e.query("SELECT DATABASE()")[0], "sync")
	var once stdsync.Once
	lost := make(chan struct{})
	var killErr error
	e.op.SetHook(func(r opsim.Request) {
		if r.Method != "PUT" {
			return
		}
		once.Do(func() {
			defer close(lost)
			holder := e.query("SELECT IS_USED_LOCK(?)", lockName)[0]
			if holder == "NULL" {
				killErr = fmt.Errorf("the run lock was not held at the first registrar write")
				return
			}
			_, killErr = e.db.Exec("KILL CONNECTION " + holder)
		})
		<-lost // no write is answered before the lock is lost
	})
	code, _, errOut := e.run()
	select {
	case <-lost:
	default:
		t.Fatalf("no registrar write was sent: exit %d: %s", code, errOut)
	}
	if killErr != nil {
		t.Fatal(killErr)
	}
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	mustContain(t, "stderr", errOut, "run lock was lost", "stopped before")
	first := e.puts()
	if first < 1 || first > inFlight {
		t.Errorf("%d registrar writes sent; want those in flight when the lock was lost: 1 to %d", first, inFlight)
	}
	t.Logf("%d of %d writes sent before the run stopped; stderr: %s", first, n, errOut)
	waitLockFree(t, e, lockName)

	// (Those domains' last_sync was recorded before the registrar writes:
	// a batch run would check them again after update_interval; --all now.)
	e.op.SetHook(nil)
	if code, _, errOut := e.run("--all"); code != 0 {
		t.Fatalf("next run: exit %d: %s", code, errOut)
	}
	okPuts := map[string]int{}
	for _, r := range e.op.Requests() {
		if r.Method == "PUT" && r.Status == 200 {
			okPuts[r.Path]++
		}
	}
	if len(okPuts) != n {
		t.Errorf("%d domains written at the registrar after the next run, want %d", len(okPuts), n)
	}
	for path, c := range okPuts {
		if c != 1 {
			t.Errorf("%s written %d times", path, c)
		}
	}
	for _, d := range e.op.Domains() {
		if d.Autorenew != "default" {
			t.Errorf("%s.%s: auto-renew %q after the next run", d.Domain.Name, d.Domain.Extension, d.Autorenew)
		}
	}
}
