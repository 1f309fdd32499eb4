package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/domainsync/domainsync/cmd/config/configtest"
)

// minimalYAML is the least a usable file holds.
const minimalYAML = `whmcs:
  dsn: "whmcs:` + configtest.SecretDSNPass + `@tcp(db.example:3306)/whmcs"
registrars:
  openprovider:
    username: reseller
    password: ` + configtest.SecretOPPass + `
`

// writeConfig writes a config file with mode 0600 into a fresh directory.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "domainsync.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func mustLoad(t *testing.T, opts LoadOptions) (*Config, *Sources) {
	t.Helper()
	if opts.Search == nil {
		opts.Search = []string{}
	}
	cfg, src, err := Load(opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg, src
}

func settingOf(t *testing.T, cfg *Config, src *Sources, key string) Setting {
	t.Helper()
	for _, s := range cfg.Values(src) {
		if s.Key == key {
			return s
		}
	}
	t.Fatalf("no setting %s", key)
	return Setting{}
}

// TestPrecedence checks value and source of a key at every level: built-in
// default, file, environment (over the file), flag (over both).
func TestPrecedence(t *testing.T) {
	fileYAML := minimalYAML + `    url: https://file.example
sync:
  batch_size: 150
  update_interval: 3h
report:
  send_empty: true
  smtp:
    host: mail.example
    username: mailer
    password: ` + configtest.SecretSMTPPass + `
    tls: starttls
`
	path := writeConfig(t, fileYAML)
	tests := []struct {
		name      string
		yaml      bool
		env       map[string]string
		flags     []FlagValue
		key       string
		wantValue string
		wantSrc   string // "file:N" means the file at line N
	}{
		{"default batch size", false, nil, nil, "sync.batch_size", "200", "default"},
		{"default url", false, nil, nil, "registrars.openprovider.url", DefaultOpenproviderURL, "default"},
		{"default interval", false, nil, nil, "sync.update_interval", "2h", "default"},
		{"default smtp port (tls none)", false, nil, nil, "report.smtp.port", "25", "default"},
		{"default smtp port (starttls)", true, nil, nil, "report.smtp.port", "587", "default"},
		{"file tls", true, nil, nil, "report.smtp.tls", "starttls", "file:17"},
		{"file batch size", true, nil, nil, "sync.batch_size", "150", "file:9"},
		{"file url", true, nil, nil, "registrars.openprovider.url", "https://file.example", "file:7"},
		{"file interval", true, nil, nil, "sync.update_interval", "3h", "file:10"},
		{"file send_empty", true, nil, nil, "report.send_empty", "true", "file:12"},
		{"file dsn masked", true, nil, nil, "whmcs.dsn", "whmcs:****@tcp(db.example:3306)/whmcs", "file:2"},
		{"file password masked", true, nil, nil, "report.smtp.password", "********", "file:16"},
		{"env over file url", true, map[string]string{EnvOpenproviderURL: "https://env.example"}, nil, "registrars.openprovider.url", "https://env.example", "env " + EnvOpenproviderURL},
		{"env over file username", true, map[string]string{EnvOpenproviderUsername: "envuser"}, nil, "registrars.openprovider.username", "envuser", "env " + EnvOpenproviderUsername},
		{"env over file password", true, map[string]string{EnvOpenproviderPassword: configtest.SecretEnvOP}, nil, "registrars.openprovider.password", "********", "env " + EnvOpenproviderPassword},
		{"env over file smtp password", true, map[string]string{EnvSMTPPassword: configtest.SecretEnvSMTP}, nil, "report.smtp.password", "********", "env " + EnvSMTPPassword},
		{"env over file dsn", true, map[string]string{EnvDBDSN: "u:" + configtest.SecretEnvDSN + "@unix(/run/mysqld/mysqld.sock)/w"}, nil, "whmcs.dsn", "u:****@unix(/run/mysqld/mysqld.sock)/w", "env " + EnvDBDSN},
		{"empty env is unset", true, map[string]string{EnvOpenproviderURL: ""}, nil, "registrars.openprovider.url", "https://file.example", "file:7"},
		{"flag over file", true, nil, []FlagValue{{"batch-size", "sync.batch_size", "50"}}, "sync.batch_size", "50", "flag --batch-size"},
		{"flag over default", false, nil, []FlagValue{{"update-interval", "sync.update_interval", "1d"}}, "sync.update_interval", "1d", "flag --update-interval"},
		{"flag over env", true, map[string]string{EnvOpenproviderURL: "https://env.example"}, []FlagValue{{"op-url", "registrars.openprovider.url", "https://flag.example"}}, "registrars.openprovider.url", "https://flag.example", "flag --op-url"},
		{"flag bool", true, nil, []FlagValue{{"send-empty", "report.send_empty", "false"}}, "report.send_empty", "false", "flag --send-empty"},
		{"flag list replaces", true, nil, []FlagValue{{"statuses", "sync.statuses", "[Active, Grace]"}}, "sync.statuses", "[Active, Grace]", "flag --statuses"},
	}
	minimal := writeConfig(t, minimalYAML)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := minimal
			if tt.yaml {
				p = path
			}
			cfg, src := mustLoad(t, LoadOptions{Path: p, Env: envOf(tt.env), Flags: tt.flags})
			s := settingOf(t, cfg, src, tt.key)
			want := tt.wantSrc
			if n, ok := strings.CutPrefix(want, "file:"); ok {
				want = "file " + p + ":" + n
			}
			if s.Value != tt.wantValue || string(s.Source) != want {
				t.Errorf("%s = %s (%s), want %s (%s)", tt.key, s.Value, s.Source, tt.wantValue, want)
			}
		})
	}
}

func TestLoadedValues(t *testing.T) {
	p := writeConfig(t, minimalYAML+`    timeout: 45s
    rate_limit: 2.5
sync:
  update_interval: 1d12h
  due_date_offset: 0
  status_map: {DEL: Grace}
report:
  smtp: {host: 127.0.0.1, tls: TLS}
`)
	cfg, _ := mustLoad(t, LoadOptions{Path: p})
	op := cfg.Registrars.Openprovider
	if op == nil || op.Timeout != 45*time.Second || op.RateLimit != 2.5 || op.Username != "reseller" || op.Password.Reveal() != configtest.SecretOPPass {
		t.Errorf("openprovider = %+v", op)
	}
	if cfg.Sync.UpdateInterval != 36*time.Hour || cfg.Sync.DueDateOffset != 0 || cfg.Sync.StatusMap["DEL"] != "Grace" || cfg.Sync.BatchSize != 200 {
		t.Errorf("sync = %+v", cfg.Sync)
	}
	if cfg.Report.SMTP.TLS != TLSImplicit || cfg.Report.SMTP.Port != 465 {
		t.Errorf("smtp = %+v", cfg.Report.SMTP)
	}
	if cfg.WHMCS.DSN.Reveal() != "whmcs:"+configtest.SecretDSNPass+"@tcp(db.example:3306)/whmcs" {
		t.Errorf("dsn not kept for opening the database")
	}
}

// TestLoadErrors: every bad input is reported with where (file:line, env,
// flag), the key path and the value; all problems at once.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string // appended to minimalYAML (lines 1-6) unless it starts with "!"
		env   map[string]string
		flags []FlagValue
		want  []string // substrings of the error; "F" stands for the file path
	}{
		{"unknown key", "sync:\n  batch_sise: 10\n", nil, nil,
			[]string{"F:8: sync.batch_sise: unknown key (did you mean batch_size?)"}},
		{"unknown top-level key", "synk:\n  batch_size: 10\n", nil, nil,
			[]string{"F:7: synk: unknown key (did you mean sync?)"}},
		{"unknown registrar", "    \n  enom:\n    url: x\n", nil, nil,
			[]string{`F:8: registrars.enom: unknown registrar "enom" (supported: odr, openprovider)`}},
		{"wrong type", "sync:\n  batch_size: abc\n", nil, nil,
			[]string{`F:8: sync.batch_size: cannot use "abc" as a whole number`}},
		{"wrong type in flow mapping", "report:\n  smtp: {host: h, port: abc, tls: none}\n", nil, nil,
			[]string{`F:8: report.smtp.port: cannot use "abc" as a whole number`}},
		{"float into int", "sync:\n  due_date_offset: 1.5\n", nil, nil,
			[]string{`F:8: sync.due_date_offset: cannot use "1.5" as a whole number`}},
		{"bool", "sync:\n  invoices: maybe\n", nil, nil,
			[]string{`F:8: sync.invoices: cannot use "maybe" as true or false`}},
		{"list expected", "sync:\n  statuses: Active\n", nil, nil,
			[]string{`F:8: sync.statuses: cannot use "Active" as a list`}},
		{"list item", "sync:\n  statuses:\n    - Active\n    - [x]\n", nil, nil,
			[]string{`F:10: sync.statuses[1]: cannot use a list as text`}},
		{"duration without unit", "    timeout: 30\n", nil, nil,
			[]string{`F:7: registrars.openprovider.timeout: cannot use "30" as a duration with a unit`}},
		{"bad interval", "sync:\n  update_interval: 2 hours\n", nil, nil,
			[]string{`F:8: sync.update_interval: cannot use "2 hours" as an interval`}},
		{"negative batch size", "sync:\n  batch_size: -5\n", nil, nil,
			[]string{"F:8: sync.batch_size:", "-5"}},
		{"unknown status", "sync:\n  statuses:\n    - Active\n    - Actve\n", nil, nil,
			[]string{"F:", "sync.statuses", "Actve"}},
		{"status_map to a status WHMCS lacks", "sync:\n  status_map:\n    DEL: Deleted\n", nil, nil,
			[]string{"F:", "sync.status_map", "Deleted"}},
		{"duplicate key", "sync:\n  batch_size: 1\n  batch_size: 2\n", nil, nil,
			[]string{"F:9: sync.batch_size: duplicate key (first at line 8)"}},
		{"syntax error", "sync:\n  batch_size: [1\n", nil, nil,
			[]string{"F:"}},
		{"not a mapping", "!- a\n- b\n", nil, nil,
			[]string{"F:1: the file must be a mapping of sections"}},
		{"two documents", "---\nsync: {}\n", nil, nil,
			[]string{"F:7: only one YAML document is allowed"}},
		{"bad tls and port", "report:\n  smtp:\n    tls: ssl\n    port: 70000\n", nil, nil,
			[]string{`F:9: report.smtp.tls: "ssl" is not one of none, starttls, tls`, "F:10: report.smtp.port: 70000 is not a port"}},
		{"bad addresses", "report:\n  from: nobody\n  to: [ok@example.com, 'not an address']\n", nil, nil,
			[]string{`F:8: report.from: "nobody" is not a mail address`, `F:9: report.to[1]: "not an address" is not a mail address`}},
		{"smtp user without password", "report:\n  smtp: {host: h, username: u}\n", nil, nil,
			[]string{"F:8: report.smtp.password: required when report.smtp.username is set"}},
		{"negative journal.keep", "journal:\n  keep: -1\n", nil, nil,
			[]string{"F:8: journal.keep: must not be negative (days; 0 keeps every run), got -1"}},
		{"negative tuning", "    concurrency: -1\n", nil, nil,
			[]string{"F:7: registrars.openprovider.concurrency: must not be negative, got -1"}},
		{"invalid dsn", "!whmcs:\n  dsn: \"nodbname\"\nregistrars:\n  openprovider: {username: u, password: p}\n", nil, nil,
			[]string{"F:2: whmcs.dsn: invalid DSN"}},
		{"missing credentials", "!whmcs: {dir: /var/www/whmcs}\nregistrars:\n  openprovider:\n    url: https://api.example\n", nil, nil,
			[]string{"F:3: registrars.openprovider.username: required", "F:3: registrars.openprovider.password: required"}},
		{"no registrar", "!whmcs: {dir: /var/www/whmcs}\n", nil, nil,
			[]string{"registrars: no registrar configured"}},
		{"env bad url", "", map[string]string{EnvOpenproviderURL: "ftp://x"}, nil,
			[]string{`env DOMAINSYNC_OPENPROVIDER_URL: registrars.openprovider.url: "ftp://x" is not an http(s) URL`}},
		{"env bad dsn", "", map[string]string{EnvDBDSN: "u:" + configtest.SecretEnvDSN + "@tcp(h"}, nil,
			[]string{"env DOMAINSYNC_DB_DSN: whmcs.dsn: invalid DSN"}},
		{"flag wrong type", "", nil, []FlagValue{{"batch-size", "sync.batch_size", "many"}},
			[]string{`flag --batch-size: sync.batch_size: cannot use "many" as a whole number`}},
		{"flag negative", "", nil, []FlagValue{{"batch-size", "sync.batch_size", "-3"}},
			[]string{"flag --batch-size: sync.batch_size:", "-3"}},
		{"flag bad interval", "", nil, []FlagValue{{"update-interval", "sync.update_interval", "soon"}},
			[]string{`flag --update-interval: sync.update_interval: cannot use "soon" as an interval`}},
		{"flag unknown key", "", nil, []FlagValue{{"x", "sync.nope", "1"}},
			[]string{`flag --x: unknown configuration key "sync.nope"`}},
		{"all at once", "sync:\n  batch_size: abc\n  foo: 1\nreport:\n  smtp: {tls: ssl}\n", nil, nil,
			[]string{"3 problems", "F:8: sync.batch_size", "F:9: sync.foo", "F:11: report.smtp.tls"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := minimalYAML + tt.yaml
			if rest, ok := strings.CutPrefix(tt.yaml, "!"); ok {
				content = rest
			}
			p := writeConfig(t, content)
			_, _, err := Load(LoadOptions{Path: p, Env: envOf(tt.env), Flags: tt.flags, Search: []string{}})
			if err == nil {
				t.Fatal("no error")
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T, want *Error", err)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "F:", p+":"); !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			configtest.AssertNoSecret(t, "error", msg)
		})
	}
}

// TestFileSearch: --config, then $DOMAINSYNC_CONFIG, then the search list in order.
func TestFileSearch(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string) string {
		p := filepath.Join(dir, name, "domainsync.yaml")
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(minimalYAML), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flagFile, envFile, first, second := mk("flag"), mk("env"), mk("first"), mk("second")
	missing := filepath.Join(dir, "missing", "domainsync.yaml")
	tests := []struct {
		name     string
		path     string
		env      map[string]string
		search   []string
		wantFile string
		wantSrc  Source
		wantErr  string
	}{
		{"flag wins", flagFile, map[string]string{EnvConfig: envFile}, []string{first}, flagFile, SourceFlag("config"), ""},
		{"env next", "", map[string]string{EnvConfig: envFile}, []string{first}, envFile, SourceEnv(EnvConfig), ""},
		{"first search path", "", nil, []string{first, second}, first, SourceDefault(), ""},
		{"skips missing", "", nil, []string{missing, second}, second, SourceDefault(), ""},
		{"missing flag file is an error", missing, nil, []string{first}, "", "", "flag --config: config file " + missing + ": no such file"},
		{"missing env file is an error", "", map[string]string{EnvConfig: missing}, []string{first}, "", "", "env DOMAINSYNC_CONFIG: config file " + missing + ": no such file"},
		{"directory is an error", dir, nil, nil, "", "", "is a directory"},
		{"none found", "", nil, []string{missing}, "", "", "no configuration: pass --config FILE or create ./domainsync.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, src, err := Load(LoadOptions{Path: tt.path, Env: envOf(tt.env), Search: tt.search})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if src.File != tt.wantFile || src.FileSource != tt.wantSrc {
				t.Errorf("file %s (%s), want %s (%s)", src.File, src.FileSource, tt.wantFile, tt.wantSrc)
			}
		})
	}
}

// TestEnvOnly: no file at all is fine when the environment supplies enough.
func TestEnvOnly(t *testing.T) {
	env := map[string]string{
		EnvDBDSN:                "whmcs:" + configtest.SecretEnvDSN + "@tcp(127.0.0.1:3306)/whmcs",
		EnvOpenproviderUsername: "reseller",
		EnvOpenproviderPassword: configtest.SecretEnvOP,
	}
	cfg, src := mustLoad(t, LoadOptions{Env: envOf(env), Search: []string{filepath.Join(t.TempDir(), "none.yaml")}})
	if src.File != "" || cfg.Registrars.Openprovider == nil || cfg.Registrars.Openprovider.URL != DefaultOpenproviderURL {
		t.Fatalf("file %q, openprovider %+v", src.File, cfg.Registrars.Openprovider)
	}
	if got := src.Of("registrars.openprovider.username"); got != SourceEnv(EnvOpenproviderUsername) {
		t.Errorf("username source %s", got)
	}
	if cfg.Sync.BatchSize != 200 || src.Of("sync.batch_size") != SourceDefault() {
		t.Errorf("batch size %d (%s)", cfg.Sync.BatchSize, src.Of("sync.batch_size"))
	}

	// Not enough: the error says how to configure, and what is missing.
	delete(env, EnvOpenproviderPassword)
	_, _, err := Load(LoadOptions{Env: envOf(env), Search: []string{}})
	if err == nil || !strings.Contains(err.Error(), "no configuration: pass --config FILE") || !strings.Contains(err.Error(), "registrars.openprovider.password: required") {
		t.Fatalf("error %v", err)
	}
}

// TestSecretsMasked: no way of printing a loaded Config, its parts or the
// loader's errors and warnings shows a password.
func TestSecretsMasked(t *testing.T) {
	p := writeConfig(t, minimalYAML+`report:
  smtp: {host: mail.example, username: u, password: `+configtest.SecretSMTPPass+`, tls: starttls}
`)
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, src := mustLoad(t, LoadOptions{Path: p})
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("cfg", "dsn", cfg.WHMCS.DSN, "op", cfg.Registrars.Openprovider.Password, "smtp", cfg.Report.SMTP.Password)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("cfg", "config", cfg, "smtp", cfg.Report.SMTP)
	js, _ := json.Marshal(cfg)
	ys, _ := yaml.Marshal(cfg)
	outs := []string{logs.String(), string(js), string(ys), cfg.String(), strings.Join(src.Warnings, "\n")}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		outs = append(outs,
			fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, *cfg),
			fmt.Sprintf(verb, cfg.WHMCS), fmt.Sprintf(verb, cfg.Registrars.Openprovider), fmt.Sprintf(verb, *cfg.Registrars.Openprovider),
			fmt.Sprintf(verb, cfg.Report), fmt.Sprintf(verb, cfg.Report.SMTP.Password), fmt.Sprintf(verb, cfg.WHMCS.DSN))
	}
	for i, o := range outs {
		configtest.AssertNoSecret(t, fmt.Sprintf("output %d", i), o)
	}
	if !strings.Contains(cfg.String(), "whmcs.dsn = whmcs:****@tcp(db.example:3306)/whmcs") || !strings.Contains(cfg.String(), "report.smtp.password = ********") {
		t.Errorf("String():\n%s", cfg)
	}
}

func TestPermissionWarning(t *testing.T) {
	noSecret := "whmcs:\n  dsn: \"whmcs@tcp(db:3306)/whmcs\"\nregistrars:\n  openprovider: {username: u}\n"
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		env     map[string]string
		warn    bool
	}{
		{"0644 with password", minimalYAML, 0o644, nil, true},
		{"0640 with password", minimalYAML, 0o640, nil, true},
		{"0600 with password", minimalYAML, 0o600, nil, false},
		{"0644 without secrets", noSecret, 0o644, map[string]string{EnvOpenproviderPassword: configtest.SecretEnvOP}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeConfig(t, tt.content)
			if err := os.Chmod(p, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, src := mustLoad(t, LoadOptions{Path: p, Env: envOf(tt.env)})
			w := strings.Join(src.Warnings, "\n")
			if !tt.warn {
				if w != "" {
					t.Errorf("unexpected warning %q", w)
				}
				return
			}
			if !strings.Contains(w, p) || !strings.Contains(w, "chmod 600 "+p) || !strings.Contains(w, "registrars.openprovider.password") || !strings.Contains(w, "whmcs.dsn") {
				t.Errorf("warning %q", w)
			}
			configtest.AssertNoSecret(t, "warning", w)
		})
	}
}

func TestClearTextSMTPPasswordWarning(t *testing.T) {
	for _, tt := range []struct {
		host, tls string
		warn      bool
	}{{"mail.example", "none", true}, {"127.0.0.1", "none", false}, {"localhost", "none", false}, {"mail.example", "starttls", false}} {
		p := writeConfig(t, minimalYAML+fmt.Sprintf("report:\n  smtp: {host: %s, username: u, tls: %s}\n", tt.host, tt.tls))
		_, src := mustLoad(t, LoadOptions{Path: p, Env: envOf(map[string]string{EnvSMTPPassword: configtest.SecretEnvSMTP})})
		if got := len(src.Warnings) > 0; got != tt.warn {
			t.Errorf("%s/%s: warnings %q", tt.host, tt.tls, src.Warnings)
		}
	}
}

func TestMaskDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"user:pass@tcp(127.0.0.1:3306)/whmcs", "user:****@tcp(127.0.0.1:3306)/whmcs"},
		{"user@tcp(db:3306)/whmcs", "user@tcp(db:3306)/whmcs"},
		{"user:p@ss/w:rd@tcp(db)/whmcs", "user:****@tcp(db:3306)/whmcs"},
		{"user:pass@/whmcs", "user:****@tcp(127.0.0.1:3306)/whmcs"},
		{"user:pass@unix(/run/mysqld/mysqld.sock)/whmcs?parseTime=true", "user:****@unix(/run/mysqld/mysqld.sock)/whmcs?parseTime=true"},
		{"user:pass@tcp(db", "(invalid DSN, hidden)"},
		{"nodb", "(invalid DSN, hidden)"},
	}
	for _, tt := range tests {
		if got := maskDSN(tt.in); got != tt.want {
			t.Errorf("maskDSN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatInterval(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0"}, {2 * time.Hour, "2h"}, {90 * time.Minute, "1h30m"}, {24 * time.Hour, "1d"},
		{36 * time.Hour, "1d12h"}, {30 * time.Second, "30s"}, {49*time.Hour + 30*time.Second, "2d1h0m30s"},
	}
	for _, tt := range tests {
		if got := formatInterval(tt.d); got != tt.want {
			t.Errorf("formatInterval(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	if got := formatDuration(48 * time.Hour); got != "48h" {
		t.Errorf("formatDuration(48h) = %q", got)
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"batch_size", "due_date", "statuses", "status"}
	tests := []struct{ in, want string }{
		{"batch_sise", "batch_size"}, {"batch-size", "batch_size"}, {"BATCH_SIZE", "batch_size"},
		{"statuss", "statuses"}, {"completely_else", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, keys); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestQuoteIfNeeded(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"}, {"", `""`}, {" x", `" x"`}, {"a,b", `"a,b"`}, {"\x1b[31m", `"\x1b[31m"`}, {"WHMCS <a@b.c>", "WHMCS <a@b.c>"},
	}
	for _, tt := range tests {
		if got := quoteIfNeeded(tt.in); got != tt.want {
			t.Errorf("quoteIfNeeded(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzParseConfig: no input panics the loader, and a secret from the input
// never shows in its errors, warnings or printed values.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(minimalYAML))
	f.Add([]byte(minimalYAML + "sync:\n  batch_size: abc\n  update_interval: 1d\n  statuses: [Active, {x: y}]\n"))
	f.Add([]byte("whmcs: {dsn: 'u:" + configtest.SecretDSNPass + "@tcp(h'}\nregistrars: {openprovider: {password: [" + configtest.SecretOPPass + "]}}\n"))
	f.Add([]byte("a: &x {b: *x}\n"))
	f.Add([]byte("<<: {whmcs: {dir: /x}}\nregistrars:\n  openprovider: ~\n"))
	f.Add([]byte("- 1\n- 2\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("report:\n  smtp: {port: 1.5e3, password: \"" + configtest.SecretSMTPPass + "\", tls: 7}\n  to: !!binary aGVsbG8=\n"))
	f.Add([]byte("\xff\xfe"))
	f.Add([]byte(minimalYAML + "    sync: {batch_size: 5, update_interval: 1d, status_map: {DEL: Grace}}\n  odr:\n    api_key: k\n    api_secret: s\n    modules: [odr, x]\n    sync:\n      statuses: [active]\n      update_interval: soon\n"))
	f.Add([]byte(minimalYAML + "    sync: [1]\n  odr: {api_key: k, api_secret: s, sync: {batch_sise: 1, due_date: ~, statuses: ~}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := configInput{File: "/f/domainsync.yaml", FileSource: SourceFlag("config"), Data: data, Mode: 0o644,
			Env: envOf(map[string]string{EnvSMTPPassword: configtest.SecretEnvSMTP})}
		cfg, src, err := parseConfig(in)
		envSecretInInput := bytes.Contains(data, []byte(configtest.SecretEnvSMTP))
		if err != nil {
			if !envSecretInInput && strings.Contains(err.Error(), configtest.SecretEnvSMTP) {
				t.Errorf("error shows the environment's password:\n%v", err)
			}
			return
		}
		if !envSecretInInput && strings.Contains(strings.Join(src.Warnings, "\n"), configtest.SecretEnvSMTP) {
			t.Errorf("warnings show the environment's password: %q", src.Warnings)
		}
		for _, name := range []string{"openprovider", "odr"} {
			if err := cfg.RegistrarSettings(name).Validate(); err != nil {
				t.Errorf("%s: a loaded configuration gives invalid settings: %v", name, err)
			}
		}
		out := cfg.String() + fmt.Sprintf("%+v %#v %v", cfg, *cfg, cfg.Values(src))
		secrets := []string{cfg.WHMCS.DSN.Password(), cfg.Report.SMTP.Password.Reveal()}
		if op := cfg.Registrars.Openprovider; op != nil {
			secrets = append(secrets, op.Password.Reveal())
		}
		for _, s := range secrets {
			if len(s) >= 6 && strings.Contains(out, s) && !strings.Contains(maskedParts(cfg), s) {
				t.Errorf("secret %q printed:\n%s", s, out)
			}
		}
	})
}

// maskedParts is what a config prints besides its secrets, for telling a
// real leak from a password that happens to equal another value.
func maskedParts(c *Config) string {
	d := documentOf(*c)
	d.WHMCS.DSN, d.Report.SMTP.Password = "", ""
	if d.Registrars.Openprovider != nil {
		op := *d.Registrars.Openprovider
		op.Password = ""
		d.Registrars.Openprovider = &op
	}
	return fmt.Sprintf("%+v %#v", d, d)
}

// FuzzMaskDSN: a masked DSN never holds the password the driver would send.
func FuzzMaskDSN(f *testing.F) {
	for _, s := range []string{"user:pass@tcp(127.0.0.1:3306)/whmcs", "u:p@ss@/db", "u:pa:ss@unix(/s)/d?x=y", "@/", "u:pw/x@tcp(h)/d", "u:secret12@tcp(h:1)/d?tls=skip-verify"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		out := maskDSN(dsn)
		pw := DSN(dsn).Password()
		if len(pw) >= 6 && strings.Count(dsn, pw) == 1 && strings.Contains(out, pw) {
			t.Errorf("maskDSN(%q) = %q shows the password %q", dsn, out, pw)
		}
	})
}
