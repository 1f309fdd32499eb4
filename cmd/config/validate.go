package config

// Validation of the merged configuration.

import (
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/domainsync/domainsync/registrar/odr"
)

// validate checks the merged configuration: this file's sections here, the
// sync section through sync.Settings.Validate.
func (l *loader) validate(cfg *Config) {
	missing := len(l.problems)
	w := &cfg.WHMCS
	if w.DSN == "" && w.Dir == "" {
		l.problem("whmcs: set whmcs.dsn (or %s) or whmcs.dir", EnvDBDSN)
	}
	if w.DSN != "" {
		if _, err := mysql.ParseDSN(string(w.DSN)); err != nil {
			l.keyProblem("whmcs.dsn", "%v", err)
		}
	}

	op := cfg.Registrars.Openprovider
	if op == nil && cfg.Registrars.Odr == nil {
		l.problem("registrars: no registrar configured: add registrars.openprovider (username, password) or set %s and %s", EnvOpenproviderUsername, EnvOpenproviderPassword)
	} else if op != nil {
		l.validateURL("registrars.openprovider", op.URL)
		if op.Username == "" {
			l.keyProblem("registrars.openprovider.username", "required (or set %s)", EnvOpenproviderUsername)
		}
		if op.Password == "" {
			l.keyProblem("registrars.openprovider.password", "required (or set %s)", EnvOpenproviderPassword)
		}
		l.validateLimits("registrars.openprovider", op.RateLimit, op.Concurrency, op.Timeout)
	}

	if o := cfg.Registrars.Odr; o != nil {
		l.validateURL("registrars.odr", o.URL)
		if o.APIKey == "" {
			l.keyProblem("registrars.odr.api_key", "required (or set %s)", EnvODRAPIKey)
		}
		if o.APISecret == "" {
			l.keyProblem("registrars.odr.api_secret", "required (or set %s)", EnvODRAPISecret)
		}
		switch o.Contacts {
		case "report", "update", "replace":
		default:
			l.keyProblem("registrars.odr.contacts", "%q is not one of report, update, replace", o.Contacts)
		}
		for i, m := range o.Modules {
			if strings.EqualFold(m, "openprovider") && op != nil {
				l.keyProblem(fmt.Sprintf("registrars.odr.modules[%d]", i), "%q is the Openprovider module", m)
			}
		}
		l.validateLimits("registrars.odr", o.RateLimit, o.Concurrency, o.Timeout)
	}
	if cfg.Journal.Keep < 0 {
		l.keyProblem("journal.keep", "must not be negative (days; 0 keeps every run), got %d", cfg.Journal.Keep)
	}
	if cfg.Reconcile.ExpiryToleranceDays < 0 {
		l.keyProblem("reconcile.expiry_tolerance_days", "must not be negative, got %d", cfg.Reconcile.ExpiryToleranceDays)
	}

	if l.in.File == "" && len(l.problems) > missing {
		// Nothing found and the environment does not make up for it.
		l.problems = slices.Insert(l.problems, missing, fmt.Sprintf("no configuration: pass --config FILE or create ./domainsync.yaml (looked for %s)", strings.Join(l.in.Searched, ", ")))
	}

	r := &cfg.Report
	s := &r.SMTP
	switch s.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		l.keyProblem("report.smtp.tls", "%q is not one of none, starttls, tls", s.TLS)
	}
	if s.Port < 0 || s.Port > 65535 {
		l.keyProblem("report.smtp.port", "%d is not a port (1-65535)", s.Port)
	}
	if s.Username != "" && s.Password == "" {
		l.keyProblem("report.smtp.password", "required when report.smtp.username is set (or set %s)", EnvSMTPPassword)
	}
	if s.Password != "" && s.TLS == TLSNone && !isLoopback(s.Host) {
		l.src.Warnings = append(l.src.Warnings, fmt.Sprintf("report.smtp: a password is set but tls is none: the SMTP password would cross the network in clear to %s; set report.smtp.tls to starttls or tls", s.Host))
	}
	if r.From != "" {
		if _, err := mail.ParseAddress(r.From); err != nil {
			l.keyProblem("report.from", "%q is not a mail address: %v", r.From, err)
		}
	}
	for i, to := range r.To {
		if _, err := mail.ParseAddress(to); err != nil {
			p := fmt.Sprintf("report.to[%d]", i)
			l.keyProblem(p, "%q is not a mail address: %v", to, err)
		}
	}

	if err := cfg.Sync.Validate(); err != nil {
		for _, msg := range errorLines(err) {
			path, _, ok := strings.Cut(msg, ": ")
			if !ok || strings.ContainsAny(path, " \"") {
				l.problem("%s", msg)
				continue
			}
			if !strings.HasPrefix(path, "sync.") {
				path = "sync." + path
			}
			l.problem("%s%s", l.at(path), msg)
		}
	}
	for _, name := range []string{"openprovider", odr.Name} {
		l.validateOverride(cfg, name)
	}
	l.validateTransport(cfg) // transport.go
}

// validateURL checks a registrar section's url (key: the section, e.g.
// "registrars.odr").
func (l *loader) validateURL(key, raw string) {
	if u, err := url.Parse(raw); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		l.keyProblem(key+".url", "%q is not an http(s) URL", raw)
	}
}

// validateLimits checks a registrar section's rate_limit, concurrency and
// timeout, none of which may be negative (key: the section).
func (l *loader) validateLimits(key string, rateLimit float64, concurrency int, timeout time.Duration) {
	if rateLimit < 0 {
		l.keyProblem(key+".rate_limit", "must not be negative, got %g", rateLimit)
	}
	if concurrency < 0 {
		l.keyProblem(key+".concurrency", "must not be negative, got %d", concurrency)
	}
	if timeout < 0 {
		l.keyProblem(key+".timeout", "must not be negative, got %s", timeout)
	}
}

// errorLines splits an errors.Join-ed error into its messages.
func errorLines(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			if e != nil {
				out = append(out, errorLines(e)...)
			}
		}
		return out
	}
	return strings.Split(err.Error(), "\n")
}
