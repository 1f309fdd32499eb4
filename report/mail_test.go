package report

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const (
	testUser     = "mailer"
	testPassword = "s3cr3t-Pa55!word"
)

// received is one message as the test server got it.
type received struct {
	From    string
	To      []string
	Data    []byte
	TLS     bool
	User    string // authenticated user, "" = none
	HeloArg string
}

// backend is an emersion/go-smtp backend that records messages.
type backend struct {
	user, pass string // AUTH PLAIN offered when user != ""
	rejectRcpt bool   // refuse every recipient with 550
	rejectData bool   // refuse the message after DATA with 554

	mu   sync.Mutex
	msgs []received
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{b: b, c: c}, nil
}

func (b *backend) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.msgs)
}

type session struct {
	b    *backend
	c    *smtp.Conn
	user string
	msg  received
}

func (s *session) AuthMechanisms() []string {
	if s.b.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.b.user || password != s.b.pass {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.msg = received{From: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.b.rejectRcpt {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox " + to + " unknown"}
	}
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.b.rejectData {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "message refused by policy"}
	}
	s.msg.Data = data
	_, s.msg.TLS = s.c.TLSConnectionState()
	s.msg.User = s.user
	s.msg.HeloArg = s.c.Hostname()
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.msg)
	s.b.mu.Unlock()
	return nil
}

func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

// serverOpts say how to start a test server.
type serverOpts struct {
	ip       string      // listen address; default 127.0.0.1
	starttls *tls.Config // offer STARTTLS with this certificate
	implicit *tls.Config // implicit TLS listener with this certificate
	insecure bool        // allow AUTH without TLS
}

// startServer starts a real SMTP server on loopback and returns its port.
func startServer(t *testing.T, be *backend, o serverOpts) int {
	t.Helper()
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.AllowInsecureAuth = o.insecure
	srv.TLSConfig = o.starttls
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ip := o.ip
	if ip == "" {
		ip = "127.0.0.1"
	}
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", ip, err)
	}
	if o.implicit != nil {
		l = tls.NewListener(l, o.implicit)
	}
	go srv.Serve(l) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// testCert makes a self-signed CA certificate for 127.0.0.1 and localhost,
// writes it as PEM to a temporary file and returns the server's TLS config
// and the file's path.
func testCert(t *testing.T) (*tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "domainsync test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("127.0.0.2")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, path
}

func testConfig(port int, mode string) MailConfig {
	return MailConfig{
		Host:      "127.0.0.1",
		Port:      port,
		TLS:       mode,
		From:      "WHMCS Système <noreply@example.com>",
		To:        []string{"Jörg Müller <joerg@example.com>", "ops@example.com"},
		BCC:       []string{"archive@example.com"},
		Timeout:   10 * time.Second,
		HelloName: "cron.example.com",
	}
}

func testReport() *Report {
	r := goldenCases()["full"]
	r.AddError("<script>alert(1)</script>.com", `<b>&"'`)
	return r
}

// assertNoSecret fails when err's text carries the password or the AUTH
// PLAIN token that encodes it.
func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	t.Logf("error: %v", err)
	token := base64.StdEncoding.EncodeToString([]byte("\x00" + testUser + "\x00" + testPassword))
	if err != nil && (strings.Contains(err.Error(), testPassword) || strings.Contains(err.Error(), token)) {
		t.Errorf("error carries the password: %v", err)
	}
}

// checkMessage parses the message with net/mail and mime/multipart and checks
// the headers and both alternative parts against the report.
func checkMessage(t *testing.T, m received, cfg MailConfig, r *Report) {
	t.Helper()
	if m.From != "noreply@example.com" {
		t.Errorf("envelope from = %q", m.From)
	}
	if want := []string{"joerg@example.com", "ops@example.com", "archive@example.com"}; !slices.Equal(m.To, want) {
		t.Errorf("envelope recipients = %q, want %q", m.To, want)
	}
	if m.HeloArg != "cron.example.com" {
		t.Errorf("EHLO name = %q", m.HeloArg)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if subject != r.Subject() {
		t.Errorf("Subject = %q, want %q", subject, r.Subject())
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "WHMCS Système" || from[0].Address != "noreply@example.com" {
		t.Errorf("From = %v (%v), raw %q", from, err, msg.Header.Get("From"))
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Jörg Müller" || to[0].Address != "joerg@example.com" || to[1].Address != "ops@example.com" {
		t.Errorf("To = %v (%v), raw %q", to, err, msg.Header.Get("To"))
	}
	if strings.Contains(string(m.Data), "archive@example.com") {
		t.Error("the BCC address appears in the message")
	}
	if got := msg.Header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", got)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v)", msg.Header.Get("Content-Type"), err)
	}
	var wantText, wantHTML bytes.Buffer
	if err := RenderText(&wantText, r); err != nil {
		t.Fatal(err)
	}
	if err := RenderHTML(&wantHTML, r); err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	got := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, pp, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(pp["charset"], "utf-8") {
			t.Errorf("%s part charset = %q", pt, pp["charset"])
		}
		body, err := io.ReadAll(p) // NextPart decodes quoted-printable
		if err != nil {
			t.Fatal(err)
		}
		got[pt] = strings.ReplaceAll(string(body), "\r\n", "\n")
	}
	if len(got) != 2 {
		t.Fatalf("parts = %v, want text/plain and text/html", slices.Collect(maps.Keys(got)))
	}
	if got["text/plain"] != wantText.String() {
		t.Errorf("text part differs:\n%s\n--- want:\n%s", got["text/plain"], wantText.String())
	}
	if got["text/html"] != wantHTML.String() {
		t.Errorf("HTML part differs:\n%s\n--- want:\n%s", got["text/html"], wantHTML.String())
	}
	if !strings.Contains(got["text/html"], "&lt;script&gt;alert(1)&lt;/script&gt;.com") || strings.Contains(got["text/html"], "<script>") {
		t.Error("HTML part does not escape the markup")
	}
}

func TestSendPlain(t *testing.T) {
	be := &backend{}
	port := startServer(t, be, serverOpts{})
	cfg := testConfig(port, TLSNone)
	r := testReport()
	if err := Send(context.Background(), cfg, r); err != nil {
		t.Fatal(err)
	}
	msgs := be.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	if msgs[0].TLS {
		t.Error("tls: none used TLS")
	}
	checkMessage(t, msgs[0], cfg, r)
}

// TestSendNoneIgnoresSTARTTLS: tls none sends in the clear even when the
// server offers STARTTLS (WHMCS's "none"; a self-signed relay keeps working).
func TestSendNoneIgnoresSTARTTLS(t *testing.T) {
	srvTLS, _ := testCert(t)
	be := &backend{}
	port := startServer(t, be, serverOpts{starttls: srvTLS})
	if err := Send(context.Background(), testConfig(port, TLSNone), testReport()); err != nil {
		t.Fatal(err)
	}
	if msgs := be.messages(); len(msgs) != 1 || msgs[0].TLS {
		t.Fatalf("messages = %d, TLS used = %v", len(msgs), len(msgs) == 1 && msgs[0].TLS)
	}
}

func TestSendStartTLSWithAuth(t *testing.T) {
	srvTLS, caFile := testCert(t)
	be := &backend{user: testUser, pass: testPassword}
	// AUTH is only offered after STARTTLS.
	port := startServer(t, be, serverOpts{starttls: srvTLS})
	cfg := testConfig(port, TLSStartTLS)
	cfg.CAFile, cfg.Username, cfg.Password = caFile, testUser, testPassword
	r := testReport()
	if err := Send(context.Background(), cfg, r); err != nil {
		t.Fatal(err)
	}
	msgs := be.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	if !msgs[0].TLS || msgs[0].User != testUser {
		t.Errorf("TLS = %v, user = %q", msgs[0].TLS, msgs[0].User)
	}
	checkMessage(t, msgs[0], cfg, r)
}

// TestSendStartTLSRequired: starttls against a server that does not offer it
// fails before credentials or mail are sent.
func TestSendStartTLSRequired(t *testing.T) {
	be := &backend{user: testUser, pass: testPassword}
	port := startServer(t, be, serverOpts{insecure: true})
	cfg := testConfig(port, TLSStartTLS)
	cfg.Username, cfg.Password = testUser, testPassword
	err := Send(context.Background(), cfg, testReport())
	if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") || !strings.Contains(err.Error(), "127.0.0.1:"+strconv.Itoa(port)) {
		t.Fatalf("err = %v", err)
	}
	assertNoSecret(t, err)
	if n := len(be.messages()); n != 0 {
		t.Errorf("%d messages delivered", n)
	}
}

// TestSendCertificateVerified: a certificate the client cannot verify (system
// pool, or another CA file) stops the send.
func TestSendCertificateVerified(t *testing.T) {
	srvTLS, _ := testCert(t)
	_, otherCA := testCert(t)
	for _, mode := range []string{TLSStartTLS, TLSImplicit} {
		for name, caFile := range map[string]string{"system pool": "", "other CA": otherCA} {
			t.Run(mode+"/"+name, func(t *testing.T) {
				be := &backend{}
				o := serverOpts{starttls: srvTLS}
				if mode == TLSImplicit {
					o = serverOpts{implicit: srvTLS}
				}
				port := startServer(t, be, o)
				cfg := testConfig(port, mode)
				cfg.CAFile = caFile
				err := Send(context.Background(), cfg, testReport())
				if err == nil || !strings.Contains(err.Error(), "certificate") {
					t.Fatalf("err = %v", err)
				}
				t.Logf("error: %v", err)
				if n := len(be.messages()); n != 0 {
					t.Errorf("%d messages delivered", n)
				}
			})
		}
	}
}

func TestSendImplicitTLS(t *testing.T) {
	srvTLS, caFile := testCert(t)
	be := &backend{user: testUser, pass: testPassword}
	port := startServer(t, be, serverOpts{implicit: srvTLS})
	cfg := testConfig(port, TLSImplicit)
	cfg.CAFile, cfg.Username, cfg.Password = caFile, testUser, testPassword
	r := testReport()
	if err := Send(context.Background(), cfg, r); err != nil {
		t.Fatal(err)
	}
	msgs := be.messages()
	if len(msgs) != 1 || !msgs[0].TLS || msgs[0].User != testUser {
		t.Fatalf("messages = %+v", msgs)
	}
	checkMessage(t, msgs[0], cfg, r)
}

func TestSendAuthPlain(t *testing.T) {
	be := &backend{user: testUser, pass: testPassword}
	port := startServer(t, be, serverOpts{insecure: true})

	t.Run("success", func(t *testing.T) {
		cfg := testConfig(port, TLSNone) // net/smtp allows PLAIN in the clear to 127.0.0.1 only
		cfg.Username, cfg.Password = testUser, testPassword
		if err := Send(context.Background(), cfg, testReport()); err != nil {
			t.Fatal(err)
		}
		if msgs := be.messages(); len(msgs) != 1 || msgs[0].User != testUser {
			t.Fatalf("messages = %+v", msgs)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		cfg := testConfig(port, TLSNone)
		cfg.Username, cfg.Password = testUser, testPassword+"x"
		err := Send(context.Background(), cfg, testReport())
		if err == nil || !strings.Contains(err.Error(), "535") || !strings.Contains(err.Error(), "127.0.0.1:"+strconv.Itoa(port)) || !strings.Contains(err.Error(), "AUTH PLAIN") {
			t.Fatalf("err = %v", err)
		}
		assertNoSecret(t, err)
		if n := len(be.messages()); n != 1 {
			t.Errorf("%d messages after a failed AUTH, want still 1", n)
		}
	})
}

// TestSendAuthNotOffered: a username with a server that offers no AUTH is an
// error, not a silent unauthenticated send.
func TestSendAuthNotOffered(t *testing.T) {
	be := &backend{}
	port := startServer(t, be, serverOpts{})
	cfg := testConfig(port, TLSNone)
	cfg.Username, cfg.Password = testUser, testPassword
	err := Send(context.Background(), cfg, testReport())
	if err == nil || !strings.Contains(err.Error(), "offers no AUTH") {
		t.Fatalf("err = %v", err)
	}
	assertNoSecret(t, err)
	if n := len(be.messages()); n != 0 {
		t.Errorf("%d messages delivered", n)
	}
}

// TestSendAuthRefusedInClear: net/smtp will not send a password in the clear
// to a host other than localhost; the error says so.
func TestSendAuthRefusedInClear(t *testing.T) {
	be := &backend{user: testUser, pass: testPassword}
	port := startServer(t, be, serverOpts{ip: "127.0.0.2", insecure: true})
	cfg := testConfig(port, TLSNone)
	cfg.Host = "127.0.0.2"
	cfg.Username, cfg.Password = testUser, testPassword
	err := Send(context.Background(), cfg, testReport())
	if err == nil || !strings.Contains(err.Error(), "unencrypted") || !strings.Contains(err.Error(), "starttls") {
		t.Fatalf("err = %v", err)
	}
	assertNoSecret(t, err)
}

func TestSendRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		be   *backend
		want []string
	}{
		{"recipient", &backend{user: testUser, pass: testPassword, rejectRcpt: true}, []string{"RCPT TO:<joerg@example.com>", "550", "mailbox"}},
		{"data", &backend{user: testUser, pass: testPassword, rejectData: true}, []string{"DATA", "554", "refused by policy"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			port := startServer(t, tt.be, serverOpts{insecure: true})
			cfg := testConfig(port, TLSNone)
			cfg.Username, cfg.Password = testUser, testPassword
			err := Send(context.Background(), cfg, testReport())
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(tt.want, "127.0.0.1:"+strconv.Itoa(port)) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			assertNoSecret(t, err)
		})
	}
}

// silentServer accepts connections and never answers (no greeting).
func silentServer(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().(*net.TCPAddr).Port
}

// TestSendTimeout: the whole send is bounded by Timeout and by ctx.
func TestSendTimeout(t *testing.T) {
	port := silentServer(t)

	t.Run("timeout", func(t *testing.T) {
		cfg := testConfig(port, TLSNone)
		cfg.Timeout = 200 * time.Millisecond
		start := time.Now()
		err := Send(context.Background(), cfg, testReport())
		if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "127.0.0.1:"+strconv.Itoa(port)) {
			t.Fatalf("err = %v", err)
		}
		t.Logf("error: %v", err)
		if d := time.Since(start); d > 30*time.Second { // the silent server never answers: only the bound ends it (30 s: far above 200 ms even on a busy machine)
			t.Errorf("took %v", d)
		}
	})
	t.Run("context cancelled", func(t *testing.T) {
		cfg := testConfig(port, TLSImplicit) // stuck in the TLS handshake
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		err := Send(ctx, cfg, testReport())
		if err == nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		t.Logf("error: %v", err)
		if d := time.Since(start); d > 30*time.Second { // the silent server never answers: only the bound ends it (30 s: far above 200 ms even on a busy machine)
			t.Errorf("took %v", d)
		}
	})
	t.Run("context cancelled while waiting for the greeting", func(t *testing.T) {
		cfg := testConfig(port, TLSNone)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		err := Send(ctx, cfg, testReport())
		if err == nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestSendMailTextOnly(t *testing.T) {
	be := &backend{}
	port := startServer(t, be, serverOpts{})
	cfg := testConfig(port, TLSNone)
	if err := SendMail(context.Background(), cfg, "domainsync test mail", []byte("hello\n"), nil); err != nil {
		t.Fatal(err)
	}
	msgs := be.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(msgs[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if mt, _, _ := mime.ParseMediaType(msg.Header.Get("Content-Type")); mt != "text/plain" || msg.Header.Get("Subject") != "domainsync test mail" {
		t.Errorf("Content-Type %q, Subject %q", msg.Header.Get("Content-Type"), msg.Header.Get("Subject"))
	}
}

func TestNoRecipients(t *testing.T) {
	cfg := testConfig(25, TLSNone)
	cfg.To, cfg.BCC = nil, nil
	err := Send(context.Background(), cfg, testReport())
	if !errors.Is(err, ErrNoRecipients) {
		t.Fatalf("err = %v, want ErrNoRecipients", err)
	}
	// BCC alone is enough.
	cfg.BCC = []string{"archive@example.com"}
	if err := cfg.Validate(); err != nil {
		t.Errorf("BCC only: %v", err)
	}
}

func TestValidate(t *testing.T) {
	ok := testConfig(0, TLSStartTLS)
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		edit func(*MailConfig)
		want string
	}{
		{"no host", func(c *MailConfig) { c.Host = "" }, `mail host ""`},
		{"bad port", func(c *MailConfig) { c.Port = 70000 }, "mail port 70000"},
		{"bad tls", func(c *MailConfig) { c.TLS = "ssl" }, `mail tls "ssl" is not one of none, starttls, tls`},
		{"empty tls", func(c *MailConfig) { c.TLS = "" }, `mail tls ""`},
		{"bad from", func(c *MailConfig) { c.From = "not an address" }, `mail from "not an address"`},
		{"bad to", func(c *MailConfig) { c.To = []string{"ok@example.com", "bad@"} }, `mail to "bad@"`},
		{"bad bcc", func(c *MailConfig) { c.BCC = []string{"x"} }, `mail bcc "x"`},
		{"password without user", func(c *MailConfig) { c.Password = testPassword }, "password is set but username is empty"},
		{"hello with line break", func(c *MailConfig) { c.HelloName = "a\r\nMAIL FROM:<x>" }, "mail hello name"},
		{"negative timeout", func(c *MailConfig) { c.Timeout = -time.Second }, "mail timeout -1s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			c.To = slices.Clone(ok.To)
			tt.edit(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			assertNoSecret(t, err)
		})
	}
}

func TestDefaultPorts(t *testing.T) {
	for mode, want := range map[string]string{TLSNone: "mail.example:25", TLSStartTLS: "mail.example:587", TLSImplicit: "mail.example:465"} {
		c := MailConfig{Host: "mail.example", TLS: mode}
		if got := c.addr(); got != want {
			t.Errorf("%s: addr = %q, want %q", mode, got, want)
		}
	}
	if got := (MailConfig{Host: "::1", Port: 2525}).addr(); got != "[::1]:2525" {
		t.Errorf("IPv6 addr = %q", got)
	}
}

// TestMailConfigRedacted: no formatting of a MailConfig prints the password.
func TestMailConfigRedacted(t *testing.T) {
	cfg := testConfig(587, TLSStartTLS)
	cfg.Username, cfg.Password = testUser, testPassword
	outer := struct {
		Name string
		Mail MailConfig
	}{"x", cfg}
	for _, s := range []string{
		cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprintf("%s", cfg), fmt.Sprintf("%v", &cfg), fmt.Sprintf("%+v", outer), fmt.Sprintf("%#v", outer),
	} {
		if strings.Contains(s, testPassword) {
			t.Errorf("formatted config carries the password: %s", s)
		}
		if !strings.Contains(s, "127.0.0.1:587") {
			t.Errorf("formatted config lacks the address: %s", s)
		}
	}
	if !strings.Contains(cfg.String(), testUser+":[redacted]@") {
		t.Errorf("String() = %s", cfg.String())
	}
}
