package simhttp

import "sync"

// FailTimes returns a fault hook for a simulator's Faults.Fail: it answers
// the first n requests that match with HTTP status and error code code,
// and lets every other request through. Safe for concurrent use.
func FailTimes(n, status, code int, match func(method, path, query string) bool) func(method, path, query string) (int, int) {
	var mu sync.Mutex
	return func(method, path, query string) (int, int) {
		mu.Lock()
		defer mu.Unlock()
		if n > 0 && match(method, path, query) {
			n--
			return status, code
		}
		return 0, 0
	}
}
