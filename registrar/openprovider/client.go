// Package openprovider is the Openprovider REST API (v1beta) client: login,
// domain lookup by name, a paged portfolio listing and the two partial
// updates sync pushes (auto-renew, WHOIS privacy). It implements
// registrar.Registrar. See docs/openprovider-api.md for the API's habits the
// client follows; opsim is a simulated server for tests.
package openprovider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/rest"
)

// Name is the registrar's module name in WHMCS.
const Name = "openprovider"

// ProductionURL is the live endpoint; paths under it start with /v1beta/.
const ProductionURL = "https://api.openprovider.eu"

// Defaults for the zero values of Config.
const (
	// DefaultRateLimit is 5 requests per second. Openprovider publishes no
	// general request-rate limit, only per-pattern ones (§12): 300 identical
	// calls per 300 s (10005, manual unblock), 30 logins per minute, 100
	// failed logins per hour. A sync sends distinct calls (one lookup per
	// domain, one page per 1000 domains), logs in once, and never repeats a
	// request more than three times, so those limits are not reached at any
	// rate; 5/s ("a few requests per second is plenty for a cron job")
	// keeps a batch of 200 domains under a minute while staying far from
	// the test environment's stricter 50-per-100 s identical-call limit.
	DefaultRateLimit = 5.0
	// DefaultConcurrency is the number of requests in flight at once.
	DefaultConcurrency = 8
	// DefaultRequestTimeout bounds one attempt, body included.
	DefaultRequestTimeout = 30 * time.Second
	// DefaultRetryBackoff is the wait before the first retry of a transient
	// failure; the second waits twice as long (both with ±50 % jitter).
	DefaultRetryBackoff = time.Second
	// DefaultUserAgent is used when Config.UserAgent is empty; the program
	// passes domainsync/<version>.
	DefaultUserAgent = "domainsync/dev"
	// PageSize is the listing page size: the API's maximum (§5.1).
	PageSize = 1000
	// maxSends is how often one identical request may be sent per run.
	maxSends = 3
	// maxRetries is how often a transient failure is retried.
	maxRetries = 2
	// maxBody bounds a reply body (a 1000-domain page is a few MB).
	maxBody = 64 << 20
)

// Config configures a Client. Zero values take the defaults above. The
// password is never printed: Config formats itself with it redacted.
type Config struct {
	URL      string // base URL without /v1beta; "" = ProductionURL
	Username string
	Password string

	// HTTPClient sends the requests; nil builds one (TLS always verified).
	HTTPClient *http.Client
	// CAFile holds the PEM certificates server certificates are verified
	// against instead of the system roots (a private CA, a TLS-intercepting
	// proxy). Not allowed together with HTTPClient.
	CAFile string

	RateLimit      float64       // requests per second; < 0 = unlimited
	Burst          int           // rate-limit burst; 0 = max(1, RateLimit)
	Concurrency    int           // requests in flight at once
	RequestTimeout time.Duration // per attempt, body included
	RetryBackoff   time.Duration // first retry wait
	UserAgent      string        // domainsync/<version>
	Logger         *slog.Logger  // nil = discard
}

// String shows the configuration with the password redacted.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = "********"
	}
	return fmt.Sprintf("openprovider.Config{URL:%q Username:%q Password:%q RateLimit:%g Burst:%d Concurrency:%d RequestTimeout:%s UserAgent:%q CAFile:%q}",
		c.URL, c.Username, pw, c.RateLimit, c.Burst, c.Concurrency, c.RequestTimeout, c.UserAgent, c.CAFile)
}

// GoString is String, so %#v does not reveal the password either.
func (c Config) GoString() string { return c.String() }

// Format makes every verb (%v, %+v, %#v, %s, %d, …) print String.
func (c Config) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue keeps the password out of slog output.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// secret holds a value that fmt and reflection-based printers cannot show:
// a func prints as an address.
type secret struct{ get func() string }

func newSecret(s string) secret { return secret{get: func() string { return s }} }

func (s secret) value() string {
	if s.get == nil {
		return ""
	}
	return s.get()
}

// Stats counts the calls of one run, by kind.
type Stats struct {
	Logins   int64 // login requests sent
	Relogins int64 // logins after a refused (expired) token
	Lists    int64 // ListDomains requests sent (lookups and pages)
	Gets     int64 // GetDomain requests sent
	Updates  int64 // UpdateDomain requests sent
	Requests int64 // every request sent, retries included
	Retries  int64 // re-sends after a transient failure
	Blocked  int64 // requests not sent: already sent three times this run
	Warnings int64 // warnings[] entries received
}

// callKind labels a request for the stats.
type callKind int

const (
	kindLogin callKind = iota
	kindList
	kindGet
	kindUpdate
)

// Client talks to one Openprovider account for one run. It is safe for
// concurrent use.
type Client struct {
	base      *url.URL
	username  string
	password  secret
	http      *http.Client
	limiter   *rate.Limiter
	conc      int
	timeout   time.Duration
	backoff   time.Duration
	userAgent string
	log       *slog.Logger
	tr        *rest.Transport

	loginMu  sync.Mutex
	token    secret
	tokenGen int // incremented at each successful login
	relogins int // logins after a 196 this run

	stats struct {
		logins, relogins, lists, gets, updates, warnings atomic.Int64
	}
}

// New builds a client; it does not contact the API (Login does).
func New(cfg Config) (*Client, error) {
	raw := cfg.URL
	if raw == "" {
		raw = ProductionURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("openprovider: url %q is not an http(s) URL", raw)
	}
	if u.User != nil {
		return nil, errors.New("openprovider: url must not contain credentials")
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/v1beta")
	u.RawQuery, u.Fragment = "", ""
	if cfg.Username == "" {
		return nil, errors.New("openprovider: username is required")
	}
	if cfg.Password == "" {
		return nil, errors.New("openprovider: password is required")
	}
	if cfg.Concurrency < 0 || cfg.Burst < 0 || cfg.RequestTimeout < 0 || cfg.RetryBackoff < 0 {
		return nil, errors.New("openprovider: concurrency, burst, request timeout and retry backoff must not be negative")
	}
	c := &Client{
		base:      u,
		username:  cfg.Username,
		password:  newSecret(cfg.Password),
		conc:      cfg.Concurrency,
		timeout:   cfg.RequestTimeout,
		backoff:   cfg.RetryBackoff,
		userAgent: cfg.UserAgent,
		log:       cfg.Logger,
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
	c.limiter = rest.NewLimiter(cfg.RateLimit, DefaultRateLimit, cfg.Burst)
	switch {
	case cfg.HTTPClient != nil && cfg.CAFile != "":
		return nil, errors.New("openprovider: set either an HTTP client or a CA file, not both")
	case cfg.HTTPClient != nil:
		c.http = cfg.HTTPClient
	default:
		if c.http, err = rest.NewHTTPClient(Name, c.conc, cfg.CAFile); err != nil {
			return nil, err
		}
	}
	c.tr = rest.New(rest.Config{Registrar: Name, Base: c.base, HTTP: c.http, Limiter: c.limiter,
		Concurrency: c.conc, Timeout: c.timeout, Backoff: c.backoff, UserAgent: c.userAgent,
		MaxBody: maxBody, Logger: c.log, WrapCause: true})
	return c, nil
}

// String describes the client without secrets.
func (c *Client) String() string {
	return fmt.Sprintf("openprovider.Client{url:%q username:%q}", c.base.String(), c.username)
}

// Format makes every verb print String, so no field (token, password) is
// ever printed.
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// Name implements registrar.Registrar.
func (c *Client) Name() string { return Name }

// Stats returns the call counts so far.
func (c *Client) Stats() Stats {
	ts := c.tr.Stats()
	return Stats{
		Logins:   c.stats.logins.Load(),
		Relogins: c.stats.relogins.Load(),
		Lists:    c.stats.lists.Load(),
		Gets:     c.stats.gets.Load(),
		Updates:  c.stats.updates.Load(),
		Requests: ts.Requests,
		Retries:  ts.Retries,
		Blocked:  ts.Blocked,
		Warnings: c.stats.warnings.Load(),
	}
}

// Login implements registrar.Registrar: it logs in once per run (a second
// call is a no-op while the token is held). Any error is account-level.
func (c *Client) Login(ctx context.Context) error {
	_, _, err := c.currentToken(ctx)
	return err
}

// currentToken returns the token, logging in when there is none.
func (c *Client) currentToken(ctx context.Context) (string, int, error) {
	if err := c.fatalErr(); err != nil {
		return "", 0, err
	}
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	if c.tokenGen > 0 {
		return c.token.value(), c.tokenGen, nil
	}
	if err := c.loginLocked(ctx); err != nil {
		return "", 0, err
	}
	return c.token.value(), c.tokenGen, nil
}

// relogin replaces the token that was refused with code 196. gen is the
// token generation the refused request used: when another request has
// already logged in again, its token is reused. Only one re-login is
// allowed per run; a fresh token refused again is fatal.
func (c *Client) relogin(ctx context.Context, gen int) (string, int, error) {
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	if c.tokenGen != gen {
		return c.token.value(), c.tokenGen, nil
	}
	if c.relogins >= 1 {
		return "", 0, c.setFatal(&registrar.Error{Kind: registrar.KindAuth, Registrar: Name, Code: CodeAuthFailed,
			Message: "the token of a fresh login was refused too (code 196 twice)"})
	}
	c.relogins++
	c.stats.relogins.Add(1)
	c.log.Info("openprovider: token refused (code 196), logging in again")
	if err := c.loginLocked(ctx); err != nil {
		return "", 0, err
	}
	return c.token.value(), c.tokenGen, nil
}

// loginLocked sends POST /v1beta/auth/login. The caller holds loginMu.
func (c *Client) loginLocked(ctx context.Context) error {
	body, err := json.Marshal(struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}{c.username, c.password.value()})
	if err != nil {
		return err
	}
	env, err := c.send(ctx, request{kind: kindLogin, method: http.MethodPost, path: "/v1beta/auth/login", body: body})
	if err != nil {
		var re *registrar.Error
		if errors.As(err, &re) && re.Kind == registrar.KindAuth {
			re.Message = "login refused: check the username and password (" + re.Message + ")"
		}
		if registrar.IsAccountLevel(err) {
			return c.setFatal(err)
		}
		return err
	}
	var data struct {
		Token string `json:"token"`
	}
	if len(env.Data) == 0 || json.Unmarshal(env.Data, &data) != nil || data.Token == "" {
		return c.setFatal(&registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Message: "login reply holds no token"})
	}
	c.token = newSecret(data.Token)
	c.tokenGen++
	return nil
}

func (c *Client) fatalErr() error { return c.tr.Latch.Err() }

// setFatal records the first account-level error of the run and returns the
// recorded one: every later call fails with it without reaching the API.
func (c *Client) setFatal(err error) error { return c.tr.Latch.Set(err) }

// request is one API call.
type request struct {
	kind   callKind
	method string
	path   string     // under the base URL, starting with /v1beta/
	query  url.Values // nil for none
	body   []byte     // JSON, nil for none
	domain string     // the domain concerned, for errors
}

// call sends an authenticated request: it logs in when needed, and on code
// 196 logs in again once and repeats the request once.
func (c *Client) call(ctx context.Context, req request) (*envelope, error) {
	tok, gen, err := c.currentToken(ctx)
	if err != nil {
		return nil, err
	}
	for relogged := false; ; relogged = true {
		env, err := c.sendWith(ctx, req, tok)
		if err == nil {
			return env, nil
		}
		if fe := c.fatalErr(); fe != nil {
			return nil, fe // the run was stopped, by this call or another
		}
		if registrar.KindOf(err) != registrar.KindAuth {
			if registrar.IsAccountLevel(err) {
				return nil, c.setFatal(err)
			}
			return env, err
		}
		if relogged {
			return nil, c.setFatal(&registrar.Error{Kind: registrar.KindAuth, Registrar: Name, Code: CodeAuthFailed,
				Message: "the request was refused again after a fresh login (code 196 twice)"})
		}
		if tok, gen, err = c.relogin(ctx, gen); err != nil {
			return nil, err
		}
	}
}

// send sends an unauthenticated request (login).
func (c *Client) send(ctx context.Context, req request) (*envelope, error) {
	return c.sendWith(ctx, req, "")
}

// sendWith sends req, retrying transient failures at most twice, and turns
// the reply into an envelope with code 0 or an error. An error reply is
// decided on its JSON code whatever the HTTP status.
func (c *Client) sendWith(ctx context.Context, req request, token string) (*envelope, error) {
	var env *envelope
	rr := rest.Request{Method: req.method, Path: req.path, Query: req.query, Body: req.body, Domain: req.domain,
		OnSend: func() { c.countKind(req.kind) }}
	if token != "" {
		rr.Header = http.Header{"Authorization": {"Bearer " + token}}
	}
	err := c.tr.Send(ctx, rr, func(r *rest.Reply) (error, bool) {
		var (
			err       error
			transient bool
		)
		env, err, transient = c.decodeReply(req, r)
		return err, transient
	})
	if err != nil {
		return nil, err
	}
	return env, nil
}

// countKind counts one request sent, by kind.
func (c *Client) countKind(k callKind) {
	switch k {
	case kindLogin:
		c.stats.logins.Add(1)
	case kindList:
		c.stats.lists.Add(1)
	case kindGet:
		c.stats.gets.Add(1)
	case kindUpdate:
		c.stats.updates.Add(1)
	}
}

// decodeReply turns one reply into an envelope with code 0 or an error;
// transient reports a 5xx reply without a JSON envelope.
func (c *Client) decodeReply(req request, r *rest.Reply) (env *envelope, err error, transient bool) {
	env, derr := decodeEnvelope(r.Body)
	c.log.Debug("openprovider: request", "method", req.method, "path", req.path, "http_status", r.Status,
		"code", codeOf(env), "duration", r.Duration)
	if derr != nil || (!env.HasCode && (r.Status < 200 || r.Status > 299)) {
		return c.noEnvelope(req, r.Status, derr)
	}
	for _, w := range env.Warnings {
		c.stats.warnings.Add(1)
		c.log.Warn("openprovider: warning", "path", req.path, "domain", req.domain, "code", w.Code, "desc", w.Desc, "data", w.Data)
	}
	if env.Code != CodeOK {
		msg := env.Desc
		if env.ErrData != "" {
			msg += " (" + env.ErrData + ")"
		}
		kind := kindOfCode(env.Code)
		e := &registrar.Error{Kind: kind, Registrar: Name, Code: env.Code, Message: msg}
		if env.Maintenance && kind != registrar.KindAuth {
			e.Kind = registrar.KindMaintenance
		}
		if !registrar.IsAccountLevel(e) {
			e.Domain = req.domain
		}
		return nil, e, false
	}
	if env.Maintenance {
		return nil, &registrar.Error{Kind: registrar.KindMaintenance, Registrar: Name,
			Message: "the reply says the Openprovider API is in maintenance"}, false
	}
	return env, nil, false
}

func codeOf(env *envelope) any {
	if env == nil || !env.HasCode {
		return "none"
	}
	return env.Code
}

// noEnvelope classifies a reply that carries no JSON envelope by its HTTP
// status alone.
func (c *Client) noEnvelope(req request, status int, derr error) (*envelope, error, bool) {
	e := &registrar.Error{Registrar: Name, Domain: req.domain,
		Message: fmt.Sprintf("%s %s: HTTP %d without a JSON reply", req.method, req.path, status)}
	switch {
	case status == http.StatusUnauthorized:
		e.Kind, e.Code, e.Domain = registrar.KindAuth, CodeAuthFailed, ""
		return nil, e, false
	case status == http.StatusTooManyRequests:
		e.Kind, e.Domain = registrar.KindRateLimited, ""
		return nil, e, false
	case status >= 500:
		e.Kind = registrar.KindUnavailable
		return nil, e, true
	default:
		e.Kind = registrar.KindInvalidReply
		if derr != nil && status >= 200 && status <= 299 {
			e.Message = fmt.Sprintf("%s %s: %v", req.method, req.path, derr)
		}
		return nil, e, false
	}
}
