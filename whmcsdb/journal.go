package whmcsdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The run journal (issue 17): two tables domainsync owns in the WHMCS
// database, named after the last-synced tables and created the same way
// (InnoDB, when missing). JournalTable has one row per run, JournalChanges
// one row per change a run made or planned.
const (
	JournalTable   = "tblDomainSyncJournal"
	JournalChanges = "tblDomainSyncJournalChanges"
)

// JournalTables are the journal's tables, runs first.
var JournalTables = []string{JournalTable, JournalChanges}

// What a journal change row changed (the field column).
const (
	FieldExpiry      = "expiry"          // tbldomains.expirydate
	FieldNextDue     = "nextduedate"     // tbldomains.nextduedate
	FieldNextInvoice = "nextinvoicedate" // tbldomains.nextinvoicedate
	FieldStatus      = "status"          // tbldomains.status
	FieldReminders   = "reminders"       // tbldomains.reminders, cleared when the expiry changes
	FieldInvoiceItem = "invoiceitem"     // tblinvoiceitems.duedate (RefID: the item)
	FieldInvoice     = "invoice"         // tblinvoices.duedate (RefID: the invoice)
	FieldAutoRenew   = "autorenew"       // the registrar's auto-renew (off, on, default)
	FieldPrivacy     = "privacy"         // the registrar's WHOIS privacy (off, on)
	FieldContact     = "contact"         // a registrar contact field (Detail names it)
)

// The states of a journal change row.
const (
	StatePlanned = "planned" // a registrar write about to be sent (or whose reply never came)
	StateApplied = "applied" // a WHMCS change, committed with its journal row
	StateSent    = "sent"    // a registrar write the registrar accepted
	StateFailed  = "failed"  // a registrar write the registrar refused
	StateUndone  = "undone"  // put back by the undo run ByRun
)

// IsRegistrarField reports whether field is a registrar setting (sent, not
// written to WHMCS).
func IsRegistrarField(field string) bool {
	return field == FieldAutoRenew || field == FieldPrivacy || field == FieldContact
}

// JournalRun is one row of the runs table.
type JournalRun struct {
	ID        int64
	Registrar string
	Command   string // the command and its flags, e.g. "sync --all"
	UndoOf    int64  // the run an undo run puts back (0: not an undo)
	Started   time.Time
	Finished  time.Time // zero while running, or when the run stopped without finishing
	ExitCode  *int      // nil while running or when the run stopped without finishing
	Note      string    // e.g. "held: suspicious mass change"

	Selected, Changed, Failed, Skipped int
}

// JournalChange is one row of the changes table.
type JournalChange struct {
	ID       int64
	RunID    int64
	DomainID int64
	UserID   int64 // the domain's client (for activity rows written later)
	Domain   string
	Field    string // Field*
	RefID    int64  // the invoice item or invoice; for an undo run's registrar write, the row it puts back
	Detail   string // e.g. the item's type, the contact field
	Old, New *string
	State    string // State*
	ByRun    int64  // the undo run (undone), or the run that finished a planned write
	Time     time.Time

	// RunUndoOf is the undo_of of the row's run (read by PlannedWrites
	// only): a planned write of an undo run is logged as an undo.
	RunUndoOf int64
	// Superseded (read by PlannedWrites only): a later write of the same
	// setting of the domain was accepted (sent) since.
	Superseded bool
}

// str is a pointer to s, for Old/New values.
func str(s string) *string { return &s }

// Str is a pointer to s, for JournalChange.Old and New.
func Str(s string) *string { return str(s) }

// EnsureJournal creates the journal tables when they do not exist and adds
// them to the tables the engine check covers.
func (db *DB) EnsureJournal(ctx context.Context) error {
	for _, t := range JournalTables {
		exists, err := db.tableExists(ctx, t)
		if err != nil {
			return err
		}
		if exists {
			continue
		}
		if _, err := db.sql.ExecContext(ctx, journalDDL[t]); err != nil {
			return fmt.Errorf("creating the journal table %s: %w", t, err)
		}
		db.log.Info("created the journal table", "table", t)
	}
	for _, t := range JournalTables {
		db.useSyncTable(t)
	}
	return db.CheckEngines(ctx)
}

// CheckJournal runs the engine check (CheckEngines) with the journal
// tables, which must exist: a journal that is not transactional is refused
// like the WHMCS tables.
func (db *DB) CheckJournal(ctx context.Context) error {
	for _, t := range JournalTables {
		db.useSyncTable(t)
	}
	return db.CheckEngines(ctx)
}

// journalDDL creates the journal tables.
var journalDDL = map[string]string{
	JournalTable: "CREATE TABLE IF NOT EXISTS `" + JournalTable + "` (" +
		"`id` bigint(20) unsigned NOT NULL AUTO_INCREMENT, " +
		"`registrar` varchar(64) NOT NULL DEFAULT '', " +
		"`command` varchar(255) NOT NULL DEFAULT '', " +
		"`undo_of` bigint(20) unsigned NOT NULL DEFAULT 0, " +
		"`started` datetime NOT NULL, " +
		"`finished` datetime NULL DEFAULT NULL, " +
		"`exit_code` int(11) NULL DEFAULT NULL, " +
		"`note` varchar(255) NOT NULL DEFAULT '', " +
		"`selected` int(11) NOT NULL DEFAULT 0, " +
		"`changed` int(11) NOT NULL DEFAULT 0, " +
		"`failed` int(11) NOT NULL DEFAULT 0, " +
		"`skipped` int(11) NOT NULL DEFAULT 0, " +
		"PRIMARY KEY (`id`), KEY `started` (`started`)" +
		") ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci",
	JournalChanges: "CREATE TABLE IF NOT EXISTS `" + JournalChanges + "` (" +
		"`id` bigint(20) unsigned NOT NULL AUTO_INCREMENT, " +
		"`run_id` bigint(20) unsigned NOT NULL, " +
		"`domain_id` int(10) unsigned NOT NULL, " +
		"`userid` int(10) unsigned NOT NULL DEFAULT 0, " +
		"`domain` varchar(255) NOT NULL DEFAULT '', " +
		"`field` varchar(32) NOT NULL, " +
		"`ref_id` bigint(20) unsigned NOT NULL DEFAULT 0, " +
		"`detail` varchar(255) NOT NULL DEFAULT '', " +
		"`old_value` varchar(255) NULL DEFAULT NULL, " +
		"`new_value` varchar(255) NULL DEFAULT NULL, " +
		"`state` varchar(16) NOT NULL, " +
		"`by_run` bigint(20) unsigned NOT NULL DEFAULT 0, " +
		"`changed_at` datetime NOT NULL, " +
		"PRIMARY KEY (`id`), KEY `run_id` (`run_id`), KEY `domain` (`domain`), KEY `state` (`state`)" +
		") ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci",
}

// JournalExists reports which journal tables exist (a table the user may
// not read counts as existing).
func (db *DB) JournalExists(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	for _, t := range JournalTables {
		ok, err := db.SyncTableExists(ctx, t)
		if err != nil {
			return nil, err
		}
		out[t] = ok
	}
	return out, nil
}

// JournalPrivileges are what the journal needs: CREATE on each table that
// does not exist yet (missing), SELECT, INSERT, UPDATE and DELETE on each.
func JournalPrivileges(missing []string) []Privilege {
	var out []Privilege
	for _, t := range JournalTables {
		for _, m := range missing {
			if m == t {
				out = append(out, Privilege{"CREATE", t})
			}
		}
		for _, p := range []string{"SELECT", "INSERT", "UPDATE", "DELETE"} {
			out = append(out, Privilege{p, t})
		}
	}
	return out
}

// StartRun adds a run row (Started = now when zero) and returns its id.
func (db *DB) StartRun(ctx context.Context, r JournalRun) (int64, error) {
	if r.Started.IsZero() {
		r.Started = db.now()
	}
	ts, err := formatDateTime(r.Started, db.loc)
	if err != nil {
		return 0, err
	}
	if err := db.writable(ctx, JournalTables...); err != nil {
		return 0, err
	}
	res, err := db.sql.ExecContext(ctx, "INSERT INTO `"+JournalTable+"` (`registrar`, `command`, `undo_of`, `started`) VALUES (?, ?, ?, ?)",
		clip(r.Registrar, 64), clip(cleanText(r.Command), 255), max(r.UndoOf, 0), ts)
	if err != nil {
		return 0, fmt.Errorf("journal: recording the run: %w", err)
	}
	return res.LastInsertId()
}

// FinishRun records a run's end: finished (r.Finished, or now when zero),
// exit code, note and totals.
func (db *DB) FinishRun(ctx context.Context, r JournalRun) error {
	if r.ID <= 0 {
		return nil
	}
	if r.Finished.IsZero() {
		r.Finished = db.now()
	}
	ts, err := formatDateTime(r.Finished, db.loc)
	if err != nil {
		return err
	}
	code := 0
	if r.ExitCode != nil {
		code = *r.ExitCode
	}
	_, err = db.sql.ExecContext(ctx, "UPDATE `"+JournalTable+"` SET `finished` = ?, `exit_code` = ?, `note` = ?, "+
		"`selected` = ?, `changed` = ?, `failed` = ?, `skipped` = ? WHERE `id` = ?",
		ts, code, clip(cleanText(r.Note), 255), r.Selected, r.Changed, r.Failed, r.Skipped, r.ID)
	if err != nil {
		return fmt.Errorf("journal: recording the end of run %d: %w", r.ID, err)
	}
	return nil
}

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

const changeCols = "`run_id`, `domain_id`, `userid`, `domain`, `field`, `ref_id`, `detail`, `old_value`, `new_value`, `state`, `by_run`, `changed_at`"

// execer is a *sql.DB or *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// changeRow is one change row's values, in changeCols order (its Time,
// when zero, is now).
func (db *DB) changeRow(c JournalChange) ([]any, error) {
	if c.RunID <= 0 {
		return nil, errors.New("journal: a change row needs its run")
	}
	if c.Time.IsZero() {
		c.Time = db.now()
	}
	ts, err := formatDateTime(c.Time, db.loc)
	if err != nil {
		return nil, err
	}
	return []any{c.RunID, max(c.DomainID, 0), max(c.UserID, 0), clip(cleanText(c.Domain), 255), c.Field, max(c.RefID, 0),
		clip(cleanText(c.Detail), 255), clipValue(c.Old), clipValue(c.New), c.State, max(c.ByRun, 0), ts}, nil
}

// changeValues is the placeholders of one change row.
const changeValues = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

// insertChange writes one change row (its Time, when zero, is now).
func (db *DB) insertChange(ctx context.Context, x execer, c JournalChange) (int64, error) {
	row, err := db.changeRow(c)
	if err != nil {
		return 0, err
	}
	res, err := x.ExecContext(ctx, "INSERT INTO `"+JournalChanges+"` ("+changeCols+") VALUES "+changeValues, row...)
	if err != nil {
		return 0, fmt.Errorf("journal: recording %s of %s: %w", c.Field, c.Domain, err)
	}
	return res.LastInsertId()
}

// insertChanges writes change rows with one multi-row INSERT (their ids
// are not returned: a server may interleave auto-increment values).
func (db *DB) insertChanges(ctx context.Context, x execer, cs []JournalChange) error {
	if len(cs) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("INSERT INTO `" + JournalChanges + "` (" + changeCols + ") VALUES ")
	args := make([]any, 0, 12*len(cs))
	for i, c := range cs {
		row, err := db.changeRow(c)
		if err != nil {
			return err
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(changeValues)
		args = append(args, row...)
	}
	if _, err := x.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("journal: recording the changes of %s: %w", cs[0].Domain, err)
	}
	return nil
}

// clipValue is an Old/New value as stored (NULL for nil).
func clipValue(p *string) any {
	if p == nil {
		return nil
	}
	return clip(cleanText(*p), 255)
}

// JournalPlanned records a registrar write as planned, before it is sent,
// and returns the row's id.
func (db *DB) JournalPlanned(ctx context.Context, c JournalChange) (int64, error) {
	if err := db.writable(ctx, JournalTables...); err != nil {
		return 0, err
	}
	c.State = StatePlanned
	return db.insertChange(ctx, db.sql, c)
}

// PushAccepted records, in one transaction, that the registrar accepted the
// planned write id: the activity row (desc, for client userID) and the
// journal row moved to sent (byRun: the run that finished it, 0 when its
// own). undone, when set, are rows
// the write put back (an undo): they become undone by byRun, or by the
// row's run when byRun is 0. Nothing is written when the row is no longer
// planned (another run finished it): done is then false.
func (db *DB) PushAccepted(ctx context.Context, id, userID int64, desc string, byRun int64, undone ...int64) (done bool, err error) {
	logInsert, err := db.activityInsert(ctx)
	if err != nil {
		return false, err
	}
	desc = cleanText(desc)
	now, err := formatDateTime(db.now(), db.loc)
	if err != nil {
		return false, err
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("journal: starting a transaction: %w", err)
	}
	defer func() {
		if err != nil || !done {
			tx.Rollback()
		}
	}()
	res, err := tx.ExecContext(ctx, "UPDATE `"+JournalChanges+"` SET `state` = ?, `by_run` = ? WHERE `id` = ? AND `state` = ?",
		StateSent, max(byRun, 0), id, StatePlanned)
	if err != nil {
		return false, fmt.Errorf("journal: marking write %d sent: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}

	if strings.TrimSpace(desc) != "" {
		if _, err := tx.ExecContext(ctx, logInsert, now, desc, max(userID, 0)); err != nil {
			return false, fmt.Errorf("writing the activity log: %w", err)
		}
	}
	// The rows put back are undone by the write's own (undo) run, whichever
	// run finished the write.
	if len(undone) > 0 {
		var runID int64
		if err := tx.QueryRowContext(ctx, "SELECT `run_id` FROM `"+JournalChanges+"` WHERE `id` = ?", id).Scan(&runID); err != nil {
			return false, fmt.Errorf("journal: reading write %d: %w", id, err)
		}
		if err := markUndone(ctx, tx, runID, undone); err != nil {
			return false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("journal: committing: %w", err)
	}
	return true, nil
}

// markUndone moves rows to undone by the undo run byRun, with one UPDATE.
func markUndone(ctx context.Context, x execer, byRun int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{StateUndone, byRun}
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, StateApplied, StateSent)
	if _, err := x.ExecContext(ctx, "UPDATE `"+JournalChanges+"` SET `state` = ?, `by_run` = ? WHERE `id` IN ("+placeholders(len(ids))+") AND `state` IN (?, ?)",
		args...); err != nil {
		return fmt.Errorf("journal: marking changes %v undone: %w", ids, err)
	}
	return nil
}

// PushFailed moves the planned write id to failed: the registrar refused
// it (byRun: the run that found out, 0 when its own).
func (db *DB) PushFailed(ctx context.Context, id, byRun int64) error {
	_, err := db.sql.ExecContext(ctx, "UPDATE `"+JournalChanges+"` SET `state` = ?, `by_run` = ? WHERE `id` = ? AND `state` = ?",
		StateFailed, max(byRun, 0), id, StatePlanned)
	if err != nil {
		return fmt.Errorf("journal: marking write %d failed: %w", id, err)
	}
	return nil
}

// PlannedWrites are the registrar writes still planned by earlier runs of
// registrar (runs other than exceptRun), oldest first: a run that stopped
// between planning a write and recording its reply left them. Each says
// whether a later write of the same setting was accepted since
// (Superseded) and its run's undo_of: one query, however many there are.
func (db *DB) PlannedWrites(ctx context.Context, registrar string, exceptRun int64) ([]JournalChange, error) {
	q := changeSelect + ", r.`undo_of`, EXISTS (SELECT 1 FROM `" + JournalChanges + "` l " +
		"WHERE l.`domain_id` = c.`domain_id` AND l.`field` = c.`field` AND l.`id` > c.`id` AND l.`state` IN (?, ?))" +
		changesFrom + "JOIN `" + JournalTable + "` r ON r.`id` = c.`run_id` " +
		"WHERE c.`state` = ? AND c.`run_id` <> ? AND r.`registrar` = ? ORDER BY c.`id`"
	return db.queryChanges(ctx, q, func(c *JournalChange) []any { return []any{&c.RunUndoOf, &c.Superseded} },
		StateSent, StateUndone, StatePlanned, exceptRun, registrar)
}

// RunChanges are the change rows of a run, in order.
func (db *DB) RunChanges(ctx context.Context, runID int64) ([]JournalChange, error) {
	return db.queryChanges(ctx, changeSelect+changesFrom+"WHERE c.`run_id` = ? ORDER BY c.`id`", nil, runID)
}

// DomainChanges are the change rows of a domain name (as stored, any
// case) across runs, oldest first.
func (db *DB) DomainChanges(ctx context.Context, name string) ([]JournalChange, error) {
	return db.queryChanges(ctx, changeSelect+changesFrom+"WHERE c.`domain` = ? ORDER BY c.`id`", nil, name)
}

// changeSelect and changesFrom begin a query of change rows (the changes
// table as c).
const (
	changeSelect = "SELECT c.`id`, c.`run_id`, c.`domain_id`, c.`userid`, c.`domain`, c.`field`, c.`ref_id`, c.`detail`, " +
		"c.`old_value`, c.`new_value`, c.`state`, c.`by_run`, c.`changed_at`"
	changesFrom = " FROM `" + JournalChanges + "` c "
)

// queryChanges reads the change rows query selects (changeSelect, then
// the columns extra gives each row's destinations for, when set).
func (db *DB) queryChanges(ctx context.Context, query string, extra func(*JournalChange) []any, args ...any) ([]JournalChange, error) {
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: reading changes: %w", err)
	}
	defer rows.Close()
	var out []JournalChange
	for rows.Next() {
		var c JournalChange
		var at sql.NullString
		dest := []any{&c.ID, &c.RunID, &c.DomainID, &c.UserID, &c.Domain, &c.Field, &c.RefID, &c.Detail,
			&c.Old, &c.New, &c.State, &c.ByRun, &at}
		if extra != nil {
			dest = append(dest, extra(&c)...)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("journal: reading changes: %w", err)
		}
		if c.Time, err = parseDateTime(nullToPtr(at), db.loc); err != nil {
			return nil, fmt.Errorf("journal: change %d: %w", c.ID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("journal: reading changes: %w", err)
	}
	return out, nil
}

const runCols = "`id`, `registrar`, `command`, `undo_of`, `started`, `finished`, `exit_code`, `note`, `selected`, `changed`, `failed`, `skipped`"

// Runs are the last limit runs, newest first.
func (db *DB) Runs(ctx context.Context, limit int) ([]JournalRun, error) {
	if limit <= 0 {
		limit = 20
	}
	return db.queryRuns(ctx, "ORDER BY `id` DESC LIMIT ?", limit)
}

// Run reads one run; ok is false when there is none with that id.
func (db *DB) Run(ctx context.Context, id int64) (r JournalRun, ok bool, err error) {
	runs, err := db.queryRuns(ctx, "WHERE `id` = ?", id)
	if err != nil || len(runs) == 0 {
		return JournalRun{}, false, err
	}
	return runs[0], true, nil
}

func (db *DB) queryRuns(ctx context.Context, rest string, args ...any) ([]JournalRun, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+runCols+" FROM `"+JournalTable+"` "+rest, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: reading runs: %w", err)
	}
	defer rows.Close()
	var out []JournalRun
	for rows.Next() {
		var r JournalRun
		var started, finished sql.NullString
		var code sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Registrar, &r.Command, &r.UndoOf, &started, &finished, &code, &r.Note,
			&r.Selected, &r.Changed, &r.Failed, &r.Skipped); err != nil {
			return nil, fmt.Errorf("journal: reading runs: %w", err)
		}
		if r.Started, err = parseDateTime(nullToPtr(started), db.loc); err != nil {
			return nil, fmt.Errorf("journal: run %d: %w", r.ID, err)
		}
		if r.Finished, err = parseDateTime(nullToPtr(finished), db.loc); err != nil {
			return nil, fmt.Errorf("journal: run %d: %w", r.ID, err)
		}
		if code.Valid {
			c := int(code.Int64)
			r.ExitCode = &c
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("journal: reading runs: %w", err)
	}
	return out, nil
}

// PruneJournal deletes the runs started before cutoff with their change
// rows, at most chunk rows per statement (each its own short transaction,
// so no long lock is held on the tables), keeping the planned writes a
// later run still has to finish. It returns the change and run rows deleted.
func (db *DB) PruneJournal(ctx context.Context, cutoff time.Time, chunk int) (changes, runs int64, err error) {
	if chunk <= 0 {
		chunk = 500
	}
	ts, err := formatDateTime(cutoff, db.loc)
	if err != nil {
		return 0, 0, err
	}
	for {
		res, err := db.sql.ExecContext(ctx, "DELETE FROM `"+JournalChanges+"` WHERE `state` <> ? AND `run_id` IN "+
			"(SELECT r.`id` FROM `"+JournalTable+"` r WHERE r.`started` < ?) LIMIT ?",
			StatePlanned, ts, chunk)
		if err != nil {
			return changes, runs, fmt.Errorf("journal: pruning changes: %w", err)
		}
		n, _ := res.RowsAffected()
		changes += n
		if n < int64(chunk) {
			break
		}
	}
	for {
		res, err := db.sql.ExecContext(ctx, "DELETE FROM `"+JournalTable+"` WHERE `started` < ? "+
			"AND `id` NOT IN (SELECT c.`run_id` FROM `"+JournalChanges+"` c) LIMIT ?", ts, chunk)
		if err != nil {
			return changes, runs, fmt.Errorf("journal: pruning runs: %w", err)
		}
		n, _ := res.RowsAffected()
		runs += n
		if n < int64(chunk) {
			break
		}
	}
	return changes, runs, nil
}
