package openprovider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
)

const fixture = "../../testdata/openprovider/domains.json"

// setup starts a simulator holding the fixture (unless opts.Domains is
// set) and a fast client for it. When the test ends it checks that no
// identical request reached the simulator more than three times.
func setup(t *testing.T, opts opsim.Options, mod ...func(*Config)) (*opsim.Server, *Client) {
	t.Helper()
	if opts.Domains == nil {
		ds, err := opsim.LoadFile(fixture)
		if err != nil {
			t.Fatal(err)
		}
		opts.Domains = ds
	}
	s, u := opsim.StartTB(t, opts)
	return s, newClient(t, s, u, mod...)
}

func newClient(t *testing.T, s *opsim.Server, u string, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		URL: u, Username: s.Username(), Password: s.Password(),
		RateLimit: -1, Concurrency: 4, RequestTimeout: 2 * time.Second, RetryBackoff: time.Millisecond,
		UserAgent: "domainsync/test",
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if key, n := s.MaxServed(); n > 3 {
			t.Errorf("identical request served %d times: %s", n, key)
		}
	})
	return c
}

func TestNew(t *testing.T) {
	ok := Config{Username: "u", Password: "p"}
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no url means production", func(c *Config) {}, ""},
		{"ftp", func(c *Config) { c.URL = "ftp://x" }, `url "ftp://x" is not an http(s) URL`},
		{"no host", func(c *Config) { c.URL = "https://" }, "is not an http(s) URL"},
		{"credentials in url", func(c *Config) { c.URL = "https://u:p@api.example" }, "must not contain credentials"},
		{"no username", func(c *Config) { c.Username = "" }, "username is required"},
		{"no password", func(c *Config) { c.Password = "" }, "password is required"},
		{"negative", func(c *Config) { c.Concurrency = -1 }, "must not be negative"},
		{"client and ca", func(c *Config) { c.HTTPClient = http.DefaultClient; c.CAFile = "x.pem" }, "not both"},
		{"missing ca", func(c *Config) { c.CAFile = filepath.Join(t.TempDir(), "none.pem") }, "ca file"},
	}
	for _, tt := range tests {
		cfg := ok
		tt.mod(&cfg)
		c, err := New(cfg)
		if tt.want == "" {
			if err != nil || c.base.String() != ProductionURL {
				t.Errorf("%s: %v, %v", tt.name, c, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	if _, err := New(Config{Username: "u", Password: "p", CAFile: bad}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("bad ca file: %v", err)
	}
	c, err := New(Config{URL: "http://api.sandbox.openprovider.nl:8480/v1beta/", Username: "u", Password: "p"})
	if err != nil || c.base.String() != "http://api.sandbox.openprovider.nl:8480" {
		t.Errorf("sandbox url with /v1beta/: %v %v", c, err)
	}
	if c.conc != DefaultConcurrency || c.timeout != DefaultRequestTimeout || c.userAgent != DefaultUserAgent ||
		c.pacer.Ceiling() != DefaultRateLimit || c.pacer.Rate() != DefaultRateLimit/3 || c.pacer.Burst() != DefaultRateLimit { // (the first second's burst: rest.FirstSecond)
		t.Errorf("defaults: conc %d timeout %s ua %q ceiling %v rate %v burst %d", c.conc, c.timeout, c.userAgent, c.pacer.Ceiling(), c.pacer.Rate(), c.pacer.Burst())
	}
}

func TestLoginOnceAndHeaders(t *testing.T) {
	s, c := setup(t, opsim.Options{})
	ctx := context.Background()
	if err := c.Login(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lookup(ctx, []string{"example.com", "example.co.uk"}); err != nil {
		t.Fatal(err)
	}
	if n := s.Count("POST", "/v1beta/auth/login"); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
	reqs := s.Requests()
	if !strings.Contains(reqs[0].Body, `"username":"reseller"`) || strings.Contains(reqs[0].Body, `"ip"`) {
		t.Errorf("login body %s", reqs[0].Body)
	}
	for _, r := range reqs {
		if r.UserAgent != "domainsync/test" {
			t.Errorf("User-Agent %q", r.UserAgent)
		}
		if r.Path != "/v1beta/auth/login" && len(r.Token) != 32 {
			t.Errorf("%s %s without the bearer token", r.Method, r.Path)
		}
	}
	if st := c.Stats(); st.Logins != 1 || st.Lists != 2 || st.Requests != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestLoginRefused(t *testing.T) {
	for _, status := range []int{401, 500, 200} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			s, c := setup(t, opsim.Options{AuthFailStatus: status}, func(c *Config) { c.Password = "wrong-secret" })
			ctx := context.Background()
			err := c.Login(ctx)
			if registrar.KindOf(err) != registrar.KindAuth || !registrar.IsAccountLevel(err) || !strings.Contains(err.Error(), "check the username and password") {
				t.Fatalf("Login: %v", err)
			}
			if strings.Contains(err.Error(), "wrong-secret") {
				t.Fatalf("error reveals the password: %v", err)
			}
			// The run is over: nothing else reaches the API.
			if _, err2 := c.Lookup(ctx, []string{"example.com"}); !errors.Is(err2, err) {
				t.Errorf("Lookup after a refused login: %v", err2)
			}
			if err2 := c.SetAutoRenew(ctx, registrar.Record{Name: "example.com", ID: "22000001"}, true); !errors.Is(err2, err) {
				t.Errorf("SetAutoRenew after a refused login: %v", err2)
			}
			if n := len(s.Requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	s, c := setup(t, opsim.Options{})
	names := []string{"example.com", "EXAMPLE.co.uk", "bücher.de", "xn--bcher-kva.de", "pending-transfer.nl",
		"old-shop.nl", "nothere.com", "reused.com", "future.london", "flags-as-strings.net", "restoring.eu", "bad name.com", "example.com"}
	res, err := c.Lookup(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(names)-1 {
		t.Errorf("%d results for %d distinct names", len(res), len(names)-1)
	}
	found := func(name, id string) registrar.Record {
		t.Helper()
		r, ok := res[name]
		if !ok || !r.Found || r.Err != nil || r.DeletedRecord != nil || r.Record.ID != id || r.Record.Invalid != nil {
			t.Errorf("%s: %+v", name, r)
		}
		return r.Record
	}
	rec := found("example.com", "22000001")
	want := registrar.Record{Name: "example.com", UnicodeName: "example.com", ID: "22000001", StatusCode: "ACT", StatusText: "active",
		Family: registrar.FamilyActive, Expiry: civil.Date{Year: 2026, Month: 3, Day: 15}, AutoRenew: registrar.AutoRenewDefault,
		PrivacyAllowed: true, PrivacyKnown: true, Registrant: "XX100001-NL"}
	if rec != want {
		t.Errorf("example.com\n got %+v\nwant %+v", rec, want)
	}
	if r := found("EXAMPLE.co.uk", "22000002"); r.Name != "example.co.uk" || r.Expiry != (civil.Date{Year: 2026, Month: 7, Day: 1}) || !r.Privacy || r.AutoRenew != registrar.AutoRenewOff {
		t.Errorf("co.uk: %+v", r)
	}
	for _, n := range []string{"bücher.de", "xn--bcher-kva.de"} {
		if r := found(n, "22000003"); r.Name != "xn--bcher-kva.de" || r.UnicodeName != "bücher.de" || r.PrivacyAllowed || r.Expiry.Day != 30 {
			t.Errorf("%s: %+v", n, r)
		}
	}
	if r := found("pending-transfer.nl", "22000004"); r.Family != registrar.FamilyPending || r.Expiry.IsValid() {
		t.Errorf("pending: %+v", r)
	}
	if r := found("reused.com", "22000010"); r.Deleted || r.Expiry.Year != 2026 {
		t.Errorf("reused.com: %+v", r)
	}
	if r := found("future.london", "22000006"); r.Family != registrar.FamilyUnknown || r.StatusCode != "PRE" {
		t.Errorf("unknown status: %+v", r)
	}
	if r := found("flags-as-strings.net", "22000011"); !r.Privacy || !r.PrivacyAllowed {
		t.Errorf("yes/no flags: %+v", r)
	}
	if r := found("restoring.eu", "22000007"); r.RestoreDate != (civil.Date{Year: 2026, Month: 1, Day: 11}) || r.QuarantineDate != (civil.Date{Year: 2026, Month: 1, Day: 21}) {
		t.Errorf("restore dates: %+v", r)
	}
	if r := res["old-shop.nl"]; r.Found || r.Err != nil || r.DeletedRecord == nil || r.DeletedRecord.ID != "22000005" || !r.DeletedRecord.Deleted ||
		r.DeletedRecord.Family != registrar.FamilyDeleted {
		t.Errorf("deleted: %+v", r)
	}
	if r := res["nothere.com"]; r.Found || r.Err != nil || r.DeletedRecord != nil {
		t.Errorf("not found: %+v", r)
	}
	if r := res["bad name.com"]; r.Err == nil || !strings.Contains(r.Err.Error(), `"bad name.com"`) {
		t.Errorf("bad name: %+v", r)
	}

	// The queries: exact domain_name_pattern + extension, never a wildcard;
	// the deleted check only for names not found live.
	var queries []string
	for _, r := range s.Requests() {
		if r.Path == "/v1beta/domains" {
			queries = append(queries, r.Query)
			if strings.Contains(r.Query, "%2A") || strings.Contains(r.Query, "*") {
				t.Errorf("wildcard in %s", r.Query)
			}
		}
	}
	for _, q := range []string{"domain_name_pattern=example&extension=co.uk", "domain_name_pattern=xn--bcher-kva&extension=de",
		"domain_name_pattern=old-shop&extension=nl&is_deleted=true", "domain_name_pattern=nothere&extension=com&is_deleted=true"} {
		if !slices.Contains(queries, q) {
			t.Errorf("no query %s in %v", q, queries)
		}
	}
	// 10 distinct valid ASCII names (bücher.de given twice) → 10 live lookups + 2 deleted checks.
	if len(queries) != 12 {
		t.Errorf("%d list queries: %v", len(queries), queries)
	}
}

func TestLookupEmptyResultsBothWays(t *testing.T) {
	for _, empty := range []bool{false, true} {
		_, c := setup(t, opsim.Options{EmptyResults: empty})
		res, err := c.Lookup(context.Background(), []string{"nothere.com"})
		if err != nil || res["nothere.com"].Found || res["nothere.com"].Err != nil {
			t.Errorf("EmptyResults %v: %+v %v", empty, res, err)
		}
	}
}

func TestLookupBadDates(t *testing.T) {
	s, c := setup(t, opsim.Options{})
	s.Update(22000001, func(d *opsim.Domain) { d.RenewalDate = "2025-02-30 00:00:00" })
	s.Update(22000002, func(d *opsim.Domain) { d.RenewalDate = "" })
	s.Update(22000003, func(d *opsim.Domain) {
		d.Raw = map[string]json.RawMessage{"renewal_date": json.RawMessage(`1767225600`)}
	})
	res, err := c.Lookup(context.Background(), []string{"example.com", "example.co.uk", "bücher.de", "reused.com"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"example.com":   `example.com: invalid reply: field renewal_date: invalid date "2025-02-30 00:00:00"`,
		"example.co.uk": `example.co.uk: invalid reply: field renewal_date: missing for an active domain`,
		"bücher.de":     `xn--bcher-kva.de: invalid reply: field renewal_date: not a string`,
	} {
		r := res[name]
		if !r.Found || r.Record.Invalid == nil || r.Err == nil || r.Record.Expiry != (civil.Date{}) || !strings.Contains(r.Err.Error(), want) {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if r := res["reused.com"]; r.Err != nil || r.Record.Invalid != nil || !r.Record.Expiry.IsValid() {
		t.Errorf("a bad date spread to another domain: %+v", r)
	}
}

func TestLookupUnusableReply(t *testing.T) {
	s, c := setup(t, opsim.Options{})
	// The reply's item for the name has no name: "not found" must not be concluded.
	s.Update(22000001, func(d *opsim.Domain) { d.Raw = map[string]json.RawMessage{"domain": nil} })
	res, err := c.Lookup(context.Background(), []string{"example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if r := res["example.com"]; r.Found || r.DeletedRecord != nil || registrar.KindOf(r.Err) != registrar.KindInvalidReply ||
		!strings.Contains(r.Err.Error(), "result 0 has no usable name") {
		t.Errorf("%+v", r)
	}
	if n := s.Count("GET", "/v1beta/domains"); n != 1 {
		t.Errorf("%d lookups; the deleted check must not run", n)
	}
	if _, _, err := c.ListPage(context.Background(), 0, 10); err != nil {
		t.Errorf("ListPage with a nameless item: %v", err)
	}
	recs, _, _ := c.ListPage(context.Background(), 0, 1)
	if len(recs) != 1 || recs[0].Invalid == nil || !strings.Contains(recs[0].Invalid.Error(), "unnamed domain id 22000001") {
		t.Errorf("nameless record: %+v", recs)
	}
}

func TestRelogin(t *testing.T) {
	clock := opsim.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s, c := setup(t, opsim.Options{Now: clock.Now, TokenTTL: 48 * time.Hour})
	ctx := context.Background()
	if _, err := c.Lookup(ctx, []string{"example.com"}); err != nil {
		t.Fatal(err)
	}
	// The token expires mid-run: every lookup in flight gets 196, one login
	// replaces it, each request is repeated once.
	clock.Advance(49 * time.Hour)
	names := []string{"example.co.uk", "bücher.de", "reused.com", "future.london", "restoring.eu", "failed-order.be"}
	res, err := c.Lookup(ctx, names)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if !res[n].Found {
			t.Errorf("%s: %+v", n, res[n])
		}
	}
	st := c.Stats()
	if st.Logins != 2 || st.Relogins != 1 || s.Count("POST", "/v1beta/auth/login") != 2 {
		t.Errorf("stats %+v", st)
	}
	// Every later expiry in the run is handled the same way: one login.
	for i := range 3 {
		s.ExpireTokens()
		if res, err := c.Lookup(ctx, names[i:i+1]); err != nil || !res[names[i]].Found {
			t.Fatalf("expiry %d: %v %+v", i+2, err, res)
		}
		if st := c.Stats(); st.Logins != int64(3+i) || st.Relogins != int64(2+i) {
			t.Errorf("expiry %d: stats %+v", i+2, st)
		}
	}
}

func TestFreshTokenRefused(t *testing.T) {
	// Tokens are refused right after login (TTL < 0): a token refused
	// before any call with it succeeded is an authentication failure, so
	// the run stops with one error and no second login, however many
	// lookups.
	s, c := setup(t, opsim.Options{TokenTTL: -time.Second})
	names := make([]string, 20)
	for i := range names {
		names[i] = fmt.Sprintf("name%d.com", i)
	}
	_, err := c.Lookup(context.Background(), names)
	if registrar.KindOf(err) != registrar.KindAuth || !registrar.IsAccountLevel(err) {
		t.Fatalf("Lookup: %v", err)
	}
	if n := s.Count("POST", "/v1beta/auth/login"); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
	if !strings.Contains(err.Error(), "refused before any call with it succeeded") {
		t.Errorf("error %v", err)
	}
	if n := s.Count("GET", "/v1beta/domains"); n > c.conc {
		t.Errorf("%d lookups sent after the token was refused", n)
	}
	time.Sleep(50 * time.Millisecond) // requests cancelled by the stop may still be logged by the server
	before := len(s.Requests())
	if err2 := c.SetPrivacy(context.Background(), registrar.Record{Name: "x.com", ID: "1"}, true); !errors.Is(err2, err) {
		t.Errorf("later call: %v", err2)
	}
	if len(s.Requests()) != before {
		t.Errorf("a call reached the API after the run stopped")
	}
}

func TestRetries(t *testing.T) {
	t.Run("two transient failures are retried", func(t *testing.T) {
		s, c := setup(t, opsim.Options{})
		c.Login(context.Background())
		s.FailNext(502, 500)
		res, err := c.Lookup(context.Background(), []string{"example.com"})
		if err != nil || !res["example.com"].Found {
			t.Fatalf("%+v %v", res, err)
		}
		if st := c.Stats(); st.Retries != 2 || st.Lists != 3 || st.Throttled != 0 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("a third is not: the name is not read, the run goes on", func(t *testing.T) {
		s, c := setup(t, opsim.Options{})
		c.Login(context.Background())
		s.FailNext(502, 504, 500)
		res, err := c.Lookup(context.Background(), []string{"example.com"})
		if err != nil {
			t.Fatalf("Lookup: %v", err)
		}
		if e := res["example.com"].Err; !registrar.NotRead(e) || !strings.Contains(e.Error(), "HTTP 500 without a JSON reply") {
			t.Fatalf("result %+v", res["example.com"])
		}
		if n := s.Count("GET", "/v1beta/domains"); n != 3 {
			t.Errorf("%d attempts, want 3", n)
		}
	})
	t.Run("a cut-short body is retried", func(t *testing.T) {
		s, c := setup(t, opsim.Options{})
		c.Login(context.Background())
		s.SetFaults(opsim.Faults{TruncateRate: 1})
		s.SetHook(func(opsim.Request) { s.SetFaults(opsim.Faults{}) })
		res, err := c.Lookup(context.Background(), []string{"example.co.uk"})
		if err != nil || !res["example.co.uk"].Found || c.Stats().Retries != 1 {
			t.Fatalf("%+v %v %+v", res, err, c.Stats())
		}
	})
	t.Run("a slow body times out and is retried", func(t *testing.T) {
		// The first body stalls for a minute: only the 2 s request timeout
		// can end it (the bound below is far from both, so that a busy
		// machine cannot fail it, nor a missing timeout pass it).
		s, c := setup(t, opsim.Options{}, func(c *Config) { c.RequestTimeout = 2 * time.Second })
		c.Login(context.Background())
		s.SetFaults(opsim.Faults{SlowBody: time.Minute})
		s.SetHook(func(opsim.Request) { s.SetFaults(opsim.Faults{}) })
		start := time.Now()
		res, err := c.Lookup(context.Background(), []string{"example.com"})
		if err != nil || !res["example.com"].Found || c.Stats().Retries != 1 || time.Since(start) > 30*time.Second {
			t.Fatalf("%+v %v %+v after %s", res, err, c.Stats(), time.Since(start))
		}
	})
	t.Run("timeouts end after three attempts", func(t *testing.T) {
		s, c := setup(t, opsim.Options{}, func(c *Config) { c.RequestTimeout = 50 * time.Millisecond })
		c.Login(context.Background())
		s.SetFaults(opsim.Faults{Latency: time.Second})
		res, err := c.Lookup(context.Background(), []string{"example.com"})
		if e := res["example.com"].Err; err != nil || registrar.KindOf(e) != registrar.KindUnavailable || !strings.Contains(e.Error(), "no complete reply within 50ms") {
			t.Fatalf("Lookup: %v %v", err, e)
		}
		if st := c.Stats(); st.Lists != 3 || st.Retries != 2 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("a connection refused is retried, then unavailable", func(t *testing.T) {
		ln := httptest.NewServer(http.NotFoundHandler())
		u := ln.URL
		ln.Close()
		c, _ := New(Config{URL: u, Username: "u", Password: "p", RateLimit: -1, RetryBackoff: time.Millisecond})
		err := c.Login(context.Background())
		if registrar.KindOf(err) != registrar.KindUnavailable || c.Stats().Logins != 3 {
			t.Fatalf("%v %+v", err, c.Stats())
		}
	})
	t.Run("business errors are not retried", func(t *testing.T) {
		s, c := setup(t, opsim.Options{})
		err := c.SetAutoRenew(context.Background(), registrar.Record{Name: "failed-order.be", ID: "22000008"}, false)
		if registrar.KindOf(err) != registrar.KindRefused || s.Count("PUT", "/v1beta/domains/22000008") != 1 {
			t.Fatalf("%v", err)
		}
	})
}

func TestAccountLevelErrorsStopTheRun(t *testing.T) {
	names := make([]string, 40)
	for i := range names {
		names[i] = fmt.Sprintf("name%d.com", i)
	}
	tests := []struct {
		name   string
		faults opsim.Faults
		kind   registrar.Kind
		code   int
	}{
		{"rate limited", opsim.Faults{RateLimited: true}, registrar.KindRateLimited, 50},
		{"access denied", opsim.Faults{AccessDenied: true}, registrar.KindAccessDenied, 10005},
		{"maintenance", opsim.Faults{Maintenance: true}, registrar.KindMaintenance, 4005},
		{"maintenance flag", opsim.Faults{MaintenanceFlag: true}, registrar.KindMaintenance, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := setup(t, opsim.Options{})
			// Switched on mid-run, after the fifth lookup.
			var n, atFault atomic.Int32
			s.SetHook(func(r opsim.Request) {
				if r.Path == "/v1beta/domains" && n.Add(1) == 5 {
					s.SetFaults(tt.faults)
					atFault.Store(int32(s.Count("GET", "/v1beta/domains")))
				}
			})
			res, err := c.Lookup(context.Background(), names)
			var re *registrar.Error
			if res != nil || !errors.As(err, &re) || re.Kind != tt.kind || re.Code != tt.code || re.Domain != "" {
				t.Fatalf("Lookup: %v, %v", res, err)
			}
			// Only requests in flight, or sent before the first fault reply
			// came back, follow the fault: at most two per concurrency slot.
			if got := int32(s.Count("GET", "/v1beta/domains")) - atFault.Load(); got > int32(2*c.conc) {
				t.Errorf("%d lookups sent after the fault began; the run did not stop", got)
			}
			time.Sleep(50 * time.Millisecond) // requests cancelled by the stop may still be logged by the server
			before := len(s.Requests())
			if err2 := c.SetAutoRenew(context.Background(), registrar.Record{Name: "example.com", ID: "22000001"}, true); !errors.Is(err2, err) {
				t.Errorf("later call: %v", err2)
			}
			if err2 := c.List(context.Background(), nil, nil); !errors.Is(err2, err) {
				t.Errorf("later List: %v", err2)
			}
			if len(s.Requests()) != before {
				t.Errorf("a call reached the API after the run stopped")
			}
		})
	}
}

func TestWarningsAreLogged(t *testing.T) {
	var logs bytes.Buffer
	s, c := setup(t, opsim.Options{}, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	s.SetFaults(opsim.Faults{Warnings: []opsim.Warning{{Code: 1234, Desc: "Renewal price changed"}}})
	if _, err := c.Lookup(context.Background(), []string{"example.com"}); err != nil {
		t.Fatal(err)
	}
	if c.Stats().Warnings != 2 || !strings.Contains(logs.String(), "Renewal price changed") || !strings.Contains(logs.String(), "code=1234") {
		t.Errorf("warnings %d, logs:\n%s", c.Stats().Warnings, logs.String())
	}
}

func TestUpdates(t *testing.T) {
	s, c := setup(t, opsim.Options{})
	ctx := context.Background()
	rec := func(name, id string) registrar.Record { return registrar.Record{Name: name, ID: id} }

	if err := c.SetAutoRenew(ctx, rec("example.com", "22000001"), false); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Domain(22000001); d.Autorenew != "off" {
		t.Errorf("autorenew %q", d.Autorenew)
	}
	if err := c.SetAutoRenew(ctx, rec("example.com", "22000001"), true); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Domain(22000001); d.Autorenew != "default" {
		t.Errorf("autorenew %q", d.Autorenew)
	}
	if err := c.SetPrivacy(ctx, rec("example.com", "22000001"), true); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Domain(22000001); !d.IsPrivateWhoisEnabled {
		t.Error("privacy not enabled")
	}
	var bodies []string
	for _, r := range s.Requests() {
		if r.Method == "PUT" {
			bodies = append(bodies, r.Body)
		}
	}
	if want := []string{`{"autorenew":"off"}`, `{"autorenew":"default"}`, `{"is_private_whois_enabled":true}`}; !slices.Equal(bodies, want) {
		t.Errorf("bodies %v, want %v", bodies, want)
	}

	// Per-domain refusals name the domain and do not stop the run.
	s.SetUpdateError(22000002, 366, "This action is prohibitted for current status")
	tests := []struct {
		name string
		call func() error
		kind registrar.Kind
		code int
		msg  string
	}{
		{"privacy not allowed", func() error { return c.SetPrivacy(ctx, rec("xn--bcher-kva.de", "22000003"), true) }, registrar.KindRefused, 19006, "xn--bcher-kva.de"},
		{"prohibited status", func() error { return c.SetAutoRenew(ctx, rec("example.co.uk", "22000002"), true) }, registrar.KindRefused, 366, "example.co.uk"},
		{"not in account", func() error { return c.SetAutoRenew(ctx, rec("gone.com", "99"), true) }, registrar.KindNotFound, 320, "gone.com"},
		{"no id", func() error { return c.SetAutoRenew(ctx, rec("noid.com", ""), true) }, registrar.KindOther, 0, `noid.com: error: field id: "" is not an Openprovider domain id`},
		{"bad id", func() error { return c.SetPrivacy(ctx, rec("badid.com", "x1"), true) }, registrar.KindOther, 0, `field id: "x1"`},
	}
	for _, tt := range tests {
		err := tt.call()
		var re *registrar.Error
		if !errors.As(err, &re) || re.Kind != tt.kind || re.Code != tt.code || !strings.Contains(err.Error(), tt.msg) || registrar.IsAccountLevel(err) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if err := c.SetAutoRenew(ctx, rec("example.com", "22000001"), false); err != nil {
		t.Errorf("the run continues after per-domain refusals: %v", err)
	}
}

func TestIdenticalRequestSentAtMostThreeTimes(t *testing.T) {
	s, c := setup(t, opsim.Options{})
	ctx := context.Background()
	r := registrar.Record{Name: "example.com", ID: "22000001"}
	for i := 0; i < 3; i++ {
		if err := c.SetAutoRenew(ctx, r, false); err != nil {
			t.Fatal(err)
		}
	}
	err := c.SetAutoRenew(ctx, r, false)
	if err == nil || !strings.Contains(err.Error(), "already sent 3 times") || !strings.Contains(err.Error(), "example.com") {
		t.Fatalf("4th identical request: %v", err)
	}
	if n := s.Count("PUT", "/v1beta/domains/22000001"); n != 3 || c.Stats().Blocked != 1 {
		t.Errorf("%d PUTs, stats %+v", n, c.Stats())
	}
	// Retries count too: two sends left for this lookup, both fail.
	c.Lookup(ctx, []string{"example.co.uk"})
	s.FailNext(502, 502)
	res, err := c.Lookup(ctx, []string{"example.co.uk"})
	if err != nil || res["example.co.uk"].Err == nil || !strings.Contains(res["example.co.uk"].Err.Error(), "already sent 3 times") {
		t.Fatalf("retry beyond the cap: %+v %v", res, err)
	}
	if _, n := s.MaxIdentical(); n != 3 {
		t.Errorf("max identical %d", n)
	}
}

// listSim starts a simulator with n generated domains.
func listSim(t *testing.T, n int) (*opsim.Server, *Client, []opsim.Domain) {
	ds := opsim.Generate(n, 11)
	s, c := setup(t, opsim.Options{Domains: ds}, func(c *Config) { c.Concurrency = 3 })
	return s, c, ds
}

func liveIDs(s *opsim.Server) []string {
	var ids []string
	for _, d := range s.Domains() {
		if !d.IsDeleted {
			ids = append(ids, strconv.FormatInt(d.ID, 10))
		}
	}
	return ids
}

func collect(t *testing.T, c *Client) (total int, ids []string) {
	t.Helper()
	total = -2
	seen := map[string]bool{}
	err := c.List(context.Background(), func(n int) {
		if len(ids) != 0 || total != -2 {
			t.Errorf("total reported twice or after a record")
		}
		total = n
	}, func(r registrar.Record) error {
		if seen[r.ID] {
			t.Errorf("record %s streamed twice", r.ID)
		}
		seen[r.ID] = true
		ids = append(ids, r.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return total, ids
}

func TestList(t *testing.T) {
	s, c, _ := listSim(t, 2700)
	total, ids := collect(t, c)
	want := liveIDs(s)
	if total != len(want) || !slices.Equal(ids, want) {
		t.Errorf("total %d, %d ids; want %d in id order", total, len(ids), len(want))
	}
	var queries []string
	for _, r := range s.Requests() {
		if r.Path == "/v1beta/domains" {
			queries = append(queries, r.Query)
		}
	}
	slices.Sort(queries)
	wantQ := []string{"limit=1000&offset=0&order_by.id=asc", "limit=1000&offset=1000&order_by.id=asc", "limit=1000&offset=2000&order_by.id=asc"}
	if !slices.Equal(queries, wantQ) {
		t.Errorf("queries %v", queries)
	}
}

func TestListDomainAddedBetweenPages(t *testing.T) {
	s, c, _ := listSim(t, 2700)
	first := len(liveIDs(s))
	var added atomic.Bool
	s.SetHook(func(r opsim.Request) {
		if strings.Contains(r.Query, "offset=0&") && !added.Swap(true) {
			s.Add(opsim.Domain{Domain: opsim.DomainName{Name: "brand-new", Extension: "com"}, Status: "ACT", RenewalDate: "2027-01-01 10:00:00"})
		}
	})
	total, ids := collect(t, c)
	want := liveIDs(s)
	if total != first || len(want) != first+1 || !slices.Equal(ids, want) {
		t.Errorf("total %d (first %d); got %d ids, want %d", total, first, len(ids), len(want))
	}
}

func TestListDomainAddedCrossingAPage(t *testing.T) {
	// 2000 live domains: two pages planned; ten added after the first page
	// need a third page, found from the later totals.
	ds := opsim.Generate(2000, 3)
	for i := range ds {
		ds[i].IsDeleted = false
	}
	s, c := setup(t, opsim.Options{Domains: ds})
	var added atomic.Bool
	s.SetHook(func(r opsim.Request) {
		if strings.Contains(r.Query, "offset=0&") && !added.Swap(true) {
			for i := 0; i < 10; i++ {
				s.Add(opsim.Domain{Domain: opsim.DomainName{Name: fmt.Sprintf("late%d", i), Extension: "nl"}, Status: "ACT", RenewalDate: "2027-01-01 10:00:00"})
			}
		}
	})
	total, ids := collect(t, c)
	if want := liveIDs(s); total != 2000 || !slices.Equal(ids, want) {
		t.Errorf("total %d; got %d ids, want %d", total, len(ids), len(want))
	}
}

func TestListDomainRemovedBetweenPages(t *testing.T) {
	s, c, ds := listSim(t, 2700)
	victim := ds[10].ID
	for ds[10].IsDeleted {
		t.Fatal("pick another victim")
	}
	var removed atomic.Bool
	s.SetHook(func(r opsim.Request) {
		if strings.Contains(r.Query, "offset=0&") && !removed.Swap(true) {
			s.Remove(victim)
		}
	})
	_, ids := collect(t, c)
	// Every domain still there was streamed (the one shifted back across a
	// page boundary by the removal included), each once; the removed one
	// was streamed from the first page.
	want := append(liveIDs(s), strconv.FormatInt(victim, 10))
	got := slices.Clone(ids)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("got %d ids, want %d", len(got), len(want))
	}
	if n := s.Count("GET", "/v1beta/domains"); n != 6 {
		t.Errorf("%d pages read, want 3 + a second sweep of 3", n)
	}
}

func TestListEmptyAndNoTotal(t *testing.T) {
	_, c := setup(t, opsim.Options{Domains: []opsim.Domain{}})
	total, ids := collect(t, c)
	if total != 0 || len(ids) != 0 {
		t.Errorf("empty: %d %v", total, ids)
	}

	// A reply without total: pages are read until a short one.
	inner := opsim.New(opsim.Options{Domains: opsim.Generate(2100, 5)})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		body := bytes.Replace(rec.Body.Bytes(), []byte(`,"total":`), []byte(`,"total_was":`), 1)
		w.WriteHeader(rec.Code)
		w.Write(body)
	}))
	defer srv.Close()
	c2 := newClient(t, inner, srv.URL)
	total, ids = collect(t, c2)
	if total != -1 || len(ids) != len(liveIDs(inner)) {
		t.Errorf("no total: %d, %d ids, want %d", total, len(ids), len(liveIDs(inner)))
	}
}

func TestListStopsOnCallbackError(t *testing.T) {
	s, c, _ := listSim(t, 2700)
	stop := errors.New("stop")
	n := 0
	err := c.List(context.Background(), nil, func(registrar.Record) error {
		n++
		if n == 1500 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 1500 {
		t.Errorf("%v after %d", err, n)
	}
	if got := s.Count("GET", "/v1beta/domains"); got > 3 {
		t.Errorf("%d pages", got)
	}
}

func TestListPageAndGet(t *testing.T) {
	s, c := setup(t, opsim.Options{})
	ctx := context.Background()
	recs, total, err := c.ListPage(ctx, 2, 3)
	if err != nil || total != 9 || len(recs) != 3 || recs[0].Name != "xn--bcher-kva.de" {
		t.Fatalf("ListPage: %+v %d %v", recs, total, err)
	}
	if _, _, err := c.ListPage(ctx, 0, 1001); err == nil {
		t.Error("limit 1001 accepted")
	}
	r, err := c.Get(ctx, 22000002)
	if err != nil || r.Name != "example.co.uk" || r.Expiry != (civil.Date{Year: 2026, Month: 7, Day: 1}) {
		t.Errorf("Get: %+v %v", r, err)
	}
	if _, err := c.Get(ctx, 5); registrar.KindOf(err) != registrar.KindNotFound || registrar.IsAccountLevel(err) || !strings.Contains(err.Error(), "id 5") {
		t.Errorf("Get unknown: %v", err)
	}
	if c.Stats().Gets != 2 || s.Count("GET", "/v1beta/domains/22000002") != 1 {
		t.Errorf("stats %+v", c.Stats())
	}
}

func TestConcurrencyCap(t *testing.T) {
	inner := opsim.New(opsim.Options{Domains: opsim.Generate(50, 1)})
	inner.SetFaults(opsim.Faults{Latency: 20 * time.Millisecond})
	var cur, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		defer cur.Add(-1)
		inner.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := newClient(t, inner, srv.URL, func(c *Config) { c.Concurrency = 3 })
	var names []string
	for _, d := range inner.Domains()[:30] {
		names = append(names, d.FullName())
	}
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ { // two callers share the cap
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Lookup(context.Background(), names[i*15:(i+1)*15]); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..3", p)
	}
}

func TestRateLimit(t *testing.T) {
	s, c := setup(t, opsim.Options{}, func(c *Config) { c.RateLimit = 40; c.Burst = 1 })
	start := time.Now()
	var names []string
	for _, d := range s.Domains() {
		if !d.IsDeleted {
			names = append(names, d.FullName())
		}
	}
	c.Lookup(context.Background(), names) // login + 9 lookups + deleted checks
	n := len(s.Requests())
	if min := time.Duration(n-1) * time.Second / 40; time.Since(start) < min*9/10 {
		t.Errorf("%d requests in %s, want at least %s", n, time.Since(start), min)
	}
}

func TestContextCancelled(t *testing.T) {
	s, c := setup(t, opsim.Options{})
	c.Login(context.Background())
	// Replies take a minute: only the context's 50 ms deadline can end the
	// call well before the 30 s bound (far from both, for a busy machine).
	s.SetFaults(opsim.Faults{Latency: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Lookup(ctx, []string{"example.com", "example.co.uk"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 30*time.Second || c.Stats().Retries != 0 {
		t.Errorf("%v after %s, %+v", err, time.Since(start), c.Stats())
	}
}

func TestSecretsNeverShown(t *testing.T) {
	const pw = "Sup3r-Secret-Pw"
	var logs bytes.Buffer
	s, u := opsim.StartTB(t, opsim.Options{Password: pw, Domains: []opsim.Domain{}})
	cfg := Config{URL: u, Username: s.Username(), Password: pw, RateLimit: -1, RetryBackoff: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c.Lookup(ctx, []string{"example.com"})
	s.FailNext(502)
	s.ExpireTokens()
	c.Lookup(ctx, []string{"example.org"})
	s.ExpireTokens()
	_, lookupErr := c.Lookup(ctx, []string{"example.net"})
	var tokens []string
	for _, r := range s.Requests() {
		if r.Token != "" {
			tokens = append(tokens, r.Token)
		}
	}
	if len(tokens) == 0 {
		t.Fatal("no token seen")
	}
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "cfg", cfg, "client", c)
	shown := []string{
		fmt.Sprintf("%v %+v %#v %s %d %x %q", cfg, cfg, cfg, cfg, cfg, cfg, cfg),
		fmt.Sprintf("%v %+v %#v %s %d", &cfg, &cfg, &cfg, &cfg, &cfg),
		fmt.Sprintf("%v %+v %#v %s %d", c, c, c, c, c),
		fmt.Sprintf("%v %+v", struct{ C *Client }{c}, []Config{cfg}),
		fmt.Sprint(lookupErr), logs.String(),
	}
	for _, out := range shown {
		for _, secret := range append([]string{pw, fmt.Sprintf("%x", pw)}, tokens...) {
			if strings.Contains(out, secret) {
				t.Errorf("secret %q shown in %s", secret[:4]+"…", out)
			}
		}
	}
	if !strings.Contains(shown[0], `Password:"********"`) {
		t.Errorf("config: %s", shown[0])
	}
}

func TestLookupQueriesAreExact(t *testing.T) {
	// A name with wildcard characters is refused before any request.
	s, c := setup(t, opsim.Options{})
	res, err := c.Lookup(context.Background(), []string{"ex*.com"})
	if err != nil || res["ex*.com"].Err == nil {
		t.Errorf("%+v %v", res, err)
	}
	if n := s.Count("GET", "/v1beta/domains"); n != 0 {
		t.Errorf("%d lookups sent", n)
	}
}

// LookupMissing (sync.MissingLooker) gives Lookup's results, sends a name's
// search among the deleted domains beside the live one (the live search's
// reply is held until the deleted search has reached the server: sent one
// after the other, it never would), and costs the same two requests for a
// name not found live, one more (the deleted search) for a live one.
func TestLookupMissing(t *testing.T) {
	names := []string{"example.com", "old-shop.nl", "nothere.com"}
	s, c := setup(t, opsim.Options{})
	want, err := c.Lookup(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()

	deletedSeen := make(chan struct{})
	var once sync.Once
	s.SetHook(func(r opsim.Request) {
		switch r.Query {
		case "domain_name_pattern=nothere&extension=com&is_deleted=true":
			once.Do(func() { close(deletedSeen) })
		case "domain_name_pattern=nothere&extension=com":
			select {
			case <-deletedSeen:
			case <-time.After(10 * time.Second):
				t.Error("the live search of nothere.com was answered before its deleted search was sent")
			}
		}
	})
	got, err := c.LookupMissing(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	show := func(res map[string]registrar.Result) string {
		var b strings.Builder
		for _, n := range names {
			r := res[n]
			fmt.Fprintf(&b, "%s: found %v %+v err %v", n, r.Found, r.Record, r.Err)
			if r.DeletedRecord != nil {
				fmt.Fprintf(&b, " deleted %+v", *r.DeletedRecord)
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	if g, w := show(got), show(want); g != w || len(got) != len(want) {
		t.Errorf("LookupMissing\n got %s\nwant %s", g, w)
	}
	var queries []string
	for _, r := range s.Requests() {
		if r.Path == "/v1beta/domains" {
			queries = append(queries, r.Query)
		}
	}
	slices.Sort(queries)
	wantQ := []string{"domain_name_pattern=example&extension=com", "domain_name_pattern=example&extension=com&is_deleted=true",
		"domain_name_pattern=nothere&extension=com", "domain_name_pattern=nothere&extension=com&is_deleted=true",
		"domain_name_pattern=old-shop&extension=nl", "domain_name_pattern=old-shop&extension=nl&is_deleted=true"}
	if !slices.Equal(queries, wantQ) {
		t.Errorf("queries\n got %v\nwant %v", queries, wantQ)
	}
}
