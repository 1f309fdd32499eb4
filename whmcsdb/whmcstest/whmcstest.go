// Package whmcstest gives tests a throw-away WHMCS database on a real
// MySQL/MariaDB server, and small helpers to seed and inspect it.
//
// NewDB creates a uniquely named database loaded with
// testdata/whmcs/schema.sql and drops it when the test ends. The server is
// $DOMAINSYNC_TEST_DSN (a go-sql-driver DSN without a database name) or
// root with an empty password at 127.0.0.1:3306. When the server cannot be
// reached the test is skipped, or fails when CI=true.
//
// The seed helpers take a *sql.DB from Open, whose sessions use
// an empty sql_mode like WHMCS, so zero dates can be stored as WHMCS does.
package whmcstest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// DefaultDSN is the server used when $DOMAINSYNC_TEST_DSN is unset.
const DefaultDSN = "root@tcp(127.0.0.1:3306)/"

// BaseDSN is the test server's DSN, without a database name.
func BaseDSN() string {
	if s := os.Getenv("DOMAINSYNC_TEST_DSN"); s != "" {
		return s
	}
	return DefaultDSN
}

// SchemaPath is the path of testdata/whmcs/schema.sql, found relative to
// this source file so it works from any package's tests.
func SchemaPath() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("testdata", "whmcs", "schema.sql")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "whmcs", "schema.sql")
}

// serverConfig parses BaseDSN with what the helpers need: no database,
// WHMCS's session mode, short timeouts.
func serverConfig(t testing.TB) *mysql.Config {
	t.Helper()
	cfg, err := mysql.ParseDSN(BaseDSN())
	if err != nil {
		t.Fatalf("whmcstest: DOMAINSYNC_TEST_DSN is not a valid DSN: %v", err)
	}
	cfg.DBName = ""
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["sql_mode"] = "''"
	cfg.Timeout = 5 * time.Second
	cfg.ReadTimeout = time.Minute
	cfg.WriteTimeout = time.Minute
	cfg.ParseTime = false
	return cfg
}

func unreachable(t testing.TB, err error) {
	t.Helper()
	msg := fmt.Sprintf("whmcstest: no MySQL/MariaDB server at %s (set DOMAINSYNC_TEST_DSN to use another): %v",
		serverConfig(t).Addr, err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// NewDB creates a database named dstest_<pid>_<random> on the test server,
// loads the WHMCS schema into it, drops it when the test ends, and returns
// a DSN for it (for whmcsdb.Open, which adds the session settings).
func NewDB(t testing.TB) (dsn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	cfg := serverConfig(t)
	cfg.MultiStatements = true
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("whmcstest: %v", err)
	}
	defer admin.Close()
	if err := admin.PingContext(ctx); err != nil {
		unreachable(t, err)
	}
	schema, err := os.ReadFile(SchemaPath())
	if err != nil {
		t.Fatalf("whmcstest: reading the schema: %v", err)
	}

	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("dstest_%d_%s", os.Getpid(), hex.EncodeToString(rnd[:]))
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8 COLLATE utf8_unicode_ci"); err != nil {
		t.Fatalf("whmcstest: creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := sql.Open("mysql", serverConfig(t).FormatDSN())
		if err != nil {
			t.Errorf("whmcstest: dropping database %s: %v", name, err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("whmcstest: dropping database %s: %v", name, err)
		}
	})

	cfg.DBName = name
	loader, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("whmcstest: %v", err)
	}
	defer loader.Close()
	if _, err := loader.ExecContext(ctx, string(schema)); err != nil {
		t.Fatalf("whmcstest: loading %s into %s: %v", SchemaPath(), name, err)
	}

	out := serverConfig(t)
	out.DBName = name
	delete(out.Params, "sql_mode") // whmcsdb.Open sets the session mode
	return out.FormatDSN()
}

// Open opens dsn for seeding and inspection with an empty sql_mode (as WHMCS),
// utf8, and DATE/DATETIME read as strings; it is closed when the test ends.
func Open(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("whmcstest: invalid DSN: %v", err)
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["sql_mode"] = "''"
	cfg.ParseTime = false
	if err := cfg.Apply(mysql.Charset("utf8", "utf8_unicode_ci")); err != nil {
		t.Fatalf("whmcstest: %v", err)
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("whmcstest: %v", err)
	}
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { db.Close() })
	return db
}

// Exec runs each statement on dsn (empty sql_mode), failing the test on error.
func Exec(t testing.TB, dsn string, statements ...string) {
	t.Helper()
	db := Open(t, dsn)
	for _, s := range statements {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("whmcstest: %s: %v", s, err)
		}
	}
}

// Scalar returns the first column of the first row of a query as a string:
// "NULL" for SQL NULL; the test fails when there is no row.
func Scalar(t testing.TB, db *sql.DB, query string, args ...any) string {
	t.Helper()
	var v sql.NullString
	if err := db.QueryRow(query, args...).Scan(&v); err != nil {
		t.Fatalf("whmcstest: %s: %v", query, err)
	}
	if !v.Valid {
		return "NULL"
	}
	return v.String
}
