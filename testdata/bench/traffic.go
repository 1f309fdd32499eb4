package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/report"
)

// The traffic runs of issue 16 (BENCHMARKS.md, "Registrar traffic at
// default settings"): --all against a simulator that allows -server-rate
// requests a second, and --all with 20 % of the requests answered HTTP 500
// with an unknown code followed by a batch run without faults. Each ends
// with a dry run against a fault-free simulator: the changes it still
// plans are what the runs before did not get right.

// trafficResult is what a traffic run adds to its result row.
type trafficResult struct {
	requests     int     // every request the simulator received
	served       int     // those not answered 429
	throttled    int     // answered 429
	maxThrottled int     // the most 429s one identical request got
	failed       int     // answered HTTP 500 (fault injection)
	maxServed    int     // the most often one identical request was served (logins aside)
	leftDue      int     // selected domains the run left due (no last_sync)
	wrong        int     // domains the run marked synced that a dry run still changes
	pending      int     // changes a dry run still plans after the run (and, for faults, the next one)
	bound        float64 // rate run: 1.5 × served ÷ rate + 2 s
	next         *result // faults: the next run without faults
}

func trafficRuns(ctx context.Context, db *sql.DB, bin, tmp, dsn string, gen []opsim.Domain, n, batch, conc int,
	latency time.Duration, restore func() error) ([]result, error) {
	var out []result
	if selectedRuns["rate"] {
		if err := restore(); err != nil {
			return nil, err
		}
		r, srv, err := measureWith(ctx, db, bin, tmp, dsn, gen, n, batch, conc, false,
			opsim.Options{RateLimit: serverRate}, opsim.Faults{Latency: latency},
			fmt.Sprintf("--all, server allows %d req/s", serverRate), "--all", "--force")
		if err != nil {
			return nil, err
		}
		tr := countTraffic(srv)
		tr.bound = 1.5*float64(tr.served)/float64(serverRate) + 2
		changes, err := dryRunChanges(ctx, bin, tmp, dsn, gen, batch)
		if err != nil {
			return nil, err
		}
		tr.pending = len(changes)
		r.traffic = &tr
		out = append(out, r)
	}
	if selectedRuns["faults"] {
		if err := restore(); err != nil {
			return nil, err
		}
		r, srv, err := measureWith(ctx, db, bin, tmp, dsn, gen, n, batch, conc, false,
			opsim.Options{Seed: 16}, opsim.Faults{Latency: latency, UnknownErrorRate: 0.2},
			"--all, 20% HTTP 500 (unknown code)", "--all", "--force")
		if err != nil {
			return nil, err
		}
		tr := countTraffic(srv)
		after, err := unsynced(ctx, db)
		if err != nil {
			return nil, err
		}
		changes, err := dryRunChanges(ctx, bin, tmp, dsn, gen, batch)
		if err != nil {
			return nil, err
		}
		synced, err := syncedNames(ctx, db)
		if err != nil {
			return nil, err
		}
		for name := range changes {
			if synced[name] {
				tr.wrong++
			}
		}
		// The next run without faults: a batch as large as the portfolio
		// selects the domains left due (the others were synced just now).
		next, _, err := measureWith(ctx, db, bin, tmp, dsn, gen, n, n+1, conc, false,
			opsim.Options{}, opsim.Faults{Latency: latency}, "next run without faults (batch)", "--force")
		if err != nil {
			return nil, err
		}
		final, err := unsynced(ctx, db)
		if err != nil {
			return nil, err
		}
		tr.leftDue = after - final
		changes, err = dryRunChanges(ctx, bin, tmp, dsn, gen, batch)
		if err != nil {
			return nil, err
		}
		tr.pending = len(changes)
		tr.next = &next
		r.traffic = &tr
		out = append(out, r)
	}
	return out, nil
}

// countTraffic reads a run's request log.
func countTraffic(srv *opsim.Server) trafficResult {
	reqs := srv.Requests()
	var tr trafficResult
	tr.requests = len(reqs)
	tr.throttled, tr.maxThrottled = srv.Throttled()
	tr.served = tr.requests - tr.throttled
	for _, r := range reqs {
		if r.Status == http.StatusInternalServerError {
			tr.failed++
		}
	}
	_, tr.maxServed = srv.MaxServed()
	return tr
}

// unsynced counts the Openprovider domains without a last_sync row.
func unsynced(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM tbldomains d LEFT JOIN tblDomainSyncOpenprovider s ON s.id = d.id WHERE d.registrar = 'openprovider' AND s.id IS NULL").Scan(&n)
	return n, err
}

// syncedNames are the ASCII names of the domains with a last_sync row.
func syncedNames(ctx context.Context, db *sql.DB) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, "SELECT d.domain FROM tbldomains d JOIN tblDomainSyncOpenprovider s ON s.id = d.id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out[asciiName(name)] = true
	}
	return out, rows.Err()
}

func asciiName(name string) string {
	if a, _, err := registrar.NormalizeName(name); err == nil {
		return a
	}
	return name
}

// dryRunChanges runs `sync --all --force --dry-run --report json` against a
// fault-free simulator holding the current portfolio and returns the
// (ASCII) names of the domains it would still change.
func dryRunChanges(ctx context.Context, bin, tmp, dsn string, gen []opsim.Domain, batch int) (map[string]bool, error) {
	srv, url, stop, err := startSimWith(gen, opsim.Options{}, opsim.Faults{})
	if err != nil {
		return nil, err
	}
	defer stop()
	conf, err := writeConfig(tmp, dsn, url, srv, 0, batch)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "sync", "--config", conf, "--no-mail", "--all", "--force", "--dry-run", "--report", "json")
	cmd.Env = append(os.Environ(), "DOMAINSYNC_READ_STRATEGY=", "DOMAINSYNC_MEMPROFILE=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("dry run: %v\n%s", err, stderr.String())
	}
	var rep report.JSONReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return nil, fmt.Errorf("dry run report: %v", err)
	}
	out := map[string]bool{}
	for _, s := range rep.Sections {
		switch s.ID {
		case report.SectionExpiry, report.SectionDueDate, report.SectionStatus, report.SectionAutoRenew, report.SectionPrivacy:
			for _, row := range s.Rows {
				if len(row) > 0 {
					out[asciiName(row[0])] = true
				}
			}
		}
	}
	return out, nil
}

// printTraffic prints the traffic runs' table.
func printTraffic(results []result) {
	var any bool
	for _, r := range results {
		any = any || r.traffic != nil
	}
	if !any {
		return
	}
	fmt.Println()
	fmt.Println("| run | N | wall | requests | answered 429 | max 429 for one request | HTTP 500 injected | max served for one request | PUTs | left due | marked synced but wrong | changes still pending after | bound |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		t := r.traffic
		if t == nil {
			continue
		}
		bound := ""
		if t.bound > 0 {
			bound = fmt.Sprintf("≤ %.1fs", t.bound)
		}
		fmt.Printf("| %s | %d | %.2fs | %d | %d (%.1f%%) | %d | %d | %d | %d | %d | %d | %d | %s |\n", r.label, r.n, r.wall.Seconds(),
			t.requests, t.throttled, 100*float64(t.throttled)/float64(max(1, t.requests)), t.maxThrottled, t.failed, t.maxServed,
			r.puts, t.leftDue, t.wrong, t.pending, bound)
		if t.next != nil {
			fmt.Printf("| ↳ %s | %d | %.2fs | | | | | | %d | | | %d | |\n", t.next.label, t.next.n, t.next.wall.Seconds(), t.next.puts, t.pending)
		}
	}
}
