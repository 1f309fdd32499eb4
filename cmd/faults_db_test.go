package cmd

// Database faults (RELIABILITY.md): the connection cut mid-run through a
// TCP proxy, and a lock wait timeout. See faults_test.go for the others.

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// proxy is a TCP proxy to MariaDB that can cut every connection: a
// database server going away mid-run, without restarting the shared one.
type proxy struct {
	ln     net.Listener
	target string
	mu     stdsync.Mutex
	conns  []net.Conn
	down   bool
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cut(false) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			down := p.down
			p.mu.Unlock()
			if down {
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

// cut closes every connection; down refuses new ones until cut(false).
func (p *proxy) cut(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.down = down
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

// viaProxy rewrites the configuration's DSN to reach MariaDB through p,
// with extra DSN parameters.
func viaProxy(t *testing.T, e *e2e, addr string, params map[string]string) {
	t.Helper()
	c, err := mysql.ParseDSN(e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	if addr != "" {
		c.Addr = addr
	}
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	for k, v := range params {
		c.Params[k] = v
	}
	cfg := strings.Replace(readFile(t, e.cfgPath), fmt.Sprintf("%q", e.dsn), fmt.Sprintf("%q", c.FormatDSN()), 1)
	writeFile(t, e.cfgPath, cfg)
}

// holdRow locks one tbldomains row (SELECT … FOR UPDATE in an open
// transaction) on a connection of its own, and returns that connection's
// id and the function that releases the row (ROLLBACK).
func holdRow(t *testing.T, e *e2e, id int64) (connID int64, release func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := whmcstest.Open(t, e.dsn).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&connID); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT id FROM tbldomains WHERE id = ? FOR UPDATE", id); err != nil {
		t.Fatal(err)
	}
	var once stdsync.Once
	release = func() {
		once.Do(func() {
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
			conn.Close()
		})
	}
	t.Cleanup(release)
	return connID, release
}

// sessions returns the sessions of database dbName from SHOW PROCESSLIST
// (id → the statement being run, "" when idle). SHOW PROCESSLIST needs no
// temporary table; information_schema.PROCESSLIST does, and the shared
// MariaDB 10.11 crashed (signal 11 in ha_maria::drop_table) freeing such
// tables on 2026-12-07, once while this test queried it in a loop.
func sessions(t *testing.T, c *sql.Conn, dbName string) map[int64]string {
	t.Helper()
	rows, err := c.QueryContext(context.Background(), "SHOW PROCESSLIST")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := map[int64]string{}
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var id int64
		var db, info string
		for i, c := range cols {
			switch strings.ToLower(c) {
			case "id":
				id, _ = strconv.ParseInt(vals[i].String, 10, 64)
			case "db":
				db = vals[i].String
			case "info":
				info = vals[i].String
			}
		}
		if db == dbName {
			out[id] = info
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// touchesDomainRow reports whether a statement locks a tbldomains row: the
// guarded UPDATE, or the SELECT … FOR UPDATE that reads a row first (the
// reminders an expiry change clears, for the journal).
func touchesDomainRow(stmt string) bool {
	s := strings.ToUpper(strings.Join(strings.Fields(stmt), " "))
	return strings.Contains(s, "`TBLDOMAINS`") && (strings.HasPrefix(s, "UPDATE ") || strings.HasSuffix(s, " FOR UPDATE"))
}

// waitBlockedAt waits until the run has written exactly the k-1 domains
// before the held row (their last_sync rows are committed with them) and
// one of its sessions runs a statement that locks a tbldomains row, which
// can then only be domain k's, waiting for the held row. It waits for that state, not for a
// time; it gives up (failing the test) only if the run ends first or after
// 60 s.
func waitBlockedAt(t *testing.T, watch *sql.Conn, dbName string, k int, skip []int64, runDone <-chan struct{}) {
	t.Helper()
	ctx := context.Background()
	giveUp := time.Now().Add(60 * time.Second)
	for {
		var n int
		err := watch.QueryRowContext(ctx, "SELECT COUNT(*) FROM tblDomainSyncOpenprovider").Scan(&n)
		if err != nil && !strings.Contains(err.Error(), "doesn't exist") {
			t.Fatal(err)
		}
		if n > k-1 {
			t.Fatalf("%d domains written past the held row %d", n, k)
		}
		if n == k-1 {
			for id, info := range sessions(t, watch, dbName) {
				if !slices.Contains(skip, id) && touchesDomainRow(info) {
					return
				}
			}
		}
		select {
		case <-runDone:
			t.Fatal("the run ended without reaching the held row")
		default:
		}
		if time.Now().After(giveUp) {
			t.Fatal("the run did not reach the held row in 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFaultsDatabase: the database breaks while the run writes domain k (its
// row is held by another session, so the run is known to be writing it):
// the domains before it are written, wholly; it and the rest are not; exit
// 1 with an error naming it; the next run finishes the work.
func TestFaultsDatabase(t *testing.T) {
	t.Parallel()
	const n, k = 60, 6
	for _, tc := range []struct {
		name string
		// breakIt breaks the database for the run; killer is a connection
		// of the test's own, keep the ids of the sessions to spare.
		breakIt func(t *testing.T, killer *sql.Conn, dbName string, keep []int64, p *proxy)
		repair  func(p *proxy)
	}{
		{"server gone (proxy cut)", func(_ *testing.T, _ *sql.Conn, _ string, _ []int64, p *proxy) { p.cut(true) },
			func(p *proxy) { p.cut(false) }},
		{"KILL CONNECTION", func(t *testing.T, killer *sql.Conn, dbName string, keep []int64, _ *proxy) {
			// Every session of the run (its lock's, the waiting
			// transaction's, its idle ones).
			for id := range sessions(t, killer, dbName) {
				if !slices.Contains(keep, id) {
					_, _ = killer.ExecContext(context.Background(), fmt.Sprintf("KILL CONNECTION %d", id))
				}
			}
		}, func(*proxy) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newE2E(t, e2eOptions{})
			e.db.SetMaxIdleConns(0) // no idle test connection to be killed
			ids := seedPlain(e, n)
			dbName := e.query("SELECT DATABASE()")[0]
			c, _ := mysql.ParseDSN(e.dsn)
			p := startProxy(t, c.Addr)
			viaProxy(t, e, p.addr(), nil)
			ctx := context.Background()
			killer, err := whmcstest.Open(t, e.dsn).Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer killer.Close()
			holder, release := holdRow(t, e, ids[k-1])

			type result struct {
				code   int
				errOut string
			}
			done := make(chan struct{})
			res := make(chan result, 1)
			go func() {
				defer close(done)
				code, _, errOut := e.run("--all")
				res <- result{code, errOut}
			}()
			var self int64
			if err := killer.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&self); err != nil {
				t.Fatal(err)
			}
			keep := []int64{holder, self}
			waitBlockedAt(t, killer, dbName, k, keep, done)
			tc.breakIt(t, killer, dbName, keep, p)
			r := <-res
			release()
			tc.repair(p)

			changed, rows := plainState(t, e)
			t.Logf("exit %d, %d of %d changed before the break, %d rows checked; stderr:\n%s", r.code, changed, n, rows, r.errOut)
			if r.code != 1 {
				t.Errorf("exit %d, want 1", r.code)
			}
			if changed != k-1 {
				t.Errorf("%d domains changed, want the %d before d%02d.com", changed, k-1, k)
			}
			// The command's error names the domain being written when the
			// connection went away.
			if !strings.HasPrefix(r.errOut, "domainsync: ") || !strings.Contains(r.errOut, fmt.Sprintf("d%02d.com", k)) {
				t.Errorf("stderr is not a clear error naming d%02d.com:\n%s", k, r.errOut)
			}
			if strings.Contains(r.errOut, "panic") {
				t.Errorf("panic:\n%s", r.errOut)
			}
			// The report of the broken run is mailed all the same: its
			// recipients were read from WHMCS when the run started.
			_, mail := e.onlyMail()
			if !strings.Contains(mail.Text, fmt.Sprintf("d%02d.com", k-1)) {
				t.Errorf("the broken run's mail does not list the domains it changed:\n%s", mail.Text)
			}
			// The next run resumes and finishes.
			waitLockFree(t, e, whmcsdb.LockName(dbName, "sync"))
			if code, _, errOut := e.run("--all"); code != 0 {
				t.Fatalf("next run: exit %d: %s", code, errOut)
			}
			if changed, _ := plainState(t, e); changed != n {
				t.Errorf("after the next run %d of %d changed", changed, n)
			}
		})
	}
}

// TestFaultsLockWaitTimeout: one domain's row is locked by another session
// past innodb_lock_wait_timeout: a clear error naming it, exit 1, what was
// committed before is consistent, the next run resumes.
func TestFaultsLockWaitTimeout(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	ids := seedPlain(e, 5)
	viaProxy(t, e, "", map[string]string{"innodb_lock_wait_timeout": "1"})
	blocker := whmcstest.Open(t, e.dsn)
	ctx := context.Background()
	conn, err := blocker.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT id FROM tbldomains WHERE id = ? FOR UPDATE", ids[2]); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := e.run()
	_, _ = conn.ExecContext(ctx, "ROLLBACK")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	mustContain(t, "stderr", errOut, "d03.com", "Lock wait timeout")
	changed, _ := plainState(t, e)
	if changed != 2 {
		t.Errorf("%d changed, want 2 (those before the locked row)", changed)
	}
	if code, _, errOut := e.run(); code != 0 {
		t.Fatalf("next run: exit %d: %s", code, errOut)
	}
	if changed, _ := plainState(t, e); changed != 5 {
		t.Errorf("after the next run %d of 5 changed", changed)
	}
}
