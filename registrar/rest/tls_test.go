package rest

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/simhttp"
)

// recorder is a test server that records what reached it.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []string // "METHOD path Authorization=… body"
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reqs...)
}

func startRecorder(t *testing.T, useTLS bool, h http.HandlerFunc) *recorder {
	t.Helper()
	r := &recorder{}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, req.Method+" "+req.URL.Path+" Authorization="+req.Header.Get("Authorization")+" "+string(body))
		r.mu.Unlock()
		if h != nil {
			h(w, req)
		}
	}))
	r.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	if useTLS {
		r.StartTLS()
	} else {
		r.Start()
	}
	t.Cleanup(r.Close)
	return r
}

func secureTransport(t *testing.T, base string, c *http.Client) *Transport {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return New(Config{Registrar: "test", Base: u, HTTP: c,
		Concurrency: 1, Timeout: 10 * time.Second, Backoff: time.Millisecond, UserAgent: "ua", MaxBody: 1000})
}

func ok(*Reply) (error, Outcome) { return nil, Final }

// A self-signed certificate is refused without ca_file (nothing reaches the
// handler, no retry, the run is stopped) and accepted with it; a
// certificate for another host is refused even with the right CA.
func TestTLSVerification(t *testing.T) {
	srv := startRecorder(t, true, nil)
	host := strings.TrimPrefix(srv.URL, "https://")

	c, err := NewHTTPClient("test", 1, "")
	if err != nil {
		t.Fatal(err)
	}
	tr := secureTransport(t, srv.URL, c)
	err = tr.Send(context.Background(), Request{Method: "POST", Path: "/login", Body: []byte(`{"password":"pw"}`)}, ok)
	for _, want := range []string{"test:", host, "certificate signed by unknown authority", "registrars.test.ca_file"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("without ca_file: err = %v, want it to name %q", err, want)
		}
	}
	if registrar.KindOf(err) != registrar.KindUnavailable || tr.Stats().Requests != 1 || len(srv.got()) != 0 {
		t.Errorf("kind %v, stats %+v, server got %q", registrar.KindOf(err), tr.Stats(), srv.got())
	}
	if err2 := tr.Send(context.Background(), Request{Method: "GET", Path: "/next"}, ok); err2 != err || tr.Stats().Requests != 1 {
		t.Errorf("after a refused certificate: %v, stats %+v", err2, tr.Stats())
	}

	ca := simhttp.WriteCA(t, srv.Server)
	c, err = NewHTTPClient("test", 1, ca)
	if err != nil {
		t.Fatal(err)
	}
	if err := secureTransport(t, srv.URL, c).Send(context.Background(), Request{Method: "GET", Path: "/ok"}, ok); err != nil {
		t.Errorf("with ca_file: %v", err)
	}
	if got := srv.got(); len(got) != 1 {
		t.Errorf("with ca_file the server got %q", got)
	}

	// The test certificate is for 127.0.0.1 and example.com, not localhost.
	wrong := "https://localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	err = secureTransport(t, wrong, c).Send(context.Background(), Request{Method: "GET", Path: "/wrong"}, ok)
	for _, want := range []string{"localhost", "not localhost", "registrars.test.url"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("wrong host: err = %v, want it to name %q", err, want)
		}
	}

	for _, bad := range []struct{ file, want string }{
		{filepath.Join(t.TempDir(), "none.pem"), "test: ca file"},
		{writeFile(t, "not a certificate"), "holds no PEM certificate"},
	} {
		if _, err := NewHTTPClient("test", 1, bad.file); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ca file %s: err = %v, want %q", bad.file, err, bad.want)
		}
	}
}

func writeFile(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A redirect to another host or port, or from https to http, is not
// followed: the other server receives nothing (no Authorization header, no
// body with the password). A redirect on the same host is followed.
func TestRedirects(t *testing.T) {
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		other := startRecorder(t, false, nil)
		otherTLS := startRecorder(t, true, nil)
		var target string
		srv := startRecorder(t, true, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/same" {
				http.Redirect(w, r, "/landed", status)
				return
			}
			if r.URL.Path != "/landed" {
				http.Redirect(w, r, target, status)
			}
		})
		c, err := NewHTTPClient("test", 1, simhttp.WriteCA(t, srv.Server))
		if err != nil {
			t.Fatal(err)
		}
		// otherTLS shares the httptest certificate, so only the host check stops it.
		c.Transport.(*http.Transport).TLSClientConfig.RootCAs.AddCert(otherTLS.Certificate())
		p := port(mustURL(t, srv.URL))
		for _, to := range []string{otherTLS.URL + "/x", other.URL + "/x", "http://127.0.0.1:" + p + "/x", "https://localhost:" + p + "/x"} {
			target = to
			tr := secureTransport(t, srv.URL, c)
			req := Request{Method: "POST", Path: "/login", Body: []byte(`{"username":"u","password":"secret-pw"}`),
				Header: http.Header{"Authorization": {"Bearer secret-token"}}}
			err := tr.Send(context.Background(), req, ok)
			if err == nil || !strings.Contains(err.Error(), "not followed") || tr.Stats().Requests != 1 {
				t.Errorf("%d to %s: err = %v, stats %+v", status, to, err, tr.Stats())
			}
			t.Logf("%d to %s: %v", status, to, err)
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("the error shows a secret: %v", err)
			}
		}
		for _, r := range []*recorder{other, otherTLS} {
			if got := r.got(); len(got) != 0 {
				t.Errorf("%d: the other host received %q", status, got)
			}
		}
		tr := secureTransport(t, srv.URL, c)
		if err := tr.Send(context.Background(), Request{Method: "GET", Path: "/same"}, ok); err != nil {
			t.Errorf("%d: same-host redirect: %v", status, err)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// An injected client gets the same redirect guard.
func TestRedirectGuardOnInjectedClient(t *testing.T) {
	other := startRecorder(t, false, nil)
	srv := startRecorder(t, false, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/x", http.StatusTemporaryRedirect)
	})
	tr := secureTransport(t, srv.URL, http.DefaultClient)
	err := tr.Send(context.Background(), Request{Method: "POST", Path: "/a", Body: []byte("pw")}, ok)
	if err == nil || !strings.Contains(err.Error(), "another host") || len(other.got()) != 0 {
		t.Errorf("err = %v, other got %q", err, other.got())
	}
	if http.DefaultClient.CheckRedirect != nil {
		t.Error("the injected client was modified")
	}
}
