package whmcsdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

func TestQuoteGrantee(t *testing.T) {
	for in, want := range map[string]string{
		"root@localhost":  "'root'@'localhost'",
		"ds@%":            "'ds'@'%'",
		"a@b@127.0.0.1":   "'a@b'@'127.0.0.1'",
		"o'neil@10.0.0.%": "'o''neil'@'10.0.0.%'",
		"nohost":          "'nohost'@''",
		"":                "''@''",
	} {
		if got := quoteGrantee(in); got != want {
			t.Errorf("quoteGrantee(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestGrantsMissing(t *testing.T) {
	req := RequiredPrivileges([]string{"tblDomainSyncOpenprovider"}, []string{"tblDomainSyncOpenprovider"})
	if len(req) != 7+3+1+4 || !slices.Contains(req, Privilege{"CREATE", "tblDomainSyncOpenprovider"}) {
		t.Fatalf("RequiredPrivileges = %v", req)
	}
	if r := RequiredPrivileges([]string{"tblDomainSyncOpenprovider"}, nil); slices.Contains(r, Privilege{"CREATE", "tblDomainSyncOpenprovider"}) {
		t.Errorf("CREATE required for an existing sync table: %v", r)
	}
	tests := []struct {
		name string
		g    Grants
		want []string
	}{
		{"global all", Grants{Global: []string{"SELECT", "INSERT", "UPDATE", "CREATE"}}, nil},
		{"schema all", Grants{Schema: []string{"SELECT", "INSERT", "UPDATE", "CREATE"}}, nil},
		{"schema read only", Grants{Schema: []string{"SELECT"}}, []string{
			"UPDATE on tbldomains", "UPDATE on tblinvoices", "UPDATE on tblinvoiceitems", "INSERT on tblactivitylog",
			"CREATE on tblDomainSyncOpenprovider", "INSERT on tblDomainSyncOpenprovider", "UPDATE on tblDomainSyncOpenprovider"}},
		{"tables, case-insensitive", Grants{Schema: []string{"SELECT"}, Tables: map[string][]string{
			"tbldomains": {"UPDATE"}, "tblinvoices": {"UPDATE"}, "tblinvoiceitems": {"UPDATE"}, "tblactivitylog": {"INSERT"},
			"tbldomainsyncopenprovider": {"CREATE", "INSERT", "UPDATE"}}}, nil},
		{"nothing", Grants{}, nil}, // checked by count below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			miss := tt.g.Missing(req)
			var got []string
			for _, p := range miss {
				got = append(got, p.String())
			}
			if tt.name == "nothing" {
				if len(miss) != len(req) {
					t.Errorf("missing %d of %d", len(miss), len(req))
				}
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("missing = %q, want %q", got, tt.want)
			}
		})
	}
	g := Grants{User: "'ds'@'%'", Database: "whmcs"}
	got := g.GrantStatements([]Privilege{{"UPDATE", "tbldomains"}, {"INSERT", "tblactivitylog"}, {"SELECT", "tbldomains"}})
	want := []string{"GRANT UPDATE, SELECT ON `whmcs`.`tbldomains` TO 'ds'@'%';", "GRANT INSERT ON `whmcs`.`tblactivitylog` TO 'ds'@'%';"}
	if !slices.Equal(got, want) {
		t.Errorf("GrantStatements = %q, want %q", got, want)
	}
}

// restrictedUser creates a user on the test server with the given grants
// (each "PRIVS ON `db`.`table`" with %s for the user), dropped when the
// test ends, and returns a DSN for it on dsn's database over TCP.
func restrictedUser(t *testing.T, dsn string, grants ...string) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	user := "dsck_" + hex.EncodeToString(rnd[:])
	pw := "pw-" + hex.EncodeToString(rnd[:])
	stmts := []string{fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, pw)}
	for _, g := range grants {
		stmts = append(stmts, fmt.Sprintf("GRANT "+g+" TO '%s'@'%%'", cfg.DBName, user))
	}
	t.Cleanup(func() { whmcstest.Exec(t, dsn, fmt.Sprintf("DROP USER IF EXISTS '%s'@'%%'", user)) })
	whmcstest.Exec(t, dsn, stmts...)
	cfg.User, cfg.Passwd = user, pw
	return cfg.FormatDSN()
}

func TestGrantsRestrictedUser(t *testing.T) {
	ctx := context.Background()
	dsn := whmcstest.NewDB(t)
	udsn := restrictedUser(t, dsn,
		"SELECT ON `%s`.*",
		"UPDATE ON `%s`.`tbldomains`",
		"INSERT, UPDATE ON `%[1]s`.`tblinvoices`")
	db, err := Open(ctx, udsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := db.Grants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	table := SyncTableName("openprovider")
	exists, err := db.SyncTableExists(ctx, table)
	if err != nil || exists {
		t.Fatalf("SyncTableExists = %v, %v; want false", exists, err)
	}
	var got []string
	for _, p := range g.Missing(RequiredPrivileges([]string{table}, []string{table})) {
		got = append(got, p.String())
	}
	want := []string{"UPDATE on tblinvoiceitems", "INSERT on tblactivitylog", "CREATE on " + table, "INSERT on " + table, "UPDATE on " + table}
	if !slices.Equal(got, want) {
		t.Errorf("missing = %q, want %q (grants %+v)", got, want, g)
	}

	// The sync table exists but the user may not read it: it exists.
	whmcstest.Exec(t, dsn, "REVOKE SELECT ON `"+db.Name()+"`.* FROM "+g.User, "CREATE TABLE `"+table+"` (id int)")
	db2, err := Open(ctx, udsn, Options{}) // database privileges are read at connect time
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if exists, err := db2.SyncTableExists(ctx, table); err != nil || !exists {
		t.Errorf("SyncTableExists without SELECT = %v, %v; want true", exists, err)
	}

	// root holds everything globally.
	root, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	rg, err := root.Grants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m := rg.Missing(RequiredPrivileges([]string{table}, []string{table})); len(m) != 0 {
		t.Errorf("root misses %v (grants %+v)", m, rg)
	}
}
