package openprovider

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/registrar/simhttp"
)

// The simulator behind a self-signed certificate: refused without CAFile
// (nothing reaches it, the error says what to do), accepted with it.
func TestTLSSimulatorNeedsCAFile(t *testing.T) {
	sim := opsim.New(opsim.Options{Domains: opsim.Generate(3, 1)})
	srvURL, ca := simhttp.StartTLSTB(t, sim)
	name := sim.Domains()[0].FullName()

	c := newClient(t, sim, srvURL)
	err := c.Login(context.Background())
	host := strings.TrimPrefix(srvURL, "https://")
	for _, want := range []string{"openprovider", host, "certificate signed by unknown authority", "registrars.openprovider.ca_file"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("without ca_file: err = %v, want it to name %q", err, want)
		}
	}
	if _, err2 := c.Lookup(context.Background(), []string{name}); err2 == nil {
		t.Error("a lookup after the refused certificate succeeded")
	}
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("the simulator received %d requests", n)
	}

	c = newClient(t, sim, srvURL, func(cfg *Config) { cfg.CAFile = ca })
	res, err := c.Lookup(context.Background(), []string{name})
	if err != nil || !res[name].Found {
		t.Fatalf("with ca_file: %v %+v", err, res[name])
	}
}

// A reply that redirects to another host is not followed: neither the
// login (with the password) nor an authenticated call (with the token)
// reaches it.
func TestRedirectToOtherHostSendsNoCredentials(t *testing.T) {
	sim := opsim.New(opsim.Options{Domains: opsim.Generate(3, 1)})
	var mu sync.Mutex
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		leaked = append(leaked, r.Method+" "+r.URL.Path+" Authorization="+r.Header.Get("Authorization")+" "+string(body))
		mu.Unlock()
	}))
	t.Cleanup(other.Close)
	name := sim.Domains()[0].FullName()

	for _, loginToo := range []bool{true, false} {
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !loginToo && r.URL.Path == "/v1beta/auth/login" {
				sim.ServeHTTP(w, r)
				return
			}
			http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		}))
		t.Cleanup(front.Close)
		c := newClient(t, sim, front.URL)
		res, err := c.Lookup(context.Background(), []string{name})
		if err == nil {
			err = res[name].Err
		}
		if err == nil || !strings.Contains(err.Error(), "not followed") {
			t.Errorf("login redirected %v: err = %v", loginToo, err)
		}
		if err != nil && strings.Contains(err.Error(), sim.Password()) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) != 0 {
		t.Errorf("the other host received %q", leaked)
	}
	if sim.Count(http.MethodPost, "/v1beta/auth/login") != 1 {
		t.Errorf("logins at the real host: %d", sim.Count(http.MethodPost, "/v1beta/auth/login"))
	}
}
