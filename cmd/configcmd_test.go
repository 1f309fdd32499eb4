package cmd

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/cmd/config"
	"github.com/domainsync/domainsync/cmd/config/configtest"
)

// update rewrites golden files instead of comparing: go test ./cmd -run TestConfigCommand -update
// (other golden tests in package cmd share this flag).
var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// clearEnv unsets (empties, which LoadConfig treats as unset) every variable
// the configuration reads, so the caller's environment cannot leak in.
func clearEnv(t *testing.T) {
	for _, name := range []string{config.EnvConfig, config.EnvDBDSN, config.EnvOpenproviderUsername, config.EnvOpenproviderPassword, config.EnvOpenproviderURL, config.EnvSMTPPassword} {
		t.Setenv(name, "")
	}
}

// TestConfigCommand runs "domainsync config" through Main, as the binary
// does, on each case under testdata/config/<case>/ (domainsync.yaml, copied
// to a temporary working directory), and compares exit code, stdout and
// stderr with testdata/config/<case>/golden.txt ($DIR is that directory).
func TestConfigCommand(t *testing.T) {
	tests := []struct {
		name string
		args []string // $DIR is the working directory holding domainsync.yaml
		env  map[string]string
		mode os.FileMode // of the copied domainsync.yaml; 0 = 0600
		exit int
		want []string // stdout lines that must be there (precedence, masking)
	}{
		{name: "defaults", exit: ExitOK, want: []string{
			"# configuration file: $DIR/domainsync.yaml  (default)",
			"whmcs.dsn = whmcs:****@tcp(127.0.0.1:3306)/whmcs  (file $DIR/domainsync.yaml:3)",
			"registrars.openprovider.url = https://api.openprovider.eu  (default)",
			"registrars.openprovider.password = ********  (file $DIR/domainsync.yaml:7)",
			"sync.batch_size = 200  (default)",
			"sync.update_interval = 2h  (default)",
			"report.smtp.port = 25  (default)",
		}},
		{name: "full", args: []string{"--config", "$DIR/domainsync.yaml"}, exit: ExitOK, want: []string{
			"# configuration file: $DIR/domainsync.yaml  (flag --config)",
			"sync.update_interval = 1d12h  (file $DIR/domainsync.yaml:17)",
			"sync.due_date_offset = 0  (file $DIR/domainsync.yaml:22)",
			"sync.status_map = {DEL: Grace, REQ: Pending Registration}  (file $DIR/domainsync.yaml:27)",
			"report.smtp.password = ********  (file $DIR/domainsync.yaml:34)",
			"sync.statuses = [Active, Grace, Redemption]  (file $DIR/domainsync.yaml:18)",
			"sync.max_mass_change_share = 0.3  (file $DIR/domainsync.yaml:28)",
		}},
		{name: "env", env: map[string]string{
			config.EnvConfig:               "$DIR/domainsync.yaml",
			config.EnvDBDSN:                "env:" + configtest.SecretEnvDSN + "@unix(/run/mysqld/mysqld.sock)/whmcs",
			config.EnvOpenproviderURL:      "https://api.openprovider.eu",
			config.EnvOpenproviderUsername: "env-user",
			config.EnvOpenproviderPassword: configtest.SecretEnvOP,
			config.EnvSMTPPassword:         configtest.SecretEnvSMTP,
		}, exit: ExitOK, want: []string{
			"# configuration file: $DIR/domainsync.yaml  (env DOMAINSYNC_CONFIG)",
			"whmcs.dsn = env:****@unix(/run/mysqld/mysqld.sock)/whmcs  (env DOMAINSYNC_DB_DSN)",
			"registrars.openprovider.url = https://api.openprovider.eu  (env DOMAINSYNC_OPENPROVIDER_URL)",
			"registrars.openprovider.username = env-user  (env DOMAINSYNC_OPENPROVIDER_USERNAME)",
			"registrars.openprovider.password = ********  (env DOMAINSYNC_OPENPROVIDER_PASSWORD)",
			"report.smtp.password = ********  (env DOMAINSYNC_SMTP_PASSWORD)",
			"sync.batch_size = 150  (file $DIR/domainsync.yaml:10)",
		}},
		{name: "flags", args: []string{"--config", "$DIR/domainsync.yaml", "--batch-size", "50", "--update-interval", "1d", "--send-empty"},
			env: map[string]string{config.EnvOpenproviderUsername: "env-user"}, exit: ExitOK, want: []string{
				"sync.batch_size = 50  (flag --batch-size)",
				"sync.update_interval = 1d  (flag --update-interval)",
				"report.send_empty = true  (flag --send-empty)",
				"registrars.openprovider.username = env-user  (env DOMAINSYNC_OPENPROVIDER_USERNAME)",
				"registrars.openprovider.url = https://api.sandbox.openprovider.nl  (file $DIR/domainsync.yaml:6)",
				"sync.due_date = true  (default)",
			}},
		{name: "env-only", env: map[string]string{
			config.EnvDBDSN:                "env:" + configtest.SecretEnvDSN + "@tcp(db.example:3306)/whmcs",
			config.EnvOpenproviderUsername: "env-user",
			config.EnvOpenproviderPassword: configtest.SecretEnvOP,
		}, args: []string{"--batch-size", "10"}, exit: ExitOK, want: []string{
			"# configuration file: none (environment and flags only)",
			"whmcs.dsn = env:****@tcp(db.example:3306)/whmcs  (env DOMAINSYNC_DB_DSN)",
			"sync.batch_size = 10  (flag --batch-size)",
			"sync.statuses = [Active, Pending Registration, Pending Transfer, Grace, Redemption, Expired]  (default)",
		}},
		{name: "permissions", mode: 0o644, exit: ExitOK},
		{name: "unknown-key", exit: ExitError},
		{name: "wrong-type", exit: ExitError},
		{name: "bad-duration", exit: ExitError},
		{name: "negative-batch-size", exit: ExitError},
		{name: "unknown-status", exit: ExitError},
		{name: "status-map", exit: ExitError},
		{name: "unknown-registrar", exit: ExitError},
		{name: "no-config", exit: ExitError},
		{name: "missing-file", args: []string{"--config", "$DIR/nowhere.yaml"}, exit: ExitError},
		{name: "bad-flag", args: []string{"--batch-size", "many"}, exit: ExitUsage},
		{name: "extra-argument", args: []string{"show"}, exit: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			caseDir, err := filepath.Abs(filepath.Join("..", "testdata", "config", tt.name))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if data, err := os.ReadFile(filepath.Join(caseDir, "domainsync.yaml")); err == nil {
				mode := tt.mode
				if mode == 0 {
					mode = 0o600
				}
				p := filepath.Join(dir, "domainsync.yaml")
				if err := os.WriteFile(p, data, mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, mode); err != nil { // not subject to the umask
					t.Fatal(err)
				}
			}
			t.Chdir(dir)
			for k, v := range tt.env {
				t.Setenv(k, strings.ReplaceAll(v, "$DIR", dir))
			}
			args := []string{"config"}
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "$DIR", dir))
			}

			var out, errOut bytes.Buffer
			code := Main(args, strings.NewReader(""), &out, &errOut)

			got := fmt.Sprintf("$ domainsync %s\nexit %d\n--- stdout\n%s--- stderr\n%s",
				strings.Join(args, " "), code, out.String(), errOut.String())
			got = strings.ReplaceAll(got, dir, "$DIR")
			configtest.AssertNoSecret(t, "output", got)
			if code != tt.exit {
				t.Errorf("exit %d, want %d\n%s", code, tt.exit, got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, "\n"+w+"\n") {
					t.Errorf("output lacks the line %q", w)
				}
			}

			golden := filepath.Join(caseDir, "golden.txt")
			if *update {
				if err := os.MkdirAll(caseDir, 0o755); err != nil {
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

// TestGoldenFilesHoldNoSecret: no golden file, whatever regenerated it,
// shows a password the inputs hold.
func TestGoldenFilesHoldNoSecret(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "config", "*", "golden.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		configtest.AssertNoSecret(t, f, string(data))
	}
}

func TestConfigCommandRegistered(t *testing.T) {
	root := NewCmdRoot(&IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}})
	c, _, err := root.Find([]string{"config"})
	if err != nil || c.Name() != "config" {
		t.Fatalf("config command not registered: %v", err)
	}
	for _, name := range []string{"config", "batch-size", "update-interval", "send-empty"} {
		if c.Flags().Lookup(name) == nil {
			t.Errorf("config command lacks --%s", name)
		}
	}
}
