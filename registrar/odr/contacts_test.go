package odr

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/odr/odrsim"
)

// TestDomainsUsingContact lists the domains using a contact in any role
// over more than one page of the filtered listing, each once, in ASCII.
func TestDomainsUsingContact(t *testing.T) {
	ds := domains(250)
	want := []string{}
	for i := range ds {
		switch {
		case i%3 == 0: // registrant
			ds[i].Registrant = 2001
		case i%7 == 0: // admin (onsite) only
			ds[i].Onsite = 2001
		case i%11 == 0: // tech only
			ds[i].Tech = 2001
		default:
			continue
		}
		want = append(want, ds[i].Name)
	}
	ds = append(ds, odrsim.Domain{ID: 900, Name: "xn--bcher-kva.nl", Status: "REGISTERED", Expiration: "2027-01-01 00:00:00",
		Registrant: 1001, Onsite: 1001, Tech: 2001})
	want = append(want, "xn--bcher-kva.nl")
	sim, c, _ := setup(t, odrsim.Options{Domains: ds, PerPage: 40})
	ctx := context.Background()
	got, err := c.DomainsUsingContact(ctx, " 2001 ")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %d names %v\nwant %d %v", len(got), got, len(want), want)
	}
	pages := 0
	for _, rq := range sim.Requests() {
		if rq.Method != "GET" || rq.Path != "/domain/" {
			continue
		}
		pages++
		if w := fmt.Sprintf("filter%%5Bcontact%%5D=2001&o%%5Bid%%5D=ASC&page=%d", pages); rq.Query != w {
			t.Errorf("page query %q, want %q", rq.Query, w)
		}
		if !rq.Token {
			t.Error("listing sent without a token")
		}
	}
	if wantPages := (len(want) + 39) / 40; pages != wantPages || pages < 2 {
		t.Errorf("%d page requests, want %d (more than one)", pages, wantPages)
	}

	// A contact nobody uses: an empty list, no error.
	if got, err := c.DomainsUsingContact(ctx, "4242"); err != nil || len(got) != 0 {
		t.Errorf("unused contact: %v, %v", got, err)
	}
	// Not a contact id: nothing sent.
	n := len(sim.Requests())
	if _, err := c.DomainsUsingContact(ctx, "abc"); err == nil || !strings.Contains(err.Error(), `"abc"`) {
		t.Errorf("bad id: %v", err)
	}
	if len(sim.Requests()) != n {
		t.Error("a request was sent for a bad id")
	}
}

// wrapped starts odrsim behind handler h (which may answer itself or pass
// on to the simulator) and a client for it.
func wrapped(t *testing.T, opts odrsim.Options, h func(w http.ResponseWriter, r *http.Request, sim http.Handler)) (*odrsim.Server, *Client) {
	t.Helper()
	sim := odrsim.New(opts)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(w, r, sim) }))
	t.Cleanup(srv.Close)
	c, err := New(Config{URL: srv.URL, APIKey: sim.APIKey(), APISecret: sim.APISecret(), RateLimit: -1, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

// TestDomainsUsingContactErrors: a failure on a later page is an error, never
// a shorter list, and keeps its kind; a row without a name is an invalid
// reply; account-level faults stay account-level.
func TestDomainsUsingContactErrors(t *testing.T) {
	ctx := context.Background()
	opts := odrsim.Options{Domains: domains(5), PerPage: 2, Contacts: map[int64]map[string]any{1001: {"id": 1001}}}

	// Page 1 answers, page 2 is refused.
	_, c := wrapped(t, opts, func(w http.ResponseWriter, r *http.Request, sim http.Handler) {
		if r.URL.Path == "/domain/" && r.URL.Query().Get("page") == "2" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			io.WriteString(w, `{"status":"error","code":400,"response":{"message":"Validation failed","data":{}}}`)
			return
		}
		sim.ServeHTTP(w, r)
	})
	got, err := c.DomainsUsingContact(ctx, "1001")
	if got != nil || registrar.KindOf(err) != registrar.KindRefused || registrar.IsAccountLevel(err) || !strings.Contains(err.Error(), "contact 1001") {
		t.Errorf("page 2 refused: %v, %v", got, err)
	}

	// A row without a name.
	_, c = wrapped(t, opts, func(w http.ResponseWriter, r *http.Request, sim http.Handler) {
		if r.URL.Path == "/domain/" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"status":"success","code":200,"response":[{"id":"1","name":"d001","tld":"nl"},{"id":"2","tld":"nl"}]}`)
			return
		}
		sim.ServeHTTP(w, r)
	})
	got, err = c.DomainsUsingContact(ctx, "1001")
	if got != nil || registrar.KindOf(err) != registrar.KindInvalidReply || !strings.Contains(err.Error(), "contact 1001") || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("row without a name: %v, %v", got, err)
	}

	// Account-level: maintenance stops the run.
	sim, c2, _ := setup(t, opts)
	if err := c2.Login(ctx); err != nil {
		t.Fatal(err)
	}
	sim.SetFaults(odrsim.Faults{Maintenance: true})
	got, err = c2.DomainsUsingContact(ctx, "1001")
	if got != nil || registrar.KindOf(err) != registrar.KindMaintenance || !registrar.IsAccountLevel(err) {
		t.Errorf("maintenance: %v, %v", got, err)
	}
}
