package whmcsconf

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"database/sql/driver"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

func localhostCands(port string) []Candidate {
	var c []Candidate
	for _, s := range DefaultSockets {
		c = append(c, Candidate{Net: "unix", Addr: s})
	}
	return append(c, Candidate{Net: "tcp", Addr: "127.0.0.1:" + port})
}

func TestEndpoints(t *testing.T) {
	tcp := func(addr string) []Candidate { return []Candidate{{Net: "tcp", Addr: addr}} }
	unix := func(path string) []Candidate { return []Candidate{{Net: "unix", Addr: path}} }
	tests := []struct {
		host, port string
		want       []Candidate
	}{
		{"localhost", "", localhostCands("3306")},
		{"LocalHost", "3307", localhostCands("3307")},
		{"", "", localhostCands("3306")},
		{" localhost ", "", localhostCands("3306")},
		{"localhost:3307", "", localhostCands("3307")},
		{"localhost:3307", "3308", localhostCands("3308")}, // $db_port wins over host:port
		{"localhost:/tmp/mysql.sock", "", unix("/tmp/mysql.sock")},
		{"localhost", "/var/lib/mysql/mysql.sock", unix("/var/lib/mysql/mysql.sock")},
		{"db.example.com", "/run/mysqld/mysqld.sock", unix("/run/mysqld/mysqld.sock")}, // socket wins over host
		{"/var/run/mysqld/mysqld.sock", "", unix("/var/run/mysqld/mysqld.sock")},
		{"127.0.0.1", "", tcp("127.0.0.1:3306")},
		{"db.example.com", "", tcp("db.example.com:3306")},
		{"db.example.com:3307", "", tcp("db.example.com:3307")},
		{"db.example.com", "3310", tcp("db.example.com:3310")},
		{"db.example.com", " 3310 ", tcp("db.example.com:3310")},
		{"db.example.com", "0", tcp("db.example.com:3306")}, // PHP: "0" is no port
		{"db-1.internal_x", "", tcp("db-1.internal_x:3306")},
		{"::1", "", tcp("[::1]:3306")},
		{"::1", "3307", tcp("[::1]:3307")},
		{"2001:db8::5", "", tcp("[2001:db8::5]:3306")},
		{"::1:3306", "", tcp("[::1:3306]:3306")}, // two or more colons: kept whole, as WHMCS
		{"fe80::1%eth0", "", tcp("[fe80::1%eth0]:3306")},
		{"[::1]", "", tcp("[::1]:3306")},
		{"[2001:db8::5]:3307", "", tcp("[2001:db8::5]:3307")},
		{"[::1]:3307", "3308", tcp("[::1]:3308")},
	}
	for _, tc := range tests {
		got, err := endpoints(tc.host, tc.port)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("endpoints(%q, %q) = %v, %v; want %v", tc.host, tc.port, got, err, tc.want)
		}
	}

	errs := []struct{ host, port, want string }{
		{"[::1", "", `$db_host "[::1": missing ']'`},
		{"[::1]x", "", "unexpected text after ']'"},
		{"[db.example]", "", "brackets must hold an IPv6 address"},
		{"db.example.com", "70000", `$db_port "70000" is not a TCP port`},
		{"db.example.com:99999", "", `$db_port "99999" is not a TCP port`},
		{"db", "3306.5", "is not a TCP port"},
		{"db", "-1", "is not a TCP port"},
		{"db", "+3306", "is not a TCP port"},
		{"db", "1e3", "is not a TCP port"},
		{"a:b:c", "", "neither host:port nor an IPv6 address"},
		{"db host", "", `' ' is not allowed`},
		{"db)(x", "", `')' is not allowed`},
		{"user@db", "", `'@' is not allowed`},
	}
	for _, tc := range errs {
		_, err := endpoints(tc.host, tc.port)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("endpoints(%q, %q) err = %v, want %q", tc.host, tc.port, err, tc.want)
		}
	}

	// The method adds the file name.
	c := &PHPConfig{Path: "/srv/whmcs/configuration.php", DBHost: "[::1"}
	if _, err := c.Endpoints(); err == nil || !strings.HasPrefix(err.Error(), "/srv/whmcs/configuration.php: $db_host") {
		t.Errorf("method error = %v", err)
	}
}

func TestCollation(t *testing.T) {
	for cs, want := range map[string]string{
		"utf8": "utf8_unicode_ci", "UTF8": "utf8_unicode_ci", "utf8mb4": "utf8mb4_general_ci",
		"latin1": "latin1_swedish_ci", "utf8mb3": "utf8_unicode_ci", "klingon": "",
	} {
		if got := Collation(cs); got != want {
			t.Errorf("Collation(%q) = %q, want %q", cs, got, want)
		}
	}
}

func TestMySQLConfig(t *testing.T) {
	c, err := ParseConfigPHP([]byte(base + `$db_host = 'db.example.com:3307'; $db_password = 'p@ss:/w?rd'; $mysql_charset = 'utf8mb4';`))
	if err != nil {
		t.Fatal(err)
	}
	cfg, cands, err := c.MySQLConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.User != "u" || cfg.Passwd != "p@ss:/w?rd" || cfg.DBName != "d" || cfg.Net != "tcp" ||
		cfg.Addr != "db.example.com:3307" || cfg.Collation != "utf8mb4_general_ci" || cfg.TLS != nil ||
		cfg.Params["sql_mode"] != "''" || len(cands) != 1 {
		t.Errorf("config = %+v, candidates %v", cfg, cands)
	}
	dsns, err := c.DSNs()
	if err != nil || len(dsns) != 1 {
		t.Fatalf("DSNs = %v, %v", len(dsns), err)
	}
	back, err := mysql.ParseDSN(dsns[0])
	if err != nil || back.Passwd != "p@ss:/w?rd" || back.Addr != "db.example.com:3307" || back.Params["sql_mode"] != "''" {
		t.Errorf("DSN does not round-trip: %+v, %v", back, err)
	}

	c, _ = ParseConfigPHP([]byte(base + `$sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_DATE';`))
	cfg, cands, err = c.MySQLConfig()
	if err != nil || cfg.Params["sql_mode"] != "'STRICT_TRANS_TABLES,NO_ZERO_DATE'" || cfg.Collation != "utf8_unicode_ci" {
		t.Errorf("sql_mode config = %+v, %v", cfg, err)
	}
	if !reflect.DeepEqual(cands, localhostCands("3306")) || cfg.Net != "unix" || cfg.Addr != DefaultSockets[0] {
		t.Errorf("localhost: first %s(%s), candidates %v", cfg.Net, cfg.Addr, cands)
	}

	for _, bad := range []struct{ src, want string }{
		{`$sql_mode = "'; DROP TABLE x; --";`, "$sql_mode"},
		{`$mysql_charset = 'utf8; SET x=1';`, "$mysql_charset"},
		{`$db_port = '99999';`, "$db_port"},
		{`$db_tls_cert = '/nonexistent/cert.pem';`, "$db_tls_key"},
	} {
		c, err := ParseConfigPHP([]byte(base + bad.src))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.MySQLConfig()
		if err == nil || !strings.Contains(err.Error(), bad.want) || strings.Contains(err.Error(), "'pw'") {
			t.Errorf("%s: err = %v", bad.src, err)
		}
	}
}

// pki writes a CA, a server certificate for 127.0.0.1 and a client key
// pair into dir.
type pki struct {
	caFile, certFile, keyFile string
	serverCert                tls.Certificate
	caPool                    *x509.CertPool
}

func newPKI(t *testing.T, dir string) pki {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := newKey()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		k := newKey()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "127.0.0.1"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			KeyUsage: x509.KeyUsageDigitalSignature,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	srvDER, srvKey := issue(2, x509.ExtKeyUsageServerAuth)
	cliDER, cliKey := issue(3, x509.ExtKeyUsageClientAuth)
	cliKeyDER, _ := x509.MarshalECPrivateKey(cliKey)
	p := pki{
		caFile:     write("ca.pem", "CERTIFICATE", caDER),
		certFile:   write("client-cert.pem", "CERTIFICATE", cliDER),
		keyFile:    write("client-key.pem", "EC PRIVATE KEY", cliKeyDER),
		serverCert: tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey},
		caPool:     x509.NewCertPool(),
	}
	p.caPool.AddCert(caCert)
	return p
}

// handshake runs a TLS handshake between a client with cfg and a server
// presenting cert (requiring a client certificate from the pool).
func handshake(cfg *tls.Config, cert tls.Certificate, clientCAs *x509.CertPool) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		srv := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: clientCAs, ClientAuth: tls.RequireAndVerifyClientCert})
		if srv.Handshake() == nil {
			_, _ = srv.Write([]byte("x")) // lets the client see a rejected client certificate
		}
	}()
	defer func() { <-done }()
	conn, err := net.DialTimeout("tcp", ln.Addr().String(), 10*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	cfg = cfg.Clone()
	cfg.ServerName = "127.0.0.1"
	client := tls.Client(conn, cfg)
	if err := client.Handshake(); err != nil {
		return err
	}
	_, err = client.Read(make([]byte, 1))
	return err
}

func TestTLSConfig(t *testing.T) {
	dir := t.TempDir()
	p := newPKI(t, dir)
	other := newPKI(t, t.TempDir()) // an unrelated CA

	opts := TLSOptions{CA: p.caFile, Cert: p.certFile, Key: p.keyFile, VerifyCert: true}
	tc, err := opts.Config()
	if err != nil {
		t.Fatal(err)
	}
	if tc.InsecureSkipVerify || tc.RootCAs == nil || len(tc.Certificates) != 1 {
		t.Fatalf("config = %+v", tc)
	}
	if err := handshake(tc, p.serverCert, p.caPool); err != nil {
		t.Errorf("trusted server: %v", err)
	}
	if err := handshake(tc, other.serverCert, p.caPool); err == nil {
		t.Error("a server certificate from another CA was accepted with verification on")
	}
	opts.VerifyCert = false
	tc, _ = opts.Config()
	if err := handshake(tc, other.serverCert, p.caPool); err != nil {
		t.Errorf("verification off: %v", err)
	}

	// A CA directory: PEM files are loaded, other files skipped.
	caDir := filepath.Join(dir, "cas")
	if err := os.Mkdir(caDir, 0o700); err != nil {
		t.Fatal(err)
	}
	ca, _ := os.ReadFile(p.caFile)
	_ = os.WriteFile(filepath.Join(caDir, "ab12cd34.0"), ca, 0o600)
	_ = os.WriteFile(filepath.Join(caDir, "README"), []byte("not a cert"), 0o600)
	tc, err = TLSOptions{CAPath: caDir, Cert: p.certFile, Key: p.keyFile, VerifyCert: true}.Config()
	if err != nil {
		t.Fatal(err)
	}
	if err := handshake(tc, p.serverCert, p.caPool); err != nil {
		t.Errorf("CA path: %v", err)
	}

	for _, bad := range []struct {
		opts TLSOptions
		want string
	}{
		{TLSOptions{CA: filepath.Join(dir, "missing.pem")}, "$db_tls_ca"},
		{TLSOptions{CA: p.keyFile}, "holds no PEM certificate"},
		{TLSOptions{CAPath: filepath.Join(dir, "nope")}, "$db_tls_ca_path"},
		{TLSOptions{CAPath: t.TempDir()}, "$db_tls_ca_path"},
		{TLSOptions{Cert: p.certFile}, "$db_tls_key is not"},
		{TLSOptions{Key: p.keyFile}, "$db_tls_cert is not"},
		{TLSOptions{Cert: p.keyFile, Key: p.certFile}, "$db_tls_cert"},
	} {
		if _, err := bad.opts.Config(); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%+v: err = %v, want %q", bad.opts, err, bad.want)
		}
	}

	// Through MySQLConfig: registered for DSNs, dropped for sockets.
	src := base + fmt.Sprintf("$db_host = 'localhost'; $db_tls_ca = '%s'; $db_tls_cipher = 'ECDHE-RSA-AES128-GCM-SHA256:!aNULL';", p.caFile)
	c, err := ParseConfigPHP([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	cfg, cands, err := c.MySQLConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Net != "unix" || cfg.TLS != nil || cfg.TLSConfig != "" {
		t.Errorf("socket candidate keeps TLS: %+v", cfg)
	}
	tcpCfg := cands[len(cands)-1].Apply(cfg)
	if tcpCfg.Net != "tcp" || tcpCfg.TLS == nil || !strings.HasPrefix(tcpCfg.TLSConfig, "whmcsconf-") ||
		tcpCfg.TLS.InsecureSkipVerify || len(tcpCfg.TLS.CipherSuites) != 1 {
		t.Errorf("TCP candidate TLS: %+v", tcpCfg)
	}
	if again := cands[0].Apply(tcpCfg); again.TLS != nil || again.TLSConfig != "" {
		t.Errorf("socket Apply keeps TLS: %+v", again)
	}
	dsns, err := c.DSNs()
	if err != nil {
		t.Fatal(err)
	}
	last := dsns[len(dsns)-1]
	if !strings.Contains(last, "tls=whmcsconf-") || strings.Contains(dsns[0], "tls=") {
		t.Errorf("DSNs = %q / %q", dsns[0], last)
	}
	back, err := mysql.ParseDSN(last)
	if err != nil || back.TLS == nil || back.TLS.RootCAs == nil || len(back.TLS.CipherSuites) != 1 {
		t.Errorf("registered TLS config not found from the DSN: %+v, %v", back, err)
	}
}

func TestCipherSuites(t *testing.T) {
	ids, ignored := TLSOptions{Cipher: "ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES256-SHA, aes128-sha !aNULL HIGH:ECDHE-RSA-AES256-GCM-SHA384:TLS_AES_128_GCM_SHA256"}.CipherSuites()
	if !reflect.DeepEqual(ids, []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_RSA_WITH_AES_128_CBC_SHA}) {
		t.Errorf("ids = %v", ids)
	}
	if !reflect.DeepEqual(ignored, []string{"DHE-RSA-AES256-SHA", "!aNULL", "HIGH", "TLS_AES_128_GCM_SHA256"}) {
		t.Errorf("ignored = %v", ignored)
	}
	if ids, _ := (TLSOptions{}).CipherSuites(); ids != nil {
		t.Errorf("empty = %v", ids)
	}
	// Every Go name in the table is a suite Go actually has.
	known := map[uint16]bool{}
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		known[s.ID] = true
	}
	for name, id := range opensslSuites {
		if !known[id] {
			t.Errorf("%s maps to unknown suite %#x", name, id)
		}
	}
}

// testServer returns the test server's DSN (DOMAINSYNC_TEST_DSN or root at
// 127.0.0.1:3306), skipping when it is unreachable outside CI.
func testServer(t *testing.T) *mysql.Config {
	t.Helper()
	dsn := os.Getenv("DOMAINSYNC_TEST_DSN")
	if dsn == "" {
		dsn = "root@tcp(127.0.0.1:3306)/"
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("DOMAINSYNC_TEST_DSN: %v", err)
	}
	cfg.Timeout = 5 * time.Second
	db := sql.OpenDB(mustConnector(t, cfg))
	defer db.Close()
	if err := db.PingContext(context.Background()); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("test database server unreachable: %v", err)
		}
		t.Skipf("test database server unreachable: %v", err)
	}
	return cfg
}

func mustConnector(t *testing.T, cfg *mysql.Config) driver.Connector {
	t.Helper()
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// createDB creates a uniquely named database and drops it after the test.
func createDB(t *testing.T, server *mysql.Config) string {
	t.Helper()
	name := fmt.Sprintf("whmcsconf_test_%d_%d", time.Now().UnixNano(), os.Getpid())
	db := sql.OpenDB(mustConnector(t, server))
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE `" + name + "`"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db := sql.OpenDB(mustConnector(t, server))
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
	return name
}

func phpQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// TestMySQLConfigConnects connects to the real server with the config built
// from a configuration.php and checks WHMCS's session settings.
func TestMySQLConfigConnects(t *testing.T) {
	server := testServer(t)
	dbName := createDB(t, server)

	var hostVars string
	if server.Net == "unix" {
		hostVars = fmt.Sprintf("$db_host = 'localhost';\n$db_port = %s;\n", phpQuote(server.Addr))
	} else {
		host, port, err := net.SplitHostPort(server.Addr)
		if err != nil {
			t.Fatal(err)
		}
		hostVars = fmt.Sprintf("$db_host = %s;\n$db_port = %s;\n", phpQuote(host), phpQuote(port))
		if host == "localhost" {
			t.Skip("test server given as localhost: candidates would be sockets")
		}
	}
	for _, tc := range []struct {
		extra             string
		wantMode, wantCol string
	}{
		{"", "", "utf8mb3_unicode_ci"},
		{"$sql_mode = 'NO_ENGINE_SUBSTITUTION';\n$mysql_charset = 'utf8mb4';\n", "NO_ENGINE_SUBSTITUTION", "utf8mb4_general_ci"},
	} {
		src := "<?php\n" + hostVars + fmt.Sprintf("$db_username = %s;\n$db_password = %s;\n$db_name = %s;\n$cc_encryption_hash = 'x';\n",
			phpQuote(server.User), phpQuote(server.Passwd), phpQuote(dbName)) + tc.extra
		c, err := ParseConfigPHP([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, err := c.MySQLConfig()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Timeout = 5 * time.Second
		db := sql.OpenDB(mustConnector(t, cfg))
		var mode, col, cur string
		err = db.QueryRow("SELECT @@SESSION.sql_mode, @@collation_connection, DATABASE()").Scan(&mode, &col, &cur)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		// MariaDB and MySQL 8 name utf8 utf8mb3.
		col = strings.Replace(col, "utf8_", "utf8mb3_", 1)
		if mode != tc.wantMode || col != tc.wantCol || cur != dbName {
			t.Errorf("session: sql_mode %q, collation %q, database %q; want %q, %q", mode, col, cur, tc.wantMode, tc.wantCol)
		}
	}
}
