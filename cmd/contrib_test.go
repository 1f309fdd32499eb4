package cmd

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The example configuration loads, holds the defaults, and names every key.
func TestExampleConfig(t *testing.T) {
	path := filepath.Join("..", "contrib", "domainsync.example.yaml")
	cfg, _, err := LoadConfig(LoadOptions{Path: path, Env: func(string) (string, bool) { return "", false }})
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

func TestSystemdUnits(t *testing.T) {
	svc, err := os.ReadFile(filepath.Join("..", "contrib", "systemd", "domainsync.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Type=oneshot", "SuccessExitStatus=75", "NoNewPrivileges=yes", "ProtectSystem=strict", "ExecStart=/usr/local/bin/domainsync sync "} {
		if !strings.Contains(string(svc), want+"\n") && !strings.Contains(string(svc), want) {
			t.Errorf("domainsync.service lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join("..", "contrib", "systemd", "domainsync.timer")); err != nil {
		t.Error(err)
	}
	cron, err := os.ReadFile(filepath.Join("..", "contrib", "crontab"))
	if err != nil || !regexp.MustCompile(`(?m)^\*/10 \* \* \* \* /usr/local/bin/domainsync sync --config /etc/domainsync/domainsync.yaml$`).Match(cron) {
		t.Errorf("contrib/crontab: %v", err)
	}
}
