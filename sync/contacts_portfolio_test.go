package sync

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/odr"
	"github.com/domainsync/domainsync/registrar/odr/odrsim"
	"github.com/domainsync/domainsync/report"
	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// portfolioEnv is syncContacts against the test MariaDB and odrsim (behind
// a handler that can fail the listing of chosen contacts).
type portfolioEnv struct {
	db      *whmcsdb.DB
	sim     *odrsim.Server
	reg     *odr.Client
	domains []whmcsdb.Domain
	results map[string]registrar.Result
	fail    map[string]string // contact id → error envelope for its listing
}

// newPortfolioEnv seeds client A (jan, the batch's) and B (piet). The batch
// holds A's a1–a4.nl, each with its own contact differing in e-mail only:
//
//	2001 a1.nl, and b.nl of client B (outside the batch)   → not changed
//	2002 a2.nl, and unknown.nl that WHMCS does not hold    → not changed
//	2003 a3.nl, and a-other.nl of A (outside the batch)    → updated
//	2004 a4.nl; its listing fails                          → not changed
func newPortfolioEnv(t *testing.T) *portfolioEnv {
	t.Helper()
	ctx := context.Background()
	dsn := whmcstest.NewDB(t)
	seed := whmcstest.Open(t, dsn)
	db, err := whmcsdb.Open(ctx, dsn, whmcsdb.Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := whmcstest.InsertClient(t, seed, whmcstest.ClientRow{FirstName: "Jan", LastName: "de Vries", Email: "jan@example.nl",
		Address1: "Hoofdstraat 12", City: "Amsterdam", PostCode: "1011 AA", Country: "NL", PhoneNumber: "+31.201234567"})
	b := whmcstest.InsertClient(t, seed, whmcstest.ClientRow{FirstName: "Piet", LastName: "Jansen", Email: "piet@example.nl"})
	e := &portfolioEnv{db: db, fail: map[string]string{}}
	for _, r := range []struct {
		name string
		user int64
	}{{"a1.nl", a}, {"a2.nl", a}, {"a3.nl", a}, {"a4.nl", a}, {"b.nl", b}, {"a-other.nl", a}} {
		id := whmcstest.InsertDomain(t, seed, whmcstest.DomainRow{Domain: r.name, UserID: r.user, Registrar: "odr", ExpiryDate: "2027-01-01"})
		if strings.HasPrefix(r.name, "a") && r.name != "a-other.nl" {
			e.domains = append(e.domains, whmcsdb.Domain{ID: id, UserID: r.user, Name: r.name, Registrar: "odr"})
		}
	}
	contact := func() map[string]any {
		return map[string]any{"first_name": "Jan", "last_name": "de Vries", "email": "old@example.nl", "phone": "+31.201234567",
			"street": "Hoofdstraat", "house_number": "12", "city": "Amsterdam", "postal_code": "1011AA", "country": "NL"}
	}
	dom := func(id int64, name string, reg, tech int64) odrsim.Domain {
		return odrsim.Domain{ID: id, Name: name, Status: "REGISTERED", Expiration: "2027-01-01 00:00:00", Registrant: reg, Onsite: reg, Tech: tech}
	}
	e.sim = odrsim.New(odrsim.Options{PerPage: 2,
		Contacts: map[int64]map[string]any{2001: contact(), 2002: contact(), 2003: contact(), 2004: contact(), 9: {"first_name": "Other"}},
		Domains: []odrsim.Domain{dom(1, "a1.nl", 2001, 2001), dom(2, "a2.nl", 2002, 2002), dom(3, "a3.nl", 2003, 2003), dom(4, "a4.nl", 2004, 2004),
			dom(5, "b.nl", 9, 2001), dom(6, "unknown.nl", 2002, 9), dom(7, "a-other.nl", 2003, 2003), dom(8, "x.nl", 9, 9)}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if body, ok := e.fail[r.URL.Query().Get("filter[contact]")]; ok && r.URL.Path == "/domain/" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
			return
		}
		e.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.reg, err = odr.New(odr.Config{URL: srv.URL, APIKey: e.sim.APIKey(), APISecret: e.sim.APISecret(), RateLimit: -1, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range e.domains {
		names = append(names, d.Name)
	}
	if e.results, err = e.reg.Lookup(ctx, names); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *portfolioEnv) run(t *testing.T, mode ContactMode, planned bool) *Result {
	t.Helper()
	res := &Result{Report: report.NewSync("odr")}
	o := Options{DB: e.db, Registrar: e.reg, Contacts: mode}
	if err := syncContacts(context.Background(), o, e.domains, e.results, res, planned); err != nil {
		t.Fatal(err)
	}
	return res
}

func (e *portfolioEnv) count(method, path, query string) int {
	n := 0
	for _, r := range e.sim.Requests() {
		if r.Method == method && r.Path == path && strings.Contains(r.Query, query) {
			n++
		}
	}
	return n
}

func rowsOf(rep *report.Report, section string) string {
	var b strings.Builder
	for _, r := range rep.Section(section).Rows {
		b.WriteString(strings.Join(r, " | ") + "\n")
	}
	return b.String()
}

// TestSyncContactsPortfolio: contacts: update changes only the contact whose
// every user in the registrar's portfolio is a WHMCS domain of the same
// client, and says why the others are not changed.
func TestSyncContactsPortfolio(t *testing.T) {
	e := newPortfolioEnv(t)
	e.fail["2004"] = `{"status":"error","code":400,"response":{"message":"Validation failed","data":{}}}`

	// Report mode, a dry run and a held batch ask nothing more.
	e.run(t, ContactsReport, false)
	e.run(t, ContactsUpdate, true)
	if n := e.count("GET", "/domain/", "filter"); n != 0 {
		t.Fatalf("report mode or a planned run listed contacts' domains %d times", n)
	}
	if n := e.count("PUT", "/contact/2003/", ""); n != 0 {
		t.Fatal("a planned run wrote a contact")
	}

	res := e.run(t, ContactsUpdate, false)
	if res.AccountErr != nil {
		t.Fatal(res.AccountErr)
	}
	for id, want := range map[int64]string{2001: "old@example.nl", 2002: "old@example.nl", 2003: "jan@example.nl", 2004: "old@example.nl"} {
		if c, _ := e.sim.Contact(id); c["email"] != want {
			t.Errorf("contact %d e-mail %v, want %s", id, c["email"], want)
		}
	}
	for _, id := range []string{"2001", "2002", "2004"} {
		if n := e.count("PUT", "/contact/"+id+"/", ""); n != 0 {
			t.Errorf("contact %s written", id)
		}
	}
	// One listing per contact to change: two domains each, one page (2004's
	// is answered by the failing handler, not the simulator).
	for _, id := range []string{"2001", "2002", "2003"} {
		if n := e.count("GET", "/domain/", "filter%5Bcontact%5D="+id+"&"); n != 1 {
			t.Errorf("contact %s listed %d times, want 1", id, n)
		}
	}
	attention, errs := rowsOf(res.Report, report.SectionAttention), rowsOf(res.Report, report.SectionErrors)
	mustHave := func(what, s string, subs ...string) {
		t.Helper()
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				t.Errorf("%s lacks %q:\n%s", what, sub, s)
			}
		}
	}
	mustHave("attention", attention, "a1.nl | registrant contact not changed | contact 2001 is used by domains of 2 WHMCS clients (found in the registrar's portfolio, of another client: b.nl)",
		"a2.nl | registrant contact not changed | contact 2002 is also used by 1 domain(s) at the registrar that WHMCS does not hold (unknown.nl)")
	mustHave("errors", errs, "a4.nl | registrant contact not changed: the domains using contact 2004 could not be listed", "Validation failed")
	if strings.Contains(attention+errs, "a3.nl") {
		t.Errorf("a3.nl reported as not changed:\n%s%s", attention, errs)
	}
	notices := strings.Join(res.Report.Notices, "\n")
	mustHave("notices", notices, "updated in place", "a3.nl")
	if strings.Contains(notices, "a1.nl") || strings.Contains(notices, "a2.nl") || strings.Contains(notices, "a4.nl") {
		t.Errorf("notice names a contact not changed: %s", notices)
	}
}

// TestSyncContactsPortfolioAccountLevel: an account-level failure of the
// listing is the run's one error; no contact is changed.
func TestSyncContactsPortfolioAccountLevel(t *testing.T) {
	e := newPortfolioEnv(t)
	e.fail["2001"] = `{"status":"error","code":503,"response":{"message":"API is under maintenance","data":{}}}`
	res := e.run(t, ContactsUpdate, false)
	if registrar.KindOf(res.AccountErr) != registrar.KindMaintenance {
		t.Fatalf("AccountErr %v", res.AccountErr)
	}
	for _, id := range []string{"2001", "2002", "2003", "2004"} {
		if n := e.count("PUT", "/contact/"+id+"/", ""); n != 0 {
			t.Errorf("contact %s written after an account-level failure", id)
		}
	}
	errs := rowsOf(res.Report, report.SectionErrors)
	if strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "(odr account) | registrant contacts not changed") {
		t.Errorf("errors:\n%s", errs)
	}
	if rowsOf(res.Report, report.SectionContacts) == "" {
		t.Error("the differences are no longer reported")
	}
}
