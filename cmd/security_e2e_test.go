package cmd

// Credentials in transit (issue #19) through the real commands: a plain
// http registrar URL to another host is refused from every source before
// anything is sent; a registrar behind a certificate the system does not
// trust is refused until ca_file names its CA; a DSN that crosses the
// network in clear is warned about by check.

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/domainsync/domainsync/cmd/config"
	"github.com/domainsync/domainsync/cmd/config/configtest"
	"github.com/domainsync/domainsync/registrar/odr/odrsim"
	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/registrar/simhttp"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// nonLoopbackRecorder serves on every interface and returns a base URL at
// a non-loopback address of this machine, and the number of requests
// received. Without such an address the URL names a host that does not
// resolve (nothing can arrive either way).
func nonLoopbackRecorder(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	port := ln.Addr().(*net.TCPAddr).Port
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return fmt.Sprintf("http://%s:%d", n.IP, port), &hits
		}
	}
	return "http://registrar.invalid", &hits
}

func TestPlainRegistrarURLRefusedFromEverySource(t *testing.T) {
	base, hits := nonLoopbackRecorder(t)
	clearEnv(t)
	t.Setenv(config.EnvODRURL, "")
	t.Setenv(config.EnvODRAPIKey, "")
	t.Setenv(config.EnvODRAPISecret, "")
	const dsn = "u:dsn-pw@tcp(127.0.0.1:3306)/whmcs"
	op := func(url string) string {
		return fmt.Sprintf("whmcs:\n  dsn: %q\nregistrars:\n  openprovider:\n    url: %q\n    username: u\n    password: %q\n", dsn, url, configtest.SecretOPPass)
	}
	odrYAML := func(url string) string {
		return fmt.Sprintf("whmcs:\n  dsn: %q\nregistrars:\n  odr:\n    url: %q\n    api_key: k\n    api_secret: %q\n", dsn, url, configtest.SecretOPPass)
	}
	// The WHMCS installation in test mode: the module's sandbox is plain http.
	f := newWHMCS(t, moduleFile, "", "")
	whmcstest.Exec(t, f.DSN, fmt.Sprintf("UPDATE tblregistrars SET value = '%s' WHERE registrar = 'openprovider' AND setting = 'test_mode'", encrypt(t, "on", f.Hash)))

	tests := []struct {
		name string
		yaml string
		env  map[string]string
		args []string
		want string // the source and key the message starts with
	}{
		{name: "yaml", yaml: op(base + "/v1beta"), want: "domainsync.yaml:5: registrars.openprovider.url"},
		{name: "env", yaml: op("https://api.openprovider.eu"), env: map[string]string{config.EnvOpenproviderURL: base}, want: "env DOMAINSYNC_OPENPROVIDER_URL: registrars.openprovider.url"},
		{name: "flag", yaml: op("https://api.openprovider.eu"), args: []string{"--openprovider-url", base}, want: "flag --openprovider-url: registrars.openprovider.url"},
		{name: "whmcs", args: []string{"--whmcs", f.Dir}, want: "whmcs tblregistrars openprovider test_mode: registrars.openprovider.url"},
		{name: "odr yaml", yaml: odrYAML(base), want: "domainsync.yaml:5: registrars.odr.url"},
		{name: "odr env", yaml: odrYAML("https://api.opendomainregistry.net/"), env: map[string]string{config.EnvODRURL: base}, want: "env DOMAINSYNC_ODR_URL: registrars.odr.url"},
		{name: "odr flag", yaml: odrYAML("https://api.opendomainregistry.net/"), args: []string{"--odr-url", base}, want: "flag --odr-url: registrars.odr.url"},
	}
	for _, tt := range tests {
		for _, command := range []string{"sync", "check"} {
			t.Run(tt.name+"/"+command, func(t *testing.T) {
				for k, v := range tt.env {
					t.Setenv(k, v)
				}
				args := []string{command}
				if tt.yaml != "" {
					args = append(args, "--config", writeConfig(t, tt.yaml))
				} else {
					args = append(args, "--config", writeConfig(t, "{}\n"))
				}
				args = append(args, tt.args...)
				var out, errOut strings.Builder
				code := Main(args, strings.NewReader(""), &out, &errOut)
				all := out.String() + errOut.String()
				if code != ExitError {
					t.Errorf("exit %d, want %d\n%s", code, ExitError, all)
				}
				for _, w := range []string{tt.want, "plain http", "https://", "http:// is accepted only for localhost"} {
					if !strings.Contains(all, w) {
						t.Errorf("output lacks %q:\n%s", w, all)
					}
				}
				if command == "check" && !strings.Contains(out.String(), "✗ config: ") {
					t.Errorf("check does not list it as a failed check:\n%s", out.String())
				}
				configtest.AssertNoSecret(t, "output", all)
				if strings.Contains(all, whmcsOPPass) {
					t.Error("output shows the WHMCS registrar password")
				}
			})
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the non-loopback registrar received %d requests", n)
	}
}

// Both simulators behind a self-signed certificate: check fails each
// registrar naming the host, the reason and ca_file; with ca_file set the
// logins work.
func TestCheckRegistrarTLSNeedsCAFile(t *testing.T) {
	clearEnv(t)
	e := newE2E(t, e2eOptions{})
	opURL, opCA := simhttp.StartTLSTB(t, opsim.New(opsim.Options{Username: e.op.Username(), Password: e.op.Password()}))
	sim := odrsim.New(odrsim.Options{})
	odrURL, odrCA := simhttp.StartTLSTB(t, sim)
	e.editConfig(fmt.Sprintf("url: %q", e.opURL), fmt.Sprintf("url: %q", opURL))
	e.editConfig("report:\n", fmt.Sprintf("  odr:\n    url: %q\n    api_key: %q\n    api_secret: %q\nreport:\n", odrURL, sim.APIKey(), sim.APISecret()))

	code, stdout, stderr := e.runCmd("check", "--config", e.cfgPath)
	if code != ExitError {
		t.Errorf("exit %d, want %d", code, ExitError)
	}
	for name, u := range map[string]string{"openprovider": opURL, "odr": odrURL} {
		host := strings.TrimPrefix(u, "https://")
		line := ""
		for _, l := range strings.Split(stdout, "\n") {
			if strings.HasPrefix(l, "✗ registrar "+name+":") {
				line = l
			}
		}
		for _, w := range []string{host, "certificate signed by unknown authority", "registrars." + name + ".ca_file"} {
			if !strings.Contains(line, w) {
				t.Errorf("%s: the check line lacks %q:\n%s\n%s", name, w, stdout, stderr)
			}
		}
	}

	// sync fails the run with the same error, nothing written.
	e.domain(whmcstest.DomainRow{Domain: "a.nl", Status: "Active", ExpiryDate: "2027-01-01"})
	code, stdout, stderr = e.run("--no-mail")
	if code != ExitError || !strings.Contains(stdout+stderr, "certificate signed by unknown authority") || !strings.Contains(stdout+stderr, "ca_file") {
		t.Errorf("sync without ca_file: exit %d\n%s\n%s", code, stdout, stderr)
	}

	e.editConfig(fmt.Sprintf("url: %q\n", opURL), fmt.Sprintf("url: %q\n    ca_file: %q\n", opURL, opCA))
	e.editConfig(fmt.Sprintf("url: %q\n", odrURL), fmt.Sprintf("url: %q\n    ca_file: %q\n", odrURL, odrCA))
	code, stdout, stderr = e.runCmd("check", "--config", e.cfgPath)
	for _, w := range []string{"✓ registrar openprovider: login works", "✓ registrar odr: login works"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("with ca_file: output lacks %q (exit %d):\n%s\n%s", w, code, stdout, stderr)
		}
	}
}

// check warns when the database DSN crosses the network without TLS and
// names the DSN parameter; it does not for loopback or tls=true.
func TestCheckWarnsPlainDSN(t *testing.T) {
	clearEnv(t)
	// A non-loopback address of this machine with nothing listening refuses
	// at once; without one, an unroutable address times out after 1 s.
	host := "192.0.2.10:3306"
	if base, _ := nonLoopbackRecorder(t); !strings.Contains(base, ".invalid") {
		ip, _, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
		host = net.JoinHostPort(ip, "1")
	}
	sim, opURL := opsim.StartTB(t, opsim.Options{})
	for _, tt := range []struct {
		dsn, want string
	}{
		{"u:dsn-pw@tcp(" + host + ")/whmcs?timeout=1s", "tls=true"},
		{"u:dsn-pw@tcp(" + host + ")/whmcs?timeout=1s&tls=preferred", "falls back to clear text"},
		{"u:dsn-pw@tcp(" + host + ")/whmcs?timeout=1s&tls=true", ""},
		{"u:dsn-pw@tcp(127.0.0.1:1)/whmcs", ""},
	} {
		cfg := fmt.Sprintf("whmcs:\n  dsn: %q\nregistrars:\n  openprovider:\n    url: %q\n    username: %q\n    password: %q\n", tt.dsn, opURL, sim.Username(), sim.Password())
		var out, errOut strings.Builder
		Main([]string{"check", "--config", writeConfig(t, cfg), "--timeout", "2s"}, strings.NewReader(""), &out, &errOut)
		got := out.String()
		warned := strings.Contains(got, "! database transport: ")
		if warned != (tt.want != "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: warned %v, want %q:\n%s", tt.dsn, warned, tt.want, got)
		}
		if strings.Contains(got+errOut.String(), "dsn-pw") {
			t.Errorf("%s: the output shows the DSN password", tt.dsn)
		}
	}
}

// The drop-in against a MariaDB that accepts only TLS with a client
// certificate: configuration.php's $db_tls_* make "domainsync config
// --whmcs" connect and read the registrar settings; without them it
// cannot connect.
func TestWHMCSDirOverTLS(t *testing.T) {
	clearEnv(t)
	srv := whmcstest.StartTLSServer(t)
	hash := randomHash(t)
	db := whmcstest.Open(t, srv.AdminDSN())
	whmcstest.InsertRegistrarSetting(t, db, "openprovider", "Username", encrypt(t, "tls-reseller", hash))
	whmcstest.InsertRegistrarSetting(t, db, "openprovider", "Password", encrypt(t, whmcsOPPass, hash))

	write := func(tls string) string {
		dir := t.TempDir()
		php := fmt.Sprintf("<?php\n$db_host = '%s';\n$db_port = '%d';\n$db_username = '%s';\n$db_password = '%s';\n$db_name = '%s';\n$cc_encryption_hash = '%s';\n%s",
			srv.Host, srv.Port, srv.User, srv.Password, srv.Database, hash, tls)
		if err := os.WriteFile(filepath.Join(dir, "configuration.php"), []byte(php), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	withTLS := write(fmt.Sprintf("$db_tls_ca = '%s';\n$db_tls_cert = '%s';\n$db_tls_key = '%s';\n", srv.CAFile, srv.CertFile, srv.KeyFile))
	var out, errOut strings.Builder
	code := Main([]string{"config", "--config", writeConfig(t, "{}\n"), "--whmcs", withTLS}, strings.NewReader(""), &out, &errOut)
	all := out.String() + errOut.String()
	if code != ExitOK {
		t.Fatalf("with $db_tls_*: exit %d\n%s", code, all)
	}
	for _, w := range []string{"registrars.openprovider.username = tls-reseller  (whmcs tblregistrars openprovider Username)", "tls=whmcsconf-"} {
		if !strings.Contains(all, w) {
			t.Errorf("output lacks %q:\n%s", w, all)
		}
	}
	for _, s := range []string{srv.Password, whmcsOPPass, hash} {
		if strings.Contains(all, s) {
			t.Errorf("output shows the secret %q", s)
		}
	}

	out.Reset()
	errOut.Reset()
	code = Main([]string{"config", "--config", writeConfig(t, "{}\n"), "--whmcs", write("")}, strings.NewReader(""), &out, &errOut)
	if all := out.String() + errOut.String(); code != ExitError || !strings.Contains(all, "cannot connect to the WHMCS database") || strings.Contains(all, srv.Password) {
		t.Errorf("without $db_tls_*: exit %d\n%s", code, all)
	}
}
