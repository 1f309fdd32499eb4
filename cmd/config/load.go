package config

// Loading is two steps: Load finds and reads the file (the only I/O),
// parseConfig does everything else as a pure function of its input, so it is
// table-tested and fuzzed without touching the disk. Precedence everywhere:
// flags > environment > YAML file > WHMCS (whmcs.dir) > built-in defaults.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/domainsync/domainsync/registrar/odr"
	"github.com/domainsync/domainsync/sync"
)

// DefaultSearchPaths are tried in order when neither --config nor
// $DOMAINSYNC_CONFIG names a file.
var DefaultSearchPaths = []string{"domainsync.yaml", "/etc/domainsync/domainsync.yaml"}

// maxConfigSize bounds what Load reads.
const maxConfigSize = 1 << 20

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
