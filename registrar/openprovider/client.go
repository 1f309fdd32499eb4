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
	"sync/atomic"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/rest"
)

// Name is the registrar's module name in WHMCS.
const Name = "openprovider"

// ProductionURL is the live endpoint; paths under it start with /v1beta/.
const ProductionURL = "https://api.openprovider.eu"

// Defaults for the zero values of Config.
const (
	// DefaultRateLimit is the default ceiling of the adaptive request rate:
	// 30 requests a second. Openprovider publishes no limit on distinct
	// calls, only per-pattern ones (§12): 300 identical calls per 300 s
	// (10005, IP blacklisted until removed by hand), 30 token requests per
	// minute and 100 failed logins per hour (code 50), plus a fair-use
	// request to announce more than 10,000 orders or updates a day. A run
	// sends distinct calls (a page per 1000 domains, a lookup per name, a
	// PUT per real difference), never one request more than 3 times, and
	// one login per token lifetime, so none of those limits is reached at
	// any rate. 30/s — "some tens a second" — lets an --all run over
	// 10,000 domains with 400 writes finish in 12-20 s. The client starts
	// at a third of it and backs off on HTTP 429/503.
	DefaultRateLimit = 30.0
	// DefaultConcurrency is the number of requests in flight at once: what
	// reaches the rate ceiling when replies take half a second (30 × 0.5 s
	// = 15; a listing page of 1,000 domains can take that long), so the
	// ceiling, not the connections, bounds a long run, and a batch's ten
	// listing pages or ten writes go out in one wave instead of two.
	// Openprovider publishes no limit on connections or distinct calls.
	DefaultConcurrency = 16
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

	RateLimit      float64       // ceiling of the adaptive rate, requests per second; 0 = DefaultRateLimit, < 0 = not paced
	Burst          int           // ceiling of the starting burst; 0 = Concurrency
	Concurrency    int           // requests in flight at once (a ceiling)
	RequestTimeout time.Duration // per attempt, body included
	RetryBackoff   time.Duration // first retry wait
	UserAgent      string        // domainsync/<version>
	Logger         *slog.Logger  // nil = discard
	Clock          rest.Clock    // pacing, Retry-After and backoff waits; nil = the wall clock
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
	Logins    int64 // login requests sent
	Relogins  int64 // logins after a refused (expired) token
	Lists     int64 // ListDomains requests sent (lookups and pages)
	Gets      int64 // GetDomain requests sent
	Updates   int64 // UpdateDomain requests sent
	Requests  int64 // every request sent, retries included
	Retries   int64 // re-sends after a transient failure
	Throttled int64 // replies that asked to slow down (HTTP 429/503), each resent
	Blocked   int64 // requests not sent: already sent three times this run
	Warnings  int64 // warnings[] entries received
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
	pacer     *rest.Pacer
	conc      int
	timeout   time.Duration
	backoff   time.Duration
	userAgent string
	log       *slog.Logger
	tr        *rest.Transport
	sess      *rest.Session

	stats struct {
		logins, lists, gets, updates, warnings atomic.Int64
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
	c.pacer = rest.NewPacer(rest.Ceiling(cfg.RateLimit, DefaultRateLimit), cfg.Burst, c.conc, cfg.Clock)
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
	c.tr = rest.New(rest.Config{Registrar: Name, Base: c.base, HTTP: c.http, Pacer: c.pacer,
		Concurrency: c.conc, Timeout: c.timeout, Backoff: c.backoff, UserAgent: c.userAgent,
		MaxBody: maxBody, Logger: c.log, Clock: cfg.Clock, WrapCause: true})
	c.sess = rest.NewSession(c.tr, c.login, func(h http.Header, token string) { h.Set("Authorization", "Bearer "+token) })
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
		Logins:    c.stats.logins.Load(),
		Relogins:  c.sess.Relogins(),
		Lists:     c.stats.lists.Load(),
		Gets:      c.stats.gets.Load(),
		Updates:   c.stats.updates.Load(),
		Requests:  ts.Requests,
		Retries:   ts.Retries,
		Throttled: ts.Throttled,
		Blocked:   ts.Blocked,
		Warnings:  c.stats.warnings.Load(),
	}
}

// Login implements registrar.Registrar: it logs in once per run (a second
// call is a no-op while a token is held). Any error is account-level.
func (c *Client) Login(ctx context.Context) error { return c.sess.Login(ctx) }

// Pacer is the client's adaptive request rate.
func (c *Client) Pacer() *rest.Pacer { return c.pacer }

// login sends POST /v1beta/auth/login and returns the token (the
// Session's LoginFunc: the first login and one per expired token).
func (c *Client) login(ctx context.Context) (string, error) {
	body, err := json.Marshal(struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}{c.username, c.password.value()})
	if err != nil {
		return "", err
	}
	env, err := c.send(ctx, request{kind: kindLogin, method: http.MethodPost, path: "/v1beta/auth/login", body: body})
	if err != nil {
		var re *registrar.Error
		if errors.As(err, &re) && re.Kind == registrar.KindAuth {
			re.Message = "login refused: check the username and password (" + re.Message + ")"
		}
		if registrar.IsAccountLevel(err) {
			return "", c.setFatal(err)
		}
		return "", err
	}
	var data struct {
		Token string `json:"token"`
	}
	if len(env.Data) == 0 || json.Unmarshal(env.Data, &data) != nil || data.Token == "" {
		return "", c.setFatal(&registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Message: "login reply holds no token"})
	}
	return data.Token, nil
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

// call sends an authenticated request through the session: it logs in
// when needed and, when a token that worked is refused (code 196, it
// expired), logs in again once and resends; see rest.Session.
func (c *Client) call(ctx context.Context, req request) (*envelope, error) {
	var env *envelope
	err := c.sess.Do(ctx, c.restRequest(req), func(r *rest.Reply) (error, rest.Outcome) {
		var (
			err error
			o   rest.Outcome
		)
		env, err, o = c.decodeReply(req, r)
		return err, o
	})
	if err == nil {
		return env, nil
	}
	if fe := c.fatalErr(); fe != nil {
		return nil, fe // the run was stopped, by this call or another
	}
	if registrar.IsAccountLevel(err) {
		return nil, c.setFatal(err)
	}
	return nil, err
}

// send sends an unauthenticated request (login).
func (c *Client) send(ctx context.Context, req request) (*envelope, error) {
	var env *envelope
	rr := c.restRequest(req)
	rr.Login = req.kind == kindLogin
	err := c.tr.Send(ctx, rr, func(r *rest.Reply) (error, rest.Outcome) {
		var (
			err error
			o   rest.Outcome
		)
		env, err, o = c.decodeReply(req, r)
		if o == rest.AuthRefused {
			o = rest.Final // a refused login is not a refused token
		}
		return err, o
	})
	if err != nil {
		return nil, err
	}
	return env, nil
}

func (c *Client) restRequest(req request) rest.Request {
	return rest.Request{Method: req.method, Path: req.path, Query: req.query, Body: req.body, Domain: req.domain,
		OnSend: func() { c.countKind(req.kind) }}
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

// decodeReply turns one reply into an envelope with code 0 or an error,
// and says what the transport should do about it (rest.Outcome). An error
// reply is decided on its JSON code whatever the HTTP status; a code this
// client does not know is decided on the status: 429 and 503 ask to slow
// down (throttled, resent after Retry-After), another 5xx is transient.
func (c *Client) decodeReply(req request, r *rest.Reply) (env *envelope, err error, o rest.Outcome) {
	env, derr := decodeEnvelope(r.Body)
	c.log.Debug("openprovider: request", "method", req.method, "path", req.path, "attempt", r.Attempt, "http_status", r.Status,
		"code", codeOf(env), "duration", r.Duration, "paced", r.Paced)
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
		o := rest.Final
		switch {
		case e.Kind == registrar.KindAuth:
			o = rest.AuthRefused
		case e.Kind == registrar.KindOther && throttling(r.Status):
			e.Kind, o = registrar.KindRateLimited, rest.Throttled
		case e.Kind == registrar.KindOther && r.Status >= 500:
			// Not a business error this client knows: the server failed.
			e.Kind, o = registrar.KindUnavailable, rest.Transient
			e.Message = fmt.Sprintf("%s %s: HTTP %d with unknown code %d: %s", req.method, req.path, r.Status, env.Code, msg)
		}
		if !registrar.IsAccountLevel(e) {
			e.Domain = req.domain
		}
		return nil, e, o
	}
	if env.Maintenance {
		return nil, &registrar.Error{Kind: registrar.KindMaintenance, Registrar: Name,
			Message: "the reply says the Openprovider API is in maintenance"}, rest.Final
	}
	return env, nil, rest.Final
}

// throttling reports an HTTP status that asks the client to slow down.
func throttling(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

func codeOf(env *envelope) any {
	if env == nil || !env.HasCode {
		return "none"
	}
	return env.Code
}

// noEnvelope classifies a reply that carries no JSON envelope by its HTTP
// status alone.
func (c *Client) noEnvelope(req request, status int, derr error) (*envelope, error, rest.Outcome) {
	e := &registrar.Error{Registrar: Name, Domain: req.domain,
		Message: fmt.Sprintf("%s %s: HTTP %d without a JSON reply", req.method, req.path, status)}
	switch {
	case status == http.StatusUnauthorized:
		e.Kind, e.Code, e.Domain = registrar.KindAuth, CodeAuthFailed, ""
		return nil, e, rest.AuthRefused
	case throttling(status):
		e.Kind, e.Domain = registrar.KindRateLimited, ""
		return nil, e, rest.Throttled
	case status >= 500:
		e.Kind = registrar.KindUnavailable
		return nil, e, rest.Transient
	default:
		e.Kind = registrar.KindInvalidReply
		if derr != nil && status >= 200 && status <= 299 {
			e.Message = fmt.Sprintf("%s %s: %v", req.method, req.path, derr)
		}
		return nil, e, rest.Final
	}
}
