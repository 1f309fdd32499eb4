package report

import (
	"context"
	"net"
	"strings"
	"testing"
)

// TestProbe: Probe goes through TLS, EHLO and AUTH as SendMail does, needs
// no recipient, sends no message, and fails at the step that fails.
func TestProbe(t *testing.T) {
	ctx := context.Background()
	srvTLS, caFile := testCert(t)
	be := &backend{user: testUser, pass: testPassword}
	port := startServer(t, be, serverOpts{starttls: srvTLS})
	plainBE := &backend{}
	plainPort := startServer(t, plainBE, serverOpts{})

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().(*net.TCPAddr).Port
	l.Close()

	tests := []struct {
		name string
		cfg  func() MailConfig
		want string // "" = success; else a substring of the error
	}{
		{"starttls and auth, no recipients", func() MailConfig {
			c := testConfig(port, TLSStartTLS)
			c.CAFile, c.Username, c.Password, c.To, c.BCC = caFile, testUser, testPassword, nil, nil
			return c
		}, ""},
		{"wrong password", func() MailConfig {
			c := testConfig(port, TLSStartTLS)
			c.CAFile, c.Username, c.Password = caFile, testUser, testPassword+"x"
			return c
		}, "AUTH PLAIN"},
		{"certificate not trusted", func() MailConfig { return testConfig(port, TLSStartTLS) }, "STARTTLS"},
		{"starttls not offered", func() MailConfig { return testConfig(plainPort, TLSStartTLS) }, "does not offer STARTTLS"},
		{"plain", func() MailConfig { return testConfig(plainPort, TLSNone) }, ""},
		{"unreachable", func() MailConfig { return testConfig(closedPort, TLSNone) }, "connecting"},
		{"bad config", func() MailConfig { c := testConfig(plainPort, "ssl"); return c }, `mail tls "ssl"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Probe(ctx, tt.cfg())
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Probe: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Probe error = %v, want one containing %q", err, tt.want)
			}
			if err != nil {
				assertNoSecret(t, err)
			}
		})
	}
	if n := len(be.messages()) + len(plainBE.messages()); n != 0 {
		t.Errorf("Probe sent %d messages", n)
	}
}
