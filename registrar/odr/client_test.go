package odr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/odr/odrsim"
)

func domains(n int) []odrsim.Domain {
	ds := make([]odrsim.Domain, n)
	for i := range ds {
		ds[i] = odrsim.Domain{ID: int64(i + 1), Name: fmt.Sprintf("d%03d.nl", i+1), Status: "REGISTERED",
			AutoRenew: i%2 == 0, Expiration: "2027-01-01 00:00:00", Registrant: 1001, Onsite: 1001, Tech: 1001}
	}
	return ds
}

// setup starts a simulator and a client logging at debug level into logs.
func setup(t *testing.T, opts odrsim.Options) (*odrsim.Server, *Client, *bytes.Buffer) {
	t.Helper()
	if opts.Contacts == nil {
		opts.Contacts = map[int64]map[string]any{1001: {"id": 1001, "first_name": "Test", "last_name": "Testov", "house_number": 1000, "country": "NL"}}
	}
	sim, url := odrsim.StartTB(t, opts)
	logs := &bytes.Buffer{}
	c, err := New(Config{URL: url, APIKey: sim.APIKey(), APISecret: sim.APISecret(), RateLimit: -1, RetryBackoff: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Now: opts.Now})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c, logs
}

func TestLoginAndLookup(t *testing.T) {
	ds := domains(3)
	ds[1].Status, ds[2].Status = "DELETED", "DELETE_SCHEDULED"
	sim, c, _ := setup(t, odrsim.Options{Domains: ds})
	ctx := context.Background()
	res, err := c.Lookup(ctx, []string{"d001.nl", "D001.NL.", "d002.nl", "d003.nl", "missing.nl", "bad name"})
	if err != nil {
		t.Fatal(err)
	}
	r := res["d001.nl"]
	if !r.Found || r.Err != nil || r.Record.Family != registrar.FamilyActive || r.Record.AutoRenew != registrar.AutoRenewOn ||
		r.Record.Expiry.String() != "2027-01-01" || r.Record.Registrant != "1001" || r.Record.PrivacyKnown || r.Record.ID != "1" {
		t.Fatalf("d001.nl: %+v", r)
	}
	if res["D001.NL."] != r {
		t.Error("the same domain spelt twice differs")
	}
	// DELETED is the domain's status at ODR: found, with that status.
	if r := res["d002.nl"]; !r.Found || r.DeletedRecord != nil || r.Record.StatusCode != "DELETED" || r.Record.Family != registrar.FamilyDeleted || r.Err != nil {
		t.Errorf("deleted domain: %+v", r)
	}
	if r := res["d003.nl"]; !r.Found || r.Record.Family != registrar.FamilyScheduled {
		t.Errorf("delete-scheduled domain: %+v", r)
	}
	if r := res["missing.nl"]; r.Found || r.Err != nil || r.DeletedRecord != nil {
		t.Errorf("missing domain: %+v", r)
	}
	if r := res["bad name"]; r.Err == nil {
		t.Errorf("bad name: %+v", r)
	}
	if n := sim.Count("POST", "/user/login/"); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
	if n := sim.Count("GET", "/domain/d001.nl/info/"); n != 1 {
		t.Errorf("d001.nl looked up %d times", n)
	}
	for _, rq := range sim.Requests() {
		if rq.Path != "/user/login/" && !rq.Token {
			t.Errorf("%s %s sent without X-Access-Token", rq.Method, rq.Path)
		}
	}
}

func TestLookupInvalidDates(t *testing.T) {
	ds := domains(2)
	ds[0].Expiration, ds[1].Expiration = "", "0000-00-00"
	_, c, _ := setup(t, odrsim.Options{Domains: ds, OldSpelling: true})
	res, err := c.Lookup(context.Background(), []string{"d001.nl", "d002.nl"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"d001.nl": `domain_expiration_date: "": empty date`, "d002.nl": "zero date"} {
		r := res[name]
		if r.Err == nil || !strings.Contains(r.Err.Error(), want) || !strings.Contains(r.Err.Error(), name) || r.Record.Invalid == nil {
			t.Errorf("%s: %+v", name, r)
		}
	}
}

// A PENDING domain with no expiry yet is found and valid (the sync rules
// show it as waiting); the same reply for a REGISTERED domain is invalid.
func TestLookupPendingWithoutExpiry(t *testing.T) {
	ds := domains(3)
	ds[0].Status, ds[0].Expiration = "PENDING", ""
	ds[1].Status, ds[1].Expiration = "PENDING", "0000-00-00 00:00:00"
	ds[2].Expiration = ""
	_, c, _ := setup(t, odrsim.Options{Domains: ds})
	res, err := c.Lookup(context.Background(), []string{"d001.nl", "d002.nl", "d003.nl"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"d001.nl", "d002.nl"} {
		r := res[name]
		if !r.Found || r.Err != nil || r.Record.Invalid != nil || r.Record.Family != registrar.FamilyPending || !r.Record.Expiry.IsZero() {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if r := res["d003.nl"]; r.Err == nil || !strings.Contains(r.Err.Error(), "d003.nl") || !strings.Contains(r.Err.Error(), "empty date") {
		t.Errorf("registered without expiry: %+v", r)
	}
	if c.Concurrency() != DefaultConcurrency {
		t.Errorf("Concurrency() = %d, want the default %d", c.Concurrency(), DefaultConcurrency)
	}
}

func TestLoginRefused(t *testing.T) {
	for name, mod := range map[string]func(*Config){
		"wrong secret":    func(c *Config) { c.APISecret = "secret$wrong" },
		"wrong key":       func(c *Config) { c.APIKey = "public$wrong" },
		"clock 6 min off": func(c *Config) { c.Now = func() time.Time { return time.Now().Add(6 * time.Minute) } },
	} {
		t.Run(name, func(t *testing.T) {
			sim, url := odrsim.StartTB(t, odrsim.Options{Domains: domains(1)})
			cfg := Config{URL: url, APIKey: sim.APIKey(), APISecret: sim.APISecret(), RateLimit: -1}
			mod(&cfg)
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Login(context.Background())
			if registrar.KindOf(err) != registrar.KindAuth || !registrar.IsAccountLevel(err) {
				t.Fatalf("err = %v", err)
			}
			if _, err2 := c.Lookup(context.Background(), []string{"d001.nl"}); !errors.Is(err2, err) {
				t.Errorf("later call: %v, want the same fatal error", err2)
			}
			if n := len(sim.Requests()); n != 1 {
				t.Errorf("%d requests, want the one login", n)
			}
		})
	}
	// Within the window a skewed clock is fine.
	sim, url := odrsim.StartTB(t, odrsim.Options{})
	c, _ := New(Config{URL: url, APIKey: sim.APIKey(), APISecret: sim.APISecret(), RateLimit: -1,
		Now: func() time.Time { return time.Now().Add(-4 * time.Minute) }})
	if err := c.Login(context.Background()); err != nil {
		t.Fatalf("4 minutes skew: %v", err)
	}
}

// A token refused before any call with it succeeded is an authentication
// failure: the run stops without a second login (no login loop).
func TestTokenRefusedBeforeItWorked(t *testing.T) {
	sim, c, _ := setup(t, odrsim.Options{Domains: domains(5)})
	ctx := context.Background()
	if err := c.Login(ctx); err != nil {
		t.Fatal(err)
	}
	sim.SetFaults(odrsim.Faults{RefuseTokens: true})
	_, err := c.Lookup(ctx, []string{"d001.nl", "d002.nl", "d003.nl", "d004.nl", "d005.nl"})
	if registrar.KindOf(err) != registrar.KindAuth || !strings.Contains(err.Error(), "refused before any call with it succeeded") {
		t.Fatalf("err = %v, want auth", err)
	}
	if n := sim.Count("POST", "/user/login/"); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
	before := len(sim.Requests())
	if err := c.SetAutoRenew(ctx, registrar.Record{Name: "d001.nl"}, true); registrar.KindOf(err) != registrar.KindAuth {
		t.Errorf("after fatal: %v", err)
	}
	if len(sim.Requests()) != before {
		t.Error("a request was sent after the run was stopped")
	}
}

func TestTokenExpiryMidRun(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	sim, c, _ := setup(t, odrsim.Options{Domains: domains(6), Now: func() time.Time { return clock() }, TokenTTL: time.Minute})
	ctx := context.Background()
	if _, err := c.Lookup(ctx, []string{"d001.nl", "d002.nl"}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute) // token expired at the server
	res, err := c.Lookup(ctx, []string{"d003.nl"})
	if err != nil || !res["d003.nl"].Found {
		t.Fatalf("after expiry: %v %+v", err, res)
	}
	if st := c.Stats(); st.Logins != 2 || st.Relogins != 1 {
		t.Errorf("stats %+v", st)
	}
	// Every later expiry is handled the same way: one login each.
	for i, n := range []string{"d004.nl", "d005.nl", "d006.nl"} {
		sim.ExpireTokens()
		if res, err := c.Lookup(ctx, []string{n}); err != nil || !res[n].Found {
			t.Fatalf("expiry %d: %v %+v", i+2, err, res)
		}
		if st := c.Stats(); st.Logins != int64(3+i) || st.Relogins != int64(2+i) {
			t.Errorf("expiry %d: stats %+v", i+2, st)
		}
	}
}

func TestListPaging(t *testing.T) {
	ds := domains(250)
	ds[10].Expiration = "" // an invalid row is streamed, marked
	sim, c, _ := setup(t, odrsim.Options{Domains: ds, PerPage: 100})
	var got []registrar.Record
	total := -2
	err := c.List(context.Background(), func(n int) { total = n }, func(r registrar.Record) error { got = append(got, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 || total != -1 {
		t.Fatalf("%d records, total %d", len(got), total)
	}
	for i, r := range got {
		if r.Name != fmt.Sprintf("d%03d.nl", i+1) {
			t.Fatalf("record %d is %s: not in id order", i, r.Name)
		}
		if (i == 10) != (r.Invalid != nil) {
			t.Errorf("record %d Invalid = %v", i, r.Invalid)
		}
	}
	if n := sim.Count("GET", "/domain/"); n != 3 {
		t.Errorf("%d page requests, want 3", n)
	}
	for i, rq := range sim.Requests()[1:] {
		if want := fmt.Sprintf("o%%5Bid%%5D=ASC&page=%d", i+1); rq.Query != want {
			t.Errorf("page query %q, want %q", rq.Query, want)
		}
	}
	// One page: an exact total.
	_, c2, _ := setup(t, odrsim.Options{Domains: domains(7)})
	if err := c2.List(context.Background(), func(n int) { total = n }, nil); err != nil || total != 7 {
		t.Errorf("single page: total %d, %v", total, err)
	}
}

func TestPageInfo(t *testing.T) {
	h := http.Header{}
	h.Set("X-Pagination-CurrentPage", "2")
	if _, err := pageInfo(h, 3); err == nil {
		t.Error("a wrong current page was accepted")
	}
	h.Set("X-Pagination-TotalPages", "x")
	if _, err := pageInfo(h, 2); err == nil {
		t.Error("a bad total was accepted")
	}
	h = http.Header{}
	h.Set("X-Pagination-Next", "/domain/?page=2")
	if p, err := pageInfo(h, 1); err != nil || !p.HasNext {
		t.Errorf("next link without totals: %+v %v", p, err)
	}
	if p, err := pageInfo(http.Header{}, 1); err != nil || p.HasNext || p.TotalPages != 1 {
		t.Errorf("no headers: %+v %v", p, err)
	}
}

func TestRenewOnOff(t *testing.T) {
	sim, c, _ := setup(t, odrsim.Options{Domains: domains(2)})
	ctx := context.Background()
	if err := c.SetAutoRenew(ctx, registrar.Record{Name: "d001.nl"}, false); err != nil {
		t.Fatal(err)
	}
	if err := c.SetAutoRenew(ctx, registrar.Record{Name: "D002.nl"}, true); err != nil {
		t.Fatal(err)
	}
	if d, _ := sim.Domain("d001.nl"); d.AutoRenew {
		t.Error("d001.nl still renews")
	}
	if d, _ := sim.Domain("d002.nl"); !d.AutoRenew {
		t.Error("d002.nl does not renew")
	}
	rs := sim.Requests()
	if rs[1].Method != "PUT" || rs[1].Path != "/domain/d001.nl/renew-off/" || rs[1].Body != "" ||
		rs[2].Method != "PUT" || rs[2].Path != "/domain/d002.nl/renew-on/" || rs[2].Body != "" {
		t.Errorf("requests %+v", rs)
	}
	err := c.SetAutoRenew(ctx, registrar.Record{Name: "gone.nl"}, true)
	if registrar.KindOf(err) != registrar.KindNotFound || registrar.IsAccountLevel(err) {
		t.Errorf("unknown domain: %v", err)
	}
	n := len(sim.Requests())
	if err := c.SetPrivacy(ctx, registrar.Record{Name: "d001.nl"}, true); registrar.KindOf(err) != registrar.KindRefused {
		t.Errorf("SetPrivacy: %v", err)
	}
	if len(sim.Requests()) != n {
		t.Error("SetPrivacy sent a request")
	}
}

func TestContacts(t *testing.T) {
	sim, c, _ := setup(t, odrsim.Options{Domains: domains(1)})
	ctx := context.Background()
	ct, err := c.GetContact(ctx, "1001")
	if err != nil || ct.ID != "1001" || ct.FirstName != "Test" || ct.HouseNumber != "1000" || ct.Country != "NL" {
		t.Fatalf("GetContact: %+v %v", ct, err)
	}
	ct.Email = "new@example.nl"
	if err := c.UpdateContact(ctx, ct); err != nil {
		t.Fatal(err)
	}
	if m, _ := sim.Contact(1001); m["email"] != "new@example.nl" {
		t.Errorf("contact after update: %v", m)
	}
	id, err := c.CreateContact(ctx, registrar.Contact{FirstName: "Nieuw", LastName: "Eigenaar", Country: "NL", HouseNumber: "12"})
	if err != nil || id == "" {
		t.Fatalf("CreateContact: %q %v", id, err)
	}
	if err := c.SetDomainContacts(ctx, registrar.Record{Name: "d001.nl"}, map[registrar.ContactRole]string{
		registrar.RoleAdmin: id, registrar.RoleTech: id}); err != nil {
		t.Fatal(err)
	}
	d, _ := sim.Domain("d001.nl")
	if fmt.Sprint(d.Onsite) != id || fmt.Sprint(d.Tech) != id || d.Registrant != 1001 {
		t.Errorf("domain contacts: %+v", d)
	}
	rs := sim.Requests()
	want := []string{"POST /user/login/", "GET /contact/1001/", "PUT /contact/1001/", "POST /contact/", "PUT /domain/d001.nl/"}
	for i, w := range want {
		if got := rs[i].Method + " " + rs[i].Path; got != w {
			t.Errorf("request %d: %s, want %s", i, got, w)
		}
	}
	if body := rs[4].Body; body != fmt.Sprintf(`{"contact_onsite":%s,"contact_tech":%s}`, id, id) {
		t.Errorf("point body %s", body)
	}
	if _, err := c.GetContact(ctx, "abc"); err == nil || !strings.Contains(err.Error(), `"abc"`) {
		t.Errorf("bad id: %v", err)
	}
	if _, err := c.GetContact(ctx, "999999"); registrar.KindOf(err) != registrar.KindNotFound {
		t.Errorf("missing contact: %v", err)
	}
	err = c.SetDomainContacts(ctx, registrar.Record{Name: "d001.nl"}, map[registrar.ContactRole]string{registrar.RoleTech: "424242"})
	if registrar.KindOf(err) != registrar.KindRefused || !strings.Contains(err.Error(), "contact_tech") {
		t.Errorf("unknown contact: %v", err)
	}
}

func TestRetriesBounded(t *testing.T) {
	sim, c, _ := setup(t, odrsim.Options{Domains: domains(3)})
	ctx := context.Background()
	if err := c.Login(ctx); err != nil {
		t.Fatal(err)
	}
	// One transient failure is retried.
	sim.FailNext(500)
	if err := c.SetAutoRenew(ctx, registrar.Record{Name: "d001.nl"}, true); err != nil {
		t.Fatalf("after one 500: %v", err)
	}
	if c.Stats().Retries != 1 {
		t.Errorf("stats %+v", c.Stats())
	}
	// The same request again: its third send is its last.
	sim.FailNext(502)
	err := c.SetAutoRenew(ctx, registrar.Record{Name: "d001.nl"}, true)
	if err == nil {
		t.Fatal("no error")
	}
	if _, n := sim.MaxServed(); n > 3 {
		t.Errorf("an identical request was sent %d times", n)
	}
	if c.Stats().Blocked == 0 {
		t.Errorf("nothing blocked: %+v", c.Stats())
	}
	// Lookups: a name still unavailable after the retries is not read;
	// the run goes on.
	sim.FailNext(500, 500, 500)
	res, err := c.Lookup(ctx, []string{"d002.nl"})
	if err != nil || !registrar.NotRead(res["d002.nl"].Err) {
		t.Fatalf("lookup: %v %+v", err, res)
	}
	if n := sim.Count("GET", "/domain/d002.nl/info/"); n != 3 {
		t.Errorf("lookup sent %d times, want 3", n)
	}
	if res, err := c.Lookup(ctx, []string{"d003.nl"}); err != nil || !res["d003.nl"].Found {
		t.Errorf("next lookup: %v %+v", err, res)
	}
	if _, n := sim.MaxServed(); n > 3 {
		t.Errorf("an identical request was sent %d times", n)
	}
}

func TestAccountLevelFaults(t *testing.T) {
	for fault, want := range map[string]registrar.Kind{"maintenance": registrar.KindMaintenance, "denied": registrar.KindAccessDenied} {
		t.Run(fault, func(t *testing.T) {
			sim, c, _ := setup(t, odrsim.Options{Domains: domains(20)})
			ctx := context.Background()
			if err := c.Login(ctx); err != nil {
				t.Fatal(err)
			}
			sim.SetFaults(odrsim.Faults{Maintenance: fault == "maintenance", RateLimited: fault == "rate", AccessDenied: fault == "denied"})
			names := make([]string, 20)
			for i := range names {
				names[i] = fmt.Sprintf("d%03d.nl", i+1)
			}
			res, err := c.Lookup(ctx, names)
			if res != nil || registrar.KindOf(err) != want || !registrar.IsAccountLevel(err) {
				t.Fatalf("got %v, %v", res, err)
			}
			if n := len(sim.Requests()); n > 1+c.conc {
				t.Errorf("%d requests after an account-level error", n)
			}
			if err2 := c.List(ctx, nil, nil); !errors.Is(err2, err) {
				t.Errorf("List after stop: %v", err2)
			}
		})
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	sim, c, logs := setup(t, odrsim.Options{Domains: domains(3)})
	ctx := context.Background()
	cfg := Config{URL: "https://x", APIKey: sim.APIKey(), APISecret: sim.APISecret()}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%v %+v %#v %s %q\n", cfg, cfg, cfg, cfg, cfg)
	slog.New(slog.NewTextHandler(&out, nil)).Info("cfg", "config", cfg)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("cfg", "config", cfg)
	if _, err := c.Lookup(ctx, []string{"d001.nl"}); err != nil {
		t.Fatal(err)
	}
	sim.ExpireTokens()
	sim.FailNext(500)
	if _, err := c.Lookup(ctx, []string{"d002.nl", "nope.nl"}); err != nil {
		t.Fatal(err)
	}
	sim.SetFaults(odrsim.Faults{RefuseTokens: true})
	_, err := c.Lookup(ctx, []string{"d003.nl"})
	fmt.Fprintf(&out, "%v %+v %#v %s\n", c, c, c, err)
	var tokens []string
	for _, rq := range sim.Requests() {
		if rq.Path == "/user/login/" {
			i := strings.Index(rq.Body, `"signature":"`)
			tokens = append(tokens, rq.Body[i+13:i+13+46])
		}
	}
	all := out.String() + logs.String()
	for _, s := range append(append(tokens, sim.APISecret()), sim.IssuedTokens()...) {
		if s != "" && strings.Contains(all, s) {
			t.Errorf("secret %q printed:\n%s", s, all)
		}
	}
	if !strings.Contains(out.String(), "********") {
		t.Error("redaction marker missing")
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{
		{APIKey: "k"}, {APISecret: "s"}, {URL: "ftp://x", APIKey: "k", APISecret: "s"},
		{URL: "https://u:p@x", APIKey: "k", APISecret: "s"}, {APIKey: "k", APISecret: "s", Concurrency: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%v) accepted", cfg)
		} else if strings.Contains(err.Error(), "p@x") {
			t.Errorf("error shows credentials: %v", err)
		}
	}
}
