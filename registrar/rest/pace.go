package rest

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Clock is the time source of a Transport: the pacer, the Retry-After gate
// and the retry backoff read and wait on it. Tests pass a fake one.
type Clock interface {
	Now() time.Time
	// SleepUntil waits until t (returning at once when t has passed) or
	// until ctx ends.
	SleepUntil(ctx context.Context, t time.Time) error
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// SleepUntil waits until t or until ctx ends.
func (SystemClock) SleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// Adaptive pacing (see Pacer).
const (
	// StartShare is the share of the ceiling a run starts at.
	StartShare = 1.0 / 3
	// MinRate is the lowest rate the pacer backs off to (requests/s).
	MinRate = 0.5
	// Backoff multiplies the rate on a throttling signal.
	BackoffFactor = 0.75
	// ProbeStep is how much the rate grows per second of successful
	// replies after the first throttling signal (requests/s per second).
	ProbeStep = 0.5
	// NearStep is how much it grows near the rate the last throttling
	// signal came at (within NearBand of it): each signal costs a
	// Retry-After of sending nothing, so the rate closes in on where the
	// registrar refused slowly, and a run settles under it for longer
	// between signals (a 10-a-second server: a signal every 6-7 s at
	// ProbeStep throughout, about 7 requests a second on average).
	NearStep = ProbeStep / 5
	// NearBand is the share of the last throttled rate below and above
	// which the rate grows by ProbeStep again.
	NearBand = 0.1
	// MaxRetryAfter is the longest Retry-After a run waits for; a longer
	// one stops the run (a cron run should not sleep for minutes).
	MaxRetryAfter = 2 * time.Minute
)

// Pacer is the adaptive request rate of one registrar for one run. It
// starts at StartShare of the ceiling with a burst of up to the
// concurrency; in the first second after its first send (unless a burst
// is configured) it may also spend one second's ceiling at once
// (FirstSecond), and raises the rate by one request/s per successful reply
// (doubling about every second) up to the ceiling. A throttling signal
// (HTTP 429 or 503) multiplies the rate by BackoffFactor, drops the burst
// to 1 and holds every send until the reply's Retry-After has passed; from
// then on the rate grows by ProbeStep a second while replies succeed, and
// by NearStep within NearBand of the rate the signal came at, so it
// settles just under what the registrar allows. Several throttled replies
// to requests sent before the last backoff count as one signal. A ceiling
// of +Inf (rate_limit < 0) is not paced; Retry-After is still honoured.
type Pacer struct {
	clock Clock

	mu        sync.Mutex
	lim       *rate.Limiter
	ceiling   float64
	cur       float64
	probing   bool      // a throttling signal was seen: grow by ProbeStep
	refused   float64   // the rate the last throttling signal came at
	hold      time.Time // no send before this
	lastCut   time.Time // when the rate was last cut
	throttles int64
	burst     int       // the burst after the first second
	firstEnd  time.Time // the end of the first second (zero: before the first send)
}

// FirstSecond is how long after its first send a pacer's burst is one
// second's ceiling (30 for Openprovider) instead of the concurrency: a
// short run's requests (a batch of 200 names from 10,000: its login, 10
// listing pages, 4 searches and 10 writes, 25 in about 0.3 s) go as fast
// as replies come instead of waiting for the starting rate to grow, while
// a long run settles as before: the first throttling signal drops the
// burst to 1.
const FirstSecond = time.Second

// NewPacer builds a pacer under ceiling requests a second (+Inf: no
// pacing) with a starting burst of at most burst (0: conc).
func NewPacer(ceiling float64, burst, conc int, clock Clock) *Pacer {
	if clock == nil {
		clock = SystemClock{}
	}
	p := &Pacer{clock: clock, ceiling: ceiling}
	if math.IsInf(ceiling, 1) || ceiling <= 0 {
		p.ceiling = math.Inf(1)
		p.cur = math.Inf(1)
		p.lim = rate.NewLimiter(rate.Inf, 1)
		return p
	}
	p.cur = max(MinRate, min(ceiling, ceiling*StartShare))
	configured := burst > 0
	if burst <= 0 {
		burst = conc
	}
	burst = max(1, min(burst, int(math.Ceil(p.cur))))
	p.burst = burst
	first := burst
	if !configured {
		first = max(burst, int(ceiling)) // one second's ceiling
	}
	p.lim = rate.NewLimiter(rate.Limit(p.cur), first)
	return p
}

// Rate is the current rate (requests/s; +Inf when not paced).
func (p *Pacer) Rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cur
}

// Ceiling is the configured ceiling (+Inf when not paced).
func (p *Pacer) Ceiling() float64 { return p.ceiling }

// Burst is the limiter's current burst.
func (p *Pacer) Burst() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lim.Burst()
}

// Wait blocks until a request may be sent: after any Retry-After hold and
// when the rate allows. It returns the moment it let the request go.
func (p *Pacer) Wait(ctx context.Context) (time.Time, error) {
	for {
		now := p.clock.Now()
		p.mu.Lock()
		hold := p.hold
		p.mu.Unlock()
		if now.Before(hold) {
			if err := p.clock.SleepUntil(ctx, hold); err != nil {
				return time.Time{}, err
			}
			continue
		}
		p.mu.Lock()
		p.endFirstSecond(now)
		r := p.lim.ReserveN(now, 1)
		p.mu.Unlock()
		if !r.OK() {
			return time.Time{}, context.Canceled // (burst >= 1: cannot happen)
		}
		if d := r.DelayFrom(now); d > 0 {
			if err := p.clock.SleepUntil(ctx, now.Add(d)); err != nil {
				r.CancelAt(p.clock.Now())
				return time.Time{}, err
			}
		}
		// A throttling signal may have come while this one waited.
		now = p.clock.Now()
		p.mu.Lock()
		held := now.Before(p.hold)
		p.mu.Unlock()
		if !held {
			return now, nil
		}
	}
}

// endFirstSecond starts the first second at the first send and, once it
// has passed, brings the burst down to the concurrency (p.mu held).
func (p *Pacer) endFirstSecond(now time.Time) {
	if p.firstEnd.IsZero() {
		p.firstEnd = now.Add(FirstSecond)
		return
	}
	if !now.Before(p.firstEnd) && p.lim.Burst() > p.burst {
		p.lim.SetBurstAt(now, p.burst)
	}
}

// Clear reports whether a request may go now (no Retry-After hold). Wait
// already checks this before it returns.
func (p *Pacer) Clear() bool {
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	return !now.Before(p.hold)
}

// Success records a reply that was not a throttling signal.
func (p *Pacer) Success() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if math.IsInf(p.cur, 1) || p.cur >= p.ceiling {
		return
	}
	if p.probing {
		step := ProbeStep
		if math.Abs(p.cur-p.refused) <= NearBand*p.refused {
			step = NearStep
		}
		p.cur += step / p.cur
	} else {
		p.cur++
	}
	p.cur = min(p.cur, p.ceiling)
	p.lim.SetLimitAt(p.clock.Now(), rate.Limit(p.cur))
}

// Throttled records a throttling signal for a request let go at sent:
// nothing is sent before now+wait, and the rate is cut unless it already
// was after that request went.
func (p *Pacer) Throttled(sent time.Time, wait time.Duration) {
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.throttles++
	if until := now.Add(wait); until.After(p.hold) {
		p.hold = until
	}
	if math.IsInf(p.ceiling, 1) || sent.Before(p.lastCut) {
		return
	}
	p.lastCut = now
	p.probing = true
	p.refused = p.cur
	p.cur = max(MinRate, p.cur*BackoffFactor)
	p.lim.SetLimitAt(now, rate.Limit(p.cur))
	p.lim.SetBurstAt(now, 1)
}

// Hold is the moment before which nothing is sent (zero: none yet).
func (p *Pacer) Hold() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hold
}
