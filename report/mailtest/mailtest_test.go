package mailtest

import (
	"context"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/report"
)

// The server receives what report.SendMail sends, and Parse gives back
// the subject and both parts.
func TestServerAndParse(t *testing.T) {
	s := Start(t)
	cfg := report.MailConfig{Host: s.Host, Port: s.Port, TLS: report.TLSNone,
		From: "domainsync <ds@example.test>", To: []string{"Anna <anna@example.test>"}}
	if err := report.SendMail(context.Background(), cfg, "Grüße: 3 changes", []byte("text body ü\n"), []byte("<p>html body ü</p>")); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 || msgs[0].From != "ds@example.test" || strings.Join(msgs[0].To, ",") != "anna@example.test" {
		t.Fatalf("messages %+v", msgs)
	}
	p, err := msgs[0].Parse()
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Grüße: 3 changes" || !strings.Contains(p.Text, "text body ü") || !strings.Contains(p.HTML, "<p>html body ü</p>") {
		t.Errorf("parsed %+v", p)
	}

	s.SetOptions(Options{RejectRcpt: true})
	if err := report.SendMail(context.Background(), cfg, "x", []byte("x"), nil); err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("refused recipient: %v", err)
	}
	s.SetOptions(Options{RejectData: true})
	if err := report.SendMail(context.Background(), cfg, "x", []byte("x"), nil); err == nil || !strings.Contains(err.Error(), "554") {
		t.Errorf("refused message: %v", err)
	}
	s.Reset()
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages after Reset", n)
	}
}

// Parse never panics, whatever a server may have received.
func FuzzParse(f *testing.F) {
	f.Add([]byte("Subject: hi\r\n\r\nbody\r\n"))
	f.Add([]byte("Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nx=C3=BC\r\n--b\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+eDwvcD4=\r\n--b--\r\n"))
	f.Add([]byte("Content-Type: multipart/mixed\r\n\r\n"))
	f.Add([]byte("Content-Type: text/plain; charset=\r\n\r\nx"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Message{Data: data}.Parse()
	})
}
