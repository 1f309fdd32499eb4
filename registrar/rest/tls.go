package rest

// Credentials in transit: how a registrar's HTTP client verifies TLS and
// which redirects it follows. There is deliberately no way to turn
// certificate verification off.

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/domainsync/domainsync/registrar"
)

// NewHTTPClient builds a registrar's HTTP client with conc idle connections
// per host. Server certificates are verified against the system roots, or,
// when caFile is set, against the PEM certificates in caFile only (a
// private CA, a TLS-intercepting proxy). name is the registrar's name, for
// errors.
func NewHTTPClient(name string, conc int, caFile string) (*http.Client, error) {
	tr := NewHTTPTransport(conc)
	if caFile != "" {
		pool, err := LoadCAFile(name, caFile)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}, nil
}

// LoadCAFile reads a PEM file of CA certificates into a new pool.
func LoadCAFile(name, path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: ca file: %w", name, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s: ca file %q holds no PEM certificate", name, path)
	}
	return pool, nil
}

// RedirectError is a redirect the client refused to follow: to another host
// (or port), or from https to http. The request with the credentials or the
// token is never sent there.
type RedirectError struct {
	Registrar string
	From      *url.URL // the configured base URL
	To        *url.URL // where the reply redirected
}

func (e *RedirectError) Error() string {
	why := "another host"
	if sameHost(e.From, e.To) {
		why = "plain http"
	}
	return fmt.Sprintf("the reply redirects to %s://%s (%s): not followed; credentials and tokens are only sent to %s://%s",
		e.To.Scheme, e.To.Host, why, e.From.Scheme, e.From.Host)
}

// guardRedirects returns a copy of c that follows a redirect only to the
// base URL's host and port and never from https to http. c's own redirect
// policy, if any, applies after that.
func guardRedirects(name string, base *url.URL, c *http.Client) *http.Client {
	cc := *c
	next := c.CheckRedirect
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !sameHost(base, req.URL) || (base.Scheme == "https" && req.URL.Scheme != "https") {
			return &RedirectError{Registrar: name, From: base, To: req.URL}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cc
}

// sameHost compares host names (case-insensitively) and ports (the
// scheme's default when absent).
func sameHost(a, b *url.URL) bool {
	return strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "http" {
		return "80"
	}
	return "443"
}

// refused turns a refused certificate or redirect into the run-stopping
// error that says what to do; nil for any other error. Nothing is worth
// retrying: the same certificate or redirect comes back.
func (t *Transport) refused(req Request, err error) error {
	name, host := t.cfg.Registrar, t.cfg.Base.Host
	var msg string
	var re *RedirectError
	var cv *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.As(err, &re):
		msg = fmt.Sprintf("%s %s: %s", req.Method, req.Path, re.Error())
	case errors.As(err, &unknown):
		msg = fmt.Sprintf("TLS certificate of %s refused: certificate signed by unknown authority; if the server uses a private CA (or a TLS-intercepting proxy), set registrars.%s.ca_file to that CA's PEM file", host, name)
	case errors.As(err, &hostErr):
		msg = fmt.Sprintf("TLS certificate of %s refused: %s; check that registrars.%s.url names the host the certificate is for", host, strings.TrimPrefix(hostErr.Error(), "x509: "), name)
	case errors.As(err, &cv):
		msg = fmt.Sprintf("TLS certificate of %s refused: %s; check the server's certificate, or set registrars.%s.ca_file to the PEM file of the CA that signs it", host, strings.TrimPrefix(cv.Err.Error(), "x509: "), name)
	default:
		return nil
	}
	return t.Latch.Set(&registrar.Error{Kind: registrar.KindUnavailable, Registrar: name, Message: msg})
}
