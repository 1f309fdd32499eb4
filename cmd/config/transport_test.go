package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/whmcsdb/whmcsconf"
)

// http:// is accepted for loopback hosts only; https:// anywhere.
func TestRegistrarURLTransport(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"https://api.openprovider.eu", true},
		{"http://127.0.0.1:8080", true},
		{"http://127.0.0.2/v1beta", true},
		{"http://localhost:1", true},
		{"http://LOCALHOST", true},
		{"http://[::1]:8480", true},
		{"http://api.openprovider.eu", false},
		{"HTTP://api.openprovider.eu", false},
		{"http://10.0.0.1:8480", false},
		{"http://[2001:db8::1]/", false},
		{"http://localhost.example.net", false},
		{"http://user:pw-in-url@api.example.net", false},
	} {
		for _, reg := range []struct{ env, key string }{
			{EnvOpenproviderURL, "registrars.openprovider.url"},
			{EnvODRURL, "registrars.odr.url"},
		} {
			env := map[string]string{EnvDBDSN: "u:p@tcp(127.0.0.1:3306)/whmcs", reg.env: tt.url,
				EnvOpenproviderUsername: "u", EnvOpenproviderPassword: "p", EnvODRAPIKey: "k", EnvODRAPISecret: "s"}
			_, _, err := Load(LoadOptions{Env: envOf(env), Search: []string{filepath.Join(t.TempDir(), "none.yaml")}})
			if tt.ok {
				if err != nil {
					t.Errorf("%s = %s: %v", reg.key, tt.url, err)
				}
				continue
			}
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			for _, w := range []string{"env " + reg.env + ": " + reg.key + ": ", "plain http", "https://"} {
				if !strings.Contains(msg, w) {
					t.Errorf("%s = %s: error lacks %q: %v", reg.key, tt.url, w, err)
				}
			}
			if strings.Contains(msg, "pw-in-url") {
				t.Errorf("the error shows the URL's password: %s", msg)
			}
		}
	}
}

func TestDSNTransportWarning(t *testing.T) {
	src := &Sources{}
	for _, tt := range []struct {
		dsn, whmcsSrc, want string
	}{
		{"u:p@tcp(db.example.net:3306)/whmcs", "", "tls=true"},
		{"u:p@tcp(db.example.net:3306)/whmcs?tls=false", "", "tls=true"},
		{"u:p@tcp(db.example.net:3306)/whmcs?tls=preferred", "", "tls=true"},
		{"u:p@tcp(db.example.net:3306)/whmcs", "whmcs /var/www/whmcs/configuration.php", "$db_tls_ca"},
		{"u:p@tcp(db.example.net:3306)/whmcs?tls=true", "", ""},
		{"u:p@tcp(db.example.net:3306)/whmcs?tls=skip-verify", "", "tls=true"},
		{"u:p@tcp(127.0.0.1:3306)/whmcs?tls=skip-verify", "", ""},
		{"u:p@tcp(127.0.0.1:3306)/whmcs", "", ""},
		{"u:p@unix(/run/mysqld/mysqld.sock)/whmcs", "", ""},
		{"", "", ""},
	} {
		src.Set("whmcs.dsn", SourceDefault())
		if tt.whmcsSrc != "" {
			src.Set("whmcs.dsn", Source(tt.whmcsSrc))
		}
		cfg := &Config{}
		cfg.WHMCS.DSN = DSN(tt.dsn)
		problem, fix := DSNTransportWarning(cfg, src)
		if (problem != "") != (tt.want != "") || !strings.Contains(fix, tt.want) {
			t.Errorf("%s (%s): %q, fix %q, want %q", tt.dsn, tt.whmcsSrc, problem, fix, tt.want)
		}
		if problem != "" && (!strings.Contains(problem, "db.example.net:3306") || strings.Contains(problem+fix, "u:p")) {
			t.Errorf("%s: %q", tt.dsn, problem)
		}
	}

	// configuration.php with TLS but $db_tls_verify_cert off.
	cfg := &Config{FromWHMCS: &WHMCSSettings{ConfigPHP: &whmcsconf.PHPConfig{TLS: whmcsconf.TLSOptions{CA: "/etc/ssl/db-ca.pem"}}}}
	cfg.WHMCS.DSN = "u:p@tcp(db.example.net:3306)/whmcs?tls=true"
	src.Set("whmcs.dsn", SourceWHMCS("/var/www/whmcs/configuration.php"))
	if problem, fix := DSNTransportWarning(cfg, src); !strings.Contains(problem, "$db_tls_verify_cert is off") || !strings.Contains(fix, "$db_tls_verify_cert") {
		t.Errorf("verify off: %q, fix %q", problem, fix)
	}
	cfg.FromWHMCS.ConfigPHP.TLS.VerifyCert = true
	if problem, _ := DSNTransportWarning(cfg, src); problem != "" {
		t.Errorf("verify on: %q", problem)
	}
}
