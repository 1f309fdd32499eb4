//go:build demo

package embedded

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/whmcsdb"
)

var today = civil.Date{Year: 2026, Month: 3, Day: 10}

// start runs the engine with the demo seeded and opens it through whmcsdb
// exactly as a sync run does (sql_mode ”, utf8, guarded writes).
func start(t *testing.T) (*Server, *sql.DB, *whmcsdb.DB, []Case, []int64) {
	t.Helper()
	ctx := context.Background()
	s, err := Start(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	raw, err := s.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	cases := DemoCases(today)
	ids, err := Seed(ctx, raw, cases)
	if err != nil {
		t.Fatal(err)
	}
	db, err := whmcsdb.Open(ctx, s.DSN(), whmcsdb.Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return s, raw, db, cases, ids
}

func scalar(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if !s.Valid {
		return "NULL"
	}
	return s.String
}

// The embedded copy of the schema must be testdata/whmcs/schema.sql.
func TestSchemaIsTheTestdataCopy(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "..", "testdata", "whmcs", "schema.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if Schema != string(want) {
		t.Fatal("whmcsdb/embedded/schema.sql differs from testdata/whmcs/schema.sql: copy it again")
	}
}

func TestStatements(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"-- only a comment\n", nil},
		{"CREATE TABLE a (\n  x int\n);\n\n-- c\nCREATE TABLE b (y int);\n", []string{"CREATE TABLE a (\n  x int\n)", "CREATE TABLE b (y int)"}},
		{"SELECT 'a;b' ;\nSELECT 1", []string{"SELECT 'a;b'", "SELECT 1"}},
	} {
		if got := Statements(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Statements(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if n := len(Statements(Schema)); n != 9 {
		t.Errorf("the schema has %d statements, want 9", n)
	}
	if got := Adapt("KEY `setting` (`setting`(64))"); got != "KEY `setting` (`setting`)" {
		t.Errorf("Adapt: %q", got)
	}
}

// Every statement whmcsdb runs works on the embedded engine: the engine
// check, the sync table, the batch with its unpaid items, a guarded Apply
// that moves an invoice, a conflict, a rollback, last_sync, the lock and
// the recipients.
func TestWhmcsdbOnEmbedded(t *testing.T) {
	ctx := context.Background()
	_, raw, db, cases, ids := start(t)

	if got := scalar(t, raw, "SELECT @@SESSION.sql_mode"); got != "" {
		t.Errorf("session sql_mode %q, want ''", got)
	}
	if err := db.CheckEngines(ctx); err != nil {
		t.Fatalf("CheckEngines: %v", err)
	}
	table, err := db.EnsureSyncTable(ctx, DemoRegistrar)
	if err != nil || table != "tblDomainSyncOpenprovider" {
		t.Fatalf("EnsureSyncTable = %q, %v", table, err)
	}
	if again, err := db.EnsureSyncTable(ctx, DemoRegistrar); err != nil || again != table {
		t.Fatalf("EnsureSyncTable again = %q, %v", again, err)
	}

	now := time.Date(2026, 3, 10, 4, 0, 0, 0, time.UTC)
	q := whmcsdb.BatchQuery{Registrar: "OpenProvider", Statuses: []string{"Active", "Pending Registration", "Pending Transfer"},
		Interval: 2 * time.Hour, Limit: 200, Now: now}
	batch, err := db.SelectBatch(ctx, q)
	if err != nil {
		t.Fatalf("SelectBatch: %v", err)
	}
	if len(batch) != len(cases) {
		t.Fatalf("batch of %d domains, want %d", len(batch), len(cases))
	}
	byName := map[string]whmcsdb.Domain{}
	for _, d := range batch {
		byName[d.Name] = d
	}
	// Zero dates, enums, booleans and Unicode names read back as WHMCS stores them.
	pt := byName["lakeside-studio.eu"]
	if pt.Status != "Pending Transfer" || pt.ExpiryDate != whmcsdb.NoDate || pt.RawExpiryDate == nil || *pt.RawExpiryDate != "0000-00-00" {
		t.Errorf("pending transfer row: status %q expiry %v raw %v", pt.Status, pt.ExpiryDate, pt.RawExpiryDate)
	}
	if d, ok := byName["bücher-stube.de"]; !ok || d.ExpiryDate != today.AddDays(130) {
		t.Errorf("IDN row %+v", d)
	}
	if d := byName["summit-fitness.com"]; !d.DoNotRenew || d.IDProtection {
		t.Errorf("summit-fitness flags %v %v", d.DoNotRenew, d.IDProtection)
	}
	if d := byName["cobalt-cloud.io"]; !d.IDProtection {
		t.Errorf("cobalt-cloud idprotection not read")
	}
	// By name, case-insensitively and in punycode.
	named, err := db.SelectBatch(ctx, whmcsdb.BatchQuery{Registrar: DemoRegistrar, Statuses: q.Statuses,
		Names: []string{"XN--BCHER-STUBE-THB.DE", "Quarry-Legal.nl"}})
	if err != nil || len(named) != 2 {
		t.Errorf("SelectBatch by names: %d domains, %v", len(named), err)
	}
	if n, err := db.CountDue(ctx, q); err != nil || n != len(cases) {
		t.Errorf("CountDue = %d, %v", n, err)
	}

	// The unpaid single-domain invoice.
	hd := byName["harbour-dental.co.uk"]
	if len(hd.UnpaidItems) != 1 || !hd.UnpaidItems[0].OnlyThisDomain || hd.UnpaidItems[0].DueDate != hd.NextDueDate {
		t.Fatalf("harbour-dental items %+v", hd.UnpaidItems)
	}
	it := hd.UnpaidItems[0]
	newExp := hd.ExpiryDate.AddDays(21)
	newDue := newExp.AddDays(-14)
	syncAt := now.Add(time.Minute)
	err = db.Apply(ctx, whmcsdb.Change{
		Domain: hd, ExpiryDate: &newExp, NextDueDate: &newDue, NextInvoiceDate: &newDue,
		Items:       []whmcsdb.ItemMove{{ItemID: it.ID, InvoiceID: it.InvoiceID, OldDue: it.RawDue, NewDue: newDue, MoveInvoice: true, OldInvoice: it.RawInvoiceDue}},
		ActivityLog: []string{"Domain Sync: harbour-dental.co.uk expiry date updated"},
		SyncTable:   table, SyncTime: syncAt,
	})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	for qs, want := range map[string]string{
		"SELECT expirydate FROM tbldomains WHERE id = ?":                                                                                 newExp.String(),
		"SELECT nextduedate FROM tbldomains WHERE id = ?":                                                                                newDue.String(),
		"SELECT nextinvoicedate FROM tbldomains WHERE id = ?":                                                                            newDue.String(),
		"SELECT reminders FROM tbldomains WHERE id = ?":                                                                                  "",
		"SELECT duedate FROM tblinvoiceitems WHERE relid = ?":                                                                            newDue.String(),
		"SELECT i.duedate FROM tblinvoices i JOIN tblinvoiceitems ii ON ii.invoiceid = i.id WHERE ii.relid = ?":                          newDue.String(),
		"SELECT CONCAT_WS('/', user, userid, description) FROM tblactivitylog WHERE id = (SELECT MAX(id) FROM tblactivitylog) AND ? > 0": "System/1/Domain Sync: harbour-dental.co.uk expiry date updated",
		"SELECT last_sync FROM tblDomainSyncOpenprovider WHERE id = ?":                                                                   "2026-03-10 04:01:00",
	} {
		if got := scalar(t, raw, qs, hd.ID); got != want {
			t.Errorf("%s = %q, want %q", qs, got, want)
		}
	}
	// The same change again: the guard sees the row changed.
	if err := db.Apply(ctx, whmcsdb.Change{Domain: hd, ExpiryDate: &newExp}); !errors.Is(err, whmcsdb.ErrConflict) {
		t.Errorf("second Apply: %v, want ErrConflict", err)
	}

	// Rollback: the tbldomains update succeeds, the item guard fails; nothing stays.
	nb := byName["northwind-bakery.com"]
	nbExp := nb.ExpiryDate.AddYears(1)
	stale := "1999-01-01"
	err = db.Apply(ctx, whmcsdb.Change{Domain: nb, ExpiryDate: &nbExp,
		Items:     []whmcsdb.ItemMove{{ItemID: it.ID, InvoiceID: it.InvoiceID, OldDue: &stale, NewDue: nbExp}},
		SyncTable: table, SyncTime: syncAt})
	if !errors.Is(err, whmcsdb.ErrConflict) {
		t.Fatalf("Apply with a stale item: %v, want ErrConflict", err)
	}
	if got := scalar(t, raw, "SELECT expirydate FROM tbldomains WHERE id = ?", nb.ID); got != nb.ExpiryDate.String() {
		t.Errorf("rolled back expiry %s, want %s", got, nb.ExpiryDate)
	}
	if got := scalar(t, raw, "SELECT COUNT(*) FROM tblDomainSyncOpenprovider WHERE id = ?", nb.ID); got != "0" {
		t.Errorf("rolled back last_sync rows: %s", got)
	}

	// A status change on the enum column, guarded on the raw status.
	del := byName["oldtown-photo.net"]
	expired := "Expired"
	if err := db.Apply(ctx, whmcsdb.Change{Domain: del, Status: &expired}); err != nil {
		t.Fatalf("Apply status: %v", err)
	}
	if got := scalar(t, raw, "SELECT status FROM tbldomains WHERE id = ?", del.ID); got != "Expired" {
		t.Errorf("status %q", got)
	}

	// last_sync for the whole batch (upsert over the row Apply wrote), then
	// nothing is due any more.
	if err := db.RecordLastSync(ctx, table, ids, now.Add(2*time.Minute)); err != nil {
		t.Fatalf("RecordLastSync: %v", err)
	}
	if got := scalar(t, raw, "SELECT CONCAT(COUNT(*), ' ', MIN(last_sync)) FROM tblDomainSyncOpenprovider"); got != "50 2026-03-10 04:02:00" {
		t.Errorf("last_sync rows %q", got)
	}
	if again, err := db.SelectBatch(ctx, q); err != nil || len(again) != 0 {
		t.Errorf("after RecordLastSync: %d due, %v", len(again), err)
	}

	// The run lock: exclusive, released, retaken.
	release, err := db.Lock(ctx, "sync")
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	if _, err := db.Lock(ctx, "sync"); !errors.Is(err, whmcsdb.ErrLocked) {
		t.Errorf("second Lock: %v, want ErrLocked", err)
	}
	if err := release(); err != nil {
		t.Errorf("release: %v", err)
	}
	release, err = db.Lock(ctx, "sync")
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	release()

	rs, err := db.Recipients(ctx)
	if err != nil || len(rs) != 1 || rs[0].Email != DemoAdmin.Email || rs[0].Name != "Dana Admin" {
		t.Errorf("Recipients = %+v, %v", rs, err)
	}
	set, err := db.Settings(ctx, "CompanyName", "Missing")
	if err != nil || set["CompanyName"] != "Demo Hosting Ltd" || len(set) != 1 {
		t.Errorf("Settings = %v, %v", set, err)
	}
	if err := db.LogActivity(ctx, 0, "demo"); err != nil {
		t.Errorf("LogActivity: %v", err)
	}
}

func TestDemoCases(t *testing.T) {
	cs := DemoCases(today)
	if len(cs) != 50 {
		t.Errorf("%d cases, want 50", len(cs))
	}
	seen := map[string]bool{}
	stories := 0
	for _, c := range cs {
		if seen[c.Name()] {
			t.Errorf("duplicate domain %s", c.Name())
		}
		seen[c.Name()] = true
		if c.Story != "" {
			stories++
		}
		if c.Status == "Active" && (c.Expiry.IsZero() || c.NextDue.IsZero()) {
			t.Errorf("%s: active without dates", c.Name())
		}
		if strings.TrimSpace(c.Label) == "" || c.Ext == "" {
			t.Errorf("empty name in %+v", c)
		}
	}
	if stories != 13 {
		t.Errorf("%d stories, want 13", stories)
	}
	if !slices.Equal(names(cs), names(DemoCases(today))) {
		t.Error("DemoCases is not deterministic")
	}
}

func names(cs []Case) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name())
	}
	return out
}

// The journal's statements work on the embedded engine too (the demo
// journals its run).
func TestJournalOnEmbedded(t *testing.T) {
	ctx := context.Background()
	_, raw, db, _, ids := start(t)
	if err := db.EnsureJournal(ctx); err != nil {
		t.Fatalf("EnsureJournal: %v", err)
	}
	if err := db.EnsureJournal(ctx); err != nil {
		t.Fatalf("EnsureJournal again: %v", err)
	}
	run, err := db.StartRun(ctx, whmcsdb.JournalRun{Registrar: DemoRegistrar, Command: "demo"})
	if err != nil {
		t.Fatalf("StartRun: %v", err)
	}
	id := ids[0]
	old := scalar(t, raw, "SELECT expirydate FROM tbldomains WHERE id = ?", id)
	if _, err := raw.Exec("UPDATE tbldomains SET expirydate = '2031-01-01' WHERE id = ?", id); err != nil {
		t.Fatal(err)
	}
	planned, err := db.JournalPlanned(ctx, whmcsdb.JournalChange{RunID: run, DomainID: id, Domain: "a.com", Field: whmcsdb.FieldAutoRenew, Old: whmcsdb.Str("off"), New: whmcsdb.Str("default")})
	if err != nil {
		t.Fatalf("JournalPlanned: %v", err)
	}
	if p, err := db.PlannedWrites(ctx, DemoRegistrar, 0); err != nil || len(p) != 1 {
		t.Fatalf("PlannedWrites: %d, %v", len(p), err)
	}
	if done, err := db.PushAccepted(ctx, planned, 0, "Domain Sync: a.com auto-renew off → default", 0); err != nil || !done {
		t.Fatalf("PushAccepted: %v, %v", done, err)
	}
	code := 0
	if err := db.FinishRun(ctx, whmcsdb.JournalRun{ID: run, ExitCode: &code}); err != nil {
		t.Fatalf("FinishRun: %v", err)
	}
	ch := whmcsdb.JournalChange{ID: 0, RunID: run, DomainID: id, Domain: "a.com", Field: whmcsdb.FieldExpiry, Old: &old, New: whmcsdb.Str("2031-01-01"), State: whmcsdb.StateApplied}
	cur, err := db.CurrentValues(ctx, []whmcsdb.JournalChange{ch})
	if err != nil || cur[whmcsdb.KeyOf(ch)] == nil || *cur[whmcsdb.KeyOf(ch)] != "2031-01-01" {
		t.Fatalf("CurrentValues: %v, %v", cur, err)
	}
	undo, _ := db.StartRun(ctx, whmcsdb.JournalRun{Registrar: DemoRegistrar, Command: "undo", UndoOf: run})
	if err := db.ApplyUndo(ctx, whmcsdb.Undo{RunID: undo, DomainID: id, Domain: "a.com", Reverts: []whmcsdb.JournalChange{ch}, ActivityLog: []string{"undo"}}); err != nil {
		t.Fatalf("ApplyUndo: %v", err)
	}
	if got := scalar(t, raw, "SELECT expirydate FROM tbldomains WHERE id = ?", id); got != old {
		t.Errorf("expiry %s after the undo, want %s", got, old)
	}
	if runs, err := db.Runs(ctx, 5); err != nil || len(runs) != 2 {
		t.Errorf("Runs: %d, %v", len(runs), err)
	}
	if ch, err := db.RunChanges(ctx, undo); err != nil || len(ch) != 1 {
		t.Errorf("RunChanges: %d, %v", len(ch), err)
	}
	if ch, err := db.DomainChanges(ctx, "a.com"); err != nil || len(ch) != 2 {
		t.Errorf("DomainChanges: %d, %v", len(ch), err)
	}
	if _, _, err := db.PruneJournal(ctx, time.Now().Add(24*time.Hour), 100); err != nil {
		t.Errorf("PruneJournal: %v", err)
	}
}
