package report

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jordan-wright/email"
)

// TLS modes of MailConfig.TLS (WHMCS SmtpMail "secure": none, tls, ssl).
const (
	TLSNone     = "none"     // plain SMTP; never STARTTLS, even when offered (as WHMCS does)
	TLSStartTLS = "starttls" // STARTTLS required, certificate verified
	TLSImplicit = "tls"      // implicit TLS (SMTPS), certificate verified
)

// DefaultMailTimeout bounds a whole send when MailConfig.Timeout is 0.
const DefaultMailTimeout = time.Minute

// ErrNoRecipients is returned (wrapped) when a MailConfig has neither To nor
// BCC addresses; the caller decides whether that is a failure.
var ErrNoRecipients = errors.New("no mail recipients (no To or BCC address)")

// MailConfig is how and to whom the report is mailed.
type MailConfig struct {
	Host     string
	Port     int    // 0 = 25 (none), 587 (starttls), 465 (tls)
	Username string // AUTH PLAIN when set
	Password string
	TLS      string // TLSNone, TLSStartTLS or TLSImplicit
	From     string // "Name <addr>" or addr; also the envelope sender
	To       []string
	BCC      []string // envelope recipients only, never in a header
	// CAFile is a PEM file of CA certificates that replaces the system pool
	// for verifying the server; empty = the system pool. Certificates are
	// always verified; there is no insecure option.
	CAFile    string
	Timeout   time.Duration // bound for the whole send; 0 = DefaultMailTimeout
	HelloName string        // EHLO name; empty = "localhost"
	// Sendmail, when set, is the path of a local sendmail binary used instead
	// of SMTP (WHMCS's PhpMail transport); Host, Port, TLS and the SMTP
	// login are then unused. See sendmail.go.
	Sendmail string
}

// String describes the configuration without the password.
func (c MailConfig) String() string {
	user := ""
	if c.Username != "" {
		user = c.Username + ":[redacted]@"
	}
	if c.Sendmail != "" {
		return fmt.Sprintf("sendmail %s from %q to %q bcc %q", c.Sendmail, c.From, c.To, c.BCC)
	}
	return fmt.Sprintf("smtp://%s%s (tls=%s) from %q to %q bcc %q", user, c.addr(), c.TLS, c.From, c.To, c.BCC)
}

// GoString is String, so that %#v does not print the password either.
func (c MailConfig) GoString() string { return "report.MailConfig(" + c.String() + ")" }

// addr is host:port, with the mode's default port when Port is 0.
func (c MailConfig) addr() string {
	port := c.Port
	if port == 0 {
		switch c.TLS {
		case TLSStartTLS:
			port = 587
		case TLSImplicit:
			port = 465
		default:
			port = 25
		}
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(port))
}

// Validate checks the configuration without connecting. Errors name the
// field and the value (never the password). No recipient is ErrNoRecipients.
func (c MailConfig) Validate() error {
	_, _, _, err := c.parse()
	return err
}

// parse validates c and returns the From address and the To and BCC
// addresses.
func (c MailConfig) parse() (from *mail.Address, to, bcc []*mail.Address, err error) {
	if c.Sendmail != "" {
		return c.parseAddresses()
	}
	if strings.TrimSpace(c.Host) == "" || strings.ContainsAny(c.Host, " \t\r\n/") {
		return nil, nil, nil, fmt.Errorf("mail host %q is not a host name", c.Host)
	}
	if c.Port < 0 || c.Port > 65535 {
		return nil, nil, nil, fmt.Errorf("mail port %d is not a TCP port", c.Port)
	}
	switch c.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return nil, nil, nil, fmt.Errorf("mail tls %q is not one of none, starttls, tls", c.TLS)
	}
	if strings.ContainsAny(c.HelloName, " \t\r\n") {
		return nil, nil, nil, fmt.Errorf("mail hello name %q contains blanks or line breaks", c.HelloName)
	}
	if c.Timeout < 0 {
		return nil, nil, nil, fmt.Errorf("mail timeout %s is negative", c.Timeout)
	}
	if c.Username == "" && c.Password != "" {
		return nil, nil, nil, errors.New("mail password is set but username is empty")
	}
	return c.parseAddresses()
}

// parseAddresses validates the sender and the recipients.
func (c MailConfig) parseAddresses() (from *mail.Address, to, bcc []*mail.Address, err error) {
	if from, err = mail.ParseAddress(c.From); err != nil {
		return nil, nil, nil, fmt.Errorf("mail from %q is not an e-mail address: %v", c.From, err)
	}
	for _, a := range c.To {
		p, err := mail.ParseAddress(a)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("mail to %q is not an e-mail address: %v", a, err)
		}
		to = append(to, p)
	}
	for _, a := range c.BCC {
		p, err := mail.ParseAddress(a)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("mail bcc %q is not an e-mail address: %v", a, err)
		}
		bcc = append(bcc, p)
	}
	if len(to)+len(bcc) == 0 {
		return nil, nil, nil, ErrNoRecipients
	}
	return from, to, bcc, nil
}

// Send mails the report: subject r.Subject(), a multipart/alternative body
// with the text and HTML renderings. It sends whether or not the report is
// Notable; that is the caller's decision.
func Send(ctx context.Context, cfg MailConfig, r *Report) error {
	if r == nil {
		return errNilReport
	}
	var text, html bytes.Buffer
	if err := RenderText(&text, r); err != nil {
		return err
	}
	if err := RenderHTML(&html, r); err != nil {
		return err
	}
	return SendMail(ctx, cfg, r.Subject(), text.Bytes(), html.Bytes())
}

// SendMail sends one message built with jordan-wright/email
// (multipart/alternative when both text and html are given) over SMTP.
//
// The transport is net/smtp on a connection this function dials, rather than
// the library's Send methods, because those take no context or timeout,
// always say "EHLO localhost", treat STARTTLS as optional (SendWithStartTLS
// sends in the clear when the server does not offer it) and silently skip
// authentication when the server offers no AUTH. Here:
//
//   - none: plain SMTP, no STARTTLS even when offered (as WHMCS's "none").
//   - starttls: STARTTLS is required; no offer is an error before any
//     credentials or mail are sent.
//   - tls: implicit TLS from the first byte.
//
// Certificates are verified against the system pool or CAFile. With a
// username, AUTH PLAIN is required (the server must offer it); net/smtp
// refuses to send a password over an unencrypted connection except to
// localhost. The whole exchange is bounded by ctx and cfg.Timeout. Errors
// name host:port and the server's reply, never the password.
func SendMail(ctx context.Context, cfg MailConfig, subject string, text, html []byte) error {
	from, to, bcc, err := cfg.parse()
	if err != nil {
		return fmt.Errorf("report mail: %w", err)
	}
	s := &sender{cfg: cfg, addr: cfg.addr(), ctx: ctx}

	e := email.NewEmail()
	e.From = from.String()
	for _, a := range to {
		e.To = append(e.To, a.String())
	}
	e.Subject = oneLine(subject)
	e.Text, e.HTML = text, html
	e.Headers.Set("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies
	e.Headers.Set("X-Mailer", "domainsync")
	raw, err := e.Bytes()
	if err != nil {
		return s.fail("building the message", err)
	}

	var rcpts []string
	for _, a := range append(slices.Clone(to), bcc...) {
		rcpts = append(rcpts, a.Address)
	}

	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultMailTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if cfg.Sendmail != "" {
		return sendmail(ctx, cfg.Sendmail, from.Address, rcpts, raw)
	}
	tlsConf, err := cfg.tlsConfig()
	if err != nil {
		return s.fail("", err)
	}
	s.ctx, s.timeout = ctx, timeout
	return s.send(ctx, tlsConf, from.Address, rcpts, raw)
}

func (c MailConfig) tlsConfig() (*tls.Config, error) {
	conf := &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("mail ca file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mail ca file %q holds no PEM certificate", c.CAFile)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

type sender struct {
	cfg     MailConfig
	addr    string
	ctx     context.Context // the send's context, to tell a timeout from other errors
	timeout time.Duration
}

// open connects and greets: TLS per the mode, EHLO, STARTTLS when required,
// AUTH PLAIN when a username is set. done closes the connection.
func (s *sender) open(ctx context.Context, tlsConf *tls.Config) (c *smtp.Client, done func(), err error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, nil, s.fail("connecting", err)
	}
	// When ctx ends (cancelled, or the timeout passed) any read or write in
	// progress fails at once; ctx.Err() is set by then, so fail names it.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) }) //nolint:errcheck
	defer func() {
		if err != nil {
			stop()
			conn.Close()
		}
	}()

	if s.cfg.TLS == TLSImplicit {
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, nil, s.fail("TLS handshake", err)
		}
		conn = tc
	}
	if c, err = smtp.NewClient(conn, s.cfg.Host); err != nil {
		return nil, nil, s.fail("greeting", err)
	}
	hello := s.cfg.HelloName
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return nil, nil, s.fail("EHLO", err)
	}
	if s.cfg.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return nil, nil, s.fail("STARTTLS", errors.New("the server does not offer STARTTLS (tls: starttls requires it; nothing was sent)"))
		}
		if err := c.StartTLS(tlsConf); err != nil {
			return nil, nil, s.fail("STARTTLS", err)
		}
	}
	if s.cfg.Username != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return nil, nil, s.fail("AUTH", errors.New("a username is set but the server offers no AUTH"))
		}
		if !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
			return nil, nil, s.fail("AUTH", fmt.Errorf("the server offers AUTH %s, not PLAIN", mechs))
		}
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			if s.cfg.TLS == TLSNone && strings.Contains(err.Error(), "unencrypted") {
				err = fmt.Errorf("%v: a password is only sent over TLS (use tls: starttls or tls)", err)
			}
			return nil, nil, s.fail("AUTH PLAIN as "+strconv.Quote(s.cfg.Username), err)
		}
	}
	return c, func() { stop(); c.Close() }, nil
}

func (s *sender) send(ctx context.Context, tlsConf *tls.Config, from string, rcpts []string, raw []byte) error {
	c, done, err := s.open(ctx, tlsConf)
	if err != nil {
		return err
	}
	defer done()
	if err := c.Mail(from); err != nil {
		return s.fail("MAIL FROM:<"+from+">", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return s.fail("RCPT TO:<"+r+">", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return s.fail("DATA", err)
	}
	if _, err := w.Write(raw); err != nil {
		return s.fail("DATA", err)
	}
	if err := w.Close(); err != nil {
		return s.fail("DATA (end of message)", err)
	}
	// The message is accepted; a failing QUIT does not unsend it.
	_ = c.Quit()
	return nil
}

// fail wraps err as a mail error naming host:port and the step, with the
// password (and the AUTH PLAIN token carrying it) removed from the text.
func (s *sender) fail(step string, err error) error {
	msg := "report mail: smtp " + s.addr + ": "
	if step != "" {
		msg += step + ": "
	}
	if cerr := s.ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		// A read or write cut short by the deadline: say why.
		err = fmt.Errorf("%w (mail timeout %s; %v)", cerr, s.timeout, err)
	}
	msg += err.Error()
	if p := s.cfg.Password; p != "" {
		token := base64.StdEncoding.EncodeToString([]byte("\x00" + s.cfg.Username + "\x00" + p))
		msg = strings.ReplaceAll(msg, token, "[redacted]")
		msg = strings.ReplaceAll(msg, p, "[redacted]")
	}
	return &mailError{msg: msg, err: err}
}

type mailError struct {
	msg string
	err error
}

func (e *mailError) Error() string { return e.msg }
func (e *mailError) Unwrap() error { return e.err }
