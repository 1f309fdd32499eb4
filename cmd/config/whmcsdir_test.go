package config

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/cmd/config/configtest"
	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcsconf"
)

// The WHMCS installation fixture lives in configtest (the command tests
// use it too).
const (
	whmcsOPPass   = configtest.WHMCSOPPass
	whmcsSMTPPass = configtest.WHMCSSMTPPass
	moduleFile    = configtest.ModuleFile
)

var (
	newWHMCS   = configtest.NewWHMCS
	randomHash = configtest.RandomHash
	encrypt    = configtest.Encrypt
)

// TestLoadWHMCSDir is the drop-in: no file, no environment, only the WHMCS
// directory; the loader yields the database connection, the Openprovider
// credentials, the module options and the SMTP settings.
func TestLoadWHMCSDir(t *testing.T) {
	f := newWHMCS(t, moduleFile, "", "")
	cfg, src, err := Load(LoadOptions{
		Flags:  []FlagValue{{Name: "whmcs", Key: "whmcs.dir", Value: f.Dir}},
		Search: []string{filepath.Join(t.TempDir(), "none.yaml")},
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	modSrc := func(k string) string { return "whmcs " + filepath.Join(f.Dir, whmcsconf.ModuleConfigPath) + " " + k }
	want := map[string][2]string{ // key → value, source
		"whmcs.dir":                        {f.Dir, "flag --whmcs"},
		"registrars.openprovider.username": {"whmcs-reseller", "whmcs tblregistrars openprovider Username"},
		"registrars.openprovider.password": {"********", "whmcs tblregistrars openprovider Password"},
		"registrars.openprovider.url":      {DefaultOpenproviderURL, "default"}, // test mode off
		"sync.batch_size":                  {"150", modSrc("domainProcessingLimit")},
		"sync.due_date_offset":             {"7", modSrc("nextDueDateOffset")},
		"sync.due_date_max_difference":     {"60", modSrc("nextDueDateUpdateMaxDayDifference")},
		"sync.due_date":                    {"true", modSrc("updateNextDueDate")},
		"sync.expiry_date":                 {"false", modSrc("syncExpiryDate")},
		"sync.status":                      {"true", modSrc("syncDomainStatus")},
		"sync.update_interval":             {"2h", "default"}, // not in the file
		"sync.auto_renew":                  {"true", "default"},
		"report.send_empty":                {"false", "default"},
		"sync.invoices":                    {"true", "default"},
		"report.from":                      {`"\"Example & Co\" <noreply@example.com>"`, "whmcs tblconfiguration SystemEmailsFromEmail"},
		"report.bcc":                       {"[audit@example.com]", "whmcs tblconfiguration BCCMessages"},
		"report.smtp.host":                 {"smtp.example.com", "whmcs tblconfiguration MailConfig"},
		"report.smtp.port":                 {"587", "whmcs tblconfiguration MailConfig"},
		"report.smtp.tls":                  {"starttls", "whmcs tblconfiguration MailConfig"},
		"report.smtp.username":             {"mailer@example.com", "whmcs tblconfiguration MailConfig"},
		"report.smtp.password":             {"********", "whmcs tblconfiguration MailConfig"},
	}
	for key, w := range want {
		s := settingOf(t, cfg, src, key)
		if s.Value != w[0] || string(s.Source) != w[1] {
			t.Errorf("%s = %s (%s), want %s (%s)", key, s.Value, s.Source, w[0], w[1])
		}
	}
	// The real values behind the masks.
	op := cfg.Registrars.Openprovider
	if op.Password.Reveal() != whmcsOPPass { // used as stored, entities and all
		t.Errorf("password not as stored")
	}
	if cfg.Report.SMTP.Password.Reveal() != whmcsSMTPPass {
		t.Errorf("SMTP password not decrypted")
	}
	if cfg.Report.MailDisabled {
		t.Errorf("mail disabled")
	}
	// The database connection: configuration.php's server, WHMCS's session.
	if s := settingOf(t, cfg, src, "whmcs.dsn"); string(s.Source) != "whmcs "+filepath.Join(f.Dir, "configuration.php") ||
		!strings.Contains(s.Value, "@tcp("+f.Conf.Addr+")/"+f.Conf.DBName) {
		t.Errorf("whmcs.dsn = %s (%s)", s.Value, s.Source)
	}
	db, err := OpenWHMCSDB(context.Background(), cfg, whmcsdb.Options{})
	if err != nil {
		t.Fatalf("OpenWHMCSDB: %v", err)
	}
	defer db.Close()
	if db.Name() != f.Conf.DBName {
		t.Errorf("opened %s, want %s", db.Name(), f.Conf.DBName)
	}
	warnings := strings.Join(src.Warnings, "\n")
	for _, w := range []string{"DomainSyncEnabled", `"not an address" is not a mail address`} {
		if !strings.Contains(warnings, w) {
			t.Errorf("warnings lack %q:\n%s", w, warnings)
		}
	}
	out := fmt.Sprintf("%v %+v %#v %v %s", cfg, cfg, cfg, cfg.Values(src), warnings)
	for _, s := range []string{whmcsOPPass, whmcsSMTPPass, f.Hash} {
		if strings.Contains(out, s) {
			t.Errorf("output shows the secret %q", s)
		}
	}
}

// TestWHMCSWrongKey: a cc_encryption_hash that is not the database's is
// detected, reported as such, and nothing it decrypts is used.
func TestWHMCSWrongKey(t *testing.T) {
	f := newWHMCS(t, moduleFile, randomHash(t), "")
	_, _, err := Load(LoadOptions{Flags: []FlagValue{{Name: "whmcs", Key: "whmcs.dir", Value: f.Dir}}, Search: []string{}})
	if err == nil {
		t.Fatal("no error without credentials")
	}
	msg := err.Error()
	for _, w := range []string{"cc_encryption_hash does not match this database", "registrars: no registrar configured"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q:\n%s", w, msg)
		}
	}
	// With credentials from the environment the run can go on, warned.
	cfg, src, err := Load(LoadOptions{
		Flags:  []FlagValue{{Name: "whmcs", Key: "whmcs.dir", Value: f.Dir}},
		Env:    envOf(map[string]string{EnvOpenproviderUsername: "u", EnvOpenproviderPassword: configtest.SecretEnvOP}),
		Search: []string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(src.Warnings, "\n"), "cc_encryption_hash does not match this database") {
		t.Errorf("no wrong-key warning: %q", src.Warnings)
	}
	if cfg.Report.SMTP.Host == "smtp.example.com" || cfg.Registrars.Openprovider.URL == SandboxOpenproviderURL {
		t.Errorf("a value decrypted with the wrong key was used: %+v", cfg.Report.SMTP)
	}
	if cfg.Sync.BatchSize != 150 {
		t.Errorf("module file not read: batch size %d", cfg.Sync.BatchSize)
	}
}

// TestWHMCSLocalhost: $db_host localhost tries the Unix sockets first, then
// TCP 127.0.0.1 (the test server listens on TCP only, sockets are absent).
func TestWHMCSLocalhost(t *testing.T) {
	f := newWHMCS(t, moduleFile, "", "localhost")
	if _, port, _ := strings.Cut(f.Conf.Addr, ":"); !strings.HasPrefix(f.Conf.Addr, "127.0.0.1:") || port == "" {
		t.Skipf("test server %s is not on 127.0.0.1", f.Conf.Addr)
	}
	saved := whmcsconf.DefaultSockets
	whmcsconf.DefaultSockets = []string{filepath.Join(t.TempDir(), "none.sock")}
	t.Cleanup(func() { whmcsconf.DefaultSockets = saved })
	w, err := loadWHMCSDir(context.Background(), f.Dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if w.DB == nil || w.DB.Net != "tcp" || w.DB.Addr != f.Conf.Addr {
		t.Fatalf("connected to %v", w.DB)
	}
	// Nothing answers: every candidate is named, no password shown.
	whmcsconf.DefaultSockets = []string{filepath.Join(t.TempDir(), "a.sock")}
	php := &whmcsconf.PHPConfig{Path: "configuration.php", DBHost: "localhost", DBPort: "1", DBUsername: "u", DBPassword: whmcsOPPass, DBName: "d", MySQLCharset: "utf8"}
	_, _, err = openConfigPHP(context.Background(), php, whmcsdb.Options{})
	if err == nil || !strings.Contains(err.Error(), "a.sock") || !strings.Contains(err.Error(), "tcp(127.0.0.1:1)") || strings.Contains(err.Error(), whmcsOPPass) {
		t.Fatalf("error: %v", err)
	}
}

// TestWHMCSDirErrors: a directory that cannot be used is a configuration
// problem naming where whmcs.dir came from.
func TestWHMCSDirErrors(t *testing.T) {
	empty := t.TempDir()
	badModule := t.TempDir()
	os.WriteFile(filepath.Join(badModule, "configuration.php"), []byte("<?php $db_host='127.0.0.1'; $db_username='u'; $db_password='"+whmcsOPPass+"'; $db_name='d'; $cc_encryption_hash='k';"), 0o600)
	os.MkdirAll(filepath.Join(badModule, filepath.Dir(whmcsconf.ModuleConfigPath)), 0o755)
	os.WriteFile(filepath.Join(badModule, whmcsconf.ModuleConfigPath), []byte("<?php return ['a' => 'unterminated"), 0o644)
	tests := []struct{ dir, want string }{
		{filepath.Join(empty, "nope"), "flag --whmcs: whmcs.dir: WHMCS directory " + filepath.Join(empty, "nope")},
		{empty, "configuration.php: file not found"},
		{badModule, "advanced-module-configurations.php"},
	}
	for _, tt := range tests {
		_, _, err := Load(LoadOptions{Flags: []FlagValue{{Name: "whmcs", Key: "whmcs.dir", Value: tt.dir}}, Search: []string{}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.dir, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), whmcsOPPass) {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

// TestWHMCSValues covers the interpretation rules without a database.
func TestWHMCSValues(t *testing.T) {
	hash := "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01"
	enc := func(s string) string { return encrypt(t, s, hash) }
	creds := map[string]string{"Username": enc("u"), "Password": enc("p"), "test_mode": enc("")}
	smtpMail := func(conf string) map[string]string {
		return map[string]string{"Version": "8.1.0", "MailConfig": enc(`{"module":"SmtpMail","configuration":` + conf + `}`)}
	}
	tests := []struct {
		name     string
		conf     map[string]string
		regs     map[string]string
		module   map[string]whmcsconf.Value
		want     map[string]any // key → value; nil value: key absent
		warnings []string
	}{
		{name: "smtp ssl is implicit tls, default port 465",
			conf: smtpMail(`{"host":"h","username":"u","password":"pw","secure":"ssl"}`), regs: creds,
			want: map[string]any{"report.smtp.tls": TLSImplicit, "report.smtp.port": 465, "report.smtp.password": Secret("pw"), "registrars.openprovider.url": nil}},
		{name: "smtp none without auth, numeric port",
			conf: smtpMail(`{"host":"h","port":2525,"username":"","secure":"none"}`), regs: creds,
			want: map[string]any{"report.smtp.tls": TLSNone, "report.smtp.port": 2525, "report.smtp.username": nil}},
		{name: "smtp default secure is ssl",
			conf: smtpMail(`{"host":"h","port":"465"}`), regs: creds,
			want: map[string]any{"report.smtp.tls": TLSImplicit}},
		{name: "oauth2 unsupported",
			conf: smtpMail(`{"host":"h","auth_type":"oauth2"}`), regs: creds,
			want: map[string]any{"report.smtp.host": nil}, warnings: []string{"OAuth2"}},
		{name: "entity-encoded MailConfig",
			conf: smtpMail(`{"host":"h","username":"u","password":"a&amp;b","secure":"tls"}`), regs: creds,
			want: map[string]any{"report.smtp.password": Secret("a&b"), "report.smtp.tls": TLSStartTLS}},
		{name: "no MailConfig is PhpMail",
			conf: map[string]string{"Version": "8.12.0"}, regs: creds,
			want: map[string]any{"report.smtp.host": nil, "report.smtp.sendmail": sendmailPath()}},
		{name: "SendGrid unsupported",
			conf: map[string]string{"Version": "8.12.0", "MailConfig": enc(`{"module":"SendGrid","configuration":{"key":"k"}}`)}, regs: creds,
			want: map[string]any{"report.smtp.host": nil}, warnings: []string{`"SendGrid" is not supported`}},
		{name: "MailConfig not JSON",
			conf: map[string]string{"Version": "8.12.0", "MailConfig": enc(`hello`)}, regs: creds,
			want: map[string]any{"report.smtp.host": nil, "report.smtp.sendmail": sendmailPath()}, warnings: []string{"not the JSON object"}},
		{name: "pre-8 smtp",
			conf: map[string]string{"Version": "7.10.2-release.1", "MailType": "smtp", "SMTPHost": "mx", "SMTPPort": "587", "SMTPUsername": "me", "SMTPPassword": enc("old-pw"), "SMTPSSL": "tls"},
			regs: creds,
			want: map[string]any{"report.smtp.host": "mx", "report.smtp.port": 587, "report.smtp.tls": TLSStartTLS, "report.smtp.password": Secret("old-pw")}},
		{name: "pre-8 mail",
			conf: map[string]string{"Version": "7.9.0", "MailType": "mail"}, regs: creds,
			want: map[string]any{"report.smtp.host": nil, "report.smtp.sendmail": sendmailPath()}},
		{name: "8.x ignores the pre-8 rows",
			conf: map[string]string{"Version": "8.0.0", "MailType": "smtp", "SMTPHost": "mx", "SMTPPassword": enc("")}, regs: creds,
			want: map[string]any{"report.smtp.host": nil, "report.smtp.sendmail": sendmailPath()}},
		{name: "sender falls back, entities decoded; mail disabled",
			conf: map[string]string{"CompanyName": "A &quot;B&quot; &#039;C&#039;", "Email": "billing@example.com", "DisableEmailSending": "on"}, regs: creds,
			want:     map[string]any{"report.from": `"A \"B\" 'C'" <billing@example.com>`, "report.mail_disabled": true},
			warnings: []string{"no report will be mailed"}},
		{name: "DisableEmailSending 0 is off",
			conf: map[string]string{"DisableEmailSending": "0", "DomainSyncEnabled": "0"}, regs: creds,
			want: map[string]any{"report.mail_disabled": nil}},
		{name: "bad sender address",
			conf: map[string]string{"SystemEmailsFromEmail": "nobody"}, regs: creds,
			want: map[string]any{"report.from": nil}, warnings: []string{`"nobody" is not a mail address`}},
		{name: "module 3.3: options in tblregistrars",
			regs: map[string]string{"Username": enc("u"), "Password": enc("p"), "test_mode": enc("on"),
				"domainProcessingLimit": enc("50"), "updateInterval": enc("4"), "sendEmptyActivityEmail": enc("yes"),
				"syncAutoRenewSetting": enc(""), "syncUseNativeWHMCS": enc("on")},
			want: map[string]any{"sync.batch_size": 50, "sync.update_interval": "4h", "report.send_empty": true,
				"sync.auto_renew": false, "sync.status": nil, "registrars.openprovider.url": SandboxOpenproviderURL},
			warnings: []string{"syncUseNativeWHMCS"}},
		{name: "module file wins over tblregistrars; bad value keeps default",
			regs:   map[string]string{"Username": enc("u"), "domainProcessingLimit": enc("50")},
			module: map[string]whmcsconf.Value{"updateInterval": whmcsconf.Int(0), "domainProcessingLimit": whmcsconf.String("lots")},
			want:   map[string]any{"sync.batch_size": nil, "sync.update_interval": "0"}, warnings: []string{"domainProcessingLimit"}},
		{name: "no registrar rows",
			want: map[string]any{"registrars.openprovider.username": nil}, warnings: []string{"not activated"}},
		{name: "password with entities used as stored",
			regs: map[string]string{"Username": enc("u"), "Password": enc("a&amp;b")},
			want: map[string]any{"registrars.openprovider.password": Secret("a&amp;b")}},
		{name: "undecryptable test_mode means a wrong key",
			regs: map[string]string{"Username": enc("u"), "test_mode": enc("zq")},
			want: map[string]any{"registrars.openprovider.username": nil}, warnings: []string{"cc_encryption_hash does not match"}},
		{name: "not base64: ignored, not a wrong key",
			regs: map[string]string{"Username": enc("u"), "Password": "plain text!"},
			want: map[string]any{"registrars.openprovider.username": "u", "registrars.openprovider.password": nil}, warnings: []string{"Password: not a WHMCS-encrypted value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := whmcsValues(whmcsInput{Dir: "/w", ConfigPath: "/w/configuration.php", ModulePath: "/w/m.php", Hash: hash,
				Config: tt.conf, Registrar: tt.regs, Module: tt.module})
			for key, want := range tt.want {
				v, ok := w.value(key)
				switch {
				case want == nil && ok:
					t.Errorf("%s = %#v, want none", key, v.Value)
				case want != nil && !ok:
					t.Errorf("%s missing, want %#v", key, want)
				case want != nil && fmt.Sprintf("%#v", v.Value) != fmt.Sprintf("%#v", want):
					t.Errorf("%s = %#v, want %#v", key, v.Value, want)
				case want != nil && ok:
					if sv, ok := v.Value.(Secret); ok && sv.Reveal() != want.(Secret).Reveal() {
						t.Errorf("%s: wrong secret", key)
					}
				}
			}
			all := strings.Join(w.Warnings, "\n")
			for _, ww := range tt.warnings {
				if !strings.Contains(all, ww) {
					t.Errorf("warnings lack %q:\n%s", ww, all)
				}
			}
		})
	}
}

// TestWHMCSPrecedencePure: applyWHMCS fills only keys at their default,
// and keeps WHMCS's SMTP transport whole or out.
func TestWHMCSPrecedencePure(t *testing.T) {
	w := &WHMCSSettings{Dir: "/w", Values: []WHMCSValue{
		{Key: "sync.batch_size", Value: 150, Source: SourceWHMCS("m batch")},
		{Key: "registrars.openprovider.username", Value: "wu", Source: SourceWHMCS("r u")},
		{Key: "registrars.openprovider.password", Value: Secret(whmcsOPPass), Source: SourceWHMCS("r p")},
		{Key: "report.smtp.host", Value: "wh-host", Source: SourceWHMCS("mc"), group: "report.smtp"},
		{Key: "report.smtp.username", Value: "wh-user", Source: SourceWHMCS("mc"), group: "report.smtp"},
		{Key: "report.smtp.password", Value: Secret(whmcsSMTPPass), Source: SourceWHMCS("mc"), group: "report.smtp"},
		{Key: "report.smtp.tls", Value: TLSStartTLS, Source: SourceWHMCS("mc"), group: "report.smtp"},
		{Key: "sync.due_date", Value: 3, Source: SourceWHMCS("bad type")},
	}}
	run := func(yaml string, env map[string]string, flags []FlagValue) (*Config, *Sources, error) {
		in := configInput{Env: envOf(env), Flags: append([]FlagValue{{Name: "whmcs", Key: "whmcs.dir", Value: "/w"}}, flags...),
			WHMCS: func(dir string, dsn DSN) (*WHMCSSettings, error) { return w, nil }}
		if yaml != "" {
			in.File, in.Data, in.Mode = "/f.yaml", []byte(yaml), 0o600
		}
		return parseConfig(in)
	}
	_, _, err := run("", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "whmcs bad type: sync.due_date: cannot use int") {
		t.Fatalf("a value of the wrong type is not a problem: %v", err)
	}
	w.Values = w.Values[:len(w.Values)-1]

	cfg, src, err := run("report:\n  smtp:\n    host: mine\nsync:\n  batch_size: 5\n",
		map[string]string{EnvOpenproviderUsername: "envu"}, []FlagValue{{Name: "x", Key: "whmcs.dsn", Value: "u@tcp(h:1)/d"}})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"sync.batch_size":                  "5 file /f.yaml:5",
		"registrars.openprovider.username": "envu env " + EnvOpenproviderUsername,
		"registrars.openprovider.password": "******** whmcs r p",
		"report.smtp.host":                 "mine file /f.yaml:3",
		"report.smtp.username":             `"" default`,
		"report.smtp.tls":                  "none default",
		"whmcs.dsn":                        "u@tcp(h:1)/d flag --x",
	} {
		s := settingOf(t, cfg, src, key)
		if got := s.Value + " " + string(s.Source); got != want {
			t.Errorf("%s: %s, want %s", key, got, want)
		}
	}
	if cfg.FromWHMCS != w || fmt.Sprintf("%v|%+v|%#v", cfg.FromWHMCS, cfg.FromWHMCS, cfg.FromWHMCS) != strings.Repeat("|"+w.String(), 3)[1:] {
		t.Errorf("FromWHMCS not kept or printed in full")
	}
}

// TestWHMCSNativeSync: NativeSync follows the module's syncUseNativeWHMCS,
// from the module file (4.0+) or tblregistrars (3.3 and older).
func TestWHMCSNativeSync(t *testing.T) {
	hash := "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01"
	enc := func(s string) string { return encrypt(t, s, hash) }
	tests := []struct {
		name   string
		regs   map[string]string
		module map[string]whmcsconf.Value
		want   bool
	}{
		{name: "module file true", module: map[string]whmcsconf.Value{"syncUseNativeWHMCS": whmcsconf.Bool(true)}, want: true},
		{name: "module file false", module: map[string]whmcsconf.Value{"syncUseNativeWHMCS": whmcsconf.Bool(false)}},
		{name: "module file absent key", module: map[string]whmcsconf.Value{"domainProcessingLimit": whmcsconf.Int(3)}},
		{name: "tblregistrars on", regs: map[string]string{"Username": enc("u"), "syncUseNativeWHMCS": enc("on")}, want: true},
		{name: "tblregistrars off", regs: map[string]string{"Username": enc("u"), "syncUseNativeWHMCS": enc("")}},
		{name: "module file wins over tblregistrars", regs: map[string]string{"syncUseNativeWHMCS": enc("on")},
			module: map[string]whmcsconf.Value{"syncUseNativeWHMCS": whmcsconf.Bool(false)}},
		{name: "nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := whmcsValues(whmcsInput{Dir: "/w", ConfigPath: "/w/configuration.php", ModulePath: "/w/m.php", Hash: hash,
				Registrar: tt.regs, Module: tt.module})
			if w.NativeSync != tt.want {
				t.Errorf("NativeSync = %t, want %t (warnings %q)", w.NativeSync, tt.want, w.Warnings)
			}
		})
	}
}

// FuzzParseMailConfig: any decrypted MailConfig text is read without a
// panic, and no warning about it shows the SMTP password.
func FuzzParseMailConfig(f *testing.F) {
	for _, s := range []string{
		`{"module":"SmtpMail","configuration":{"host":"h","port":"587","username":"u","password":"pw-SECRET","secure":"tls"}}`,
		`{"module":"SmtpMail","configuration":{"host":"h","port":70000,"username":"u","password":"pw-SECRET","secure":"x"}}`,
		`{"module":"PhpMail","configuration":{"encoding":0}}`,
		`{"module":"SmtpMail","configuration":{"host":"","auth_type":"oauth2","password":"pw-SECRET"}}`,
		`{"module":"SmtpMail","configuration":[1,2]}`,
		`&quot;`, `null`, ``, `{"module":7}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, plain string) {
		module, settings, err := parseMailConfig(plain)
		if err != nil {
			return
		}
		var warns []string
		warn := func(format string, args ...any) { warns = append(warns, fmt.Sprintf(format, args...)) }
		if module == "SmtpMail" {
			tr, _, ok := smtpFrom(settings, "465", "", "MailConfig", warn)
			if ok && (tr.Port < 1 || tr.Port > 65535 || (tr.TLS != TLSNone && tr.TLS != TLSStartTLS && tr.TLS != TLSImplicit)) {
				t.Errorf("accepted %+v", tr)
			}
		}
		pw := settings["password"]
		shown := []string{settings["username"], settings["port"], settings["secure"], settings["host"]}
		if len(pw) >= 6 && !slices.Contains(shown, pw) && strings.Contains(strings.Join(warns, "\n"), pw) {
			t.Errorf("warnings show the password: %q", warns)
		}
	})
}
