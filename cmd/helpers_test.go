package cmd

// Helpers the command tests share with the configuration's own tests
// (cmd/config): the same secrets, files and WHMCS fixture.

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/cmd/config/configtest"
)

// Secrets used by the tests: none of them may appear in any output or error.
const (
	secretDSNPass  = "dsn-pw-Xq7SECRET"
	secretOPPass   = "op-pw-Kd9SECRET"
	secretSMTPPass = "smtp-pw-Lm2SECRET"
	secretEnvOP    = "env-op-pw-Vb4SECRET"
	secretEnvSMTP  = "env-smtp-pw-Zt5SECRET"
	secretEnvDSN   = "env-dsn-pw-Yh6SECRET"
)

var allSecrets = []string{secretDSNPass, secretOPPass, secretSMTPPass, secretEnvOP, secretEnvSMTP, secretEnvDSN}

func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, sec := range allSecrets {
		if strings.Contains(s, sec) || strings.Contains(s, hex.EncodeToString([]byte(sec))) {
			t.Errorf("%s contains the secret %q:\n%s", what, sec, s)
		}
	}
}

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
