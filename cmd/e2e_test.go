package cmd

// The end-to-end harness: the real command (Main) against a throw-away
// WHMCS database on the test MariaDB, the simulated Openprovider server and
// a real SMTP server, all on loopback. Later issues (reliability,
// performance, ODR) reuse it.

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/report/mailtest"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// e2e is one end-to-end environment.
type e2e struct {
	t       *testing.T
	db      *sql.DB // seeding and inspection (empty sql_mode, dates as strings)
	dsn     string
	op      *opsim.Server
	opURL   string
	smtp    *mailtest.Server
	cfgPath string
	// Sync is the sync: section written to the config (YAML, indented by 2).
	Sync string
	// Report is extra report: keys (YAML, indented by 2).
	Report string
}

// e2eOptions configure newE2E.
type e2eOptions struct {
	Sim    opsim.Options // the simulated registrar
	Sync   string        // sync: section body
	Report string        // extra report: keys
	Mail   mailtest.Options
}

// newE2E starts everything and writes the configuration. It seeds one
// admin role with System Emails and two admins (one disabled) as the
// report's recipients.
func newE2E(t *testing.T, o e2eOptions) *e2e {
	t.Helper()
	dsn := whmcstest.NewDB(t)
	e := &e2e{t: t, dsn: dsn, db: whmcstest.Open(t, dsn), Sync: o.Sync, Report: o.Report}
	if o.Sim.LoginLimit == 0 {
		o.Sim.LoginLimit = -1
	}
	e.op, e.opURL = opsim.StartTB(t, o.Sim)
	e.smtp = mailtest.StartWith(t, o.Mail)
	role := whmcstest.InsertRole(t, e.db, whmcstest.RoleRow{Name: "Full Administrator", SystemEmails: true})
	quiet := whmcstest.InsertRole(t, e.db, whmcstest.RoleRow{Name: "Support", SupportEmails: true})
	whmcstest.InsertAdmin(t, e.db, whmcstest.AdminRow{RoleID: role, Username: "anna", FirstName: "Anna", LastName: "Admin", Email: "anna@whmcs.test"})
	whmcstest.InsertAdmin(t, e.db, whmcstest.AdminRow{RoleID: role, Username: "olaf", FirstName: "Olaf", LastName: "Old", Email: "olaf@whmcs.test", Disabled: true})
	whmcstest.InsertAdmin(t, e.db, whmcstest.AdminRow{RoleID: quiet, Username: "sam", FirstName: "Sam", LastName: "Support", Email: "sam@whmcs.test"})
	e.cfgPath = filepath.Join(t.TempDir(), "domainsync.yaml")
	e.writeConfig()
	return e
}

// writeConfig (re)writes the configuration file from the fields.
func (e *e2e) writeConfig() {
	e.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "whmcs:\n  dsn: %q\n", e.dsn)
	fmt.Fprintf(&b, "registrars:\n  openprovider:\n    url: %q\n    username: %q\n    password: %q\n    rate_limit: 1000\n    concurrency: 4\n    timeout: 10s\n",
		e.opURL, e.op.Username(), e.op.Password())
	fmt.Fprintf(&b, "report:\n  from: \"domainsync <domainsync@whmcs.test>\"\n  smtp: {host: %s, port: %d, tls: none}\n", e.smtp.Host, e.smtp.Port)
	if e.Report != "" {
		b.WriteString(indent(e.Report))
	}
	if e.Sync != "" {
		b.WriteString("sync:\n" + indent(e.Sync))
	}
	if err := os.WriteFile(e.cfgPath, []byte(b.String()), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  " + strings.TrimSpace(l) + "\n")
	}
	return b.String()
}

// run runs "domainsync sync --config <file> args..." and returns the exit
// code and what it printed.
func (e *e2e) run(args ...string) (code int, stdout, stderr string) {
	e.t.Helper()
	return e.runCmd(append([]string{"sync", "--config", e.cfgPath}, args...)...)
}

// runCmd runs any command line.
func (e *e2e) runCmd(args ...string) (code int, stdout, stderr string) {
	e.t.Helper()
	var out, errOut bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// domain inserts a tbldomains row (registrar openprovider unless set).
func (e *e2e) domain(r whmcstest.DomainRow) int64 {
	e.t.Helper()
	if r.Registrar == "" {
		r.Registrar = "openprovider"
	}
	if r.UserID == 0 {
		r.UserID = 7
	}
	return whmcstest.InsertDomain(e.t, e.db, r)
}

// opDomain adds a domain to the simulated registrar: name with its
// extension, status code, renewal date (YYYY-MM-DD), autorenew.
func (e *e2e) opDomain(full, status, renewal, autorenew string, mod ...func(*opsim.Domain)) int64 {
	e.t.Helper()
	name, ext, ok := strings.Cut(full, ".")
	if !ok {
		e.t.Fatalf("opDomain %q: no extension", full)
	}
	d := opsim.Domain{
		Domain:                opsim.DomainName{Name: name, Extension: ext},
		Status:                status,
		Autorenew:             autorenew,
		IsPrivateWhoisAllowed: true,
		CreationDate:          "2020-01-10 10:00:00",
		OwnerHandle:           "XX000001-XX",
	}
	if renewal != "" {
		d.RenewalDate = renewal + " 00:00:00"
		d.ExpirationDate = renewal + " 00:00:00"
	}
	for _, f := range mod {
		f(&d)
	}
	return e.op.Add(d)
}

// query returns every row of a query, each row's columns joined by " | "
// (NULL as "NULL").
func (e *e2e) query(q string, args ...any) []string {
	e.t.Helper()
	rows, err := e.db.Query(q, args...)
	if err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			e.t.Fatal(err)
		}
		cells := make([]string, len(cols))
		for i, v := range vals {
			cells[i] = "NULL"
			if v.Valid {
				cells[i] = v.String
			}
		}
		out = append(out, strings.Join(cells, " | "))
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// billing dumps what sync may write: tbldomains, tblinvoices,
// tblinvoiceitems, in id order.
func (e *e2e) billing() string {
	e.t.Helper()
	var b strings.Builder
	b.WriteString("# tbldomains: id | domain | status | registrationdate | expirydate | nextduedate | nextinvoicedate | donotrenew | idprotection | reminders\n")
	for _, r := range e.query("SELECT id, domain, status, registrationdate, expirydate, nextduedate, nextinvoicedate, donotrenew, idprotection, reminders FROM tbldomains ORDER BY id") {
		b.WriteString(r + "\n")
	}
	b.WriteString("# tblinvoices: id | status | duedate\n")
	for _, r := range e.query("SELECT id, status, duedate FROM tblinvoices ORDER BY id") {
		b.WriteString(r + "\n")
	}
	b.WriteString("# tblinvoiceitems: id | invoiceid | type | relid | duedate\n")
	for _, r := range e.query("SELECT id, invoiceid, type, relid, duedate FROM tblinvoiceitems ORDER BY id") {
		b.WriteString(r + "\n")
	}
	return b.String()
}

// activity returns the activity log: "userid | user | description", in id order.
func (e *e2e) activity() []string {
	e.t.Helper()
	return e.query("SELECT userid, user, description FROM tblactivitylog ORDER BY id")
}

// checksums is every table of the database with its CHECKSUM TABLE value
// and row count, in name order: equal checksums before and after mean the
// database is unchanged.
func (e *e2e) checksums() string {
	e.t.Helper()
	tables := e.query("SHOW TABLES")
	sort.Strings(tables)
	var b strings.Builder
	for _, tb := range tables {
		sum := e.query("CHECKSUM TABLE `" + tb + "` EXTENDED")
		n := e.query("SELECT COUNT(*) FROM `" + tb + "`")
		fmt.Fprintf(&b, "%s %s %s\n", tb, sum[0], n[0])
	}
	return b.String()
}

// syncTableExists reports whether the last-sync table exists.
func (e *e2e) syncTableExists() bool {
	e.t.Helper()
	return len(e.query("SHOW TABLES LIKE 'tblDomainSyncOpenprovider'")) > 0
}

// mail returns the only message received (failing otherwise), parsed.
func (e *e2e) onlyMail() (mailtest.Message, *mailtest.Parsed) {
	e.t.Helper()
	msgs := e.smtp.Messages()
	if len(msgs) != 1 {
		e.t.Fatalf("got %d mails, want 1", len(msgs))
	}
	p, err := msgs[0].Parse()
	if err != nil {
		e.t.Fatalf("parsing the mail: %v\n%s", err, msgs[0].Data)
	}
	return msgs[0], p
}

// requestsSummary checks the registrar's request log of one run: exactly
// one login, no identical request more than 3 times; it returns the
// number of PUTs.
func (e *e2e) checkRequests() (puts int) {
	e.t.Helper()
	reqs := e.op.Requests()
	logins := 0
	for _, r := range reqs {
		switch {
		case r.Path == "/v1beta/auth/login":
			logins++
		case r.Method == "PUT":
			puts++
		}
	}
	if logins != 1 {
		e.t.Errorf("%d logins in one run, want exactly 1", logins)
	}
	if k, n := e.op.MaxIdentical(); n > 3 {
		e.t.Errorf("request %q sent %d times, want at most 3", k, n)
	}
	for _, r := range reqs {
		if strings.Contains(r.Body, e.op.Password()) {
			e.t.Errorf("the request log holds the password: %s", r.Body)
		}
	}
	return puts
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// opID is the simulator's id of a live domain.
func (e *e2e) opID(t *testing.T, full string) int64 {
	t.Helper()
	d, ok := e.op.Find(full)
	if !ok {
		t.Fatalf("%s is not at the simulated registrar", full)
	}
	return d.ID
}

// puts counts the PUT requests in the registrar's request log.
func (e *e2e) puts() int {
	n := 0
	for _, r := range e.op.Requests() {
		if r.Method == "PUT" {
			n++
		}
	}
	return n
}

// waitLockFree waits until the server has freed the run lock lockName
// (after KILL CONNECTION, the killed session releases it as it ends, which
// may be a moment after the KILL returns); the next run takes the lock
// without waiting and would otherwise find it still held.
func waitLockFree(t *testing.T, e *e2e, lockName string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for e.query("SELECT IS_FREE_LOCK(?)", lockName)[0] != "1" {
		if time.Now().After(deadline) {
			t.Fatalf("the run lock %s is still held 30 s after its connection was killed", lockName)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
