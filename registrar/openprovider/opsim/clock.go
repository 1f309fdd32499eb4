package opsim

import (
	"time"

	"github.com/domainsync/domainsync/registrar/simhttp"
)

// Clock is a settable clock for Options.Now (token expiry, the rate
// window) that a client under test can share (simhttp.Clock).
type Clock = simhttp.Clock

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return simhttp.NewClock(t) }
