// Package odr is the Open Domain Registry REST API client: signed login,
// domain info by name, the paged portfolio listing, auto-renew on/off and
// contacts. It implements registrar.Registrar and registrar.Contacts. See
// docs/peers.md §1.2–§1.4 for the API's habits the client follows; odrsim
// is a simulated server for tests.
package odr

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/rest"
)

// Name is the registrar's module name in WHMCS.
const Name = "odr"

// ProductionURL is the live endpoint (docs/peers.md §1.4).
const ProductionURL = "https://api.opendomainregistry.net"

// Defaults for the zero values of Config.
const (
	// DefaultRateLimit is the default ceiling of the adaptive request rate:
	// 10 requests a second. ODR publishes no rate limit, token lifetime or
	// ban rule; its PHP SDK warns that "too many requests at a time can ban
	// us" and the official modules log in again after an hour. A third of
	// Openprovider's ceiling and 4 connections keep well clear of an
	// unknown limit while a 200-domain batch (one info call each) takes
	// about 20 s; the client starts at a third of it and backs off on HTTP
	// 429/503.
	DefaultRateLimit      = 10.0
	DefaultConcurrency    = 4
	DefaultRequestTimeout = 30 * time.Second
	DefaultRetryBackoff   = time.Second
	DefaultUserAgent      = "domainsync/dev"
	// maxSends is how often one identical request may be sent per run.
	maxSends = 3
	// maxRetries is how often a transient failure is retried.
	maxRetries = 2
	// maxBody bounds a reply body.
	maxBody = 32 << 20
	// maxPages bounds the listing, whatever the headers say.
	maxPages = 100000
)

// Config configures a Client. The API secret is never printed.
type Config struct {
	URL       string // "" = ProductionURL
	APIKey    string // public key ("public$…")
	APISecret string // secret ("secret$…"), never printed

	HTTPClient     *http.Client // nil builds one (TLS always verified)
	RateLimit      float64      // ceiling of the adaptive rate, requests per second; 0 = DefaultRateLimit, < 0 = not paced
	Burst          int          // ceiling of the starting burst; 0 = Concurrency
	Concurrency    int          // requests in flight at once (a ceiling)
	RequestTimeout time.Duration
	RetryBackoff   time.Duration
	UserAgent      string
	Logger         *slog.Logger     // nil = discard
	Now            func() time.Time // login timestamp clock; nil = time.Now
	Clock          rest.Clock       // pacing, Retry-After and backoff waits; nil = the wall clock

	// CAFile holds the PEM certificates server certificates are verified
	// against instead of the system roots (a private CA, a TLS-intercepting
	// proxy). Not allowed together with HTTPClient.
	CAFile string
}

// String shows the configuration with the secret redacted.
func (c Config) String() string {
	sec := ""
	if c.APISecret != "" {
		sec = "********"
	}
	return fmt.Sprintf("odr.Config{URL:%q APIKey:%q APISecret:%q RateLimit:%g Burst:%d Concurrency:%d RequestTimeout:%s UserAgent:%q CAFile:%q}",
		c.URL, c.APIKey, sec, c.RateLimit, c.Burst, c.Concurrency, c.RequestTimeout, c.UserAgent, c.CAFile)
}

// GoString is String, so %#v does not reveal the secret.
func (c Config) GoString() string { return c.String() }

// Format makes every verb print String.
func (c Config) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue keeps the secret out of slog output.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// secret holds a value that fmt and reflection-based printers cannot show.
type secret struct{ get func() string }

func newSecret(s string) secret { return secret{get: func() string { return s }} }

func (s secret) value() string {
	if s.get == nil {
		return ""
	}
	return s.get()
}

// Signature is the login signature: "token$" + sha1_hex(apiKey + " " +
// timestamp + " " + sha1_hex(apiSecret)) (docs/peers.md §1.4).
func Signature(apiKey, apiSecret string, timestamp int64) string {
	inner := sha1.Sum([]byte(apiSecret))
	outer := sha1.Sum([]byte(apiKey + " " + strconv.FormatInt(timestamp, 10) + " " + hex.EncodeToString(inner[:])))
	return "token$" + hex.EncodeToString(outer[:])
}

// Stats counts the calls of one run.
type Stats struct {
	Logins    int64
	Relogins  int64
	Requests  int64 // every request sent, retries included
	Retries   int64
	Throttled int64 // replies that asked to slow down (HTTP 429/503), each resent
	Blocked   int64 // not sent: the identical request was already sent three times
}

// Client talks to one ODR account for one run. Safe for concurrent use.
type Client struct {
	base      *url.URL
	apiKey    string
	apiSecret secret
	http      *http.Client
	pacer     *rest.Pacer
	conc      int
	timeout   time.Duration
	backoff   time.Duration
	userAgent string
	log       *slog.Logger
	now       func() time.Time
	tr        *rest.Transport
	sess      *rest.Session

	stats struct{ logins atomic.Int64 }
}

// New builds a client; it does not contact the API.
func New(cfg Config) (*Client, error) {
	raw := cfg.URL
	if raw == "" {
		raw = ProductionURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("odr: url %q is not an http(s) URL", raw)
	}
	if u.User != nil {
		return nil, errors.New("odr: url must not contain credentials")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("odr: api key is required")
	}
	if strings.TrimSpace(cfg.APISecret) == "" {
		return nil, errors.New("odr: api secret is required")
	}
	if cfg.Concurrency < 0 || cfg.Burst < 0 || cfg.RequestTimeout < 0 || cfg.RetryBackoff < 0 {
		return nil, errors.New("odr: concurrency, burst, request timeout and retry backoff must not be negative")
	}
	c := &Client{
		base: u, apiKey: strings.TrimSpace(cfg.APIKey), apiSecret: newSecret(strings.TrimSpace(cfg.APISecret)),
		conc: cfg.Concurrency, timeout: cfg.RequestTimeout, backoff: cfg.RetryBackoff,
		userAgent: cfg.UserAgent, log: cfg.Logger, now: cfg.Now, http: cfg.HTTPClient,
	}
	if c.conc == 0 {
		c.conc = DefaultConcurrency
	}
	if c.timeout == 0 {
		c.timeout = DefaultRequestTimeout
	}
	if c.backoff == 0 {
		c.backoff = DefaultRetryBackoff
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	switch {
	case c.http != nil && cfg.CAFile != "":
		return nil, errors.New("odr: set either an HTTP client or a CA file, not both")
	case c.http == nil:
		if c.http, err = rest.NewHTTPClient(Name, c.conc, cfg.CAFile); err != nil {
			return nil, err
		}
	}
	c.pacer = rest.NewPacer(rest.Ceiling(cfg.RateLimit, DefaultRateLimit), cfg.Burst, c.conc, cfg.Clock)
	c.tr = rest.New(rest.Config{Registrar: Name, Base: c.base, HTTP: c.http, Pacer: c.pacer,
		Concurrency: c.conc, Timeout: c.timeout, Backoff: c.backoff, UserAgent: c.userAgent,
		MaxBody: maxBody, Logger: c.log, Clock: cfg.Clock})
	c.sess = rest.NewSession(c.tr, c.login, func(h http.Header, token string) { h.Set("X-Access-Token", token) })
	return c, nil
}

// String describes the client without secrets.
func (c *Client) String() string {
	return fmt.Sprintf("odr.Client{url:%q apikey:%q}", c.base.String(), c.apiKey)
}

// Format makes every verb print String, so no field is ever printed.
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// Name implements registrar.Registrar.
func (c *Client) Name() string { return Name }

// Stats returns the call counts so far.
func (c *Client) Stats() Stats {
	ts := c.tr.Stats()
	return Stats{Logins: c.stats.logins.Load(), Relogins: c.sess.Relogins(),
		Requests: ts.Requests, Retries: ts.Retries, Throttled: ts.Throttled, Blocked: ts.Blocked}
}

// Login implements registrar.Registrar: it logs in once per run. Any error
// is account-level.
func (c *Client) Login(ctx context.Context) error { return c.sess.Login(ctx) }

// Pacer is the client's adaptive request rate.
func (c *Client) Pacer() *rest.Pacer { return c.pacer }

// login sends POST /user/login/ and returns the token (the Session's
// LoginFunc: the first login and one per expired token).
func (c *Client) login(ctx context.Context) (string, error) {
	ts := c.now().Unix()
	body, err := json.Marshal(struct {
		APIKey    string `json:"api_key"`
		Timestamp int64  `json:"timestamp"`
		Signature string `json:"signature"`
	}{c.apiKey, ts, Signature(c.apiKey, c.apiSecret.value(), ts)})
	if err != nil {
		return "", err
	}
	env, err := c.sendWith(ctx, request{method: http.MethodPost, path: "/user/login/", body: body, login: true}, nil)
	c.stats.logins.Add(1)
	if err != nil {
		var re *registrar.Error
		if errors.As(err, &re) && (re.Kind == registrar.KindAuth || re.Kind == registrar.KindRefused || re.Kind == registrar.KindNotFound) {
			re.Kind = registrar.KindAuth
			re.Domain = ""
			re.Message = "login refused: check the API key, the API secret and the server clock (" + re.Message + ")"
		}
		if ctx.Err() != nil {
			return "", err
		}
		return "", c.setFatal(err)
	}
	var data struct {
		Token    string `json:"token"`
		AsHeader string `json:"as_header"`
	}
	if json.Unmarshal(env.Response, &data) != nil || data.Token == "" {
		return "", c.setFatal(&registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Message: "login reply holds no token"})
	}
	return data.Token, nil
}

func (c *Client) fatalErr() error { return c.tr.Latch.Err() }

// setFatal records the first run-stopping error and returns the recorded one.
func (c *Client) setFatal(err error) error { return c.tr.Latch.Set(err) }

// request is one API call.
type request struct {
	method string
	path   string     // under the base URL, starting and ending with /
	query  url.Values // nil for none
	body   []byte     // JSON, nil for none
	domain string     // the domain concerned, for errors
	login  bool
}

// reply is a decoded success reply with its headers.
type reply struct {
	envelope
	header http.Header
}

// call sends an authenticated request through the session: it logs in
// when needed and, when a token that worked is refused (it expired), logs
// in again once and resends; see rest.Session.
func (c *Client) call(ctx context.Context, req request) (*reply, error) {
	rp, err := c.sendWith(ctx, req, c.sess)
	if err == nil {
		return rp, nil
	}
	if fe := c.fatalErr(); fe != nil {
		return nil, fe
	}
	if registrar.IsAccountLevel(err) {
		return nil, c.setFatal(err)
	}
	return nil, err
}

// sendWith sends req, through the session when one is given (otherwise
// without a token: the login).
func (c *Client) sendWith(ctx context.Context, req request, sess *rest.Session) (*reply, error) {
	var rp *reply
	rr := rest.Request{Method: req.method, Path: req.path, Query: req.query, Body: req.body, Domain: req.domain, Login: req.login}
	handle := func(r *rest.Reply) (error, rest.Outcome) {
		var (
			err error
			o   rest.Outcome
		)
		rp, err, o = c.decodeReply(req, r)
		return err, o
	}
	var err error
	if sess != nil {
		err = sess.Do(ctx, rr, handle)
	} else {
		err = c.tr.Send(ctx, rr, handle)
	}
	if err != nil {
		return nil, err
	}
	return rp, nil
}

// decodeReply turns one reply into a success reply or an error, and says
// what the transport should do about it: a refused token (401) goes to
// the session, HTTP 429 — and 503 with a Retry-After — asks to slow down
// (throttled), another 5xx without a known business code is transient.
func (c *Client) decodeReply(req request, r *rest.Reply) (rp *reply, err error, o rest.Outcome) {
	env, derr := decodeEnvelope(r.Body)
	c.log.Debug("odr: request", "method", req.method, "path", req.path, "attempt", r.Attempt, "http_status", r.Status, "duration", r.Duration, "paced", r.Paced)
	throttled := r.Status == http.StatusTooManyRequests ||
		(r.Status == http.StatusServiceUnavailable && (derr != nil || r.Header.Get("Retry-After") != ""))
	if derr != nil {
		if throttled {
			return nil, &registrar.Error{Kind: registrar.KindRateLimited, Registrar: Name,
				Message: fmt.Sprintf("%s %s: HTTP %d without a JSON reply", req.method, req.path, r.Status)}, rest.Throttled
		}
		return noEnvelope(req, r.Status, derr)
	}
	if !env.OK {
		e := &registrar.Error{Kind: kindOfCode(env.Code, req.login), Registrar: Name, Code: env.Code, Message: env.Message}
		if e.Message == "" {
			e.Message = fmt.Sprintf("%s %s: error reply without a message", req.method, req.path)
		}
		o := rest.Final
		switch {
		case throttled && (e.Kind == registrar.KindRateLimited || e.Kind == registrar.KindMaintenance ||
			e.Kind == registrar.KindUnavailable || e.Kind == registrar.KindOther):
			e.Kind, o = registrar.KindRateLimited, rest.Throttled
		case e.Kind == registrar.KindAuth && !req.login:
			o = rest.AuthRefused
		case r.Status >= 500 && (e.Kind == registrar.KindUnavailable || e.Kind == registrar.KindOther):
			// Not a business error this client knows: the server failed.
			e.Kind, o = registrar.KindUnavailable, rest.Transient
		}
		if !registrar.IsAccountLevel(e) {
			e.Domain = req.domain
		}
		return nil, e, o
	}
	return &reply{envelope: env, header: r.Header}, nil, rest.Final
}

// kindOfCode maps the envelope's HTTP-like code of an error reply to a
// kind. ODR documents no code list publicly; these follow HTTP meaning.
func kindOfCode(code int, login bool) registrar.Kind {
	switch {
	case code == http.StatusUnauthorized:
		return registrar.KindAuth
	case code == http.StatusForbidden:
		if login {
			return registrar.KindAuth
		}
		return registrar.KindAccessDenied
	case code == http.StatusNotFound:
		return registrar.KindNotFound
	case code == http.StatusTooManyRequests:
		return registrar.KindRateLimited
	case code == http.StatusServiceUnavailable:
		return registrar.KindMaintenance
	case code == http.StatusBadRequest, code == http.StatusConflict, code == http.StatusUnprocessableEntity,
		code == http.StatusMethodNotAllowed:
		return registrar.KindRefused
	case code >= 500:
		return registrar.KindUnavailable
	}
	return registrar.KindOther
}

// noEnvelope classifies a reply without a JSON envelope by its HTTP status.
func noEnvelope(req request, status int, derr error) (*reply, error, rest.Outcome) {
	e := &registrar.Error{Registrar: Name, Domain: req.domain,
		Message: fmt.Sprintf("%s %s: HTTP %d without a JSON reply", req.method, req.path, status)}
	switch {
	case status == http.StatusUnauthorized:
		e.Kind, e.Domain = registrar.KindAuth, ""
		if req.login {
			return nil, e, rest.Final
		}
		return nil, e, rest.AuthRefused
	case status >= 500:
		e.Kind = registrar.KindUnavailable
		return nil, e, rest.Transient
	default:
		e.Kind = registrar.KindInvalidReply
		e.Message = fmt.Sprintf("%s %s: HTTP %d: %v", req.method, req.path, status, derr)
		return nil, e, rest.Final
	}
}
