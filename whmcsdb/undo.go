package whmcsdb

import (
	"context"
	"fmt"
	"strings"
)

// ValueKey names one WHMCS value a journal change wrote: the field and the
// row (the domain id for tbldomains fields, RefID for invoice items and
// invoices).
type ValueKey struct {
	Field string
	ID    int64
}

// KeyOf is the ValueKey of a WHMCS journal change.
func KeyOf(c JournalChange) ValueKey {
	if c.Field == FieldInvoiceItem || c.Field == FieldInvoice {
		return ValueKey{c.Field, c.RefID}
	}
	return ValueKey{c.Field, c.DomainID}
}

// domainColumns are the tbldomains columns of the WHMCS journal fields.
var domainColumns = map[string]string{
	FieldExpiry:      "expirydate",
	FieldNextDue:     "nextduedate",
	FieldNextInvoice: "nextinvoicedate",
	FieldStatus:      "status",
	FieldReminders:   "reminders",
}

// CurrentValues reads what each WHMCS value of changes holds now (raw, as
// Apply guards on it; NULL is a nil pointer). A row that no longer exists
// has no entry. Registrar fields are skipped.
func (db *DB) CurrentValues(ctx context.Context, changes []JournalChange) (map[ValueKey]*string, error) {
	ids := map[string][]int64{} // table → ids
	seen := map[ValueKey]bool{}
	for _, c := range changes {
		k := KeyOf(c)
		if IsRegistrarField(c.Field) || seen[k] {
			continue
		}
		seen[k] = true
		switch c.Field {
		case FieldInvoiceItem:
			ids["tblinvoiceitems"] = appendNew(ids["tblinvoiceitems"], k.ID)
		case FieldInvoice:
			ids["tblinvoices"] = appendNew(ids["tblinvoices"], k.ID)
		default:
			if _, ok := domainColumns[c.Field]; !ok {
				return nil, fmt.Errorf("journal change %d: unknown field %q", c.ID, c.Field)
			}
			ids["tbldomains"] = appendNew(ids["tbldomains"], k.ID)
		}
	}
	out := map[ValueKey]*string{}
	for table, all := range ids {
		for len(all) > 0 {
			n := min(len(all), 1000)
			chunk := all[:n]
			all = all[n:]
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			var q string
			if table == "tbldomains" {
				q = "SELECT `id`, `expirydate`, `nextduedate`, `nextinvoicedate`, `status`, `reminders` FROM `tbldomains` WHERE `id` IN (" + placeholders(n) + ")"
			} else {
				q = "SELECT `id`, `duedate` FROM `" + table + "` WHERE `id` IN (" + placeholders(n) + ")"
			}
			rows, err := db.sql.QueryContext(ctx, q, args...)
			if err != nil {
				return nil, fmt.Errorf("reading the current values of %s: %w", table, err)
			}
			for rows.Next() {
				var id int64
				var a, b, c, d, e *string
				var err error
				if table == "tbldomains" {
					if err = rows.Scan(&id, &a, &b, &c, &d, &e); err == nil {
						out[ValueKey{FieldExpiry, id}] = a
						out[ValueKey{FieldNextDue, id}] = b
						out[ValueKey{FieldNextInvoice, id}] = c
						out[ValueKey{FieldStatus, id}] = d
						out[ValueKey{FieldReminders, id}] = e
					}
				} else if err = rows.Scan(&id, &a); err == nil {
					f := FieldInvoiceItem
					if table == "tblinvoices" {
						f = FieldInvoice
					}
					out[ValueKey{f, id}] = a
				}
				if err != nil {
					rows.Close()
					return nil, fmt.Errorf("reading the current values of %s: %w", table, err)
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, fmt.Errorf("reading the current values of %s: %w", table, err)
			}
		}
	}
	return out, nil
}

func appendNew(ids []int64, id int64) []int64 {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

// Undo is what an undo run writes to WHMCS for one domain, in one
// transaction.
type Undo struct {
	RunID    int64 // the undo run
	DomainID int64
	UserID   int64
	Domain   string
	// Reverts are the WHMCS journal changes put back: each value must still
	// hold its New, and gets its Old back.
	Reverts []JournalChange
	// ActivityLog: one row per undone change.
	ActivityLog []string
}

// ApplyUndo puts one domain's WHMCS changes back in one transaction: each
// value is set to its Old only while it still holds its New (otherwise the
// whole domain is rolled back and the error wraps ErrConflict); the undo
// run's own journal rows (applied, Old and New swapped), the undone rows
// moved to undone with a link to the undo run, and the activity rows.
func (db *DB) ApplyUndo(ctx context.Context, u Undo) (err error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("domain %q (id %d): %w", u.Domain, u.DomainID, fmt.Errorf(format, a...))
	}
	if len(u.Reverts) == 0 {
		return nil
	}
	if u.RunID <= 0 {
		return fail("undo without its run")
	}
	if err := db.writable(ctx, JournalTables...); err != nil {
		return err
	}
	logInsert, err := db.activityInsert(ctx)
	if err != nil {
		return fail("%w", err)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fail("starting a transaction: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var undone []int64
	var back []JournalChange // the undo run's rows
	for _, c := range u.Reverts {
		var q, what string
		switch c.Field {
		case FieldInvoiceItem:
			q, what = "UPDATE `tblinvoiceitems` SET `duedate` = ? WHERE `id` = ? AND `duedate` <=> ?", fmt.Sprintf("invoice item %d", c.RefID)
		case FieldInvoice:
			q, what = "UPDATE `tblinvoices` SET `duedate` = ? WHERE `id` = ? AND `duedate` <=> ?", fmt.Sprintf("invoice %d", c.RefID)
		default:
			col, ok := domainColumns[c.Field]
			if !ok {
				return fail("journal change %d: %q is not a WHMCS field", c.ID, c.Field)
			}
			q, what = "UPDATE `tbldomains` SET `"+col+"` = ? WHERE `id` = ? AND `"+col+"` <=> ?", "tbldomains."+col
		}
		id := KeyOf(c).ID
		if err := execGuarded(ctx, tx, what, q, rawOrNull(c.Old), id, rawOrNull(c.New)); err != nil {
			return fail("%w", err)
		}
		b := c
		b.ID, b.RunID, b.Old, b.New, b.State, b.ByRun, b.Time = 0, u.RunID, c.New, c.Old, StateApplied, 0, db.now()
		back = append(back, b)
		undone = append(undone, c.ID)
	}
	if err := db.insertChanges(ctx, tx, back); err != nil {
		return fail("%w", err)
	}
	if err := markUndone(ctx, tx, u.RunID, undone); err != nil {
		return fail("%w", err)
	}
	now, err := formatDateTime(db.now(), db.loc)
	if err != nil {
		return fail("%w", err)
	}
	for _, l := range u.ActivityLog {
		if l = cleanText(l); strings.TrimSpace(l) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, logInsert, now, l, max(u.UserID, 0)); err != nil {
			return fail("writing the activity log: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fail("committing: %w", err)
	}
	return nil
}
