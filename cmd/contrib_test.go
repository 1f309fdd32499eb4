package cmd

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

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
