package cmd

// Issue 5, the drop-in: "domainsync sync --whmcs DIR" and
// "domainsync check --whmcs DIR" with nothing but a WHMCS installation
// (configuration.php, the Openprovider module's advanced configuration and
// the database it names, its secrets encrypted under a random key). The only
// value not taken from WHMCS is the Openprovider URL: test_mode selects the
// real sandbox, so DOMAINSYNC_OPENPROVIDER_URL points it at opsim.

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/domainsync/domainsync/cmd/config"
	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/report/mailtest"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// dropInModule is the module's advanced configuration of the drop-in runs:
// a batch of 3 and a due date 7 days before expiry.
const dropInModule = `<?php
return [
    'syncUseNativeWHMCS' => false,
    'syncDomainStatus' => true,
    'syncExpiryDate' => true,
    'updateNextDueDate' => true,
    'nextDueDateOffset' => 7,
    'domainProcessingLimit' => 3,
];
`

// dropIn is a WHMCS installation whose MailConfig points at a real SMTP
// server and whose Openprovider credentials are opsim's, with the e2e
// harness over its database.
type dropIn struct {
	*e2e
	f *whmcsFixture
}

// newDropIn builds the installation: newWHMCS's directory and database
// (configKey "" = the right key), MailConfig rewritten to the test SMTP
// server (SmtpMail, no TLS, no AUTH: the server offers none), WHMCS's own
// sync off, and the e2e admins as the report's recipients.
func newDropIn(t *testing.T, module, configKey string) *dropIn {
	t.Helper()
	f := newWHMCS(t, module, configKey, "")
	e := &e2e{t: t, dsn: f.DSN, db: whmcstest.Open(t, f.DSN)}
	e.op, e.opURL = opsim.StartTB(t, opsim.Options{Username: "whmcs-reseller", Password: whmcsOPPass, LoginLimit: -1})
	e.smtp = mailtest.Start(t)
	mc := fmt.Sprintf(`{"module":"SmtpMail","configuration":{"encoding":"0","service_provider":"Generic","host":%q,"port":"%d","auth_type":"plain","username":"","password":"","secure":"none","debug":""}}`,
		e.smtp.Host, e.smtp.Port)
	for k, v := range map[string]string{
		"MailConfig":            encrypt(t, mc, f.Hash),
		"DomainSyncEnabled":     "0",
		"BCCMessages":           "",
		"SystemEmailsFromName":  "Example &amp; Co Billing",
		"SystemEmailsFromEmail": "billing@example.com",
	} {
		whmcstest.SetConfig(t, e.db, k, v)
	}
	role := whmcstest.InsertRole(t, e.db, whmcstest.RoleRow{Name: "Full Administrator", SystemEmails: true})
	whmcstest.InsertAdmin(t, e.db, whmcstest.AdminRow{RoleID: role, Username: "anna", FirstName: "Anna", LastName: "Admin", Email: "anna@whmcs.test"})
	return &dropIn{e2e: e, f: f}
}

// emptyEnv leaves only the Openprovider URL in domainsync's environment
// (every variable domainsync reads is blanked; blank counts as unset) and
// moves to an empty working directory, so that no YAML file is found.
func emptyEnv(t *testing.T, opURL string) {
	t.Helper()
	if _, err := os.Stat(config.DefaultSearchPaths[len(config.DefaultSearchPaths)-1]); err == nil {
		t.Skipf("%s exists: the drop-in run would read it", config.DefaultSearchPaths[len(config.DefaultSearchPaths)-1])
	}
	t.Setenv(config.EnvConfig, "")
	for _, e := range config.EnvVars() {
		t.Setenv(e, "")
	}
	t.Setenv(config.EnvOpenproviderURL, opURL)
	t.Chdir(t.TempDir())
}

// TestDropInSync is issue 5's "Done when": sync --whmcs DIR through Main
// logs in with WHMCS's decrypted credentials, applies the module's batch
// limit and due-date offset, and mails the report through MailConfig's
// server from WHMCS's sender.
func TestDropInSync(t *testing.T) {
	d := newDropIn(t, dropInModule, "")
	emptyEnv(t, d.opURL)
	var ids []int64
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("d%02d.com", i)
		ids = append(ids, d.domain(whmcstest.DomainRow{Domain: name, RegistrationDate: "2020-01-10",
			ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"}))
		d.opDomain(name, "ACT", "2027-04-01", "default")
	}

	code, stdout, stderr := d.runCmd("sync", "--whmcs", d.f.Dir)
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr %q, want nothing (no warning from a clean installation)", stderr)
	}
	for _, s := range []string{whmcsOPPass, d.f.Hash} {
		if strings.Contains(stdout+stderr, s) {
			t.Errorf("output shows the secret %q", s)
		}
	}

	// Login: WHMCS's username, and the password as WHMCS stored it (opsim
	// accepts only that one).
	var logins []opsim.Request
	for _, r := range d.op.Requests() {
		if r.Path == "/v1beta/auth/login" {
			logins = append(logins, r)
		}
	}
	if len(logins) != 1 || !strings.Contains(logins[0].Body, `"username":"whmcs-reseller"`) || logins[0].Status != 200 || logins[0].Code != 0 {
		t.Fatalf("logins %+v, want one successful login as whmcs-reseller", logins)
	}
	d.checkRequests()

	// domainProcessingLimit 3: the first three by id, each with the module's
	// nextDueDateOffset 7 (2027-04-01 - 7 days); the other two untouched.
	synced := d.query("SELECT id FROM tblDomainSyncOpenprovider ORDER BY id")
	if want := []string{strconv.FormatInt(ids[0], 10), strconv.FormatInt(ids[1], 10), strconv.FormatInt(ids[2], 10)}; strings.Join(synced, ",") != strings.Join(want, ",") {
		t.Errorf("synced %v, want %v", synced, want)
	}
	got := d.query("SELECT domain, expirydate, nextduedate, nextinvoicedate FROM tbldomains ORDER BY id")
	want := []string{
		"d01.com | 2027-04-01 | 2027-03-25 | 2027-03-25",
		"d02.com | 2027-04-01 | 2027-03-25 | 2027-03-25",
		"d03.com | 2027-04-01 | 2027-03-25 | 2027-03-25",
		"d04.com | 2027-03-01 | 2027-02-15 | 2027-02-15",
		"d05.com | 2027-03-01 | 2027-02-15 | 2027-02-15",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tbldomains:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The report: through MailConfig's server, from WHMCS's sender.
	msg, p := d.onlyMail()
	from, err := mail.ParseAddress(p.Header.Get("From"))
	if err != nil || from.Name != "Example & Co Billing" || from.Address != "billing@example.com" {
		t.Errorf("From %q (%v), want \"Example & Co Billing\" <billing@example.com>", p.Header.Get("From"), err)
	}
	if msg.From != "billing@example.com" || len(msg.To) != 1 || msg.To[0] != "anna@whmcs.test" {
		t.Errorf("envelope %s → %q, want billing@example.com → anna@whmcs.test", msg.From, msg.To)
	}
	mustContain(t, "report", p.Text, "d01.com", "d03.com")
	if strings.Contains(p.Text, "d04.com") {
		t.Errorf("report names d04.com, beyond the batch of 3:\n%s", p.Text)
	}
}

// TestDropInSyncOptions runs the sync with SyncOptions built directly: an
// injected environment holding only the Openprovider URL, a search path
// that does not exist, whmcs.dir as the only flag. The batch of 3 leaves
// two domains for the next run, which this one takes.
func TestDropInSyncOptions(t *testing.T) {
	d := newDropIn(t, dropInModule, "")
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("d%02d.com", i)
		d.domain(whmcstest.DomainRow{Domain: name, RegistrationDate: "2020-01-10",
			ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
		d.opDomain(name, "ACT", "2027-04-01", "default")
	}
	run := func() {
		t.Helper()
		var out, errOut bytes.Buffer
		err := runSyncWithMetrics(context.Background(), &SyncOptions{
			IO:     &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
			Env:    envOf(map[string]string{config.EnvOpenproviderURL: d.opURL}),
			Search: []string{filepath.Join(t.TempDir(), "none", "domainsync.yaml")},
			Flags: func() []config.FlagValue {
				return []config.FlagValue{{Name: "whmcs", Key: "whmcs.dir", Value: d.f.Dir}}
			},
			LogFormat: "text",
		})
		if err != nil {
			t.Fatalf("sync: %v\nstderr:\n%s", err, errOut.String())
		}
	}
	run()
	if n := d.query("SELECT COUNT(*) FROM tbldomains WHERE nextduedate = '2027-03-25'")[0]; n != "3" {
		t.Errorf("first run: %s domains with the offset-7 due date, want 3", n)
	}
	run()
	if n := d.query("SELECT COUNT(*) FROM tbldomains WHERE nextduedate = '2027-03-25' AND expirydate = '2027-04-01'")[0]; n != "5" {
		t.Errorf("second run: %s domains synced, want all 5", n)
	}
	if n := len(d.smtp.Messages()); n != 2 {
		t.Errorf("%d reports mailed, want 2", n)
	}
}

// TestCheckWHMCS runs "domainsync check --whmcs DIR" through Main on
// drop-in installations and compares the output with
// testdata/check/<case>/golden.txt (-update rewrites them).
func TestCheckWHMCS(t *testing.T) {
	goldenDir, err := filepath.Abs(filepath.Join("..", "testdata", "check")) // before emptyEnv's Chdir
	if err != nil {
		t.Fatal(err)
	}
	native := strings.Replace(dropInModule, "'syncUseNativeWHMCS' => false", "'syncUseNativeWHMCS' => true", 1)
	tests := []struct {
		name      string
		module    string
		wrongKey  bool
		exit      int
		wantLines []string // besides the golden file: the point of the case
	}{
		{name: "whmcs-green", module: dropInModule, exit: ExitOK, wantLines: []string{
			"✓ registrar openprovider: login works",
			"✓ module syncUseNativeWHMCS: off",
			"all checks passed",
		}},
		{name: "whmcs-native-sync", module: native, exit: ExitError, wantLines: []string{
			"✗ module syncUseNativeWHMCS: the Openprovider module has syncUseNativeWHMCS = true",
			"either set syncUseNativeWHMCS to false",
			"or leave it on and do not run domainsync for openprovider",
		}},
		{name: "whmcs-wrong-key", module: dropInModule, wrongKey: true, exit: ExitError, wantLines: []string{
			"cc_encryption_hash does not match this database",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := ""
			if tt.wrongKey {
				key = randomHash(t)
			}
			d := newDropIn(t, tt.module, key)
			emptyEnv(t, d.opURL)
			code, stdout, stderr := d.runCmd("check", "--whmcs", d.f.Dir)
			if code != tt.exit {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.exit, stdout, stderr)
			}
			for _, w := range tt.wantLines {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, s := range []string{whmcsOPPass, d.f.Hash, key} {
				if s != "" && strings.Contains(stdout+stderr, s) {
					t.Errorf("output shows the secret %q", s)
				}
			}
			if n := len(d.smtp.Messages()); n != 0 {
				t.Errorf("check sent %d messages", n)
			}
			cfg, err := mysql.ParseDSN(d.dsn)
			if err != nil {
				t.Fatal(err)
			}
			r := &replacer{}
			r.add(d.f.Dir, "$WHMCS")
			r.add(d.opURL, "$OPURL")
			r.add(cfg.DBName, "$DB")
			r.add(cfg.Addr, "$DBADDR")
			r.add("127.0.0.1:"+strconv.Itoa(d.smtp.Port), "127.0.0.1:$SMTPPORT")
			r.add("report.smtp.port = "+strconv.Itoa(d.smtp.Port), "report.smtp.port = $SMTPPORT")
			got := r.apply(fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", code, stdout, stderr))
			golden := filepath.Join(goldenDir, tt.name, "golden.txt")
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
