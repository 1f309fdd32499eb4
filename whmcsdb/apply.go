package whmcsdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"cloud.google.com/go/civil"
)

// domainStatuses is the tbldomains.status enum of WHMCS 8.12, in order.
var domainStatuses = []string{
	"Pending", "Pending Registration", "Pending Transfer", "Active", "Grace",
	"Redemption", "Expired", "Cancelled", "Fraud", "Transferred Away",
}

// DomainStatuses returns the values tbldomains.status may hold, in the
// enum's order.
func DomainStatuses() []string { return slices.Clone(domainStatuses) }

// Apply writes one domain's change in one transaction: the tbldomains
// update guarded by the values it was planned from, the invoice item and
// invoice due-date moves (each guarded, and only on invoices still Unpaid),
// the activity-log rows, and last_sync. When a guard finds the row changed
// the transaction is rolled back and the error wraps ErrConflict; any other
// failure rolls back too. Either everything is written or nothing.
func (db *DB) Apply(ctx context.Context, c Change) error {
	_, err := db.ApplyJournal(ctx, c)
	return err
}

// ApplyJournal is Apply, returning the ids of c.Journal's rows in order:
// the id of each planned (registrar write) row, 0 for the others.
func (db *DB) ApplyJournal(ctx context.Context, c Change) (ids []int64, err error) {
	d := c.Domain
	fail := func(format string, a ...any) error {
		return fmt.Errorf("domain %q (id %d): %w", d.Name, d.ID, fmt.Errorf(format, a...))
	}
	if d.ID <= 0 {
		return nil, fail("invalid domain id")
	}
	upd, err := domainUpdate(c)
	if err != nil {
		return nil, fail("%w", err)
	}
	var syncTS string
	if c.SyncTable != "" {
		if err := checkIdent(c.SyncTable); err != nil {
			return nil, fail("%w", err)
		}
		if syncTS, err = formatDateTime(c.SyncTime, db.loc); err != nil {
			return nil, fail("last_sync: %w", err)
		}
	}
	var logs []string
	for _, l := range c.ActivityLog {
		if l = cleanText(l); strings.TrimSpace(l) != "" {
			logs = append(logs, l)
		}
	}
	if upd.query == "" && len(c.Items) == 0 && len(logs) == 0 && syncTS == "" && len(c.Journal) == 0 {
		return nil, nil
	}
	tables := []string{c.SyncTable}
	if len(c.Journal) > 0 {
		tables = append(tables, JournalTables...)
	}
	if err := db.writable(ctx, tables...); err != nil {
		return nil, err
	}
	var logInsert string
	if len(logs) > 0 {
		if logInsert, err = db.activityInsert(ctx); err != nil {
			return nil, fail("%w", err)
		}
	}

	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fail("starting a transaction: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()

	if upd.query != "" {
		if err := execGuarded(ctx, tx, "the tbldomains row", upd.query, upd.args...); err != nil {
			return nil, fail("%w", err)
		}
	}
	if err := moveItems(ctx, tx, d.ID, c.Items); err != nil {
		return nil, fail("%w", err)
	}
	if len(logs) > 0 {
		now, err := formatDateTime(db.now(), db.loc)
		if err != nil {
			return nil, fail("activity log: %w", err)
		}
		for _, l := range logs {
			if _, err := tx.ExecContext(ctx, logInsert, now, l, max(d.UserID, 0)); err != nil {
				return nil, fail("writing the activity log: %w", err)
			}
		}
	}
	// The journal: the WHMCS changes (applied) in one INSERT, with the
	// expiry reminders the change clears (as read with the batch), so that
	// an undo can put them back; each registrar write (planned) on its own,
	// for its id.
	var applied []JournalChange
	if upd.resetsReminders && len(c.Journal) > 0 && d.RawReminders != "" {
		j := c.Journal[0]
		j.Field, j.RefID, j.Detail, j.Old, j.New, j.State = FieldReminders, 0, "", str(d.RawReminders), str(""), StateApplied
		applied = append(applied, j)
	}
	for _, j := range c.Journal {
		if j.State != StatePlanned {
			applied = append(applied, j)
		}
	}
	if err := db.insertChanges(ctx, tx, applied); err != nil {
		return nil, fail("%w", err)
	}
	for _, j := range c.Journal {
		if j.State != StatePlanned {
			ids = append(ids, 0)
			continue
		}
		id, err := db.insertChange(ctx, tx, j)
		if err != nil {
			return nil, fail("%w", err)
		}
		ids = append(ids, id)
	}
	if syncTS != "" {
		if _, err := tx.ExecContext(ctx, "INSERT INTO `"+c.SyncTable+"` (`id`, `last_sync`) VALUES (?, ?) "+
			"ON DUPLICATE KEY UPDATE `last_sync` = VALUES(`last_sync`)", d.ID, syncTS); err != nil {
			return nil, fail("recording last_sync in %s: %w", c.SyncTable, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fail("committing: %w", err)
	}
	return ids, nil
}

type statement struct {
	query string
	args  []any
	// resetsReminders: the UPDATE clears tbldomains.reminders (the expiry
	// changes).
	resetsReminders bool
}

// domainUpdate builds the guarded tbldomains UPDATE of c ("" when no field
// changes).
func domainUpdate(c Change) (statement, error) {
	d := c.Domain
	var sets, conds []string
	var setArgs, condArgs []any
	resets := false
	date := func(col string, v *civil.Date, raw *string) error {
		if v == nil {
			return nil
		}
		s, err := formatDate(*v)
		if err != nil {
			return fmt.Errorf("%s: %w", col, err)
		}
		sets = append(sets, "`"+col+"` = ?")
		setArgs = append(setArgs, s)
		if col == "expirydate" && (raw == nil || *raw != s) {
			sets = append(sets, "`reminders` = ''")
			resets = true
		}
		conds = append(conds, "`"+col+"` <=> ?")
		condArgs = append(condArgs, rawOrNull(raw))
		return nil
	}
	if err := date("expirydate", c.ExpiryDate, d.RawExpiryDate); err != nil {
		return statement{}, err
	}
	if err := date("nextduedate", c.NextDueDate, d.RawNextDueDate); err != nil {
		return statement{}, err
	}
	if err := date("nextinvoicedate", c.NextInvoiceDate, d.RawNextInvoiceDate); err != nil {
		return statement{}, err
	}
	if c.Status != nil {
		if !slices.Contains(domainStatuses, *c.Status) {
			return statement{}, fmt.Errorf("status %q is not a WHMCS domain status", *c.Status)
		}
		sets = append(sets, "`status` = ?")
		setArgs = append(setArgs, *c.Status)
		conds = append(conds, "`status` = ?")
		condArgs = append(condArgs, d.RawStatus)
	}
	if len(sets) == 0 {
		return statement{}, nil
	}
	q := "UPDATE `tbldomains` SET " + strings.Join(sets, ", ") +
		" WHERE `id` = ? AND " + strings.Join(conds, " AND ")
	args := append(append(setArgs, d.ID), condArgs...)
	return statement{q, args, resets}, nil
}

// moveItems moves unpaid invoice items (and, once per invoice, the invoice
// itself) of domain id. The guards avoid correlated EXISTS subqueries, which the
// demo's embedded engine (go-mysql-server) cannot run inside an UPDATE.
func moveItems(ctx context.Context, tx *sql.Tx, domainID int64, moves []ItemMove) error {
	invoices := map[int64]string{} // invoice id → new due date already written
	for _, m := range moves {
		if m.ItemID <= 0 || m.InvoiceID <= 0 {
			return fmt.Errorf("invalid invoice item move (item %d, invoice %d)", m.ItemID, m.InvoiceID)
		}
		due, err := formatDate(m.NewDue)
		if err != nil {
			return fmt.Errorf("invoice item %d duedate: %w", m.ItemID, err)
		}
		err = execGuarded(ctx, tx, fmt.Sprintf("invoice item %d", m.ItemID),
			"UPDATE `tblinvoiceitems` ii SET ii.`duedate` = ? "+
				"WHERE ii.`id` = ? AND ii.`invoiceid` = ? AND ii.`relid` = ? AND ii.`duedate` <=> ? AND "+isDomainItem("ii")+
				" AND ii.`invoiceid` IN (SELECT i.`id` FROM `tblinvoices` i WHERE i.`status` = 'Unpaid')",
			due, m.ItemID, m.InvoiceID, domainID, rawOrNull(m.OldDue))
		if err != nil {
			return err
		}
		if !m.MoveInvoice {
			continue
		}
		if prev, ok := invoices[m.InvoiceID]; ok {
			if prev != due {
				return fmt.Errorf("invoice %d would move to both %s and %s", m.InvoiceID, prev, due)
			}
			continue
		}
		err = execGuarded(ctx, tx, fmt.Sprintf("invoice %d", m.InvoiceID),
			"UPDATE `tblinvoices` i SET i.`duedate` = ? "+
				"WHERE i.`id` = ? AND i.`status` = 'Unpaid' AND i.`duedate` <=> ? "+
				"AND (SELECT COUNT(*) FROM `tblinvoiceitems` o WHERE o.`invoiceid` = ? "+
				"AND NOT (o.`relid` = ? AND "+isDomainItem("o")+")) = 0",
			due, m.InvoiceID, rawOrNull(m.OldInvoice), m.InvoiceID, domainID)
		if err != nil {
			return err
		}
		invoices[m.InvoiceID] = due
	}
	return nil
}

// execGuarded runs a guarded UPDATE; no matched row means the row changed
// since it was read (the connection reports matched, not changed, rows).
func execGuarded(ctx context.Context, tx *sql.Tx, what, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("updating %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("updating %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrConflict)
	}
	return nil
}

// activityInsert is the tblactivitylog INSERT for this database: WHMCS 8
// tables have user_id and admin_id, 7.x tables do not.
func (db *DB) activityInsert(ctx context.Context) (string, error) {
	cols, err := db.tableColumns(ctx, "tblactivitylog")
	if err != nil {
		return "", err
	}
	names := "`date`, `description`, `user`, `userid`, `ipaddr`"
	values := "?, ?, 'System', ?, ''"
	if cols["user_id"] && cols["admin_id"] {
		names += ", `user_id`, `admin_id`"
		values += ", 0, 0"
	}
	return "INSERT INTO `tblactivitylog` (" + names + ") VALUES (" + values + ")", nil
}

// LogActivity writes one activity-log row as WHMCS's cron does (user
// 'System', userid = the client or 0, no IP), for events logged without
// other changes.
func (db *DB) LogActivity(ctx context.Context, userID int64, desc string) error {
	desc = cleanText(desc)
	if strings.TrimSpace(desc) == "" {
		return errors.New("activity log: empty description")
	}
	if err := db.writable(ctx); err != nil {
		return err
	}
	q, err := db.activityInsert(ctx)
	if err != nil {
		return err
	}
	now, err := formatDateTime(db.now(), db.loc)
	if err != nil {
		return err
	}
	if _, err := db.sql.ExecContext(ctx, q, now, desc, max(userID, 0)); err != nil {
		return fmt.Errorf("writing the activity log: %w", err)
	}
	return nil
}

// cleanText makes text storable in WHMCS's 3-byte utf8 columns: invalid
// UTF-8 and characters outside the Basic Multilingual Plane become U+FFFD.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsFunc(s, func(r rune) bool { return r > 0xFFFF }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r > 0xFFFF {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}
