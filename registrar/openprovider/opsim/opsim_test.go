package opsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const fixture = "../../../testdata/openprovider/domains.json"

// api is a minimal raw client for the simulator.
type api struct {
	t     *testing.T
	base  string
	token string
}

type envelope struct {
	Code        int             `json:"code"`
	Desc        string          `json:"desc"`
	Data        json.RawMessage `json:"data"`
	Maintenance bool            `json:"maintenance"`
	Warnings    []Warning       `json:"warnings"`
}

func (a *api) do(method, path string, q url.Values, body any) (int, envelope, []byte) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	u := a.base + path
	if q != nil {
		u += "?" + q.Encode()
	}
	req, _ := http.NewRequest(method, u, rd)
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env envelope
	json.Unmarshal(raw, &env)
	return resp.StatusCode, env, raw
}

func (a *api) login(user, pass string) (int, envelope) {
	a.t.Helper()
	st, env, _ := a.do("POST", "/v1beta/auth/login", nil, map[string]string{"username": user, "password": pass})
	var data struct{ Token string }
	json.Unmarshal(env.Data, &data)
	if data.Token != "" {
		a.token = data.Token
	}
	return st, env
}

type listData struct {
	Results []map[string]any `json:"results"`
	Total   int              `json:"total"`
}

func (a *api) list(q url.Values) (int, envelope, listData) {
	a.t.Helper()
	st, env, _ := a.do("GET", "/v1beta/domains", q, nil)
	var ld listData
	json.Unmarshal(env.Data, &ld)
	return st, env, ld
}

func names(ld listData) []string {
	var out []string
	for _, r := range ld.Results {
		d := r["domain"].(map[string]any)
		out = append(out, d["name"].(string)+"."+d["extension"].(string))
	}
	return out
}

func start(t *testing.T, opts Options) (*Server, *api) {
	t.Helper()
	if opts.Domains == nil {
		ds, err := LoadFile(fixture)
		if err != nil {
			t.Fatal(err)
		}
		opts.Domains = ds
	}
	s, u := StartTB(t, opts)
	return s, &api{t: t, base: u}
}

func TestLogin(t *testing.T) {
	clock := NewClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	s, a := start(t, Options{Now: clock.Now, TokenTTL: time.Hour})

	if st, env := a.login("reseller", "wrong"); st != 401 || env.Code != 196 || env.Desc != "Authentication/Authorization Failed" {
		t.Fatalf("bad login: %d %+v", st, env)
	}
	if st, _, _ := a.list(nil); st != 401 {
		t.Fatalf("list without token: %d", st)
	}
	st, env := a.login(s.Username(), s.Password())
	if st != 200 || env.Code != 0 || len(a.token) != 32 || strings.Trim(a.token, "0123456789abcdef") != "" {
		t.Fatalf("login: %d %+v token %q", st, env, a.token)
	}
	if st, env, _ := a.list(nil); st != 200 || env.Code != 0 {
		t.Fatalf("list: %d %+v", st, env)
	}
	clock.Advance(time.Hour)
	if st, env, _ := a.list(nil); st != 401 || env.Code != 196 {
		t.Fatalf("expired token: %d %+v", st, env)
	}
	a.login(s.Username(), s.Password())
	s.ExpireTokens()
	if _, env, _ := a.list(nil); env.Code != 196 {
		t.Fatalf("after ExpireTokens: %+v", env)
	}
	// The password never reaches the request log.
	for _, r := range s.Requests() {
		if strings.Contains(r.Body, s.Password()) || strings.Contains(r.Body, "wrong") {
			t.Errorf("request log holds the password: %q", r.Body)
		}
	}
}

func TestLoginRateLimit(t *testing.T) {
	clock := NewClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	s, a := start(t, Options{Now: clock.Now, LoginLimit: 3})
	for i := 0; i < 3; i++ {
		if _, env := a.login(s.Username(), s.Password()); env.Code != 0 {
			t.Fatalf("login %d: %+v", i, env)
		}
	}
	if st, env := a.login(s.Username(), s.Password()); st != 500 || env.Code != 50 {
		t.Fatalf("4th login in a minute: %d %+v", st, env)
	}
	clock.Advance(time.Minute)
	if _, env := a.login(s.Username(), s.Password()); env.Code != 0 {
		t.Fatalf("login after a minute: %+v", env)
	}
}

func TestListFilters(t *testing.T) {
	s, a := start(t, Options{})
	a.login(s.Username(), s.Password())
	live := []string{"example.com", "example.co.uk", "xn--bcher-kva.de", "pending-transfer.nl", "future.london",
		"restoring.eu", "failed-order.be", "reused.com", "flags-as-strings.net"}
	tests := []struct {
		name  string
		q     url.Values
		want  []string
		total int
	}{
		{"all live, by id", nil, live, 9},
		{"limit and offset", url.Values{"limit": {"2"}, "offset": {"1"}}, live[1:3], 9},
		{"offset past the end", url.Values{"offset": {"50"}}, nil, 9},
		{"id", url.Values{"id": {"22000003"}}, []string{"xn--bcher-kva.de"}, 1},
		{"full_name", url.Values{"full_name": {"example.co.uk"}}, []string{"example.co.uk"}, 1},
		{"full_name unicode", url.Values{"full_name": {"bücher.de"}}, []string{"xn--bcher-kva.de"}, 1},
		{"exact pattern and extension", url.Values{"domain_name_pattern": {"example"}, "extension": {"co.uk"}}, []string{"example.co.uk"}, 1},
		{"pattern is exact without *", url.Values{"domain_name_pattern": {"exampl"}}, nil, 0},
		{"wildcard", url.Values{"domain_name_pattern": {"ex*"}}, []string{"example.com", "example.co.uk"}, 2},
		{"inner wildcard", url.Values{"domain_name_pattern": {"f*-*s"}}, []string{"flags-as-strings.net"}, 1},
		{"status", url.Values{"status": {"ACT"}}, []string{"example.com", "example.co.uk", "xn--bcher-kva.de", "reused.com", "flags-as-strings.net"}, 5},
		{"status_not_equal repeated", url.Values{"status_not_equal": {"ACT", "REQ", "PRE"}}, []string{"restoring.eu", "failed-order.be"}, 2},
		{"deleted", url.Values{"is_deleted": {"true"}}, []string{"old-shop.nl", "reused.com"}, 2},
		{"deleted by name", url.Values{"is_deleted": {"true"}, "domain_name_pattern": {"reused"}, "extension": {"com"}}, []string{"reused.com"}, 1},
		{"order_by.id desc", url.Values{"order_by.id": {"desc"}, "limit": {"2"}}, []string{"flags-as-strings.net", "reused.com"}, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, env, ld := a.list(tt.q)
			if st != 200 || env.Code != 0 {
				t.Fatalf("%d %+v", st, env)
			}
			if got := names(ld); !reflect.DeepEqual(got, tt.want) || ld.Total != tt.total {
				t.Errorf("got %v total %d, want %v total %d", got, ld.Total, tt.want, tt.total)
			}
		})
	}
}

func TestListHabits(t *testing.T) {
	s, a := start(t, Options{Domains: Generate(1500, 1)})
	a.login(s.Username(), s.Password())

	// limit is capped at 1000; default 100.
	if _, _, ld := a.list(url.Values{"limit": {"5000"}}); len(ld.Results) != 1000 || ld.Total < 1000 {
		t.Errorf("limit 5000: %d results, total %d", len(ld.Results), ld.Total)
	}
	if _, _, ld := a.list(nil); len(ld.Results) != 100 {
		t.Errorf("default limit: %d results", len(ld.Results))
	}
	// Upper-case statuses only: 515 with HTTP 500.
	for _, q := range []url.Values{{"status": {"act"}}, {"status_not_equal": {"ACT", "del"}}} {
		if st, env, _ := a.list(q); st != 500 || env.Code != 515 || env.Desc != "Invalid status for domain" {
			t.Errorf("%v: %d %+v", q, st, env)
		}
	}
	// No match: no results key, unless switched on.
	_, _, raw := a.do("GET", "/v1beta/domains", url.Values{"full_name": {"nope.com"}}, nil)
	if string(raw) != `{"code":0,"desc":"","data":{"total":0}}` {
		t.Errorf("empty match: %s", raw)
	}
	s2, a2 := start(t, Options{EmptyResults: true})
	a2.login(s2.Username(), s2.Password())
	if _, _, raw := a2.do("GET", "/v1beta/domains/", url.Values{"full_name": {"nope.com"}}, nil); string(raw) != `{"code":0,"desc":"","data":{"results":[],"total":0}}` {
		t.Errorf("empty match with EmptyResults (and a trailing slash): %s", raw)
	}
	// Bad parameter.
	if st, env, _ := a.list(url.Values{"limit": {"x"}}); st != 400 || env.Code == 0 {
		t.Errorf("limit=x: %d %+v", st, env)
	}
}

func TestSerialisation(t *testing.T) {
	s, a := start(t, Options{})
	a.login(s.Username(), s.Password())
	_, _, raw := a.do("GET", "/v1beta/domains/22000004", nil, nil)
	body := string(raw)
	for _, want := range []string{`{"code":0,"desc":"","data":{"id":22000004,"domain":{"name":"pending-transfer","extension":"nl"},"status":"REQ"`,
		`"deleted_at":"0000-00-00 00:00:00"`, `"billing_handle":""`, `"is_private_whois_enabled":false`} {
		if !strings.Contains(body, want) {
			t.Errorf("reply lacks %s:\n%s", want, body)
		}
	}
	for _, absent := range []string{`"renewal_date"`, `"ns_group"`, `"name_servers"`, `"comments"`} {
		if strings.Contains(body, absent) {
			t.Errorf("reply holds empty field %s:\n%s", absent, body)
		}
	}
	// Fixture values that do not fit the typed fields are sent verbatim.
	_, _, raw = a.do("GET", "/v1beta/domains/22000011", nil, nil)
	if !strings.Contains(string(raw), `"is_private_whois_enabled":"yes"`) {
		t.Errorf("flag string not kept: %s", raw)
	}
	// Generated dates are zero-padded.
	for _, d := range Generate(200, 7) {
		for _, v := range []string{d.RenewalDate, d.CreationDate, d.DeletedAt, d.LastChanged} {
			if v != "" && (len(v) != 19 || v[10] != ' ') {
				t.Fatalf("date %q is not YYYY-MM-DD HH:MM:SS", v)
			}
		}
	}
	// Errors: desc before code.
	_, _, raw = a.do("GET", "/v1beta/domains/1", nil, nil)
	if string(raw) != `{"desc":"The domain is not in your account; please transfer it to your account first.","code":320}` {
		t.Errorf("unknown id: %s", raw)
	}
}

func TestGetAndUpdate(t *testing.T) {
	clock := NewClock(time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC))
	s, a := start(t, Options{Now: clock.Now})
	a.login(s.Username(), s.Password())

	if st, env, _ := a.do("GET", "/v1beta/domains/22000005", nil, nil); st != 500 || env.Code != 320 {
		t.Errorf("deleted domain without is_deleted: %d %+v", st, env)
	}
	if _, env, _ := a.do("GET", "/v1beta/domains/22000005", url.Values{"is_deleted": {"true"}}, nil); env.Code != 0 {
		t.Errorf("deleted domain with is_deleted: %+v", env)
	}

	tests := []struct {
		name   string
		id     int64
		body   any
		status int
		code   int
	}{
		{"autorenew off", 22000001, map[string]any{"autorenew": "off"}, 200, 0},
		{"bad autorenew", 22000001, map[string]any{"autorenew": "yes"}, 500, 347},
		{"privacy on allowed", 22000001, map[string]any{"is_private_whois_enabled": true}, 200, 0},
		{"privacy not allowed", 22000003, map[string]any{"is_private_whois_enabled": true}, 500, 19006},
		{"privacy off always allowed", 22000003, map[string]any{"is_private_whois_enabled": false}, 200, 0},
		{"unknown id", 99, map[string]any{"autorenew": "off"}, 500, 320},
		{"failed domain", 22000008, map[string]any{"autorenew": "off"}, 500, 366},
		{"not an object", 22000001, []int{1}, 400, 3},
	}
	for _, tt := range tests {
		st, env, _ := a.do("PUT", "/v1beta/domains/"+itoa(tt.id), nil, tt.body)
		if st != tt.status || env.Code != tt.code {
			t.Errorf("%s: %d %+v, want %d code %d", tt.name, st, env, tt.status, tt.code)
		}
	}
	d, _ := s.Domain(22000001)
	if d.Autorenew != "off" || !d.IsPrivateWhoisEnabled || d.LastChanged != "2026-02-03 04:05:06" || d.RenewalDate != "2026-03-15 13:22:11" {
		t.Errorf("merged domain: %+v", d)
	}
	_, _, raw := a.do("PUT", "/v1beta/domains/22000002", nil, map[string]any{"autorenew": "default"})
	if string(raw) != `{"code":0,"desc":"","data":{"id":22000002,"status":"ACT"}}` {
		t.Errorf("update reply: %s", raw)
	}
	s.SetUpdateError(22000002, 366, "This action is prohibitted for current status")
	if _, env, _ := a.do("PUT", "/v1beta/domains/22000002", nil, map[string]any{"autorenew": "off"}); env.Code != 366 {
		t.Errorf("injected update error: %+v", env)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestFaults(t *testing.T) {
	s, a := start(t, Options{})
	a.login(s.Username(), s.Password())

	s.FailNext(502, 503)
	for _, want := range []int{502, 503, 200} {
		if st, _, _ := a.list(nil); st != want {
			t.Errorf("FailNext: got %d, want %d", st, want)
		}
	}
	s.SetFaults(Faults{Maintenance: true})
	if st, env, _ := a.list(nil); st != 500 || env.Code != 4005 || !env.Maintenance {
		t.Errorf("maintenance: %d %+v", st, env)
	}
	s.SetFaults(Faults{MaintenanceFlag: true, Warnings: []Warning{{Code: 1, Desc: "note"}}})
	if _, env, _ := a.list(nil); env.Code != 0 || !env.Maintenance || len(env.Warnings) != 1 {
		t.Errorf("maintenance flag and warnings: %+v", env)
	}
	s.SetFaults(Faults{RateLimited: true})
	if st, env := a.login(s.Username(), s.Password()); st != 500 || env.Code != 50 {
		t.Errorf("rate limited: %d %+v", st, env)
	}
	s.SetFaults(Faults{AccessDenied: true})
	if _, env, _ := a.list(nil); env.Code != 10005 {
		t.Errorf("access denied: %+v", env)
	}
	s.SetFaults(Faults{ErrorRate: 1})
	if st, _, raw := a.do("GET", "/v1beta/domains", nil, nil); st != 500 || json.Valid(raw) {
		t.Errorf("error rate: %d %s", st, raw)
	}
	s.SetFaults(Faults{TruncateRate: 1})
	resp, err := http.Get(a.base + "/v1beta/domains")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Errorf("truncated reply read without error")
	}
	s.SetFaults(Faults{SlowBody: 50 * time.Millisecond, Latency: 20 * time.Millisecond})
	start := time.Now()
	if _, env, _ := a.list(nil); env.Code != 0 || time.Since(start) < 70*time.Millisecond {
		t.Errorf("slow: %+v after %s", env, time.Since(start))
	}
}

func TestRequestLogAndHook(t *testing.T) {
	s, a := start(t, Options{})
	var mu sync.Mutex
	var seen []string
	s.SetHook(func(r Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.Path)
		mu.Unlock()
		if r.Method == "GET" && r.Query == "offset=0" {
			s.Add(Domain{Domain: DomainName{Name: "added", Extension: "com"}, Status: "ACT"})
		}
	})
	a.login(s.Username(), s.Password())
	_, _, ld := a.list(url.Values{"offset": {"0"}})
	if ld.Total != 9 {
		t.Errorf("total before the hook's change: %d", ld.Total)
	}
	a.list(url.Values{"offset": {"0"}})
	_, _, ld = a.list(url.Values{"offset": {"1"}})
	if ld.Total != 11 {
		t.Errorf("total after two additions: %d", ld.Total)
	}
	if len(seen) != 4 || s.Count("GET", "/v1beta/domains") != 3 {
		t.Errorf("hook saw %v; count %d", seen, s.Count("GET", "/v1beta/domains"))
	}
	if key, n := s.MaxIdentical(); n != 2 || !strings.Contains(key, "offset=0") {
		t.Errorf("MaxIdentical = %q, %d", key, n)
	}
	if got := s.CountIdentical(); len(got) != 1 {
		t.Errorf("CountIdentical = %v", got)
	}
	r := s.Requests()[1]
	if r.Token != a.token || r.Status != 200 || r.Code != 0 || r.Time.IsZero() {
		t.Errorf("logged request: %+v", r)
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Error("ResetRequests")
	}
}

func TestFixtureRoundTrip(t *testing.T) {
	ds, err := LoadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "d.json")
	if err := WriteFile(out, ds); err != nil {
		t.Fatal(err)
	}
	again, err := LoadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ds, again) {
		t.Errorf("round trip changed the fixture")
	}
	if string(ds[10].Raw["is_private_whois_enabled"]) != `"yes"` {
		t.Errorf("Raw: %v", ds[10].Raw)
	}
	// Raw with a nil value removes the field.
	d := ds[0]
	d.Raw = map[string]json.RawMessage{"renewal_date": nil, "id": json.RawMessage(`"22000001"`)}
	b, _ := json.Marshal(d)
	if strings.Contains(string(b), "renewal_date") || !strings.Contains(string(b), `"id":"22000001"`) {
		t.Errorf("Raw overrides: %s", b)
	}
}

func TestGenerate(t *testing.T) {
	a, b := Generate(3000, 42), Generate(3000, 42)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Generate is not deterministic")
	}
	if reflect.DeepEqual(a[:50], Generate(50, 43)) {
		t.Fatal("the seed does not matter")
	}
	status, ext := map[string]int{}, map[string]int{}
	idn, deleted := 0, 0
	names := map[string]bool{}
	for i, d := range a {
		if d.ID != int64(FirstGeneratedID+i) {
			t.Fatalf("id %d at %d", d.ID, i)
		}
		if names[d.FullName()] {
			t.Fatalf("duplicate name %s", d.FullName())
		}
		names[d.FullName()] = true
		status[d.Status]++
		ext[d.Domain.Extension]++
		if strings.HasPrefix(d.Domain.Name, "xn--") {
			idn++
		}
		if d.IsDeleted {
			deleted++
		}
		if d.Status == "ACT" && d.RenewalDate == "" {
			t.Fatalf("active domain without renewal date: %+v", d)
		}
	}
	for _, st := range []string{"ACT", "REQ", "PEN", "SCH", "FAI", "DEL", "RRQ"} {
		if status[st] == 0 {
			t.Errorf("no %s domain in %v", st, status)
		}
	}
	if status["ACT"] < 2000 || ext["co.uk"] == 0 || ext["com"] == 0 || idn == 0 || deleted == 0 {
		t.Errorf("mix: status %v ext %v idn %d deleted %d", status, ext, idn, deleted)
	}
}
