package config

// Configuration: the YAML file, the environment and the command-line flags,
// merged into one Config, with a record of where every effective value came
// from (Sources). Precedence everywhere: flags > environment > YAML file >
// (WHMCS, with the drop-in issue) > built-in defaults.
//
// Loading is two steps: Load finds and reads the file (the only I/O),
// parseConfig does everything else as a pure function of its input, so it is
// table-tested and fuzzed without touching the disk.

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/domainsync/domainsync/registrar/odr"
	"github.com/domainsync/domainsync/sync"
)

// Config is the effective configuration. Its secrets are typed (Secret, DSN)
// so that printing a Config, any part of it or any secret with any fmt verb,
// marshalling it or logging it with slog shows them masked; Reveal returns
// the real value for the one place that needs it.
type Config struct {
	WHMCS      WHMCSConfig      // whmcs:
	Registrars RegistrarsConfig // registrars:
	Sync       sync.Settings    // sync: (validated by Settings.Validate)
	Report     ReportConfig     // report:
	Reconcile  ReconcileConfig  // reconcile:

	// FromWHMCS is what was read from the WHMCS directory (whmcs.dir) when
	// the configuration was loaded; nil when none was read. See whmcsdir.go.
	FromWHMCS *WHMCSSettings `yaml:"-"`
}

// WHMCSConfig says how to reach the WHMCS database.
type WHMCSConfig struct {
	DSN                   DSN    `yaml:"dsn"` // go-sql-driver DSN
	Dir                   string `yaml:"dir"` // WHMCS directory: DB settings from configuration.php
	AllowNonTransactional bool   `yaml:"allow_non_transactional"`
}

// RegistrarsConfig holds one section per supported registrar; a nil section
// is a registrar that is not configured. Adding a registrar (odr) is adding a
// pointer field here: its name becomes a known key and is listed by the
// config command; any other name under registrars: is an error.
type RegistrarsConfig struct {
	Openprovider *OpenproviderConfig `yaml:"openprovider"`
	Odr          *ODRConfig          `yaml:"odr"`
}

// ODRConfig is the registrars.odr section (Open Domain Registry). Modules
// are the tbldomains.registrar values that belong to it (matched in any
// case; default odr). Zero tuning values mean the client's own defaults.
type ODRConfig struct {
	URL         string        `yaml:"url"`
	APIKey      string        `yaml:"api_key"`
	APISecret   Secret        `yaml:"api_secret"`
	Modules     []string      `yaml:"modules"`
	Contacts    string        `yaml:"contacts"` // report (default) | update | replace: see README "Contacts"
	RateLimit   float64       `yaml:"rate_limit"`
	Concurrency int           `yaml:"concurrency"`
	Timeout     time.Duration `yaml:"timeout"`
	Sync        *SyncOverride `yaml:"sync"` // registrars.odr.sync: overrides of sync:
}

// SyncOverride is a registrar's own sync: section (registrars.odr.sync,
// registrars.openprovider.sync): any key of the top-level sync: section.
// Only the keys set under the registrar override the top-level values (a
// list or a map replaces the top-level one whole); RegistrarSettings
// returns the merged settings. Its layout mirrors the sync: section of the
// file (see syncSection) so that keys, sources and messages line up.
type SyncOverride struct {
	UpdateInterval string           `yaml:"update_interval"`
	sync.Settings  `yaml:",inline"` // UpdateInterval holds update_interval parsed

	// Keys are the keys set under the registrar (batch_size, statuses, …),
	// in the top-level section's order; filled when the file is loaded.
	Keys []string `yaml:"-"`
}

// ReconcileConfig is the reconcile section.
type ReconcileConfig struct {
	// ExpiryToleranceDays: expiry dates that differ by more days than this
	// are reported by "domainsync reconcile".
	ExpiryToleranceDays int `yaml:"expiry_tolerance_days"`
}

// DefaultODRURL is ODR's production REST endpoint.
const DefaultODRURL = "https://api.opendomainregistry.net/"

// OpenproviderConfig is the registrars.openprovider section. Zero tuning
// values (rate limit, concurrency, timeout) mean the client's own defaults.
type OpenproviderConfig struct {
	URL         string        `yaml:"url"`
	Username    string        `yaml:"username"`
	Password    Secret        `yaml:"password"`
	RateLimit   float64       `yaml:"rate_limit"` // requests per second
	Concurrency int           `yaml:"concurrency"`
	Timeout     time.Duration `yaml:"timeout"`
	CAFile      string        `yaml:"ca_file"`
	Sync        *SyncOverride `yaml:"sync"` // registrars.openprovider.sync: overrides of sync:
}

// ReportConfig is the report section. The lead converts it (with the WHMCS
// admins and mail settings) into report.MailConfig.
type ReportConfig struct {
	SendEmpty bool       `yaml:"send_empty"`
	To        []string   `yaml:"to"` // empty: active admins whose role has System Emails
	From      string     `yaml:"from"`
	SMTP      SMTPConfig `yaml:"smtp"`

	// Set only from WHMCS (whmcs.dir), not from the file: tblconfiguration
	// BCCMessages (envelope-only recipients added to every mail) and
	// DisableEmailSending (when true no report is mailed).
	BCC          []string `yaml:"-"`
	MailDisabled bool     `yaml:"-"`
}

// SMTPConfig is report.smtp. TLS is "none", "starttls" or "tls"; a zero Port
// is filled from TLS (25, 587, 465) by Load.
type SMTPConfig struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
	TLS      string `yaml:"tls"`
	// Sendmail is the local sendmail binary used instead of SMTP; only a WHMCS
	// installation set to PhpMail sets it (no key in the file).
	Sendmail string `yaml:"-"`
}

// SMTP TLS modes.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// DefaultOpenproviderURL is the production REST endpoint.
const DefaultOpenproviderURL = "https://api.openprovider.eu"

// Environment variables read by Load. An empty variable counts as unset
// (so `DOMAINSYNC_SMTP_PASSWORD=` in a unit file does not wipe the file's value).
const (
	EnvConfig               = "DOMAINSYNC_CONFIG"
	EnvDBDSN                = "DOMAINSYNC_DB_DSN"
	EnvOpenproviderUsername = "DOMAINSYNC_OPENPROVIDER_USERNAME"
	EnvOpenproviderPassword = "DOMAINSYNC_OPENPROVIDER_PASSWORD"
	EnvOpenproviderURL      = "DOMAINSYNC_OPENPROVIDER_URL"
	EnvSMTPPassword         = "DOMAINSYNC_SMTP_PASSWORD"
	EnvODRURL               = "DOMAINSYNC_ODR_URL"
	EnvODRAPIKey            = "DOMAINSYNC_ODR_API_KEY"
	EnvODRAPISecret         = "DOMAINSYNC_ODR_API_SECRET"
)

// envKeys maps each overriding environment variable to its key, in the
// order they are applied.
var envKeys = []struct{ env, key string }{
	{EnvDBDSN, "whmcs.dsn"},
	{EnvOpenproviderURL, "registrars.openprovider.url"},
	{EnvOpenproviderUsername, "registrars.openprovider.username"},
	{EnvOpenproviderPassword, "registrars.openprovider.password"},
	{EnvODRURL, "registrars.odr.url"},
	{EnvODRAPIKey, "registrars.odr.api_key"},
	{EnvODRAPISecret, "registrars.odr.api_secret"},
	{EnvSMTPPassword, "report.smtp.password"},
}

// EnvVars lists the environment variables that override a key, in the
// order they are applied ($DOMAINSYNC_CONFIG, which names the file, aside).
func EnvVars() []string {
	out := make([]string, len(envKeys))
	for i, e := range envKeys {
		out[i] = e.env
	}
	return out
}

// DefaultSearchPaths are tried in order when neither --config nor
// $DOMAINSYNC_CONFIG names a file.
var DefaultSearchPaths = []string{"domainsync.yaml", "/etc/domainsync/domainsync.yaml"}

// maxConfigSize bounds what Load reads.
const maxConfigSize = 1 << 20

// ---------------------------------------------------------------------------
// Secrets

const mask = "********"

// Secret is a password or token. Every way of printing it shows "********"
// ("" when unset); Reveal returns the value.
type Secret string

// Reveal returns the secret itself, for the one call that needs it.
func (s Secret) Reveal() string { return string(s) }

// String returns the masked value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return mask
}

// Format masks the secret for every fmt verb (%v, %+v, %#v, %s, %q, %x …).
func (s Secret) Format(f fmt.State, verb rune) { formatMasked(f, verb, s.String()) }

// MarshalText masks the secret in JSON, YAML and text encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue masks the secret in log/slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// DSN is a go-sql-driver data source name. Printed, it shows its password
// masked (user:****@tcp(host:3306)/db); an unparseable DSN is hidden whole.
type DSN string

// Reveal returns the DSN with its password, to open the database.
func (d DSN) Reveal() string { return string(d) }

// String returns the DSN with the password masked.
func (d DSN) String() string { return maskDSN(string(d)) }

// Format masks the password for every fmt verb.
func (d DSN) Format(f fmt.State, verb rune) { formatMasked(f, verb, d.String()) }

// MarshalText masks the password in JSON, YAML and text encodings.
func (d DSN) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// LogValue masks the password in log/slog output.
func (d DSN) LogValue() slog.Value { return slog.StringValue(d.String()) }

// Password returns the DSN's password ("" when it has none or does not parse).
func (d DSN) Password() string {
	c, err := mysql.ParseDSN(string(d))
	if err != nil {
		return ""
	}
	return c.Passwd
}

func formatMasked(f fmt.State, verb rune, masked string) {
	if verb == 'q' {
		masked = strconv.Quote(masked)
	}
	io.WriteString(f, masked)
}

// maskDSN formats dsn with its password replaced by ****, using the driver's
// own parser so that what is masked is exactly what the driver would send.
func maskDSN(dsn string) string {
	if dsn == "" {
		return ""
	}
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "(invalid DSN, hidden)"
	}
	if c.Passwd != "" {
		c.Passwd = "****"
	}
	return c.FormatDSN()
}

// ---------------------------------------------------------------------------
// Sources

// Source says where an effective value came from. It is a string so that
// later loaders (WHMCS tblconfiguration, configuration.php) add their own
// constructors without touching the type.
type Source string

// SourceDefault is a built-in default.
func SourceDefault() Source { return "default" }

// SourceFile is a key at a line of a configuration file.
func SourceFile(path string, line int) Source { return Source(fmt.Sprintf("file %s:%d", path, line)) }

// SourceEnv is an environment variable.
func SourceEnv(name string) Source { return Source("env " + name) }

// SourceFlag is a command-line flag (name without dashes).
func SourceFlag(name string) Source { return Source("flag --" + name) }

// SourceWHMCS is a value read from the WHMCS installation (whmcs.dir): what
// names the table and setting or the file and key, e.g.
// "tblconfiguration MailConfig".
func SourceWHMCS(what string) Source { return Source("whmcs " + what) }

// String returns the source as shown by the config command.
func (s Source) String() string { return string(s) }

// IsDefault reports whether nothing overrode the built-in default (a later
// WHMCS loader fills only such values).
func (s Source) IsDefault() bool { return s == "" || s == SourceDefault() }

// Sources records where every effective setting came from, which file was
// read, and the warnings loading produced (the caller logs them).
type Sources struct {
	File       string   // the configuration file read; "" when none
	FileSource Source   // how File was chosen (flag --config, env DOMAINSYNC_CONFIG, default)
	Warnings   []string // problems that do not stop a run, e.g. a world-readable file with a password
	keys       map[string]Source
}

// Of returns the source of a key such as "sync.batch_size".
func (s *Sources) Of(key string) Source {
	if s == nil || s.keys[key] == "" {
		return SourceDefault()
	}
	return s.keys[key]
}

// Set records the source of a key (used by loaders of later sources).
func (s *Sources) Set(key string, src Source) {
	if s.keys == nil {
		s.keys = map[string]Source{}
	}
	s.keys[key] = src
}

// ---------------------------------------------------------------------------
// Loading

// FlagValue is one command-line override: the flag's name (without dashes),
// the configuration key it sets and its value as text (pflag's Value.String()).
type FlagValue struct {
	Name  string
	Key   string
	Value string
}

// LoadOptions say where the configuration comes from.
type LoadOptions struct {
	Path   string                      // from --config; "" searches
	Env    func(string) (string, bool) // os.LookupEnv in production; nil = empty environment
	Flags  []FlagValue                 // overrides from changed flags, see AddOverrideFlags
	Search []string                    // nil = DefaultSearchPaths
}

// Error lists every problem found in a configuration, each naming where
// (file:line, env NAME or flag --name), the key and the value.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return "configuration: " + e.Problems[0]
	}
	return fmt.Sprintf("configuration has %d problems:\n  %s", len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// Load finds the configuration file (--config, then $DOMAINSYNC_CONFIG,
// then the search paths), decodes it strictly, applies the environment and
// the flags, fills defaults and validates the result. All problems are
// returned together as a *Error; no secret appears in them.
//
// When whmcs.dir is set (by any level), the WHMCS installation is read too
// (loadWHMCSDir: configuration.php, its database, the module's advanced
// configuration) and fills every key nothing above it set.
func Load(opts LoadOptions) (*Config, *Sources, error) {
	return LoadContext(context.Background(), opts)
}

// LoadContext is Load with a context bounding the WHMCS reads.
func LoadContext(ctx context.Context, opts LoadOptions) (*Config, *Sources, error) {
	env := opts.Env
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	search := opts.Search
	if search == nil {
		search = DefaultSearchPaths
	}
	in := configInput{Env: env, Flags: opts.Flags, Searched: search,
		WHMCS: func(dir string, dsn DSN) (*WHMCSSettings, error) { return loadWHMCSDir(ctx, dir, dsn) }}

	explicit := ""
	switch {
	case opts.Path != "":
		explicit, in.FileSource = opts.Path, SourceFlag("config")
	default:
		if v, ok := env(EnvConfig); ok && v != "" {
			explicit, in.FileSource = v, SourceEnv(EnvConfig)
		}
	}
	if explicit != "" {
		if err := readConfigFile(explicit, &in); err != nil {
			return nil, nil, &Error{Problems: []string{fmt.Sprintf("%s: %v", in.FileSource, err)}}
		}
	} else {
		for _, p := range search {
			_, err := os.Stat(p)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			in.FileSource = SourceDefault()
			if err == nil {
				err = readConfigFile(p, &in)
			}
			if err != nil {
				return nil, nil, &Error{Problems: []string{err.Error()}}
			}
			break
		}
	}
	return parseConfig(in)
}

// readConfigFile reads path into in (File, Data, Mode).
func readConfigFile(path string, in *configInput) error {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config file %s: %w", path, unwrapPathError(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("config file %s: %w", path, unwrapPathError(err))
	}
	if st.IsDir() {
		return fmt.Errorf("config file %s: is a directory", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return fmt.Errorf("config file %s: %w", path, unwrapPathError(err))
	}
	if len(data) > maxConfigSize {
		return fmt.Errorf("config file %s: larger than %d bytes", path, maxConfigSize)
	}
	in.File, in.Data, in.Mode = path, data, st.Mode()
	return nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// configInput is everything parseConfig works from.
type configInput struct {
	File       string // "" when no file was found
	FileSource Source
	Data       []byte
	Mode       fs.FileMode
	Env        func(string) (string, bool)
	Flags      []FlagValue
	Searched   []string
	// WHMCS reads the WHMCS directory whmcs.dir (dsn: whmcs.dsn as set
	// above WHMCS, "" for configuration.php's database); nil reads nothing.
	WHMCS func(dir string, dsn DSN) (*WHMCSSettings, error)
}

// document is the YAML file's shape: Config's sections, with the sync
// section's update_interval as text until sync.ParseInterval reads it. Its
// field order is the order the config command lists the keys in.
type document struct {
	WHMCS      WHMCSConfig      `yaml:"whmcs"`
	Registrars RegistrarsConfig `yaml:"registrars"`
	Sync       syncSection      `yaml:"sync"`
	Report     ReportConfig     `yaml:"report"`
	Reconcile  ReconcileConfig  `yaml:"reconcile"`
}

func (d *document) config() Config {
	return Config{WHMCS: d.WHMCS, Registrars: d.Registrars, Sync: d.Sync.Settings, Report: d.Report, Reconcile: d.Reconcile}
}

func documentOf(c Config) document {
	return document{WHMCS: c.WHMCS, Registrars: c.Registrars, Sync: syncSection{UpdateInterval: formatInterval(c.Sync.UpdateInterval), Settings: c.Sync}, Report: c.Report, Reconcile: c.Reconcile}
}

type syncSection struct {
	UpdateInterval string `yaml:"update_interval"`
	sync.Settings  `yaml:",inline"`
}

func defaultDocument() document {
	s := sync.DefaultSettings()
	return document{
		Sync:      syncSection{UpdateInterval: formatInterval(s.UpdateInterval), Settings: s},
		Report:    ReportConfig{SMTP: SMTPConfig{TLS: TLSNone}},
		Reconcile: ReconcileConfig{ExpiryToleranceDays: 1},
	}
}

// loader carries one parse.
type loader struct {
	in       configInput
	doc      document
	src      *Sources
	lines    map[string]int // file: key path (statuses[1], status_map.DEL too) → line
	problems []string
	failed   map[string]bool // keys whose value could not be used: no second message
	secrets  []string        // secret values seen, scrubbed from every message
	whmcs    *WHMCSSettings  // read from whmcs.dir; nil when none
}

// parseConfig merges defaults, file, environment and flags, and validates.
func parseConfig(in configInput) (*Config, *Sources, error) {
	l := &loader{in: in, doc: defaultDocument(), src: &Sources{File: in.File, FileSource: in.FileSource}, lines: map[string]int{}, failed: map[string]bool{}}
	if in.File != "" {
		if !l.decodeFile() {
			return nil, nil, l.err()
		}
	}
	l.applyEnv()
	l.applyFlags()
	l.applyWHMCS()
	cfg := l.finish()
	cfg.FromWHMCS = l.whmcs
	l.validate(cfg)
	l.validateWHMCS()
	if len(l.problems) > 0 {
		return nil, nil, l.err()
	}
	// Status names as WHMCS spells them ("active" in the file is Active).
	cfg.Sync = cfg.Sync.Canonical()
	for i, w := range l.src.Warnings {
		l.src.Warnings[i] = l.scrub(w)
	}
	return cfg, l.src, nil
}

func (l *loader) problem(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// keyProblem reports a problem with a key's value, unless the value was
// already reported as unusable.
func (l *loader) keyProblem(path, format string, args ...any) {
	if l.failed[stripIndex(path)] {
		return
	}
	l.problem("%s%s: %s", l.at(path), path, fmt.Sprintf(format, args...))
}

// err returns the problems, those in the file in line order first.
func (l *loader) err() error {
	out := make([]string, len(l.problems))
	for i, p := range l.problems {
		out[i] = l.scrub(p)
	}
	lineOf := func(p string) int {
		if l.in.File == "" || !strings.HasPrefix(p, l.in.File+":") {
			return math.MaxInt
		}
		rest := p[len(l.in.File)+1:]
		n, err := strconv.Atoi(rest[:strings.IndexFunc(rest+":", func(r rune) bool { return r < '0' || r > '9' })])
		if err != nil {
			return math.MaxInt
		}
		return n
	}
	slices.SortStableFunc(out, func(a, b string) int { return cmp.Compare(lineOf(a), lineOf(b)) })
	return &Error{Problems: out}
}

// scrub removes every known secret from a message. Messages are built never
// to contain one; this is the second line of defence.
func (l *loader) scrub(msg string) string {
	for _, s := range l.secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, mask)
		}
	}
	return msg
}

func (l *loader) noteSecrets() {
	d := &l.doc
	l.secrets = append(l.secrets, d.WHMCS.DSN.Password(), d.Report.SMTP.Password.Reveal())
	if d.Registrars.Openprovider != nil {
		l.secrets = append(l.secrets, d.Registrars.Openprovider.Password.Reveal())
	}
	if d.Registrars.Odr != nil {
		l.secrets = append(l.secrets, d.Registrars.Odr.APISecret.Reveal())
	}
}

// where names the file position of a key, for messages.
func (l *loader) fileAt(line int) string { return fmt.Sprintf("%s:%d", l.in.File, line) }

// decodeFile decodes the file strictly onto the defaults and records the
// line of every key. It returns false when the file cannot be used at all.
func (l *loader) decodeFile() (ok bool) {
	defer func() {
		// yaml.v3 reports through panics it recovers itself; anything else
		// must still not crash a run on a bad file.
		if r := recover(); r != nil {
			l.problem("%s: cannot parse YAML: %v", l.in.File, r)
			ok = false
		}
	}()
	var root yaml.Node
	if err := yaml.Unmarshal(l.in.Data, &root); err != nil {
		l.problem("%s", l.yamlSyntax(err))
		return false
	}
	if len(root.Content) == 0 {
		return true // empty file or comments only
	}
	idx := newNodeIndex()
	idx.walk(root.Content[0], "")
	for p, n := range idx.keyLine {
		l.lines[p] = n
	}

	dec := yaml.NewDecoder(bytes.NewReader(l.in.Data))
	dec.KnownFields(true)
	err := dec.Decode(&l.doc)
	var te *yaml.TypeError
	switch {
	case errors.As(err, &te):
		for _, msg := range te.Errors {
			l.problem("%s", l.rewriteTypeError(msg, idx))
		}
	case err != nil && !errors.Is(err, io.EOF):
		l.problem("%s", l.yamlSyntax(err))
		return false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		l.problem("%s:%d: only one YAML document is allowed", l.in.File, extra.Line)
	}
	// yaml.v3 silently truncates 1.5 into an int field: refuse it.
	for _, v := range idx.values {
		k, ok := keyByPath[stripIndex(v.path)]
		if ok && isIntKind(elemKind(k, v.path)) && v.node.Kind == yaml.ScalarNode && v.node.ShortTag() == "!!float" {
			l.failed[k.Path] = true
			l.problem("%s: %s: cannot use %s as a whole number", l.fileAt(v.node.Line), v.path, l.describeValue(v.path, v.node))
		}
	}
	l.noteSecrets()

	// Sources: every known key written in the file (a null scalar leaves a
	// scalar at its default, so it is not the file's value).
	var secretKeys []string
	for _, k := range configKeys {
		line, ok := idx.keyLine[k.Path]
		if !ok {
			continue
		}
		if v := idx.valueOf[k.Path]; v != nil && v.ShortTag() == "!!null" && !nilable(k.Type) {
			continue
		}
		l.src.Set(k.Path, SourceFile(l.in.File, line))
		if k.Secret && l.secretValue(k.Path) != "" {
			secretKeys = append(secretKeys, k.Path)
		}
	}
	if len(secretKeys) > 0 && l.in.Mode.Perm()&0o077 != 0 {
		l.src.Warnings = append(l.src.Warnings, fmt.Sprintf(
			"%s holds a password (%s) but is readable by group or others (mode %04o): run chmod 600 %s, or move the secret to the environment",
			l.in.File, strings.Join(secretKeys, ", "), l.in.Mode.Perm(), l.in.File))
	}
	return true
}

// secretValue is the clear value of a secret key in the current document.
func (l *loader) secretValue(key string) string {
	switch key {
	case "whmcs.dsn":
		return l.doc.WHMCS.DSN.Password()
	case "report.smtp.password":
		return l.doc.Report.SMTP.Password.Reveal()
	case "registrars.openprovider.password":
		if l.doc.Registrars.Openprovider != nil {
			return l.doc.Registrars.Openprovider.Password.Reveal()
		}
	case "registrars.odr.api_secret":
		if l.doc.Registrars.Odr != nil {
			return l.doc.Registrars.Odr.APISecret.Reveal()
		}
	}
	return ""
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlSyntax rewrites "yaml: line 3: msg" as "file:3: msg".
func (l *loader) yamlSyntax(err error) string {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Sprintf("%s:%s: %s", l.in.File, m[1], m[2])
	}
	return fmt.Sprintf("%s: %s", l.in.File, strings.TrimPrefix(err.Error(), "yaml: "))
}

var (
	notFoundRE  = regexp.MustCompile("^line (\\d+): field (.*) not found in type .*$")
	cannotRE    = regexp.MustCompile("^line (\\d+): cannot unmarshal (\\S+)(?: `(.*)`)? into (.*)$")
	duplicateRE = regexp.MustCompile("^line (\\d+): mapping key \"(.*)\" already defined at line (\\d+)$")
	lineRE      = regexp.MustCompile(`^line (\d+): (.*)$`)
)

// rewriteTypeError turns one yaml.v3 TypeError line into
// "file:line: key.path: what is wrong", using the node index for the path.
func (l *loader) rewriteTypeError(msg string, idx *nodeIndex) string {
	if m := notFoundRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		path := idx.keyAt(line, m[2])
		if path == "" {
			return fmt.Sprintf("%s: unknown key %q", l.fileAt(line), m[2])
		}
		parent, name := splitPath(path)
		if parent == "registrars" {
			return fmt.Sprintf("%s: %s: unknown registrar %q (supported: %s)", l.fileAt(line), path, name, strings.Join(childKeys("registrars"), ", "))
		}
		hint := ""
		if s := suggest(name, childKeys(parent)); s != "" {
			hint = fmt.Sprintf(" (did you mean %s?)", s)
		}
		return fmt.Sprintf("%s: %s: unknown key%s", l.fileAt(line), path, hint)
	}
	if m := cannotRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		v := idx.valueAt(line, m[2], m[3])
		if v == nil {
			return fmt.Sprintf("%s: cannot use a %s value as %s", l.fileAt(line), strings.TrimPrefix(m[2], "!!"), m[4])
		}
		if v.path == "" {
			return fmt.Sprintf("%s: the file must be a mapping of sections (whmcs, registrars, sync, report)", l.fileAt(line))
		}
		l.failed[stripIndex(v.path)] = true
		return fmt.Sprintf("%s: %s: cannot use %s as %s", l.fileAt(line), v.path, l.describeValue(v.path, v.node), describeTarget(v.path))
	}
	if m := duplicateRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		path := idx.keyAt(line, m[2])
		if path == "" {
			path = m[2]
		}
		return fmt.Sprintf("%s: %s: duplicate key (first at line %s)", l.fileAt(line), path, m[3])
	}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s:%s: %s", l.in.File, m[1], m[2])
	}
	return fmt.Sprintf("%s: %s", l.in.File, msg)
}

// describeValue quotes a scalar (never a secret's) or names the node kind.
func (l *loader) describeValue(path string, n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	if k, ok := keyByPath[stripIndex(path)]; ok && k.Secret {
		return "the value given"
	}
	return strconv.Quote(n.Value)
}

// describeTarget says what a key accepts.
func describeTarget(path string) string {
	if _, key, ok := overrideKey(path); ok && key == "update_interval" {
		path = "sync.update_interval"
	}
	if path == "sync.update_interval" {
		return "an interval (e.g. 2h, 90m, 1d or 0)"
	}
	k, ok := keyByPath[stripIndex(path)]
	if !ok {
		if sectionPaths[path] || path == "" {
			return "a mapping (key: value)"
		}
		return "this key's type"
	}
	t := k.Type
	if path != k.Path { // an element: statuses[1], status_map.DEL
		t = t.Elem()
	}
	return describeType(t)
}

func describeType(t reflect.Type) string {
	if t == reflect.TypeOf(time.Duration(0)) {
		return `a duration with a unit (e.g. "30s")`
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "text"
	case reflect.Slice:
		return "a list (e.g. [a, b])"
	case reflect.Map, reflect.Struct, reflect.Pointer:
		return "a mapping (key: value)"
	}
	return t.String()
}

// applyEnv applies the overriding environment variables.
func (l *loader) applyEnv() {
	for _, e := range envKeys {
		v, ok := l.in.Env(e.env)
		if !ok || v == "" {
			continue
		}
		k := keyByPath[e.key]
		if k.Secret {
			l.secrets = append(l.secrets, v, DSN(v).Password())
		}
		if err := l.setKey(k, v); err != nil {
			l.failed[e.key] = true
			l.problem("env %s: %s: %v", e.env, e.key, err)
			continue
		}
		l.src.Set(e.key, SourceEnv(e.env))
	}
}

// applyFlags applies the changed override flags.
func (l *loader) applyFlags() {
	for _, f := range l.in.Flags {
		k, ok := keyByPath[f.Key]
		if !ok {
			l.problem("flag --%s: unknown configuration key %q", f.Name, f.Key)
			continue
		}
		if k.Secret {
			l.secrets = append(l.secrets, f.Value, DSN(f.Value).Password())
		}
		if err := l.setKey(k, f.Value); err != nil {
			l.failed[f.Key] = true
			l.problem("flag --%s: %s: %v", f.Name, f.Key, err)
			continue
		}
		l.src.Set(f.Key, SourceFlag(f.Name))
	}
}

// setKey sets one key from text, decoding it exactly as the same value
// written in the file would be.
func (l *loader) setKey(k configKey, value string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot use the value: %v", r)
		}
	}()
	shown := strconv.Quote(value)
	if k.Secret {
		shown = "the value given"
	}
	var leaf *yaml.Node
	switch k.Type.Kind() {
	case reflect.Slice, reflect.Map:
		var n yaml.Node
		if strings.HasPrefix(strings.TrimSpace(value), "[") || strings.HasPrefix(strings.TrimSpace(value), "{") {
			if err := yaml.Unmarshal([]byte(value), &n); err != nil || len(n.Content) != 1 {
				return fmt.Errorf("cannot use %s as %s", shown, describeType(k.Type))
			}
			leaf = n.Content[0]
		} else { // a comma-separated list
			leaf = &yaml.Node{Kind: yaml.SequenceNode}
			for _, item := range strings.Split(value, ",") {
				leaf.Content = append(leaf.Content, &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: strings.TrimSpace(item)})
			}
		}
	case reflect.String:
		leaf = &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: value}
	default:
		leaf = &yaml.Node{Kind: yaml.ScalarNode, Value: value}
		if isIntKind(k.Type.Kind()) && leaf.ShortTag() == "!!float" {
			return fmt.Errorf("cannot use %s as a whole number", shown)
		}
	}
	node := leaf
	segs := strings.Split(k.Path, ".")
	for i := len(segs) - 1; i >= 0; i-- {
		node = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: segs[i]}, node}}
	}
	// An override replaces a list or map; it does not merge into it.
	if nilable(k.Type) {
		fieldOf(reflect.ValueOf(&l.doc).Elem(), k.Index, true).Set(reflect.Zero(k.Type))
	}
	if err := node.Decode(&l.doc); err != nil {
		if k.Path == "sync.update_interval" {
			return fmt.Errorf("cannot use %s as %s", shown, describeTarget(k.Path))
		}
		return fmt.Errorf("cannot use %s as %s", shown, describeType(k.Type))
	}
	return nil
}

// finish fills derived defaults and builds the Config.
func (l *loader) finish() *Config {
	d := &l.doc
	cfg := d.config()
	if cfg.Sync.StatusMap == nil {
		cfg.Sync.StatusMap = map[string]string{}
	}

	if iv, err := sync.ParseInterval(d.Sync.UpdateInterval); err != nil {
		// ParseInterval's error repeats the value; say it once, with examples.
		l.keyProblem("sync.update_interval", "cannot use %q as %s", d.Sync.UpdateInterval, describeTarget("sync.update_interval"))
	} else {
		cfg.Sync.UpdateInterval = iv
	}

	// A registrar is configured when any of its keys came from somewhere.
	if cfg.Registrars.Openprovider == nil && l.touched("registrars.openprovider") {
		cfg.Registrars.Openprovider = &OpenproviderConfig{}
	}
	if op := cfg.Registrars.Openprovider; op != nil {
		c := *op
		if c.URL == "" {
			c.URL = DefaultOpenproviderURL
		}
		c.Sync = l.finishOverride("openprovider", c.Sync)
		cfg.Registrars.Openprovider = &c
	}
	if cfg.Registrars.Odr == nil && l.touched("registrars.odr") {
		cfg.Registrars.Odr = &ODRConfig{}
	}
	if o := cfg.Registrars.Odr; o != nil {
		c := *o
		if c.URL == "" {
			c.URL = DefaultODRURL
		}
		c.Modules = nil
		seen := map[string]bool{}
		for _, m := range o.Modules {
			m = strings.TrimSpace(m)
			if m != "" && !seen[strings.ToLower(m)] {
				seen[strings.ToLower(m)] = true
				c.Modules = append(c.Modules, m)
			}
		}
		if len(c.Modules) == 0 {
			c.Modules = []string{"odr"}
		}
		c.Contacts = strings.ToLower(strings.TrimSpace(c.Contacts))
		if c.Contacts == "" {
			c.Contacts = "report"
		}
		c.Sync = l.finishOverride(odr.Name, c.Sync)
		cfg.Registrars.Odr = &c
	}

	smtp := &cfg.Report.SMTP
	smtp.TLS = strings.ToLower(strings.TrimSpace(smtp.TLS))
	if smtp.TLS == "" {
		smtp.TLS = TLSNone
	}
	if smtp.Port == 0 {
		switch smtp.TLS {
		case TLSNone:
			smtp.Port = 25
		case TLSStartTLS:
			smtp.Port = 587
		case TLSImplicit:
			smtp.Port = 465
		}
	}
	cfg.Report.To = slices.Clone(cfg.Report.To)
	cfg.Report.BCC = slices.Clone(cfg.Report.BCC)
	return &cfg
}

// touched reports whether any key under prefix was set by file, env or flag.
func (l *loader) touched(prefix string) bool {
	if _, ok := l.lines[prefix]; ok {
		return true
	}
	for k, s := range l.src.keys {
		if strings.HasPrefix(k, prefix+".") && !s.IsDefault() {
			return true
		}
	}
	return false
}

// at locates a key for a message: "file:line: ", "env NAME: ", "flag --name: ",
// or "" for a built-in default that nothing in the file is near.
func (l *loader) at(path string) string {
	src := l.src.Of(stripIndex(path))
	if src.IsDefault() || strings.HasPrefix(string(src), "file ") {
		if line := l.lineOf(path); line > 0 && l.in.File != "" {
			return l.fileAt(line) + ": "
		}
		return ""
	}
	return string(src) + ": "
}

// lineOf finds the file line of a path or of its nearest ancestor.
func (l *loader) lineOf(path string) int {
	for p := path; p != ""; {
		if line, ok := l.lines[p]; ok {
			return line
		}
		if line, ok := l.lines[bracketsToDots(p)]; ok {
			return line
		}
		p, _ = splitPath(p)
	}
	return 0
}

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
		if u, err := url.Parse(op.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			l.keyProblem("registrars.openprovider.url", "%q is not an http(s) URL", op.URL)
		}
		if op.Username == "" {
			l.keyProblem("registrars.openprovider.username", "required (or set %s)", EnvOpenproviderUsername)
		}
		if op.Password == "" {
			l.keyProblem("registrars.openprovider.password", "required (or set %s)", EnvOpenproviderPassword)
		}
		if op.RateLimit < 0 {
			l.keyProblem("registrars.openprovider.rate_limit", "must not be negative, got %g", op.RateLimit)
		}
		if op.Concurrency < 0 {
			l.keyProblem("registrars.openprovider.concurrency", "must not be negative, got %d", op.Concurrency)
		}
		if op.Timeout < 0 {
			l.keyProblem("registrars.openprovider.timeout", "must not be negative, got %s", op.Timeout)
		}
	}

	if o := cfg.Registrars.Odr; o != nil {
		if u, err := url.Parse(o.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			l.keyProblem("registrars.odr.url", "%q is not an http(s) URL", o.URL)
		}
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
		if o.RateLimit < 0 {
			l.keyProblem("registrars.odr.rate_limit", "must not be negative, got %g", o.RateLimit)
		}
		if o.Concurrency < 0 {
			l.keyProblem("registrars.odr.concurrency", "must not be negative, got %d", o.Concurrency)
		}
		if o.Timeout < 0 {
			l.keyProblem("registrars.odr.timeout", "must not be negative, got %s", o.Timeout)
		}
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
}

// validateOverride checks a registrar's merged sync settings with the
// sync: section's rules, reporting only the problems of keys set under the
// registrar (the others are the top-level section's, reported once), at
// their own paths: registrars.odr.sync.batch_size: must be at least 1.
func (l *loader) validateOverride(cfg *Config, name string) {
	ov := cfg.Registrars.syncOverride(name)
	if ov == nil || len(ov.Keys) == 0 {
		return
	}
	err := mergeSync(cfg.Sync, ov).Validate()
	if err == nil {
		return
	}
	for _, msg := range errorLines(err) {
		path, rest, ok := strings.Cut(msg, ": ")
		sub, isSync := strings.CutPrefix(path, "sync.")
		if !ok || !isSync || strings.ContainsAny(path, " \"") {
			continue // not a key's problem: the top-level check reports it
		}
		key := sub
		if i := strings.IndexAny(key, ".["); i >= 0 {
			key = key[:i]
		}
		if !slices.Contains(ov.Keys, key) {
			continue
		}
		l.keyProblem(overridePrefix(name)+sub, "%s", rest)
	}
}

// overridePrefix is the key prefix of a registrar's sync overrides.
func overridePrefix(name string) string { return "registrars." + name + ".sync." }

// overrideKey splits a key of a registrar's sync section
// (registrars.odr.sync.batch_size) into the registrar and the sync key.
func overrideKey(path string) (name, key string, ok bool) {
	rest, ok := strings.CutPrefix(path, "registrars.")
	if !ok {
		return "", "", false
	}
	name, key, ok = strings.Cut(rest, ".sync.")
	if !ok || strings.Contains(name, ".") || key == "" {
		return "", "", false
	}
	return name, key, true
}

// syncOverride is the sync: section of a configured registrar; nil when
// the registrar is not configured or has none.
func (r RegistrarsConfig) syncOverride(name string) *SyncOverride {
	switch name {
	case "openprovider":
		if r.Openprovider != nil {
			return r.Openprovider.Sync
		}
	case odr.Name:
		if r.Odr != nil {
			return r.Odr.Sync
		}
	}
	return nil
}

// finishOverride returns a copy of a registrar's sync section with Keys
// (the keys set under it) and update_interval parsed; nil when no key is
// set. A key also given as a flag (--batch-size) is the flag's: a flag
// overrides the file everywhere, so the registrar's value is dropped with
// a warning.
func (l *loader) finishOverride(name string, ov *SyncOverride) *SyncOverride {
	if ov == nil {
		return nil
	}
	out := *ov
	out.Keys = nil
	for _, k := range configKeys {
		_, key, ok := overrideKey(k.Path)
		if !ok || !strings.HasPrefix(k.Path, overridePrefix(name)) || l.src.Of(k.Path).IsDefault() {
			continue
		}
		if top := l.src.Of("sync." + key); strings.HasPrefix(string(top), "flag ") {
			l.src.Warnings = append(l.src.Warnings, fmt.Sprintf("%s (%s) is ignored: %s sets sync.%s for every registrar", k.Path, l.src.Of(k.Path), top, key))
			continue
		}
		out.Keys = append(out.Keys, key)
	}
	if len(out.Keys) == 0 {
		return nil
	}
	if slices.Contains(out.Keys, "update_interval") {
		if iv, err := sync.ParseInterval(out.UpdateInterval); err != nil {
			l.keyProblem(overridePrefix(name)+"update_interval", "cannot use %q as %s", out.UpdateInterval, describeTarget("sync.update_interval"))
		} else {
			out.Settings.UpdateInterval = iv
			out.UpdateInterval = formatInterval(iv)
		}
	}
	out.Statuses = slices.Clone(out.Statuses)
	return &out
}

// mergeSync returns base with the keys set in ov (ov.Keys) taken from ov.
func mergeSync(base sync.Settings, ov *SyncOverride) sync.Settings {
	if ov == nil {
		return base
	}
	out := reflect.ValueOf(&base).Elem()
	from := reflect.ValueOf(ov.Settings)
	t := out.Type()
	for _, key := range ov.Keys {
		if key == "update_interval" {
			base.UpdateInterval = ov.Settings.UpdateInterval
			continue
		}
		for i := range t.NumField() {
			if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name == key {
				out.Field(i).Set(from.Field(i))
			}
		}
	}
	if base.StatusMap == nil {
		base.StatusMap = map[string]string{}
	}
	return base
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

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ---------------------------------------------------------------------------
// The known keys, from the document type's yaml tags

// configKey is one leaf setting of the file, e.g. sync.batch_size.
type configKey struct {
	Path   string
	Index  []int // field index path in document
	Type   reflect.Type
	Secret bool
}

var (
	configKeys   []configKey // in declaration order: the config command's order
	keyByPath    = map[string]configKey{}
	sectionPaths = map[string]bool{} // whmcs, registrars, registrars.openprovider, …
)

func init() {
	collectKeys(reflect.TypeOf(document{}), "", nil)
	// update_interval is declared outside the inlined Settings; list it
	// where the file layout has it, after batch_size.
	// The same in each registrar's sync section.
	for _, section := range []string{"sync", "registrars.openprovider.sync", "registrars.odr.sync"} {
		if i := slices.IndexFunc(configKeys, func(k configKey) bool { return k.Path == section+".update_interval" }); i >= 0 {
			k := configKeys[i]
			configKeys = slices.Delete(configKeys, i, i+1)
			j := slices.IndexFunc(configKeys, func(k configKey) bool { return k.Path == section+".batch_size" })
			configKeys = slices.Insert(configKeys, j+1, k)
		}
	}
	for _, k := range configKeys {
		keyByPath[k.Path] = k
	}
}

var (
	secretType = reflect.TypeOf(Secret(""))
	dsnType    = reflect.TypeOf(DSN(""))
)

func collectKeys(t reflect.Type, prefix string, index []int) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		idx := append(slices.Clone(index), i)
		if strings.Contains(opts, "inline") {
			collectKeys(f.Type, prefix, idx)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			sectionPaths[path] = true
			collectKeys(ft, path, idx)
			continue
		}
		configKeys = append(configKeys, configKey{Path: path, Index: idx, Type: f.Type, Secret: f.Type == secretType || f.Type == dsnType})
	}
}

// childKeys lists the key names directly under a section.
func childKeys(section string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		parent, name := splitPath(p)
		if parent == section && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, k := range configKeys {
		add(k.Path)
	}
	for p := range sectionPaths {
		add(p)
	}
	sort.Strings(out)
	return out
}

// fieldOf walks an index path; with alloc it allocates nil section pointers,
// without it a nil section gives the invalid Value.
func fieldOf(v reflect.Value, index []int, alloc bool) reflect.Value {
	for _, i := range index {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !alloc {
					return reflect.Value{}
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	return v
}

func nilable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
		return true
	}
	return false
}

func isIntKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// elemKind is the kind of the value at path: the key's, or its element's.
func elemKind(k configKey, path string) reflect.Kind {
	if path != k.Path && (k.Type.Kind() == reflect.Slice || k.Type.Kind() == reflect.Map) {
		return k.Type.Elem().Kind()
	}
	return k.Type.Kind()
}

// splitPath splits "a.b[2]" into "a.b" and "[2]"-less "2"; "a.b" into "a", "b".
func splitPath(p string) (parent, last string) {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i], p[i+1 : len(p)-1]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return "", p
}

// stripIndex maps an element path to its key: sync.statuses[2] and
// sync.status_map.DEL (or [DEL]) → sync.statuses, sync.status_map.
func stripIndex(p string) string {
	if i := strings.IndexByte(p, '['); i >= 0 {
		p = p[:i]
	}
	for q := p; q != ""; q, _ = splitPath(q) {
		if _, ok := keyByPath[q]; ok {
			return q
		}
	}
	return p
}

var bracketRE = regexp.MustCompile(`\[([^\]]*[^\d\]][^\]]*)\]`)

// bracketsToDots rewrites map subscripts [DEL] as .DEL (list indexes stay).
func bracketsToDots(p string) string { return bracketRE.ReplaceAllString(p, ".$1") }

// suggest returns the candidate closest to name when it is a likely typo.
func suggest(name string, candidates []string) string {
	best, bestD := "", 3
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	for _, c := range candidates {
		if norm(c) == norm(name) {
			return c
		}
		if d := editDistance(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ---------------------------------------------------------------------------
// Node index: key paths and lines of a parsed file

type indexedValue struct {
	path string
	node *yaml.Node
}

type nodeIndex struct {
	keyLine map[string]int        // path → line of its key
	valueOf map[string]*yaml.Node // path → value node
	keys    map[int][]keyAtLine   // line → keys on it
	values  []indexedValue        // every value node, in file order
}

type keyAtLine struct{ name, path string }

func newNodeIndex() *nodeIndex {
	return &nodeIndex{keyLine: map[string]int{}, valueOf: map[string]*yaml.Node{}, keys: map[int][]keyAtLine{}}
}

func (x *nodeIndex) walk(n *yaml.Node, path string) { x.walkDepth(n, path, 0) }

func (x *nodeIndex) walkDepth(n *yaml.Node, path string, depth int) {
	if n == nil || depth > 50 {
		return
	}
	x.values = append(x.values, indexedValue{path, n})
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.ShortTag() == "!!merge" {
				target := v
				if v.Kind == yaml.AliasNode {
					target = v.Alias
				}
				if target != nil && target.Kind == yaml.MappingNode {
					x.walkDepth(target, path, depth+1)
				}
				continue
			}
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if _, seen := x.keyLine[p]; !seen {
				x.keyLine[p] = k.Line
				x.valueOf[p] = v
			}
			x.keys[k.Line] = append(x.keys[k.Line], keyAtLine{k.Value, p})
			x.walkDepth(v, p, depth+1)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if _, seen := x.keyLine[p]; !seen {
				x.keyLine[p] = c.Line
				x.valueOf[p] = c
			}
			x.walkDepth(c, p, depth+1)
		}
	}
}

// keyAt finds the path of the key name written at line.
func (x *nodeIndex) keyAt(line int, name string) string {
	for _, k := range x.keys[line] {
		if k.name == name {
			return k.path
		}
	}
	return ""
}

// valueAt finds the value node yaml.v3 complained about: at line, of the
// tag's kind, and for a scalar with the (possibly shortened) value shown.
func (x *nodeIndex) valueAt(line int, tag, shown string) *indexedValue {
	for i := range x.values {
		v := &x.values[i]
		if v.node.Line != line {
			continue
		}
		n := v.node
		switch tag {
		case "!!seq":
			if n.Kind == yaml.SequenceNode {
				return v
			}
		case "!!map":
			if n.Kind == yaml.MappingNode {
				return v
			}
		default:
			if n.Kind == yaml.ScalarNode && shortened(n.Value) == shown {
				return v
			}
		}
	}
	return nil
}

// shortened mirrors how yaml.v3 shows a value in a TypeError.
func shortened(v string) string {
	if len(v) > 10 {
		return v[:7] + "..."
	}
	return v
}

// ---------------------------------------------------------------------------
// Printing

// Setting is one effective value, as the config command prints it.
type Setting struct {
	Key    string
	Value  string // secrets masked
	Source Source
}

// Values lists every effective value in a stable order (the file's
// layout), secrets masked, each with its source (src may be nil).
func (c Config) Values(src *Sources) []Setting {
	doc := documentOf(c)
	root := reflect.ValueOf(&doc).Elem()
	var out []Setting
	for _, k := range configKeys {
		v := fieldOf(root, k.Index, false)
		if !v.IsValid() {
			continue // a registrar that is not configured
		}
		if name, key, ok := overrideKey(k.Path); ok {
			if ov := c.Registrars.syncOverride(name); ov == nil || !slices.Contains(ov.Keys, key) {
				continue // not overridden: the top-level value applies
			}
		}
		out = append(out, Setting{Key: k.Path, Value: formatValue(k.Path, v), Source: src.Of(k.Path)})
	}
	return append(out, whmcsOnlySettings(c, src)...)
}

// String lists the effective values, one "key = value" per line, secrets masked.
func (c Config) String() string {
	var b strings.Builder
	for _, s := range c.Values(nil) {
		fmt.Fprintf(&b, "%s = %s\n", s.Key, s.Value)
	}
	return b.String()
}

// zeroNotes explain what an empty or zero value means.
var zeroNotes = map[string]string{
	"registrars.openprovider.rate_limit":  "client default",
	"registrars.openprovider.concurrency": "client default",
	"registrars.openprovider.timeout":     "client default",
	"registrars.odr.rate_limit":           "client default",
	"registrars.odr.concurrency":          "client default",
	"registrars.odr.timeout":              "client default",
	"sync.update_interval":                "every run",
	"report.to":                           "active WHMCS admins with System Emails",
}

func formatValue(path string, v reflect.Value) string {
	if _, key, ok := overrideKey(path); ok {
		path = "sync." + key
	}
	s := formatPlain(v)
	if v.IsZero() || (nilable(v.Type()) && v.Len() == 0) || (path == "sync.update_interval" && s == "0") {
		if note, ok := zeroNotes[path]; ok {
			s += " (" + note + ")"
		}
	}
	return s
}

func formatPlain(v reflect.Value) string {
	if st, ok := v.Interface().(fmt.Stringer); ok && (v.Type() == secretType || v.Type() == dsnType) {
		if s := st.String(); s != "" {
			return s
		}
		return `""`
	}
	if d, ok := v.Interface().(time.Duration); ok {
		return formatDuration(d)
	}
	switch v.Kind() {
	case reflect.String:
		return quoteIfNeeded(v.String())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.Slice:
		items := make([]string, v.Len())
		for i := range items {
			items[i] = formatPlain(v.Index(i))
		}
		return "[" + strings.Join(items, ", ") + "]"
	case reflect.Map:
		keys := v.MapKeys()
		items := make([]string, len(keys))
		for i, k := range keys {
			items[i] = formatPlain(k) + ": " + formatPlain(v.MapIndex(k))
		}
		sort.Strings(items)
		return "{" + strings.Join(items, ", ") + "}"
	}
	return fmt.Sprint(v.Interface())
}

// quoteIfNeeded leaves plain text alone and quotes what would be ambiguous
// or unsafe on a terminal (empty, edge spaces, control characters, list
// punctuation).
func quoteIfNeeded(s string) string {
	if s == "" || strings.TrimSpace(s) != s || strings.ContainsAny(s, ",[]{}\"") || strconv.Quote(s) != `"`+s+`"` {
		return strconv.Quote(s)
	}
	return s
}

// formatDuration prints a duration without Go's trailing zero units: 2h, 1h30m, 30s.
func formatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// formatInterval prints an update interval as sync.ParseInterval reads it,
// with whole days as d: 2h, 1d, 1d12h.
func formatInterval(d time.Duration) string {
	if d <= 0 {
		return formatDuration(d)
	}
	days, rest := d/(24*time.Hour), d%(24*time.Hour)
	s := ""
	if days > 0 {
		s = strconv.FormatInt(int64(days), 10) + "d"
	}
	if rest > 0 {
		s += formatDuration(rest)
	}
	return s
}

// ---------------------------------------------------------------------------
// Flags shared by the commands that load the configuration

// AddFlag registers --config FILE.
func AddFlag(c *cobra.Command, path *string) {
	c.Flags().StringVar(path, "config", "", fmt.Sprintf("configuration file (default: $%s, then %s)", EnvConfig, strings.Join(DefaultSearchPaths, ", ")))
}

// overrideFlags are the flags that override a configuration key. A flag is
// typed after its key; add one here and every command that calls
// AddOverrideFlags (sync, config) gets it.
var overrideFlags = []struct{ name, key, usage string }{
	{"batch-size", "sync.batch_size", "domains per run (overrides sync.batch_size)"},
	{"update-interval", "sync.update_interval", "minimum time between two syncs of one domain, e.g. 2h or 1d (overrides sync.update_interval)"},
	{"send-empty", "report.send_empty", "mail the report even when nothing changed (overrides report.send_empty)"},
	{"whmcs", "whmcs.dir", "WHMCS directory: database, registrar credentials, sync and mail settings from the installation (overrides whmcs.dir)"},
}

// AddOverrideFlags registers the override flags on c and returns a function
// that, once the flags are parsed, lists the ones given for LoadOptions.Flags.
func AddOverrideFlags(c *cobra.Command) func() []FlagValue {
	fs := c.Flags()
	for _, f := range overrideFlags {
		switch keyByPath[f.key].Type.Kind() {
		case reflect.Int:
			fs.Int(f.name, 0, f.usage)
		case reflect.Bool:
			fs.Bool(f.name, false, f.usage)
		case reflect.Float64:
			fs.Float64(f.name, 0, f.usage)
		default:
			fs.String(f.name, "", f.usage)
		}
	}
	return func() []FlagValue {
		var out []FlagValue
		for _, f := range overrideFlags {
			if fl := fs.Lookup(f.name); fl != nil && fl.Changed {
				out = append(out, FlagValue{Name: f.name, Key: f.key, Value: fl.Value.String()})
			}
		}
		return out
	}
}

// RegistrarModules are the tbldomains.registrar values of a configured
// registrar (matched in any case, lower-cased here): ODR's
// registrars.odr.modules; the registrar's name for the others.
func (cfg *Config) RegistrarModules(name string) []string {
	if name == odr.Name && cfg.Registrars.Odr != nil && len(cfg.Registrars.Odr.Modules) > 0 {
		var out []string
		for _, m := range cfg.Registrars.Odr.Modules {
			if m = strings.ToLower(strings.TrimSpace(m)); m != "" && !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
		return out
	}
	return []string{name}
}

// RegistrarSettings are the sync settings of one registrar: the sync:
// section with the keys set under registrars.<name>.sync merged over it,
// and that registrar's built-in rules.
func (cfg *Config) RegistrarSettings(name string) sync.Settings {
	s := cfg.Sync
	if ov := cfg.Registrars.syncOverride(name); ov != nil {
		s = mergeSync(s, ov).Canonical()
	}
	s.Registrar = name
	return s
}

// RegistrarContacts is the contact sync mode of a registrar: ODR's
// registrars.odr.contacts; off for every other registrar.
func (cfg *Config) RegistrarContacts(name string) sync.ContactMode {
	if name != odr.Name || cfg.Registrars.Odr == nil {
		return sync.ContactsOff
	}
	return sync.ContactMode(cfg.Registrars.Odr.Contacts)
}
