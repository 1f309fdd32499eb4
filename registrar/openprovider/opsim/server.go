// Package opsim is a simulated Openprovider REST API (v1beta) for tests,
// benchmarks and the demo: login with expiring tokens, ListDomains,
// GetDomain and UpdateDomain with the live API's habits
// (docs/openprovider-api.md §13), fault injection, and a request log.
// It never reaches the real registrar.
package opsim

import (
	"encoding/json"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/domainsync/domainsync/registrar/simhttp"
)

// Defaults for the zero values of Options.
const (
	DefaultUsername   = "reseller"
	DefaultPassword   = "sim-password"
	DefaultResellerID = 123456
	DefaultTokenTTL   = 48 * time.Hour // Openprovider tokens last 2 days (§4.2)
	DefaultLoginLimit = 30             // token requests per minute (§12)
)

// Options configure a Server.
type Options struct {
	Username, Password string // accepted credentials
	ResellerID         int64
	Domains            []Domain // the initial portfolio

	TokenTTL time.Duration    // token lifetime
	Now      func() time.Time // the clock (tokens, last_changed); nil = time.Now

	AuthFailStatus int // HTTP status of a 196 reply; 0 = 401
	ErrorStatus    int // HTTP status of other error replies; 0 = 500

	// EmptyResults sends "results":[] when nothing matches; by default the
	// key is left out, as the live API may do (§5.2).
	EmptyResults bool
	// LoginLimit is how many logins a minute are answered before code 50;
	// 0 = 30, negative = no limit.
	LoginLimit int
	// Seed drives the random faults (ErrorRate, UnknownErrorRate,
	// TruncateRate).
	Seed int64

	// RateLimit, when positive, enforces a request rate as a gateway in
	// front of the API would: a request that would be the RateLimit+1st
	// answered within one second (by Now) gets HTTP 429 with a
	// Retry-After header (whole seconds until a slot frees) and a plain
	// text body. Throttled requests do not count toward the limit.
	RateLimit int
	// TokenCalls, when positive, is a token's lifetime in calls: the call
	// after TokenCalls authorized calls with one token is refused with 196,
	// as an expired token is. (TokenTTL is the lifetime in time.)
	TokenCalls int
}

// Faults are injected into replies. They can be changed at any time.
type Faults struct {
	Latency         time.Duration // added to every request
	ErrorRate       float64       // share of requests answered with a bare HTTP 500 (no JSON)
	TruncateRate    float64       // share of replies cut short (the connection closes mid-body)
	SlowBody        time.Duration // pause after the first half of every reply body
	Maintenance     bool          // every call answered with code 4005 and maintenance:true
	MaintenanceFlag bool          // successful replies carry maintenance:true
	RateLimited     bool          // every call answered with code 50
	AccessDenied    bool          // every call answered with code 10005
	Warnings        []Warning     // added to every successful reply
	// UnknownErrorRate is the share of requests answered with HTTP 500 and
	// an error envelope whose code no client knows (UnknownCode).
	UnknownErrorRate float64
	// Fail, when set, is asked about every request RateLimit lets
	// through, before the other faults: a non-zero status answers it with
	// that status and an error envelope with code
	// (or a bare text body when code < 0).
	Fail func(method, path, query string) (status, code int)
}

// UnknownCode is the code of the UnknownErrorRate replies: not a code the
// API documents.
const UnknownCode = 9999

// FailTimes returns a Faults.Fail that answers the first n requests that
// match with HTTP 500 and UnknownCode.
func FailTimes(n int, match func(method, path, query string) bool) func(method, path, query string) (status, code int) {
	return simhttp.FailTimes(n, http.StatusInternalServerError, UnknownCode, match)
}

// Warning is an entry of a reply's warnings[].
type Warning struct {
	Code int    `json:"code"`
	Desc string `json:"desc"`
	Data string `json:"data,omitempty"`
}

// Request is one request as received, with the reply's status and code.
type Request struct {
	Time       time.Time
	Method     string
	Path       string
	Query      string // canonical (sorted) query
	Body       string // the login password is replaced with ********
	Token      string // bearer token sent, "" for none
	UserAgent  string
	Status     int    // HTTP status of the reply
	Code       int    // the reply's code (-1 when it had no JSON envelope)
	RetryAfter string // the reply's Retry-After header, "" for none
}

// Key identifies identical requests: method, path, query and body.
func (r Request) Key() string { return r.Method + " " + r.Path + "?" + r.Query + " " + r.Body }

// Server is the simulated API. It is an http.Handler; Start serves it on
// a loopback port. All methods are safe for concurrent use.
type Server struct {
	opts Options

	mu        sync.Mutex
	domains   map[int64]*Domain
	order     []int64 // ids, ascending
	tokens    map[string]time.Time
	calls     map[string]int     // authorized calls per token (TokenCalls)
	window    simhttp.RateWindow // Options.RateLimit
	logins    []time.Time
	faults    Faults
	failNext  []int
	updateErr map[int64]Warning
	rnd       *mrand.Rand
	reqs      []Request
	hook      func(Request)
}

// New builds a server holding opts.Domains.
func New(opts Options) *Server {
	if opts.Username == "" {
		opts.Username = DefaultUsername
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.ResellerID == 0 {
		opts.ResellerID = DefaultResellerID
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = DefaultTokenTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.AuthFailStatus == 0 {
		opts.AuthFailStatus = http.StatusUnauthorized
	}
	if opts.ErrorStatus == 0 {
		opts.ErrorStatus = http.StatusInternalServerError
	}
	if opts.LoginLimit == 0 {
		opts.LoginLimit = DefaultLoginLimit
	}
	s := &Server{
		opts:      opts,
		domains:   map[int64]*Domain{},
		tokens:    map[string]time.Time{},
		calls:     map[string]int{},
		updateErr: map[int64]Warning{},
		rnd:       mrand.New(mrand.NewPCG(uint64(opts.Seed), 0x5eed)),
	}
	for _, d := range opts.Domains {
		s.Add(d)
	}
	s.opts.Domains = nil
	return s
}

// Start serves the simulator on 127.0.0.1 at a free port. It returns the
// base URL (without /v1beta) and a function that stops the server.
func (s *Server) Start() (baseURL string, stop func(), err error) { return simhttp.Start(s) }

// TB is the part of testing.TB that StartTB uses.
type TB = simhttp.TB

// StartTB builds and starts a server for a test and stops it when the
// test ends. It returns the server and its base URL.
func StartTB(tb TB, opts Options) (*Server, string) {
	tb.Helper()
	s := New(opts)
	return s, simhttp.StartTB(tb, "opsim", s)
}

// Username and Password return the accepted credentials.
func (s *Server) Username() string { return s.opts.Username }

// Password returns the accepted password.
func (s *Server) Password() string { return s.opts.Password }

// Add adds (or replaces) a domain; an id of 0 gets the next free id, which
// is returned.
func (s *Server) Add(d Domain) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d.ID == 0 {
		d.ID = FirstGeneratedID
		if n := len(s.order); n > 0 {
			d.ID = max(d.ID, s.order[n-1]+1)
		}
	}
	if d.DeletedAt == "" {
		d.DeletedAt = NoDate
	}
	c := d.clone()
	if _, ok := s.domains[d.ID]; !ok {
		i, _ := slices.BinarySearch(s.order, d.ID)
		s.order = slices.Insert(s.order, i, d.ID)
	}
	s.domains[d.ID] = &c
	return d.ID
}

// Remove removes a domain (as a transfer away would); it reports whether
// it was there.
func (s *Server) Remove(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.domains[id]; !ok {
		return false
	}
	delete(s.domains, id)
	i, _ := slices.BinarySearch(s.order, id)
	s.order = slices.Delete(s.order, i, i+1)
	return true
}

// Domain returns a copy of a domain.
func (s *Server) Domain(id int64) (Domain, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.domains[id]
	if !ok {
		return Domain{}, false
	}
	return d.clone(), true
}

// Find returns a copy of the domain with this full (ASCII) name, live ones
// first.
func (s *Server) Find(fullName string) (Domain, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found *Domain
	for _, id := range s.order {
		d := s.domains[id]
		if strings.EqualFold(d.FullName(), fullName) && (found == nil || found.IsDeleted) {
			found = d
		}
	}
	if found == nil {
		return Domain{}, false
	}
	return found.clone(), true
}

// Domains returns a copy of every domain, by id.
func (s *Server) Domains() []Domain {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Domain, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.domains[id].clone())
	}
	return out
}

// Len is the number of domains, deleted ones included.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.order)
}

// Update changes a domain in place; it reports whether the domain exists.
func (s *Server) Update(id int64, f func(*Domain)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.domains[id]
	if !ok {
		return false
	}
	f(d)
	d.ID = id
	return true
}

// SetUpdateError makes every PUT for the domain fail with code (e.g. 366);
// code 0 clears it.
func (s *Server) SetUpdateError(id int64, code int, desc string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(s.updateErr, id)
		return
	}
	s.updateErr[id] = Warning{Code: code, Desc: desc}
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Faults returns the injected faults.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// ChangeFaults edits the injected faults in place.
func (s *Server) ChangeFaults(f func(*Faults)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.faults)
}

// FailNext answers the next len(statuses) requests with these bare HTTP
// statuses (no JSON body), in order, whatever they ask.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, statuses...)
}

// ExpireTokens makes every token issued so far expired (code 196).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Throttled returns how many requests were answered with HTTP 429, and the
// most often one identical request was.
func (s *Server) Throttled() (total, maxPerRequest int) {
	return simhttp.Throttled(s.Requests(), func(r Request) int { return r.Status })
}

// SetHook sets a function called for every request after its reply is
// decided and before it is written (e.g. to change the portfolio between
// two pages). It runs outside the server's lock.
func (s *Server) SetHook(f func(Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = f
}

// Requests returns the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// ResetRequests clears the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
}

// Count returns how many logged requests have this method and path
// ("" matches any method).
func (s *Server) Count(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.reqs {
		if (method == "" || r.Method == method) && r.Path == path {
			n++
		}
	}
	return n
}

// CountIdentical returns, for every request key (Request.Key) received
// more than once, how often it was received.
func (s *Server) CountIdentical() map[string]int {
	all := simhttp.CountKeys(s.Requests())
	for k, n := range all {
		if n < 2 {
			delete(all, k)
		}
	}
	return all
}

// MaxIdentical returns the most repeated request key and its count (1 when
// no request repeated, 0 when there were none).
func (s *Server) MaxIdentical() (key string, n int) { return simhttp.MaxIdentical(s.Requests()) }

// MaxServed is MaxIdentical over the requests the API processed, logins
// aside (one per token, identical by nature): not those
// answered 429 (throttled) or 196 (token refused), which a client may
// resend without limit of the identical-request cap.
func (s *Server) MaxServed() (key string, n int) {
	return simhttp.MaxIdentical(slices.DeleteFunc(s.Requests(), func(r Request) bool {
		return r.Path == "/v1beta/auth/login" || r.Status == http.StatusTooManyRequests || r.Code == 196
	}))
}

// reply is a decided response.
type reply struct {
	status int
	body   []byte
	code   int         // -1: no JSON envelope
	header http.Header // extra headers (Retry-After)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	faults := s.Faults()
	if faults.Latency > 0 {
		t := time.NewTimer(faults.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	rp, truncate := s.decide(r, body, faults)

	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	logged := Request{
		Time: s.opts.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.Query().Encode(),
		Body: redactBody(r.URL.Path, body), Token: token, UserAgent: r.UserAgent(),
		Status: rp.status, Code: rp.code, RetryAfter: rp.header.Get("Retry-After"),
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, logged)
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(logged)
	}

	if rp.code >= 0 {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	for k, vs := range rp.header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(rp.body)))
	w.WriteHeader(rp.status)
	half := len(rp.body) / 2
	w.Write(rp.body[:half])
	if truncate {
		// Fewer bytes than Content-Length: net/http closes the connection
		// and the client sees the body cut short.
		return
	}
	if faults.SlowBody > 0 {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		t := time.NewTimer(faults.SlowBody)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	w.Write(rp.body[half:])
}

// decide computes the reply for one request.
func (s *Server) decide(r *http.Request, body []byte, f Faults) (rp reply, truncate bool) {
	if rp, ok := s.throttle(); !ok {
		return rp, false
	}
	if f.Fail != nil {
		if status, code := f.Fail(r.Method, r.URL.Path, r.URL.Query().Encode()); status != 0 {
			if code < 0 {
				return bareReply(status), false
			}
			return s.fail(status, code, "Internal error", false), false
		}
	}
	s.mu.Lock()
	var bare int
	unknown := false
	if len(s.failNext) > 0 {
		bare, s.failNext = s.failNext[0], s.failNext[1:]
	} else if f.ErrorRate > 0 && s.rnd.Float64() < f.ErrorRate {
		bare = http.StatusInternalServerError
	} else if f.UnknownErrorRate > 0 && s.rnd.Float64() < f.UnknownErrorRate {
		unknown = true
	}
	truncate = f.TruncateRate > 0 && s.rnd.Float64() < f.TruncateRate
	s.mu.Unlock()
	switch {
	case bare != 0:
		return reply{status: bare, body: []byte(http.StatusText(bare) + "\n"), code: -1}, false
	case unknown:
		return s.fail(http.StatusInternalServerError, UnknownCode, "Internal error", false), false
	case f.Maintenance:
		return s.fail(s.opts.ErrorStatus, 4005, "Disabled for maintenance", true), truncate
	case f.AccessDenied:
		return s.fail(s.opts.ErrorStatus, 10005, "Access denied.", false), truncate
	case f.RateLimited:
		return s.fail(s.opts.ErrorStatus, 50, "Calls limit has been reached", false), truncate
	}
	return s.route(r, body, f), truncate
}

// route dispatches to the endpoints.
func (s *Server) route(r *http.Request, body []byte, f Faults) reply {
	p := r.URL.Path
	switch {
	case p == "/v1beta/auth/login":
		if r.Method != http.MethodPost {
			return bareReply(http.StatusMethodNotAllowed)
		}
		return s.login(body, f)
	case p == "/v1beta/domains" || p == "/v1beta/domains/":
		if r.Method != http.MethodGet {
			return bareReply(http.StatusMethodNotAllowed)
		}
		if rp, ok := s.authorize(r); !ok {
			return rp
		}
		return s.list(r.URL.Query(), f)
	case strings.HasPrefix(p, "/v1beta/domains/"):
		idText := strings.TrimPrefix(p, "/v1beta/domains/")
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil || strings.Contains(idText, "/") {
			return bareReply(http.StatusNotFound)
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPut {
			return bareReply(http.StatusMethodNotAllowed)
		}
		if rp, ok := s.authorize(r); !ok {
			return rp
		}
		if r.Method == http.MethodGet {
			return s.get(id, r.URL.Query(), f)
		}
		return s.update(id, body, f)
	}
	return bareReply(http.StatusNotFound)
}

func bareReply(status int) reply {
	return reply{status: status, body: []byte(http.StatusText(status) + "\n"), code: -1}
}

// fail builds an error reply: {"desc":…,"code":…} in the live key order.
func (s *Server) fail(status, code int, desc string, maintenance bool) reply {
	b, _ := json.Marshal(struct {
		Desc        string `json:"desc"`
		Code        int    `json:"code"`
		Maintenance bool   `json:"maintenance,omitempty"`
	}{desc, code, maintenance})
	return reply{status: status, body: b, code: code}
}

// ok builds a success reply: {"code":0,"desc":"","data":…}.
func (s *Server) ok(data any, f Faults) reply {
	b, err := json.Marshal(data)
	if err != nil {
		return s.fail(http.StatusInternalServerError, 999, "simulator could not encode the reply: "+err.Error(), false)
	}
	return s.okRaw(b, f)
}

// okRaw is ok with data already encoded (compact JSON), spliced into the
// envelope as it is: a listing page's domains are not compacted again.
func (s *Server) okRaw(data []byte, f Faults) reply {
	b := make([]byte, 0, len(data)+64)
	b = append(b, `{"code":0,"desc":"","data":`...)
	b = append(b, data...)
	if len(f.Warnings) > 0 {
		w, err := json.Marshal(f.Warnings)
		if err != nil {
			return s.fail(http.StatusInternalServerError, 999, "simulator could not encode the reply: "+err.Error(), false)
		}
		b = append(append(b, `,"warnings":`...), w...)
	}
	if f.MaintenanceFlag {
		b = append(b, `,"maintenance":true`...)
	}
	b = append(b, '}')
	return reply{status: http.StatusOK, body: b, code: 0}
}

// badRequest answers a malformed parameter. The live reply for this was
// not observed; a gRPC-gateway answers InvalidArgument (code 3) with 400.
func (s *Server) badRequest(desc string) reply {
	return s.fail(http.StatusBadRequest, 3, desc, false)
}

// list answers GET /v1beta/domains.
func (s *Server) list(q url.Values, f Faults) reply {
	flt, err := parseFilter(q)
	if err == errBadStatus {
		return s.fail(s.opts.ErrorStatus, 515, err.Error(), false)
	}
	if err != nil {
		return s.badRequest(err.Error())
	}
	s.mu.Lock()
	var matched []*Domain
	for _, id := range s.order {
		if d := s.domains[id]; flt.match(d) {
			matched = append(matched, d)
		}
	}
	if flt.byName {
		sort.SliceStable(matched, func(i, j int) bool { return matched[i].FullName() < matched[j].FullName() })
	}
	if flt.desc {
		slices.Reverse(matched)
	}
	total := len(matched)
	// Copies are encoded after the lock is released: concurrent page
	// requests are served in parallel, as by the live API.
	var copies []Domain
	for i := flt.offset; i < total && len(copies) < flt.limit; i++ {
		copies = append(copies, matched[i].clone())
	}
	s.mu.Unlock()
	if len(copies) == 0 && !s.opts.EmptyResults {
		return s.ok(struct {
			Total int `json:"total"`
		}{total}, f)
	}
	// The page is written item by item (Domain.MarshalJSON's output is
	// compact): encoding it as a []json.RawMessage would compact every
	// domain again, the simulator's main cost on a large listing, which the
	// live API pays on its own machines.
	data := []byte(`{"results":[`)
	for i := range copies {
		b, err := copies[i].MarshalJSON()
		if err != nil {
			return s.fail(http.StatusInternalServerError, 999, "simulator could not encode a domain: "+err.Error(), false)
		}
		if i == 0 {
			data = slices.Grow(data, (len(b)+1)*len(copies)+32)
		} else {
			data = append(data, ',')
		}
		data = append(data, b...)
	}
	data = append(append(data, `],"total":`...), strconv.Itoa(total)...)
	data = append(data, '}')
	return s.okRaw(data, f)
}

// get answers GET /v1beta/domains/{id}.
func (s *Server) get(id int64, q url.Values, f Faults) reply {
	deleted := q.Get("is_deleted") == "true"
	s.mu.Lock()
	d, ok := s.domains[id]
	var b []byte
	var err error
	if ok && (!d.IsDeleted || deleted) {
		b, err = json.Marshal(d)
	} else {
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		return s.notInAccount()
	}
	if err != nil {
		return s.fail(http.StatusInternalServerError, 999, "simulator could not encode the domain: "+err.Error(), false)
	}
	return s.ok(json.RawMessage(b), f)
}

func (s *Server) notInAccount() reply {
	return s.fail(s.opts.ErrorStatus, 320, "The domain is not in your account; please transfer it to your account first.", false)
}

// update answers PUT /v1beta/domains/{id}: it merges the partial body.
func (s *Server) update(id int64, body []byte, f Faults) reply {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil || req == nil {
		return s.badRequest("the request body is not a JSON object")
	}
	var autorenew *string
	if raw, ok := req["autorenew"]; ok {
		var v string
		if json.Unmarshal(raw, &v) != nil || (v != "on" && v != "off" && v != "default") {
			return s.fail(s.opts.ErrorStatus, 347, "Wrong auto renew value", false)
		}
		autorenew = &v
	}
	var privacy, locked *bool
	for key, dst := range map[string]**bool{"is_private_whois_enabled": &privacy, "is_locked": &locked} {
		if raw, ok := req[key]; ok {
			var v bool
			if json.Unmarshal(raw, &v) != nil {
				return s.badRequest("invalid value for " + key)
			}
			*dst = &v
		}
	}
	var comments *string
	if raw, ok := req["comments"]; ok {
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return s.badRequest("invalid value for comments")
		}
		comments = &v
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.domains[id]
	if !ok || d.IsDeleted {
		return s.notInAccount()
	}
	if e, ok := s.updateErr[id]; ok {
		return s.fail(s.opts.ErrorStatus, e.Code, e.Desc, false)
	}
	switch d.Status {
	case "DEL", "FAI", "RRQ":
		return s.fail(s.opts.ErrorStatus, 366, "This action is prohibitted for current status", false)
	}
	if privacy != nil && *privacy && !d.IsPrivateWhoisAllowed {
		return s.fail(s.opts.ErrorStatus, 19006, "Whois privacy protection is not supported for this extension", false)
	}
	if autorenew != nil {
		d.Autorenew = *autorenew
		delete(d.Raw, "autorenew")
	}
	if privacy != nil {
		d.IsPrivateWhoisEnabled = *privacy
		delete(d.Raw, "is_private_whois_enabled")
	}
	if locked != nil {
		d.IsLocked = *locked
	}
	if comments != nil {
		d.Comments = *comments
	}
	d.LastChanged = s.opts.Now().Format(DateLayout)
	return s.ok(struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}{d.ID, d.Status}, f)
}

// redactBody keeps the login password out of the request log.
func redactBody(path string, body []byte) string {
	if path != "/v1beta/auth/login" || len(body) == 0 {
		return string(body)
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return "(unparseable login body)"
	}
	if _, ok := m["password"]; ok {
		m["password"] = "********"
	}
	b, _ := json.Marshal(m)
	return string(b)
}
