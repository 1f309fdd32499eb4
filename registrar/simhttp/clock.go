package simhttp

import (
	"context"
	"sync"
	"time"
)

// Clock is a settable clock shared by a simulator (its Now option) and a
// client under test (rest.Clock): SleepUntil does not wait but moves the
// clock forward to the moment the sleep would end (unless it is already
// past it), so a test of pacing and Retry-After runs at once and reads the
// moment of every request from the simulator's log.
type Clock struct {
	mu     sync.Mutex
	t      time.Time
	slept  time.Duration
	sleeps int
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// SleepUntil moves the clock to t (when that is later than the clock)
// and returns; it fails only when ctx has ended.
func (c *Clock) SleepUntil(ctx context.Context, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.sleeps++
		c.slept += t.Sub(c.t)
		c.t = t
	}
	return nil
}

// Slept returns how many sleeps moved the clock and by how much in all.
func (c *Clock) Slept() (int, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sleeps, c.slept
}
