package odr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/odr/odrsim"
	"github.com/domainsync/domainsync/registrar/simhttp"
)

// The tests of issue 16 (adaptive traffic) against odrsim. Time is the
// simulator's and the client's shared fake clock.

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("d%03d.nl", i+1)
	}
	return out
}

func fakeClockClient(t *testing.T, opts odrsim.Options, conc int) (*odrsim.Server, *Client, *simhttp.Clock) {
	t.Helper()
	clock := simhttp.NewClock(time.Now())
	opts.Now = clock.Now
	sim, url := odrsim.StartTB(t, opts)
	c, err := New(Config{URL: url, APIKey: sim.APIKey(), APISecret: sim.APISecret(), Concurrency: conc,
		RetryBackoff: time.Second, Now: clock.Now, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c, clock
}

// A server allowing 5 requests a second, the client at its default ceiling
// (10/s) and concurrency, then one request at a time: every lookup
// answered, none answered 429 more than 3 times; one at a time, at most
// 10 % answered 429 and nothing sent before the Retry-After of the 429
// just before it.
func TestRateEnforcedByTheServer(t *testing.T) {
	for _, conc := range []int{DefaultConcurrency, 1} {
		t.Run("concurrency "+strconv.Itoa(conc), func(t *testing.T) {
			sim, c, _ := fakeClockClient(t, odrsim.Options{Domains: domains(150), RateLimit: 5}, conc)
			res, err := c.Lookup(context.Background(), names(150))
			if err != nil {
				t.Fatal(err)
			}
			for n, r := range res {
				if !r.Found {
					t.Fatalf("%s: %+v", n, r)
				}
			}
			reqs := sim.Requests()
			throttled, maxPer := sim.Throttled()
			t.Logf("%d requests, %d answered 429 (max %d for one), rate now %.2f/s", len(reqs), throttled, maxPer, c.Pacer().Rate())
			// (With several requests at once, the fake clock bunches them:
			// a sleeper moves everybody's time. The share of 429s is
			// measured in real time by `make bench`; here it is bounded
			// for one request at a time.)
			if (conc == 1 && throttled*10 > len(reqs)) || maxPer > 3 || c.Stats().Throttled != int64(throttled) {
				t.Errorf("%d of %d answered 429, one %d times; stats %+v", throttled, len(reqs), maxPer, c.Stats())
			}
			if conc == 1 {
				for i := 1; i < len(reqs); i++ {
					if p := reqs[i-1]; p.Status == http.StatusTooManyRequests {
						secs, _ := strconv.Atoi(p.RetryAfter)
						if secs < 1 || reqs[i].Time.Sub(p.Time) < time.Duration(secs)*time.Second {
							t.Errorf("request %d sent %v after a 429 with Retry-After %q", i, reqs[i].Time.Sub(p.Time), p.RetryAfter)
						}
					}
				}
			}
		})
	}
}

// HTTP 500 with an unknown code on a page, a lookup and a write: resent
// (3 sends at most); still failing, the page is skipped (the listing
// streams the others and says it is partial), the lookup fails its name
// only, the write fails its domain only; the run goes on.
func TestUnknownCode5xx(t *testing.T) {
	page2 := func(_, path, q string) bool { return path == "/domain/" && strings.Contains(q, "page=2") }
	for _, fails := range []int{2, 3} {
		sim, c, _ := setup(t, odrsim.Options{Domains: domains(250)})
		sim.SetFaults(odrsim.Faults{Fail: odrsim.FailTimes(fails, page2)})
		n := 0
		err := c.List(context.Background(), nil, func(registrar.Record) error { n++; return nil })
		if fails == 2 && (err != nil || n != 250) {
			t.Errorf("page failing twice: %v, %d listed", err, n)
		}
		var pl *registrar.PartialListError
		if fails == 3 && (!errors.As(err, &pl) || pl.Pages != 1 || n != 150 || registrar.IsAccountLevel(err)) {
			t.Errorf("page failing 3 times: %v, %d listed", err, n)
		}
	}

	sim, c, logs := setup(t, odrsim.Options{Domains: domains(5)})
	info := func(name string) func(string, string, string) bool {
		return func(_, path, _ string) bool { return path == "/domain/"+name+"/info/" }
	}
	sim.SetFaults(odrsim.Faults{Fail: odrsim.FailTimes(2, info("d001.nl"))})
	res, err := c.Lookup(context.Background(), []string{"d001.nl", "d002.nl"})
	if err != nil || !res["d001.nl"].Found || !res["d002.nl"].Found {
		t.Fatalf("lookup failing twice: %v %+v", err, res)
	}
	sim.SetFaults(odrsim.Faults{Fail: odrsim.FailTimes(3, info("d003.nl"))})
	res, err = c.Lookup(context.Background(), []string{"d003.nl", "d004.nl"})
	if err != nil || !registrar.NotRead(res["d003.nl"].Err) || !res["d004.nl"].Found {
		t.Fatalf("lookup failing 3 times: %v %+v", err, res)
	}

	put := func(m, _, _ string) bool { return m == http.MethodPut }
	sim.SetFaults(odrsim.Faults{Fail: odrsim.FailTimes(2, put)})
	if err := c.SetAutoRenew(context.Background(), registrar.Record{Name: "d002.nl"}, true); err != nil {
		t.Fatal(err)
	}
	if d, _ := sim.Domain("d002.nl"); !d.AutoRenew || sim.Count("PUT", "/domain/d002.nl/renew-on/") != 3 || !strings.Contains(logs.String(), "attempt=3") {
		t.Errorf("write failing twice: %+v", d)
	}
	sim.SetFaults(odrsim.Faults{Fail: odrsim.FailTimes(3, put)})
	err = c.SetAutoRenew(context.Background(), registrar.Record{Name: "d004.nl"}, true)
	if registrar.KindOf(err) != registrar.KindUnavailable || registrar.IsAccountLevel(err) {
		t.Errorf("write failing 3 times: %v", err)
	}
	if err := c.SetAutoRenew(context.Background(), registrar.Record{Name: "d005.nl"}, true); err != nil {
		t.Errorf("next write: %v", err)
	}
	// A contact creation (POST) is not repeated after a failure whose effect
	// is unknown.
	sim.SetFaults(odrsim.Faults{Fail: odrsim.FailTimes(1, func(m, p, _ string) bool { return m == http.MethodPost && p == "/contact/" })})
	if _, err := c.CreateContact(context.Background(), registrar.Contact{FirstName: "A", LastName: "B", Country: "NL"}); err == nil || sim.Count("POST", "/contact/") != 1 {
		t.Errorf("contact creation: %v, %d sends", err, sim.Count("POST", "/contact/"))
	}
}

// Tokens that die every 3 calls, pages of 3: the listing, the lookups and
// the writes all succeed, with one login per expired token.
func TestTokenDiesEveryThreeCalls(t *testing.T) {
	sim, c, _ := setup(t, odrsim.Options{Domains: domains(20), PerPage: 3, TokenCalls: 3})
	ctx := context.Background()
	n := 0
	if err := c.List(ctx, nil, func(registrar.Record) error { n++; return nil }); err != nil || n != 20 {
		t.Fatalf("List: %v, %d", err, n)
	}
	res, err := c.Lookup(ctx, names(20))
	if err != nil {
		t.Fatal(err)
	}
	for k, r := range res {
		if !r.Found {
			t.Fatalf("%s: %+v", k, r)
		}
	}
	for _, name := range names(10) {
		if err := c.SetAutoRenew(ctx, registrar.Record{Name: name}, false); err != nil {
			t.Fatal(err)
		}
		if d, _ := sim.Domain(name); d.AutoRenew {
			t.Errorf("%s still renews", name)
		}
	}
	refused := map[string]bool{}
	for _, r := range sim.Requests() {
		if r.Status == http.StatusUnauthorized {
			refused[r.AccessToken] = true
		}
	}
	logins := sim.Count("POST", "/user/login/")
	if logins != 1+len(refused) || c.Stats().Relogins != int64(len(refused)) || len(refused) < 10 {
		t.Errorf("%d logins, %d expired tokens, stats %+v", logins, len(refused), c.Stats())
	}
	if key, n := sim.MaxServed(); n > 3 {
		t.Errorf("%q served %d times", key, n)
	}
}
