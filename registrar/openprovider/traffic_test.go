package openprovider

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
)

// The tests of issue 16 (adaptive traffic) against opsim: rate
// enforcement with 429 and Retry-After, unknown-code 5xx on a page, a
// lookup and a write, and repeated token expiry. Time is the simulator's
// and the client's shared fake clock: nothing here waits or depends on
// the machine's speed.

var trafficT0 = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func names(ds []opsim.Domain) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		if !d.IsDeleted {
			out = append(out, d.FullName())
		}
	}
	return out
}

// A server allowing fewer requests a second than the client's default
// ceiling (30), the client at its default ceiling and concurrency, then
// one request at a time: every lookup gets its answer, no request is
// answered 429 more than 3 times; one at a time, at most 10 % of the
// requests are answered 429 and no request goes before the Retry-After of
// the 429 answered just before it. (The fake clock bunches concurrent
// requests: a sleeper moves everybody's time, so the requests waiting on
// the pacer go at one fake instant. The server allows 20 a second for the
// default 16 in flight, so that one such bunch is not refused whole; in
// real time the pacer spaces them, and `make bench` measures 16 in flight
// against a server allowing 10: at most 1-2 refusals of one request.)
func TestRateEnforcedByTheServer(t *testing.T) {
	for _, tc := range []struct{ conc, serverRate int }{{DefaultConcurrency, 20}, {1, 10}} {
		conc := tc.conc
		t.Run("concurrency "+strconv.Itoa(conc), func(t *testing.T) {
			clock := opsim.NewClock(trafficT0)
			gen := opsim.Generate(300, 3)
			s, c := setup(t, opsim.Options{Domains: gen, Now: clock.Now, RateLimit: tc.serverRate, LoginLimit: -1}, func(cfg *Config) {
				cfg.RateLimit, cfg.Concurrency, cfg.Clock, cfg.RetryBackoff = 0, conc, clock, time.Second
			})
			want := names(gen)
			res, err := c.Lookup(context.Background(), want)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range want {
				if r := res[n]; !r.Found || r.Err != nil {
					t.Fatalf("%s: %+v", n, r)
				}
			}
			reqs := s.Requests()
			throttled, maxPer := s.Throttled()
			t.Logf("%d requests, %d answered 429 (max %d for one request), settled at %.2f/s, %s of fake time",
				len(reqs), throttled, maxPer, c.Pacer().Rate(), clock.Now().Sub(trafficT0))
			// (With several requests at once, the fake clock bunches them:
			// a sleeper moves everybody's time. The share of 429s is
			// measured in real time by `make bench`; here it is bounded
			// for one request at a time.)
			if (conc == 1 && throttled*10 > len(reqs)) || maxPer > 3 {
				t.Errorf("%d of %d requests answered 429, one request %d times", throttled, len(reqs), maxPer)
			}
			if st := c.Stats(); st.Throttled != int64(throttled) || st.Retries != 0 {
				t.Errorf("stats %+v, server throttled %d", st, throttled)
			}
			if conc == 1 {
				for i := 1; i < len(reqs); i++ {
					prev := reqs[i-1]
					if prev.Status != http.StatusTooManyRequests {
						continue
					}
					secs, err := strconv.Atoi(prev.RetryAfter)
					if err != nil || secs < 1 {
						t.Fatalf("429 without a Retry-After: %+v", prev)
					}
					if gap := reqs[i].Time.Sub(prev.Time); gap < time.Duration(secs)*time.Second {
						t.Errorf("request %d sent %v after a 429 with Retry-After: %s", i, gap, prev.RetryAfter)
					}
				}
			}
		})
	}
}

func logged(buf *bytes.Buffer) func(*Config) {
	return func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
}

// HTTP 500 with a code the client does not know is transient: a listing
// page, a lookup and a write are resent (at most 3 sends in all, the log
// shows the attempts); one that still fails is not read (the page is
// skipped, the rest streamed, the listing says it is partial; the lookup
// fails its name only), and the run goes on.
func TestUnknownCode5xx(t *testing.T) {
	page2 := func(_, path, q string) bool { return path == "/v1beta/domains" && strings.Contains(q, "offset=1000") }
	t.Run("page retried", func(t *testing.T) {
		gen := opsim.Generate(2500, 4)
		var logs bytes.Buffer
		s, c := setup(t, opsim.Options{Domains: gen}, logged(&logs))
		s.SetFaults(opsim.Faults{Fail: opsim.FailTimes(2, page2)})
		n := 0
		if err := c.List(context.Background(), nil, func(registrar.Record) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		if n != len(names(gen)) || c.Stats().Retries != 2 {
			t.Errorf("%d of %d listed, stats %+v", n, len(names(gen)), c.Stats())
		}
		if !strings.Contains(logs.String(), "offset=1000") && !strings.Contains(logs.String(), "attempt=3") {
			t.Errorf("the log does not show the attempts:\n%s", logs.String())
		}
	})
	t.Run("page not read", func(t *testing.T) {
		gen := opsim.Generate(2500, 4)
		s, c := setup(t, opsim.Options{Domains: gen})
		s.SetFaults(opsim.Faults{Fail: opsim.FailTimes(3, page2)})
		n := 0
		err := c.List(context.Background(), nil, func(registrar.Record) error { n++; return nil })
		var pl *registrar.PartialListError
		if !errors.As(err, &pl) || pl.Pages != 1 || !registrar.NotRead(err) || registrar.IsAccountLevel(err) {
			t.Fatalf("List: %v", err)
		}
		if want := len(names(gen)) - 1000; n != want {
			t.Errorf("%d streamed, want the %d of the other pages", n, want)
		}
		if c.fatalErr() != nil {
			t.Errorf("the run was stopped: %v", c.fatalErr())
		}
	})
	t.Run("lookup", func(t *testing.T) {
		s, c := setup(t, opsim.Options{})
		one := func(_, path, q string) bool { return strings.Contains(q, "domain_name_pattern=example") }
		s.SetFaults(opsim.Faults{Fail: opsim.FailTimes(2, one)})
		res, err := c.Lookup(context.Background(), []string{"example.com", "reused.com"})
		if err != nil || !res["example.com"].Found || !res["reused.com"].Found {
			t.Fatalf("%v %+v", err, res)
		}
		s.SetFaults(opsim.Faults{Fail: opsim.FailTimes(3, func(_, _, q string) bool { return strings.Contains(q, "bcher") })})
		res, err = c.Lookup(context.Background(), []string{"bücher.de", "example.co.uk"})
		if err != nil || !registrar.NotRead(res["bücher.de"].Err) || res["bücher.de"].Found || !res["example.co.uk"].Found {
			t.Fatalf("%v %+v", err, res)
		}
		if n := s.Count("GET", "/v1beta/domains"); n != 2+2+3+1 {
			t.Errorf("%d lookups sent, want 8", n)
		}
	})
	t.Run("write", func(t *testing.T) {
		var logs bytes.Buffer
		s, c := setup(t, opsim.Options{}, logged(&logs))
		put := func(m, _, _ string) bool { return m == http.MethodPut }
		s.SetFaults(opsim.Faults{Fail: opsim.FailTimes(2, put)})
		if err := c.SetAutoRenew(context.Background(), registrar.Record{Name: "example.com", ID: "22000001"}, false); err != nil {
			t.Fatal(err)
		}
		if d, _ := s.Domain(22000001); d.Autorenew != "off" {
			t.Errorf("autorenew %q", d.Autorenew)
		}
		if n := s.Count("PUT", "/v1beta/domains/22000001"); n != 3 || !strings.Contains(logs.String(), "attempt=3") {
			t.Errorf("%d sends; log:\n%s", n, logs.String())
		}
		// A write still failing after 3 sends fails its domain only.
		s.SetFaults(opsim.Faults{Fail: opsim.FailTimes(3, put)})
		err := c.SetPrivacy(context.Background(), registrar.Record{Name: "example.com", ID: "22000001"}, true)
		if registrar.KindOf(err) != registrar.KindUnavailable || registrar.IsAccountLevel(err) || !strings.Contains(err.Error(), "unknown code 9999") {
			t.Errorf("err %v", err)
		}
		if err := c.SetPrivacy(context.Background(), registrar.Record{Name: "reused.com", ID: "22000003"}, false); err != nil {
			t.Errorf("next write: %v", err)
		}
	})
	t.Run("known codes keep their meaning", func(t *testing.T) {
		s, c := setup(t, opsim.Options{})
		s.SetFaults(opsim.Faults{Fail: func(string, string, string) (int, int) { return 500, CodeRateLimited }})
		_, err := c.Lookup(context.Background(), []string{"example.com"})
		if registrar.KindOf(err) != registrar.KindRateLimited || !registrar.IsAccountLevel(err) {
			t.Errorf("code 50 with HTTP 500: %v", err)
		}
		if n := len(s.Requests()); n != 1 {
			t.Errorf("%d requests: code 50 was resent", n)
		}
	})
}

// HTTP 429 and 503 (without a known code) are throttling signals; code
// 50 and 10005 stop the run whatever the status.
func TestThrottleSignals(t *testing.T) {
	for _, st := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		clock := opsim.NewClock(trafficT0)
		s, c := setup(t, opsim.Options{Now: clock.Now}, func(cfg *Config) { cfg.Clock = clock })
		c.Login(context.Background())
		s.FailNext(st, st)
		res, err := c.Lookup(context.Background(), []string{"example.com"})
		if err != nil || !res["example.com"].Found || c.Stats().Throttled != 2 || c.Stats().Retries != 0 {
			t.Errorf("HTTP %d: %v %+v %+v", st, err, res, c.Stats())
		}
	}
	for _, code := range []int{CodeRateLimited, CodeAccessDenied} {
		s, c := setup(t, opsim.Options{})
		c.Login(context.Background())
		s.SetFaults(opsim.Faults{Fail: func(string, string, string) (int, int) { return http.StatusTooManyRequests, code }})
		_, err := c.Lookup(context.Background(), []string{"example.com"})
		if !registrar.IsAccountLevel(err) || c.Stats().Throttled != 0 {
			t.Errorf("429 with code %d: %v %+v", code, err, c.Stats())
		}
	}
}

// Tokens that die every 3 calls over a run of many lookups, 4 at a time:
// every lookup answered, and one login per expired token.
func TestTokenExpiresEveryFewCalls(t *testing.T) {
	gen := opsim.Generate(120, 5)
	s, c := setup(t, opsim.Options{Domains: gen, TokenCalls: 3, LoginLimit: -1})
	want := names(gen)
	res, err := c.Lookup(context.Background(), want)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range want {
		if !res[n].Found {
			t.Fatalf("%s: %+v", n, res[n])
		}
	}
	refused := map[string]bool{}
	for _, r := range s.Requests() {
		if r.Code == CodeAuthFailed {
			refused[r.Token] = true
		}
	}
	logins := s.Count("POST", "/v1beta/auth/login")
	st := c.Stats()
	t.Logf("%d lookups, %d logins, %d tokens refused", len(want), logins, len(refused))
	if logins != 1+len(refused) || st.Relogins != int64(len(refused)) || len(refused) < len(want)/3-1 {
		t.Errorf("%d logins, %d tokens refused, stats %+v", logins, len(refused), st)
	}
}
