package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// reconcileResult is one timed `domainsync reconcile` run.
type reconcileResult struct {
	label          string
	whmcs, atReg   int // WHMCS rows (all registrars) and registrar domains
	wall           time.Duration
	pages, lookups int
	rssMB          float64
}

// runReconcileBench (-reconcile) seeds, per size N, N Openprovider domains
// plus `other` enom domains in WHMCS and times `domainsync reconcile
// --registrar openprovider --no-mail` three ways: both sides N; WHMCS N
// against a registrar holding 1,000; WHMCS cut to 1,000 (+other) against a
// registrar holding N. Openprovider only: ODR's listing goes through the
// same Reconciler.
func runReconcileBench(sizesFlag string, latency time.Duration, other int) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "domainsync-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "domainsync")
	if prebuilt != "" {
		bin = prebuilt
	} else if out, err := exec.Command("go", "build", "-tags", "memprofile", "-o", bin, ".").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	base, err := mysql.ParseDSN(whmcstest.BaseDSN())
	if err != nil {
		return err
	}
	base.MultiStatements = true
	base.Params = map[string]string{"sql_mode": "''"}
	admin, err := sql.Open("mysql", base.FormatDSN())
	if err != nil {
		return err
	}
	defer admin.Close()
	var results []reconcileResult
	for _, s := range strings.Split(sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-sizes: %q is not a size", s)
		}
		rs, err := reconcileSize(ctx, admin, base, bin, tmp, n, latency, other)
		if err != nil {
			return fmt.Errorf("N=%d: %w", n, err)
		}
		results = append(results, rs...)
	}
	fmt.Printf("\nreconcile, Openprovider; latency %s; %d CPUs\n\n", latency, numCPU())
	fmt.Println("| run | WHMCS rows | registrar domains | wall | list pages | lookups | peak RSS |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		fmt.Printf("| %s | %d | %d | %.2fs | %d | %d | %.0f MB |\n", r.label, r.whmcs, r.atReg, r.wall.Seconds(), r.pages, r.lookups, r.rssMB)
	}
	return nil
}

func reconcileSize(ctx context.Context, admin *sql.DB, base *mysql.Config, bin, tmp string, n int, latency time.Duration, other int) ([]reconcileResult, error) {
	name := fmt.Sprintf("dsbench_rec_%d_%d", os.Getpid(), n)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8 COLLATE utf8_unicode_ci"); err != nil {
		return nil, err
	}
	defer admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+name+"`")
	cfg := base.Clone()
	cfg.DBName = name
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	schema, err := os.ReadFile(whmcstest.SchemaPath())
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, string(schema)); err != nil {
		return nil, fmt.Errorf("loading the schema: %w", err)
	}
	gen := opsim.Generate(n, 1)
	fmt.Fprintf(os.Stderr, "N=%d: seeding\n", n)
	if err := seed(ctx, db, gen, other); err != nil {
		return nil, err
	}
	dsn := cfg.Clone()
	dsn.MultiStatements = false
	dsn.Params = nil
	small := min(n, 1000)

	var out []reconcileResult
	one := func(label string, atReg []opsim.Domain) error {
		fmt.Fprintf(os.Stderr, "N=%d: reconcile, %s\n", n, label)
		var rows int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM tbldomains").Scan(&rows); err != nil {
			return err
		}
		r, err := reconcileOnce(ctx, bin, tmp, dsn.FormatDSN(), atReg, latency, label)
		if err != nil {
			return err
		}
		r.whmcs, r.atReg = rows, len(atReg)
		out = append(out, r)
		return nil
	}
	if err := one("both sides N", gen); err != nil {
		return nil, err
	}
	if n > small {
		if err := one("WHMCS N, registrar 1k", gen[:small]); err != nil {
			return nil, err
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM tbldomains WHERE registrar = 'openprovider' AND id > (SELECT m FROM (SELECT MIN(id) + ? AS m FROM tbldomains) t)", small-1); err != nil {
			return nil, err
		}
		if err := one("WHMCS 1k, registrar N", gen); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func reconcileOnce(ctx context.Context, bin, tmp, dsn string, atReg []opsim.Domain, latency time.Duration, label string) (reconcileResult, error) {
	srv := opsim.New(opsim.Options{Domains: atReg, LoginLimit: -1})
	srv.SetFaults(opsim.Faults{Latency: latency})
	url, stop, err := srv.Start()
	if err != nil {
		return reconcileResult{}, err
	}
	defer stop()
	conf := filepath.Join(tmp, "domainsync.yaml")
	client := "" // the client's default settings (issue 16), unless -tuned
	if tuned {
		client = "    rate_limit: 1000\n"
	}
	y := fmt.Sprintf("whmcs:\n  dsn: %q\nregistrars:\n  openprovider:\n    url: %q\n    username: %q\n    password: %q\n%s",
		dsn, url, srv.Username(), srv.Password(), client)
	if err := os.WriteFile(conf, []byte(y), 0o600); err != nil {
		return reconcileResult{}, err
	}
	cmd := exec.CommandContext(ctx, bin, "reconcile", "--config", conf, "--registrar", "openprovider", "--no-mail", "-v")
	cmd.Env = append(os.Environ(), "DOMAINSYNC_MEMPROFILE=")
	if childMemLimit != "" {
		cmd.Env = append(cmd.Env, "GOMEMLIMIT="+childMemLimit)
	}
	logPath := filepath.Join(tmp, "reconcile.log")
	lf, err := os.Create(logPath)
	if err != nil {
		return reconcileResult{}, err
	}
	defer lf.Close()
	cmd.Stderr, cmd.Stdout = lf, lf
	start := time.Now()
	var hwm int64
	if err = cmd.Start(); err == nil {
		stopPoll := make(chan struct{})
		polled := make(chan int64)
		go func() { polled <- pollHWM(cmd.Process.Pid, stopPoll) }()
		err = cmd.Wait()
		close(stopPoll)
		hwm = <-polled
	}
	wall := time.Since(start)
	if err != nil {
		b, _ := os.ReadFile(logPath)
		tail := string(b)
		if len(tail) > 4000 {
			tail = tail[len(tail)-4000:]
		}
		return reconcileResult{}, fmt.Errorf("%s: %v\n%s", label, err, tail)
	}
	r := reconcileResult{label: label, wall: wall, rssMB: float64(hwm) / 1024}
	for _, q := range srv.Requests() {
		if q.Method == "GET" && q.Path == "/v1beta/domains" {
			if strings.Contains(q.Query, "offset=") {
				r.pages++
			} else {
				r.lookups++
			}
		}
	}
	return r, nil
}
