package whmcsdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/civil"
	"golang.org/x/net/idna"
)

// BatchQuery selects the domains of one run.
type BatchQuery struct {
	// Registrar is the registrar module name in tbldomains.registrar,
	// matched case-insensitively.
	Registrar string
	// Registrars are more module names of the same registrar (ODR's
	// registrars.odr.modules), matched like Registrar; a domain whose
	// tbldomains.registrar is any of Registrar and Registrars is selected.
	Registrars []string
	// Statuses are the tbldomains.status values to select (at least one).
	Statuses []string
	// Interval: a domain is due when never synced or synced before
	// Now-Interval; 0 makes every domain due on every run.
	Interval time.Duration
	// Limit is the batch size; 0 = no limit.
	Limit int
	// Names, when set, selects exactly these domains (matched against
	// tbldomains.domain case-insensitively, in Unicode or punycode form),
	// ignoring Interval and Limit. The registrar and status filters apply.
	Names []string
	// Now is the run's clock reading.
	Now time.Time
	// SyncTable is the last-sync table; "" = SyncTableName of the first
	// module name (Registrar, else Registrars[0]). A missing table means no
	// domain was ever synced.
	SyncTable string
	// ByID orders SelectBatch by id alone and selects only ids above
	// AfterID: --all reads its selection in chunks of Limit this way.
	ByID    bool
	AfterID int64
}

// Item types that bill a domain (tblinvoiceitems.type), besides DomainAddon*.
const domainItemTypes = "'Domain', 'DomainRegister', 'DomainTransfer', 'PromoDomain'"

// isDomainItem is the SQL test that item alias a bills a domain.
func isDomainItem(a string) string {
	return "(" + a + ".`type` IN (" + domainItemTypes + ") OR " + a + ".`type` LIKE 'DomainAddon%')"
}

// maxParams bounds the placeholders of one statement (the protocol allows 65535).
const maxParams = 60000

// itemsChunk is how many domain ids one unpaid-items query covers; a batch
// up to that size (every practical one) is loaded with one query.
const itemsChunk = 10000

// registrars is the list of distinct module names, lower-cased: Registrar
// and Registrars merged.
func (q BatchQuery) registrars() ([]string, error) {
	out := moduleNames(append([]string{q.Registrar}, q.Registrars...))
	if len(out) == 0 {
		return nil, errors.New("batch query: no registrar module name")
	}
	return out, nil
}

// moduleNames trims and lower-cases names, dropping empty ones and repeats.
func moduleNames(names []string) []string {
	var out []string
	for _, r := range names {
		r = strings.ToLower(strings.TrimSpace(r))
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func (q BatchQuery) syncTable() string {
	if q.SyncTable != "" {
		return q.SyncTable
	}
	if strings.TrimSpace(q.Registrar) == "" {
		if mods := moduleNames(q.Registrars); len(mods) > 0 {
			return SyncTableName(mods[0])
		}
	}
	return SyncTableName(q.Registrar)
}

// batchSQL holds the FROM/WHERE parts shared by SelectBatch and CountDue.
type batchSQL struct {
	lastSync string // expression for last_sync ("NULL" without a sync table)
	from     string
	where    string
	args     []any
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// build validates q and returns the shared SQL; syncExists says whether the
// sync table exists.
func (q BatchQuery) build(loc *time.Location, syncExists bool) (batchSQL, error) {
	var b batchSQL
	regs, err := q.registrars()
	if err != nil {
		return b, err
	}
	if len(q.Statuses) == 0 {
		return b, errors.New("batch query: no statuses to select")
	}
	if q.Interval < 0 {
		return b, fmt.Errorf("batch query: negative interval %s", q.Interval)
	}
	if q.Limit < 0 {
		return b, fmt.Errorf("batch query: negative limit %d", q.Limit)
	}
	table := q.syncTable()
	if err := checkIdent(table); err != nil {
		return b, err
	}

	b.lastSync = "NULL"
	b.from = "`tbldomains` d"
	if syncExists {
		b.lastSync = "s.`last_sync`"
		b.from += " LEFT JOIN `" + table + "` s ON s.`id` = d.`id`"
	}
	var w strings.Builder
	w.WriteString("LOWER(d.`registrar`) IN (" + placeholders(len(regs)) + ")")
	for _, r := range regs {
		b.args = append(b.args, r)
	}
	w.WriteString(" AND d.`status` IN (" + placeholders(len(q.Statuses)) + ")")
	for _, s := range q.Statuses {
		b.args = append(b.args, s)
	}

	if q.Names != nil {
		forms := nameForms(q.Names)
		if len(forms) == 0 {
			return b, errors.New("batch query: the domain names given are all empty")
		}
		if len(forms)+len(b.args) > maxParams {
			return b, fmt.Errorf("batch query: too many domain names (%d)", len(q.Names))
		}
		// Byte comparison of the lower-cased names: the column's collation
		// (utf8_unicode_ci) would also equate accented letters (ü = u).
		w.WriteString(" AND CAST(LOWER(TRIM(d.`domain`)) AS BINARY) IN (" + placeholders(len(forms)) + ")")
		for _, f := range forms {
			b.args = append(b.args, f)
		}
	} else if q.Interval > 0 {
		if q.Now.IsZero() {
			return b, errors.New("batch query: Now is not set")
		}
		cutoff, err := formatDateTime(q.Now.Add(-q.Interval), loc)
		if err != nil {
			return b, fmt.Errorf("batch query: %w", err)
		}
		w.WriteString(" AND (" + neverSynced(b.lastSync) + " OR " + b.lastSync + " < ?)")
		b.args = append(b.args, cutoff)
	}
	b.where = w.String()
	return b, nil
}

// neverSynced is true for no row, NULL, and zero (or partly zero) datetimes.
func neverSynced(lastSync string) string {
	return "(" + lastSync + " IS NULL OR " + lastSync + " < '" + zeroDateCutoff + "' OR MONTH(" + lastSync + ") = 0 OR DAYOFMONTH(" + lastSync + ") = 0)"
}

// nameForms returns the distinct lower-cased forms of names to match:
// as given, Unicode and punycode.
func nameForms(names []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(n), "."))
		add(n)
		if u, err := idna.Lookup.ToUnicode(n); err == nil {
			add(strings.ToLower(u))
		}
		if a, err := idna.Lookup.ToASCII(n); err == nil {
			add(strings.ToLower(a))
		}
	}
	return out
}

// SelectBatch returns the domains due for this run with one query, and
// their unpaid invoice items with one more. Order: never synced first (no
// row, NULL and zero datetimes alike), then oldest last_sync, then lowest
// id; at most Limit domains (unless Names).
// A stored date that is not a date sets that domain's Invalid (naming the
// domain, the column and the value); the other domains are unaffected.
func (db *DB) SelectBatch(ctx context.Context, q BatchQuery) ([]Domain, error) {
	exists, err := db.tableExists(ctx, q.syncTable())
	if err != nil {
		return nil, err
	}
	b, err := q.build(db.loc, exists)
	if err != nil {
		return nil, err
	}
	query := "SELECT d.`id`, d.`userid`, d.`domain`, d.`registrar`, d.`status`, " +
		"d.`registrationdate`, d.`expirydate`, d.`nextduedate`, d.`nextinvoicedate`, " +
		"d.`donotrenew`, d.`idprotection`, " + b.lastSync + " AS last_sync, d.`reminders` " +
		"FROM " + b.from + " WHERE " + b.where
	args := b.args
	if q.ByID {
		query += " AND d.`id` > ? ORDER BY d.`id` ASC"
		args = append(args, q.AfterID)
	} else {
		// Never synced (no row, NULL, or the module's zero datetime) all rank
		// alike, by id: the sort key is NULL for each of them, not the stored
		// zero date, which would sort after NULL.
		never := neverSynced(b.lastSync)
		query += " ORDER BY " + never + " DESC, CASE WHEN " + never + " THEN NULL ELSE " + b.lastSync + " END ASC, d.`id` ASC"
	}
	if q.Names == nil && q.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, q.Limit)
	}
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("selecting the batch: %w", err)
	}
	defer rows.Close()

	var out []Domain
	for rows.Next() {
		d, err := db.scanDomain(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("selecting the batch: %w", err)
	}
	rows.Close()
	if err := db.loadUnpaidItems(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// DomainName is a selected domain's id and name as stored.
type DomainName struct {
	ID   int64
	Name string
}

// SelectNames returns the id and name of every domain of the registrars
// and statuses q selects, or of those of them named q.Names (Interval,
// Limit and the ByID options ignored), in id order, with one query: what an
// --all run needs to read the registrar before it reads the domains
// themselves in chunks, and what tells a batch which of its names other
// rows hold too.
func (db *DB) SelectNames(ctx context.Context, q BatchQuery) ([]DomainName, error) {
	q.Interval = 0
	b, err := q.build(db.loc, false) // (no interval: last_sync is not needed)
	if err != nil {
		return nil, err
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT d.`id`, d.`domain` FROM "+b.from+" WHERE "+b.where+" ORDER BY d.`id` ASC", b.args...)
	if err != nil {
		return nil, fmt.Errorf("selecting the domain names: %w", err)
	}
	defer rows.Close()
	var out []DomainName
	for rows.Next() {
		var (
			d    DomainName
			name sql.NullString
		)
		if err := rows.Scan(&d.ID, &name); err != nil {
			return nil, fmt.Errorf("selecting the domain names: %w", err)
		}
		d.Name = name.String
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("selecting the domain names: %w", err)
	}
	return out, nil
}

// CountDomains returns the number of domains of the registrars and
// statuses q selects (Names, Interval, Limit and the ByID options
// ignored), with one query: how many a registrar listing is expected to
// hold.
func (db *DB) CountDomains(ctx context.Context, q BatchQuery) (int, error) {
	q.Interval, q.Names = 0, nil
	return db.count(ctx, q, false, "the domains")
}

// count counts the rows q selects (syncExists: whether its sync table
// exists); what names them in an error.
func (db *DB) count(ctx context.Context, q BatchQuery, syncExists bool, what string) (int, error) {
	b, err := q.build(db.loc, syncExists)
	if err != nil {
		return 0, err
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+b.from+" WHERE "+b.where, b.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting %s: %w", what, err)
	}
	return n, nil
}

func (db *DB) scanDomain(rows *sql.Rows) (Domain, error) {
	var (
		d                            Domain
		name, registrar, status      sql.NullString
		reg, exp, due, inv           sql.NullString
		doNotRenew, idProt, lastSync sql.NullString
		reminders                    sql.NullString
	)
	if err := rows.Scan(&d.ID, &d.UserID, &name, &registrar, &status,
		&reg, &exp, &due, &inv, &doNotRenew, &idProt, &lastSync, &reminders); err != nil {
		return d, fmt.Errorf("reading a tbldomains row: %w", err)
	}
	d.Name, d.Registrar, d.Status = name.String, registrar.String, status.String
	d.RawStatus, d.RawReminders = status.String, reminders.String
	d.RawExpiryDate, d.RawNextDueDate, d.RawNextInvoiceDate = nullToPtr(exp), nullToPtr(due), nullToPtr(inv)
	d.DoNotRenew, d.IDProtection = truthy(doNotRenew), truthy(idProt)

	for _, f := range []struct {
		col string
		raw *string
		dst *civil.Date
	}{
		{"registrationdate", nullToPtr(reg), &d.RegistrationDate},
		{"expirydate", d.RawExpiryDate, &d.ExpiryDate},
		{"nextduedate", d.RawNextDueDate, &d.NextDueDate},
		{"nextinvoicedate", d.RawNextInvoiceDate, &d.NextInvoiceDate},
	} {
		v, err := ParseDate(f.raw)
		if err != nil {
			if d.Invalid == nil {
				d.Invalid = fmt.Errorf("domain %q (id %d): tbldomains.%s: %w", d.Name, d.ID, f.col, err)
			}
			continue
		}
		*f.dst = v
	}
	// A last_sync that is not a date and time (the module's table can hold
	// "2024-00-15 00:00:00") says nothing of when the domain was synced: it
	// counts as never synced, and the next record replaces it.
	if t, err := parseDateTime(nullToPtr(lastSync), db.loc); err == nil {
		d.LastSync = t
	}
	return d, nil
}

// truthy reads a WHMCS boolean column: tinyint(1) since 6.0, 'on' or empty text
// before; like PHP, "", "0" and NULL are false.
func truthy(ns sql.NullString) bool {
	s := strings.TrimSpace(ns.String)
	return ns.Valid && s != "" && s != "0" && !strings.EqualFold(s, "off")
}

// loadUnpaidItems fills UnpaidItems for the batch: every domain-type item
// with relid = the domain on an Unpaid invoice, with OnlyThisDomain set when
// every item on that invoice is a domain-type item of the same domain.
func (db *DB) loadUnpaidItems(ctx context.Context, domains []Domain) error {
	if len(domains) == 0 {
		return nil
	}
	index := make(map[int64]int, len(domains))
	ids := make([]any, 0, len(domains))
	for i, d := range domains {
		index[d.ID] = i
		ids = append(ids, d.ID)
	}
	for start := 0; start < len(ids); start += itemsChunk {
		chunk := ids[start:min(start+itemsChunk, len(ids))]
		query := "SELECT ii.`id`, ii.`invoiceid`, ii.`relid`, ii.`type`, ii.`duedate`, i.`duedate`, " +
			"NOT EXISTS (SELECT 1 FROM `tblinvoiceitems` o WHERE o.`invoiceid` = ii.`invoiceid` " +
			"AND NOT (o.`relid` = ii.`relid` AND " + isDomainItem("o") + ")) AS only_this " +
			"FROM `tblinvoiceitems` ii JOIN `tblinvoices` i ON i.`id` = ii.`invoiceid` " +
			"WHERE ii.`relid` IN (" + placeholders(len(chunk)) + ") AND " + isDomainItem("ii") +
			" AND i.`status` = 'Unpaid' ORDER BY ii.`relid`, ii.`invoiceid`, ii.`id`"
		if err := db.scanItems(ctx, query, chunk, domains, index); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) scanItems(ctx context.Context, query string, args []any, domains []Domain, index map[int64]int) error {
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("selecting unpaid invoice items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			it               InvoiceItem
			relID            int64
			typ, due, invDue sql.NullString
			only             bool
		)
		if err := rows.Scan(&it.ID, &it.InvoiceID, &relID, &typ, &due, &invDue, &only); err != nil {
			return fmt.Errorf("reading an unpaid invoice item: %w", err)
		}
		i, ok := index[relID]
		if !ok {
			continue
		}
		d := &domains[i]
		it.Type, it.OnlyThisDomain = typ.String, only
		it.RawDue, it.RawInvoiceDue = nullToPtr(due), nullToPtr(invDue)
		if it.DueDate, err = ParseDate(it.RawDue); err != nil {
			return fmt.Errorf("domain %q (id %d): tblinvoiceitems.duedate of item %d: %w", d.Name, d.ID, it.ID, err)
		}
		if it.InvoiceDueDate, err = ParseDate(it.RawInvoiceDue); err != nil {
			return fmt.Errorf("domain %q (id %d): tblinvoices.duedate of invoice %d: %w", d.Name, d.ID, it.InvoiceID, err)
		}
		d.UnpaidItems = append(d.UnpaidItems, it)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("selecting unpaid invoice items: %w", err)
	}
	return nil
}

// CountDue counts the domains SelectBatch would select without a limit.
// Called after a batch was applied, it tells how much of the portfolio
// remains due.
func (db *DB) CountDue(ctx context.Context, q BatchQuery) (int, error) {
	exists, err := db.tableExists(ctx, q.syncTable())
	if err != nil {
		return 0, err
	}
	return db.count(ctx, q, exists, "due domains")
}

// InvalidStatusDomains returns the domains of registrar (the module names,
// matched case-insensitively; ODR may have several) whose tbldomains.status is none of valid
// (the WHMCS statuses), with one query, in id order: a value outside the
// column's enum is stored as ” under sql_mode=” and would otherwise
// never be selected. Only ID, UserID, Name, Registrar, Status and
// RawStatus are set.
func (db *DB) InvalidStatusDomains(ctx context.Context, modules []string, valid []string) ([]Domain, error) {
	regs := moduleNames(modules)
	if len(regs) == 0 {
		return nil, errors.New("invalid statuses: no registrar module name")
	}
	if len(valid) == 0 {
		return nil, errors.New("invalid statuses: no valid statuses given")
	}
	args := anys(regs)
	for _, s := range valid {
		args = append(args, s)
	}
	// The column's own collation, as SelectBatch compares: what it can
	// select with some valid status is not reported here.
	query := "SELECT d.`id`, d.`userid`, d.`domain`, d.`registrar`, d.`status` FROM `tbldomains` d " +
		"WHERE LOWER(d.`registrar`) IN (" + placeholders(len(regs)) + ") AND (d.`status` IS NULL OR d.`status` NOT IN (" +
		placeholders(len(valid)) + ")) ORDER BY d.`id`"
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("selecting domains with an invalid status: %w", err)
	}
	defer rows.Close()
	var out []Domain
	for rows.Next() {
		var (
			d                    Domain
			name, module, status sql.NullString
		)
		if err := rows.Scan(&d.ID, &d.UserID, &name, &module, &status); err != nil {
			return nil, fmt.Errorf("reading a tbldomains row: %w", err)
		}
		d.Name, d.Registrar, d.Status, d.RawStatus = name.String, module.String, status.String, status.String
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("selecting domains with an invalid status: %w", err)
	}
	return out, nil
}
