package config

// The drop-in: configuration read from a WHMCS installation (whmcs.dir or
// --whmcs DIR). One rule of precedence everywhere: flags > environment >
// YAML file > WHMCS > built-in defaults. loadWHMCSDir does the I/O (the two
// PHP files and the database); whmcsValues (whmcsvalues.go) turns what was
// read into candidate settings as a pure function; loader.applyWHMCS
// (whmcsmerge.go) fills only the keys nothing above WHMCS set.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcsconf"
)

// SandboxOpenproviderURL is the REST endpoint the Openprovider module uses
// when its test_mode is on.
const SandboxOpenproviderURL = "http://api.sandbox.openprovider.nl:8480"

// whmcsRegistrar is the module name in tblregistrars.
const whmcsRegistrar = "openprovider"

// WHMCSSettings is what a WHMCS directory says: candidate values for
// configuration keys, each with its source, and the warnings reading it
// produced. Printing it with any verb shows only a summary (it holds the
// database and registrar passwords).
type WHMCSSettings struct {
	Dir       string
	ConfigPHP *whmcsconf.PHPConfig // configuration.php
	// DB is the database server of configuration.php that answered (the
	// candidate tried first that accepted the login); nil when whmcs.dsn
	// was set above WHMCS and used instead.
	DB       *mysql.Config
	Values   []WHMCSValue
	Warnings []string
	// WrongKey: $cc_encryption_hash does not decrypt this database's
	// values; none of them (credentials, MailConfig) was used.
	WrongKey bool
	// NativeSync: the Openprovider module's syncUseNativeWHMCS is on (module
	// file, or tblregistrars for module 3.3 and older): WHMCS's native sync
	// also changes these domains.
	NativeSync bool
}

// WHMCSValue is one candidate value: Value has the key's Go type (string,
// int, bool, []string, Secret, DSN).
type WHMCSValue struct {
	Key    string
	Value  any
	Source Source
	group  string // "report.smtp": the mail transport, taken whole or not at all
}

// String summarises the settings without any secret.
func (w *WHMCSSettings) String() string {
	if w == nil {
		return "<no WHMCS directory>"
	}
	return fmt.Sprintf("WHMCS directory %s (%d settings, %d warnings)", w.Dir, len(w.Values), len(w.Warnings))
}

// Format shows String for every verb.
func (w *WHMCSSettings) Format(f fmt.State, verb rune) { formatMasked(f, verb, w.String()) }

// value returns the candidate for key.
func (w *WHMCSSettings) value(key string) (WHMCSValue, bool) {
	for _, v := range w.Values {
		if v.Key == key {
			return v, true
		}
	}
	return WHMCSValue{}, false
}

// secrets lists the secret values the settings hold, for scrubbing messages.
func (w *WHMCSSettings) secrets() []string {
	var out []string
	if w.ConfigPHP != nil {
		out = append(out, w.ConfigPHP.DBPassword, w.ConfigPHP.CCEncryptionHash)
	}
	if w.DB != nil {
		out = append(out, w.DB.Passwd)
	}
	for _, v := range w.Values {
		switch s := v.Value.(type) {
		case Secret:
			out = append(out, s.Reveal())
		case DSN:
			out = append(out, s.Password())
		}
	}
	return out
}

// whmcsConfigNames are the tblconfiguration settings read.
var whmcsConfigNames = []string{
	"Version", "DomainSyncEnabled",
	"CompanyName", "Email", "SystemEmailsFromName", "SystemEmailsFromEmail", "BCCMessages", "DisableEmailSending",
	"MailConfig", "MailType", "SMTPHost", "SMTPPort", "SMTPUsername", "SMTPPassword", "SMTPSSL",
}

// loadWHMCSDir reads the WHMCS installation in dir: configuration.php, the
// database it names (or dsn when set above WHMCS), tblconfiguration,
// tblregistrars and the Openprovider module's advanced configuration. No
// password or key appears in its errors.
func loadWHMCSDir(ctx context.Context, dir string, dsn DSN) (*WHMCSSettings, error) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("WHMCS directory %s: %w", dir, unwrapPathError(err))
	} else if !st.IsDir() {
		return nil, fmt.Errorf("WHMCS directory %s: not a directory", dir)
	}
	php, err := whmcsconf.ReadConfigPHP(filepath.Join(dir, "configuration.php"))
	if err != nil {
		return nil, err
	}
	in := whmcsInput{Dir: dir, ConfigPath: php.Path, ModulePath: filepath.Join(dir, whmcsconf.ModuleConfigPath), Hash: php.CCEncryptionHash}
	for _, w := range php.Warnings {
		in.FileWarnings = append(in.FileWarnings, fmt.Sprintf("%s: %s", php.Path, w))
	}

	switch _, err := os.Stat(in.ModulePath); {
	case err == nil:
		vals, warns, err := whmcsconf.ReadReturnArray(in.ModulePath)
		if err != nil {
			return nil, err
		}
		in.Module, in.ModuleWarnings = vals, warns
	case errors.Is(err, fs.ErrNotExist):
		// module 3.3 or older: the options are in tblregistrars
	default:
		return nil, fmt.Errorf("%s: %w", in.ModulePath, unwrapPathError(err))
	}

	opts := whmcsdb.Options{SQLMode: php.SQLMode, Charset: php.MySQLCharset}
	var db *whmcsdb.DB
	var dbCfg *mysql.Config
	if dsn != "" {
		if db, err = whmcsdb.Open(ctx, dsn.Reveal(), opts); err != nil {
			return nil, err
		}
	} else if db, dbCfg, err = openConfigPHP(ctx, php, opts); err != nil {
		return nil, err
	}
	defer db.Close()
	if in.Config, err = db.Settings(ctx, whmcsConfigNames...); err != nil {
		return nil, err
	}
	if in.Registrar, err = db.RegistrarSettings(ctx, whmcsRegistrar); err != nil {
		return nil, err
	}
	w := whmcsValues(in)
	w.ConfigPHP, w.DB = php, dbCfg
	if dbCfg != nil {
		w.Values = append([]WHMCSValue{{Key: "whmcs.dsn", Value: DSN(dbCfg.FormatDSN()), Source: SourceWHMCS(php.Path)}}, w.Values...)
	}
	return w, nil
}

// openConfigPHP connects to the database configuration.php names, trying
// its endpoint candidates in order (for localhost: the usual Unix sockets,
// then TCP 127.0.0.1), and returns the first that answers with its config.
func openConfigPHP(ctx context.Context, php *whmcsconf.PHPConfig, opts whmcsdb.Options) (*whmcsdb.DB, *mysql.Config, error) {
	base, cands, err := php.MySQLConfig()
	if err != nil {
		return nil, nil, err
	}
	var tried []string
	for _, c := range cands {
		cfg := c.Apply(base)
		db, err := whmcsdb.OpenConfig(ctx, cfg, opts)
		if err == nil {
			return db, cfg, nil
		}
		if ctx.Err() != nil {
			return nil, nil, err
		}
		tried = append(tried, fmt.Sprintf("%s: %v", c, err))
	}
	msg := fmt.Sprintf("%s: cannot connect to the WHMCS database:\n    %s", php.Path, strings.Join(tried, "\n    "))
	if php.DBPassword != "" {
		msg = strings.ReplaceAll(msg, php.DBPassword, mask)
	}
	return nil, nil, errors.New(msg)
}

// OpenWHMCSDB opens the WHMCS database: whmcs.dsn when set (by any level,
// including configuration.php's answering server), otherwise the database
// whmcs.dir's configuration.php names, trying its endpoints in order. The
// session sql_mode and charset come from configuration.php when a WHMCS
// directory is known; opts supplies the rest (Logger, Location).
func OpenWHMCSDB(ctx context.Context, cfg *Config, opts whmcsdb.Options) (*whmcsdb.DB, error) {
	opts.AllowNonTransactional = opts.AllowNonTransactional || cfg.WHMCS.AllowNonTransactional
	if opts.MaxOpenConns == 0 {
		opts.MaxOpenConns = cfg.WHMCS.MaxOpenConns
	}
	php := (*whmcsconf.PHPConfig)(nil)
	if cfg.FromWHMCS != nil {
		php = cfg.FromWHMCS.ConfigPHP
	}
	if php == nil && cfg.WHMCS.Dir != "" {
		var err error
		if php, err = whmcsconf.ReadConfigPHP(filepath.Join(cfg.WHMCS.Dir, "configuration.php")); err != nil {
			return nil, err
		}
	}
	if php != nil {
		opts.SQLMode, opts.Charset = php.SQLMode, php.MySQLCharset
	}
	switch {
	case cfg.WHMCS.DSN != "":
		return whmcsdb.Open(ctx, cfg.WHMCS.DSN.Reveal(), opts)
	case php != nil:
		db, _, err := openConfigPHP(ctx, php, opts)
		return db, err
	}
	return nil, errors.New("whmcs: set whmcs.dsn or whmcs.dir")
}
