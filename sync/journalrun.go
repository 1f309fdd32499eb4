package sync

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/domainsync/domainsync/report"
	"github.com/domainsync/domainsync/whmcsdb"
)

// DefaultJournalKeep is journal.keep's default: 90 days.
const DefaultJournalKeep = 90 * 24 * time.Hour

// journalPruneChunk is how many journal rows one pruning DELETE removes.
const journalPruneChunk = 500

// Run processes one batch for one registrar (runStages). The returned
// error means the run could not complete (database failure, lost run
// lock, cancelled context); registrar account failures are in
// Result.AccountErr with the report still built. Per-domain problems are
// report rows.
//
// A real run (not a dry run) is journalled (issue 17): its run row (with
// its exit status and totals at the end), each WHMCS change's rows in the
// change's transaction, each registrar write planned before it is sent and
// sent or failed after the reply (its activity row only once the registrar
// accepted it). First it finishes the registrar writes earlier runs of the
// registrar left planned (finishStage); at its end it prunes the runs
// older than JournalKeep.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.DryRun || o.DB == nil {
		return runStages(ctx, o)
	}
	if err := o.DB.EnsureJournal(ctx); err != nil {
		return nil, err
	}
	id, err := o.DB.StartRun(ctx, whmcsdb.JournalRun{Registrar: o.Registrar.Name(), Command: o.Command})
	if err != nil {
		return nil, err
	}
	o.runID = id
	res, runErr := runStages(ctx, o)
	if res != nil {
		res.RunID = id
	}
	jr := whmcsdb.JournalRun{ID: id}
	code := 0
	switch {
	case runErr != nil:
		code, jr.Note = 1, "error: "+runErr.Error()
	case res.Held:
		code, jr.Note = 1, heldNotice(res.Report)
	case res.AccountErr != nil:
		code, jr.Note = 1, "error: "+res.AccountErr.Error()
	case res.TimedOut:
		jr.Note = fmt.Sprintf("timeout: stopped at the --timeout deadline, %d not started", res.NotStarted)
	}
	jr.ExitCode = &code
	if res != nil {
		t := res.Report.Totals
		jr.Selected, jr.Changed, jr.Failed, jr.Skipped = t.Selected, t.Changed, t.Failed, t.Skipped
	}
	bg := context.WithoutCancel(ctx)
	if err := o.DB.FinishRun(bg, jr); err != nil && runErr == nil {
		runErr = err
	}
	if keep := o.JournalKeep; keep >= 0 && runErr == nil {
		if keep == 0 {
			keep = DefaultJournalKeep
		}
		if n, r, err := o.DB.PruneJournal(bg, time.Now().Add(-keep), journalPruneChunk); err != nil {
			o.logger().Warn("could not prune the run journal", "err", err)
		} else if n+r > 0 {
			o.logger().Debug("pruned the run journal", "changes", n, "runs", r, "keep", keep)
		}
	}
	return res, runErr
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// heldNotice is the guard's reason for a held batch, as the report's
// notice has it ("held: suspicious mass change: ...").
func heldNotice(r *report.Report) string {
	if r != nil {
		for _, n := range r.Notices {
			if strings.HasPrefix(n, "held:") {
				return n
			}
		}
	}
	return "held: suspicious mass change"
}

// finishStage finishes the registrar writes earlier runs left planned
// (finishPlanned) and says so in the report.
func finishStage(ctx context.Context, o Options, res *Result) error {
	fw, err := finishPlanned(ctx, o, o.runID, res.Report)
	if err != nil {
		return err
	}
	res.Finished = fw
	if fw.Found > 0 {
		msg := fmt.Sprintf("%d registrar writes left planned by earlier runs (stopped before the reply): %d already held by the registrar, %d sent now, %d refused",
			fw.Found, fw.Held, fw.Sent, fw.Refused)
		if fw.Superseded > 0 {
			msg += fmt.Sprintf(", %d superseded by a later write", fw.Superseded)
		}
		if fw.Left > 0 {
			msg += fmt.Sprintf(", %d left for the next run", fw.Left)
		}
		if fw.Account != nil {
			msg += " (" + fw.Account.Error() + ")"
		}
		res.Report.AddNotice(msg)
		o.Logger.Info("finished planned registrar writes", "found", fw.Found, "held", fw.Held, "sent", fw.Sent,
			"refused", fw.Refused, "superseded", fw.Superseded, "left", fw.Left)
	}
	return nil
}
