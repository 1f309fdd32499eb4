package report

import (
	"context"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSendmail writes a script that records its arguments and the message it
// reads, like a local MTA's sendmail binary would accept them.
func fakeSendmail(t *testing.T, exit int) (path, argsFile, msgFile string) {
	t.Helper()
	dir := t.TempDir()
	path = filepath.Join(dir, "sendmail")
	argsFile = filepath.Join(dir, "args")
	msgFile = filepath.Join(dir, "msg")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + argsFile + "\ncat > " + msgFile + "\n"
	if exit != 0 {
		script += "echo 'sendmail: cannot deliver' >&2\nexit 75\n"
	}
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, argsFile, msgFile
}

func TestSendmailTransport(t *testing.T) {
	path, argsFile, msgFile := fakeSendmail(t, 0)
	cfg := MailConfig{Sendmail: path, From: "WHMCS <billing@example.test>", To: []string{"Anna <anna@example.test>"}, BCC: []string{"audit@example.test"}}
	r := NewSync("openprovider")
	r.AddError("example.com", "not found")
	if err := Send(context.Background(), cfg, r); err != nil {
		t.Fatalf("Send: %v", err)
	}
	args, _ := os.ReadFile(argsFile)
	if got, want := string(args), "-i\n-f\nbilling@example.test\n--\nanna@example.test\naudit@example.test\n"; got != want {
		t.Errorf("sendmail arguments %q, want %q", got, want)
	}
	raw, _ := os.ReadFile(msgFile)
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("message: %v", err)
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subj != r.Subject() {
		t.Errorf("subject %q, want %q", subj, r.Subject())
	}
	if strings.Contains(string(raw), "audit@example.test") {
		t.Error("the BCC address appears in the message")
	}
	if !strings.Contains(m.Header.Get("Content-Type"), "multipart/") {
		t.Errorf("content type %q, want multipart", m.Header.Get("Content-Type"))
	}
}

func TestSendmailFailure(t *testing.T) {
	path, _, _ := fakeSendmail(t, 75)
	cfg := MailConfig{Sendmail: path, From: "billing@example.test", To: []string{"anna@example.test"}}
	err := SendMail(context.Background(), cfg, "s", []byte("t"), nil)
	if err == nil || !strings.Contains(err.Error(), "cannot deliver") || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v: want the binary and its message", err)
	}
	cfg.Sendmail = filepath.Join(t.TempDir(), "missing")
	if err := SendMail(context.Background(), cfg, "s", []byte("t"), nil); err == nil {
		t.Fatal("a missing sendmail binary: no error")
	}
}
