// Package rest is the HTTP machinery the registrar REST clients share: the
// send loop with bounded retries and jittered backoff, the per-run cap on
// identical requests, the rate limiter and concurrency cap, the latch that
// stops every call after the first account-level error, the bounded
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
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"

	"github.com/domainsync/domainsync/registrar"
)

const (
	// MaxSends is how often one identical request (method, URL, body) may
	// be sent per run.
	MaxSends = 3
	// MaxRetries is how often a transient failure is retried.
	MaxRetries = 2
)

// NewLimiter builds the request-rate limiter: r < 0 is unlimited, r == 0
// takes def, and a burst of 0 is max(1, rate).
func NewLimiter(r, def float64, burst int) *rate.Limiter {
	if r < 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	if r == 0 {
		r = def
	}
	if burst == 0 {
		burst = max(1, int(r))
	}
	return rate.NewLimiter(rate.Limit(r), burst)
}

// NewHTTPTransport clones the default transport (TLS always verified) with
// conc idle connections per host.
func NewHTTPTransport(conc int) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conc
	return tr
}

// Config configures a Transport. Every field is required except Logger.
type Config struct {
	Registrar   string // name in errors and log messages
	Base        *url.URL
	HTTP        *http.Client
	Limiter     *rate.Limiter
	Concurrency int
	Timeout     time.Duration // per attempt, body included
	Backoff     time.Duration // first retry wait; doubled, ±50 % jitter
	UserAgent   string
	MaxBody     int
	Logger      *slog.Logger // nil = discard
	// WrapCause keeps the underlying transport error in registrar.Error.Err.
	WrapCause bool
}

// Stats counts what a Transport sent.
type Stats struct {
	Requests int64 // every request sent, retries included
	Retries  int64 // re-sends after a transient failure
	Blocked  int64 // not sent: the identical request was already sent MaxSends times
}

// Request is one API call.
type Request struct {
	Method string
	Path   string     // appended to the base URL's path
	Query  url.Values // nil for none
	Body   []byte     // JSON, nil for none
	Domain string     // the domain concerned, for errors
	Header http.Header
	// OnSend, when set, is called just before each send (retries included).
	OnSend func()
}

// Reply is a complete HTTP reply.
type Reply struct {
	Status   int
	Header   http.Header
	Body     []byte
	Duration time.Duration
}

// Handler decides on a reply: nil, or an error and whether it is transient
// (worth retrying).
type Handler func(*Reply) (err error, transient bool)

// Transport sends requests for one registrar account for one run. Safe for
// concurrent use.
type Transport struct {
	cfg   Config
	sem   *semaphore.Weighted
	Latch Latch

	sendsMu sync.Mutex
	sends   map[[32]byte]int

	requests, retries, blocked atomic.Int64
}

// New builds a Transport.
func New(cfg Config) *Transport {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.HTTP = guardRedirects(cfg.Registrar, cfg.Base, cfg.HTTP) // tls.go
	return &Transport{cfg: cfg, sem: semaphore.NewWeighted(int64(cfg.Concurrency)),
		Latch: Latch{name: cfg.Registrar, log: cfg.Logger}, sends: map[[32]byte]int{}}
}

// Stats returns the counts so far.
func (t *Transport) Stats() Stats {
	return Stats{Requests: t.requests.Load(), Retries: t.retries.Load(), Blocked: t.blocked.Load()}
}

// Send sends req, retrying transient failures at most MaxRetries times with
// a jittered, doubling backoff; handle decides on each reply. It fails
// without sending once the latch holds an error.
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
	for attempt := 0; ; attempt++ {
		if err := t.countSend(key, req); err != nil {
			return err
		}
		err, transient := t.attempt(ctx, req, target, handle)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !transient || attempt >= MaxRetries {
			return err
		}
		wait := t.cfg.Backoff << attempt
		wait = wait/2 + rand.N(wait+1) // ±50 % jitter
		t.retries.Add(1)
		t.cfg.Logger.Debug(t.cfg.Registrar+": transient failure, retrying", "path", req.Path, "attempt", attempt+1, "wait", wait, "error", err.Error())
		tm := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			tm.Stop()
			return ctx.Err()
		case <-tm.C:
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
// times per run.
func (t *Transport) countSend(key [32]byte, req Request) error {
	t.sendsMu.Lock()
	defer t.sendsMu.Unlock()
	if t.sends[key] >= MaxSends {
		t.blocked.Add(1)
		return &registrar.Error{Kind: registrar.KindOther, Registrar: t.cfg.Registrar, Domain: req.Domain,
			Message: fmt.Sprintf("%s %s: the identical request was already sent %d times in this run; not sending it again", req.Method, req.Path, MaxSends)}
	}
	t.sends[key]++
	return nil
}

// attempt sends the request once. A transport error is transient; the
// handler decides on a complete reply.
func (t *Transport) attempt(ctx context.Context, req Request, target string, handle Handler) (error, bool) {
	if err := t.sem.Acquire(ctx, 1); err != nil {
		return err, false
	}
	defer t.sem.Release(1)
	if err := t.cfg.Limiter.Wait(ctx); err != nil {
		return err, false
	}
	actx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(actx, req.Method, target, body)
	if err != nil {
		return &registrar.Error{Kind: registrar.KindOther, Registrar: t.cfg.Registrar, Domain: req.Domain, Err: err}, false
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", t.cfg.UserAgent)
	if req.Body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range req.Header {
		hreq.Header[k] = vs
	}
	if req.OnSend != nil {
		req.OnSend()
	}
	t.requests.Add(1)
	start := time.Now()
	resp, err := t.cfg.HTTP.Do(hreq)
	if err != nil {
		if rerr := t.refused(req, err); rerr != nil { // tls.go
			return rerr, false
		}
		return t.transportError(ctx, req, err), true
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, int64(t.cfg.MaxBody)+1))
	if err != nil {
		return t.transportError(ctx, req, err), true
	}
	if len(raw) > t.cfg.MaxBody {
		return &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: t.cfg.Registrar, Domain: req.Domain,
			Message: fmt.Sprintf("%s %s: reply larger than %d bytes", req.Method, req.Path, t.cfg.MaxBody)}, false
	}
	return handle(&Reply{Status: resp.StatusCode, Header: resp.Header, Body: raw, Duration: time.Since(start)})
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
