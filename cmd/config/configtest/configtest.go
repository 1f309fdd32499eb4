// Package configtest holds the fixtures the configuration tests share
// with the command tests: a WHMCS installation (configuration.php, the
// Openprovider module's file and a test database holding values encrypted
// with a random $cc_encryption_hash).
package configtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/domainsync/domainsync/whmcsdb/whmcsconf"
	"github.com/domainsync/domainsync/whmcsdb/whmcscrypt"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// Secrets of the WHMCS fixtures: none may appear in any output.
const (
	WHMCSOPPass   = "wh-op-pw-Qz8SECRET&amp;x"
	WHMCSSMTPPass = "wh-smtp-pw-Rt3SECRET"
)

// RandomHash is a $cc_encryption_hash as the installer makes them: 64
// random characters from [a-zA-Z0-9].
func RandomHash(t testing.TB) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 64)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Encrypt encrypts plain with hash as WHMCS does.
func Encrypt(t testing.TB, plain, hash string) string {
	t.Helper()
	c, err := whmcscrypt.Encrypt(plain, hash)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// PHPQuote writes s as a single-quoted PHP string.
func PHPQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// WHMCSFixture is a WHMCS directory and its database.
type WHMCSFixture struct {
	Dir  string
	DSN  string        // the test database
	Conf *mysql.Config // its parsed DSN
	Hash string        // the key the database's values are encrypted with
}

// ModuleFile is an advanced-module-configurations.php setting some keys
// (and leaving updateInterval, sendEmptyActivityEmail and the two push
// toggles out, so that the defaults apply to them).
const ModuleFile = `<?php
$x = getenv('NOPE');
return [
    'api_url' => 'https://api.openprovider.eu',
    'syncUseNativeWHMCS' => false,
    'syncDomainStatus' => true,
    'syncExpiryDate' => false,
    'updateNextDueDate' => true,
    'nextDueDateOffset' => 7,
    'nextDueDateUpdateMaxDayDifference' => 60,
    'domainProcessingLimit' => 150,
    'test_mode_tlds' => ['com', 'nl'],
];
`

// NewWHMCS builds a WHMCS directory (configuration.php with key, the module
// file when module is not "") over a fresh test database whose
// tblregistrars and tblconfiguration hold values encrypted with a random key.
// configKey is the key written to configuration.php ("" = the right one).
func NewWHMCS(t *testing.T, module, configKey, dbHost string) *WHMCSFixture {
	t.Helper()
	dsn := whmcstest.NewDB(t)
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	f := &WHMCSFixture{Dir: t.TempDir(), DSN: dsn, Conf: mc, Hash: RandomHash(t)}
	host, port, _ := strings.Cut(mc.Addr, ":")
	if dbHost != "" {
		host = dbHost
	}
	if configKey == "" {
		configKey = f.Hash
	}
	php := fmt.Sprintf(`<?php
$license = 'WHMCS-xxxx';
$db_host = %s;
$db_port = %s;
$db_username = %s;
$db_password = %s;
$db_name = %s;
$cc_encryption_hash = %s;
$templates_compiledir = 'templates_c';
$mysql_charset = 'utf8';
`, PHPQuote(host), PHPQuote(port), PHPQuote(mc.User), PHPQuote(mc.Passwd), PHPQuote(mc.DBName), PHPQuote(configKey))
	if err := os.WriteFile(filepath.Join(f.Dir, "configuration.php"), []byte(php), 0o600); err != nil {
		t.Fatal(err)
	}
	if module != "" {
		p := filepath.Join(f.Dir, whmcsconf.ModuleConfigPath)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(module), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	db := whmcstest.Open(t, dsn)
	whmcstest.InsertRegistrarSetting(t, db, "openprovider", "Username", Encrypt(t, "whmcs-reseller", f.Hash))
	whmcstest.InsertRegistrarSetting(t, db, "openprovider", "Password", Encrypt(t, WHMCSOPPass, f.Hash))
	// Test mode off: its sandbox URL is plain http, which loading refuses
	// (cmd's TestPlainRegistrarURLRefusedFromEverySource turns it on).
	whmcstest.InsertRegistrarSetting(t, db, "openprovider", "test_mode", Encrypt(t, "", f.Hash))
	whmcstest.InsertRegistrarSetting(t, db, "otherregistrar", "Username", Encrypt(t, "someone-else", f.Hash))
	mailConfig := `{"module":"SmtpMail","configuration":{"encoding":"0","service_provider":"Generic","host":"smtp.example.com","port":"587","auth_type":"plain","username":"mailer@example.com","password":"` + WHMCSSMTPPass + `","secure":"tls","debug":""}}`
	for k, v := range map[string]string{
		"Version":               "8.12.1-release.1",
		"MailConfig":            Encrypt(t, mailConfig, f.Hash),
		"MailType":              "mail", // left behind by the 8.0 conversion: ignored
		"SystemEmailsFromName":  "Example &amp; Co",
		"SystemEmailsFromEmail": "noreply@example.com",
		"CompanyName":           "Not Used",
		"BCCMessages":           "audit@example.com, not an address",
		"DomainSyncEnabled":     "on",
	} {
		whmcstest.SetConfig(t, db, k, v)
	}
	return f
}

// Secrets the configuration and command tests use: none of them may appear
// in any output or error, plain or hex-encoded (AssertNoSecret).
const (
	SecretDSNPass  = "dsn-pw-Xq7SECRET"
	SecretOPPass   = "op-pw-Kd9SECRET"
	SecretSMTPPass = "smtp-pw-Lm2SECRET"
	SecretEnvOP    = "env-op-pw-Vb4SECRET"
	SecretEnvSMTP  = "env-smtp-pw-Zt5SECRET"
	SecretEnvDSN   = "env-dsn-pw-Yh6SECRET"
)

// AllSecrets are the Secret constants.
var AllSecrets = []string{SecretDSNPass, SecretOPPass, SecretSMTPPass, SecretEnvOP, SecretEnvSMTP, SecretEnvDSN}

// AssertNoSecret fails t when s (what: which output) holds one of
// AllSecrets, plain or hex-encoded.
func AssertNoSecret(t testing.TB, what, s string) {
	t.Helper()
	for _, sec := range AllSecrets {
		if strings.Contains(s, sec) || strings.Contains(s, hex.EncodeToString([]byte(sec))) {
			t.Errorf("%s contains the secret %q:\n%s", what, sec, s)
		}
	}
}
