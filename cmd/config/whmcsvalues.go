package config

// Interpreting what a WHMCS installation holds (pure): credentials, module
// options, the sender and the mail transport.

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/mail"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/domainsync/domainsync/whmcsdb/whmcsconf"
	"github.com/domainsync/domainsync/whmcsdb/whmcscrypt"
)

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
