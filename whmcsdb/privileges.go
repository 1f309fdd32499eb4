package whmcsdb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// Privilege is one privilege on one table of the WHMCS database, e.g.
// SELECT on tbldomains.
type Privilege struct {
	Name  string // SELECT, INSERT, UPDATE, CREATE
	Table string
}

// String is "SELECT on tbldomains".
func (p Privilege) String() string { return p.Name + " on " + p.Table }

// RequiredPrivileges lists what a sync run needs: SELECT on the tables it
// reads, UPDATE on those it writes, INSERT on tblactivitylog, and
// SELECT/INSERT/UPDATE on each sync table, plus CREATE on each sync table
// that does not exist yet (missing lists those).
func RequiredPrivileges(syncTables []string, missing []string) []Privilege {
	var out []Privilege
	for _, t := range []string{"tbldomains", "tblinvoices", "tblinvoiceitems", "tbladmins", "tbladminroles", "tblconfiguration", "tblregistrars"} {
		out = append(out, Privilege{"SELECT", t})
	}
	for _, t := range []string{"tbldomains", "tblinvoices", "tblinvoiceitems"} {
		out = append(out, Privilege{"UPDATE", t})
	}
	out = append(out, Privilege{"INSERT", "tblactivitylog"})
	for _, t := range syncTables {
		if slices.Contains(missing, t) {
			out = append(out, Privilege{"CREATE", t})
		}
		for _, p := range []string{"SELECT", "INSERT", "UPDATE"} {
			out = append(out, Privilege{p, t})
		}
	}
	return out
}

// Grants are the privileges the connected user holds that apply to the
// current database, from information_schema (USER_PRIVILEGES,
// SCHEMA_PRIVILEGES with the grant's wildcards, TABLE_PRIVILEGES).
// Privileges that come only from a role or from column grants are not seen.
type Grants struct {
	User     string              // CURRENT_USER() quoted as in GRANT: 'name'@'host'
	Database string              // the current database
	Global   []string            // *.*
	Schema   []string            // db.* (any grant whose pattern matches the database)
	Tables   map[string][]string // lower-cased table name → privileges on db.table
}

// Has reports whether the privilege is held, at any level.
func (g Grants) Has(p Privilege) bool {
	name := strings.ToUpper(p.Name)
	return slices.Contains(g.Global, name) || slices.Contains(g.Schema, name) ||
		slices.Contains(g.Tables[strings.ToLower(p.Table)], name)
}

// Missing returns the privileges of want that are not held, in order.
func (g Grants) Missing(want []Privilege) []Privilege {
	var out []Privilege
	for _, p := range want {
		if !g.Has(p) {
			out = append(out, p)
		}
	}
	return out
}

// GrantStatements are the statements that would grant the missing
// privileges, one per table (table names are plain identifiers).
func (g Grants) GrantStatements(missing []Privilege) []string {
	var tables []string
	privs := map[string][]string{}
	for _, p := range missing {
		if _, ok := privs[p.Table]; !ok {
			tables = append(tables, p.Table)
		}
		privs[p.Table] = append(privs[p.Table], p.Name)
	}
	out := make([]string, 0, len(tables))
	for _, t := range tables {
		out = append(out, fmt.Sprintf("GRANT %s ON `%s`.`%s` TO %s;", strings.Join(privs[t], ", "), g.Database, t, g.User))
	}
	return out
}

// Grants reads the privileges of the connected user on this database.
func (db *DB) Grants(ctx context.Context) (Grants, error) {
	g := Grants{Database: db.dbName, Tables: map[string][]string{}}
	var cur string
	if err := db.sql.QueryRowContext(ctx, "SELECT CURRENT_USER()").Scan(&cur); err != nil {
		return g, fmt.Errorf("reading the current user: %w", err)
	}
	g.User = quoteGrantee(cur)
	read := func(what, q string, args ...any) ([][2]string, error) {
		rows, err := db.sql.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", what, err)
		}
		defer rows.Close()
		var out [][2]string
		for rows.Next() {
			var a, b string
			if err := rows.Scan(&a, &b); err != nil {
				return nil, fmt.Errorf("reading %s: %w", what, err)
			}
			out = append(out, [2]string{a, strings.ToUpper(b)})
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("reading %s: %w", what, err)
		}
		return out, nil
	}
	rows, err := read("the global privileges", "SELECT '', PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ?", g.User)
	if err != nil {
		return g, err
	}
	for _, r := range rows {
		g.Global = append(g.Global, r[1])
	}
	rows, err = read("the database privileges", "SELECT TABLE_SCHEMA, PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ? AND ? LIKE TABLE_SCHEMA", g.User, db.dbName)
	if err != nil {
		return g, err
	}
	for _, r := range rows {
		g.Schema = append(g.Schema, r[1])
	}
	rows, err = read("the table privileges", "SELECT TABLE_NAME, PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = ? AND TABLE_SCHEMA = ?", g.User, db.dbName)
	if err != nil {
		return g, err
	}
	for _, r := range rows {
		t := strings.ToLower(r[0])
		g.Tables[t] = append(g.Tables[t], r[1])
	}
	return g, nil
}

// quoteGrantee turns CURRENT_USER()'s user@host into 'user'@'host', the
// GRANTEE form of information_schema (the host is after the last @).
func quoteGrantee(cur string) string {
	user, host := cur, ""
	if i := strings.LastIndexByte(cur, '@'); i >= 0 {
		user, host = cur[:i], cur[i+1:]
	}
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	return q(user) + "@" + q(host)
}

// SyncTableExists reports whether the sync table exists. A table the user
// may not read (access denied) exists.
func (db *DB) SyncTableExists(ctx context.Context, table string) (bool, error) {
	ok, err := db.tableExists(ctx, table)
	var me *mysql.MySQLError
	if err != nil && errors.As(err, &me) && (me.Number == 1142 || me.Number == 1143) { // ER_TABLEACCESS_DENIED_ERROR, ER_COLUMNACCESS_DENIED_ERROR
		return true, nil
	}
	return ok, err
}
