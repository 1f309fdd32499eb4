package config

// The configuration's shape: the Config sections (the file's keys come
// from their yaml tags, see keys.go) and the YAML document they are read
// from.

import (
	"time"

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
	Journal    JournalConfig    // journal:

	// FromWHMCS is what was read from the WHMCS directory (whmcs.dir) when
	// the configuration was loaded; nil when none was read. See whmcsdir.go.
	FromWHMCS *WHMCSSettings `yaml:"-"`
}

// WHMCSConfig says how to reach the WHMCS database.
type WHMCSConfig struct {
	DSN                   DSN    `yaml:"dsn"` // go-sql-driver DSN
	Dir                   string `yaml:"dir"` // WHMCS directory: DB settings from configuration.php
	AllowNonTransactional bool   `yaml:"allow_non_transactional"`

	// MaxOpenConns, set by the demo only (no configuration key), bounds
	// the connections to the database (0 = whmcsdb's default). The demo's
	// embedded engine commits a transaction by putting back its own copy
	// of every table it touched, so two transactions must never overlap
	// there: the demo sets 2, the run lock's connection and one more.
	MaxOpenConns int `yaml:"-"`
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
	CAFile      string        `yaml:"ca_file"` // PEM CA certificates instead of the system roots
	Sync        *SyncOverride `yaml:"sync"`    // registrars.odr.sync: overrides of sync:
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

// JournalConfig is the journal section: the run journal (history, undo).
type JournalConfig struct {
	// Keep is how many days the run journal keeps a run (default 90; 0
	// keeps every run). Older runs are pruned at the end of each sync.
	Keep int `yaml:"keep"`
}

// KeepDuration is journal.keep as the sync's JournalKeep (negative:
// forever).
func (j JournalConfig) KeepDuration() time.Duration {
	if j.Keep == 0 {
		return -1
	}
	return time.Duration(j.Keep) * 24 * time.Hour
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

// document is the YAML file's shape: Config's sections, with the sync
// section's update_interval as text until sync.ParseInterval reads it. Its
// field order is the order the config command lists the keys in.
type document struct {
	WHMCS      WHMCSConfig      `yaml:"whmcs"`
	Registrars RegistrarsConfig `yaml:"registrars"`
	Sync       syncSection      `yaml:"sync"`
	Report     ReportConfig     `yaml:"report"`
	Reconcile  ReconcileConfig  `yaml:"reconcile"`
	Journal    JournalConfig    `yaml:"journal"`
}

func (d *document) config() Config {
	return Config{WHMCS: d.WHMCS, Registrars: d.Registrars, Sync: d.Sync.Settings, Report: d.Report, Reconcile: d.Reconcile, Journal: d.Journal}
}

func documentOf(c Config) document {
	return document{WHMCS: c.WHMCS, Registrars: c.Registrars, Sync: syncSection{UpdateInterval: formatInterval(c.Sync.UpdateInterval), Settings: c.Sync}, Report: c.Report, Reconcile: c.Reconcile, Journal: c.Journal}
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
		Journal:   JournalConfig{Keep: 90},
	}
}
