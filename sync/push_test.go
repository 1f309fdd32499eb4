package sync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// pushPlans are n plans of one auto-renew push each (a.com, b.com, ...).
func pushPlans(n int) []DomainPlan {
	var plans []DomainPlan
	for i := range n {
		name := fmt.Sprintf("%c.com", 'a'+i)
		rec := registrar.Record{Name: name, UnicodeName: name, ID: fmt.Sprint(1000 + i)}
		plans = append(plans, DomainPlan{Domain: whmcsdb.Domain{ID: int64(i + 1), UserID: 3, Name: name}, Name: name, UnicodeName: name,
			Record: &rec, Pushes: []Push{{Kind: PushAutoRenew, Old: "off", New: "default", Renew: true}}})
	}
	return plans
}

// pushEnv is the push stage's database (the activity log) and a registrar
// whose auto-renew writes answer with result (nil: done), counted.
type pushEnv struct {
	*rtEnv
	mu    stdsync.Mutex
	sent  []string
	reply func(name string) error
}

func newPushEnv(t *testing.T, reply func(name string) error) (*pushEnv, Options) {
	e := &pushEnv{rtEnv: newRTEnv(t), reply: reply}
	o := e.options(10)
	o.Registrar = &hookReg{setAutoRenew: func(_ context.Context, rec registrar.Record, _ bool) error {
		e.mu.Lock()
		e.sent = append(e.sent, rec.Name)
		e.mu.Unlock()
		if e.reply == nil {
			return nil
		}
		return e.reply(rec.Name)
	}}
	return e, o
}

func (e *pushEnv) activity(t *testing.T) string {
	return whmcstest.Scalar(t, e.seed, "SELECT COUNT(*) FROM tblactivitylog")
}

// pushAll queues every plan and waits for the outcome.
func pushAll(ctx context.Context, o Options, plans []DomainPlan) (pushResult, error) {
	p := startPushes(ctx, o, plans)
	for i := range plans {
		p.push(i)
	}
	return p.finish(false)
}

// The push stage sends each queued plan's writes, with an activity-log row
// each; a plan not queued has no outcome.
func TestPusher(t *testing.T) {
	e, o := newPushEnv(t, nil)
	plans := pushPlans(3)
	p := startPushes(context.Background(), o, plans)
	p.push(0)
	p.push(2)
	r, err := p.finish(false)
	if err != nil {
		t.Fatal(err)
	}
	if r.Count != 2 || fmt.Sprint(r.Pushed) != "[[true] [] [true]]" || r.AccountErr != nil || r.NotStarted != 0 {
		t.Errorf("result %+v", r)
	}
	if got := e.activity(t); got != "2" {
		t.Errorf("%s activity rows; want 2", got)
	}
}

// A refused write is the domain's error row, journalled failed; after a
// transport failure the write may have happened, and its journal row stays
// planned for the next run to finish. Neither has an activity-log row: it
// is written only once the registrar accepted a write.
func TestPusherRefused(t *testing.T) {
	e, o := newPushEnv(t, func(name string) error {
		if name == "a.com" {
			return &registrar.Error{Kind: registrar.KindRefused, Registrar: "openprovider", Domain: name, Message: "not allowed"}
		}
		return &registrar.Error{Kind: registrar.KindUnavailable, Registrar: "openprovider", Message: "connection reset"}
	})
	ctx := context.Background()
	if err := o.DB.EnsureJournal(ctx); err != nil {
		t.Fatal(err)
	}
	run, err := o.DB.StartRun(ctx, whmcsdb.JournalRun{Registrar: "openprovider"})
	if err != nil {
		t.Fatal(err)
	}
	o.runID = run
	r, err := pushAll(ctx, o, pushPlans(2))
	if err != nil {
		t.Fatal(err)
	}
	if r.Count != 0 || len(r.Errors[0]) != 1 || !strings.HasPrefix(r.Errors[0][0], "auto-renew not changed at the registrar: ") || len(r.Errors[1]) != 1 {
		t.Errorf("result %+v", r)
	}
	if got := e.activity(t); got != "0" {
		t.Errorf("%s activity rows; want none", got)
	}
	if got := whmcstest.Scalar(t, e.seed, "SELECT GROUP_CONCAT(CONCAT(domain, ' ', state) ORDER BY domain) FROM "+whmcsdb.JournalChanges); got != "a.com failed,b.com planned" {
		t.Errorf("journal %q: want a.com failed, b.com planned", got)
	}
}

// The first account-level failure stops the writes not yet started.
func TestPusherAccountFailure(t *testing.T) {
	denied := &registrar.Error{Kind: registrar.KindAccessDenied, Registrar: "openprovider", Message: "blocked"}
	e, o := newPushEnv(t, func(string) error { return denied })
	o.PushConcurrency = 1
	r, err := pushAll(context.Background(), o, pushPlans(3))
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(r.AccountErr, denied) || r.Count != 0 || fmt.Sprint(e.sent) != "[a.com]" {
		t.Errorf("account error %v, count %d, sent %v; want one write sent", r.AccountErr, r.Count, e.sent)
	}
}

// Past the deadline no write is started: each counts as not started.
func TestPusherDeadline(t *testing.T) {
	e, o := newPushEnv(t, nil)
	o.Deadline = time.Now().Add(-time.Second)
	r, err := pushAll(context.Background(), o, pushPlans(2))
	if err != nil || r.NotStarted != 2 || r.Count != 0 || len(e.sent) != 0 || e.activity(t) != "0" {
		t.Errorf("error %v, not started %d, count %d, sent %v", err, r.NotStarted, r.Count, e.sent)
	}
}

// The run lock is checked before each registrar write: once lost, no
// write is sent and the stage returns the error.
func TestPusherLockLost(t *testing.T) {
	e, o := newPushEnv(t, nil)
	o.LockCheck = func(context.Context) error { return errors.New("lock lost") }
	r, err := pushAll(context.Background(), o, pushPlans(2))
	if err == nil || !strings.Contains(err.Error(), "at the registrar: lock lost") || len(e.sent) != 0 || r.Count != 0 {
		t.Errorf("error %v, sent %v, count %d", err, e.sent, r.Count)
	}
}

// finish(halt): the WHMCS writes stopped with an error; the write in
// flight finishes, the queued ones are not started.
func TestPusherHalt(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	e, o := newPushEnv(t, func(name string) error {
		if name == "a.com" {
			close(started)
			<-release
		}
		return nil
	})
	o.PushConcurrency = 1
	p := startPushes(context.Background(), o, pushPlans(2))
	p.push(0)
	p.push(1)
	<-started
	done := make(chan pushResult)
	go func() {
		r, _ := p.finish(true)
		done <- r
	}()
	for halted := false; !halted; { // (finish sets it before it waits)
		p.mu.Lock()
		halted = p.halted
		p.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	close(release)
	r := <-done
	if r.Count != 1 || fmt.Sprint(e.sent) != "[a.com]" {
		t.Errorf("count %d, sent %v; want a.com's write only", r.Count, e.sent)
	}
}
