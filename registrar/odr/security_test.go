package odr

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar/odr/odrsim"
	"github.com/domainsync/domainsync/registrar/simhttp"
)

// counting wraps the simulator, counting the requests that reach it.
type counting struct {
	sim *odrsim.Server
	n   atomic.Int64
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	c.sim.ServeHTTP(w, r)
}

func newSecureClient(t *testing.T, sim *odrsim.Server, url, caFile string) *Client {
	t.Helper()
	c, err := New(Config{URL: url, APIKey: sim.APIKey(), APISecret: sim.APISecret(), RateLimit: -1,
		RetryBackoff: time.Millisecond, CAFile: caFile})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The simulator behind a self-signed certificate: refused without CAFile
// (nothing reaches it, the error says what to do), accepted with it.
func TestTLSSimulatorNeedsCAFile(t *testing.T) {
	sim := &counting{sim: odrsim.New(odrsim.Options{Domains: domains(2)})}
	srvURL, ca := simhttp.StartTLSTB(t, sim)

	c := newSecureClient(t, sim.sim, srvURL, "")
	err := c.Login(context.Background())
	host := strings.TrimPrefix(srvURL, "https://")
	for _, want := range []string{"odr", host, "certificate signed by unknown authority", "registrars.odr.ca_file"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("without ca_file: err = %v, want it to name %q", err, want)
		}
	}
	if sim.n.Load() != 0 {
		t.Errorf("the simulator received %d requests", sim.n.Load())
	}

	c = newSecureClient(t, sim.sim, srvURL, ca)
	res, err := c.Lookup(context.Background(), []string{"d001.nl"})
	if err != nil || !res["d001.nl"].Found {
		t.Fatalf("with ca_file: %v %+v", err, res["d001.nl"])
	}
	if _, err := New(Config{APIKey: "k", APISecret: "s", CAFile: ca, HTTPClient: http.DefaultClient}); err == nil {
		t.Error("an HTTP client and a CA file together were accepted")
	}
}

// A reply that redirects to another host is not followed: neither the
// login (key and signature) nor an authenticated call (the token) reaches it.
func TestRedirectToOtherHostSendsNoCredentials(t *testing.T) {
	sim := odrsim.New(odrsim.Options{Domains: domains(2)})
	var mu sync.Mutex
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		leaked = append(leaked, r.Method+" "+r.URL.Path+" X-Access-Token="+r.Header.Get("X-Access-Token")+" "+string(body))
		mu.Unlock()
	}))
	t.Cleanup(other.Close)

	for _, loginToo := range []bool{true, false} {
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !loginToo && r.URL.Path == "/user/login/" {
				sim.ServeHTTP(w, r)
				return
			}
			http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusPermanentRedirect)
		}))
		t.Cleanup(front.Close)
		c := newSecureClient(t, sim, front.URL, "")
		res, err := c.Lookup(context.Background(), []string{"d001.nl"})
		if err == nil {
			err = res["d001.nl"].Err
		}
		if err == nil || !strings.Contains(err.Error(), "not followed") {
			t.Errorf("login redirected %v: err = %v", loginToo, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) != 0 {
		t.Errorf("the other host received %q", leaked)
	}
}
