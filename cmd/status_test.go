package cmd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

func TestForecast(t *testing.T) {
	tests := []struct {
		name            string
		domains, batch  int
		every, interval time.Duration
		runs            int
		cycle           time.Duration
		fits            bool
		cron            string
		suggestEvery    time.Duration
		suggestBatch    int
	}{
		// The seed's arithmetic: 7,000 / 200 = 35 runs × 10m = 5h50m > 2h.
		{"seed", 7000, 200, 10 * time.Minute, 2 * time.Hour, 35, 350 * time.Minute, false, "*/3 * * * *", 3 * time.Minute, 584},
		{"fits exactly", 2400, 200, 10 * time.Minute, 2 * time.Hour, 12, 2 * time.Hour, true, "", 0, 0},
		{"fits", 100, 200, 10 * time.Minute, 2 * time.Hour, 1, 10 * time.Minute, true, "", 0, 0},
		{"no domains", 0, 200, 10 * time.Minute, 2 * time.Hour, 0, 0, true, "", 0, 0},
		{"hourly suffices", 1000, 200, 2 * time.Hour, 1440 * time.Minute, 5, 10 * time.Hour, true, "", 0, 0},
		{"daily interval, slow cron", 5000, 100, 2 * time.Hour, 24 * time.Hour, 50, 100 * time.Hour, false, "*/20 * * * *", 20 * time.Minute, 417},
		{"too slow even each minute", 100000, 10, time.Minute, time.Hour, 10000, 10000 * time.Minute, false, "", 0, 1667},
		{"every longer than interval", 1000, 100, 3 * time.Hour, 2 * time.Hour, 10, 30 * time.Hour, false, "*/12 * * * *", 12 * time.Minute, 1000},
		{"unknown spacing", 7000, 200, 0, 2 * time.Hour, 35, 0, false, "", 0, 0},
		{"interval 0, one run", 150, 200, 10 * time.Minute, 0, 1, 10 * time.Minute, true, "", 0, 0},
		{"interval 0, many runs", 500, 200, 10 * time.Minute, 0, 3, 30 * time.Minute, false, "", 0, 500},
		{"bad batch", 3, 0, time.Minute, time.Hour, 3, 3 * time.Minute, true, "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Forecast(tt.domains, tt.batch, tt.every, tt.interval)
			if f.Runs != tt.runs || f.Cycle != tt.cycle || f.Fits != tt.fits || f.SuggestCron != tt.cron ||
				f.SuggestEvery != tt.suggestEvery || f.SuggestBatch != tt.suggestBatch {
				t.Errorf("Forecast(%d, %d, %s, %s) = %+v\nwant runs %d cycle %s fits %v cron %q every %s batch %d",
					tt.domains, tt.batch, tt.every, tt.interval, f, tt.runs, tt.cycle, tt.fits, tt.cron, tt.suggestEvery, tt.suggestBatch)
			}
			// A suggestion must actually fit.
			if tt.cron != "" && time.Duration(f.Runs)*f.SuggestEvery > tt.interval {
				t.Errorf("suggested %s × %d runs exceeds %s", f.SuggestEvery, f.Runs, tt.interval)
			}
			if f.SuggestBatch > 0 && tt.interval > 0 && tt.every <= tt.interval {
				runs := (tt.domains + f.SuggestBatch - 1) / f.SuggestBatch
				if time.Duration(runs)*tt.every > tt.interval {
					t.Errorf("suggested batch %d still takes %d runs", f.SuggestBatch, runs)
				}
			}
		})
	}
}

func TestInferSpacing(t *testing.T) {
	at := func(mins ...int) []time.Time {
		base := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		var out []time.Time
		for _, m := range mins {
			out = append(out, base.Add(-time.Duration(m)*time.Minute))
		}
		return out
	}
	tests := []struct {
		name string
		runs []time.Time
		want time.Duration
	}{
		{"none", nil, 0},
		{"one", at(0), 0},
		{"regular", at(0, 10, 20, 30), 10 * time.Minute},
		{"a manual run in between", at(0, 3, 10, 20, 30, 40), 10 * time.Minute},
		{"even count median", at(0, 10, 30), 15 * time.Minute},
		{"a pause", at(0, 5, 10, 15, 300), 5 * time.Minute},
		{"seconds", []time.Time{time.Unix(100, 0), time.Unix(70, 0)}, 30 * time.Second},
	}
	for _, tt := range tests {
		if got, src := InferSpacing(tt.runs); got != tt.want || src == "" {
			t.Errorf("%s: InferSpacing = %s (%q), want %s", tt.name, got, src, tt.want)
		}
	}
}

func TestFmtDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0", 45 * time.Second: "45s", 10 * time.Minute: "10m", 350 * time.Minute: "5h50m",
		26 * time.Hour: "1d2h", 48*time.Hour + time.Minute: "2d1m", 2 * time.Hour: "2h",
	} {
		if got := fmtDuration(d); got != want {
			t.Errorf("fmtDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

// statusGolden compares got with testdata/status/<name>/golden.txt (-update rewrites).
func statusGolden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("..", "testdata", "status", name, "golden.txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update after checking):\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

// TestStatusCommand runs the status command against a seeded WHMCS
// database per case and compares its output with testdata/status/<case>/.
func TestStatusCommand(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	stamp := func(minsAgo int) string { return now.Add(-time.Duration(minsAgo) * time.Minute).Format(time.DateTime) }
	tests := []struct {
		name  string
		sync  string // sync: section
		every string // --every ("" = infer)
		seed  func(t *testing.T, dsn string)
	}{
		{name: "empty", sync: "batch_size: 200\n"},
		{name: "fits", sync: "batch_size: 200\nupdate_interval: 2h\n", every: "10m", seed: func(t *testing.T, dsn string) {
			db := whmcstest.Open(t, dsn)
			whmcstest.CreateModuleSyncTable(t, db, "tblDomainSyncOpenprovider")
			for i, st := range []string{"Active", "Active", "Active", "Grace", "Cancelled", "Pending"} {
				id := whmcstest.InsertDomain(t, db, whmcstest.DomainRow{Domain: fmt.Sprintf("d%d.com", i), Registrar: "openprovider", Status: st})
				if i < 2 {
					whmcstest.SetLastSync(t, db, "tblDomainSyncOpenprovider", id, stamp(30+i*150))
				}
			}
			whmcstest.InsertDomain(t, db, whmcstest.DomainRow{Domain: "other.com", Registrar: "enom"})
		}},
		// 9 synced domains, batch 2, runs every 10 minutes (inferred), 30m
		// interval: 5 runs × 10m = 50m > 30m.
		{name: "inferred-too-slow", sync: "batch_size: 2\nupdate_interval: 30m\n", seed: func(t *testing.T, dsn string) {
			db := whmcstest.Open(t, dsn)
			whmcstest.CreateModuleSyncTable(t, db, "tblDomainSyncOpenprovider")
			for i := range 9 {
				id := whmcstest.InsertDomain(t, db, whmcstest.DomainRow{Domain: fmt.Sprintf("d%d.com", i), Registrar: "openprovider"})
				if i < 8 {
					whmcstest.SetLastSync(t, db, "tblDomainSyncOpenprovider", id, stamp(5+10*(i/2)))
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsn := whmcstest.NewDB(t)
			if tt.seed != nil {
				tt.seed(t, dsn)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "domainsync.yaml")
			yaml := fmt.Sprintf("whmcs:\n  dsn: %q\nregistrars:\n  openprovider:\n    username: u\n    password: p\nsync:\n", dsn)
			for _, l := range bytes.Split([]byte(tt.sync), []byte("\n")) {
				if len(l) > 0 {
					yaml += "  " + string(l) + "\n"
				}
			}
			if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			cmd := newCmdStatus(&StatusOptions{IO: &IOStreams{Out: &out, ErrOut: &errOut}, Env: func(string) (string, bool) { return "", false }, Now: now, Zone: time.UTC})
			args := []string{"--config", path}
			if tt.every != "" {
				args = append(args, "--every", tt.every)
			}
			cmd.SetArgs(args)
			cmd.SetOut(&out)
			cmd.SetErr(&errOut)
			if err := cmd.ExecuteContext(context.Background()); err != nil {
				t.Fatalf("status: %v\nstderr: %s", err, errOut.String())
			}
			got := bytes.ReplaceAll(out.Bytes(), []byte(path), []byte("$CONFIG"))
			statusGolden(t, tt.name, string(got))
		})
	}
}
