// Command bench is the benchmark harness behind `make bench` (see
// BENCHMARKS.md). For each portfolio size it seeds a MariaDB database with N
// Openprovider domains (plus domains of another registrar that must not be
// touched), serves the same portfolio from the simulated Openprovider with
// an injected latency per request, makes a share of the domains differ, and
// runs the real binary at its DEFAULT client settings (no rate_limit or
// concurrency in its configuration; -tuned sets rate_limit 1000 and
// concurrency 8): a batch with the chosen read strategy, the same batch the
// old script's way (one lookup per domain, in sequence; the batch is timed
// -repeat times, 3 by default, and the median run reported), --all, and --all
// again when nothing differs; then --all against a simulator that allows
// -server-rate requests a second (429 + Retry-After beyond), and --all with
// 20 % of the requests answered HTTP 500 with an unknown code followed by a
// run without faults (traffic.go). It prints wall time, registrar calls by
// kind (counted by the simulator), SQL statements (deltas of the server's
// GLOBAL STATUS Com_select/Com_update/Com_insert around the run) and the
// child's peak RSS.
//
//	go run ./testdata/bench -sizes 1000,10000 -latency 50ms -differ 0.10 -push 0.045
package main

import (
	"cmp"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/testdata/bench/memprofile"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

func main() {
	sizes := flag.String("sizes", "1000,10000,100000", "portfolio sizes")
	latency := flag.Duration("latency", 50*time.Millisecond, "injected latency per registrar request")
	differ := flag.Float64("differ", 0.10, "share of domains whose WHMCS expiry differs (one UPDATE transaction each)")
	push := flag.Float64("push", 0.045, "share of domains whose WHMCS auto-renew differs (one PUT each)")
	batch := flag.Int("batch", 200, "batch size")
	other := flag.Int("other", 1000, "domains of another registrar")
	conc := flag.Int("concurrency", 0, "registrar concurrency of the normal runs (0 = the client's default; -tuned: 8)")
	flag.BoolVar(&tuned, "tuned", false, "tuned client settings (rate_limit 1000, concurrency 8) instead of the defaults")
	flag.IntVar(&serverRate, "server-rate", 10, "requests a second the rate-enforcing simulator allows (run \"rate\")")
	seqMax := flag.Int("seq-max", 10000, "run the sequential comparison up to this portfolio size")
	flag.IntVar(&batchRepeat, "repeat", 3, "time the batch run this many times (each from the snapshot) and report the median")
	runs := flag.String("runs", "batch,sequential,all,nothing,rate,faults", "which timed runs (batch, sequential, all, nothing, rate, faults)")
	flag.StringVar(&prebuilt, "bin", "", "use this domainsync binary instead of building the working tree")
	flag.StringVar(&childMemLimit, "gomemlimit", "", "GOMEMLIMIT for the measured binary only (an experiment; empty = unset)")
	flag.StringVar(&memProfileDir, "memprofile", "", "directory for one heap profile per run (DOMAINSYNC_MEMPROFILE, near each run's peak; a -bin binary must be built with -tags memprofile)")
	flag.StringVar(&cpuProfileDir, "cpuprofile", "", "directory for one CPU profile per run of the binary (DOMAINSYNC_CPUPROFILE; a -bin binary must be built with -tags memprofile) and one of the harness while it runs (simulator included: <run>-harness.pprof)")
	flag.StringVar(&logDir, "logs", "", "keep each run's -v log (with timestamps) in this directory")
	reconcile := flag.Bool("reconcile", false, "benchmark `domainsync reconcile` instead of sync (see reconcile.go)")
	flag.Parse()
	if *reconcile {
		if err := runReconcileBench(*sizes, *latency, *other); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	for _, r := range strings.Split(*runs, ",") {
		selectedRuns[strings.TrimSpace(r)] = true
	}
	if tuned && *conc == 0 {
		*conc = 8
	}
	if err := run(*sizes, *latency, *differ, *push, *batch, *other, *conc, *seqMax); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// selectedRuns are the timed runs asked for (-runs); memProfileDir, when
// set, receives a heap profile per run.
var (
	selectedRuns  = map[string]bool{}
	memProfileDir string
	cpuProfileDir string
	logDir        string
	prebuilt      string
	childMemLimit string
	tuned         bool // rate_limit 1000 (and -concurrency, 8) in the configuration
	serverRate    int
)

// batchRepeat is how often the batch run is timed (-repeat): one run on
// the 2-core VM varies by ±25 % with the disk's commit latency (the batch
// commits about 30 transactions), so the table shows the median run, and
// the note under it every wall time.
var batchRepeat = 3

type result struct {
	label                                     string
	n                                         int
	wall                                      time.Duration
	walls                                     []time.Duration // every timed repeat (the batch), in order
	logins, pages, lookups, puts              int
	deletedPages                              int // listing pages with is_deleted=true
	selects, updates, inserts, domainsUpdates int64
	rssMB                                     float64
	traffic                                   *trafficResult // the rate and fault runs
}

func run(sizesFlag string, latency time.Duration, differ, push float64, batch, other, conc, seqMax int) error {
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

	var results []result
	for _, s := range strings.Split(sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-sizes: %q is not a size", s)
		}
		rs, err := benchSize(ctx, admin, base, bin, tmp, n, latency, differ, push, batch, other, conc, n <= seqMax)
		if err != nil {
			return fmt.Errorf("N=%d: %w", n, err)
		}
		results = append(results, rs...)
	}
	host, _ := os.Hostname()
	cpu := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	var ver string
	_ = admin.QueryRow("SELECT VERSION()").Scan(&ver)
	settings := "default client settings (no rate_limit or concurrency configured)"
	if tuned {
		settings = fmt.Sprintf("TUNED client settings: rate_limit 1000, concurrency %d", conc)
	} else if conc > 0 {
		settings = fmt.Sprintf("default rate ceiling, concurrency %d", conc)
	}
	fmt.Printf("\nmachine: %s, %s, %d CPUs; MariaDB %s; latency %s; differ %.1f%% (expiry), %.1f%% (auto-renew); batch %d; %s\n\n",
		host, cpu, numCPU(), ver, latency, differ*100, push*100, batch, settings)
	fmt.Println("| run | N | wall | logins | list pages (live+deleted) | lookups | PUTs | SELECT | UPDATE | tbldomains rows changed | INSERT | peak RSS |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		if r.traffic != nil {
			continue
		}
		fmt.Printf("| %s | %d | %.2fs | %d | %s | %d | %d | %d | %d | %d | %d | %.0f MB |\n", r.label, r.n, r.wall.Seconds(),
			r.logins, fmt.Sprintf("%d+%d", r.pages, r.deletedPages), r.lookups, r.puts, r.selects, r.updates, r.domainsUpdates, r.inserts, r.rssMB)
	}
	fmt.Println()
	for i := range results {
		if len(results[i].walls) > 1 {
			var ws []string
			for _, w := range results[i].walls {
				ws = append(ws, fmt.Sprintf("%.2fs", w.Seconds()))
			}
			fmt.Printf("N=%d: %s: the median of %d timed runs (%s)\n", results[i].n, results[i].label, len(ws), strings.Join(ws, ", "))
		}
		if results[i].label == "batch, sequential lookups" && i > 0 && results[i-1].label == "batch" {
			fmt.Printf("N=%d: batch of %d is %.1f× faster than one-lookup-per-domain sequential (%.2fs vs %.2fs)\n",
				results[i].n, batch, results[i].wall.Seconds()/results[i-1].wall.Seconds(), results[i-1].wall.Seconds(), results[i].wall.Seconds())
		}
	}
	printTraffic(results)
	return nil
}

func numCPU() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	return strings.Count(string(b), "\nprocessor") + 1
}

func benchSize(ctx context.Context, admin *sql.DB, base *mysql.Config, bin, tmp string, n int, latency time.Duration,
	differ, push float64, batch, other, conc int, sequential bool) ([]result, error) {
	name := fmt.Sprintf("dsbench_%d_%d", os.Getpid(), n)
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

	// Settle: one --all run without latency takes whatever the seed did not
	// match (so that the injected share is what differs), then snapshot.
	srv, url, stop, err := startSim(gen, 0)
	if err != nil {
		return nil, err
	}
	if _, err := runBinary(ctx, db, srv, bin, tmp, url, dsn.FormatDSN(), n, batch, conc, false, "settle", "--all", "--force"); err != nil {
		stop()
		return nil, err
	}
	stop()
	sync := "tblDomainSyncOpenprovider"
	stmts := []string{
		fmt.Sprintf("UPDATE tbldomains SET expirydate = DATE_SUB(expirydate, INTERVAL 30 DAY), nextduedate = DATE_SUB(nextduedate, INTERVAL 30 DAY), nextinvoicedate = DATE_SUB(nextinvoicedate, INTERVAL 30 DAY) WHERE registrar='openprovider' AND status='Active' AND expirydate > '1000-01-01' AND MOD(id, %d) = 0", every(differ)),
		fmt.Sprintf("UPDATE tbldomains SET donotrenew = 1 - donotrenew WHERE registrar='openprovider' AND status='Active' AND MOD(id, %d) = 1", every(push)),
		"CREATE TABLE bench_snapshot AS SELECT * FROM tbldomains",
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	settled := simState[n]
	restore := func() error {
		simState[n] = settled
		for _, q := range []string{"DELETE FROM tbldomains", "INSERT INTO tbldomains SELECT * FROM bench_snapshot", "DELETE FROM `" + sync + "`"} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	}

	var out []result
	measure := func(label string, seq bool, args ...string) error {
		r, _, err := measureWith(ctx, db, bin, tmp, dsn.FormatDSN(), gen, n, batch, conc, seq, opsim.Options{}, opsim.Faults{Latency: latency}, label, args...)
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	}
	if selectedRuns["batch"] {
		var runs []result
		for range max(1, batchRepeat) {
			if err := restore(); err != nil {
				return nil, err
			}
			if err := measure("batch", false); err != nil {
				return nil, err
			}
			runs, out = append(runs, out[len(out)-1]), out[:len(out)-1]
		}
		out = append(out, medianRun(runs))
	}
	if sequential && selectedRuns["sequential"] {
		if err := restore(); err != nil {
			return nil, err
		}
		if err := measure("batch, sequential lookups", true); err != nil {
			return nil, err
		}
	}
	if selectedRuns["all"] || selectedRuns["nothing"] {
		if err := restore(); err != nil {
			return nil, err
		}
		if err := measure("--all", false, "--all", "--force"); err != nil {
			return nil, err
		}
	}
	if selectedRuns["nothing"] {
		// WHMCS as --all left it, the simulator with what --all pushed: nothing differs.
		if err := measure("--all, nothing differs", false, "--all", "--force"); err != nil {
			return nil, err
		}
	}
	tr, err := trafficRuns(ctx, db, bin, tmp, dsn.FormatDSN(), gen, n, batch, conc, latency, restore)
	if err != nil {
		return nil, err
	}
	return append(out, tr...), nil
}

// medianRun is the run of median wall time (the lower middle of an even
// number), with every run's wall time in walls.
func medianRun(runs []result) result {
	sorted := slices.Clone(runs)
	slices.SortStableFunc(sorted, func(a, b result) int { return cmp.Compare(a.wall, b.wall) })
	m := sorted[(len(sorted)-1)/2]
	for _, r := range runs {
		m.walls = append(m.walls, r.wall)
	}
	return m
}

// measureWith runs the binary once against a fresh simulator holding the
// size's current portfolio, with these options and faults; it returns the
// simulator too (stopped; its request log kept).
func measureWith(ctx context.Context, db *sql.DB, bin, tmp, dsn string, gen []opsim.Domain, n, batch, conc int, seq bool,
	opts opsim.Options, faults opsim.Faults, label string, args ...string) (result, *opsim.Server, error) {
	fmt.Fprintf(os.Stderr, "N=%d: %s\n", n, label)
	srv, url, stop, err := startSimWith(gen, opts, faults)
	if err != nil {
		return result{}, nil, err
	}
	defer stop()
	c := conc
	if seq {
		c = 1
	}
	r, err := runBinary(ctx, db, srv, bin, tmp, url, dsn, n, batch, c, seq, label, args...)
	if err != nil {
		return result{}, nil, err
	}
	return r, srv, nil
}

func every(share float64) int {
	if share <= 0 {
		return 1 << 30
	}
	return max(1, int(1/share+0.5))
}

// simState keeps the simulator's portfolio across runs of one size, so that
// what a run pushed is still there for the next one.
var simState = map[int][]opsim.Domain{}

func startSim(gen []opsim.Domain, latency time.Duration) (*opsim.Server, string, func(), error) {
	return startSimWith(gen, opsim.Options{}, opsim.Faults{Latency: latency})
}

// startSimWith is startSim with more simulator options and faults.
func startSimWith(gen []opsim.Domain, opts opsim.Options, faults opsim.Faults) (*opsim.Server, string, func(), error) {
	ds := gen
	if st, ok := simState[len(gen)]; ok {
		ds = st
	}
	opts.Domains, opts.LoginLimit = ds, -1
	srv := opsim.New(opts)
	srv.SetFaults(faults)
	url, stop, err := srv.Start()
	if err != nil {
		return nil, "", nil, err
	}
	return srv, url, func() { simState[len(gen)] = srv.Domains(); stop() }, nil
}

func globalStatus(ctx context.Context, db *sql.DB) (map[string]int64, error) {
	rows, err := db.QueryContext(ctx, "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_select','Com_update','Com_insert','Com_update_multi','Handler_update')")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var k string
		var v int64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, rows.Err()
}

// writeConfig writes the run's configuration: the client at its defaults
// (or tuned), conc > 0 set as its concurrency.
func writeConfig(tmp, dsn, url string, srv *opsim.Server, conc, batch int) (string, error) {
	conf := filepath.Join(tmp, "domainsync.yaml")
	client := ""
	if tuned {
		client += "    rate_limit: 1000\n"
	}
	if conc > 0 {
		client += fmt.Sprintf("    concurrency: %d\n", conc)
	}
	y := fmt.Sprintf(`whmcs:
  dsn: %q
registrars:
  openprovider:
    url: %q
    username: %q
    password: %q
%ssync:
  batch_size: %d
`, dsn, url, srv.Username(), srv.Password(), client, batch)
	return conf, os.WriteFile(conf, []byte(y), 0o600)
}

func runBinary(ctx context.Context, db *sql.DB, srv *opsim.Server, bin, tmp, url, dsn string, n, batch, conc int, seq bool, label string, args ...string) (result, error) {
	conf, err := writeConfig(tmp, dsn, url, srv, conc, batch)
	if err != nil {
		return result{}, err
	}
	// tbldomains rows the run changes: a copy before, compared after.
	for _, q := range []string{"DROP TABLE IF EXISTS bench_pre", "CREATE TABLE bench_pre AS SELECT * FROM tbldomains"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return result{}, err
		}
	}
	before, err := globalStatus(ctx, db)
	if err != nil {
		return result{}, err
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"sync", "--config", conf, "--no-mail", "-v"}, args...)...)
	cmd.Env = append(os.Environ(), "DOMAINSYNC_READ_STRATEGY=", "DOMAINSYNC_MEMPROFILE=", "DOMAINSYNC_CPUPROFILE=")
	if childMemLimit != "" {
		cmd.Env = append(cmd.Env, "GOMEMLIMIT="+childMemLimit)
	}
	if memProfileDir != "" {
		cmd.Env = append(cmd.Env, "DOMAINSYNC_MEMPROFILE="+filepath.Join(memProfileDir,
			strings.NewReplacer(" ", "_", ",", "", "-", "", "/", "_", "%", "pct").Replace(fmt.Sprintf("%d-%s.pprof", n, label))))
	}
	if cpuProfileDir != "" {
		cmd.Env = append(cmd.Env, "DOMAINSYNC_CPUPROFILE="+filepath.Join(cpuProfileDir,
			strings.NewReplacer(" ", "_", ",", "", "-", "", "/", "_", "%", "pct").Replace(fmt.Sprintf("%d-%s.pprof", n, label))))
	}
	if seq {
		cmd.Env = append(cmd.Env, "DOMAINSYNC_READ_STRATEGY=lookup")
	}
	logBase := tmp
	if logDir != "" {
		logBase = logDir
	}
	logPath := filepath.Join(logBase, strings.NewReplacer(" ", "_", ",", "", "-", "", "/", "_", "%", "pct").Replace(fmt.Sprintf("%d-%s.log", n, label)))
	lf, err := os.Create(logPath)
	if err != nil {
		return result{}, err
	}
	defer lf.Close()
	cmd.Stderr, cmd.Stdout = lf, lf
	stopCPU := func() {}
	if cpuProfileDir != "" {
		stopCPU = memprofile.StartCPU(filepath.Join(cpuProfileDir,
			strings.NewReplacer(" ", "_", ",", "", "-", "", "/", "_", "%", "pct").Replace(fmt.Sprintf("%d-%s-harness.pprof", n, label))))
	}
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
	stopCPU()
	if err != nil {
		b, _ := os.ReadFile(logPath)
		tail := string(b)
		if len(tail) > 4000 {
			tail = tail[len(tail)-4000:]
		}
		return result{}, fmt.Errorf("%s: %v\n%s", label, err, tail)
	}
	after, err := globalStatus(ctx, db)
	if err != nil {
		return result{}, err
	}
	r := result{label: label, n: n, wall: wall,
		selects: after["Com_select"] - before["Com_select"],
		updates: after["Com_update"] - before["Com_update"],
		inserts: after["Com_insert"] - before["Com_insert"]}
	// Not rusage Maxrss: Go starts the child with vfork (CLONE_VM), and
	// Linux's exec records the high-water RSS of the mm it replaces (this
	// harness's, simulator and portfolio included) as the child's maxrss.
	r.rssMB = float64(hwm) / 1024
	// Taken after the status read, so its SELECT is not counted.
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tbldomains d JOIN bench_pre p ON p.id = d.id
		WHERE NOT (d.expirydate <=> p.expirydate AND d.nextduedate <=> p.nextduedate AND d.nextinvoicedate <=> p.nextinvoicedate
		AND d.status <=> p.status AND d.donotrenew <=> p.donotrenew AND d.idprotection <=> p.idprotection)`).Scan(&r.domainsUpdates); err != nil {
		return result{}, err
	}
	for _, q := range srv.Requests() {
		switch {
		case q.Path == "/v1beta/auth/login":
			r.logins++
		case q.Method == "GET" && q.Path == "/v1beta/domains" && strings.Contains(q.Query, "offset=") && strings.Contains(q.Query, "is_deleted=true"):
			r.deletedPages++
		case q.Method == "GET" && q.Path == "/v1beta/domains" && strings.Contains(q.Query, "offset="):
			r.pages++
		case q.Method == "GET" && q.Path == "/v1beta/domains":
			r.lookups++
		case q.Method == "PUT":
			r.puts++
		}
	}
	return r, nil
}

// seed inserts one Active tbldomains row per generated domain (expiry from
// the renewal date, due 14 days earlier, do-not-renew and ID protection as
// the registrar has them) and other domains of registrar "enom".
func seed(ctx context.Context, db *sql.DB, gen []opsim.Domain, other int) error {
	const cols = "(userid, type, registrationdate, domain, registrar, registrationperiod, expirydate, status, nextduedate, nextinvoicedate, idprotection, donotrenew, firstpaymentamount, recurringamount, subscriptionid, additionalnotes, paymentmethod, reminders)"
	var rows []string
	var args []any
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		_, err := db.ExecContext(ctx, "INSERT INTO tbldomains "+cols+" VALUES "+strings.Join(rows, ","), args...)
		rows, args = rows[:0], args[:0]
		return err
	}
	add := func(name, registrar, expiry string, idp, dnr bool) error {
		due := "0000-00-00"
		if expiry == "" {
			expiry = "0000-00-00"
		} else if d, err := time.Parse("2006-01-02", expiry); err == nil {
			due = d.AddDate(0, 0, -14).Format("2006-01-02")
		}
		rows = append(rows, "(1,'Register','2020-01-01',?,?,1,?,'Active',?,?,?,?,'0.00','10.00','','','banktransfer','')")
		args = append(args, name, registrar, expiry, due, due, idp, dnr)
		if len(rows) == 1000 {
			return flush()
		}
		return nil
	}
	for _, d := range gen {
		exp := ""
		if len(d.RenewalDate) >= 10 {
			exp = d.RenewalDate[:10]
		}
		if err := add(d.FullName(), "openprovider", exp, d.IsPrivateWhoisEnabled, d.Autorenew == "off"); err != nil {
			return err
		}
	}
	for i := range other {
		if err := add(fmt.Sprintf("other-registrar%d.com", i), "enom", "2026-06-01", false, false); err != nil {
			return err
		}
	}
	return flush()
}

// pollHWM reads the child's VmHWM (peak resident set of its own address
// space, in kB) every 5 ms until stop is closed or the process is gone, and
// returns the last value read: VmHWM only grows, so that is the peak, short
// of whatever the child added in its last few milliseconds.
func pollHWM(pid int, stop <-chan struct{}) int64 {
	path := fmt.Sprintf("/proc/%d/status", pid)
	var last int64
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
					if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64); err == nil && kb > last {
						last = kb
					}
				}
			}
		}
		select {
		case <-stop:
			return last
		case <-t.C:
		}
	}
}
