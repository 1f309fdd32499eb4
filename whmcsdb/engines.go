package whmcsdb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ErrNotTransactional means a table domainsync writes cannot roll back
// (e.g. MyISAM), so writes are refused unless Options.AllowNonTransactional.
var ErrNotTransactional = errors.New("not transactional")

// writtenTables are the WHMCS tables domainsync writes (besides its own
// tblDomainSync<Registrar> tables).
var writtenTables = []string{"tbldomains", "tblinvoiceitems", "tblinvoices", "tblactivitylog"}

// CheckEngines verifies, once per run, that every table domainsync writes
// exists and uses a transactional storage engine: tbldomains,
// tblinvoiceitems, tblinvoices, tblactivitylog, and the sync tables this DB
// has used (EnsureSyncTable, Apply, RecordLastSync). A non-transactional
// table is an error wrapping ErrNotTransactional that names the tables,
// unless Options.AllowNonTransactional is set (then it is logged as a
// warning). The result is remembered: writers refuse to write while it is an
// error, and run the check themselves when it has not run yet or a new sync
// table came into use.
func (db *DB) CheckEngines(ctx context.Context) error {
	db.mu.Lock()
	tables := slices.Clone(writtenTables)
	for t := range db.syncTables {
		tables = append(tables, t)
	}
	db.mu.Unlock()
	args := make([]any, len(tables))
	for i, t := range tables {
		args[i] = t
	}
	rows, err := db.sql.QueryContext(ctx, `
		SELECT t.TABLE_NAME, IFNULL(t.ENGINE, ''), IFNULL(e.TRANSACTIONS, 'NO')
		FROM information_schema.TABLES t
		LEFT JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE
		WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return fmt.Errorf("checking storage engines: %w", err)
	}
	defer rows.Close()
	found := map[string]bool{}
	var bad []string
	for rows.Next() {
		var name, engine, tx string
		if err := rows.Scan(&name, &engine, &tx); err != nil {
			return fmt.Errorf("checking storage engines: %w", err)
		}
		found[strings.ToLower(name)] = true
		if !strings.EqualFold(tx, "YES") {
			if engine == "" {
				engine = "no engine (a view?)"
			}
			bad = append(bad, fmt.Sprintf("%s (%s)", name, engine))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("checking storage engines: %w", err)
	}

	var result error
	var missing []string
	for _, t := range writtenTables {
		if !found[t] {
			missing = append(missing, t)
		}
	}
	sort.Strings(bad)
	switch {
	case len(missing) > 0:
		result = fmt.Errorf("database %q has no table %s: is it a WHMCS database?", db.dbName, strings.Join(missing, ", "))
	case len(bad) > 0 && db.opts.AllowNonTransactional:
		db.log.Warn("tables are not transactional: a domain whose update fails half-way cannot be rolled back",
			"tables", strings.Join(bad, ", "))
	case len(bad) > 0:
		result = fmt.Errorf("tables %s: %w, so a domain whose update fails half-way could not be rolled back; "+
			"writes are refused (convert them with ALTER TABLE ... ENGINE=InnoDB, or allow non-transactional writes)",
			strings.Join(bad, ", "), ErrNotTransactional)
	}
	db.mu.Lock()
	db.checked, db.engineErr = true, result
	db.mu.Unlock()
	return result
}

// useSyncTable adds a sync table to those the engine check covers.
func (db *DB) useSyncTable(table string) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.syncTables[table] {
		return
	}
	if db.syncTables == nil {
		db.syncTables = map[string]bool{}
	}
	db.syncTables[table] = true
	db.checked = false
}

// writable returns the engine check's verdict for writing the WHMCS tables
// and syncTables, running the check if needed.
func (db *DB) writable(ctx context.Context, syncTables ...string) error {
	for _, t := range syncTables {
		if t != "" {
			db.useSyncTable(t)
		}
	}
	db.mu.Lock()
	checked, err := db.checked, db.engineErr
	db.mu.Unlock()
	if !checked {
		return db.CheckEngines(ctx)
	}
	return err
}

// tableColumns returns the lower-cased column names of a table in the
// current database (cached; a missing table is an error).
func (db *DB) tableColumns(ctx context.Context, table string) (map[string]bool, error) {
	db.mu.Lock()
	cols, ok := db.columns[table]
	db.mu.Unlock()
	if ok {
		return cols, nil
	}
	rows, err := db.sql.QueryContext(ctx, `
		SELECT COLUMN_NAME FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, table)
	if err != nil {
		return nil, fmt.Errorf("reading the columns of %s: %w", table, err)
	}
	defer rows.Close()
	cols = map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("reading the columns of %s: %w", table, err)
		}
		cols[strings.ToLower(c)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the columns of %s: %w", table, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s does not exist in database %q", table, db.dbName)
	}
	db.mu.Lock()
	if db.columns == nil {
		db.columns = map[string]map[string]bool{}
	}
	db.columns[table] = cols
	db.mu.Unlock()
	return cols, nil
}
