package config

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar/odr"
	"github.com/domainsync/domainsync/registrar/openprovider"
)

// odrBlock configures ODR under the minimal file's registrars: section.
const odrBlock = "  odr:\n    api_key: k\n    api_secret: s\n"

// Keys set under registrars.<name>.sync override the top-level sync: keys
// for that registrar only; the other keys, and the other registrar, keep
// the top-level values. The config command lists each override with its
// file line, and nothing for the keys not overridden.
func TestRegistrarSyncOverride(t *testing.T) {
	y := minimalYAML + // line 6 is the last
		"    sync:\n" + // 7
		"      due_date: false\n" + // 8
		odrBlock + // 9-11
		"    modules: [odr, ODR_Legacy, odr]\n" + // 12
		"    sync:\n" + // 13
		"      batch_size: 50\n" + // 14
		"      update_interval: 36h\n" + // 15
		"      statuses: [active, grace]\n" + // 16
		"      status_map: {del: cancelled}\n" + // 17
		"sync:\n" + // 18
		"  batch_size: 300\n" + // 19
		"  status_map: {REQ: Pending}\n" // 20
	p := writeConfig(t, y)
	cfg, src := mustLoad(t, LoadOptions{Path: p})

	o := cfg.RegistrarSettings(odr.Name)
	if o.BatchSize != 50 || o.UpdateInterval != 36*time.Hour || !slices.Equal(o.Statuses, []string{"Active", "Grace"}) ||
		len(o.StatusMap) != 1 || o.StatusMap["DEL"] != "Cancelled" || !o.DueDate || o.Registrar != odr.Name {
		t.Errorf("odr settings = %+v", o)
	}
	op := cfg.RegistrarSettings(openprovider.Name)
	if op.BatchSize != 300 || op.UpdateInterval != 2*time.Hour || op.DueDate || op.StatusMap["REQ"] != "Pending" || len(op.Statuses) != 6 || op.Registrar != openprovider.Name {
		t.Errorf("openprovider settings = %+v", op)
	}
	if cfg.Sync.BatchSize != 300 || !cfg.Sync.DueDate {
		t.Errorf("top-level sync changed: %+v", cfg.Sync)
	}
	if got := cfg.RegistrarModules(odr.Name); !slices.Equal(got, []string{"odr", "odr_legacy"}) {
		t.Errorf("odr modules = %q", got)
	}
	if got := cfg.RegistrarModules(openprovider.Name); !slices.Equal(got, []string{"openprovider"}) {
		t.Errorf("openprovider modules = %q", got)
	}

	file := func(line int) Source { return SourceFile(p, line) }
	for key, want := range map[string]Setting{
		"registrars.odr.sync.batch_size":            {Value: "50", Source: file(14)},
		"registrars.odr.sync.update_interval":       {Value: "1d12h", Source: file(15)},
		"registrars.odr.sync.statuses":              {Value: "[active, grace]", Source: file(16)},
		"registrars.odr.sync.status_map":            {Value: "{del: cancelled}", Source: file(17)},
		"registrars.openprovider.sync.due_date":     {Value: "false", Source: file(8)},
		"sync.batch_size":                           {Value: "300", Source: file(19)},
		"registrars.odr.modules":                    {Value: "[odr, ODR_Legacy]", Source: file(12)},
		"registrars.openprovider.sync.batch_size":   {},
		"registrars.odr.sync.due_date":              {},
		"registrars.openprovider.sync.status_map":   {},
		"registrars.odr.sync.max_mass_change_share": {},
	} {
		got, found := Setting{}, false
		for _, s := range cfg.Values(src) {
			if s.Key == key {
				got, found = s, true
			}
		}
		if want.Value == "" {
			if found {
				t.Errorf("%s listed (%+v) though not overridden", key, got)
			}
			continue
		}
		if got.Value != want.Value || got.Source != want.Source {
			t.Errorf("%s = %q (%s), want %q (%s)", key, got.Value, got.Source, want.Value, want.Source)
		}
	}
	// Listed after the registrar's other keys, in the sync: section's order.
	var keys []string
	for _, s := range cfg.Values(src) {
		keys = append(keys, s.Key)
	}
	i, j := slices.Index(keys, "registrars.odr.sync.batch_size"), slices.Index(keys, "registrars.odr.sync.update_interval")
	if i < 0 || j != i+1 {
		t.Errorf("update_interval not right after batch_size: %q", keys)
	}
}

// No override: every registrar has the top-level settings.
func TestRegistrarSettingsWithoutOverride(t *testing.T) {
	cfg, _ := mustLoad(t, LoadOptions{Path: writeConfig(t, minimalYAML+odrBlock+"sync:\n  batch_size: 7\n")})
	for _, name := range []string{openprovider.Name, odr.Name} {
		s := cfg.RegistrarSettings(name)
		if s.BatchSize != 7 || s.Registrar != name || s.UpdateInterval != 2*time.Hour {
			t.Errorf("%s: %+v", name, s)
		}
	}
	if got := cfg.RegistrarModules(odr.Name); !slices.Equal(got, []string{"odr"}) {
		t.Errorf("default odr modules = %q", got)
	}
}

// A flag overrides the file everywhere, registrar sections included; the
// dropped registrar value is a warning.
func TestRegistrarSyncOverrideFlag(t *testing.T) {
	y := minimalYAML + odrBlock + "    sync:\n      batch_size: 50\n      due_date: false\n"
	cfg, src := mustLoad(t, LoadOptions{Path: writeConfig(t, y), Flags: []FlagValue{{Name: "batch-size", Key: "sync.batch_size", Value: "10"}}})
	s := cfg.RegistrarSettings(odr.Name)
	if s.BatchSize != 10 || s.DueDate {
		t.Errorf("odr settings: batch size %d (want the flag's 10), due_date %v (want false)", s.BatchSize, s.DueDate)
	}
	if len(src.Warnings) != 1 || !strings.Contains(src.Warnings[0], "registrars.odr.sync.batch_size") || !strings.Contains(src.Warnings[0], "--batch-size") {
		t.Errorf("warnings = %q", src.Warnings)
	}
}

// Overrides are validated with the sync: section's rules, at their own
// paths and lines; a top-level problem is reported once, at sync:.
func TestRegistrarSyncOverrideErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
		not        []string
	}{
		{"batch size", odrBlock + "    sync:\n      batch_size: 0\n",
			[]string{":11: registrars.odr.sync.batch_size: must be at least 1, got 0"}, []string{": sync.batch_size"}},
		{"statuses element", odrBlock + "    sync:\n      statuses: [Active, Sleeping]\n",
			[]string{"registrars.odr.sync.statuses[1]: \"Sleeping\" is not a WHMCS domain status"}, nil},
		{"status map", "    sync:\n      status_map: {FAI: Active}\n",
			[]string{":8: registrars.openprovider.sync.status_map.FAI: FAI (the request failed) cannot be mapped"}, nil},
		{"interval", odrBlock + "    sync:\n      update_interval: soon\n",
			[]string{":11: registrars.odr.sync.update_interval: cannot use \"soon\" as an interval"}, nil},
		{"type", odrBlock + "    sync:\n      batch_size: many\n",
			[]string{":11: registrars.odr.sync.batch_size: cannot use \"many\" as a whole number"}, nil},
		{"unknown key", odrBlock + "    sync:\n      batch_sise: 5\n",
			[]string{":11: registrars.odr.sync.batch_sise: unknown key (did you mean batch_size?)"}, nil},
		{"top-level problem once", odrBlock + "    sync:\n      due_date: false\nsync:\n  batch_size: 0\n",
			[]string{":13: sync.batch_size: must be at least 1, got 0"}, []string{"registrars.odr.sync.batch_size"}},
		{"override fixes nothing at the top", odrBlock + "    sync:\n      batch_size: 5\nsync:\n  batch_size: -1\n",
			[]string{"sync.batch_size: must be at least 1, got -1"}, []string{"registrars.odr.sync.batch_size"}},
		{"another registrar's module", odrBlock + "    modules: [odr, OpenProvider]\n",
			[]string{":10: registrars.odr.modules[1]: \"OpenProvider\" is the Openprovider module"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load(LoadOptions{Path: writeConfig(t, minimalYAML+tt.yaml), Search: []string{}})
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			for _, n := range tt.not {
				if n != "" && strings.Contains(err.Error(), n) {
					t.Errorf("error has %q:\n%v", n, err)
				}
			}
		})
	}
}

// Several distinct module names are accepted.
func TestODRSeveralModules(t *testing.T) {
	cfg, _ := mustLoad(t, LoadOptions{Path: writeConfig(t, minimalYAML+odrBlock+"    modules: [odr, odr_legacy, ' ODR ']\n")})
	if got := cfg.RegistrarModules(odr.Name); !slices.Equal(got, []string{"odr", "odr_legacy"}) {
		t.Errorf("modules = %q", got)
	}
}

func TestOverrideKey(t *testing.T) {
	for path, want := range map[string][2]string{
		"registrars.odr.sync.batch_size":           {"odr", "batch_size"},
		"registrars.odr.sync.status_map.DEL":       {"odr", "status_map.DEL"},
		"registrars.openprovider.sync.statuses[1]": {"openprovider", "statuses[1]"},
		"sync.batch_size":                          {},
		"registrars.odr.modules":                   {},
		"registrars.odr.sync.":                     {},
		"registrars.a.b.sync.x":                    {},
	} {
		name, key, ok := overrideKey(path)
		if ok != (want[0] != "") || name != want[0] || key != want[1] {
			t.Errorf("overrideKey(%q) = %q, %q, %v; want %q", path, name, key, ok, want)
		}
	}
}
