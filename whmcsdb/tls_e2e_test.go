package whmcsdb

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/domainsync/domainsync/whmcsdb/whmcsconf"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// configuration.php with $db_tls_* connects over TLS (verified server
// certificate, client certificate) to a MariaDB that refuses connections
// without TLS; without $db_tls_*, or with a CA that did not sign the
// server's certificate, it does not connect.
func TestConfigPHPTLSEndToEnd(t *testing.T) {
	srv := whmcstest.StartTLSServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	php := func(tls string) *whmcsconf.PHPConfig {
		t.Helper()
		src := fmt.Sprintf("<?php\n$db_host = '%s';\n$db_port = '%d';\n$db_username = '%s';\n$db_password = '%s';\n$db_name = '%s';\n$cc_encryption_hash = 'x';\n%s",
			srv.Host, srv.Port, srv.User, srv.Password, srv.Database, tls)
		c, err := whmcsconf.ParseConfigPHP([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	open := func(c *whmcsconf.PHPConfig) (*DB, error) {
		t.Helper()
		cfg, cands, err := c.MySQLConfig()
		if err != nil {
			t.Fatal(err)
		}
		if len(cands) != 1 || cands[0].Net != "tcp" {
			t.Fatalf("candidates %v", cands)
		}
		return OpenConfig(ctx, cands[0].Apply(cfg), Options{})
	}

	withTLS := fmt.Sprintf("$db_tls_ca = '%s';\n$db_tls_cert = '%s';\n$db_tls_key = '%s';\n", srv.CAFile, srv.CertFile, srv.KeyFile)
	db, err := open(php(withTLS))
	if err != nil {
		t.Fatalf("with $db_tls_*: %v", err)
	}
	defer db.Close()
	var name, cipher string
	if err := db.SQL().QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher); err != nil || cipher == "" {
		t.Errorf("Ssl_cipher = %q, %v: the session is not encrypted", cipher, err)
	}
	if _, err := db.Settings(ctx, "Version"); err != nil {
		t.Errorf("reading tblconfiguration over TLS: %v", err)
	}

	admin := whmcstest.Open(t, srv.AdminDSN())
	if v := whmcstest.Scalar(t, admin, "SELECT @@require_secure_transport"); v != "1" {
		t.Errorf("require_secure_transport = %s", v)
	}
	// MariaDB answers a refused plain connection with error 1045.
	caOnly := fmt.Sprintf("$db_tls_ca = '%s';\n", srv.CAFile)
	for what, tls := range map[string]string{"without $db_tls_*": "", "without a client certificate": caOnly} {
		if db, err := open(php(tls)); err == nil {
			db.Close()
			t.Errorf("%s: connected", what)
		} else if !strings.Contains(err.Error(), "Access denied") || strings.Contains(err.Error(), srv.Password) {
			t.Errorf("%s: %v", what, err)
		}
	}
	other := fmt.Sprintf("$db_tls_ca = '%s';\n$db_tls_cert = '%s';\n$db_tls_key = '%s';\n", srv.OtherCAFile, srv.CertFile, srv.KeyFile)
	if db, err := open(php(other)); err == nil {
		db.Close()
		t.Error("connected although the server's certificate is not signed by $db_tls_ca")
	} else if !strings.Contains(err.Error(), "certificate signed by unknown authority") {
		t.Errorf("wrong CA: %v", err)
	}
}
