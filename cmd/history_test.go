package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// seedJournal writes a small journal with fixed times: a sync run with
// WHMCS changes and registrar writes (one finished by the next run, one
// refused), a held run, an undo of the first run, and a run that stopped.
func seedJournal(t *testing.T, e *e2e) {
	t.Helper()
	ctx := context.Background()
	db, err := whmcsdb.Open(ctx, e.dsn, whmcsdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.EnsureJournal(ctx); err != nil {
		t.Fatal(err)
	}
	whmcstest.Exec(t, e.dsn,
		"INSERT INTO tblDomainSyncJournal (id, registrar, command, undo_of, started, finished, exit_code, note, selected, changed, failed, skipped) VALUES "+
			"(1, 'openprovider', 'sync', 0, '2026-03-10 04:00:00', '2026-03-10 04:00:07', 0, '', 50, 3, 1, 2), "+
			"(2, 'openprovider', 'sync', 0, '2026-03-10 04:10:00', '2026-03-10 04:10:02', 1, 'held: 8 of 10 domains would leave Active (more than 20%)', 10, 0, 0, 10), "+
			"(3, 'openprovider', 'sync --force', 0, '2026-03-10 04:20:00', '2026-03-10 04:20:05', 0, '', 10, 1, 0, 0), "+
			"(4, 'openprovider', 'undo --run 1', 1, '2026-03-11 09:00:00', '2026-03-11 09:00:01', 0, '', 2, 2, 0, 1), "+
			"(5, 'odr', 'sync --all', 0, '2026-03-11 10:00:00', NULL, NULL, '', 0, 0, 0, 0)",
		"INSERT INTO tblDomainSyncJournalChanges (run_id, domain_id, userid, domain, field, ref_id, detail, old_value, new_value, state, by_run, changed_at) VALUES "+
			"(1, 11, 7, 'example.com', 'expiry', 0, '', '2025-03-01', '2026-03-01', 'undone', 4, '2026-03-10 04:00:01'), "+
			"(1, 11, 7, 'example.com', 'nextduedate', 0, '', '2025-02-15', '2026-02-15', 'undone', 4, '2026-03-10 04:00:01'), "+
			"(1, 11, 7, 'example.com', 'invoiceitem', 31, 'Domain', '2025-02-15', '2026-02-15', 'undone', 4, '2026-03-10 04:00:01'), "+
			"(1, 11, 7, 'example.com', 'invoice', 21, '', '2025-02-15', '2026-02-15', 'undone', 4, '2026-03-10 04:00:01'), "+
			"(1, 11, 7, 'example.com', 'autorenew', 0, '', 'off', 'default', 'sent', 3, '2026-03-10 04:00:02'), "+
			"(1, 12, 7, 'bücher.de', 'status', 0, '', 'Active', 'Expired', 'applied', 0, '2026-03-10 04:00:03'), "+
			"(1, 12, 7, 'bücher.de', 'nextinvoicedate', 0, '', '0000-00-00', '2026-05-01', 'applied', 0, '2026-03-10 04:00:03'), "+
			"(1, 13, 8, 'shop.example', 'privacy', 0, '', 'off', 'on', 'failed', 0, '2026-03-10 04:00:04'), "+
			"(3, 11, 7, 'example.com', 'expiry', 0, '', '2026-03-01', '2026-03-02', 'applied', 0, '2026-03-10 04:20:01'), "+
			"(4, 11, 7, 'example.com', 'expiry', 0, '', '2026-03-01', '2025-03-01', 'applied', 0, '2026-03-11 09:00:01'), "+
			"(4, 11, 7, 'example.com', 'nextduedate', 0, '', '2026-02-15', '2025-02-15', 'applied', 0, '2026-03-11 09:00:01'), "+
			"(5, 14, 9, 'nl-shop.nl', 'autorenew', 0, '', 'on', 'off', 'planned', 0, '2026-03-11 10:00:01')")
}

// TestHistory compares the output of history with
// testdata/history/<case>/golden.txt (-update rewrites them).
func TestHistory(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	tests := []struct {
		name string
		args []string
		exit int
	}{
		{"runs", nil, 0},
		{"runs-limit", []string{"--limit", "2"}, 0},
		{"run", []string{"--run", "1"}, 0},
		{"run-held", []string{"--run", "2"}, 0},
		{"run-undo", []string{"--run", "4"}, 0},
		{"domain", []string{"--domain", "EXAMPLE.com"}, 0},
		{"domain-idn", []string{"--domain", "xn--bcher-kva.de"}, 0},
		{"domain-none", []string{"--domain", "nowhere.com"}, 0},
		{"run-json", []string{"--run", "1", "--report", "json"}, 0},
		{"domain-json", []string{"--domain", "example.com", "--report", "json"}, 0},
		{"runs-json", []string{"--report", "json"}, 0},
		{"unknown-run", []string{"--run", "99"}, 1},
		{"bad-flags", []string{"--run", "1", "--domain", "a.com"}, 2},
	}
	// Before the first run: no journal tables.
	t.Run("empty", func(t *testing.T) {
		code, stdout, stderr := e.runCmd("history", "--config", e.cfgPath)
		checkGolden(t, "history", "empty", fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", code, stdout, stderr))
	})
	seedJournal(t, e)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := e.runCmd(append([]string{"history", "--config", e.cfgPath}, tc.args...)...)
			if code != tc.exit {
				t.Errorf("exit %d, want %d: %s", code, tc.exit, stderr)
			}
			checkGolden(t, "history", tc.name, fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", code, stdout, stderr))
		})
	}
}

// checkGolden compares got with testdata/<command>/<name>/golden.txt, or
// writes it with -update.
func checkGolden(t *testing.T, command, name, got string) {
	t.Helper()
	golden := filepath.Join("..", "testdata", command, name, "golden.txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update to accept):\n--- got\n%s\n--- want\n%s", golden, got, want)
	}
}
