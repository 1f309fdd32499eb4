//go:build demo

// Package embedded runs a MySQL-compatible server inside the process
// (dolthub/go-mysql-server, in memory) loaded with the WHMCS schema, for
// `domainsync demo`: no MySQL, no network beyond loopback. It is built only
// with the demo build tag, so the production binary does not carry the
// engine (BENCHMARKS.md, "Embedded engine cost").
//
// The server listens on 127.0.0.1 at a free port and accepts user root
// with an empty password; Start returns a go-sql-driver/mysql DSN for it,
// which whmcsdb.Open takes like any other.
package embedded

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"time"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	gmsserver "github.com/dolthub/go-mysql-server/server"
	gmssql "github.com/dolthub/go-mysql-server/sql"
	"github.com/go-sql-driver/mysql"
	"github.com/sirupsen/logrus"
)

// Schema is testdata/whmcs/schema.sql (a copy: go:embed cannot reach the
// repository root; a test keeps the two equal).
//
//go:embed schema.sql
var Schema string

// DefaultDatabase is the database name Start uses when none is given.
const DefaultDatabase = "whmcs"

var dbNameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// Server is a running embedded engine.
type Server struct {
	srv    *gmsserver.Server
	addr   string
	dbName string
	done   chan error
}

// Start starts the engine on 127.0.0.1 at a free port with an empty
// database dbName ("" = DefaultDatabase) and loads Schema into it.
// Close the server when done. The engine's own log (logrus's standard
// logger: one line per connection and per failed query) is discarded.
func Start(ctx context.Context, dbName string) (*Server, error) {
	logrus.SetOutput(io.Discard)
	if dbName == "" {
		dbName = DefaultDatabase
	}
	if !dbNameRE.MatchString(dbName) {
		return nil, fmt.Errorf("embedded database name %q: only 1 to 64 letters, digits and '_' are allowed", dbName)
	}
	db := memory.NewDatabase(dbName)
	db.EnablePrimaryKeyIndexes()
	pro := memory.NewDBProvider(db)
	engine := sqle.NewDefault(pro)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("embedded engine: %w", err)
	}
	cfg := gmsserver.Config{Protocol: "tcp", Address: ln.Addr().String(), Listener: ln}
	srv, err := gmsserver.NewServer(cfg, engine, gmssql.NewContext, memory.NewSessionBuilder(pro), nil)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("embedded engine: %w", err)
	}
	s := &Server{srv: srv, addr: ln.Addr().String(), dbName: dbName, done: make(chan error, 1)}
	go func() { s.done <- srv.Start() }()

	sdb, err := s.open()
	if err != nil {
		s.Close()
		return nil, err
	}
	defer sdb.Close()
	if err := LoadSchema(ctx, sdb, Schema); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// DSN is a go-sql-driver/mysql DSN for the database (root, no password).
func (s *Server) DSN() string { return s.config().FormatDSN() }

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// Database is the database name.
func (s *Server) Database() string { return s.dbName }

// Close stops the server and drops every connection.
func (s *Server) Close() error {
	err := s.srv.Close()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
	}
	return err
}

func (s *Server) config() *mysql.Config {
	c := mysql.NewConfig()
	c.User = "root"
	c.Net = "tcp"
	c.Addr = s.addr
	c.DBName = s.dbName
	return c
}

// Open returns a pool on the database with WHMCS's session mode
// (sql_mode=”), for seeding. domainsync itself connects with whmcsdb.Open.
func (s *Server) Open() (*sql.DB, error) { return s.open() }

func (s *Server) open() (*sql.DB, error) {
	c := s.config()
	c.Params = map[string]string{"sql_mode": "''"}
	c.Timeout = 5 * time.Second
	conn, err := mysql.NewConnector(c)
	if err != nil {
		return nil, fmt.Errorf("embedded engine: %w", err)
	}
	db := sql.OpenDB(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded engine at %s: %w", s.addr, err)
	}
	return db, nil
}

// LoadSchema runs the statements of schema (separated by ";" at a line
// end; "--" comment lines are dropped) on db, one by one.
func LoadSchema(ctx context.Context, db *sql.DB, schema string) error {
	stmts := Statements(schema)
	if len(stmts) == 0 {
		return errors.New("loading the schema: no statements")
	}
	for _, st := range stmts {
		if _, err := db.ExecContext(ctx, Adapt(st)); err != nil {
			return fmt.Errorf("loading the schema: %w\nstatement: %.200s", err, st)
		}
	}
	return nil
}

// fullPrefixRE matches the index part `setting`(64) of tblconfiguration:
// a prefix as long as the varchar(64) column, which MySQL accepts but
// go-mysql-server refuses ("incorrect prefix key").
var fullPrefixRE = regexp.MustCompile("KEY `setting` \\(`setting`\\(64\\)\\)")

// Adapt rewrites a statement of the WHMCS schema that go-mysql-server
// cannot take as it is into an equivalent one. Today only tblconfiguration's
// index on the whole of `setting` written as a 64-character prefix.
func Adapt(stmt string) string {
	return fullPrefixRE.ReplaceAllString(stmt, "KEY `setting` (`setting`)")
}

// Statements splits a schema file into statements: lines starting with
// "--" are comments, and a statement ends with ";" at the end of a line.
func Statements(schema string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(schema) {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(t, ";") {
			st := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			if st != "" {
				out = append(out, st)
			}
			cur.Reset()
		}
	}
	if st := strings.TrimSpace(cur.String()); st != "" {
		out = append(out, st)
	}
	return out
}
