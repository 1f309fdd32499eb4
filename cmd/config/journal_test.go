package config

import (
	"testing"
	"time"
)

// journal.keep: days, default 90, 0 keeps every run (negative JournalKeep).
func TestJournalKeep(t *testing.T) {
	if d := defaultDocument().Journal.Keep; d != 90 {
		t.Errorf("default journal.keep %d, want 90", d)
	}
	for _, tc := range []struct {
		keep int
		want time.Duration
	}{{90, 90 * 24 * time.Hour}, {1, 24 * time.Hour}, {0, -1}} {
		if got := (JournalConfig{Keep: tc.keep}).KeepDuration(); got != tc.want {
			t.Errorf("keep %d: %v, want %v", tc.keep, got, tc.want)
		}
	}
}
