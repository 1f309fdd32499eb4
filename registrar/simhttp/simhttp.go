// Package simhttp holds what the simulated registrar servers share: serving
// on a loopback port, stopping at test cleanup, the gateway's rate limit,
// and counting the request log.
package simhttp

import (
	"net"
	"net/http"
	"sort"
	"time"
)

// TB is the part of testing.TB that StartTB and StartTLSTB use.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
	TempDir() string
}

// Start serves h on 127.0.0.1 at a free port. It returns the base URL and
// a function that stops the server.
func Start(h http.Handler) (baseURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// StartTB starts h for a test and stops it when the test ends; a failure
// to start fails the test with name as prefix. It returns the base URL.
func StartTB(tb TB, name string, h http.Handler) string {
	tb.Helper()
	u, stop, err := Start(h)
	if err != nil {
		tb.Fatalf("%s: start: %v", name, err)
	}
	tb.Cleanup(stop)
	return u
}

// Keyed is a logged request with a key that identifies identical requests.
type Keyed interface{ Key() string }

// CountKeys counts the logged requests by key.
func CountKeys[R Keyed](reqs []R) map[string]int {
	all := map[string]int{}
	for _, r := range reqs {
		all[r.Key()]++
	}
	return all
}

// MaxIdentical returns the most repeated key and its count (the smallest
// such key on a tie; 0 when there are no requests).
func MaxIdentical[R Keyed](reqs []R) (key string, n int) {
	all := CountKeys(reqs)
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if all[k] > n {
			key, n = k, all[k]
		}
	}
	return key, n
}

// Throttled counts the logged requests answered with HTTP 429 (status
// reads a request's HTTP status) and returns how often the most throttled
// identical request was.
func Throttled[R Keyed](reqs []R, status func(R) int) (total, maxPerRequest int) {
	per := map[string]int{}
	for _, r := range reqs {
		if status(r) == http.StatusTooManyRequests {
			total++
			per[r.Key()]++
			maxPerRequest = max(maxPerRequest, per[r.Key()])
		}
	}
	return total, maxPerRequest
}
