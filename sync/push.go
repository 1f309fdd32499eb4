package sync

import (
	"context"
	"fmt"
	stdsync "sync"

	"golang.org/x/sync/errgroup"

	"github.com/domainsync/domainsync/registrar"
)

// The push stage: the registrar writes (auto-renew, privacy) of the plans.
// It runs beside the apply stage: a domain's writes start as soon as its
// WHMCS transaction commits (or its rows are found unchanged), while the
// next domains are written. apply queues a plan's index (pusher.push) and,
// when done, collects the outcome (pusher.finish).

// pushResult is the push stage's outcome.
type pushResult struct {
	// Pushed, per plan and per push, says which writes succeeded (nil: the
	// plan was not queued); Errors, per plan, the writes refused.
	Pushed [][]bool
	Errors [][]string
	// Count is the number of writes that succeeded.
	Count int
	// NotStarted counts the writes not started because the Deadline had
	// passed: the registrar still differs, so the next run that selects
	// the domain plans them again.
	NotStarted int
	// AccountErr is the first account-level failure; it stopped the
	// writes not yet started.
	AccountErr error
}

// pusher sends the registrar writes of the queued plans, at most
// o.PushConcurrency at a time (0 = 4). The first account-level failure
// stops them, and so do the first database error or lost run lock (the
// error finish returns) and finish(halt=true) (the WHMCS writes stopped
// with an error). Writes in flight finish.
type pusher struct {
	queue chan int
	done  chan error

	mu     stdsync.Mutex // guards halted and out
	halted bool
	out    pushResult
}

// startPushes starts the push stage for plans; every index is queued at
// most once.
func startPushes(ctx context.Context, o Options, plans []DomainPlan) *pusher {
	p := &pusher{
		queue: make(chan int, len(plans)),
		done:  make(chan error, 1),
		out:   pushResult{Pushed: make([][]bool, len(plans)), Errors: make([][]string, len(plans))},
	}
	go func() { p.done <- p.run(ctx, o, plans) }()
	return p
}

// push queues the writes of plan i.
func (p *pusher) push(i int) { p.queue <- i }

// finish waits for the writes queued so far and returns the outcome;
// halt: the run stops with an error, and writes not yet started are not
// started.
func (p *pusher) finish(halt bool) (pushResult, error) {
	if halt {
		p.mu.Lock()
		p.halted = true
		p.mu.Unlock()
	}
	close(p.queue)
	err := <-p.done
	return p.out, err
}

func (p *pusher) run(ctx context.Context, o Options, plans []DomainPlan) error {
	limit := o.PushConcurrency
	if limit <= 0 {
		limit = 4
	}
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(limit)
	for i := range p.queue {
		pl := plans[i]
		p.mu.Lock()
		p.out.Pushed[i] = make([]bool, len(pl.Pushes))
		p.mu.Unlock()
		for j, push := range pl.Pushes {
			eg.Go(func() error { return p.send(ctx, gctx, o, pl, i, j, push) })
		}
	}
	return eg.Wait()
}

// send makes one registrar write (push j of plan i), unless the writes
// have stopped or the Deadline has passed. ctx is the run's, gctx the
// writes' (ended by the first error).
func (p *pusher) send(ctx, gctx context.Context, o Options, pl DomainPlan, i, j int, push Push) error {
	p.mu.Lock()
	stop := p.out.AccountErr != nil || p.halted
	p.mu.Unlock()
	if stop || gctx.Err() != nil {
		return nil
	}
	if o.pastDeadline() {
		// Not started: the registrar still differs, so the next run that
		// selects the domain plans this write again.
		p.mu.Lock()
		p.out.NotStarted++
		p.mu.Unlock()
		return nil
	}
	// The run lock is checked before each registrar write too: a run that
	// lost it stops writing anywhere.
	if err := o.checkLock(gctx, "writing "+pl.UnicodeName+" at the registrar"); err != nil {
		return err
	}
	// The activity-log row goes in before the registrar write, so that a
	// crash between the two cannot lose it; a refused write takes it back,
	// and a rerun after a crash reuses it.
	logID, lerr := o.DB.LogPushIntent(ctx, pl.Domain.UserID, push.LogLine(pl.UnicodeName), pl.Domain.LastSync)
	if lerr != nil {
		return lerr
	}
	var err error
	switch push.Kind {
	case PushAutoRenew:
		err = o.Registrar.SetAutoRenew(gctx, *pl.Record, push.Renew)
	case PushPrivacy:
		err = o.Registrar.SetPrivacy(gctx, *pl.Record, push.Enabled)
	}
	if err != nil && registrar.KindOf(err) != registrar.KindUnavailable {
		// A definite refusal: the write did not happen. (After a transport
		// failure it may have: the row stays, and a rerun that has to send
		// it again reuses it.)
		if derr := o.DB.DeleteActivity(ctx, logID); derr != nil {
			return derr
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if registrar.IsAccountLevel(err) {
			if p.out.AccountErr == nil {
				p.out.AccountErr = err
			}
			return nil
		}
		p.out.Errors[i] = append(p.out.Errors[i], fmt.Sprintf("%s not changed at the registrar: %v", push.Kind, err))
		return nil
	}
	p.out.Pushed[i][j] = true
	p.out.Count++
	return nil
}
