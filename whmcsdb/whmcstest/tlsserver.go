package whmcstest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// TLSServer is a private MariaDB server started for one test: it refuses
// every TCP connection without TLS (require_secure_transport=ON), its
// certificate is signed by a CA made for the test, and its user must
// present a client certificate signed by that CA (REQUIRE X509).
type TLSServer struct {
	Host     string // 127.0.0.1
	Port     int
	User     string
	Password string
	Database string // holds the WHMCS schema

	CAFile   string // PEM: the CA that signed the server and client certificates
	CertFile string // PEM: the client certificate
	KeyFile  string // PEM: the client key

	// OtherCAFile is a CA that signed neither certificate.
	OtherCAFile string

	socket string
}

// Addr is host:port.
func (s *TLSServer) Addr() string { return net.JoinHostPort(s.Host, fmt.Sprint(s.Port)) }

// AdminDSN is root over the server's Unix socket (no TLS needed there),
// on the test database, for seeding and inspection with Open.
func (s *TLSServer) AdminDSN() string {
	return "root@unix(" + s.socket + ")/" + s.Database
}

// StartTLSServer starts a TLSServer in a temporary directory and stops it
// when the test ends. It skips the test when mariadbd or
// mariadb-install-db is not installed. Start-up takes a few seconds.
func StartTLSServer(t testing.TB) *TLSServer {
	t.Helper()
	mariadbd := lookBin("mariadbd")
	install := lookBin("mariadb-install-db")
	if mariadbd == "" || install == "" {
		t.Skip("whmcstest: mariadbd or mariadb-install-db is not installed (install mariadb-server): skipping the test against a MariaDB that requires TLS")
	}
	// A short directory: a Unix socket path is limited to ~100 bytes.
	dir, err := os.MkdirTemp("", "ds-tlsdb-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })

	s := &TLSServer{Host: "127.0.0.1", User: "dstls", Database: "whmcs", socket: filepath.Join(dir, "mysqld.sock")}
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	s.Password = "tls-" + hex.EncodeToString(rnd[:])
	serverCert, serverKey := s.writePKI(t, dir)

	var user []string
	if os.Geteuid() == 0 {
		user = []string{"--user=root"} // mariadbd refuses to run as root otherwise
	}
	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Its own tmpdir: a starting mariadbd deletes every #sql* file in its
	// tmpdir, and in the shared /tmp those are the temporary tables other
	// servers (the test MariaDB) are using: it crashes freeing them.
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--no-defaults", "--datadir=" + data, "--tmpdir=" + tmp, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve"}, user...)
	for attempt := 0; ; attempt++ {
		out, err := exec.CommandContext(ctx, install, args...).CombinedOutput()
		if err == nil {
			break
		}
		if attempt == 2 {
			t.Fatalf("whmcstest: %s: %v\n%s", install, err, tail(string(out), 3000))
		}
		// Seen once on the busy test machine; a fresh datadir starts over.
		t.Logf("whmcstest: %s failed (%v), trying again:\n%s", install, err, tail(string(out), 3000))
		if err := os.RemoveAll(data); err != nil {
			t.Fatal(err)
		}
	}

	var proc *exec.Cmd
	logFile := filepath.Join(dir, "error.log")
	for attempt := 0; ; attempt++ {
		s.Port = freePort(t)
		proc = exec.Command(mariadbd, append([]string{"--no-defaults", "--datadir=" + data, "--tmpdir=" + tmp,
			"--socket=" + s.socket, "--pid-file=" + filepath.Join(dir, "mysqld.pid"), "--log-error=" + logFile,
			"--bind-address=127.0.0.1", fmt.Sprintf("--port=%d", s.Port), "--skip-name-resolve",
			"--ssl-ca=" + s.CAFile, "--ssl-cert=" + serverCert, "--ssl-key=" + serverKey,
			"--require-secure-transport=ON", "--skip-log-bin", "--innodb-buffer-pool-size=16M",
			"--innodb-use-native-aio=0", "--max-connections=20"}, user...)...)
		proc.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := proc.Start(); err != nil {
			t.Fatalf("whmcstest: starting %s: %v", mariadbd, err)
		}
		p := &process{cmd: proc, done: make(chan struct{})}
		go func() { p.err = proc.Wait(); close(p.done) }()
		err := s.waitReady(ctx, p)
		if err == nil {
			t.Cleanup(p.stop)
			break
		}
		p.stop()
		log, _ := os.ReadFile(logFile)
		if attempt < 2 {
			// Most often another process took the port in the meantime.
			t.Logf("whmcstest: %s did not start (%v), trying another port:\n%s", mariadbd, err, tail(string(log), 1000))
			continue
		}
		t.Fatalf("whmcstest: %s did not start: %v\n%s", mariadbd, err, tail(string(log), 2000))
	}

	// The user that must come over TLS with a client certificate, and the
	// WHMCS schema, through the socket as root.
	schema, err := os.ReadFile(SchemaPath())
	if err != nil {
		t.Fatalf("whmcstest: reading the schema: %v", err)
	}
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.MultiStatements = "root", "unix", s.socket, true
	cfg.Params = map[string]string{"sql_mode": "''"}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var tmpdir string
	if err := admin.QueryRowContext(ctx, "SELECT @@tmpdir").Scan(&tmpdir); err != nil || tmpdir != tmp {
		t.Fatalf("whmcstest: the TLS server's tmpdir is %q (%v), want %q", tmpdir, err, tmp)
	}
	for _, q := range []string{
		"CREATE DATABASE `" + s.Database + "` CHARACTER SET utf8 COLLATE utf8_unicode_ci",
		fmt.Sprintf("CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s' REQUIRE X509", s.User, s.Password),
		fmt.Sprintf("GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'127.0.0.1'", s.Database, s.User),
		"USE `" + s.Database + "`",
		string(schema),
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("whmcstest: setting up the TLS server: %v", err)
		}
	}
	return s
}

// process is a started mariadbd; done is closed once it has exited.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, set before done is closed
}

// waitReady waits until root can log in over the socket.
func (s *TLSServer) waitReady(ctx context.Context, p *process) error {
	db, err := sql.Open("mysql", "root@unix("+s.socket+")/?timeout=2s")
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := db.PingContext(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("mariadbd exited: %v", p.err)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after 60 s: %v", err)
		}
	}
}

// stop ends mariadbd (SIGTERM, then SIGKILL of its process group after
// 20 s) and waits for it; a no-op once it has exited.
func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) // its own group (Setpgid)
		<-p.done
	}
}

func lookBin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/usr/local/sbin", "/usr/bin"} {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// writePKI writes a CA, the server's key pair (for 127.0.0.1), the
// client's key pair and an unrelated CA into dir, and returns the server
// certificate and key files.
func (s *TLSServer) writePKI(t testing.TB, dir string) (serverCert, serverKey string) {
	t.Helper()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newCA := func(cn string) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return cert, key, der
	}
	issue := func(ca *x509.Certificate, caKey *ecdsa.PrivateKey, serial int64, cn string, usage x509.ExtKeyUsage, ips ...net.IP) (cert, key string) {
		k := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			IPAddresses: ips, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			KeyUsage: x509.KeyUsageDigitalSignature,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return write(cn+"-cert.pem", "CERTIFICATE", der), write(cn+"-key.pem", "PRIVATE KEY", kder)
	}
	ca, caKey, caDER := newCA("domainsync test CA")
	s.CAFile = write("ca.pem", "CERTIFICATE", caDER)
	_, _, otherDER := newCA("unrelated CA")
	s.OtherCAFile = write("other-ca.pem", "CERTIFICATE", otherDER)
	serverCert, serverKey = issue(ca, caKey, 2, "server", x509.ExtKeyUsageServerAuth, net.ParseIP("127.0.0.1"))
	s.CertFile, s.KeyFile = issue(ca, caKey, 3, "client", x509.ExtKeyUsageClientAuth)
	return serverCert, serverKey
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
