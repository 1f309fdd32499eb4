package simhttp

import "time"

// RateWindow is the rate limit of a simulated API gateway: at most limit
// requests let through in any one second (a sliding window). It is not
// safe for concurrent use: the simulator calls it under its own lock.
type RateWindow struct {
	served []time.Time // when the requests of the last second were let through
}

// Admit lets a request arriving at now through when fewer than limit
// requests were let through in the second before it (always when limit
// <= 0). Otherwise ok is false and retryAfter is the whole seconds until
// a slot frees (at least 1), for the reply's Retry-After header.
func (w *RateWindow) Admit(now time.Time, limit int) (retryAfter int, ok bool) {
	if limit <= 0 {
		return 0, true
	}
	i := 0
	for i < len(w.served) && !w.served[i].After(now.Add(-time.Second)) {
		i++
	}
	w.served = w.served[i:]
	if len(w.served) < limit {
		w.served = append(w.served, now)
		return 0, true
	}
	// A slot frees when the oldest request of the window is a second old.
	wait := w.served[0].Add(time.Second).Sub(now)
	return max(1, int((wait+time.Second-1)/time.Second)), false
}
