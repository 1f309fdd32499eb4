package whmcsconf

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const testHash = "q8XbT2vLm9RwZc4YhN6pKj3sDf7GaE1uVo5BiC0tWxQyHnMr8LzSg2JdAe4FkUbP"

func TestReadConfigPHPFixtures(t *testing.T) {
	c, err := ReadConfigPHP("testdata/configuration-8x.php")
	if err != nil {
		t.Fatal(err)
	}
	want := &PHPConfig{
		Path:   "testdata/configuration-8x.php",
		DBHost: "localhost", DBPort: "", DBUsername: "whmcs_app", DBPassword: `Tr0ub4dor\&3'x`, DBName: "whmcs_prod",
		TLS:          TLSOptions{VerifyCert: true},
		MySQLCharset: "utf8", CCEncryptionHash: testHash, CustomAdminPath: "admin",
		Other: map[string]Value{"license": String("WHMCS-3f9c2a7d1b8e"), "templates_compiledir": String("templates_c")},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("8.x installer file:\n got %#v\nwant %#v", *c, *want)
	}
	if c.TLS.Enabled() || c.SQLMode != nil || len(c.Warnings) != 0 {
		t.Errorf("8.x: TLS %v, sql_mode %v, warnings %v", c.TLS.Enabled(), c.SQLMode, c.Warnings)
	}

	c, err = ReadConfigPHP("testdata/configuration-7x.php")
	if err != nil {
		t.Fatal(err)
	}
	if c.DBHost != "db.internal.example:3307" || c.DBPort != "" || c.DBPassword != "s3cret" ||
		c.MySQLCharset != "utf8" || c.CustomAdminPath != "backoffice" ||
		!reflect.DeepEqual(c.Other["display_errors"], Bool(false)) || c.Other["api_access_key"].Str != "k3y" {
		t.Errorf("7.x file: %#v %#v", c, c.Other)
	}
	cands, err := c.Endpoints()
	if err != nil || !reflect.DeepEqual(cands, []Candidate{{Net: "tcp", Addr: "db.internal.example:3307"}}) {
		t.Errorf("7.x endpoints = %v, %v", cands, err)
	}
}

// base is a complete configuration that cases below extend or override
// (later assignments win).
const base = `<?php
$db_host = 'localhost';
$db_username = 'u';
$db_password = 'pw';
$db_name = 'd';
$cc_encryption_hash = 'h';
`

func TestParseConfigPHP(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		check func(*PHPConfig) bool
	}{
		{"double-quoted values with escapes",
			base + `$db_password = "a\"b\\c\$d\x41\101\u{e9}\n\t#";`,
			func(c *PHPConfig) bool { return c.DBPassword == "a\"b\\c$dAAé\n\t#" }},
		{"single-quoted keeps other backslashes",
			base + `$db_password = 'C:\path\n\'q\\';`,
			func(c *PHPConfig) bool { return c.DBPassword == `C:\path\n'q\` }},
		{"host:port", base + `$db_host = 'db.example.com:3307';`,
			func(c *PHPConfig) bool { return c.DBHost == "db.example.com:3307" }},
		{"IPv6", base + `$db_host = '[2001:db8::5]:3307';`,
			func(c *PHPConfig) bool { return c.DBHost == "[2001:db8::5]:3307" }},
		{"socket port", base + `$db_port = '/var/run/mysqld/mysqld.sock';`,
			func(c *PHPConfig) bool { return c.DBPort == "/var/run/mysqld/mysqld.sock" }},
		{"numeric port as int", base + `$db_port = 3306;`,
			func(c *PHPConfig) bool { return c.DBPort == "3306" }},
		{"comments with fake assignments", base + `
// $db_password = 'line';
# $db_password = 'hash';
/* $db_password = 'block';
   $db_name = 'block'; */
/** $cc_encryption_hash = 'doc'; */
$db_name = 'real'; // $db_name = 'trailing';
#[Attribute]
function f() {}
$db_username = 'attr';
`, func(c *PHPConfig) bool {
			return c.DBPassword == "pw" && c.DBName == "real" && c.CCEncryptionHash == "h" && c.DBUsername == "attr"
		}},
		{"strings holding ; // ?> # /* and quotes", base + `$db_password = 'a;b//c?>d"e#f/*g' ;  $db_name = "x'y;z?>";`,
			func(c *PHPConfig) bool { return c.DBPassword == `a;b//c?>d"e#f/*g` && c.DBName == "x'y;z?>" }},
		{"reassignment: last wins", base + `$db_name = 'first'; $db_name = 'second';`,
			func(c *PHPConfig) bool { return c.DBName == "second" }},
		{"?> inside // comment ends PHP: the rest is text", base + "$db_name = 'kept'; // note ?> $db_name = 'text';",
			func(c *PHPConfig) bool { return c.DBName == "kept" }},
		{"close and reopen tags", base + "?>\nsome text\n<?php $db_name = 'reopened' ?>",
			func(c *PHPConfig) bool { return c.DBName == "reopened" }},
		{"conditional assignments are not top level", base + `
if (getenv('STAGING')) { $db_name = 'staging'; }
if (getenv('X')) $db_name = 'no braces';
function f() { $db_name = 'in function'; }`,
			func(c *PHPConfig) bool { return c.DBName == "d" }},
		{"case-insensitive keywords, empty password, no trailing semicolon", `<?php
$db_host='h';$db_username='u';$db_password='';$db_name='d';$cc_encryption_hash='x';$db_tls_verify_cert=FALSE;$db_tls_ca='/ca.pem'`,
			func(c *PHPConfig) bool { return c.DBPassword == "" && !c.TLS.VerifyCert && c.TLS.CA == "/ca.pem" }},
		{"verify_cert '' and null keep verification on", base + `$db_tls_ca = '/ca.pem'; $db_tls_verify_cert = '';`,
			func(c *PHPConfig) bool { return c.TLS.VerifyCert && c.TLS.Enabled() }},
		{"verify_cert '0' is off, 'false' is PHP-true", base + `$db_tls_verify_cert = '0';`,
			func(c *PHPConfig) bool { return !c.TLS.VerifyCert }},
		{"verify_cert 'false' string is on (PHP truthiness)", base + `$db_tls_verify_cert = 'false';`,
			func(c *PHPConfig) bool { return c.TLS.VerifyCert }},
		{"all TLS vars", base + `$db_tls_ca='a';$db_tls_ca_path='b';$db_tls_cert='c';$db_tls_key='d';$db_tls_cipher='e';`,
			func(c *PHPConfig) bool {
				return c.TLS == TLSOptions{CA: "a", CAPath: "b", Cert: "c", Key: "d", Cipher: "e", VerifyCert: true}
			}},
		{"sql_mode set and empty", base + `$sql_mode = '';`,
			func(c *PHPConfig) bool { return c.SQLMode != nil && *c.SQLMode == "" }},
		{"sql_mode value", base + `$sql_mode = 'NO_ENGINE_SUBSTITUTION';`,
			func(c *PHPConfig) bool { return c.SQLMode != nil && *c.SQLMode == "NO_ENGINE_SUBSTITUTION" }},
		{"charset and admin path", base + `$mysql_charset = 'utf8mb4'; $customadminpath = 'ops';`,
			func(c *PHPConfig) bool { return c.MySQLCharset == "utf8mb4" && c.CustomAdminPath == "ops" }},
		{"empty charset defaults to utf8", base + `$mysql_charset = '';`,
			func(c *PHPConfig) bool { return c.MySQLCharset == "utf8" }},
		{"heredoc value", base + "$db_password = <<<'PW'\nno$interp\nPW;\n",
			func(c *PHPConfig) bool { return c.DBPassword == "no$interp" }},
		{"other variables: literals kept, expressions warned", base + `
$templates_compiledir = __DIR__ . '/templates_c';
$attachments_dir = '/home/x/attachments/';
$api_enable_logging = true;
$limits = ['a' => 1];
$n = -5;`,
			func(c *PHPConfig) bool {
				_, hasTpl := c.Other["templates_compiledir"]
				return !hasTpl && c.Other["attachments_dir"].Str == "/home/x/attachments/" &&
					c.Other["api_enable_logging"].Bool && c.Other["n"].Int == -5 &&
					len(c.Other["limits"].Items) == 1 &&
					len(c.Warnings) == 1 && c.Warnings[0].Key == "templates_compiledir"
			}},
		{"include warns", base + "include __DIR__ . '/db.php';",
			func(c *PHPConfig) bool {
				return len(c.Warnings) == 1 && strings.Contains(c.Warnings[0].Msg, "includes")
			}},
		{"statements after return do not run", base + "return;\n$db_name = 'after';",
			func(c *PHPConfig) bool { return c.DBName == "d" }},
		{"BOM and CRLF", "\ufeff" + strings.ReplaceAll(base, "\n", "\r\n"),
			func(c *PHPConfig) bool { return c.DBHost == "localhost" && c.CCEncryptionHash == "h" }},
	}
	for _, tc := range tests {
		c, err := ParseConfigPHP([]byte(tc.src))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !tc.check(c) {
			t.Errorf("%s: unexpected %#v (password %q, other %#v, warnings %v)", tc.name, *c, c.DBPassword, c.Other, c.Warnings)
		}
	}
}

func TestParseConfigPHPErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"missing db_name", strings.Replace(base, "$db_name = 'd';", "", 1),
			"configuration.php: required variable $db_name is not set"},
		{"missing two", "<?php $db_host = 'x'; $db_username='u'; $db_password='';",
			"required variables $db_name, $cc_encryption_hash are not set"},
		{"only in a comment", strings.Replace(base, "$db_password = 'pw';", "// $db_password = 'pw';", 1),
			"required variable $db_password is not set"},
		{"sample file returns first", "<?php return; " + base[6:], "required variables $db_host, $db_username"},
		{"not PHP", "db_host = x", "required variables $db_host"},
		{"empty file", "", "required variables"},
		{"unterminated string", base + "$db_name = 'open;\n", "configuration.php: line 7: unterminated single-quoted string"},
		{"unterminated double", base + "$db_name = \"open;\n", "line 7: unterminated double-quoted string"},
		{"unterminated comment", base + "/* $db_name = 'x';", "line 7: unterminated /* comment"},
		{"unbalanced brace", base + "if (1) { $x = 1;", `missing "}"`},
		{"stray close", base + "}", `unbalanced "}"`},
		{"expression for a required var", base + "$db_password = getenv('DB_PASS');",
			"$db_password (line 7) is set to an expression domainsync cannot evaluate"},
		{"concatenation", base + "$db_name = 'whmcs_' . 'prod';", "$db_name (line 7) is set to an expression"},
		{"compound assignment", base + "$db_password .= 'suffix';", "$db_password (line 7) is set to an expression"},
		{"interpolation", base + `$db_name = "db_$env";`, "$db_name (line 7) is set to an expression"},
		{"array for a string var", base + "$db_host = ['a'];", "$db_host (line 7) must be a string, not an array"},
		{"unterminated array", base + "$x = [1, 2;", "line 7: unexpected end of file"},
	}
	for _, tc := range tests {
		_, err := ParseConfigPHP([]byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "'pw'") || strings.Contains(err.Error(), "suffix") {
			t.Errorf("%s: error shows a value: %v", tc.name, err)
		}
	}
}

func TestReadConfigPHPFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "configuration.php")
	if _, err := ReadConfigPHP(missing); err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ReadConfigPHP(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("directory: %v", err)
	}
	noName := filepath.Join(dir, "partial.php")
	if err := os.WriteFile(noName, []byte(strings.Replace(base, "$cc_encryption_hash = 'h';", "", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadConfigPHP(noName)
	if err == nil || !strings.Contains(err.Error(), noName) || !strings.Contains(err.Error(), "$cc_encryption_hash") {
		t.Errorf("missing variable: %v", err)
	}
	if _, err := ReadConfigPHP("testdata/configuration-sample.php"); err == nil || !strings.Contains(err.Error(), "$db_host") {
		t.Errorf("sample file (return; at the top): %v", err)
	}
	unreadable := filepath.Join(dir, "unreadable.php")
	if err := os.WriteFile(unreadable, []byte(base), 0o000); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() != 0 { // root reads it anyway
		if _, err := ReadConfigPHP(unreadable); err == nil || !strings.Contains(err.Error(), unreadable) {
			t.Errorf("unreadable: %v", err)
		}
	}
	big := filepath.Join(dir, "big.php")
	if err := os.WriteFile(big, bytes.Repeat([]byte(" "), maxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadConfigPHP(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
}

// TestNoSecretsInOutput: no formatting of a PHPConfig shows the password or
// the hash.
func TestNoSecretsInOutput(t *testing.T) {
	c, err := ReadConfigPHP("testdata/configuration-8x.php")
	if err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("cfg", "config", c, "value", *c)
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("cfg", "config", c)
	outputs := []string{
		c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c),
		fmt.Sprintf("%v %+v %#v", *c, *c, *c), logBuf.String(),
	}
	for _, out := range outputs {
		for _, secret := range []string{"Tr0ub4dor", testHash, testHash[:20]} {
			if strings.Contains(out, secret) {
				t.Errorf("output shows a secret: %s", out)
			}
		}
	}
	if !strings.Contains(c.String(), "db_password=[redacted]") || !strings.Contains(c.String(), `db_username="whmcs_app"`) {
		t.Errorf("String() = %s", c)
	}
}

// FuzzParseConfigPHP: any input parses or fails cleanly, never panics or
// hangs, and a parsed config carries every required variable.
func FuzzParseConfigPHP(f *testing.F) {
	for _, name := range []string{"configuration-8x.php", "configuration-7x.php", "configuration-sample.php"} {
		src, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(base))
	f.Add([]byte(base + `$db_password = "a\"b\\c\$d\x41\101\u{e9}";$db_port=3306;$db_tls_verify_cert=false;`))
	f.Add([]byte(base + "// x ?> y <?php /* z */ $db_name = <<<E\n  a\n  E;\n#[A] $q = [1, 'a' => [true, null, -1.5e3]];"))
	f.Add([]byte("<?php $a = 'unterminated"))
	f.Add([]byte("<?php if (1) { $a = [1, (2]; }"))
	f.Add([]byte("<?php $x = 0x1F + 0b1_0 . \"$y {$z}\" ?>tail<?= `cmd` ?>"))
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := ParseConfigPHP(src)
		if err != nil {
			return
		}
		if c.MySQLCharset == "" || c.CustomAdminPath == "" {
			t.Fatalf("defaults missing: %#v", *c)
		}
		_ = c.String()
		_, _ = c.Endpoints()
	})
}
