package cmd

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// TestCheckCommand runs "domainsync check" through Main against the e2e
// environment (MariaDB, opsim, mailtest) with one thing broken per case,
// and compares exit code, stdout and stderr with
// testdata/check/<case>/golden.txt (run with -update to rewrite).
func TestCheckCommand(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		setup func(t *testing.T, e *e2e, r *replacer)
		exit  int
		mails int // messages the SMTP server must have received
	}{
		{name: "green", exit: ExitOK},
		{name: "send-test-mail", args: []string{"--send-test-mail"}, exit: ExitOK, mails: 1},
		{name: "wrong-registrar-password", exit: ExitError, setup: func(t *testing.T, e *e2e, r *replacer) {
			e.editConfig(fmt.Sprintf("password: %q", e.op.Password()), `password: "not-the-password"`)
		}},
		{name: "smtp-unreachable", args: []string{"--send-test-mail"}, exit: ExitError, setup: func(t *testing.T, e *e2e, r *replacer) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
			l.Close()
			e.editConfig(fmt.Sprintf("port: %d,", e.smtp.Port), "port: "+port+",")
			r.add(port, "$CLOSEDPORT")
		}},
		{name: "no-recipients", exit: ExitError, setup: func(t *testing.T, e *e2e, r *replacer) {
			whmcstest.Exec(t, e.dsn, "DELETE FROM tbladmins")
		}},
		{name: "restricted-db-user", exit: ExitError, setup: func(t *testing.T, e *e2e, r *replacer) {
			udsn, user := checkUser(t, e.dsn,
				"SELECT ON `%s`.*",
				"UPDATE ON `%s`.`tbldomains`")
			e.editConfig(fmt.Sprintf("dsn: %q", e.dsn), fmt.Sprintf("dsn: %q", udsn))
			r.add(user, "$USER")
		}},
		{name: "bad-config", exit: ExitError, setup: func(t *testing.T, e *e2e, r *replacer) {
			e.editConfig("whmcs:\n", "whmcs:\n  dns: x\n")
		}},
		{name: "journal-myisam", exit: ExitError, setup: func(t *testing.T, e *e2e, r *replacer) {
			// After a first sync the journal exists; a journal table turned
			// MyISAM is refused like the WHMCS tables.
			if code, _, errOut := e.run("--no-mail"); code != 0 {
				t.Fatalf("sync: exit %d: %s", code, errOut)
			}
			whmcstest.Exec(t, e.dsn, "ALTER TABLE tblDomainSyncJournalChanges ENGINE=MyISAM")
		}},
		{name: "domainsync-enabled", exit: ExitError, setup: func(t *testing.T, e *e2e, r *replacer) {
			whmcstest.SetConfig(t, e.db, "DomainSyncEnabled", "on")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			e := newE2E(t, e2eOptions{})
			cfg, err := mysql.ParseDSN(e.dsn)
			if err != nil {
				t.Fatal(err)
			}
			r := &replacer{}
			r.add(filepath.Dir(e.cfgPath), "$DIR")
			r.add(e.opURL, "$OPURL")
			r.add(cfg.DBName, "$DB")
			r.add("127.0.0.1:"+strconv.Itoa(e.smtp.Port), "127.0.0.1:$SMTPPORT")
			r.add("report.smtp.port = "+strconv.Itoa(e.smtp.Port), "report.smtp.port = $SMTPPORT")
			if tt.setup != nil {
				tt.setup(t, e, r)
			}
			code, stdout, stderr := e.runCmd(append([]string{"check", "--config", e.cfgPath}, tt.args...)...)
			if code != tt.exit {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.exit, stdout, stderr)
			}
			for _, secret := range []string{e.op.Password(), "pw-"} {
				if strings.Contains(stdout+stderr, secret) {
					t.Errorf("output holds a secret %q", secret)
				}
			}
			if n := len(e.smtp.Messages()); n != tt.mails {
				t.Errorf("%d messages sent, want %d", n, tt.mails)
			}
			if tt.mails > 0 {
				p, err := e.smtp.Messages()[0].Parse()
				if err != nil || p.Subject != "domainsync test mail" || !strings.Contains(p.Text, "test message") {
					t.Errorf("test mail = %+v, %v", p, err)
				}
				if to := e.smtp.Messages()[0].To; len(to) != 1 || to[0] != "anna@whmcs.test" {
					t.Errorf("test mail to %q, want anna@whmcs.test only", to)
				}
			}
			got := r.apply(fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", code, stdout, stderr))
			golden := filepath.Join("..", "testdata", "check", tt.name, "golden.txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (run with -update to accept):\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

// replacer turns the run's variable parts (paths, ports, names) into
// placeholders, longest first.
type replacer struct{ pairs []string }

func (r *replacer) add(old, new string) { r.pairs = append(r.pairs, old, new) }

func (r *replacer) apply(s string) string { return strings.NewReplacer(r.pairs...).Replace(s) }

// editConfig replaces old (which must be there) by new in the config file.
func (e *e2e) editConfig(old, new string) {
	e.t.Helper()
	b, err := os.ReadFile(e.cfgPath)
	if err != nil {
		e.t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		e.t.Fatalf("config has no %q:\n%s", old, b)
	}
	if err := os.WriteFile(e.cfgPath, []byte(strings.Replace(string(b), old, new, 1)), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// checkUser creates a database user with only the given grants (each with
// %s for the database), dropped when the test ends, and returns a DSN for it
// over TCP on dsn's database and its name.
func checkUser(t *testing.T, dsn string, grants ...string) (string, string) {
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
	return cfg.FormatDSN(), user
}
