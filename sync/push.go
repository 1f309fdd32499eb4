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
	// Unsettled, per plan, is set when one of its writes neither
	// succeeded nor was refused for good: it failed without an answer
	// (registrar.NotRead, the identical-request cap included), or was not sent
	// (the writes stopped, the Deadline). Such a domain stays due: its
	// last_sync is not recorded.
	Unsettled []bool
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
	// ids, per plan and push, are the planned journal rows written with
	// the domain's WHMCS change (set before the plan is queued).
	ids [][]int64
}

// startPushes starts the push stage for plans; every index is queued at
// most once.
func startPushes(ctx context.Context, o Options, plans []DomainPlan) *pusher {
	p := &pusher{
		queue: make(chan int, len(plans)),
		done:  make(chan error, 1),
		out: pushResult{Pushed: make([][]bool, len(plans)), Errors: make([][]string, len(plans)),
			Unsettled: make([]bool, len(plans))},
		ids: make([][]int64, len(plans)),
	}
	go func() { p.done <- p.run(ctx, o, plans) }()
	return p
}

// push queues the writes of plan i.
func (p *pusher) push(i int) { p.queue <- i }

// pushJournalled queues the writes of plan i whose planned journal rows
// (ids, one per push) were written with its WHMCS change.
func (p *pusher) pushJournalled(i int, ids []int64) {
	p.ids[i] = ids
	p.queue <- i
}

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

// pushValue is the value a push sends.
func pushValue(p Push) bool {
	if p.Kind == PushPrivacy {
		return p.Enabled
	}
	return p.Renew
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
	if stop || gctx.Err() != nil {
		p.out.Unsettled[i] = true
	}
	p.mu.Unlock()
	if stop || gctx.Err() != nil {
		return nil
	}
	if o.pastDeadline() {
		// Not started: the registrar still differs, so the next run plans
		// this write again (the domain stays due).
		p.mu.Lock()
		p.out.NotStarted++
		p.out.Unsettled[i] = true
		p.mu.Unlock()
		return nil
	}
	// The run lock is checked before each registrar write too: a run that
	// lost it stops writing anywhere.
	if err := o.checkLock(gctx, "writing "+pl.UnicodeName+" at the registrar"); err != nil {
		p.mu.Lock()
		p.out.Unsettled[i] = true
		p.mu.Unlock()
		return err
	}
	// The write is journalled planned before it is sent (with the
	// domain's WHMCS change, or here); its activity row is written only
	// once the registrar accepted it, in one transaction with the journal
	// row moving to sent. A run that stops between the two leaves it
	// planned: the next run finishes it (recover.go).
	var jid int64
	if o.runID > 0 {
		if j < len(p.ids[i]) {
			jid = p.ids[i][j]
		}
		if jid == 0 {
			var jerr error
			if jid, jerr = o.DB.JournalPlanned(ctx, pl.JournalPush(o.runID, push)); jerr != nil {
				return jerr
			}
		}
	}
	err := sendPush(gctx, o.Registrar, *pl.Record, push.Kind, pushValue(push), push.New)
	switch {
	case err == nil && jid > 0:
		if _, jerr := o.DB.PushAccepted(ctx, jid, pl.Domain.UserID, push.LogLine(pl.UnicodeName), 0); jerr != nil {
			return jerr
		}
	case err == nil:
		if lerr := o.DB.LogActivity(ctx, pl.Domain.UserID, push.LogLine(pl.UnicodeName)); lerr != nil {
			return lerr
		}
	case jid > 0 && !registrar.IsAccountLevel(err) && registrar.KindOf(err) != registrar.KindUnavailable:
		// A definite refusal. (After a transport failure the write may have
		// happened, and an account failure stops the run before it: both
		// stay planned for the next run.)
		if jerr := o.DB.PushFailed(ctx, jid, 0); jerr != nil {
			return jerr
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil && (registrar.IsAccountLevel(err) || registrar.NotRead(err)) {
		// No answer about this write (or the writes stopped): the domain
		// stays due, and the next run sends it again.
		p.out.Unsettled[i] = true
	}
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
