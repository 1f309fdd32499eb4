package cmd

// Database faults (RELIABILITY.md): the connection cut mid-run through a
// TCP proxy, and a lock wait timeout. See faults_test.go for the others.

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

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

func TestFaultsDatabase(t *testing.T) {
	t.Parallel()
	const n = 60
	for _, tc := range []struct {
		name string
		// breakIt runs once some domains are written; it returns a func
		// that repairs. killer is a connection of the test's own.
		breakIt func(killer *sql.Conn, dbName string, p *proxy) (repair func())
	}{
		{"server gone (proxy cut)", func(_ *sql.Conn, _ string, p *proxy) func() {
			p.cut(true)
			return func() { p.cut(false) }
		}},
		{"KILL CONNECTION", func(killer *sql.Conn, dbName string, p *proxy) func() {
			// Every connection of the run is killed, again and again for
			// 300 ms as they come back.
			ctx := context.Background()
			stop := time.Now().Add(300 * time.Millisecond)
			for time.Now().Before(stop) {
				rows, err := killer.QueryContext(ctx, "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()", dbName)
				if err != nil {
					break
				}
				var ids []int64
				for rows.Next() {
					var id int64
					if rows.Scan(&id) == nil {
						ids = append(ids, id)
					}
				}
				rows.Close()
				for _, id := range ids {
					_, _ = killer.ExecContext(ctx, fmt.Sprintf("KILL CONNECTION %d", id))
				}
				time.Sleep(2 * time.Millisecond)
			}
			return func() {}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newE2E(t, e2eOptions{})
			e.db.SetMaxIdleConns(0) // no idle test connection to be killed
			seedPlain(e, n)
			dbName := e.query("SELECT DATABASE()")[0]
			c, _ := mysql.ParseDSN(e.dsn)
			p := startProxy(t, c.Addr)
			viaProxy(t, e, p.addr(), nil)
			ctx := context.Background()
			watch := whmcstest.Open(t, e.dsn)
			killer, err := watch.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer killer.Close()
			// Break the database once 5 domains are written.
			broke := make(chan func(), 1)
			go func() {
				deadline := time.Now().Add(20 * time.Second)
				for time.Now().Before(deadline) {
					var k int
					if killer.QueryRowContext(ctx, "SELECT COUNT(*) FROM tblDomainSyncOpenprovider").Scan(&k) == nil && k >= 5 {
						broke <- tc.breakIt(killer, dbName, p)
						return
					}
					time.Sleep(time.Millisecond)
				}
				broke <- nil
			}()
			code, _, errOut := e.run("--all")
			repair := <-broke
			if repair == nil {
				t.Fatal("the database was never broken")
			}
			repair()
			changed, rows := plainState(t, e)
			t.Logf("exit %d, %d of %d changed before the break, %d rows checked; stderr:\n%s", code, changed, n, rows, errOut)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			// The command's error: it names the domain being written when
			// the connection went away (or, when the lock check noticed
			// first, the domain it stopped before).
			if !strings.HasPrefix(errOut, "domainsync: ") ||
				!(strings.Contains(errOut, "openprovider: d") || strings.Contains(errOut, "openprovider: stopped before writing d")) {
				t.Errorf("stderr is not a clear error naming the domain:\n%s", errOut)
			}
			if strings.Contains(errOut, "panic") {
				t.Errorf("panic:\n%s", errOut)
			}
			if changed == n {
				t.Errorf("all %d changed: the break came too late", n)
			}
			// The next run resumes and finishes.
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
