package config

import (
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar/odr"
	"github.com/domainsync/domainsync/registrar/openprovider"
	dsync "github.com/domainsync/domainsync/sync"
)

// TestODRContactModes: registrars.odr.contacts accepts report (the
// default), update and replace in any case, rejects anything else naming
// the key and value, and only ODR gets a contact mode.
func TestODRContactModes(t *testing.T) {
	for in, want := range map[string]dsync.ContactMode{"": dsync.ContactsReport, "report": dsync.ContactsReport,
		" Update": dsync.ContactsUpdate, "REPLACE": dsync.ContactsReplace} {
		y := minimalYAML + "  odr:\n    api_key: k\n    api_secret: s\n"
		if in != "" {
			y += "    contacts: \"" + in + "\"\n"
		}
		cfg, _ := mustLoad(t, LoadOptions{Path: writeConfig(t, y)})
		if got := cfg.RegistrarContacts(odr.Name); got != want {
			t.Errorf("contacts %q: mode %q, want %q", in, got, want)
		}
		if got := cfg.RegistrarContacts(openprovider.Name); got != dsync.ContactsOff {
			t.Errorf("openprovider has contact mode %q", got)
		}
	}
	p := writeConfig(t, minimalYAML+"  odr:\n    api_key: k\n    api_secret: s\n    contacts: overwrite\n")
	_, _, err := Load(LoadOptions{Path: p, Search: []string{}})
	if err == nil || !strings.Contains(err.Error(), "registrars.odr.contacts") || !strings.Contains(err.Error(), `"overwrite"`) {
		t.Errorf("contacts: overwrite: %v", err)
	}
}
