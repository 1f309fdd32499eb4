package simhttp

import (
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
)

// StartTLSTB serves h over TLS for a test, with a certificate no system
// trusts (httptest's), and stops it when the test ends. Refused handshakes
// are expected and not logged. It returns the base URL and that
// certificate as a PEM CA file.
func StartTLSTB(tb TB, h http.Handler) (baseURL, caFile string) {
	tb.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	tb.Cleanup(srv.Close)
	return srv.URL, WriteCA(tb, srv)
}

// WriteCA writes the certificate of a TLS test server as a PEM CA file in
// the test's temporary directory and returns its path.
func WriteCA(tb TB, srv *httptest.Server) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "ca.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(p, data, 0o600); err != nil {
		tb.Fatalf("write CA file: %v", err)
	}
	return p
}
