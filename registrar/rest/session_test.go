package rest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
)

// tokenServer issues tokens at /login that are refused (401) after life
// calls each; every other path answers 200 with a valid token. block, when
// set, holds the request for that path until the channel is closed.
type tokenServer struct {
	failLoginsAfter int // > 0: logins after this many answer HTTP 500
	life            int
	block           map[string]chan struct{}
	arrived         chan struct{} // receives once when a blocked request arrives

	mu     sync.Mutex
	issued int
	calls  map[string]int // per token
	sent   map[string][]string
	logins int
}

func (s *tokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/login" {
		s.mu.Lock()
		s.logins++
		if s.failLoginsAfter > 0 && s.logins > s.failLoginsAfter {
			s.mu.Unlock()
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		s.issued++
		tok := fmt.Sprintf("tok%d", s.issued)
		s.mu.Unlock()
		w.Write([]byte(tok))
		return
	}
	if ch := s.block[r.URL.Path]; ch != nil {
		select {
		case s.arrived <- struct{}{}:
		default:
		}
		<-ch
	}
	tok := r.Header.Get("X-Token")
	s.mu.Lock()
	s.sent[r.URL.Path] = append(s.sent[r.URL.Path], tok)
	n := s.calls[tok]
	s.calls[tok]++
	refuse := tok == "" || (s.life > 0 && n >= s.life) || s.life < 0
	s.mu.Unlock()
	if refuse {
		w.WriteHeader(http.StatusUnauthorized)
	}
}

func newSession(t *testing.T, srv *tokenServer, conc int) (*Session, *Transport) {
	srv.calls, srv.sent = map[string]int{}, map[string][]string{}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	u, _ := url.Parse(hs.URL)
	tr := New(Config{Registrar: "test", Base: u, HTTP: hs.Client(), Concurrency: conc, Timeout: 5 * time.Second,
		Backoff: time.Millisecond, UserAgent: "ua", MaxBody: 100})
	login := func(ctx context.Context) (string, error) {
		var tok string
		err := tr.Send(ctx, Request{Method: "POST", Path: "/login", Login: true}, func(r *Reply) (error, Outcome) {
			if r.Status != http.StatusOK {
				return &registrar.Error{Kind: registrar.KindUnavailable, Registrar: "test", Message: "login failed"}, Transient
			}
			tok = string(r.Body)
			return nil, Final
		})
		return tok, err
	}
	return NewSession(tr, login, func(h http.Header, tok string) { h.Set("X-Token", tok) }), tr
}

func authHandler(r *Reply) (error, Outcome) {
	if r.Status == http.StatusUnauthorized {
		return &registrar.Error{Kind: registrar.KindAuth, Registrar: "test", Message: "token refused"}, AuthRefused
	}
	return nil, Final
}

// Tokens that die every 3 calls: every expiry costs one login, each
// refused call is resent with the new token, and a refused send does not
// count toward the identical-request cap.
func TestSessionRenewsEveryExpiry(t *testing.T) {
	srv := &tokenServer{life: 3}
	s, tr := newSession(t, srv, 1)
	ctx := context.Background()
	for i := range 20 {
		if err := s.Do(ctx, Request{Method: "GET", Path: fmt.Sprintf("/d%d", i)}, authHandler); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	// 20 calls, 3 per token: 7 tokens, 6 expiries.
	if s.Logins() != 7 || s.Relogins() != 6 || srv.logins != 7 {
		t.Errorf("logins %d (server %d), relogins %d; want 7 and 6", s.Logins(), srv.logins, s.Relogins())
	}
	if tr.Stats().Blocked != 0 {
		t.Errorf("stats %+v", tr.Stats())
	}
}

// A token refused before any call with it succeeded stops the run: one
// login, no loop, and later calls fail without a request.
func TestSessionTokenThatNeverWorked(t *testing.T) {
	srv := &tokenServer{life: -1}
	s, tr := newSession(t, srv, 4)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = s.Do(ctx, Request{Method: "GET", Path: fmt.Sprintf("/d%d", i)}, authHandler) })
	}
	wg.Wait()
	for i, err := range errs {
		if registrar.KindOf(err) != registrar.KindAuth {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if srv.logins != 1 || !strings.Contains(tr.Latch.Err().Error(), "refused before any call with it succeeded") {
		t.Errorf("%d logins; latch %v", srv.logins, tr.Latch.Err())
	}
}

// A call queued behind another takes the token current when it is sent:
// while /a (holding the only slot) is refused and the token renewed, /b
// waits; it goes with the new token, never the dead one.
func TestSessionTokenTakenWhenSent(t *testing.T) {
	release := make(chan struct{})
	srv := &tokenServer{life: 2, block: map[string]chan struct{}{"/a": release}, arrived: make(chan struct{}, 1)}
	s, _ := newSession(t, srv, 1)
	ctx := context.Background()
	if err := s.Do(ctx, Request{Method: "GET", Path: "/first"}, authHandler); err != nil {
		t.Fatal(err)
	}
	// tok1 has one call left: /a uses it... after /warm uses it up.
	if err := s.Do(ctx, Request{Method: "GET", Path: "/warm"}, authHandler); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var errA, errB error
	wg.Go(func() { errA = s.Do(ctx, Request{Method: "GET", Path: "/a"}, authHandler) })
	<-srv.arrived // /a holds the only slot
	queued := make(chan struct{})
	wg.Go(func() {
		close(queued)
		errB = s.Do(ctx, Request{Method: "GET", Path: "/b"}, authHandler)
	})
	<-queued // (/b may or may not wait on the slot yet: either way it must not take tok1)
	close(release)
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("a: %v, b: %v", errA, errB)
	}
	for _, tok := range srv.sent["/b"] {
		if tok == "tok1" {
			t.Errorf("/b was sent with the expired token: %v", srv.sent["/b"])
		}
	}
	if got := srv.sent["/a"]; len(got) != 2 || got[0] != "tok1" || got[1] != "tok2" {
		t.Errorf("/a sent with %v, want tok1 then tok2", got)
	}
	if s.Relogins() != 1 {
		t.Errorf("relogins %d", s.Relogins())
	}
}

// Concurrent calls refused with the same expired token cause one login.
func TestSessionConcurrentExpiryOneLogin(t *testing.T) {
	srv := &tokenServer{life: 1000}
	s, _ := newSession(t, srv, 8)
	ctx := context.Background()
	if err := s.Do(ctx, Request{Method: "GET", Path: "/warm"}, authHandler); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	srv.calls["tok1"] = 1000 // tok1 expires now
	srv.mu.Unlock()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if err := s.Do(ctx, Request{Method: "GET", Path: fmt.Sprintf("/c%d", i)}, authHandler); err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if srv.logins != 2 || s.Relogins() != 1 {
		t.Errorf("%d logins, %d relogins; want 2 and 1", srv.logins, s.Relogins())
	}
}

// A login after an expiry that fails (after its own retries) stops the
// run: the calls waiting for it do not each try their own.
func TestSessionFailedReloginStopsTheRun(t *testing.T) {
	srv := &tokenServer{life: 1, failLoginsAfter: 1}
	s, tr := newSession(t, srv, 4)
	ctx := context.Background()
	if err := s.Do(ctx, Request{Method: "GET", Path: "/warm"}, authHandler); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if err := s.Do(ctx, Request{Method: "GET", Path: fmt.Sprintf("/c%d", i)}, authHandler); err == nil {
				t.Errorf("call %d succeeded", i)
			}
		})
	}
	wg.Wait()
	if srv.logins != 1+MaxSends || tr.Latch.Err() == nil {
		t.Errorf("%d logins (want 1 and one failing login of %d sends), latch %v", srv.logins, MaxSends, tr.Latch.Err())
	}
}
