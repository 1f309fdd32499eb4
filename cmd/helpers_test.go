package cmd

// Helpers the command tests share with the configuration's own tests
// (cmd/config): the same secrets, files and WHMCS fixture.

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/domainsync/domainsync/cmd/config/configtest"
)

// writeConfig writes a config file with mode 0600 into a fresh directory.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "domainsync.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// The WHMCS installation fixture (cmd/config/configtest).
const (
	whmcsOPPass   = configtest.WHMCSOPPass
	whmcsSMTPPass = configtest.WHMCSSMTPPass
	moduleFile    = configtest.ModuleFile
)

type whmcsFixture = configtest.WHMCSFixture

var (
	newWHMCS   = configtest.NewWHMCS
	randomHash = configtest.RandomHash
	encrypt    = configtest.Encrypt
)
