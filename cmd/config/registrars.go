package config

// The registrar sections: each registrar's own sync: overrides and what the
// commands read per registrar (settings, WHMCS modules, contact mode).

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/domainsync/domainsync/registrar/odr"
	"github.com/domainsync/domainsync/sync"
)

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
