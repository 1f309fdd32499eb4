package cmd

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progressMin is the batch size from which a manual run on a terminal
// shows a progress bar (--all always does).
const progressMin = 100

// isTerminal reports whether w is a terminal (never for cron, pipes or files).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressBar draws "label [=====>     ] done/total pct%" on one line of w,
// redrawn in place with \r, at most every interval (and always at the end).
type progressBar struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	width    int
	interval time.Duration
	now      func() time.Time
	last     time.Time
	drawn    bool
}

// newProgress returns the callback for sync.Options.Progress, or nil when
// no bar should be shown: w is not a terminal, or the run is neither --all
// nor large (the total is only known at the first call, so small runs are
// skipped there).
func newProgress(w io.Writer, label string, all bool) func(done, total int) {
	if !isTerminal(w) {
		return nil
	}
	return progressFunc(&progressBar{w: w, label: label, width: 30, interval: 100 * time.Millisecond, now: time.Now}, all)
}

func progressFunc(p *progressBar, all bool) func(done, total int) {
	return func(done, total int) {
		if !all && total < progressMin {
			return
		}
		p.update(done, total)
	}
}

func (p *progressBar) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if total <= 0 {
		return
	}
	done = max(0, min(done, total))
	t := p.now()
	final := done == total
	if p.drawn && !final && t.Sub(p.last) < p.interval {
		return
	}
	p.last, p.drawn = t, true
	fmt.Fprint(p.w, "\r"+renderBar(p.label, done, total, p.width))
	if final {
		fmt.Fprint(p.w, "\n")
	}
}

// renderBar is one frame of the bar (without \r).
func renderBar(label string, done, total, width int) string {
	if total <= 0 || width < 1 {
		return label
	}
	done = max(0, min(done, total))
	filled := done * width / total
	bar := strings.Repeat("=", filled)
	if filled < width {
		bar += ">" + strings.Repeat(" ", width-filled-1)
	}
	return fmt.Sprintf("%s [%s] %d/%d %3d%%", label, bar, done, total, done*100/total)
}
