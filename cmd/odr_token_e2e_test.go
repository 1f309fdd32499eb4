package cmd

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar/odr/odrsim"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// expiry names the k-th authorized request (any but the login) that
// arrives after the login-th login was answered, 1-based.
type expiry struct{ login, k int }

// tokenExpirer is a request hook in front of the simulator: it expires
// every token (odrsim's ExpireTokens) just before the requests named in at
// are served. Counting from a login keeps it deterministic although the
// client sends its reads concurrently.
type tokenExpirer struct {
	mu      sync.Mutex
	sim     *odrsim.Server
	at      map[expiry]bool
	logins  int
	n       int // authorized requests since the last login was answered
	total   int
	expired int
}

// ServeHTTP counts the request and expires the tokens when it is named.
// Each request is counted and served whole under one lock: a request
// counted before the one that expires the tokens has been answered with
// the live token by then (served outside the lock, the expiry could
// overtake it, and the token would never have worked).
func (x *tokenExpirer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if strings.Trim(r.URL.Path, "/") == "user/login" {
		x.sim.ServeHTTP(w, r)
		x.logins++
		x.n = 0
		return
	}
	x.n++
	x.total++
	if x.at[expiry{x.logins, x.n}] {
		x.sim.ExpireTokens()
		x.expired++
	}
	x.sim.ServeHTTP(w, r)
}

// withODRExpiring is withODR with the simulator behind a tokenExpirer that
// expires the tokens at these requests.
func withODRExpiring(t *testing.T, e *e2e, opts odrsim.Options, at ...expiry) (*odrsim.Server, *tokenExpirer) {
	t.Helper()
	sim := odrsim.New(opts)
	x := &tokenExpirer{sim: sim, at: map[expiry]bool{}}
	for _, n := range at {
		x.at[n] = true
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: x, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	data := readFile(t, e.cfgPath)
	block := fmt.Sprintf("  odr:\n    url: %q\n    api_key: %q\n    api_secret: %q\n    modules: [odr, ODR]\n    rate_limit: 1000\n    timeout: 10s\nreport:\n",
		"http://"+ln.Addr().String(), sim.APIKey(), sim.APISecret())
	data = strings.Replace(data, "report:\n", block, 1)
	if err := os.WriteFile(e.cfgPath, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return sim, x
}

// tokenFixture seeds one Openprovider domain whose expiry moves and four ODR
// domains: two expiries move, one has auto-renew to switch off, one agrees.
type tokenFixture struct {
	opID, aID, bID, renewID, sameID int64
}

func seedTokenFixture(e *e2e) tokenFixture {
	e.opDomain("op1.com", "ACT", "2026-05-01", "default")
	var f tokenFixture
	f.opID = e.domain(whmcstest.DomainRow{Domain: "op1.com", Status: "Active", ExpiryDate: "2026-01-01", NextDueDate: "2025-12-18", NextInvoiceDate: "2025-12-18", RegistrationDate: "2020-01-10"})
	f.aID = e.domain(whmcstest.DomainRow{Domain: "a.nl", Registrar: "odr", Status: "Active", ExpiryDate: "2026-01-01", NextDueDate: "2025-12-18", NextInvoiceDate: "2025-12-18", RegistrationDate: "2020-01-10"})
	f.bID = e.domain(whmcstest.DomainRow{Domain: "b.nl", Registrar: "odr", Status: "Active", ExpiryDate: "2026-02-01", NextDueDate: "2026-01-18", NextInvoiceDate: "2026-01-18", RegistrationDate: "2020-01-10"})
	f.renewID = e.domain(whmcstest.DomainRow{Domain: "renew.nl", Registrar: "odr", Status: "Active", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15", RegistrationDate: "2020-01-10", DoNotRenew: true})
	f.sameID = e.domain(whmcstest.DomainRow{Domain: "same.nl", Registrar: "odr", Status: "Active", ExpiryDate: "2027-04-01", NextDueDate: "2027-03-18", NextInvoiceDate: "2027-03-18", RegistrationDate: "2020-01-10"})
	return f
}

func tokenDomains() []odrsim.Domain {
	return []odrsim.Domain{
		{ID: 1, Name: "a.nl", Status: "REGISTERED", AutoRenew: true, Expiration: "2027-01-01 00:00:00"},
		{ID: 2, Name: "b.nl", Status: "REGISTERED", AutoRenew: true, Expiration: "2027-02-01 00:00:00"},
		{ID: 3, Name: "renew.nl", Status: "REGISTERED", AutoRenew: true, Expiration: "2027-03-01 00:00:00"},
		{ID: 4, Name: "same.nl", Status: "REGISTERED", AutoRenew: true, Expiration: "2027-04-01 00:00:00"},
	}
}

func logDump(sim *odrsim.Server) string {
	var b strings.Builder
	for _, r := range sim.Requests() {
		fmt.Fprintf(&b, "%d %s %s?%s token=%v\n", r.Status, r.Method, r.Path, r.Query, r.Token)
	}
	return b.String()
}

// The ODR token expires after the login and the first reads: the run logs
// in again exactly once, completes and writes everything, repeating no
// request more than 3 times.
func TestSyncE2EODRTokenExpiresMidRun(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	sim, x := withODRExpiring(t, e, odrsim.Options{PerPage: 2, Domains: tokenDomains()}, expiry{1, 2})
	f := seedTokenFixture(e)

	code, _, stderr := e.run()
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stderr, logDump(sim))
	}
	if x.expired != 1 {
		t.Fatalf("tokens expired %d times, want 1 (the run made %d authorized requests)\n%s", x.expired, x.total, logDump(sim))
	}
	if n := sim.Count("POST", "/user/login/"); n != 2 {
		t.Errorf("logins %d, want 2 (one login again)\n%s", n, logDump(sim))
	}
	// Reads in flight with the expired token are all refused (the client
	// reads concurrently); each is repeated once, after the one new login.
	refused := map[string]int{}
	for _, r := range sim.Requests() {
		if r.Status == http.StatusUnauthorized {
			refused[r.Key()]++
		}
	}
	if len(refused) == 0 {
		t.Errorf("no request was refused\n%s", logDump(sim))
	}
	for k, n := range refused {
		if n != 1 {
			t.Errorf("%q refused %d times", k, n)
		}
	}
	if odrPuts(sim, "/renew-on") != 0 {
		t.Errorf("renew-on sent\n%s", logDump(sim))
	}
	if key, n := sim.MaxIdentical(); n > 3 {
		t.Errorf("%q sent %d times (> 3)", key, n)
	}
	if got := odrPuts(sim, "/renew-off"); got != 1 {
		t.Errorf("renew-off sent %d times, want 1", got)
	}
	if d, _ := sim.Domain("renew.nl"); d.AutoRenew {
		t.Error("renew.nl still renews at ODR")
	}
	mustContain(t, "billing", strings.Join(e.query("SELECT id, status, expirydate, nextduedate FROM tbldomains ORDER BY id"), "\n"),
		fmt.Sprintf("%d | Active | 2026-05-01 | 2025-12-18", f.opID),
		fmt.Sprintf("%d | Active | 2027-01-01 | 2025-12-18", f.aID),
		fmt.Sprintf("%d | Active | 2027-02-01 | 2026-01-18", f.bID),
		fmt.Sprintf("%d | Active | 2027-03-01 | 2027-02-15", f.renewID),
		fmt.Sprintf("%d | Active | 2027-04-01 | 2027-03-18", f.sameID))
	if ids := e.query("SELECT id FROM tblDomainSyncOdr"); len(ids) != 4 {
		t.Errorf("tblDomainSyncOdr ids %v, want the 4 ODR domains", ids)
	}
	s := subjects(e)
	if len(s) != 2 || !strings.Contains(s[1], "(odr)") || strings.Contains(strings.ToLower(s[1]), "error") {
		t.Errorf("subjects %q", s)
	}
}

// A token refused at its very first call (it never worked) stops ODR's
// run as an authentication failure, without a third login (no login
// loops): exit 1, one error in the ODR report, Openprovider's batch synced
// and reported as usual.
func TestSyncE2EODRTokenRefusedBeforeItWorked(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	sim, x := withODRExpiring(t, e, odrsim.Options{PerPage: 2, Domains: tokenDomains()}, expiry{1, 2}, expiry{2, 1})
	f := seedTokenFixture(e)

	code, _, stderr := e.run()
	if code != ExitError {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitError, stderr, logDump(sim))
	}
	if x.expired != 2 {
		t.Fatalf("tokens expired %d times, want 2\n%s", x.expired, logDump(sim))
	}
	if n := sim.Count("POST", "/user/login/"); n != 2 {
		t.Errorf("logins %d, want 2 (never a third)\n%s", n, logDump(sim))
	}
	if key, n := sim.MaxServed(); n > 3 {
		t.Errorf("%q sent %d times (> 3)", key, n)
	}
	if strings.Contains(stderr, sim.APISecret()) {
		t.Error("the secret was printed")
	}
	mustContain(t, "stderr", stderr, "odr")
	if got := e.query("SELECT expirydate, nextduedate FROM tbldomains WHERE id = ?", f.opID); got[0] != "2026-05-01 | 2025-12-18" {
		t.Errorf("openprovider domain not synced: %v", got)
	}
	if got := e.query("SELECT id FROM tblDomainSyncOpenprovider"); len(got) != 1 || got[0] != fmt.Sprint(f.opID) {
		t.Errorf("tblDomainSyncOpenprovider ids %v", got)
	}
	s := subjects(e)
	if len(s) != 2 || !strings.HasPrefix(s[0], "Domain sync (openprovider)") || strings.Contains(strings.ToLower(s[0]), "error") {
		t.Fatalf("subjects %q", s)
	}
	if !strings.Contains(s[1], "(odr)") || !strings.Contains(s[1], "1 error") {
		t.Errorf("odr subject %q, want one error", s[1])
	}
	_, p := e.mailTo(1)
	mustContain(t, "odr report", p.Text, "Errors: please check these domains manually (1)", "(odr account)", "refused before any call with it succeeded")
	if n := strings.Count(p.Text, "refused before any call"); n != 1 {
		t.Errorf("%d error rows, want 1:\n%s", n, p.Text)
	}
	// Nothing of ODR was written, and its domains stay due.
	if got := e.query("SELECT expirydate FROM tbldomains WHERE id IN (?, ?) ORDER BY id", f.aID, f.bID); strings.Join(got, ",") != "2026-01-01,2026-02-01" {
		t.Errorf("ODR expiries written after the fatal error: %v", got)
	}
	if got := e.query("SELECT id FROM tblDomainSyncOdr"); len(got) != 0 {
		t.Errorf("tblDomainSyncOdr %v, want none marked synced", got)
	}
}

// Issue 16: an ODR token that dies every 3 calls, listing pages of 3
// (--all over 10 domains: 4 pages, then the writes): the run finishes with
// every change right, logging in once per expiry, and no request is
// served more than 3 times.
func TestSyncE2EODRTokenDiesEveryThreeCalls(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	ds := tokenDomains()
	for i := 5; i <= 10; i++ {
		ds = append(ds, odrsim.Domain{ID: int64(i), Name: fmt.Sprintf("more%d.nl", i), Status: "REGISTERED", AutoRenew: true,
			Expiration: fmt.Sprintf("2027-%02d-01 00:00:00", i)})
	}
	sim := withODR(t, e, odrsim.Options{PerPage: 3, TokenCalls: 3, Domains: ds}, "")
	f := seedTokenFixture(e)
	var more []int64
	for i := 5; i <= 10; i++ {
		more = append(more, e.domain(whmcstest.DomainRow{Domain: fmt.Sprintf("more%d.nl", i), Registrar: "odr", Status: "Active",
			ExpiryDate: fmt.Sprintf("2026-%02d-01", i), NextDueDate: fmt.Sprintf("2026-%02d-01", i), NextInvoiceDate: fmt.Sprintf("2026-%02d-01", i),
			RegistrationDate: "2020-01-10", DoNotRenew: i%2 == 0}))
	}

	code, _, stderr := e.run()
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stderr, logDump(sim))
	}
	refused := map[string]bool{}
	for _, r := range sim.Requests() {
		if r.Status == http.StatusUnauthorized {
			refused[r.AccessToken] = true
		}
	}
	logins := sim.Count("POST", "/user/login/")
	if len(refused) < 3 || logins != 1+len(refused) {
		t.Errorf("%d logins for %d expired tokens, want one each plus the first\n%s", logins, len(refused), logDump(sim))
	}
	if key, n := sim.MaxServed(); n > 3 {
		t.Errorf("%q served %d times (> 3)", key, n)
	}
	if d, _ := sim.Domain("renew.nl"); d.AutoRenew {
		t.Error("renew.nl still renews at ODR")
	}
	for i := 5; i <= 10; i++ {
		if d, _ := sim.Domain(fmt.Sprintf("more%d.nl", i)); d.AutoRenew != (i%2 != 0) {
			t.Errorf("more%d.nl auto-renew %v", i, d.AutoRenew)
		}
	}
	mustContain(t, "billing", strings.Join(e.query("SELECT id, expirydate FROM tbldomains ORDER BY id"), "\n"),
		fmt.Sprintf("%d | 2027-01-01", f.aID), fmt.Sprintf("%d | 2027-02-01", f.bID),
		fmt.Sprintf("%d | 2027-05-01", more[0]), fmt.Sprintf("%d | 2027-10-01", more[5]))
	if ids := e.query("SELECT id FROM tblDomainSyncOdr"); len(ids) != 10 {
		t.Errorf("tblDomainSyncOdr ids %v, want the 10 ODR domains", ids)
	}

	// --all lists the portfolio in pages of 3 through the expiries too.
	if code, _, stderr := e.run("--all", "--force"); code != 0 {
		t.Fatalf("--all: exit %d\n%s\n%s", code, stderr, logDump(sim))
	}
	refused = map[string]bool{}
	pages := map[string]bool{}
	for _, r := range sim.Requests() {
		if r.Status == http.StatusUnauthorized {
			refused[r.AccessToken] = true
		}
		if r.Path == "/domain/" && r.Status == http.StatusOK {
			pages[r.Query] = true
		}
	}
	if logins := sim.Count("POST", "/user/login/"); logins != 2+len(refused) || len(pages) != 4 {
		t.Errorf("after --all: %d logins for %d expired tokens (two runs), %d pages read\n%s", logins, len(refused), len(pages), logDump(sim))
	}
}
