package config

// The drop-in: configuration read from a WHMCS installation (whmcs.dir or
// --whmcs DIR). One rule of precedence everywhere: flags > environment >
// YAML file > WHMCS > built-in defaults. loadWHMCSDir does the I/O (the two
// PHP files and the database); whmcsValues turns what was read into
// candidate settings as a pure function; loader.applyWHMCS fills only the
// keys nothing above WHMCS set.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcsconf"
	"github.com/domainsync/domainsync/whmcsdb/whmcscrypt"
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

// ---------------------------------------------------------------------------
// Reading (I/O)

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

// ---------------------------------------------------------------------------
// Interpreting (pure)

// whmcsInput is everything read from a WHMCS installation.
type whmcsInput struct {
	Dir, ConfigPath, ModulePath string
	Hash                        string                     // $cc_encryption_hash
	Config                      map[string]string          // tblconfiguration
	Registrar                   map[string]string          // tblregistrars rows of openprovider, encrypted
	Module                      map[string]whmcsconf.Value // advanced-module-configurations.php; nil when absent
	ModuleWarnings              []whmcsconf.Warning
	FileWarnings                []string
}

// moduleKeys maps the module's sync options onto configuration keys.
var moduleKeys = []struct{ php, key string }{
	{"domainProcessingLimit", "sync.batch_size"},
	{"updateInterval", "sync.update_interval"},
	{"nextDueDateOffset", "sync.due_date_offset"},
	{"nextDueDateUpdateMaxDayDifference", "sync.due_date_max_difference"},
	{"updateNextDueDate", "sync.due_date"},
	{"syncExpiryDate", "sync.expiry_date"},
	{"syncDomainStatus", "sync.status"},
	{"syncAutoRenewSetting", "sync.auto_renew"},
	{"syncIdentityProtectionToggle", "sync.id_protection"},
	{"sendEmptyActivityEmail", "report.send_empty"},
}

func moduleValue(o whmcsconf.ModuleOptions, php string) any {
	switch php {
	case "domainProcessingLimit":
		return o.DomainProcessingLimit
	case "updateInterval":
		return formatInterval(o.UpdateInterval)
	case "nextDueDateOffset":
		return o.NextDueDateOffset
	case "nextDueDateUpdateMaxDayDifference":
		return o.NextDueDateUpdateMaxDayDifference
	case "updateNextDueDate":
		return o.UpdateNextDueDate
	case "syncExpiryDate":
		return o.SyncExpiryDate
	case "syncDomainStatus":
		return o.SyncDomainStatus
	case "syncAutoRenewSetting":
		return o.SyncAutoRenewSetting
	case "syncIdentityProtectionToggle":
		return o.SyncIdentityProtectionToggle
	case "sendEmptyActivityEmail":
		return o.SendEmptyActivityEmail
	}
	return nil
}

// whmcsValues interprets what was read. Encrypted values are decrypted with
// in.Hash; when any of them is implausible the key is wrong and none is used.
func whmcsValues(in whmcsInput) *WHMCSSettings {
	w := &WHMCSSettings{Dir: in.Dir, Warnings: slices.Clone(in.FileWarnings)}
	add := func(key string, v any, src Source, group string) {
		w.Values = append(w.Values, WHMCSValue{Key: key, Value: v, Source: src, group: group})
	}
	warn := func(format string, args ...any) { w.Warnings = append(w.Warnings, fmt.Sprintf(format, args...)) }

	// Decrypt everything first: one implausible value means a wrong key.
	regs := map[string]string{}
	for setting, stored := range in.Registrar {
		plain, err := whmcscrypt.DecryptText(stored, in.Hash)
		switch {
		case errors.Is(err, whmcscrypt.ErrWrongKey):
			w.WrongKey = true
		case err != nil:
			warn("tblregistrars %s %s: %v; ignored", whmcsRegistrar, setting, err)
		default:
			regs[setting] = plain
		}
	}
	if v, ok := regs["test_mode"]; ok {
		if _, ok := whmcsconf.String(v).LooseBool(); !ok {
			w.WrongKey = true // yes/no settings decrypt to 'on' or ''
		}
	}
	cfgEnc := map[string]string{}
	for _, name := range []string{"MailConfig", "SMTPPassword"} {
		stored, ok := in.Config[name]
		if !ok {
			continue
		}
		plain, err := whmcscrypt.DecryptText(stored, in.Hash)
		switch {
		case errors.Is(err, whmcscrypt.ErrWrongKey):
			w.WrongKey = true
		case err != nil:
			warn("tblconfiguration %s: %v; ignored", name, err)
		default:
			cfgEnc[name] = plain
		}
	}
	if w.WrongKey {
		warn("%s: %v: the values WHMCS encrypted (tblregistrars, MailConfig, SMTPPassword) cannot be read and none is used", in.ConfigPath, whmcscrypt.ErrWrongKey)
		regs, cfgEnc = map[string]string{}, map[string]string{}
	}

	// Conflicts.
	if phpTruthy(in.Config["DomainSyncEnabled"]) {
		warn("WHMCS's own domain sync is on (tblconfiguration DomainSyncEnabled): WHMCS's cron and domainsync would both change these domains; switch it off under Configuration > System Settings > Automation Settings")
	}

	// Registrar.
	regSrc := func(setting string) Source { return SourceWHMCS("tblregistrars " + whmcsRegistrar + " " + setting) }
	if len(in.Registrar) == 0 {
		warn("tblregistrars has no %s settings: the Openprovider module is not activated in this WHMCS", whmcsRegistrar)
	}
	if v := regs["Username"]; v != "" {
		add("registrars.openprovider.username", v, regSrc("Username"), "")
	}
	if v := regs["Password"]; v != "" {
		add("registrars.openprovider.password", Secret(v), regSrc("Password"), "")
	}
	if on, _ := whmcsconf.String(regs["test_mode"]).LooseBool(); on {
		add("registrars.openprovider.url", SandboxOpenproviderURL, regSrc("test_mode"), "")
	}

	// Module options: the file (4.0+), else tblregistrars (3.3 and older).
	vals, modSrc := in.Module, func(k string) Source { return SourceWHMCS(in.ModulePath + " " + k) }
	if vals == nil {
		vals, modSrc = map[string]whmcsconf.Value{}, regSrc
		for _, k := range moduleKeys {
			if v, ok := regs[k.php]; ok {
				vals[k.php] = whmcsconf.String(v)
			}
		}
		if v, ok := regs["syncUseNativeWHMCS"]; ok {
			vals["syncUseNativeWHMCS"] = whmcsconf.String(v)
		}
	}
	opts, mwarn := whmcsconf.ModuleOptionsFrom(vals, in.ModuleWarnings)
	for _, mw := range mwarn {
		where := in.ModulePath
		if in.Module == nil {
			where = "tblregistrars " + whmcsRegistrar
		}
		warn("%s: %s", where, mw)
	}
	for _, k := range moduleKeys {
		if opts.Set[k.php] {
			add(k.key, moduleValue(opts, k.php), modSrc(k.php), "")
		}
	}
	if opts.SyncUseNativeWHMCS {
		w.NativeSync = true
		warn("the Openprovider module has syncUseNativeWHMCS on: WHMCS's native sync changes these domains too; set it to false when domainsync runs")
	}

	mailValues(in.Config, cfgEnc, add, warn)
	return w
}

// mailValues reads the sender, BCC, the mail switch and the transport.
func mailValues(conf, decrypted map[string]string, add func(string, any, Source, string), warn func(string, ...any)) {
	confSrc := func(name string) Source { return SourceWHMCS("tblconfiguration " + name) }
	if phpTruthy(conf["DisableEmailSending"]) {
		add("report.mail_disabled", true, confSrc("DisableEmailSending"), "")
		warn("WHMCS has e-mail sending disabled (tblconfiguration DisableEmailSending): no report will be mailed")
	}

	nameKey, addrKey := "SystemEmailsFromName", "SystemEmailsFromEmail"
	if strings.TrimSpace(conf[nameKey]) == "" {
		nameKey = "CompanyName"
	}
	if strings.TrimSpace(conf[addrKey]) == "" {
		addrKey = "Email"
	}
	if addr := strings.TrimSpace(html.UnescapeString(conf[addrKey])); addr != "" {
		if a, err := mail.ParseAddress(addr); err != nil {
			warn("tblconfiguration %s: %q is not a mail address; ignored", addrKey, addr)
		} else {
			from := &mail.Address{Name: strings.TrimSpace(html.UnescapeString(conf[nameKey])), Address: a.Address}
			add("report.from", from.String(), confSrc(addrKey), "")
		}
	}
	if raw := html.UnescapeString(conf["BCCMessages"]); strings.TrimSpace(raw) != "" {
		var bcc []string
		for _, part := range strings.Split(raw, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			a, err := mail.ParseAddress(part)
			if err != nil {
				warn("tblconfiguration BCCMessages: %q is not a mail address; left out (as WHMCS does)", part)
				continue
			}
			bcc = append(bcc, a.Address)
		}
		if len(bcc) > 0 {
			add("report.bcc", bcc, confSrc("BCCMessages"), "")
		}
	}

	t, src, ok := mailTransport(conf, decrypted, warn)
	if !ok {
		return
	}
	g := "report.smtp"
	if t.Sendmail != "" { // PhpMail: the local sendmail
		add("report.smtp.sendmail", t.Sendmail, src, g)
		return
	}
	add("report.smtp.host", t.Host, src, g)
	add("report.smtp.port", t.Port, src, g)
	add("report.smtp.tls", t.TLS, src, g)
	if t.Username != "" {
		add("report.smtp.username", t.Username, src, g)
		add("report.smtp.password", t.Password, src, g)
	}
}

// mailTransport works out WHMCS's mail transport: MailConfig on 8.0 and
// later, MailType/SMTP* before. ok is false when there is none to use.
func mailTransport(conf, decrypted map[string]string, warn func(string, ...any)) (t SMTPConfig, src Source, ok bool) {
	major := 0
	if v := conf["Version"]; v != "" {
		major, _ = strconv.Atoi(strings.TrimSpace(v[:strings.IndexFunc(v+".", func(r rune) bool { return r < '0' || r > '9' })]))
	}
	_, hasMailConfig := conf["MailConfig"]
	pre8 := (major > 0 && major < 8) || (major == 0 && !hasMailConfig && conf["MailType"] != "")
	if pre8 {
		src = SourceWHMCS("tblconfiguration MailType")
		if !strings.EqualFold(strings.TrimSpace(conf["MailType"]), "smtp") {
			return phpMail(src, warn)
		}
		src = SourceWHMCS("tblconfiguration SMTPHost")
		secure := map[string]string{"": "none", "ssl": "ssl", "tls": "tls"}[strings.ToLower(strings.TrimSpace(conf["SMTPSSL"]))]
		if secure == "" {
			warn("tblconfiguration SMTPSSL: %q is not '', ssl or tls; WHMCS's SMTP settings are not used", conf["SMTPSSL"])
			return t, src, false
		}
		return smtpFrom(map[string]string{
			"host": conf["SMTPHost"], "port": conf["SMTPPort"], "username": conf["SMTPUsername"],
			"password": decrypted["SMTPPassword"], "secure": secure,
		}, "25", src, "tblconfiguration SMTP*", warn)
	}

	src = SourceWHMCS("tblconfiguration MailConfig")
	plain, ok := decrypted["MailConfig"]
	if !ok || plain == "" {
		if hasMailConfig && conf["MailConfig"] != "" {
			return t, src, false // undecryptable: already warned
		}
		return phpMail(SourceWHMCS("tblconfiguration MailConfig (not set: PhpMail)"), warn)
	}
	module, settings, err := parseMailConfig(plain)
	if err != nil {
		warn("tblconfiguration MailConfig: %v; WHMCS would fall back to PhpMail", err)
		return phpMail(src, warn)
	}
	switch module {
	case "SmtpMail":
		if at := strings.ToLower(settings["auth_type"]); at != "" && at != "plain" {
			warn("tblconfiguration MailConfig: SmtpMail with auth_type %q (OAuth2) is not supported; set report.smtp.* for domainsync", settings["auth_type"])
			return t, src, false
		}
		if settings["secure"] == "" {
			settings["secure"] = "ssl"
		}
		return smtpFrom(settings, "465", src, "tblconfiguration MailConfig", warn)
	case "PhpMail":
		return phpMail(src, warn)
	}
	warn("tblconfiguration MailConfig: mail module %q is not supported; set report.smtp.* for domainsync", module)
	return t, src, false
}

func phpMail(src Source, warn func(string, ...any)) (SMTPConfig, Source, bool) {
	return SMTPConfig{Sendmail: sendmailPath(), TLS: TLSNone}, src, true
}

// sendmailPath is the sendmail binary PHP's mail() would run: the one on
// PATH, else /usr/sbin/sendmail (cron's PATH often lacks /usr/sbin).
func sendmailPath() string {
	if p, err := exec.LookPath("sendmail"); err == nil {
		return p
	}
	return "/usr/sbin/sendmail"
}

// smtpFrom maps SmtpMail settings (host, port, username, password, secure
// none/ssl/tls) onto report.smtp (tls none/tls/starttls).
func smtpFrom(s map[string]string, defPort string, src Source, what string, warn func(string, ...any)) (SMTPConfig, Source, bool) {
	t := SMTPConfig{Host: strings.TrimSpace(s["host"]), Username: s["username"], Password: Secret(s["password"])}
	if t.Host == "" {
		warn("%s: no SMTP host; WHMCS's SMTP settings are not used", what)
		return t, src, false
	}
	switch strings.ToLower(strings.TrimSpace(s["secure"])) {
	case "none":
		t.TLS = TLSNone
	case "ssl":
		t.TLS = TLSImplicit
	case "tls":
		t.TLS = TLSStartTLS
	default:
		warn("%s: secure %q is not none, ssl or tls; WHMCS's SMTP settings are not used", what, s["secure"])
		return t, src, false
	}
	port := strings.TrimSpace(s["port"])
	if port == "" {
		port = defPort
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		warn("%s: port %q is not a port (1-65535); WHMCS's SMTP settings are not used", what, port)
		return t, src, false
	}
	t.Port = n
	if t.Username != "" && t.Password == "" {
		warn("%s: username %q without a password: domainsync sends without authenticating", what, t.Username)
		t.Username = ""
	}
	if t.Username == "" {
		t.Password = ""
	}
	return t, src, true
}

// parseMailConfig reads a decrypted MailConfig: HTML entities decoded as
// WHMCS does, then {"module": M, "configuration": {...}} with values as text.
func parseMailConfig(plain string) (module string, settings map[string]string, err error) {
	var mc struct {
		Module        string                     `json:"module"`
		Configuration map[string]json.RawMessage `json:"configuration"`
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(plain)), &mc); err != nil {
		return "", nil, errors.New("not the JSON object WHMCS writes")
	}
	settings = map[string]string{}
	for k, raw := range mc.Configuration {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			settings[k] = s
			continue
		}
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			settings[k] = n.String()
		}
	}
	return mc.Module, settings, nil
}

// phpTruthy is PHP's truthiness of a stored setting: "" and "0" are false.
func phpTruthy(v string) bool { return v != "" && v != "0" }

// ---------------------------------------------------------------------------
// Merging (pure, in the loader)

// applyWHMCS reads whmcs.dir (when set and a reader is given) and fills
// every key whose value still is the built-in default. The mail transport
// is one unit: when report.smtp.host was set above WHMCS, none of WHMCS's
// SMTP settings is used (its credentials never go to another server).
func (l *loader) applyWHMCS() {
	if l.in.WHMCS == nil || l.doc.WHMCS.Dir == "" {
		return
	}
	w, err := l.in.WHMCS(l.doc.WHMCS.Dir, l.doc.WHMCS.DSN)
	if err != nil {
		l.failed["whmcs.dir"] = true
		l.problem("%swhmcs.dir: %v", l.at("whmcs.dir"), err)
		return
	}
	l.whmcs = w
	l.secrets = append(l.secrets, w.secrets()...)
	hostAbove := !l.src.Of("report.smtp.host").IsDefault()
	for _, v := range w.Values {
		if (v.group == "report.smtp" && hostAbove) || !l.src.Of(v.Key).IsDefault() {
			continue
		}
		if err := l.setValue(v.Key, v.Value); err != nil {
			l.problem("%s: %s: %v", v.Source, v.Key, err)
			continue
		}
		l.src.Set(v.Key, v.Source)
	}
	l.src.Warnings = append(l.src.Warnings, w.Warnings...)
}

// setValue sets a key to a typed value (see WHMCSValue).
func (l *loader) setValue(key string, v any) error {
	switch key {
	case "report.bcc":
		bcc, ok := v.([]string)
		if !ok {
			return fmt.Errorf("cannot use %T as a list of addresses", v)
		}
		l.doc.Report.BCC = slices.Clone(bcc)
		return nil
	case "report.smtp.sendmail":
		p, ok := v.(string)
		if !ok {
			return fmt.Errorf("cannot use %T as a path", v)
		}
		l.doc.Report.SMTP.Sendmail = p
		return nil
	case "report.mail_disabled":
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("cannot use %T as true or false", v)
		}
		l.doc.Report.MailDisabled = b
		return nil
	}
	k, ok := keyByPath[key]
	if !ok {
		return errors.New("unknown configuration key")
	}
	f := fieldOf(reflect.ValueOf(&l.doc).Elem(), k.Index, true)
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != f.Kind() || !rv.Type().ConvertibleTo(f.Type()) {
		return fmt.Errorf("cannot use %T as %s", v, describeType(f.Type()))
	}
	f.Set(rv.Convert(f.Type()))
	return nil
}

// validateWHMCS explains missing credentials a wrong cc_encryption_hash
// kept from being read.
func (l *loader) validateWHMCS() {
	if l.whmcs == nil || !l.whmcs.WrongKey || len(l.problems) == 0 {
		return
	}
	l.problem("%swhmcs.dir: %v (%s): WHMCS's encrypted settings, the registrar credentials among them, cannot be read",
		l.at("whmcs.dir"), whmcscrypt.ErrWrongKey, filepath.Join(l.whmcs.Dir, "configuration.php"))
}

// whmcsOnlySettings lists, for the config command, the settings only WHMCS
// sets (they have no key in the file), when it set them.
func whmcsOnlySettings(c Config, src *Sources) []Setting {
	var out []Setting
	if s := src.Of("report.bcc"); !s.IsDefault() {
		out = append(out, Setting{Key: "report.bcc", Value: formatPlain(reflect.ValueOf(c.Report.BCC)), Source: s})
	}
	if c.Report.SMTP.Sendmail != "" {
		out = append(out, Setting{Key: "report.smtp.sendmail", Value: c.Report.SMTP.Sendmail, Source: src.Of("report.smtp.sendmail")})
	}
	if s := src.Of("report.mail_disabled"); !s.IsDefault() {
		out = append(out, Setting{Key: "report.mail_disabled", Value: strconv.FormatBool(c.Report.MailDisabled), Source: s})
	}
	return out
}
