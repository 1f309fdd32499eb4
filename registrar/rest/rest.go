// Package rest is the HTTP machinery the registrar REST clients share: the
// send loop with bounded retries and jittered backoff, the per-run cap on
// identical requests, the adaptive pacer (rate ceiling, Retry-After) and
// concurrency cap, the token session (login, renewal on expiry), the latch
// that stops every call after the first account-level error, the bounded
// lookup fan-out and the request counters. Envelope decoding, error-code
// mapping, login and the auth header stay in each registrar's package.
package rest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/domainsync/domainsync/registrar"
)

const (
	// MaxSends is how often one identical request (method, URL, body) may
	// be sent per run. Sends the registrar did not process (a throttling
	// signal, a refused token) do not count.
	MaxSends = 3
	// MaxRetries is how often a transient failure is retried.
	MaxRetries = MaxSends - 1
	// MaxThrottles is how often one request may be answered with a
	// throttling signal before the run stops (the registrar keeps
	// refusing the traffic however slowly it comes).
	MaxThrottles = 8
)

// Ceiling is the rate ceiling of a client: r < 0 is +Inf (not paced),
// r == 0 takes def.
func Ceiling(r, def float64) float64 {
	switch {
	case r < 0:
		return math.Inf(1)
	case r == 0:
		return def
	}
	return r
}

// NewHTTPTransport clones the default transport (TLS always verified) with
// conc idle connections per host.
func NewHTTPTransport(conc int) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conc
	return tr
}

// Config configures a Transport. Every field is required except Logger,
// Clock and Pacer.
type Config struct {
	Registrar   string // name in errors and log messages
	Base        *url.URL
	HTTP        *http.Client
	Pacer       *Pacer // nil = not paced
	Concurrency int
	Timeout     time.Duration // per attempt, body included
	Backoff     time.Duration // first retry wait; doubled, ±50 % jitter
	UserAgent   string
	MaxBody     int
	Logger      *slog.Logger // nil = discard
	Clock       Clock        // nil = SystemClock; the Pacer has its own
	// WrapCause keeps the underlying transport error in registrar.Error.Err.
	WrapCause bool
}

// Stats counts what a Transport sent.
type Stats struct {
	Requests  int64 // every request sent, retries included
	Retries   int64 // re-sends after a transient failure
	Throttled int64 // replies that were a throttling signal (429/503), each resent
	Blocked   int64 // not sent: the identical request was already sent MaxSends times
}

// Request is one API call.
type Request struct {
	Method string
	Path   string     // appended to the base URL's path
	Query  url.Values // nil for none
	Body   []byte     // JSON, nil for none
	Domain string     // the domain concerned, for errors
	Header http.Header
	// Login marks the login request: it takes no concurrency slot (a
	// token renewal must not wait behind the requests waiting for it), may
	// be resent after a transient failure although it is a POST, and is
	// not held to MaxSends per run (see countSend).
	Login bool
	// OnSend, when set, is called just before each send (retries included).
	OnSend func()

	// auth, set by Session.Do, puts the current token on the request just
	// before it is sent and returns what to call with the outcome.
	auth func(ctx context.Context, h http.Header) (func(err error, o Outcome), error)
}

// repeatable reports whether the request may be resent after a failure
// whose effect is unknown: reads, and writes that set an absolute value
// (PUT, DELETE). A POST (e.g. creating a contact) could be applied twice.
func (r Request) repeatable() bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
		return true
	}
	return r.Login
}

// Reply is a complete HTTP reply.
type Reply struct {
	Status   int
	Header   http.Header
	Body     []byte
	Duration time.Duration
	Attempt  int // 1 for the first send of this request, 2 for the next …
	// Paced is how long the pacer held this send (the rate, a
	// Retry-After), the -v log's "paced".
	Paced time.Duration
}

// Outcome is what a Handler decided about a reply.
type Outcome int

const (
	// Final: a success or a definite answer; not resent.
	Final Outcome = iota
	// Transient: a failure that may pass (a 5xx without a known code, a
	// lost connection); resent after a backoff when the request is
	// repeatable, counted toward MaxSends.
	Transient
	// Throttled: the registrar asks to slow down (HTTP 429 or 503) and did
	// not process the request; resent after Retry-After, not counted
	// toward MaxSends.
	Throttled
	// AuthRefused: the token was refused; not counted toward MaxSends.
	// The Session decides whether to log in again and resend.
	AuthRefused
)

func (o Outcome) String() string {
	switch o {
	case Transient:
		return "transient"
	case Throttled:
		return "throttled"
	case AuthRefused:
		return "token refused"
	}
	return "final"
}

// Handler decides on a reply: an error (nil on success) and its outcome.
type Handler func(*Reply) (error, Outcome)

// Transport sends requests for one registrar account for one run. Safe for
// concurrent use.
type Transport struct {
	cfg   Config
	sem   *semaphore.Weighted
	Latch Latch

	sendsMu sync.Mutex
	sends   map[[32]byte]int

	requests, retries, throttled, blocked atomic.Int64
}

// New builds a Transport.
func New(cfg Config) *Transport {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.HTTP = guardRedirects(cfg.Registrar, cfg.Base, cfg.HTTP) // tls.go
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Pacer == nil {
		cfg.Pacer = NewPacer(math.Inf(1), 0, cfg.Concurrency, cfg.Clock)
	}
	return &Transport{cfg: cfg, sem: semaphore.NewWeighted(int64(cfg.Concurrency)),
		Latch: Latch{name: cfg.Registrar, log: cfg.Logger}, sends: map[[32]byte]int{}}
}

// Pacer returns the transport's pacer.
func (t *Transport) Pacer() *Pacer { return t.cfg.Pacer }

// Stats returns the counts so far.
func (t *Transport) Stats() Stats {
	return Stats{Requests: t.requests.Load(), Retries: t.retries.Load(), Throttled: t.throttled.Load(), Blocked: t.blocked.Load()}
}

// Send sends req and lets handle decide on each reply. A transient failure
// of a repeatable request is resent after a jittered, doubling backoff, at
// most MaxSends sends in all (identical requests of the whole run counted
// together). A throttling signal holds every send of the transport until
// its Retry-After (or the backoff when it sends none) has passed and slows
// the pacer; the request is then resent, at most MaxThrottles times. It
// fails without sending once the latch holds an error.
func (t *Transport) Send(ctx context.Context, req Request, handle Handler) error {
	if err := t.Latch.Err(); err != nil {
		return err
	}
	u := *t.cfg.Base
	u.Path += req.Path
	if len(req.Query) > 0 {
		u.RawQuery = req.Query.Encode()
	}
	target := u.String()
	key := SendKey(req.Method, target, req.Body)
	failures, throttles := 0, 0
	for attempt := 1; ; attempt++ {
		if err := t.Latch.Err(); err != nil {
			return err
		}
		if err := t.countSend(key, req); err != nil {
			return err
		}
		err, o, wait := t.attempt(ctx, req, target, attempt, throttles, handle)
		if o == Throttled || o == AuthRefused {
			t.uncount(key)
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch o {
		case Throttled:
			throttles++
			t.throttled.Add(1)
			if wait > MaxRetryAfter {
				return &registrar.Error{Kind: registrar.KindRateLimited, Registrar: t.cfg.Registrar,
					Message: fmt.Sprintf("%s %s: the registrar asks to wait %s before the next request (Retry-After); stopping instead", req.Method, req.Path, wait.Round(time.Second))}
			}
			if throttles >= MaxThrottles {
				return &registrar.Error{Kind: registrar.KindRateLimited, Registrar: t.cfg.Registrar,
					Message: fmt.Sprintf("%s %s: throttled %d times in a row (HTTP 429/503); stopping", req.Method, req.Path, throttles)}
			}
			t.cfg.Logger.Info(t.cfg.Registrar+": throttled, waiting", "method", req.Method, "path", req.Path,
				"attempt", attempt, "wait", wait, "rate", fmt.Sprintf("%.2f/s", t.cfg.Pacer.Rate()), "error", err.Error())
			continue // the pacer holds the next send until the wait has passed
		case Transient:
			failures++
			if !req.repeatable() {
				return err
			}
			if failures > MaxRetries {
				return err
			}
			w := t.cfg.Backoff << (failures - 1)
			w = w/2 + rand.N(w+1) // ±50 % jitter
			t.retries.Add(1)
			t.cfg.Logger.Debug(t.cfg.Registrar+": transient failure, retrying", "method", req.Method, "path", req.Path,
				"attempt", attempt, "wait", w, "error", err.Error())
			if err := t.cfg.Clock.SleepUntil(ctx, t.cfg.Clock.Now().Add(w)); err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// SendKey identifies identical requests: method, URL and body.
func SendKey(method, target string, body []byte) [32]byte {
	h := sha256.New()
	io.WriteString(h, method)
	h.Write([]byte{0})
	io.WriteString(h, target)
	h.Write([]byte{0})
	h.Write(body)
	var k [32]byte
	copy(k[:], h.Sum(nil))
	return k
}

// countSend enforces that an identical request is sent at most MaxSends
// times per run. A login is not counted here: one is sent per token the
// run needs (the Session logs in again only after a token that worked),
// and each login's own retries are bounded by MaxRetries.
func (t *Transport) countSend(key [32]byte, req Request) error {
	if req.Login {
		return nil
	}
	t.sendsMu.Lock()
	defer t.sendsMu.Unlock()
	if t.sends[key] >= MaxSends {
		t.blocked.Add(1)
		// Unavailable: the request gets no (further) answer in this run.
		return &registrar.Error{Kind: registrar.KindUnavailable, Registrar: t.cfg.Registrar, Domain: req.Domain,
			Message: fmt.Sprintf("%s %s: the identical request was already sent %d times in this run; not sending it again", req.Method, req.Path, MaxSends)}
	}
	t.sends[key]++
	return nil
}

// uncount takes back a send the registrar did not process.
func (t *Transport) uncount(key [32]byte) {
	t.sendsMu.Lock()
	defer t.sendsMu.Unlock()
	if t.sends[key] > 0 {
		t.sends[key]--
	}
}

// attempt sends the request once. A transport error is transient; the
// handler decides on a complete reply. wait is how long a throttling
// signal asks to wait (its Retry-After; without one the backoff, doubled
// for each earlier throttle of this request).
func (t *Transport) attempt(ctx context.Context, req Request, target string, attempt, throttles int, handle Handler) (err error, o Outcome, wait time.Duration) {
	if !req.Login {
		if err := t.sem.Acquire(ctx, 1); err != nil {
			return err, Final, 0
		}
		defer t.sem.Release(1)
	}
	queued := time.Now()
	sent, err := t.cfg.Pacer.Wait(ctx) // (returns only once no Retry-After hold is on)
	if err != nil {
		return err, Final, 0
	}
	paced := time.Since(queued)
	actx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(actx, req.Method, target, body)
	if err != nil {
		return &registrar.Error{Kind: registrar.KindOther, Registrar: t.cfg.Registrar, Domain: req.Domain, Err: err}, Final, 0
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", t.cfg.UserAgent)
	if req.Body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range req.Header {
		hreq.Header[k] = vs
	}
	if req.auth != nil {
		// The token is taken now, when the request goes, not when it was
		// queued behind the pacer or a token renewal.
		done, aerr := req.auth(ctx, hreq.Header)
		if aerr != nil {
			return aerr, Final, 0
		}
		defer func() { done(err, o) }()
	}
	if req.OnSend != nil {
		req.OnSend()
	}
	t.requests.Add(1)
	start := time.Now()
	resp, err := t.cfg.HTTP.Do(hreq)
	if err != nil {
		if rerr := t.refused(req, err); rerr != nil { // tls.go
			return rerr, Final, 0
		}
		return t.transportError(ctx, req, err), Transient, 0
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, int64(t.cfg.MaxBody)+1))
	if err != nil {
		return t.transportError(ctx, req, err), Transient, 0
	}
	if len(raw) > t.cfg.MaxBody {
		return &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: t.cfg.Registrar, Domain: req.Domain,
			Message: fmt.Sprintf("%s %s: reply larger than %d bytes", req.Method, req.Path, t.cfg.MaxBody)}, Final, 0
	}
	err, o = handle(&Reply{Status: resp.StatusCode, Header: resp.Header, Body: raw, Duration: time.Since(start), Attempt: attempt, Paced: paced})
	if o == Throttled {
		wait = t.cfg.Backoff << min(throttles, 4) // no Retry-After: doubling, at most 16×
		if ra, ok := RetryAfter(resp.Header, t.cfg.Clock.Now()); ok {
			wait = ra
		}
		t.cfg.Pacer.Throttled(sent, wait)
		if err == nil {
			err = &registrar.Error{Kind: registrar.KindRateLimited, Registrar: t.cfg.Registrar,
				Message: fmt.Sprintf("%s %s: HTTP %d", req.Method, req.Path, resp.StatusCode)}
		}
		return err, o, wait
	}
	if o == Final {
		t.cfg.Pacer.Success() // an answer: the registrar keeps up (a 5xx or a refused token is neither)
	}
	return err, o, 0
}

// RetryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3). A date in the past is 0.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(0, at.Sub(now)), true
	}
	return 0, false
}

// transportError wraps a failure to send or read, naming the call but no
// secret (URLs carry no credentials; bodies are never included).
func (t *Transport) transportError(ctx context.Context, req Request, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	msg := "connection failed"
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		msg = fmt.Sprintf("no complete reply within %s", t.cfg.Timeout)
	case errors.Is(err, io.ErrUnexpectedEOF):
		msg = "reply cut short"
	}
	e := &registrar.Error{Kind: registrar.KindUnavailable, Registrar: t.cfg.Registrar, Domain: req.Domain,
		Message: fmt.Sprintf("%s %s: %s", req.Method, req.Path, msg)}
	if t.cfg.WrapCause {
		e.Err = err
	}
	return e
}

// Latch holds the first run-stopping error: every later call fails with it
// without reaching the API. The zero value (without logging) is ready.
type Latch struct {
	name string
	log  *slog.Logger

	mu  sync.Mutex
	err error
}

// Err returns the recorded error, nil while the run goes on.
func (l *Latch) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Set records err when no error is recorded yet and returns the recorded one.
func (l *Latch) Set(err error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
		if l.log != nil {
			l.log.Error(l.name+": stopping all calls for this run", "error", err.Error())
		}
	}
	return l.err
}
