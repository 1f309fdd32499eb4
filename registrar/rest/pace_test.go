package rest

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/simhttp"
)

var t0 = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// The pacer starts at a third of the ceiling with a burst of one second's
// ceiling, then (FirstSecond after its first send) of at most
// the concurrency, grows by one request/s per success up to the ceiling
// and never beyond it.
func TestPacerStartsModerateAndGrowsToTheCeiling(t *testing.T) {
	clock := simhttp.NewClock(t0)
	p := NewPacer(30, 0, 8, clock)
	if p.Rate() != 10 || p.Burst() != 30 || p.Ceiling() != 30 {
		t.Fatalf("start: rate %v burst %d ceiling %v", p.Rate(), p.Burst(), p.Ceiling())
	}
	for range 5 {
		p.Success()
	}
	if p.Rate() != 15 {
		t.Errorf("after 5 successes: %v, want 15", p.Rate())
	}
	for range 100 {
		p.Success()
	}
	if p.Rate() != 30 {
		t.Errorf("after 105 successes: %v, want the ceiling 30", p.Rate())
	}
	// A configured burst is a ceiling too; a tiny ceiling starts at MinRate.
	if p := NewPacer(30, 2, 8, clock); p.Burst() != 2 {
		t.Errorf("burst %d, want 2", p.Burst())
	}
	if p := NewPacer(1, 0, 8, clock); p.Rate() != MinRate || p.Burst() != 1 {
		t.Errorf("ceiling 1: rate %v burst %d", p.Rate(), p.Burst())
	}
	// No ceiling (rate_limit < 0): not paced.
	if p := NewPacer(math.Inf(1), 0, 8, clock); !math.IsInf(p.Rate(), 1) {
		t.Errorf("unlimited: %v", p.Rate())
	}
}

// A short run's first 30 requests (one second's ceiling) go at once (on
// the fake clock), the 31st waits for the rate (10/s: 100 ms); FirstSecond
// after the first send the burst is the concurrency again, so a pause does
// not save up more.
func TestPacerFirstSecond(t *testing.T) {
	clock := simhttp.NewClock(t0)
	p := NewPacer(30, 0, 8, clock)
	var at []time.Duration
	for range 31 {
		ts, err := p.Wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		at = append(at, ts.Sub(t0))
	}
	for i, d := range at[:30] {
		if d != 0 {
			t.Fatalf("send %d at %v, want at once: %v", i+1, d, at)
		}
	}
	if at[30] != 100*time.Millisecond {
		t.Errorf("31st send at %v, want 100ms", at[30])
	}
	clock.Advance(10 * time.Second)
	if _, err := p.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p.Burst() != 8 {
		t.Errorf("burst after the first second %d, want the concurrency 8", p.Burst())
	}
	// A configured burst has no first second; a throttling signal in it
	// drops the burst to 1 for good.
	if p := NewPacer(30, 4, 8, clock); p.Burst() != 4 {
		t.Errorf("configured burst: %d", p.Burst())
	}
	p = NewPacer(30, 0, 8, clock)
	sent, _ := p.Wait(context.Background())
	p.Throttled(sent, time.Second)
	clock.Advance(10 * time.Second)
	if _, err := p.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p.Burst() != 1 {
		t.Errorf("burst after a throttle %d, want 1", p.Burst())
	}
}

// The pacer's waits follow the rate: at 10/s with a burst of 2, the third
// request waits 100 ms (on the fake clock).
func TestPacerSpacesRequests(t *testing.T) {
	clock := simhttp.NewClock(t0)
	p := NewPacer(30, 2, 8, clock)
	var at []time.Duration
	for range 4 {
		ts, err := p.Wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		at = append(at, ts.Sub(t0))
	}
	want := []time.Duration{0, 0, 100 * time.Millisecond, 200 * time.Millisecond}
	for i := range want {
		if at[i] != want[i] {
			t.Fatalf("sends at %v, want %v", at, want)
		}
	}
}

// A throttling signal holds every send until Retry-After has passed, cuts
// the rate once for all the requests sent before the cut, drops the burst
// to 1, and from then on the rate grows by ProbeStep a second.
func TestPacerThrottle(t *testing.T) {
	clock := simhttp.NewClock(t0)
	p := NewPacer(30, 0, 8, clock)
	sent, _ := p.Wait(context.Background())
	clock.Advance(10 * time.Millisecond)
	p.Throttled(sent, 2*time.Second)
	if p.Rate() != 10*BackoffFactor || p.Burst() != 1 {
		t.Fatalf("after a throttle: rate %v burst %d", p.Rate(), p.Burst())
	}
	p.Throttled(sent, time.Second) // a second 429 to a request sent before the cut
	if p.Rate() != 10*BackoffFactor {
		t.Errorf("cut twice for one signal: %v", p.Rate())
	}
	if want := t0.Add(2010 * time.Millisecond); !p.Hold().Equal(want) || p.Clear() {
		t.Errorf("hold %v, want %v (a shorter Retry-After does not shorten it)", p.Hold(), want)
	}
	next, err := p.Wait(context.Background())
	if err != nil || next.Before(p.Hold()) {
		t.Fatalf("sent at %v, before the hold %v (%v)", next, p.Hold(), err)
	}
	before := p.Rate()
	for range 30 {
		p.Success()
	}
	if got := p.Rate(); got <= before || got > before+30*ProbeStep/before {
		t.Errorf("probing: %v -> %v", before, got)
	}
	// A throttle for a request sent after the cut cuts again.
	p.Throttled(next, 0)
	if p.Rate() >= before {
		t.Errorf("second signal: %v", p.Rate())
	}
}

func TestRetryAfter(t *testing.T) {
	now := t0
	for _, tt := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"99999999999", 24 * time.Hour, true},
	} {
		got, ok := RetryAfter(http.Header{"Retry-After": {tt.v}}, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Retry-After %q = %v %v, want %v %v", tt.v, got, ok, tt.want, tt.ok)
		}
	}
}

// throttleServer answers 429 with Retry-After for the first n requests of
// each path, then 200; it records the fake time of every request.
type throttleServer struct {
	clock *simhttp.Clock
	n     int
	after string

	mu   sync.Mutex
	seen map[string]int
	log  []time.Time
	code []int
}

func (s *throttleServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[r.URL.Path]++
	s.log = append(s.log, s.clock.Now())
	if s.seen[r.URL.Path] <= s.n {
		if s.after != "" {
			w.Header().Set("Retry-After", s.after)
		}
		w.WriteHeader(http.StatusTooManyRequests)
		s.code = append(s.code, 429)
		return
	}
	s.code = append(s.code, 200)
}

func pacedTransport(t *testing.T, h http.Handler, clock *simhttp.Clock, conc int) *Transport {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return New(Config{Registrar: "test", Base: u, HTTP: srv.Client(), Pacer: NewPacer(30, 0, conc, clock), Clock: clock,
		Concurrency: conc, Timeout: 5 * time.Second, Backoff: 500 * time.Millisecond, UserAgent: "ua", MaxBody: 100})
}

func throttleHandler(r *Reply) (error, Outcome) {
	if r.Status == http.StatusTooManyRequests {
		return errors.New("429"), Throttled
	}
	return nil, Final
}

// A 429 is resent after its Retry-After has passed (never before), does
// not count toward the identical-request cap, and shows in the stats.
func TestSendHonoursRetryAfter(t *testing.T) {
	clock := simhttp.NewClock(t0)
	srv := &throttleServer{clock: clock, n: 4, after: "2", seen: map[string]int{}}
	tr := pacedTransport(t, srv, clock, 1)
	if err := tr.Send(context.Background(), Request{Method: "GET", Path: "/a"}, throttleHandler); err != nil {
		t.Fatal(err)
	}
	if len(srv.log) != 5 {
		t.Fatalf("%d sends, want 5", len(srv.log))
	}
	for i := 1; i < len(srv.log); i++ {
		if srv.code[i-1] == 429 && srv.log[i].Sub(srv.log[i-1]) < 2*time.Second {
			t.Errorf("send %d at %v, %v after a 429 with Retry-After: 2", i+1, srv.log[i].Sub(t0), srv.log[i].Sub(srv.log[i-1]))
		}
	}
	if st := tr.Stats(); st.Throttled != 4 || st.Requests != 5 || st.Retries != 0 {
		t.Errorf("stats %+v", st)
	}
	// The four throttled sends did not count: the identical request may
	// still be sent twice more.
	for range 2 {
		if err := tr.Send(context.Background(), Request{Method: "GET", Path: "/a"}, throttleHandler); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.Send(context.Background(), Request{Method: "GET", Path: "/a"}, throttleHandler); err == nil || tr.Stats().Blocked != 1 {
		t.Errorf("fourth processed send: %v", err)
	}
}

// Several requests in flight: every request that passes the pacer after a
// 429 was received goes after the hold; the rate was cut.
func TestSendThrottleHoldsEveryRequest(t *testing.T) {
	clock := simhttp.NewClock(t0)
	srv := &throttleServer{clock: clock, n: 1, after: "1", seen: map[string]int{}}
	tr := pacedTransport(t, srv, clock, 1)
	if err := tr.Send(context.Background(), Request{Method: "GET", Path: "/a"}, throttleHandler); err != nil {
		t.Fatal(err)
	}
	hold := tr.Pacer().Hold()
	if err := tr.Send(context.Background(), Request{Method: "GET", Path: "/b"}, func(*Reply) (error, Outcome) { return nil, Final }); err != nil {
		t.Fatal(err)
	}
	if last := srv.log[len(srv.log)-1]; last.Before(hold) {
		t.Errorf("/b sent at %v, before the hold %v", last, hold)
	}
	if tr.Pacer().Rate() >= 10 {
		t.Errorf("rate %v not cut", tr.Pacer().Rate())
	}
}

// Without Retry-After the wait is the backoff, doubling; a request
// throttled MaxThrottles times stops the run; a Retry-After longer than
// MaxRetryAfter stops it at once.
func TestSendThrottleLimits(t *testing.T) {
	clock := simhttp.NewClock(t0)
	srv := &throttleServer{clock: clock, n: 1000, seen: map[string]int{}}
	tr := pacedTransport(t, srv, clock, 1)
	err := tr.Send(context.Background(), Request{Method: "GET", Path: "/a"}, throttleHandler)
	if registrar.KindOf(err) != registrar.KindRateLimited || !strings.Contains(err.Error(), "throttled") || len(srv.log) != MaxThrottles {
		t.Fatalf("err %v after %d sends", err, len(srv.log))
	}
	if gap := srv.log[2].Sub(srv.log[1]); gap < time.Second {
		t.Errorf("second wait %v, want the doubled backoff (1s)", gap)
	}

	srv = &throttleServer{clock: clock, n: 1, after: "3600", seen: map[string]int{}}
	tr = pacedTransport(t, srv, clock, 1)
	err = tr.Send(context.Background(), Request{Method: "GET", Path: "/a"}, throttleHandler)
	if registrar.KindOf(err) != registrar.KindRateLimited || !strings.Contains(err.Error(), "Retry-After") || len(srv.log) != 1 {
		t.Fatalf("err %v after %d sends", err, len(srv.log))
	}
}

// A transient failure of a POST (not a login) is not resent: it may have
// been applied. A login is.
func TestSendPOSTNotResent(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	tr := newTransport(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		w.WriteHeader(500)
	})
	h := func(r *Reply) (error, Outcome) { return errors.New("500"), Transient }
	if err := tr.Send(context.Background(), Request{Method: "POST", Path: "/contact/"}, h); err == nil || hits["/contact/"] != 1 {
		t.Errorf("POST: %v, %d sends", err, hits["/contact/"])
	}
	if err := tr.Send(context.Background(), Request{Method: "PUT", Path: "/put"}, h); err == nil || hits["/put"] != 3 {
		t.Errorf("PUT: %v, %d sends", err, hits["/put"])
	}
	if err := tr.Send(context.Background(), Request{Method: "POST", Path: "/login", Login: true}, h); err == nil || hits["/login"] != 3 {
		t.Errorf("login: %v, %d sends", err, hits["/login"])
	}
}

// After a throttling signal at rate R the rate grows by ProbeStep a
// second up to (1-NearBand)·R, by NearStep within NearBand of R, and by
// ProbeStep again past (1+NearBand)·R, where nothing was refused.
func TestPacerApproachesTheRefusedRateSlowly(t *testing.T) {
	clock := simhttp.NewClock(t0)
	p := NewPacer(100, 0, 8, clock)
	for p.Rate() < 40 {
		p.Success()
	}
	sent, _ := p.Wait(context.Background())
	p.Throttled(sent, 0)
	refused := p.Rate() / BackoffFactor
	// Each Success adds step/rate: a second of successes adds step.
	second := func() float64 {
		before := p.Rate()
		for range int(math.Round(before)) {
			p.Success()
		}
		return p.Rate() - before
	}
	near := func(got, want float64) bool { return math.Abs(got-want) < want/20 }
	for p.Rate() < (1-NearBand)*refused-ProbeStep {
		if g := second(); !near(g, ProbeStep) {
			t.Fatalf("at %.2f (refused at %.2f): +%.3f a second, want %.2f", p.Rate(), refused, g, ProbeStep)
		}
	}
	for p.Rate() < (1-NearBand)*refused {
		second()
	}
	for p.Rate() < (1+NearBand)*refused-NearStep {
		if g := second(); !near(g, NearStep) {
			t.Fatalf("at %.2f (refused at %.2f): +%.3f a second, want %.2f", p.Rate(), refused, g, NearStep)
		}
	}
	for p.Rate() <= (1+NearBand)*refused {
		second()
	}
	if g := second(); !near(g, ProbeStep) {
		t.Errorf("past the band at %.2f: +%.3f a second, want %.2f", p.Rate(), g, ProbeStep)
	}
}
