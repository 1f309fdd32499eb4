package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/domainsync/domainsync/cmd/config"
	"github.com/domainsync/domainsync/report"
	"github.com/domainsync/domainsync/whmcsdb"
)

// mailer holds a run's mail settings. Its recipients are read from WHMCS
// when the run starts, so that the report of a run whose database went
// away meanwhile (the server restarted, the connections killed) is still
// mailed: that is the report the administrators most need.
type mailer struct {
	cfg *config.Config
	db  *whmcsdb.DB
	mc  *report.MailConfig // nil until read
}

// newMailer reads the mail settings now when the run will mail (early);
// a failure here is not final: config tries again when the report is sent.
func newMailer(ctx context.Context, cfg *config.Config, db *whmcsdb.DB, early bool) *mailer {
	m := &mailer{cfg: cfg, db: db}
	if early && !cfg.Report.MailDisabled {
		_, _ = m.config(ctx)
	}
	return m
}

// config returns the mail settings, read once.
func (m *mailer) config(ctx context.Context) (report.MailConfig, error) {
	if m.mc != nil {
		return *m.mc, nil
	}
	mc, err := mailConfig(ctx, m.cfg, m.db)
	if err != nil {
		return mc, err
	}
	m.mc = &mc
	return mc, nil
}

// deliver prints the report as asked and mails it unless told not to.
func deliver(ctx context.Context, opts *SyncOptions, m *mailer, rep *report.Report, log *slog.Logger) error {
	cfg := m.cfg
	format := opts.Report
	if format == "" && opts.DryRun {
		format = "text"
	}
	if format != "" {
		if err := render(opts.IO.Out, format, rep); err != nil {
			return err
		}
	}
	if opts.DryRun || opts.NoMail {
		return nil
	}
	if cfg.Report.MailDisabled {
		log.Warn("WHMCS has e-mail sending disabled (DisableEmailSending); the report was not mailed", "registrar", rep.Registrar)
		return nil
	}
	if !rep.Notable() && !cfg.Report.SendEmpty {
		log.Debug("nothing to report; no mail sent", "registrar", rep.Registrar)
		return nil
	}
	mc, err := m.config(ctx)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if err := report.Send(ctx, mc, rep); err != nil {
		return fmt.Errorf("%w (the database changes of this run are kept)", err)
	}
	log.Info("report mailed", "registrar", rep.Registrar, "to", len(mc.To))
	return nil
}

func render(w io.Writer, format string, rep *report.Report) error {
	switch format {
	case "html":
		return report.RenderHTML(w, rep)
	case "json":
		return report.RenderJSON(w, rep)
	}
	return report.RenderText(w, rep)
}

// mailConfig builds the SMTP settings and recipients: report.to, or the
// active WHMCS administrators whose role has System Emails.
func mailConfig(ctx context.Context, cfg *config.Config, db *whmcsdb.DB) (report.MailConfig, error) {
	s := cfg.Report.SMTP
	mc := report.MailConfig{
		Host:     s.Host,
		Port:     s.Port,
		Username: s.Username,
		Password: s.Password.Reveal(),
		TLS:      s.TLS,
		From:     cfg.Report.From,
		To:       cfg.Report.To,
		BCC:      cfg.Report.BCC,
		Sendmail: s.Sendmail,
	}
	if mc.TLS == "" {
		mc.TLS = report.TLSNone
	}
	if mc.From == "" {
		host, _ := os.Hostname()
		if host == "" {
			host = "localhost"
		}
		mc.From = "domainsync <domainsync@" + host + ">"
	}
	if len(mc.To) == 0 {
		rs, err := db.Recipients(ctx)
		if err != nil {
			return mc, err
		}
		for _, r := range rs {
			if r.Name != "" {
				mc.To = append(mc.To, fmt.Sprintf("%q <%s>", r.Name, r.Email))
			} else {
				mc.To = append(mc.To, r.Email)
			}
		}
	}
	if len(mc.To) == 0 {
		return mc, errors.New("no recipients: set report.to, or give an active WHMCS administrator a role with System Emails")
	}
	return mc, nil
}
