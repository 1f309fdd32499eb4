package report

import (
	"context"
	"errors"
	"fmt"
)

// Probe checks that mail can be sent with cfg without sending any: it
// connects, says EHLO, does STARTTLS or implicit TLS per cfg.TLS, AUTH PLAIN
// when a username is set (as SendMail would), then QUIT. Recipients are not
// needed. Errors are SendMail's: they name host:port and the step, never
// the password.
func Probe(ctx context.Context, cfg MailConfig) error {
	if _, _, _, err := cfg.parse(); err != nil && !errors.Is(err, ErrNoRecipients) {
		return fmt.Errorf("report mail: %w", err)
	}
	s := &sender{cfg: cfg, addr: cfg.addr(), ctx: ctx}
	tlsConf, err := cfg.tlsConfig()
	if err != nil {
		return s.fail("", err)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultMailTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s.ctx, s.timeout = ctx, timeout
	c, done, err := s.open(ctx, tlsConf)
	if err != nil {
		return err
	}
	defer done()
	if err := c.Quit(); err != nil {
		return s.fail("QUIT", err)
	}
	return nil
}
