package whmcsconf

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// Candidate is one address of the database server. Connect to the first
// candidate that answers.
type Candidate struct {
	Net  string // "tcp" or "unix"
	Addr string // "host:port" for tcp, a socket path for unix

	// TLS settings for a TCP candidate (set by MySQLConfig).
	tls     *tls.Config
	tlsName string
}

func (c Candidate) String() string { return c.Net + "(" + c.Addr + ")" }

// Apply returns a copy of cfg that connects to this candidate, with TLS as
// configuration.php asks for TCP candidates. A Unix socket never uses TLS:
// it never leaves the machine, and a certificate cannot be checked against
// a socket path.
func (c Candidate) Apply(cfg *mysql.Config) *mysql.Config {
	out := cfg.Clone()
	out.Net, out.Addr = c.Net, c.Addr
	out.TLS, out.TLSConfig = nil, ""
	if c.Net == "tcp" && c.tls != nil {
		out.TLS, out.TLSConfig = c.tls.Clone(), c.tlsName
	}
	return out
}

// DefaultSockets are the usual Unix socket paths of MySQL and MariaDB,
// tried in this order when $db_host is localhost (as PHP's MySQL drivers
// connect to localhost through the socket, not TCP).
var DefaultSockets = []string{
	"/var/run/mysqld/mysqld.sock",
	"/run/mysqld/mysqld.sock",
	"/var/lib/mysql/mysql.sock",
	"/tmp/mysql.sock",
}

func (c *PHPConfig) name() string {
	if c.Path != "" {
		return c.Path
	}
	return configName
}

// Endpoints resolves $db_host and $db_port the way WHMCS does:
//   - "[v6]" and "[v6]:port" are bracketed IPv6 addresses;
//   - a $db_host with exactly one colon is "host:port" (the port part is
//     used only when $db_port is empty; a non-numeric one is a socket path,
//     as in "localhost:/tmp/mysql.sock");
//   - two or more colons is an IPv6 address, kept whole;
//   - a numeric $db_port is a TCP port ("0" means unset: 3306), any other
//     non-empty $db_port is a Unix socket path, used whatever the host;
//   - a $db_host starting with "/" is a socket path;
//   - localhost (or an empty host) is DefaultSockets, then
//     tcp(127.0.0.1:port).
func (c *PHPConfig) Endpoints() ([]Candidate, error) {
	cands, err := endpoints(c.DBHost, c.DBPort)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.name(), err)
	}
	return cands, nil
}

func endpoints(dbHost, dbPort string) ([]Candidate, error) {
	host := strings.TrimSpace(dbHost)
	port := strings.TrimSpace(dbPort)
	hostPort := ""
	switch {
	case strings.HasPrefix(host, "["):
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return nil, fmt.Errorf("$db_host %q: missing ']'", dbHost)
		}
		rest := host[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return nil, fmt.Errorf("$db_host %q: unexpected text after ']'", dbHost)
			}
			hostPort = rest[1:]
		}
		host = host[1:end]
		if host == "" || !strings.Contains(host, ":") {
			return nil, fmt.Errorf("$db_host %q: brackets must hold an IPv6 address", dbHost)
		}
	case strings.Count(host, ":") == 1:
		host, hostPort, _ = strings.Cut(host, ":")
	}
	if port == "" {
		port = strings.TrimSpace(hostPort)
	}

	if port != "" && !isPHPNumericFloat(port) {
		return []Candidate{{Net: "unix", Addr: port}}, nil
	}
	if strings.HasPrefix(host, "/") {
		return []Candidate{{Net: "unix", Addr: host}}, nil
	}
	portNum := 3306
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 0 || n > 65535 || strings.ContainsAny(port, "+-") {
			return nil, fmt.Errorf("$db_port %q is not a TCP port (1-65535)", port)
		}
		if n != 0 {
			portNum = n
		}
	}
	ps := strconv.Itoa(portNum)
	if host == "" || strings.EqualFold(host, "localhost") {
		cands := make([]Candidate, 0, len(DefaultSockets)+1)
		for _, s := range DefaultSockets {
			cands = append(cands, Candidate{Net: "unix", Addr: s})
		}
		return append(cands, Candidate{Net: "tcp", Addr: net.JoinHostPort("127.0.0.1", ps)}), nil
	}
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_:%", r)) {
			return nil, fmt.Errorf("$db_host %q: %q is not allowed in a host name or address", dbHost, r)
		}
	}
	if strings.Contains(host, ":") {
		addr, _, _ := strings.Cut(host, "%")
		if net.ParseIP(addr) == nil {
			return nil, fmt.Errorf("$db_host %q is neither host:port nor an IPv6 address", dbHost)
		}
	}
	return []Candidate{{Net: "tcp", Addr: net.JoinHostPort(host, ps)}}, nil
}

// MySQLConfig builds the go-sql-driver configuration WHMCS's own connection
// uses: user, password, database, charset $mysql_charset with WHMCS's
// collation for it, session sql_mode = $sql_mode (” when not set, as
// WHMCS), and TLS from the $db_tls_* variables (see TLSOptions.Config).
// The returned config connects to the first candidate; cands[i].Apply(cfg)
// gives the config for each candidate, in the order to try them (TLS only
// on TCP candidates). Reading the TLS files is the only I/O.
func (c *PHPConfig) MySQLConfig() (*mysql.Config, []Candidate, error) {
	cands, err := c.Endpoints()
	if err != nil {
		return nil, nil, err
	}
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.DBName = c.DBUsername, c.DBPassword, c.DBName

	charset := c.MySQLCharset
	if charset == "" {
		charset = "utf8"
	}
	if !isIdent(charset) {
		return nil, nil, fmt.Errorf("%s: $mysql_charset %q is not a character set name", c.name(), charset)
	}
	if err := cfg.Apply(mysql.Charset(charset, Collation(charset))); err != nil {
		return nil, nil, fmt.Errorf("%s: $mysql_charset %q: %w", c.name(), charset, err)
	}

	mode := ""
	if c.SQLMode != nil {
		mode = strings.TrimSpace(*c.SQLMode)
	}
	for _, r := range mode {
		if !(r == '_' || r == ',' || r == ' ' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return nil, nil, fmt.Errorf("%s: $sql_mode %q: only mode names separated by commas are allowed", c.name(), mode)
		}
	}
	cfg.Params = map[string]string{"sql_mode": "'" + mode + "'"}

	if c.TLS.Enabled() {
		tc, err := c.TLS.Config()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c.name(), err)
		}
		name := c.TLS.registryName()
		if err := mysql.RegisterTLSConfig(name, tc.Clone()); err != nil {
			return nil, nil, fmt.Errorf("%s: registering the TLS settings: %w", c.name(), err)
		}
		for i := range cands {
			if cands[i].Net == "tcp" {
				cands[i].tls, cands[i].tlsName = tc, name
			}
		}
	}
	return cands[0].Apply(cfg), cands, nil
}

// DSNs returns one go-sql-driver DSN per candidate, in order. They contain
// the password: never log them.
func (c *PHPConfig) DSNs() ([]string, error) {
	cfg, cands, err := c.MySQLConfig()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(cands))
	for i, cand := range cands {
		out[i] = cand.Apply(cfg).FormatDSN()
	}
	return out, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// collations is the collation WHMCS pairs with each connection charset
// (MySQL's default collation, except utf8 → utf8_unicode_ci).
var collations = map[string]string{
	"big5": "big5_chinese_ci", "dec8": "dec8_swedish_ci", "cp850": "cp850_general_ci",
	"hp8": "hp8_english_ci", "koi8r": "koi8r_general_ci", "latin1": "latin1_swedish_ci",
	"latin2": "latin2_general_ci", "swe7": "swe7_swedish_ci", "ascii": "ascii_general_ci",
	"ujis": "ujis_japanese_ci", "sjis": "sjis_japanese_ci", "hebrew": "hebrew_general_ci",
	"tis620": "tis620_thai_ci", "euckr": "euckr_korean_ci", "koi8u": "koi8u_general_ci",
	"gb2312": "gb2312_chinese_ci", "greek": "greek_general_ci", "cp1250": "cp1250_general_ci",
	"gbk": "gbk_chinese_ci", "latin5": "latin5_turkish_ci", "armscii8": "armscii8_general_ci",
	"utf8": "utf8_unicode_ci", "utf8mb3": "utf8_unicode_ci", "ucs2": "ucs2_general_ci",
	"cp866": "cp866_general_ci", "keybcs2": "keybcs2_general_ci", "macce": "macce_general_ci",
	"macroman": "macroman_general_ci", "cp852": "cp852_general_ci", "latin7": "latin7_general_ci",
	"utf8mb4": "utf8mb4_general_ci", "cp1251": "cp1251_general_ci", "utf16": "utf16_general_ci",
	"utf16le": "utf16le_general_ci", "cp1256": "cp1256_general_ci", "cp1257": "cp1257_general_ci",
	"utf32": "utf32_general_ci", "binary": "binary", "geostd8": "geostd8_general_ci",
	"cp932": "cp932_japanese_ci", "eucjpms": "eucjpms_japanese_ci",
}

// Collation returns the connection collation WHMCS uses with a charset:
// utf8 → utf8_unicode_ci, utf8mb4 → utf8mb4_general_ci, ... and "" (the
// server's default) for a charset WHMCS does not list.
func Collation(charset string) string { return collations[strings.ToLower(charset)] }

// registryName is a stable go-sql-driver TLS registry name for these
// options, so that DSN strings carry them.
func (t TLSOptions) registryName() string {
	h := sha256.Sum256([]byte(strings.Join([]string{t.CA, t.CAPath, t.Cert, t.Key, t.Cipher, strconv.FormatBool(t.VerifyCert)}, "\x00")))
	return "whmcsconf-" + hex.EncodeToString(h[:8])
}

// Config builds the TLS configuration WHMCS's PDO options describe:
// server certificates checked against $db_tls_ca and the PEM files in
// $db_tls_ca_path (the system roots when neither is set), client
// certificate $db_tls_cert with $db_tls_key, the TLS 1.2 suites named in
// $db_tls_cipher (see CipherSuites; TLS 1.3 suites are not configurable),
// and verification switched off only when VerifyCert is false.
func (t TLSOptions) Config() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: !t.VerifyCert} //nolint:gosec // only when $db_tls_verify_cert says so
	if t.CA != "" || t.CAPath != "" {
		pool := x509.NewCertPool()
		if t.CA != "" {
			pem, err := os.ReadFile(t.CA)
			if err != nil {
				return nil, fmt.Errorf("$db_tls_ca: %w", err)
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("$db_tls_ca %q holds no PEM certificate", t.CA)
			}
		}
		if t.CAPath != "" {
			entries, err := os.ReadDir(t.CAPath)
			if err != nil {
				return nil, fmt.Errorf("$db_tls_ca_path: %w", err)
			}
			found := false
			for _, e := range entries {
				if e.IsDir() {
					continue
				}
				pem, err := os.ReadFile(filepath.Join(t.CAPath, e.Name()))
				if err == nil && pool.AppendCertsFromPEM(pem) {
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("$db_tls_ca_path %q holds no PEM certificate", t.CAPath)
			}
		}
		tc.RootCAs = pool
	}
	switch {
	case t.Cert != "" && t.Key != "":
		pair, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, fmt.Errorf("$db_tls_cert %q / $db_tls_key %q: %w", t.Cert, t.Key, err)
		}
		tc.Certificates = []tls.Certificate{pair}
	case t.Cert != "":
		return nil, fmt.Errorf("$db_tls_cert is set but $db_tls_key is not")
	case t.Key != "":
		return nil, fmt.Errorf("$db_tls_key is set but $db_tls_cert is not")
	}
	if ids, _ := t.CipherSuites(); len(ids) > 0 {
		tc.CipherSuites = ids
	}
	return tc, nil
}

// opensslSuites maps OpenSSL cipher names to the TLS 1.2 suites Go offers.
var opensslSuites = map[string]uint16{
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES256-GCM-SHA384": tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-RSA-AES256-GCM-SHA384":   tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-ECDSA-CHACHA20-POLY1305": tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-RSA-CHACHA20-POLY1305":   tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-ECDSA-AES128-SHA256":     tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
	"ECDHE-RSA-AES128-SHA256":       tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
	"ECDHE-ECDSA-AES128-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	"ECDHE-RSA-AES128-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	"ECDHE-ECDSA-AES256-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	"ECDHE-RSA-AES256-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	"AES128-GCM-SHA256":             tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	"AES256-GCM-SHA384":             tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
	"AES128-SHA256":                 tls.TLS_RSA_WITH_AES_128_CBC_SHA256,
	"AES128-SHA":                    tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	"AES256-SHA":                    tls.TLS_RSA_WITH_AES_256_CBC_SHA,
}

// CipherSuites reads $db_tls_cipher, an OpenSSL cipher list ("A:B:!C",
// also split on commas and spaces): the named suites Go supports, in order,
// and the names it left out (suites Go lacks, TLS 1.3 names, and keywords
// such as HIGH or !aNULL). No named suite means Go's default suites.
func (t TLSOptions) CipherSuites() (ids []uint16, ignored []string) {
	seen := map[uint16]bool{}
	for _, name := range strings.FieldsFunc(t.Cipher, func(r rune) bool {
		return r == ':' || r == ',' || r == ' ' || r == '\t'
	}) {
		id, ok := opensslSuites[strings.ToUpper(name)]
		if !ok {
			ignored = append(ignored, name)
			continue
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, ignored
}
