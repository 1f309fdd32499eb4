package config

// Sources: where every effective value came from.

import (
	"fmt"
)

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
