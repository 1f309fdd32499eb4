package rest

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/domainsync/domainsync/registrar"
)

// MaxAuthResends bounds how often one call is resent after its token was
// refused (each time with a token that has worked since, or a newer one).
const MaxAuthResends = 10

// LoginFunc logs in and returns the new token. It sends through the same
// Transport with Request.Login set, and records a run-stopping failure in
// the latch itself.
type LoginFunc func(ctx context.Context) (string, error)

// Session holds the token of one registrar account for one run. A call
// takes the current token when it is sent. A token that has worked (a call
// with it was answered other than by a refusal of the token) and is then
// refused — it expired — is replaced by one new login and the refused call
// is resent with the new token; this holds for every expiry in a run. A
// token refused before any call with it succeeded is an authentication
// failure that stops the run: no login loops (registrars ban repeated
// logins). Safe for concurrent use.
type Session struct {
	tr     *Transport
	login  LoginFunc
	header func(h http.Header, token string)

	mu       sync.Mutex
	cond     *sync.Cond
	cur      *token
	renewing bool // a login is in flight: new sends wait for its token

	logins, relogins atomic.Int64
}

// token is one login's token and what is known about it.
type token struct {
	value    func() string // (a func: fmt and reflection cannot print it)
	gen      int
	worked   bool // a call with it was answered other than by a refusal of it
	dead     bool // a call with it was refused
	inflight int  // calls sent with it whose outcome is not known yet
}

// NewSession builds a session over tr; header puts a token on a request.
func NewSession(tr *Transport, login LoginFunc, header func(h http.Header, token string)) *Session {
	s := &Session{tr: tr, login: login, header: header}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Logins is the number of successful logins so far; Relogins those after
// an expired token.
func (s *Session) Logins() int64   { return s.logins.Load() }
func (s *Session) Relogins() int64 { return s.relogins.Load() }

// Login logs in when no token is held yet (once per run).
func (s *Session) Login(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if err := s.tr.Latch.Err(); err != nil {
			return err
		}
		switch {
		case s.renewing:
			s.cond.Wait()
		case s.cur != nil:
			return nil
		default:
			if err := s.renewLocked(ctx, nil); err != nil {
				return err
			}
		}
	}
}

// current returns the token to send a call with now, counted in flight: a
// live token; after a refusal, the token of one new login when the
// refused token had worked, or the run-stopping error when it had not
// (after the calls still in flight with it have answered: one of them may
// prove it worked). The caller holds s.mu.
func (s *Session) current(ctx context.Context) (*token, error) {
	for {
		if err := s.tr.Latch.Err(); err != nil {
			return nil, err
		}
		t := s.cur
		switch {
		case s.renewing || (t != nil && t.dead && !t.worked && t.inflight > 0):
			s.cond.Wait()
		case t == nil:
			if err := s.renewLocked(ctx, nil); err != nil {
				return nil, err
			}
		case !t.dead:
			t.inflight++
			return t, nil
		case !t.worked:
			err := s.tr.Latch.Set(&registrar.Error{Kind: registrar.KindAuth, Registrar: s.tr.cfg.Registrar,
				Message: "the token was refused before any call with it succeeded; not logging in again"})
			s.cond.Broadcast()
			return nil, err
		default:
			s.tr.cfg.Logger.Info(s.tr.cfg.Registrar+": token refused (expired), logging in again", "token_generation", t.gen)
			if err := s.renewLocked(ctx, t); err != nil {
				if ctx.Err() == nil {
					// One login per expiry: a failed one stops the run
					// rather than each waiting call trying its own.
					err = s.tr.Latch.Set(err)
					s.cond.Broadcast()
				}
				return nil, err
			}
		}
	}
}

// renewLocked logs in and makes the new token current. The caller holds
// s.mu, which is released during the login. prev is the token it
// replaces, nil for the first login.
func (s *Session) renewLocked(ctx context.Context, prev *token) error {
	s.renewing = true
	s.mu.Unlock()
	tok, err := s.login(ctx)
	s.mu.Lock()
	s.renewing = false
	s.cond.Broadcast()
	if err != nil {
		return err
	}
	gen := 1
	if prev != nil {
		gen = prev.gen + 1
		s.relogins.Add(1)
	}
	s.logins.Add(1)
	s.cur = &token{value: func() string { return tok }, gen: gen}
	return nil
}

// acquire takes the current token for a send and returns what to call
// with the send's outcome.
func (s *Session) acquire(ctx context.Context, h http.Header) (func(err error, o Outcome), error) {
	s.mu.Lock()
	t, err := s.current(ctx)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	s.header(h, t.value())
	return func(err error, o Outcome) {
		s.mu.Lock()
		defer s.mu.Unlock()
		t.inflight--
		switch {
		case o == AuthRefused:
			t.dead = true // the next send logs in again (or stops the run)
		case o == Final && (err == nil || !registrar.IsAccountLevel(err)):
			t.worked = true // the registrar took the token and answered
		}
		s.cond.Broadcast()
	}, nil
}

// Do sends an authenticated request through the transport (logging in
// first when no token is held). Each send takes the token current when it
// goes; a send refused for its token (handle reports AuthRefused with a
// registrar.KindAuth error) is resent, and the resend renews the token as
// described on Session.
func (s *Session) Do(ctx context.Context, req Request, handle Handler) error {
	if err := s.Login(ctx); err != nil {
		return err
	}
	req.auth = s.acquire
	for refused := 1; ; refused++ {
		err := s.tr.Send(ctx, req, handle)
		if err == nil || registrar.KindOf(err) != registrar.KindAuth || ctx.Err() != nil {
			return err
		}
		if fe := s.tr.Latch.Err(); fe != nil {
			return fe
		}
		if refused > MaxAuthResends {
			err := s.tr.Latch.Set(&registrar.Error{Kind: registrar.KindAuth, Registrar: s.tr.cfg.Registrar,
				Message: "the request was refused for its token again and again, each time after a fresh login"})
			s.mu.Lock()
			s.cond.Broadcast()
			s.mu.Unlock()
			return err
		}
	}
}
