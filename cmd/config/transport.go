package config

// Credentials in transit: a registrar URL that would send the login in
// clear text is refused; a database DSN that would is reported by
// DSNTransportWarning (shown by "domainsync check").

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcsconf"
)

// validateTransport refuses an http:// registrar URL whose host is not
// loopback: the login (password, API key and signature) and every token
// would cross the network in clear text. Nothing is sent: the
// configuration does not load.
func (l *loader) validateTransport(cfg *Config) {
	if op := cfg.Registrars.Openprovider; op != nil {
		l.plainURL("registrars.openprovider.url", op.URL, EnvOpenproviderURL, "openprovider-url")
	}
	if o := cfg.Registrars.Odr; o != nil {
		l.plainURL("registrars.odr.url", o.URL, EnvODRURL, "odr-url")
	}
}

// isLoopback reports whether host is localhost or a loopback address (the
// rule for registrar URLs and the SMTP password alike).
func isLoopback(host string) bool { return whmcsdb.IsLoopback(host) }

func (l *loader) plainURL(key, raw, env, flag string) {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, "http") || u.Host == "" || isLoopback(u.Hostname()) {
		return
	}
	https := *u
	https.Scheme, https.User = "https", nil
	suggest, why := https.String(), ""
	if raw == SandboxOpenproviderURL {
		// WHMCS's module in test mode; the example configuration's sandbox.
		suggest, why = "https://api.sandbox.openprovider.nl", " (WHMCS's Openprovider module is in test mode, whose sandbox URL is plain http)"
	}
	l.keyProblem(key, "%q is plain http to %s, which is not this machine%s: the login and every token would cross the network in clear text, so nothing is sent; "+
		"set %s (in the file, %s or --%s) to an https:// URL such as %q (http:// is accepted only for localhost, 127.0.0.1 and ::1: a simulator or an SSH tunnel)",
		u.Redacted(), u.Hostname(), why, key, env, flag, suggest)
}

// DSNTransportWarning says when the WHMCS database connection leaves this
// machine without TLS (a TCP host that is not loopback, the DSN's tls
// parameter absent, false or preferred: the database password and every
// row travel in clear text), or with TLS whose server certificate is not
// verified (tls=skip-verify, $db_tls_verify_cert off: anyone on the path
// can pose as the server). fix names the setting that secures it. Both are
// "" when the connection is local or encrypted and verified.
func DSNTransportWarning(cfg *Config, src *Sources) (problem, fix string) {
	if cfg == nil || cfg.WHMCS.DSN == "" {
		return "", ""
	}
	mc, err := mysql.ParseDSN(cfg.WHMCS.DSN.Reveal())
	if err != nil || !whmcsdb.Remote(mc) {
		return "", ""
	}
	fromWHMCS := strings.HasPrefix(string(src.Of("whmcs.dsn")), "whmcs ")
	var php *whmcsconf.PHPConfig
	if fromWHMCS && cfg.FromWHMCS != nil {
		php = cfg.FromWHMCS.ConfigPHP
	}
	switch {
	case whmcsdb.PlainTransport(mc):
		problem = fmt.Sprintf("the WHMCS database at %s is reached over TCP without TLS: the database password and every row cross the network in clear text", mc.Addr)
		if strings.EqualFold(mc.TLSConfig, "preferred") {
			problem = fmt.Sprintf("the WHMCS database at %s is reached with tls=preferred, which falls back to clear text when TLS is refused on the way: the database password and every row could cross the network in clear text", mc.Addr)
		}
		fix = "add the DSN parameter tls=true to whmcs.dsn (e.g. …/whmcs?tls=true: the server's certificate is checked against the system roots)"
		if fromWHMCS {
			fix = "set $db_tls_ca (and $db_tls_cert and $db_tls_key if the server asks for a client certificate) in configuration.php, as for WHMCS itself, or set whmcs.dsn with the DSN parameter tls=true"
		}
	case strings.EqualFold(mc.TLSConfig, "skip-verify"):
		problem = fmt.Sprintf("the WHMCS database at %s is reached with tls=skip-verify: the server's certificate is not checked, so anyone on the path can pose as the server", mc.Addr)
		fix = "use the DSN parameter tls=true in whmcs.dsn (the server's certificate checked against the system roots), or whmcs.dir with $db_tls_ca in configuration.php"
	case php != nil && php.TLS.Enabled() && !php.TLS.VerifyCert:
		problem = fmt.Sprintf("the WHMCS database at %s is reached with TLS but $db_tls_verify_cert is off in configuration.php: the server's certificate is not checked, so anyone on the path can pose as the server", mc.Addr)
		fix = "remove $db_tls_verify_cert from configuration.php (or set it to 1), with $db_tls_ca naming the CA that signs the server's certificate"
	}
	return problem, fix
}
