package whmcsdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func ensureJournal(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	if err := e.db.EnsureJournal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.db.EnsureJournal(ctx); err != nil { // again: kept as it is
		t.Fatal(err)
	}
}

func TestEnsureJournal(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	got, err := e.db.JournalExists(ctx)
	if err != nil || got[JournalTable] || got[JournalChanges] {
		t.Fatalf("before: %v, %v", got, err)
	}
	ensureJournal(t, e)
	for _, tb := range JournalTables {
		if engine := e.scalar(t, "SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", tb); engine != "InnoDB" {
			t.Errorf("%s: engine %q", tb, engine)
		}
	}
	if got, err := e.db.JournalExists(ctx); err != nil || !got[JournalTable] || !got[JournalChanges] {
		t.Fatalf("after: %v, %v", got, err)
	}
	if err := e.db.CheckJournal(ctx); err != nil {
		t.Errorf("CheckJournal: %v", err)
	}
	// A journal table turned MyISAM is refused like the WHMCS tables.
	e.raw.Exec("ALTER TABLE " + JournalChanges + " ENGINE=MyISAM")
	if err := e.db.EnsureJournal(ctx); !errors.Is(err, ErrNotTransactional) {
		t.Errorf("MyISAM journal: %v", err)
	}
	if err := e.db.CheckJournal(ctx); !errors.Is(err, ErrNotTransactional) || !strings.Contains(err.Error(), JournalChanges) {
		t.Errorf("CheckJournal of a MyISAM journal: %v", err)
	}
	privs := fmt.Sprint(JournalPrivileges([]string{JournalChanges}))
	want := "[SELECT on tblDomainSyncJournal INSERT on tblDomainSyncJournal UPDATE on tblDomainSyncJournal DELETE on tblDomainSyncJournal " +
		"CREATE on tblDomainSyncJournalChanges SELECT on tblDomainSyncJournalChanges INSERT on tblDomainSyncJournalChanges UPDATE on tblDomainSyncJournalChanges DELETE on tblDomainSyncJournalChanges]"
	if privs != want {
		t.Errorf("privileges\n got %s\nwant %s", privs, want)
	}
}

func TestJournalRuns(t *testing.T) {
	e := newEnv(t, Options{})
	ensureJournal(t, e)
	ctx := context.Background()
	id, err := e.db.StartRun(ctx, JournalRun{Registrar: "openprovider", Command: "sync --all"})
	if err != nil || id <= 0 {
		t.Fatalf("StartRun: %d, %v", id, err)
	}
	r, ok, err := e.db.Run(ctx, id)
	if err != nil || !ok || r.Registrar != "openprovider" || r.Command != "sync --all" || !r.Started.Equal(now) || !r.Finished.IsZero() || r.ExitCode != nil {
		t.Fatalf("running: %+v %v %v", r, ok, err)
	}
	code := 1
	if err := e.db.FinishRun(ctx, JournalRun{ID: id, ExitCode: &code, Note: "held: suspicious mass change", Selected: 10, Changed: 0, Failed: 2, Skipped: 8}); err != nil {
		t.Fatal(err)
	}
	id2, _ := e.db.StartRun(ctx, JournalRun{Registrar: "odr", Command: "undo --run 1", UndoOf: id})
	runs, err := e.db.Runs(ctx, 10)
	if err != nil || len(runs) != 2 || runs[0].ID != id2 || runs[0].UndoOf != id {
		t.Fatalf("runs %+v %v", runs, err)
	}
	r = runs[1]
	if *r.ExitCode != 1 || r.Note != "held: suspicious mass change" || r.Selected != 10 || r.Failed != 2 || r.Skipped != 8 || !r.Finished.Equal(now) {
		t.Errorf("finished run %+v", r)
	}
	if _, ok, err := e.db.Run(ctx, 999); ok || err != nil {
		t.Errorf("no run 999: %v %v", ok, err)
	}
}

// journalRows is each change row of the journal as text.
func journalRows(t *testing.T, e *env) string {
	return e.scalar(t, "SELECT IFNULL(GROUP_CONCAT(CONCAT_WS('/', run_id, domain, field, ref_id, IFNULL(old_value, 'NULL'), IFNULL(new_value, 'NULL'), state, by_run) ORDER BY id SEPARATOR '\n'), '') FROM "+JournalChanges)
}

func TestApplyJournal(t *testing.T) {
	e := newEnv(t, Options{})
	f := seedInvoices(t, e)
	ensureJournal(t, e)
	ctx := context.Background()
	run, _ := e.db.StartRun(ctx, JournalRun{Registrar: "openprovider", Command: "sync"})
	x := selectOne(t, e, "x.com")
	c := moveAll(x)
	c.SyncTable = ""
	c.Journal = []JournalChange{
		{RunID: run, DomainID: x.ID, UserID: 5, Domain: "x.com", Field: FieldExpiry, Old: x.RawExpiryDate, New: Str("2026-07-15"), State: StateApplied},
		{RunID: run, DomainID: x.ID, UserID: 5, Domain: "x.com", Field: FieldInvoice, RefID: f.single, Old: Str("2025-07-01"), New: Str("2026-07-01"), State: StateApplied},
		{RunID: run, DomainID: x.ID, UserID: 5, Domain: "x.com", Field: FieldAutoRenew, Old: Str("off"), New: Str("default"), State: StatePlanned},
	}
	// A conflict rolls back the journal rows with the change.
	whmcstest_exec(t, e, "UPDATE tbldomains SET nextduedate = '2025-08-01' WHERE id = "+itoa(f.x))
	if err := e.db.Apply(ctx, c); !errors.Is(err, ErrConflict) {
		t.Fatalf("conflict: %v", err)
	}
	if got := journalRows(t, e); got != "" {
		t.Fatalf("journal after a conflict:\n%s", got)
	}
	whmcstest_exec(t, e, "UPDATE tbldomains SET nextduedate = '2025-07-01' WHERE id = "+itoa(f.x))
	if err := e.db.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d/x.com/reminders/0/|30|//applied/0\n%d/x.com/expiry/0/2025-07-15/2026-07-15/applied/0\n%d/x.com/invoice/%d/2025-07-01/2026-07-01/applied/0\n%d/x.com/autorenew/0/off/default/planned/0", run, run, run, f.single, run)
	if got := journalRows(t, e); got != want {
		t.Fatalf("journal\n got %s\nwant %s", got, want)
	}

	// The planned write: left for the next run, then accepted once.
	planned, err := e.db.PlannedWrites(ctx, "openprovider", run+1)
	if err != nil || len(planned) != 1 || planned[0].Field != FieldAutoRenew || planned[0].UserID != 5 || !planned[0].Time.Equal(now) {
		t.Fatalf("planned %+v %v", planned, err)
	}
	if p, _ := e.db.PlannedWrites(ctx, "openprovider", run); len(p) != 0 {
		t.Errorf("the run's own planned writes are not another run's: %+v", p)
	}
	if p, _ := e.db.PlannedWrites(ctx, "odr", 0); len(p) != 0 {
		t.Errorf("another registrar's: %+v", p)
	}
	acts := e.scalar(t, "SELECT COUNT(*) FROM tblactivitylog")
	done, err := e.db.PushAccepted(ctx, planned[0].ID, 5, "Domain Sync: x.com auto-renew off → default", run+1)
	if err != nil || !done {
		t.Fatalf("PushAccepted: %v %v", done, err)
	}
	done, err = e.db.PushAccepted(ctx, planned[0].ID, 5, "Domain Sync: x.com auto-renew off → default", run+1)
	if err != nil || done {
		t.Fatalf("PushAccepted twice: %v %v", done, err)
	}
	if got := e.scalar(t, "SELECT COUNT(*) FROM tblactivitylog"); got != fmt.Sprint(atoi(acts)+1) {
		t.Errorf("activity rows %s, want one more than %s", got, acts)
	}
	if got := e.scalar(t, "SELECT CONCAT_WS('/', state, by_run) FROM "+JournalChanges+" WHERE id = ?", planned[0].ID); got != fmt.Sprintf("sent/%d", run+1) {
		t.Errorf("accepted row %s", got)
	}
	id, err := e.db.JournalPlanned(ctx, JournalChange{RunID: run, DomainID: x.ID, Domain: "x.com", Field: FieldPrivacy, Old: Str("off"), New: Str("on")})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.PushFailed(ctx, id, 0); err != nil {
		t.Fatal(err)
	}
	if got := e.scalar(t, "SELECT state FROM "+JournalChanges+" WHERE id = ?", id); got != "failed" {
		t.Errorf("refused write: %s", got)
	}
	if ch, err := e.db.DomainChanges(ctx, "x.com"); err != nil || len(ch) != 5 {
		t.Errorf("domain changes %d, %v", len(ch), err)
	}
	if ch, err := e.db.RunChanges(ctx, run); err != nil || len(ch) != 5 || ch[2].RefID != f.single {
		t.Errorf("run changes %+v, %v", ch, err)
	}
}

func whmcstest_exec(t *testing.T, e *env, q string) {
	t.Helper()
	if _, err := e.raw.Exec(q); err != nil {
		t.Fatal(err)
	}
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

func TestApplyUndo(t *testing.T) {
	e := newEnv(t, Options{})
	f := seedInvoices(t, e)
	ensureJournal(t, e)
	ctx := context.Background()
	if _, err := e.db.EnsureSyncTable(ctx, "openprovider"); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, e)
	run, _ := e.db.StartRun(ctx, JournalRun{Registrar: "openprovider", Command: "sync"})
	x := selectOne(t, e, "x.com")
	c := moveAll(x)
	c.SyncTable, c.ActivityLog = "", nil
	j := func(field string, ref int64, old *string, nw string) JournalChange {
		return JournalChange{RunID: run, DomainID: x.ID, UserID: 5, Domain: "x.com", Field: field, RefID: ref, Old: old, New: Str(nw), State: StateApplied}
	}
	c.Journal = []JournalChange{
		j(FieldExpiry, 0, x.RawExpiryDate, "2026-07-15"),
		j(FieldNextDue, 0, x.RawNextDueDate, "2026-07-01"),
		j(FieldNextInvoice, 0, x.RawNextInvoiceDate, "2026-07-01"),
	}
	for _, m := range c.Items {
		c.Journal = append(c.Journal, j(FieldInvoiceItem, m.ItemID, m.OldDue, "2026-07-01"))
		if m.MoveInvoice && m.ItemID == f.items["single"] || m.ItemID == f.items["addon"] {
			c.Journal = append(c.Journal, j(FieldInvoice, m.InvoiceID, m.OldInvoice, "2026-07-01"))
		}
	}
	if err := e.db.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	changes, err := e.db.RunChanges(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := e.db.CurrentValues(ctx, changes)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range changes {
		if v := cur[KeyOf(ch)]; v == nil || *v != *ch.New {
			t.Errorf("%s %d: current %v, want %s", ch.Field, ch.RefID, v, *ch.New)
		}
	}
	undo, _ := e.db.StartRun(ctx, JournalRun{Registrar: "openprovider", Command: "undo --run 1", UndoOf: run})

	// A value no longer holding what the run wrote rolls the domain back.
	whmcstest_exec(t, e, "UPDATE tblinvoices SET duedate = '2026-08-01' WHERE id = "+itoa(f.single))
	mid := snapshot(t, e)
	u := Undo{RunID: undo, DomainID: x.ID, UserID: 5, Domain: "x.com", Reverts: changes, ActivityLog: []string{"Domain Sync: undo of run 1: x.com expiry date 2026-07-15 → 2025-07-15"}}
	if err := e.db.ApplyUndo(ctx, u); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "invoice "+itoa(f.single)) {
		t.Fatalf("conflict: %v", err)
	}
	if got := snapshot(t, e); got != mid {
		t.Fatalf("written despite the conflict:\n%s", got)
	}
	whmcstest_exec(t, e, "UPDATE tblinvoices SET duedate = '2026-07-01' WHERE id = "+itoa(f.single))
	if err := e.db.ApplyUndo(ctx, u); err != nil {
		t.Fatal(err)
	}
	// Everything back, the reminders Apply cleared included (journalled
	// by Apply), and one activity row.
	want := strings.Replace(before, "\n0\n", "\n1\n", 1)
	if got := snapshot(t, e); got != want {
		t.Errorf("after the undo\n got %s\nwant %s", got, want)
	}
	if got := e.scalar(t, "SELECT COUNT(*) FROM "+JournalChanges+" WHERE run_id = ? AND state = 'undone' AND by_run = ?", run, undo); got != fmt.Sprint(len(changes)) {
		t.Errorf("undone rows %s, want %d", got, len(changes))
	}
	if changes[0].Field != FieldReminders || *changes[0].Old != "|30|" || *changes[0].New != "" {
		t.Errorf("the reminders Apply cleared are journalled first: %+v", changes[0])
	}
	back, _ := e.db.RunChanges(ctx, undo)
	if len(back) != len(changes) || *back[1].Old != "2026-07-15" || *back[1].New != "2025-07-15" || back[1].State != StateApplied {
		t.Errorf("the undo run's own rows: %+v", back)
	}
}

func TestPruneJournal(t *testing.T) {
	e := newEnv(t, Options{})
	ensureJournal(t, e)
	ctx := context.Background()
	old := now.Add(-100 * 24 * time.Hour)
	code := 0
	mk := func(started time.Time, states ...string) int64 {
		id, err := e.db.StartRun(ctx, JournalRun{Registrar: "openprovider", Started: started})
		if err != nil {
			t.Fatal(err)
		}
		e.db.FinishRun(ctx, JournalRun{ID: id, ExitCode: &code})
		for i, s := range states {
			if _, err := e.db.insertChange(ctx, e.db.sql, JournalChange{RunID: id, DomainID: int64(i + 1), Domain: "a.com", Field: FieldExpiry, State: s}); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	a := mk(old, "applied", "applied", "applied", "sent", "undone")
	b := mk(old, "applied", "planned")
	c := mk(now.Add(-time.Hour), "applied")
	changes, runs, err := e.db.PruneJournal(ctx, now.Add(-90*24*time.Hour), 2)
	if err != nil || changes != 6 || runs != 1 {
		t.Fatalf("pruned %d changes, %d runs, %v", changes, runs, err)
	}
	if got := e.scalar(t, "SELECT GROUP_CONCAT(id ORDER BY id) FROM "+JournalTable); got != itoa(b)+","+itoa(c) {
		t.Errorf("runs left %s (pruned %d)", got, a)
	}
	if got := e.scalar(t, "SELECT GROUP_CONCAT(CONCAT(run_id, state) ORDER BY id) FROM "+JournalChanges); got != itoa(b)+"planned,"+itoa(c)+"applied" {
		t.Errorf("changes left %s", got)
	}
}
