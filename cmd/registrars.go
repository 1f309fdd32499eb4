package cmd

// Building the registrar clients of the configuration and the --registrar
// selection.

import (
	"errors"
	"fmt"
	"html"
	"log/slog"
	"slices"
	"strings"

	"github.com/domainsync/domainsync/cmd/config"
	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/odr"
	"github.com/domainsync/domainsync/registrar/openprovider"
)

// selectRegistrars keeps the configured registrars named by --registrar
// (any case; all when none is given). A name that is not configured is a
// usage error.
func selectRegistrars(configured, want []string) ([]string, error) {
	if len(want) == 0 {
		return configured, nil
	}
	var out []string
	for _, w := range want {
		w = strings.ToLower(strings.TrimSpace(w))
		if !slices.Contains(configured, w) {
			return nil, fmt.Errorf("--registrar: %q is not a configured registrar (configured: %s)", w, strings.Join(configured, ", "))
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	// Keep the configured order.
	slices.SortStableFunc(out, func(a, b string) int { return slices.Index(configured, a) - slices.Index(configured, b) })
	return out, nil
}

// newODR builds the ODR client of the registrars.odr section.
func newODR(cfg *config.Config, log *slog.Logger) (registrar.Registrar, error) {
	o := cfg.Registrars.Odr
	if o == nil {
		return nil, fmt.Errorf("registrar %s is not configured", odr.Name)
	}
	return odr.New(odr.Config{
		URL:            o.URL,
		APIKey:         o.APIKey,
		APISecret:      o.APISecret.Reveal(),
		CAFile:         o.CAFile,
		RateLimit:      o.RateLimit,
		Concurrency:    o.Concurrency,
		RequestTimeout: o.Timeout,
		UserAgent:      UserAgent(),
		Logger:         log.With("registrar", odr.Name),
	})
}

// entityHint adds a hint to a failed Openprovider login (code 196) when
// the password, used as WHMCS stored it, holds HTML entities (&amp; …):
// WHMCS may have stored the admin form's encoded value. The password itself
// is never shown.
func entityHint(err error, password config.Secret) error {
	var re *registrar.Error
	if err == nil || !errors.As(err, &re) || re.Code != openprovider.CodeAuthFailed {
		return err
	}
	pw := password.Reveal()
	if html.UnescapeString(pw) == pw {
		return err
	}
	return fmt.Errorf("%w (the password holds HTML entities such as &amp;: WHMCS may have stored it encoded from its admin form; domainsync uses it as stored: re-enter it in WHMCS, or set %s)", err, config.EnvOpenproviderPassword)
}
