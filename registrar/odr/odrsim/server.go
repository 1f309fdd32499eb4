// Package odrsim is a simulated Open Domain Registry REST API for tests and
// the demo: signed login with a ±5 minute timestamp window and expiring
// tokens, the paged domain listing with X-Pagination-* headers (and its
// filter[contact]), domain info, renew-on/off, domain contact updates and
// contacts, fault injection and a request log. It never reaches the real
// registrar.
package odrsim

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/domainsync/domainsync/registrar/simhttp"
)

// Defaults for the zero values of Options.
const (
	DefaultAPIKey    = "public$sim"
	DefaultAPISecret = "secret$sim"
	DefaultTokenTTL  = time.Hour
	DefaultPerPage   = 100
	TimestampWindow  = 5 * time.Minute
)

// Domain is one domain as the server holds it.
type Domain struct {
	ID         int64
	Name       string // full ASCII name, e.g. "example.nl"
	Status     string // REGISTERED, PENDING, …
	AutoRenew  bool
	Expiration string // sent as is: "2026-01-01 00:00:00", "", "0000-00-00"
	Reason     string // sent as "reason" when set (why a transfer failed)
	Registrant int64  // contact ids
	Onsite     int64
	Tech       int64
}

// Options configure a Server.
type Options struct {
	APIKey, APISecret string
	Domains           []Domain
	Contacts          map[int64]map[string]any // initial contacts by id
	TokenTTL          time.Duration
	Now               func() time.Time // nil = time.Now
	PerPage           int
	// OldSpelling sends domain_status / domain_expiration_date (2016 names)
	// instead of status / expiration_date.
	OldSpelling bool
	Seed        uint64

	// RateLimit, when positive, enforces a request rate as a gateway in
	// front of the API would: a request that would be the RateLimit+1st
	// answered within one second (by Now) gets HTTP 429 with a
	// Retry-After header (whole seconds until a slot frees) and no body.
	// Throttled requests do not count toward the limit.
	RateLimit int
	// TokenCalls, when positive, is a token's lifetime in calls: the call
	// after TokenCalls authorized calls with one token is refused with 401,
	// as an expired token is. (TokenTTL is the lifetime in time.)
	TokenCalls int
}

// Faults are injected into replies; they can be changed at any time.
type Faults struct {
	Latency      time.Duration
	ErrorRate    float64 // share of requests answered with a bare HTTP 500
	Maintenance  bool    // every call: error envelope, code 503
	RateLimited  bool    // every call: error envelope, code 429
	AccessDenied bool    // every call: error envelope, code 403
	RefuseTokens bool    // every authorized call: code 401 (tokens refused)
	// UnknownErrorRate is the share of requests answered with HTTP 500 and
	// an error envelope with code UnknownCode.
	UnknownErrorRate float64
	// Fail, when set, is asked about every request RateLimit lets
	// through, before the other faults: a non-zero status answers it with
	// that status and an error envelope with code
	// (no body when code < 0).
	Fail func(method, path, query string) (status, code int)
}

// UnknownCode is the envelope code of the UnknownErrorRate replies.
const UnknownCode = 599

// FailTimes returns a Faults.Fail that answers the first n requests that
// match with HTTP 500 and UnknownCode.
func FailTimes(n int, match func(method, path, query string) bool) func(method, path, query string) (status, code int) {
	return simhttp.FailTimes(n, http.StatusInternalServerError, UnknownCode, match)
}

// Request is one request as received, with the reply's HTTP status.
type Request struct {
	Method, Path, Query, Body string
	Token                     bool   // an access token was sent
	AccessToken               string // the token sent ("" for none)
	Status                    int
	RetryAfter                string // the reply's Retry-After header
	Time                      time.Time
}

// Key identifies identical requests.
func (r Request) Key() string { return r.Method + " " + r.Path + "?" + r.Query + " " + r.Body }

// Server is the simulated API.
type Server struct {
	mu       sync.Mutex
	opts     Options
	domains  map[string]*Domain
	contacts map[int64]map[string]any
	nextCID  int64
	tokens   map[string]time.Time // token → expiry
	calls    map[string]int       // authorized calls per token (TokenCalls)
	window   simhttp.RateWindow   // Options.RateLimit
	issued   []string
	faults   Faults
	failNext []int
	log      []Request
	rnd      *mrand.Rand
}

// New builds a server holding opts.Domains.
func New(opts Options) *Server {
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	if opts.APISecret == "" {
		opts.APISecret = DefaultAPISecret
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = DefaultTokenTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PerPage <= 0 {
		opts.PerPage = DefaultPerPage
	}
	s := &Server{opts: opts, domains: map[string]*Domain{}, contacts: map[int64]map[string]any{},
		nextCID: 1000, tokens: map[string]time.Time{}, calls: map[string]int{}, rnd: mrand.New(mrand.NewPCG(opts.Seed, 7))}
	for _, d := range opts.Domains {
		s.Add(d)
	}
	for id, c := range opts.Contacts {
		s.contacts[id] = c
		s.nextCID = max(s.nextCID, id)
	}
	return s
}

// TB is the part of testing.TB StartTB uses.
type TB = simhttp.TB

// StartTB starts the server on loopback and stops it at cleanup.
func StartTB(tb TB, opts Options) (*Server, string) {
	tb.Helper()
	s := New(opts)
	return s, simhttp.StartTB(tb, "odrsim", s)
}

// Start serves on a loopback port and returns the base URL.
func (s *Server) Start() (baseURL string, stop func(), err error) { return simhttp.Start(s) }

// APIKey and APISecret are the accepted credentials.
func (s *Server) APIKey() string    { return s.opts.APIKey }
func (s *Server) APISecret() string { return s.opts.APISecret }

// Add adds or replaces a domain; an ID of 0 gets the next free id.
func (s *Server) Add(d Domain) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d.ID == 0 {
		for _, o := range s.domains {
			d.ID = max(d.ID, o.ID)
		}
		d.ID++
	}
	d.Name = strings.ToLower(d.Name)
	s.domains[d.Name] = &d
}

// Domain returns a copy of the named domain.
func (s *Server) Domain(name string) (Domain, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.domains[strings.ToLower(name)]
	if !ok {
		return Domain{}, false
	}
	return *d, true
}

// Contact returns a copy of a contact.
func (s *Server) Contact(id int64) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contacts[id]
	if !ok {
		return nil, false
	}
	out := map[string]any{}
	for k, v := range c {
		out[k] = v
	}
	return out, true
}

// SetFaults replaces the faults.
func (s *Server) SetFaults(f Faults) { s.mu.Lock(); s.faults = f; s.mu.Unlock() }

// FailNext answers the next requests with these bare HTTP statuses.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	s.failNext = append(s.failNext, statuses...)
	s.mu.Unlock()
}

// ExpireTokens makes every issued token invalid.
func (s *Server) ExpireTokens() { s.mu.Lock(); clear(s.tokens); s.mu.Unlock() }

// IssuedTokens returns every token the server has issued, in order.
func (s *Server) IssuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.issued)
}

// Requests returns the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Count counts logged requests with this method and path.
func (s *Server) Count(method, path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// MaxIdentical returns the most repeated request and how often it came.
func (s *Server) MaxIdentical() (key string, n int) { return simhttp.MaxIdentical(s.Requests()) }

// MaxServed is MaxIdentical over the requests the API processed, logins
// aside (one per token, identical by nature): not those
// answered 429 (throttled) or 401 (token refused), which a client may
// resend without limit of the identical-request cap.
func (s *Server) MaxServed() (key string, n int) {
	return simhttp.MaxIdentical(slices.DeleteFunc(s.Requests(), func(r Request) bool {
		return r.Path == "/user/login/" || r.Status == http.StatusTooManyRequests || r.Status == http.StatusUnauthorized
	}))
}

type reply struct {
	status int
	body   any // nil = no body (bare status)
	header http.Header
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	f := s.faults
	var rp reply
	retryAfter, admitted := s.window.Admit(s.opts.Now(), s.opts.RateLimit)
	status, code := 0, 0
	if f.Fail != nil && admitted { // (as opsim: a throttled request is not asked about)
		status, code = f.Fail(r.Method, r.URL.Path, r.URL.RawQuery)
	}
	switch {
	case !admitted:
		rp = reply{status: http.StatusTooManyRequests, header: http.Header{"Retry-After": {strconv.Itoa(retryAfter)}}}
	case status != 0 && code < 0:
		rp = reply{status: status}
	case status != 0:
		rp = failStatus(status, code, "Internal error")
	case len(s.failNext) > 0:
		rp = reply{status: s.failNext[0]}
		s.failNext = s.failNext[1:]
	case f.ErrorRate > 0 && s.rnd.Float64() < f.ErrorRate:
		rp = reply{status: http.StatusInternalServerError}
	case f.UnknownErrorRate > 0 && s.rnd.Float64() < f.UnknownErrorRate:
		rp = failStatus(http.StatusInternalServerError, UnknownCode, "Internal error")
	case f.Maintenance:
		rp = fail(503, "API is under maintenance")
	case f.RateLimited:
		rp = fail(429, "Too many requests")
	case f.AccessDenied:
		rp = fail(403, "Access denied")
	default:
		rp = s.route(r, body, f)
	}
	tok := r.Header.Get("X-Access-Token")
	if tok == "" {
		tok = r.URL.Query().Get("access_token")
	}
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body),
		Token: tok != "", AccessToken: tok, Status: rp.status, RetryAfter: rp.header.Get("Retry-After"), Time: s.opts.Now()})
	s.mu.Unlock()
	if f.Latency > 0 {
		time.Sleep(f.Latency)
	}
	for k, vs := range rp.header {
		w.Header()[k] = vs
	}
	if rp.body == nil {
		w.WriteHeader(rp.status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rp.status)
	json.NewEncoder(w).Encode(rp.body)
}

func fail(code int, msg string) reply { return failStatus(code, code, msg) }

// failStatus is an error envelope with code sent with HTTP status.
func failStatus(status, code int, msg string) reply {
	return reply{status: status, body: map[string]any{"status": "error", "code": code,
		"response": map[string]any{"message": msg, "data": map[string]any{}}}}
}

// Throttled returns how many requests were answered with HTTP 429, and the
// most often one identical request was.
func (s *Server) Throttled() (total, maxPerRequest int) {
	return simhttp.Throttled(s.Requests(), func(r Request) int { return r.Status })
}

func ok(resp any) reply {
	return reply{status: 200, body: map[string]any{"status": "success", "code": 200, "response": resp}}
}

// route dispatches; the caller holds s.mu.
func (s *Server) route(r *http.Request, body []byte, f Faults) reply {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method == http.MethodPost && len(parts) == 2 && parts[0] == "user" && parts[1] == "login" {
		return s.login(body)
	}
	if rp, authorized := s.authorize(r, f); !authorized {
		return rp
	}
	switch {
	case parts[0] == "domain" && len(parts) == 1 && r.Method == http.MethodGet:
		return s.list(r)
	case parts[0] == "domain" && len(parts) == 3 && parts[2] == "info" && r.Method == http.MethodGet:
		d, found := s.domains[strings.ToLower(parts[1])]
		if !found {
			return fail(404, "Domain not found")
		}
		return ok(s.info(d))
	case parts[0] == "domain" && len(parts) == 3 && (parts[2] == "renew-on" || parts[2] == "renew-off") && r.Method == http.MethodPut:
		d, found := s.domains[strings.ToLower(parts[1])]
		if !found {
			return fail(404, "Domain not found")
		}
		d.AutoRenew = parts[2] == "renew-on"
		return ok(map[string]any{"result": true})
	case parts[0] == "domain" && len(parts) == 2 && r.Method == http.MethodPut:
		return s.updateDomain(parts[1], body)
	case parts[0] == "contact" && len(parts) == 1 && r.Method == http.MethodPost:
		var c map[string]any
		if json.Unmarshal(body, &c) != nil || c == nil {
			return fail(400, "Body is not a JSON object")
		}
		s.nextCID++
		c["id"] = s.nextCID
		s.contacts[s.nextCID] = c
		return ok(map[string]any{"id": s.nextCID})
	case parts[0] == "contact" && len(parts) == 2 && (r.Method == http.MethodGet || r.Method == http.MethodPut):
		id, err := strconv.ParseInt(parts[1], 10, 64)
		c, found := s.contacts[id]
		if err != nil || !found {
			return fail(404, "Contact not found")
		}
		if r.Method == http.MethodGet {
			return ok(c)
		}
		var upd map[string]any
		if json.Unmarshal(body, &upd) != nil || upd == nil {
			return fail(400, "Body is not a JSON object")
		}
		for k, v := range upd {
			if k != "id" {
				c[k] = v
			}
		}
		return ok(map[string]any{"result": true})
	}
	return fail(404, "Unknown endpoint "+r.Method+" "+r.URL.Path)
}

// login checks the key, the timestamp window and the signature.
func (s *Server) login(body []byte) reply {
	var req struct {
		APIKey    string          `json:"api_key"`
		Timestamp json.RawMessage `json:"timestamp"`
		Signature string          `json:"signature"`
	}
	if json.Unmarshal(body, &req) != nil {
		return fail(400, "Body is not JSON")
	}
	tsStr := strings.Trim(string(req.Timestamp), `"`)
	ts, err := strconv.ParseInt(tsStr, 10, 64)
	if err != nil {
		return reply{status: 400, body: map[string]any{"status": "error", "code": 400,
			"response": map[string]any{"message": "Validation failed", "data": map[string]any{"timestamp": "must be a unix timestamp"}}}}
	}
	now := s.opts.Now()
	if d := now.Sub(time.Unix(ts, 0)); d > TimestampWindow || d < -TimestampWindow {
		return fail(401, "Timestamp is too far from server time")
	}
	inner := sha1.Sum([]byte(s.opts.APISecret))
	outer := sha1.Sum([]byte(s.opts.APIKey + " " + tsStr + " " + hex.EncodeToString(inner[:])))
	if req.APIKey != s.opts.APIKey || req.Signature != "token$"+hex.EncodeToString(outer[:]) {
		return fail(401, "Wrong API key or signature")
	}
	b := make([]byte, 16)
	rand.Read(b)
	tok := "token$" + hex.EncodeToString(b)
	s.tokens[tok] = now.Add(s.opts.TokenTTL)
	s.calls[tok] = 0
	s.issued = append(s.issued, tok)
	return ok(map[string]any{"token": tok, "as_header": "X-Access-Token", "as_request": "access_token"})
}

func (s *Server) authorize(r *http.Request, f Faults) (reply, bool) {
	tok := r.Header.Get("X-Access-Token")
	if tok == "" {
		tok = r.URL.Query().Get("access_token")
	}
	exp, found := s.tokens[tok]
	switch {
	case tok == "":
		return fail(401, "Access token required"), false
	case f.RefuseTokens || !found:
		return fail(401, "Access token is invalid"), false
	case !s.opts.Now().Before(exp), s.opts.TokenCalls > 0 && s.calls[tok] >= s.opts.TokenCalls:
		delete(s.tokens, tok)
		return fail(401, "Access token expired"), false
	}
	s.calls[tok]++
	return reply{}, true
}

func (s *Server) sorted() []*Domain {
	ds := make([]*Domain, 0, len(s.domains))
	for _, d := range s.domains {
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b *Domain) int { return int(a.ID - b.ID) })
	return ds
}

func (s *Server) list(r *http.Request) reply {
	page := 1
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return fail(400, "Bad page")
		}
		page = n
	}
	ds := s.sorted()
	// filter[contact]: the domains using the contact in any role
	// (registrant, onsite or tech), as the ODR WeFact module asks for them.
	if r.URL.Query().Has("filter[contact]") {
		raw := r.URL.Query().Get("filter[contact]")
		id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil || id <= 0 {
			return reply{status: 400, body: map[string]any{"status": "error", "code": 400,
				"response": map[string]any{"message": "Validation failed", "data": map[string]any{"filter[contact]": "must be a contact id"}}}}
		}
		ds = slices.DeleteFunc(ds, func(d *Domain) bool { return d.Registrant != id && d.Onsite != id && d.Tech != id })
	}
	per := s.opts.PerPage
	pages := max(1, (len(ds)+per-1)/per)
	rows := []any{}
	for i := (page - 1) * per; i < min(len(ds), page*per); i++ {
		rows = append(rows, s.row(ds[i]))
	}
	h := http.Header{}
	h.Set("X-Pagination-CurrentPage", strconv.Itoa(page))
	h.Set("X-Pagination-TotalPages", strconv.Itoa(pages))
	h.Set("X-Pagination-PerPage", strconv.Itoa(per))
	h.Set("X-Pagination-First", "/domain/?page=1")
	h.Set("X-Pagination-Last", "/domain/?page="+strconv.Itoa(pages))
	if page > 1 {
		h.Set("X-Pagination-Prev", "/domain/?page="+strconv.Itoa(page-1))
	}
	if page < pages {
		h.Set("X-Pagination-Next", "/domain/?page="+strconv.Itoa(page+1))
	}
	rp := ok(rows)
	rp.header = h
	return rp
}

func split(name string) (sld, tld string) {
	sld, tld, _ = strings.Cut(name, ".")
	return sld, tld
}

// row is a listing row (ids as strings, as the module's mock sends them).
func (s *Server) row(d *Domain) map[string]any {
	sld, tld := split(d.Name)
	m := map[string]any{"id": strconv.FormatInt(d.ID, 10), "name": sld, "tld": tld, "api_handle": sld}
	if s.opts.OldSpelling {
		m["domain_status"], m["domain_expiration_date"] = d.Status, d.Expiration
	} else {
		m["status"], m["expiration_date"] = d.Status, d.Expiration
	}
	if d.Reason != "" {
		m["reason"] = d.Reason
	}
	return m
}

func (s *Server) info(d *Domain) map[string]any {
	m := s.row(d)
	m["id"], m["domain_id"] = d.ID, d.ID
	m["autorenew"] = "OFF"
	if d.AutoRenew {
		m["autorenew"] = "ON"
	}
	m["contacts_map"] = map[string]any{"REGISTRANT": d.Registrant, "ONSITE": d.Onsite, "TECH": d.Tech}
	m["nameservers"] = []string{"ns1.example.net", "ns2.example.net"}
	return m
}

func (s *Server) updateDomain(name string, body []byte) reply {
	d, found := s.domains[strings.ToLower(name)]
	if !found {
		return fail(404, "Domain not found")
	}
	var upd map[string]json.RawMessage
	if json.Unmarshal(body, &upd) != nil {
		return fail(400, "Body is not a JSON object")
	}
	for k, v := range upd {
		var id int64
		if json.Unmarshal(v, &id) != nil {
			return reply{status: 400, body: map[string]any{"status": "error", "code": 400,
				"response": map[string]any{"message": "Validation failed", "data": map[string]any{k: "must be a contact id"}}}}
		}
		if _, ok := s.contacts[id]; !ok {
			return reply{status: 400, body: map[string]any{"status": "error", "code": 400,
				"response": map[string]any{"message": "Validation failed", "data": map[string]any{k: "unknown contact"}}}}
		}
		switch k {
		case "contact_registrant":
			d.Registrant = id
		case "contact_onsite":
			d.Onsite = id
		case "contact_tech":
			d.Tech = id
		}
	}
	return ok(map[string]any{"result": true})
}
