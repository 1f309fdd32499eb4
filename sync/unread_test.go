package sync

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/odr"
	"github.com/domainsync/domainsync/registrar/odr/odrsim"
	"github.com/domainsync/domainsync/registrar/openprovider"
	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// Issue 16 point 3: a read that still fails after its retries leaves out
// only the domains whose data was not read: no write, no last_sync, never
// "not found"; the report says how many and why; the rest is applied.

var unreadNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// fresh gives the next run its own client, as every run of the program has
// (the identical-request cap is per run).
func fresh(t *testing.T, e *rtEnv) func(*Options) {
	t.Helper()
	reg, err := openprovider.New(openprovider.Config{URL: e.url, Username: e.op.Username(), Password: e.op.Password(), RateLimit: -1, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	return func(o *Options) { o.Registrar = reg }
}

func syncedNames(t *testing.T, e *rtEnv) string {
	t.Helper()
	rows, err := e.seed.Query("SELECT d.domain FROM tblDomainSyncOpenprovider s JOIN tbldomains d ON d.id = s.id ORDER BY d.domain")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return strings.Join(out, ",")
}

func expiryOf(t *testing.T, e *rtEnv, name string) string {
	t.Helper()
	return whmcstest.Scalar(t, e.seed, "SELECT expirydate FROM tbldomains WHERE domain = ?", name)
}

// A lookup failing 3 times (HTTP 500, unknown code): that domain is left
// due and untouched, the batch's others are applied, and the report's
// notice counts it; the next run reads and applies it.
func TestRunLookupNotReadLeftDue(t *testing.T) {
	e := newRTEnv(t)
	e.add(t, 4)
	e.op.SetFaults(opsim.Faults{Fail: opsim.FailTimes(3, func(_, _, q string) bool { return strings.Contains(q, "domain_name_pattern=r2&") })})
	res := e.run(t, unreadNow, func(o *Options) { o.Settings.BatchSize = 4 })
	if res.AccountErr != nil || res.Applied != 3 {
		t.Fatalf("AccountErr %v, applied %d", res.AccountErr, res.Applied)
	}
	if got := syncedNames(t, e); got != "r1.com,r3.com,r4.com" {
		t.Errorf("last_sync for %q", got)
	}
	if got := expiryOf(t, e, "r2.com"); got != "2027-03-01" {
		t.Errorf("r2.com expiry %s, want unchanged", got)
	}
	var unread []string
	for _, p := range res.Plans {
		if p.Unread != nil {
			unread = append(unread, p.Name)
			if !registrar.NotRead(p.Unread) || len(p.Errors) != 0 || p.Record != nil {
				t.Errorf("%s: %+v", p.Name, p)
			}
		}
	}
	if strings.Join(unread, ",") != "r2.com" {
		t.Errorf("unread %v", unread)
	}
	rep := res.Report
	if len(rep.Notices) != 1 || !strings.Contains(rep.Notices[0], "1 domains could not be read at openprovider") ||
		!strings.Contains(rep.Notices[0], "HTTP 500 with unknown code 9999") {
		t.Errorf("notices %q", rep.Notices)
	}
	if rep.Totals.Skipped != 1 || rep.Totals.Failed != 0 || rep.Totals.Changed != 3 {
		t.Errorf("totals %+v", rep.Totals)
	}
	if rows := rep.Section("errors").Rows; len(rows) != 0 {
		t.Errorf("error rows %v", rows)
	}
	// The next run, without faults, takes the one left due.
	e.op.SetFaults(opsim.Faults{})
	next := fresh(t, e)
	res = e.run(t, unreadNow.Add(time.Minute), func(o *Options) { next(o); o.Settings.BatchSize = 4 })
	if planNames(res) != "r2.com" || res.Applied != 1 || expiryOf(t, e, "r2.com") != "2027-04-01" {
		t.Errorf("next run: plans %s, applied %d", planNames(res), res.Applied)
	}
}

// --all: the listing's first page failing leaves every domain due; the
// deleted listing failing leaves the names the live listing lacked due
// instead of "not found"; the rest is applied.
func TestRunAllListingNotRead(t *testing.T) {
	t.Run("live listing", func(t *testing.T) {
		e := newRTEnv(t)
		e.add(t, 3)
		e.op.SetFaults(opsim.Faults{Fail: opsim.FailTimes(3, func(_, p, q string) bool {
			return strings.Contains(q, "offset=0") && !strings.Contains(q, "is_deleted")
		})})
		res := e.run(t, unreadNow, func(o *Options) { o.All = true })
		if res.AccountErr != nil || res.Applied != 0 || syncedNames(t, e) != "" {
			t.Fatalf("AccountErr %v, applied %d, synced %q", res.AccountErr, res.Applied, syncedNames(t, e))
		}
		if n := res.Report.Totals.Skipped; n != 3 || !strings.Contains(strings.Join(res.Report.Notices, " "), "3 domains could not be read") {
			t.Errorf("skipped %d, notices %q", n, res.Report.Notices)
		}
	})
	t.Run("deleted listing", func(t *testing.T) {
		e := newRTEnv(t)
		e.add(t, 2)
		whmcstest.InsertDomain(t, e.seed, whmcstest.DomainRow{UserID: 3, Domain: "gone.com", Registrar: "openprovider",
			RegistrationDate: "2020-01-01", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
		e.op.SetFaults(opsim.Faults{Fail: opsim.FailTimes(3, func(_, _, q string) bool { return strings.Contains(q, "is_deleted=true") })})
		res := e.run(t, unreadNow, func(o *Options) { o.All = true })
		if res.AccountErr != nil || res.Applied != 2 || syncedNames(t, e) != "r1.com,r2.com" {
			t.Fatalf("AccountErr %v, applied %d, synced %q", res.AccountErr, res.Applied, syncedNames(t, e))
		}
		for _, p := range res.Plans {
			if p.Name == "gone.com" && (p.Unread == nil || len(p.Errors) > 0 || len(p.Notes) > 0) {
				t.Errorf("gone.com: %+v", p)
			}
		}
		for _, s := range res.Report.Sections {
			for _, r := range s.Rows {
				if strings.Contains(strings.Join(r, " "), "not found") {
					t.Errorf("reported as not found: %v", r)
				}
			}
		}
	})
}

// A registrar write failing 3 times leaves its domain due (no last_sync;
// its WHMCS change stays), with an error row; the next run sends it.
func TestRunWriteNotAnsweredLeftDue(t *testing.T) {
	e := newRTEnv(t)
	e.add(t, 2)
	for _, d := range e.op.Domains() {
		e.op.Update(d.ID, func(d *opsim.Domain) { d.Autorenew = "off" })
	}
	e.op.SetFaults(opsim.Faults{Fail: opsim.FailTimes(3, func(m, p, _ string) bool { return m == http.MethodPut && strings.HasSuffix(p, "23000000") })})
	d0, _ := e.op.Domain(23000000)
	res := e.run(t, unreadNow, nil)
	if res.AccountErr != nil || res.Applied != 2 || res.Pushed != 1 {
		t.Fatalf("AccountErr %v, applied %d, pushed %d", res.AccountErr, res.Applied, res.Pushed)
	}
	failed := d0.FullName()
	other := "r1.com"
	if failed == other {
		other = "r2.com"
	}
	if got := syncedNames(t, e); got != other {
		t.Errorf("last_sync for %q, want only %s", got, other)
	}
	if rows := res.Report.Section("errors").Rows; len(rows) != 1 || rows[0][0] != failed || !strings.Contains(rows[0][1], "not changed at the registrar") {
		t.Errorf("error rows %v", rows)
	}
	// The next run selects it again (its write also stays planned in the
	// journal, which the next run finishes first): the write is made once.
	e.op.SetFaults(opsim.Faults{})
	e.op.ResetRequests()
	res = e.run(t, unreadNow.Add(time.Minute), fresh(t, e))
	if planNames(res) != failed || res.Applied != 0 {
		t.Errorf("next run: plans %s, applied %d", planNames(res), res.Applied)
	}
	if d, _ := e.op.Domain(23000000); d.Autorenew != "default" || e.op.Count("PUT", "/v1beta/domains/23000000") != 1 {
		t.Errorf("auto-renew %q after %d PUTs", d.Autorenew, e.op.Count("PUT", "/v1beta/domains/23000000"))
	}
	if got := syncedNames(t, e); got != "r1.com,r2.com" {
		t.Errorf("last_sync for %q after the next run", got)
	}
}

// 20 % of the registrar requests answered HTTP 500 with an unknown code: the
// run completes; every domain is applied correctly or left due; no
// identical request is served more than 3 times; the next run without
// faults finishes the rest.
func TestRunUnknownErrorsTwentyPercent(t *testing.T) {
	t.Setenv(ReadStrategyEnv, string(ReadLookup)) // one request per domain: more requests to fail
	e := newRTEnv(t)
	e.op.SetFaults(opsim.Faults{UnknownErrorRate: 0.2})
	e.add(t, 40)
	for _, d := range e.op.Domains() {
		if d.ID%2 == 0 {
			e.op.Update(d.ID, func(d *opsim.Domain) { d.Autorenew = "off" })
		}
	}
	check := func(run int) (done int) {
		synced := map[string]bool{}
		for _, n := range strings.Split(syncedNames(t, e), ",") {
			synced[n] = true
		}
		for _, d := range e.op.Domains() {
			name := d.FullName()
			exp := expiryOf(t, e, name)
			switch {
			case synced[name] && (exp != "2027-04-01" || d.Autorenew != "default"):
				t.Errorf("run %d: %s synced but expiry %s, auto-renew %q", run, name, exp, d.Autorenew)
			case synced[name]:
				done++
			case exp != "2027-03-01" && exp != "2027-04-01":
				t.Errorf("run %d: %s half written: %s", run, name, exp)
			}
		}
		return done
	}
	res := e.run(t, unreadNow, func(o *Options) { o.Settings.BatchSize = 100 })
	if res.AccountErr != nil {
		t.Fatalf("AccountErr %v", res.AccountErr)
	}
	done := check(1)
	if key, n := e.op.MaxServed(); n > 3 {
		t.Errorf("%s served %d times", key, n)
	}
	t.Logf("first run: %d of 40 done, %d requests", done, len(e.op.Requests()))
	e.op.SetFaults(opsim.Faults{})
	next := fresh(t, e)
	e.run(t, unreadNow.Add(time.Minute), func(o *Options) { next(o); o.Settings.BatchSize = 100 })
	if done := check(2); done != 40 {
		t.Errorf("after the next run %d of 40 done", done)
	}
}

// ODR, --all, pages of 2: the page that still fails is skipped; its
// domains are left due and the other pages' domains are applied.
func TestRunODRPageNotRead(t *testing.T) {
	ctx := context.Background()
	dsn := whmcstest.NewDB(t)
	db, err := whmcsdb.Open(ctx, dsn, whmcsdb.Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seed := whmcstest.Open(t, dsn)
	var ds []odrsim.Domain
	for i := 1; i <= 6; i++ {
		name := fmt.Sprintf("o%d.nl", i)
		ds = append(ds, odrsim.Domain{ID: int64(i), Name: name, Status: "REGISTERED", AutoRenew: true, Expiration: "2027-04-01 00:00:00"})
		whmcstest.InsertDomain(t, seed, whmcstest.DomainRow{UserID: 3, Domain: name, Registrar: "odr",
			RegistrationDate: "2020-01-01", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
	}
	sim, u := odrsim.StartTB(t, odrsim.Options{Domains: ds, PerPage: 2})
	sim.SetFaults(odrsim.Faults{Fail: func(_, p, q string) (int, int) {
		if p == "/domain/" && strings.Contains(q, "page=2") {
			return 500, odrsim.UnknownCode
		}
		return 0, 0
	}})
	reg, err := odr.New(odr.Config{URL: u, APIKey: sim.APIKey(), APISecret: sim.APISecret(), RateLimit: -1, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, Options{DB: db, Registrar: reg, Settings: odrSettings(), Now: unreadNow, Location: time.UTC, All: true})
	if err != nil || res.AccountErr != nil {
		t.Fatal(err, res.AccountErr)
	}
	got := whmcstest.Scalar(t, seed, "SELECT GROUP_CONCAT(d.domain ORDER BY d.domain) FROM tblDomainSyncOdr s JOIN tbldomains d ON d.id = s.id")
	if got != "o1.nl,o2.nl,o5.nl,o6.nl" || res.Applied != 4 {
		t.Errorf("synced %q, applied %d", got, res.Applied)
	}
	for _, n := range []string{"o3.nl", "o4.nl"} {
		if e := whmcstest.Scalar(t, seed, "SELECT expirydate FROM tbldomains WHERE domain = ?", n); e != "2027-03-01" {
			t.Errorf("%s written: %s", n, e)
		}
	}
	if !strings.Contains(strings.Join(res.Report.Notices, " "), "2 domains could not be read at odr") || res.Report.Totals.Skipped != 2 {
		t.Errorf("notices %q, totals %+v", res.Report.Notices, res.Report.Totals)
	}
}
