package cmd

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestRenderBar(t *testing.T) {
	tests := []struct {
		done, total, width int
		want               string
	}{
		{0, 10, 10, "x [>         ] 0/10   0%"},
		{5, 10, 10, "x [=====>    ] 5/10  50%"},
		{10, 10, 10, "x [==========] 10/10 100%"},
		{12, 10, 10, "x [==========] 10/10 100%"}, // clamped
		{-1, 10, 10, "x [>         ] 0/10   0%"},
		{1, 3, 4, "x [=>  ] 1/3  33%"},
		{1, 0, 10, "x"},
	}
	for _, tt := range tests {
		if got := renderBar("x", tt.done, tt.total, tt.width); got != tt.want {
			t.Errorf("renderBar(%d, %d, %d) = %q, want %q", tt.done, tt.total, tt.width, got, tt.want)
		}
	}
}

func TestProgressThrottleAndThreshold(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Unix(0, 0)
	p := &progressBar{w: &buf, label: "sync", width: 4, interval: time.Second, now: func() time.Time { return clock }}
	f := progressFunc(p, false)
	f(1, 10) // small manual run: nothing
	if buf.Len() != 0 {
		t.Fatalf("small run drew %q", buf.String())
	}
	f = progressFunc(p, true) // --all: always
	f(1, 10)
	f(2, 10) // within the interval: skipped
	clock = clock.Add(2 * time.Second)
	f(3, 10)
	f(10, 10) // the end is always drawn, with a newline
	want := "\rsync [>   ] 1/10  10%\rsync [=>  ] 3/10  30%\rsync [====] 10/10 100%\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
	buf.Reset()
	clock = clock.Add(2 * time.Second)
	progressFunc(p, false)(50, progressMin) // large manual run
	if buf.Len() == 0 {
		t.Error("large manual run drew nothing")
	}
}

// Cron output is never a terminal: no bar for buffers, files or pipes.
func TestNewProgressNotTerminal(t *testing.T) {
	if newProgress(&bytes.Buffer{}, "sync", true) != nil {
		t.Error("a bar for a buffer")
	}
	f, err := os.CreateTemp(t.TempDir(), "err")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if newProgress(f, "sync", true) != nil {
		t.Error("a bar for a regular file")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if newProgress(w, "sync", true) != nil || strings.Contains(f.Name(), "\r") {
		t.Error("a bar for a pipe")
	}
}
