package sync

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar/openprovider"
	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// The Openprovider client is read the way fetch reads a listing client.
var (
	_ WantedLister  = (*openprovider.Client)(nil)
	_ DeletedLister = (*openprovider.Client)(nil)
	_ MissingLooker = (*openprovider.Client)(nil)
	_ ReadCapacity  = (*openprovider.Client)(nil)
)

func TestChooseRead(t *testing.T) {
	tests := []struct {
		names, portfolio, conc, page int
		want                         ReadStrategy
		lookupTrips, listTrips       int
	}{
		{200, 10_000, 8, 1000, ReadList, 25, 5},      // the default batch: 9 more pages (2 waves + 3 to decode) beat 200 lookups
		{200, 30_000, 8, 1000, ReadList, 25, 12},     // 29 more pages: 4 waves + 8 to decode
		{200, 80_000, 8, 1000, ReadLookup, 25, 30},   // 79 more pages: decoding tips it to lookups
		{200, 100_000, 8, 1000, ReadLookup, 25, 38},  // 99 more pages: 13 waves + 25 to decode > 25 (issue 7: chose 98 pages)
		{200, 250_000, 8, 1000, ReadLookup, 25, 95},  // a huge portfolio: lookups
		{50, 100_000, 8, 1000, ReadLookup, 7, 38},    // a small batch of a big portfolio
		{9, 2_500, 8, 1000, ReadList, 2, 2},          // tie in round trips: 2 pages < 9 requests
		{20, 900, 8, 1000, ReadList, 3, 0},           // the first page held everything
		{8, 8_000, 8, 1000, ReadLookup, 1, 3},        // one wave of lookups beats 7 pages
		{10, 9_000, 1, 1000, ReadList, 10, 10},       // sequential, tie in trips: 8 pages < 10 requests
		{9, 9_000, 1, 1000, ReadLookup, 9, 10},       // one trip fewer: lookups
		{0, 1_000, 8, 1000, ReadLookup, 0, 0},        // tie in trips and requests (nothing to read): lookups
		{200, -1, 8, 1000, ReadLookup, 25, -1},       // no total: lookups
		{200, 10_000, 1, 1000, ReadList, 200, 12},    // sequential client
		{0, 10_000, 8, 1000, ReadLookup, 0, 5},       // nothing to read
		{200, 10_000, 0, 0, ReadLookup, 200, 12_499}, // nonsense capacity is clamped, not a panic
		{3000, 3_000_000, 64, 1000, ReadLookup, 47, 797},
	}
	for _, tc := range tests {
		got := ChooseRead(tc.names, tc.portfolio, tc.conc, tc.page)
		if got.Strategy != tc.want || got.LookupTrips != tc.lookupTrips || got.ListTrips != tc.listTrips {
			t.Errorf("ChooseRead(%d, %d, %d, %d) = %s (lookup %d, list %d trips: %s); want %s (%d, %d)",
				tc.names, tc.portfolio, tc.conc, tc.page, got.Strategy, got.LookupTrips, got.ListTrips, got.Reason,
				tc.want, tc.lookupTrips, tc.listTrips)
		}
		if got.Reason == "" {
			t.Errorf("ChooseRead(%d, %d, %d, %d): no reason", tc.names, tc.portfolio, tc.conc, tc.page)
		}
	}
}

func TestLookupFirst(t *testing.T) {
	for _, tc := range []struct {
		names, conc int
		want        bool
	}{{1, 8, true}, {8, 8, true}, {9, 8, false}, {1, 0, true}, {2, 0, false}, {0, 1, true}} {
		if got := LookupFirst(tc.names, tc.conc); got != tc.want {
			t.Errorf("LookupFirst(%d, %d) = %v, want %v", tc.names, tc.conc, got, tc.want)
		}
	}
}

func FuzzChooseRead(f *testing.F) {
	f.Add(200, 10_000, 8, 1000)
	f.Add(0, 0, 0, 0)
	f.Add(-5, -1, -3, -1)
	f.Add(1<<40, 1<<50, 1, 1)
	f.Fuzz(func(t *testing.T, names, portfolio, conc, page int) {
		if names > 1<<50 || portfolio > 1<<50 || names < -1<<50 || portfolio < -1<<50 {
			return // beyond any portfolio; keeps the sums from overflowing
		}
		c := ChooseRead(names, portfolio, conc, page)
		if c.Strategy != ReadLookup && c.Strategy != ReadList {
			t.Fatalf("strategy %q", c.Strategy)
		}
		if c.Strategy == ReadList && (c.ListTrips > c.LookupTrips || c.ListTrips < 0) {
			t.Fatalf("listing chosen with more round trips: %+v", c)
		}
		if c.Strategy == ReadLookup && c.ListTrips >= 0 && c.ListTrips < c.LookupTrips {
			t.Fatalf("lookups chosen with more round trips: %+v", c)
		}
	})
}

// ---- call and statement counts, against MariaDB and the simulator ----

// countEnv is a WHMCS database seeded from a generated portfolio, and a
// simulated Openprovider serving it.
type countEnv struct {
	db    *whmcsdb.DB
	raw   *sql.DB
	sim   *opsim.Server
	url   string
	now   time.Time
	other int // domains of another registrar
}

const countPortfolio = 2500 // 3 listing pages

func newCountEnv(t *testing.T) *countEnv {
	t.Helper()
	dsn := whmcstest.NewDB(t)
	raw := whmcstest.Open(t, dsn)
	gen := opsim.Generate(countPortfolio, 7)
	e := &countEnv{raw: raw, now: opsim.GenerateRef.Add(12 * time.Hour), other: 40}
	seedPortfolio(t, raw, gen, e.other)
	// Unpaid invoices for a few domains, so the items query has work.
	for id := int64(1); id <= 30; id++ {
		inv := whmcstest.InsertInvoice(t, raw, whmcstest.InvoiceRow{UserID: 1, Status: "Unpaid", Date: "2025-12-01", DueDate: "2025-12-15"})
		whmcstest.InsertItem(t, raw, whmcstest.ItemRow{InvoiceID: inv, UserID: 1, Type: "Domain", RelID: id, DueDate: "2025-12-15"})
	}
	ctx := context.Background()
	db, err := whmcsdb.Open(ctx, dsn, whmcsdb.Options{Location: time.UTC})
	if err != nil {
		t.Fatalf("whmcsdb.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	// One connection that lives for the whole test, so that SHOW SESSION
	// STATUS counts every statement the run sends.
	db.SQL().SetMaxOpenConns(1)
	db.SQL().SetMaxIdleConns(1)
	db.SQL().SetConnMaxIdleTime(0)
	db.SQL().SetConnMaxLifetime(0)
	e.db = db
	e.sim, e.url = opsim.StartTB(t, opsim.Options{Domains: gen, LoginLimit: -1})
	return e
}

// seedPortfolio inserts one Active tbldomains row per generated domain
// (expiry from the renewal date, due 14 days earlier, do-not-renew from
// auto-renew), then other domains of registrar "enom", in multi-row INSERTs.
func seedPortfolio(t testing.TB, raw *sql.DB, gen []opsim.Domain, other int) {
	t.Helper()
	const cols = "(userid, type, registrationdate, domain, registrar, registrationperiod, expirydate, status, nextduedate, nextinvoicedate, idprotection, donotrenew, firstpaymentamount, recurringamount, subscriptionid, additionalnotes, paymentmethod, reminders)"
	var rows []string
	var args []any
	flush := func() {
		if len(rows) == 0 {
			return
		}
		if _, err := raw.Exec("INSERT INTO tbldomains "+cols+" VALUES "+strings.Join(rows, ","), args...); err != nil {
			t.Fatalf("seeding tbldomains: %v", err)
		}
		rows, args = rows[:0], args[:0]
	}
	add := func(name, registrar, expiry string, idp, dnr bool) {
		due := "0000-00-00"
		if expiry == "" {
			expiry = "0000-00-00"
		} else if d, err := time.Parse("2006-01-02", expiry); err == nil {
			due = d.AddDate(0, 0, -14).Format("2006-01-02")
		}
		rows = append(rows, "(1,'Register','2020-01-01',?,?,1,?,'Active',?,?,?,?,'0.00','10.00','','','banktransfer','')")
		args = append(args, name, registrar, expiry, due, due, idp, dnr)
		if len(rows) == 500 {
			flush()
		}
	}
	for _, d := range gen {
		exp := ""
		if len(d.RenewalDate) >= 10 {
			exp = d.RenewalDate[:10]
		}
		add(d.FullName(), "openprovider", exp, d.IsPrivateWhoisEnabled, d.Autorenew == "off")
	}
	for i := range other {
		add(fmt.Sprintf("other-registrar%d.com", i), "enom", "2026-06-01", false, false)
	}
	flush()
}

// sessionCounts reads the statement counters of the DB's one connection.
func sessionCounts(t *testing.T, db *whmcsdb.DB) map[string]int64 {
	t.Helper()
	rows, err := db.SQL().Query("SHOW SESSION STATUS WHERE Variable_name IN ('Com_select','Com_update','Com_insert','Com_delete','Com_stmt_execute')")
	if err != nil {
		t.Fatalf("SHOW SESSION STATUS: %v", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var v int64
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

// runCounts are the calls and statements of one run.
type runCounts struct {
	res                       *Result
	stats                     openprovider.Stats
	pages, lookups, puts      int
	deletedPages              int // listing pages with is_deleted=true
	selects, updates, inserts int64
	log                       string
}

func (e *countEnv) run(t *testing.T, batch int, all bool) runCounts {
	t.Helper()
	client, err := openprovider.New(openprovider.Config{URL: e.url, Username: e.sim.Username(), Password: e.sim.Password(),
		RateLimit: -1, Concurrency: 8, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var logBuf strings.Builder
	s := DefaultSettings()
	s.BatchSize = batch
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e.sim.ResetRequests()
	before := sessionCounts(t, e.db)
	res, err := Run(ctx, Options{DB: e.db, Registrar: client, Settings: s, All: all, Force: true, Now: e.now,
		Location: time.UTC, Logger: slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.AccountErr != nil {
		t.Fatalf("Run: account error %v", res.AccountErr)
	}
	after := sessionCounts(t, e.db)
	// The run journal's own statements, the same for every run (issue 17):
	// EnsureJournal's two table looks and its engine check, the planned
	// writes left by earlier runs (none here), the run row and its end.
	const journalSelects, journalUpdates, journalInserts = 4, 1, 1
	rc := runCounts{res: res, stats: client.Stats(), log: logBuf.String(),
		selects: after["Com_select"] - before["Com_select"] - journalSelects,
		updates: after["Com_update"] - before["Com_update"] - journalUpdates,
		inserts: after["Com_insert"] - before["Com_insert"] - journalInserts}
	for _, r := range e.sim.Requests() {
		switch {
		case r.Method == "GET" && r.Path == "/v1beta/domains" && strings.Contains(r.Query, "offset=") && strings.Contains(r.Query, "is_deleted=true"):
			rc.deletedPages++
		case r.Method == "GET" && r.Path == "/v1beta/domains" && strings.Contains(r.Query, "offset="):
			rc.pages++
		case r.Method == "GET" && r.Path == "/v1beta/domains":
			rc.lookups++
		case r.Method == "PUT":
			rc.puts++
		}
	}
	return rc
}

func TestRunReadAndWriteCounts(t *testing.T) {
	if testing.Short() {
		t.Skip("MariaDB")
	}
	e := newCountEnv(t)
	pages := (countPortfolio + openprovider.PageSize - 1) / openprovider.PageSize // 3

	// A batch of 200 of 2,500: the listing (3 pages) beats 25 waves of lookups.
	b200 := e.run(t, 200, false)
	if b200.stats.Logins != 1 || b200.pages != pages {
		t.Errorf("batch of 200: %d logins, %d listing pages; want 1 and %d\n%s", b200.stats.Logins, b200.pages, pages, b200.log)
	}
	if !strings.Contains(b200.log, "strategy=list") {
		t.Errorf("batch of 200: the -v log does not show the listing strategy:\n%s", b200.log)
	}
	if got := b200.res.Report.Totals.Selected; got != 200 {
		t.Errorf("batch of 200 selected %d domains", got)
	}
	// Names the listing does not hold (deleted domains) are looked up: at
	// most two searches each, never one per domain of the batch.
	if b200.lookups > 2*20 {
		t.Errorf("batch of 200 via the listing still sent %d lookups", b200.lookups)
	}

	// A batch of 5 fits in one wave of lookups: nothing is listed.
	b5 := e.run(t, 5, false)
	if b5.stats.Logins != 1 || b5.pages != 0 || b5.lookups < 5 || b5.lookups > 10 {
		t.Errorf("batch of 5: %d logins, %d pages, %d lookups; want 1, 0, 5..10\n%s", b5.stats.Logins, b5.pages, b5.lookups, b5.log)
	}

	// The SQL cost of a batch does not grow with its size: one batch query,
	// one query for other rows holding the batch's names (duplicates), one
	// invoice-items query, one count (the first run also created the sync
	// table, which costs one more look); a batch of more than one wave of
	// lookups also counts the registrar's WHMCS domains (the listing's
	// expected size).
	b50 := e.run(t, 50, false)
	if b50.selects != b5.selects+1 || b200.selects > b50.selects+1 || b50.selects > 11 {
		t.Errorf("SELECTs: %d for a batch of 5, %d for 50, %d for 200 (the first run): a query per domain?", b5.selects, b50.selects, b200.selects)
	}
	// Updates only come from changed domains: each changes in its own
	// transaction (at most a few UPDATEs), never one per unchanged domain.
	if b200.updates > 4*int64(b200.res.Applied) {
		t.Errorf("batch of 200: %d UPDATEs for %d changed domains", b200.updates, b200.res.Applied)
	}

	// --all: every page exactly once, one login; the domains read from
	// WHMCS in several chunks.
	defer func(n int) { AllChunk = n }(AllChunk)
	AllChunk = 1000
	all := e.run(t, 200, true)
	if all.stats.Logins != 1 || all.pages != pages {
		t.Errorf("--all: %d logins, %d pages; want 1 and %d", all.stats.Logins, all.pages, pages)
	}
	if got, want := all.res.Report.Totals.Selected, countPortfolio; got > want || got < want*8/10 {
		t.Errorf("--all selected %d domains of %d", got, want)
	}
	// --all reads the ids and names once (as a batch reads the other rows
	// holding its names), then the domains in chunks of AllChunk (here
	// 1000), each chunk as a batch is read (3 SELECTs: sync-table check,
	// domains, invoice items): no N+1. (It counts nothing: it has the
	// names.)
	chunks := (all.res.Report.Totals.Selected + AllChunk - 1) / AllChunk
	if want := b5.selects + 3*int64(chunks-1); chunks < 2 || all.selects != want {
		t.Errorf("SELECTs: %d for --all of %d domains in %d chunks, %d for a batch of 5; want %d", all.selects, all.res.Report.Totals.Selected, chunks, b5.selects, want)
	}

	// Everything has been synced: nothing differs now. No PUT, no UPDATE
	// at all (tbldomains included); the unchanged domains' last_sync in one
	// statement per 1000. (A plan may still carry activity-log-only lines,
	// e.g. about a registrar state WHMCS cannot show; those write the log
	// and their last_sync in their own transaction, but no UPDATE.)
	e.now = e.now.Add(time.Hour)
	again := e.run(t, 200, true)
	if again.res.Pushed != 0 || again.puts != 0 || again.stats.Updates != 0 {
		t.Errorf("nothing differs: pushed %d, %d PUTs", again.res.Pushed, again.puts)
	}
	if again.updates != 0 {
		t.Errorf("nothing differs: %d UPDATE statements", again.updates)
	}
	if again.stats.Logins != 1 || again.pages != pages {
		t.Errorf("nothing differs: %d logins, %d pages", again.stats.Logins, again.pages)
	}
	// (--all keeps no plan for a domain in step: the ones not in
	// res.Plans are unchanged too.)
	unchanged, logged := int64(again.res.Report.Totals.Selected), int64(0)
	for _, p := range again.res.Plans {
		if p.Changed() {
			t.Errorf("nothing differs, yet %s changes: %+v", p.Domain.Name, p)
		}
		if p.HasDBChange() {
			logged += 1 + int64(len(p.LogOnly)) // its last_sync and its log lines
			unchanged--
		}
	}
	if maxInserts := (unchanged+999)/1000 + logged; again.inserts > maxInserts {
		t.Errorf("nothing differs: %d INSERTs for %d unchanged domains (and %d log-only rows); want at most %d", again.inserts, unchanged, logged, maxInserts)
	}
	// The other registrar's domains were never touched.
	if n := whmcstest.Scalar(t, e.raw, "SELECT COUNT(*) FROM tbldomains WHERE registrar='enom' AND (expirydate<>'2026-06-01' OR status<>'Active')"); n != "0" {
		t.Errorf("%s domains of another registrar were changed", n)
	}
	t.Logf("batch 200: %+v selects=%d updates=%d inserts=%d pages=%d lookups=%d puts=%d", b200.stats, b200.selects, b200.updates, b200.inserts, b200.pages, b200.lookups, b200.puts)
	t.Logf("all:       %+v selects=%d updates=%d inserts=%d applied=%d", all.stats, all.selects, all.updates, all.inserts, all.res.Applied)
	t.Logf("again:     %+v selects=%d updates=%d inserts=%d", again.stats, again.selects, again.updates, again.inserts)
}

// TestAllListsDeletedDomains: --all over 2,500 domains, some of them deleted
// at the registrar, reads the live and the deleted portfolio in pages of
// 1000 and looks up no name one by one (issue 7: 534 lookups at 10,000);
// the deleted domains are still explained as such, and each real
// difference costs one PUT.
func TestAllListsDeletedDomains(t *testing.T) {
	if testing.Short() {
		t.Skip("MariaDB")
	}
	e := newCountEnv(t)
	var live, deleted int
	for _, d := range e.sim.Domains() {
		if d.IsDeleted {
			deleted++
		} else {
			live++
		}
	}
	if deleted <= 8 {
		t.Fatalf("the generated portfolio has %d deleted domains; the test needs more than a wave of lookups", deleted)
	}
	ps := openprovider.PageSize
	wantPages, wantDeletedPages := (live+ps-1)/ps, (deleted+ps-1)/ps

	// Settle: the first --all brings WHMCS in line with the registrar.
	first := e.run(t, 200, true)
	if first.pages != wantPages || first.deletedPages != wantDeletedPages || first.lookups != 0 {
		t.Errorf("--all: %d live pages, %d deleted pages, %d lookups; want %d, %d, 0\n%s",
			first.pages, first.deletedPages, first.lookups, wantPages, wantDeletedPages, first.log)
	}
	var explained int
	for _, p := range first.res.Plans {
		for _, msg := range p.Errors {
			if strings.Contains(msg, "exists among deleted domains") {
				explained++
			}
		}
	}
	if explained == 0 {
		t.Errorf("--all: no domain was reported as deleted at the registrar")
	}

	// Flip do-not-renew on k domains that are live (ACT) at the registrar:
	// k real differences, k PUTs, and still no lookup.
	const k = 7
	var flip []any
	for _, d := range e.sim.Domains() {
		if !d.IsDeleted && d.Status == "ACT" && len(flip) < k {
			flip = append(flip, d.FullName())
		}
	}
	res, err := e.raw.Exec(`UPDATE tbldomains SET donotrenew = 1 - donotrenew WHERE registrar='openprovider' AND status='Active' AND domain IN (?`+strings.Repeat(",?", len(flip)-1)+`)`, flip...)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != k {
		t.Fatalf("flipped %d domains, want %d", n, k)
	}
	e.now = e.now.Add(time.Hour)
	again := e.run(t, 200, true)
	if again.pages != wantPages || again.deletedPages != wantDeletedPages || again.lookups != 0 {
		t.Errorf("--all: %d live pages, %d deleted pages, %d lookups; want %d, %d, 0", again.pages, again.deletedPages, again.lookups, wantPages, wantDeletedPages)
	}
	if again.puts != k || again.res.Pushed != k {
		t.Errorf("--all with %d differences: %d PUTs, %d pushed; want %d", k, again.puts, again.res.Pushed, k)
	}
	if again.stats.Logins != 1 {
		t.Errorf("--all: %d logins", again.stats.Logins)
	}
}
