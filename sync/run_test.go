package sync

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/registrar/openprovider"
	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// rtEnv is Run against the test MariaDB and the simulated registrar,
// with a clock the test moves.
type rtEnv struct {
	db   *whmcsdb.DB
	seed *sql.DB
	op   *opsim.Server
	url  string
	reg  *openprovider.Client
}

func newRTEnv(t *testing.T) *rtEnv {
	t.Helper()
	ctx := context.Background()
	dsn := whmcstest.NewDB(t)
	db, err := whmcsdb.Open(ctx, dsn, whmcsdb.Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	op, u := opsim.StartTB(t, opsim.Options{LoginLimit: -1})
	reg, err := openprovider.New(openprovider.Config{URL: u, Username: op.Username(), Password: op.Password(), RateLimit: -1, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	return &rtEnv{db: db, seed: whmcstest.Open(t, dsn), op: op, url: u, reg: reg}
}

// add seeds n Active domains rN.com renewed by a month at the registrar.
func (e *rtEnv) add(t *testing.T, n int) {
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("r%d", i)
		whmcstest.InsertDomain(t, e.seed, whmcstest.DomainRow{UserID: 3, Domain: name + ".com", Registrar: "openprovider",
			RegistrationDate: "2020-01-01", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
		e.op.Add(opsim.Domain{Domain: opsim.DomainName{Name: name, Extension: "com"}, Status: "ACT",
			RenewalDate: "2027-04-01 00:00:00", Autorenew: "default", IsPrivateWhoisAllowed: true})
	}
}

func (e *rtEnv) run(t *testing.T, now time.Time, mod func(*Options)) *Result {
	t.Helper()
	s := DefaultSettings()
	s.BatchSize = 2
	o := Options{DB: e.db, Registrar: e.reg, Settings: s, Now: now, Location: time.UTC}
	if mod != nil {
		mod(&o)
	}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run at %s: %v", now, err)
	}
	return res
}

func planNames(res *Result) string {
	var out []string
	for _, p := range res.Plans {
		out = append(out, p.Name)
	}
	return strings.Join(out, ",")
}

// The batch limit and the interval over a moving clock: each domain is
// synced once per interval, the never-synced and then the oldest first.
func TestRunBatchAndInterval(t *testing.T) {
	e := newRTEnv(t)
	e.add(t, 3)
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for _, step := range []struct {
		at        time.Duration
		want      string
		remaining int
	}{
		{0, "r1.com,r2.com", 1},
		{time.Minute, "r3.com", 0},
		{time.Hour, "", 0},                                 // nothing due within 2h
		{2*time.Hour + 30*time.Second, "r1.com,r2.com", 0}, // r1, r2 due again; r3 is not yet
		{2*time.Hour + 2*time.Minute, "r3.com", 0},
	} {
		res := e.run(t, t0.Add(step.at), nil)
		if got := planNames(res); got != step.want {
			t.Errorf("at +%s: batch %q, want %q", step.at, got, step.want)
		}
		if res.Report.RemainingDue != step.remaining {
			t.Errorf("at +%s: %d remain due, want %d", step.at, res.Report.RemainingDue, step.remaining)
		}
	}
	if got := whmcstest.Scalar(t, e.seed, "SELECT GROUP_CONCAT(last_sync ORDER BY id) FROM tblDomainSyncOpenprovider"); got != "2026-11-24 14:00:30,2026-11-24 14:00:30,2026-11-24 14:02:00" {
		t.Errorf("last_sync %s", got)
	}
	if got := whmcstest.Scalar(t, e.seed, "SELECT COUNT(*) FROM tbldomains WHERE expirydate = '2027-04-01' AND nextduedate = '2027-03-18'"); got != "3" {
		t.Errorf("%s domains updated, want 3", got)
	}
}

// A dry run plans and reports but writes nothing, not even the sync table.
func TestRunDryRun(t *testing.T) {
	e := newRTEnv(t)
	e.add(t, 2)
	res := e.run(t, time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), func(o *Options) { o.DryRun = true })
	if planNames(res) != "r1.com,r2.com" || res.Applied != 0 || res.Pushed != 0 {
		t.Errorf("dry run: plans %q, applied %d, pushed %d", planNames(res), res.Applied, res.Pushed)
	}
	if p := res.Plans[0]; p.Expiry == nil || p.Expiry.New != (civil.Date{Year: 2027, Month: 4, Day: 1}) {
		t.Errorf("dry-run plan %v", p)
	}
	if got := whmcstest.Scalar(t, e.seed, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'tblDomainSyncOpenprovider'"); got != "0" {
		t.Error("a dry run created the sync table")
	}
	if got := whmcstest.Scalar(t, e.seed, "SELECT COUNT(*) FROM tbldomains WHERE expirydate = '2027-03-01'"); got != "2" {
		t.Error("a dry run wrote tbldomains")
	}
	if !res.Report.DryRun || res.Report.Totals.Changed != 2 {
		t.Errorf("report: dry run %v, changed %d", res.Report.DryRun, res.Report.Totals.Changed)
	}
}

// The plausibility window follows the run's clock: an expiry more than
// ten years after the run's day is refused.
func TestRunPlausibilityUsesRunClock(t *testing.T) {
	e := newRTEnv(t)
	e.add(t, 1)
	e.op.Update(opsim.FirstGeneratedID, func(d *opsim.Domain) { d.RenewalDate = "2031-06-01 00:00:00" })
	res := e.run(t, time.Date(2021, 1, 1, 12, 0, 0, 0, time.UTC), func(o *Options) { o.DryRun = true })
	if len(res.Plans) != 1 || len(res.Plans[0].Errors) != 1 || !strings.Contains(res.Plans[0].Errors[0], "more than 10 years after today (2021-01-01)") {
		t.Errorf("plan %v", res.Plans)
	}
	res = e.run(t, time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), func(o *Options) { o.DryRun = true })
	if p := res.Plans[0]; len(p.Errors) != 0 || p.Expiry == nil {
		t.Errorf("plan %v", p)
	}
}

// An account-level failure stops the run before anything is written.
func TestRunAccountFailure(t *testing.T) {
	e := newRTEnv(t)
	e.add(t, 2)
	e.op.SetFaults(opsim.Faults{AccessDenied: true})
	res := e.run(t, time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), nil)
	if res.AccountErr == nil || res.Applied != 0 {
		t.Fatalf("AccountErr %v, applied %d", res.AccountErr, res.Applied)
	}
	if got := whmcstest.Scalar(t, e.seed, "SELECT COUNT(*) FROM tblDomainSyncOpenprovider"); got != "0" {
		t.Errorf("last_sync recorded for %s domains", got)
	}
	if res.Report.Totals.Failed != 2 {
		t.Errorf("failed %d, want 2", res.Report.Totals.Failed)
	}
}

// --all reads WHMCS in chunks of AllChunk: the plan, the report, the
// duplicate check and the mass-change guard are those of the whole
// selection, whatever the chunk size.
func TestRunAllChunks(t *testing.T) {
	if testing.Short() {
		t.Skip("MariaDB")
	}
	defer func(n int) { AllChunk = n }(AllChunk)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	setup := func(t *testing.T) *rtEnv {
		e := newRTEnv(t)
		e.add(t, 8)
		// r3 is in step; r2 is held by a second row in a later chunk.
		e.op.Update(opsim.FirstGeneratedID+2, func(d *opsim.Domain) { d.RenewalDate = "2027-03-01 00:00:00" })
		whmcstest.InsertDomain(t, e.seed, whmcstest.DomainRow{UserID: 4, Domain: "R2.com", Registrar: "openprovider",
			RegistrationDate: "2020-01-01", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
		return e
	}
	all := func(o *Options) { o.All = true }
	dry := func(o *Options) { o.All, o.DryRun = true, true }

	AllChunk = 1000
	whole := setup(t).run(t, now, dry)
	AllChunk = 3
	e := setup(t)
	chunked := e.run(t, now, dry)
	if fmt.Sprint(chunked.Report.Sections) != fmt.Sprint(whole.Report.Sections) || chunked.Report.Totals != whole.Report.Totals {
		t.Errorf("dry run in chunks of 3:\n%v %+v\nin one chunk:\n%v %+v", chunked.Report.Sections, chunked.Report.Totals, whole.Report.Sections, whole.Report.Totals)
	}
	if tot := chunked.Report.Totals; tot.Selected != 9 || tot.Checked != 7 || tot.Changed != 6 || tot.Failed != 2 {
		t.Errorf("totals %+v; want 9 selected, 7 checked (r3 in step included, not the r2 rows), 6 changed, 2 failed (r2 twice)", tot)
	}
	var dupRows int
	for _, p := range chunked.Plans {
		for _, msg := range p.Errors {
			if strings.Contains(msg, "holds this domain 2 times") {
				dupRows++
			}
		}
	}
	if dupRows != 2 {
		t.Errorf("%d duplicate rows across chunks; want 2 (ids 2 and 9)", dupRows)
	}

	res := e.run(t, now, all)
	if res.Applied != 6 {
		t.Errorf("applied %d; want 6", res.Applied)
	}
	if n := whmcstest.Scalar(t, e.seed, "SELECT COUNT(*) FROM tbldomains WHERE expirydate = '2027-04-01'"); n != "6" {
		t.Errorf("%s domains moved to 2027-04-01; want 6", n)
	}
	// Every domain but the duplicates has its last_sync, the one in step
	// included (recorded with the unchanged ones).
	if n := whmcstest.Scalar(t, e.seed, "SELECT COUNT(*) FROM "+whmcsdb.SyncTableName("openprovider")); n != "9" {
		t.Errorf("%s last_sync rows; want 9", n)
	}

	// The guard counts the whole selection: every domain leaving Active
	// across three chunks holds them all.
	e = setup(t)
	for _, d := range e.op.Domains() {
		e.op.Update(d.ID, func(d *opsim.Domain) { d.Status = "DEL" })
	}
	held := e.run(t, now, all)
	if !held.Held || held.Applied != 0 {
		t.Errorf("every domain leaving Active over 3 chunks: held %v, applied %d", held.Held, held.Applied)
	}
}

// A name that two rows hold is held in every batch, even when the other
// row is not due in it.
func TestRunDuplicateOutsideBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("MariaDB")
	}
	e := newRTEnv(t)
	e.add(t, 3)
	whmcstest.InsertDomain(t, e.seed, whmcstest.DomainRow{UserID: 4, Domain: "R1.com", Registrar: "openprovider",
		RegistrationDate: "2020-01-01", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	held := func(res *Result) (ids []int64) {
		for _, p := range res.Plans {
			for _, msg := range p.Errors {
				if strings.Contains(msg, "holds this domain 2 times (tbldomains ids [1 4])") {
					ids = append(ids, p.Domain.ID)
				}
			}
		}
		return ids
	}
	first := e.run(t, now, nil) // batch of 2: ids 1 and 2
	if got := held(first); fmt.Sprint(got) != "[1]" || first.Applied != 1 {
		t.Errorf("first batch (%s): held %v, applied %d; want [1] held and r2 applied", planNames(first), got, first.Applied)
	}
	second := e.run(t, now.Add(time.Minute), nil) // ids 3 and 4
	if got := held(second); fmt.Sprint(got) != "[4]" || second.Applied != 1 {
		t.Errorf("second batch (%s): held %v, applied %d; want [4] held and r3 applied", planNames(second), got, second.Applied)
	}
	if n := whmcstest.Scalar(t, e.seed, "SELECT COUNT(*) FROM tbldomains WHERE LOWER(domain) = 'r1.com' AND expirydate <> '2027-03-01'"); n != "0" {
		t.Errorf("%s rows of the duplicated name changed", n)
	}
}
