package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/cmd/config"
	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/openprovider"
	"github.com/domainsync/domainsync/whmcsdb/whmcsconf"
)

// TestConfigCommandWHMCS runs "domainsync config --whmcs DIR" through Main
// and checks that every precedence level is named: flag, env, file, WHMCS
// and default, each over the ones below it.
func TestConfigCommandWHMCS(t *testing.T) {
	f := newWHMCS(t, moduleFile, "", "")
	yaml := "sync:\n  due_date_offset: 3\nreport:\n  smtp:\n    host: relay.internal\n"
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		args []string
		file bool // whmcs.dir is in the file: no --whmcs
		want []string
	}{
		{name: "whmcs only", want: []string{
			"# configuration file: none (environment and flags only)",
			"whmcs.dir = $WHMCS  (flag --whmcs)",
			"registrars.openprovider.username = whmcs-reseller  (whmcs tblregistrars openprovider Username)",
			"registrars.openprovider.password = ********  (whmcs tblregistrars openprovider Password)",
			"sync.batch_size = 150  (whmcs $WHMCS/" + whmcsconf.ModuleConfigPath + " domainProcessingLimit)",
			"sync.due_date_offset = 7  (whmcs $WHMCS/" + whmcsconf.ModuleConfigPath + " nextDueDateOffset)",
			"sync.invoices = true  (default)",
			"report.smtp.password = ********  (whmcs tblconfiguration MailConfig)",
			"report.bcc = [audit@example.com]  (whmcs tblconfiguration BCCMessages)",
		}},
		{name: "file over whmcs", yaml: yaml, want: []string{
			"sync.due_date_offset = 3  (file $DIR/domainsync.yaml:2)",
			"sync.batch_size = 150  (whmcs $WHMCS/" + whmcsconf.ModuleConfigPath + " domainProcessingLimit)",
			// the transport is one unit: a host in the file keeps all of WHMCS's out
			"report.smtp.host = relay.internal  (file $DIR/domainsync.yaml:5)",
			`report.smtp.username = ""  (default)`,
			`report.smtp.password = ""  (default)`,
		}},
		{name: "env over whmcs", yaml: yaml, env: map[string]string{config.EnvOpenproviderUsername: "env-user", config.EnvOpenproviderURL: "https://api.openprovider.eu"}, want: []string{
			"registrars.openprovider.username = env-user  (env DOMAINSYNC_OPENPROVIDER_USERNAME)",
			"registrars.openprovider.url = https://api.openprovider.eu  (env DOMAINSYNC_OPENPROVIDER_URL)",
			"registrars.openprovider.password = ********  (whmcs tblregistrars openprovider Password)",
		}},
		{name: "env dsn over configuration.php", env: map[string]string{config.EnvDBDSN: f.DSN}, want: []string{
			"whmcs.dsn = " + config.DSN(f.DSN).String() + "  (env DOMAINSYNC_DB_DSN)",
			"registrars.openprovider.username = whmcs-reseller  (whmcs tblregistrars openprovider Username)",
		}},
		{name: "flag over everything", yaml: "sync:\n  batch_size: 99\n", args: []string{"--batch-size", "20"}, want: []string{
			"sync.batch_size = 20  (flag --batch-size)",
		}},
		{name: "dir from the file", yaml: "whmcs:\n  dir: $WHMCS\n", file: true, want: []string{
			"whmcs.dir = $WHMCS  (file $DIR/domainsync.yaml:2)",
			"registrars.openprovider.username = whmcs-reseller  (whmcs tblregistrars openprovider Username)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			dir := t.TempDir()
			if tt.yaml != "" {
				if err := os.WriteFile(filepath.Join(dir, "domainsync.yaml"), []byte(strings.ReplaceAll(tt.yaml, "$WHMCS", f.Dir)), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(dir)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			args := []string{"config"}
			if !tt.file {
				args = append(args, "--whmcs", f.Dir)
			}
			args = append(args, tt.args...)
			var out, errOut bytes.Buffer
			code := Main(args, strings.NewReader(""), &out, &errOut)
			got := strings.ReplaceAll(strings.ReplaceAll(out.String()+errOut.String(), f.Dir, "$WHMCS"), dir, "$DIR")
			if code != ExitOK {
				t.Fatalf("exit %d\n%s", code, got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w+"\n") {
					t.Errorf("output lacks %q\n%s", w, got)
				}
			}
			if !strings.Contains(errOut.String(), "warning: WHMCS's own domain sync is on") {
				t.Errorf("no DomainSyncEnabled warning:\n%s", errOut.String())
			}
			for _, s := range []string{whmcsOPPass, whmcsSMTPPass, f.Hash} {
				if strings.Contains(got, s) {
					t.Errorf("output shows the secret %q", s)
				}
			}
		})
	}
}

func TestEntityHint(t *testing.T) {
	auth := &registrar.Error{Kind: registrar.KindAuth, Registrar: openprovider.Name, Code: openprovider.CodeAuthFailed, Message: "login refused"}
	other := &registrar.Error{Kind: registrar.KindAccessDenied, Registrar: openprovider.Name, Code: openprovider.CodeAccessDenied}
	tests := []struct {
		err  error
		pw   config.Secret
		hint bool
	}{
		{auth, "p&amp;ss", true},
		{fmt.Errorf("login: %w", auth), "x&#039;y", true},
		{auth, "p&ss", false},
		{auth, "plain", false},
		{other, "p&amp;ss", false},
		{errors.New("timeout"), "p&amp;ss", false},
		{nil, "p&amp;ss", false},
	}
	for _, tt := range tests {
		got := entityHint(tt.err, tt.pw)
		if tt.err == nil {
			if got != nil {
				t.Errorf("nil error became %v", got)
			}
			continue
		}
		hinted := strings.Contains(got.Error(), "HTML entities")
		if hinted != tt.hint || !errors.Is(got, tt.err) {
			t.Errorf("entityHint(%v) = %v, hint %t want %t", tt.err, got, hinted, tt.hint)
		}
		if strings.Contains(got.Error(), tt.pw.Reveal()) {
			t.Errorf("hint shows the password: %v", got)
		}
	}
}
