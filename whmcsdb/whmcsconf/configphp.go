package whmcsconf

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sort"
	"strings"
)

// maxFileSize bounds what ReadConfigPHP and ReadReturnArray read; real
// files are a few kilobytes.
const maxFileSize = 1 << 20

// PHPConfig is what WHMCS's configuration.php sets. Its String, GoString and
// LogValue never show the password or the encryption hash.
type PHPConfig struct {
	Path string // the file read; "" when parsed from bytes

	DBHost     string // $db_host as written (may carry ":port" or be IPv6)
	DBPort     string // $db_port: "" unset, digits = TCP port, else a Unix socket path
	DBUsername string
	DBPassword string // secret
	DBName     string
	TLS        TLSOptions

	MySQLCharset     string  // $mysql_charset, "utf8" when not set or empty
	SQLMode          *string // $sql_mode; nil when not set (WHMCS then uses '')
	CCEncryptionHash string  // secret: key material for whmcscrypt
	CustomAdminPath  string  // $customadminpath, "admin" when not set or empty

	// Other holds every other top-level variable assigned a literal
	// ($license, $templates_compiledir, ...), by name without "$".
	Other map[string]Value

	// Warnings lists what was ignored: variables assigned an expression,
	// files included.
	Warnings []Warning
}

// TLSOptions are the $db_tls_* variables. TLS is used when any of the file
// or cipher variables is set.
type TLSOptions struct {
	CA     string // $db_tls_ca: CA certificate file (PEM)
	CAPath string // $db_tls_ca_path: directory of CA certificates (PEM)
	Cert   string // $db_tls_cert: client certificate file (PEM)
	Key    string // $db_tls_key: client key file (PEM)
	Cipher string // $db_tls_cipher: OpenSSL cipher list
	// VerifyCert is whether the server certificate is verified. It is true
	// unless $db_tls_verify_cert is set (not null, not '') to a value PHP
	// casts to false (false, 0, '0'), as WHMCS only passes the option to
	// PDO when it is set. Note that 'false' or 'off' are true in PHP.
	VerifyCert bool
}

// Enabled reports whether the connection should use TLS.
func (t TLSOptions) Enabled() bool {
	return t.CA != "" || t.CAPath != "" || t.Cert != "" || t.Key != "" || t.Cipher != ""
}

const configName = "configuration.php"

// ReadConfigPHP reads and parses a configuration.php file.
func ReadConfigPHP(path string) (*PHPConfig, error) {
	src, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	c, err := parseConfigPHP(src, path)
	if err != nil {
		return nil, err
	}
	c.Path = path
	return c, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: file not found", path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(src) > maxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes; not a configuration file", path, maxFileSize)
	}
	return src, nil
}

// ParseConfigPHP parses the text of a configuration.php.
func ParseConfigPHP(src []byte) (*PHPConfig, error) {
	return parseConfigPHP(src, "")
}

// requiredVars must be assigned (db_password may be ”).
var requiredVars = []string{"db_host", "db_username", "db_password", "db_name", "cc_encryption_hash"}

// typedVars have a field in PHPConfig.
var typedVars = map[string]bool{
	"db_host": true, "db_port": true, "db_username": true, "db_password": true, "db_name": true,
	"db_tls_ca": true, "db_tls_ca_path": true, "db_tls_cert": true, "db_tls_key": true,
	"db_tls_cipher": true, "db_tls_verify_cert": true, "mysql_charset": true, "sql_mode": true,
	"cc_encryption_hash": true, "customadminpath": true,
}

// assignment is the last state of one variable at top level.
type assignment struct {
	val     Value
	literal bool
	line    int
}

func parseConfigPHP(src []byte, path string) (*PHPConfig, error) {
	name := configName
	if path != "" {
		name = path
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: "+format, append([]any{name}, args...)...)
	}
	toks, err := lex(src)
	if err != nil {
		return nil, fail("%v", err)
	}
	vars := map[string]assignment{}
	var warnings []Warning
	err = topStatements(toks, func(i int) (int, error) {
		t := toks[i]
		if t.kind == tIdent {
			switch strings.ToLower(t.text) {
			case "return", "exit", "die", "__halt_compiler":
				return -1, nil // nothing after this runs
			case "include", "include_once", "require", "require_once":
				warnings = append(warnings, Warning{Line: t.line, Msg: "includes another file; variables it sets are not read"})
			}
			return i, nil
		}
		next := toks[i+1]
		switch {
		case next.isOp("="):
			p := &parser{toks: toks, pos: i + 2}
			v, ok, err := p.value(0, nil)
			if err != nil {
				return 0, err
			}
			end := p.peek()
			if ok && (end.isOp(";") || end.kind == tCloseTag || end.kind == tEOF) {
				vars[t.text] = assignment{val: v, literal: true, line: t.line}
				return p.pos + 1, nil
			}
			p.pos = i + 2
			if err := p.skipExpr(";"); err != nil {
				return 0, err
			}
			vars[t.text] = assignment{line: t.line}
			return p.pos + 1, nil
		case next.kind == tOp && (next.text == "[" || next.text == "++" || next.text == "--" ||
			(strings.HasSuffix(next.text, "=") && next.text != "==" && next.text != "===" &&
				next.text != "!=" && next.text != "!==" && next.text != "<=" && next.text != ">=")):
			// $x .= ..., $x['k'] = ..., $x++: the value is no longer a literal.
			vars[t.text] = assignment{line: t.line}
		}
		return i, nil
	})
	if err != nil {
		return nil, fail("%v", err)
	}

	c := &PHPConfig{Other: map[string]Value{}, TLS: TLSOptions{VerifyCert: true}}
	var missing []string
	for _, v := range requiredVars {
		if _, ok := vars[v]; !ok {
			missing = append(missing, "$"+v)
		}
	}
	if len(missing) == 1 {
		return nil, fail("required variable %s is not set", missing[0])
	}
	if len(missing) > 1 {
		return nil, fail("required variables %s are not set", strings.Join(missing, ", "))
	}

	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := vars[n]
		if !a.literal {
			if typedVars[n] {
				return nil, fail("$%s (line %d) is set to an expression domainsync cannot evaluate; set it to a quoted value", n, a.line)
			}
			warnings = append(warnings, Warning{Key: n, Line: a.line, Msg: "set to an expression; ignored"})
			continue
		}
		if !typedVars[n] {
			c.Other[n] = a.val
			continue
		}
		if a.val.Kind == KindArray {
			return nil, fail("$%s (line %d) must be a string, not an array", n, a.line)
		}
		s := a.val.String()
		switch n {
		case "db_host":
			c.DBHost = s
		case "db_port":
			c.DBPort = s
		case "db_username":
			c.DBUsername = s
		case "db_password":
			c.DBPassword = s
		case "db_name":
			c.DBName = s
		case "db_tls_ca":
			c.TLS.CA = s
		case "db_tls_ca_path":
			c.TLS.CAPath = s
		case "db_tls_cert":
			c.TLS.Cert = s
		case "db_tls_key":
			c.TLS.Key = s
		case "db_tls_cipher":
			c.TLS.Cipher = s
		case "db_tls_verify_cert":
			if a.val.Kind != KindNull && !(a.val.Kind == KindString && a.val.Str == "") {
				c.TLS.VerifyCert = a.val.Truthy()
			}
		case "mysql_charset":
			c.MySQLCharset = s
		case "sql_mode":
			if a.val.Kind != KindNull {
				c.SQLMode = &s
			}
		case "cc_encryption_hash":
			c.CCEncryptionHash = s
		case "customadminpath":
			c.CustomAdminPath = s
		}
	}
	if c.MySQLCharset == "" {
		c.MySQLCharset = "utf8"
	}
	if c.CustomAdminPath == "" {
		c.CustomAdminPath = "admin"
	}
	c.Warnings = warnings
	return c, nil
}

// String describes the configuration without its secrets.
func (c PHPConfig) String() string {
	var b strings.Builder
	file := c.Path
	if file == "" {
		file = configName
	}
	fmt.Fprintf(&b, "%s: db_host=%q db_port=%q db_username=%q db_password=%s db_name=%q",
		file, c.DBHost, c.DBPort, c.DBUsername, redacted(c.DBPassword), c.DBName)
	if c.TLS.Enabled() {
		fmt.Fprintf(&b, " tls(ca=%q ca_path=%q cert=%q key=%q cipher=%q verify=%t)",
			c.TLS.CA, c.TLS.CAPath, c.TLS.Cert, c.TLS.Key, c.TLS.Cipher, c.TLS.VerifyCert)
	}
	fmt.Fprintf(&b, " mysql_charset=%q", c.MySQLCharset)
	if c.SQLMode != nil {
		fmt.Fprintf(&b, " sql_mode=%q", *c.SQLMode)
	}
	fmt.Fprintf(&b, " cc_encryption_hash=%s customadminpath=%q", redacted(c.CCEncryptionHash), c.CustomAdminPath)
	if len(c.Other) > 0 {
		names := make([]string, 0, len(c.Other))
		for n := range c.Other {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(&b, " other=%s", strings.Join(names, ","))
	}
	return b.String()
}

// GoString is String, so %#v shows no secret either.
func (c PHPConfig) GoString() string { return "whmcsconf.PHPConfig{" + c.String() + "}" }

// LogValue keeps secrets out of slog output.
func (c PHPConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

func redacted(s string) string {
	if s == "" {
		return `""`
	}
	return "[redacted]"
}
