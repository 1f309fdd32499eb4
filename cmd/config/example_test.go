package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The example configuration loads, holds the defaults, and names every key.
func TestExampleConfig(t *testing.T) {
	path := filepath.Join("..", "..", "contrib", "domainsync.example.yaml")
	cfg, _, err := Load(LoadOptions{Path: path, Env: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if cfg.Sync.BatchSize != 200 || cfg.Registrars.Openprovider == nil {
		t.Errorf("unexpected values: %+v", cfg.Sync)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for key := range keyByPath {
		last := key[strings.LastIndex(key, ".")+1:]
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(last) + `:`).Match(data) {
			t.Errorf("%s does not set %s", path, key)
		}
	}
}
