package sync

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// applyEnv is two domains renewed by a month at the registrar, r1 also
// with auto-renew off there (pushes: one, when push), planned by the
// stages before apply.
func applyEnv(t *testing.T, push bool) (*rtEnv, Options, selection, planResult) {
	t.Helper()
	e := newRTEnv(t)
	e.add(t, 2)
	if push {
		e.op.Update(opsim.FirstGeneratedID, func(d *opsim.Domain) { d.Autorenew = "off" })
	}
	o := e.options(2)
	sel, _, p := e.upTo(t, o)
	if len(p.Plans) != 2 || p.Plans[0].Expiry == nil || p.Plans[1].Expiry == nil || (len(p.Plans[0].Pushes) == 1) != push {
		t.Fatalf("plans %v", p.Plans)
	}
	return e, o, sel, p
}

func (e *rtEnv) expiries(t *testing.T) string {
	return whmcstest.Scalar(t, e.seed, "SELECT GROUP_CONCAT(expirydate ORDER BY id) FROM tbldomains")
}

func (e *rtEnv) lastSyncs(t *testing.T) string {
	return whmcstest.Scalar(t, e.seed, "SELECT COUNT(*) FROM tblDomainSyncOpenprovider")
}

// The apply stage writes each plan (one transaction each, last_sync with
// it), sends the pushes, and reports progress after each domain.
func TestApplyBatch(t *testing.T) {
	e, o, sel, p := applyEnv(t, true)
	var progress []string
	o.Progress = func(done, total int) { progress = append(progress, fmt.Sprintf("%d/%d", done, total)) }
	a, err := applyBatch(context.Background(), o, sel.Table, p)
	if err != nil {
		t.Fatal(err)
	}
	if a.Applied != 2 || a.Pushed != 1 || a.TimedOut || a.NotStarted != 0 || a.AccountErr != nil {
		t.Errorf("applied %d, pushed %d, timed out %v, not started %d, account %v", a.Applied, a.Pushed, a.TimedOut, a.NotStarted, a.AccountErr)
	}
	if o0, o1 := a.Outcomes[0], a.Outcomes[1]; !o0.applied || !o1.applied || fmt.Sprint(o0.pushed) != "[true]" || o1.pushed != nil {
		t.Errorf("outcomes %+v", a.Outcomes)
	}
	if strings.Join(progress, " ") != "1/2 2/2" {
		t.Errorf("progress %v", progress)
	}
	if got := e.expiries(t); got != "2027-04-01,2027-04-01" {
		t.Errorf("expiry dates %s", got)
	}
	if got := e.lastSyncs(t); got != "2" {
		t.Errorf("%s last_sync rows", got)
	}
	if d, _ := e.op.Domain(opsim.FirstGeneratedID); d.Autorenew == "off" {
		t.Error("auto-renew not pushed")
	}
}

// A domain's registrar writes start as soon as its WHMCS transaction has
// committed, before the next domain is written: the apply stage waits,
// after r1, until r1's push has reached the registrar (it would wait for
// ever if the pushes were sent after the WHMCS writes).
func TestApplyBatchOverlapsPushes(t *testing.T) {
	_, o, sel, p := applyEnv(t, true)
	pushing := make(chan string, 1)
	o.Registrar = &hookReg{Registrar: o.Registrar, setAutoRenew: func(ctx context.Context, rec registrar.Record, renew bool) error {
		pushing <- rec.Name
		return nil
	}}
	o.Progress = func(done, total int) {
		if done != 1 {
			return
		}
		select {
		case name := <-pushing:
			if name != "r1.com" {
				t.Errorf("push of %s", name)
			}
		case <-time.After(time.Minute):
			t.Error("r1's push did not start while r2 was still to be written")
		}
	}
	a, err := applyBatch(context.Background(), o, sel.Table, p)
	if err != nil || a.Applied != 2 || a.Pushed != 1 {
		t.Errorf("applied %d, pushed %d, error %v", a.Applied, a.Pushed, err)
	}
}

// The domains with registrar writes are written first, so that their
// writes overlap the WHMCS writes of the others: with r2's auto-renew to
// push, r2 is written before r1 and its push reaches the registrar while
// r1 is still to be written.
func TestApplyBatchPushesFirst(t *testing.T) {
	e := newRTEnv(t)
	e.add(t, 2)
	e.op.Update(opsim.FirstGeneratedID+1, func(d *opsim.Domain) { d.Autorenew = "off" })
	o := e.options(2)
	sel, _, p := e.upTo(t, o)
	if len(p.Plans) != 2 || len(p.Plans[0].Pushes) != 0 || len(p.Plans[1].Pushes) != 1 {
		t.Fatalf("plans %v", p.Plans)
	}
	pushing := make(chan string, 1)
	o.Registrar = &hookReg{Registrar: o.Registrar, setAutoRenew: func(ctx context.Context, rec registrar.Record, renew bool) error {
		pushing <- rec.Name
		return nil
	}}
	var expiriesAtFirst string
	o.Progress = func(done, total int) {
		if done != 1 {
			return
		}
		expiriesAtFirst = e.expiries(t)
		select {
		case name := <-pushing:
			if name != "r2.com" {
				t.Errorf("push of %s", name)
			}
		case <-time.After(time.Minute):
			t.Error("r2's push did not start while r1 was still to be written")
		}
	}
	a, err := applyBatch(context.Background(), o, sel.Table, p)
	if err != nil || a.Applied != 2 || a.Pushed != 1 || !a.Outcomes[0].applied || fmt.Sprint(a.Outcomes[1].pushed) != "[true]" {
		t.Errorf("applied %d, pushed %d, outcomes %+v, error %v", a.Applied, a.Pushed, a.Outcomes, err)
	}
	if expiriesAtFirst != "2027-03-01,2027-04-01" {
		t.Errorf("after the first domain the expiry dates are %s, want r2's written first", expiriesAtFirst)
	}
	if got := e.expiries(t); got != "2027-04-01,2027-04-01" {
		t.Errorf("expiry dates %s", got)
	}
}

// The run lock is checked before the first write, before each domain's
// and before last_sync: once lost, the stage stops before that write and
// says which.
func TestApplyBatchLockLost(t *testing.T) {
	for _, c := range []struct {
		failAt   int
		want     string
		applied  int
		expiries string
	}{
		{1, "stopped before writing to WHMCS", 0, "2027-03-01,2027-03-01"},
		{3, "stopped before writing r2.com", 1, "2027-04-01,2027-03-01"},
		{4, "stopped before recording last_sync", 2, "2027-04-01,2027-04-01"},
	} {
		t.Run(c.want, func(t *testing.T) {
			e, o, sel, p := applyEnv(t, false)
			calls := 0
			o.LockCheck = func(context.Context) error {
				calls++
				if calls >= c.failAt {
					return fmt.Errorf("lock lost")
				}
				return nil
			}
			a, err := applyBatch(context.Background(), o, sel.Table, p)
			if err == nil || !strings.Contains(err.Error(), c.want) || a.Applied != c.applied {
				t.Errorf("error %v, applied %d; want %q, %d", err, a.Applied, c.want, c.applied)
			}
			if got := e.expiries(t); got != c.expiries {
				t.Errorf("expiry dates %s, want %s", got, c.expiries)
			}
		})
	}
}

// Past the deadline no domain is started: nothing written, each domain
// not started (due next run).
func TestApplyBatchDeadline(t *testing.T) {
	e, o, sel, p := applyEnv(t, true)
	o.Deadline = time.Now().Add(-time.Second)
	a, err := applyBatch(context.Background(), o, sel.Table, p)
	if err != nil {
		t.Fatal(err)
	}
	if !a.TimedOut || a.NotStarted != 2 || a.Applied != 0 || a.Pushed != 0 || !a.Outcomes[0].notStarted || !a.Outcomes[1].notStarted {
		t.Errorf("timed out %v, not started %d, applied %d, pushed %d, outcomes %+v", a.TimedOut, a.NotStarted, a.Applied, a.Pushed, a.Outcomes)
	}
	if got := e.expiries(t); got != "2027-03-01,2027-03-01" {
		t.Errorf("expiry dates %s", got)
	}
	if got := e.lastSyncs(t); got != "0" {
		t.Errorf("%s last_sync rows", got)
	}
}

// A domain edited in WHMCS after it was read is not written (its edit
// kept); its last_sync is recorded with the unchanged ones.
func TestApplyBatchConflict(t *testing.T) {
	e, o, sel, p := applyEnv(t, false)
	if _, err := e.seed.Exec("UPDATE tbldomains SET expirydate = '2027-03-05' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	a, err := applyBatch(context.Background(), o, sel.Table, p)
	if err != nil {
		t.Fatal(err)
	}
	if a.Outcomes[0].conflict == nil || a.Outcomes[0].applied || !a.Outcomes[1].applied || a.Applied != 1 {
		t.Errorf("outcomes %+v, applied %d", a.Outcomes, a.Applied)
	}
	if got := e.expiries(t); got != "2027-03-05,2027-04-01" {
		t.Errorf("expiry dates %s", got)
	}
	if got := e.lastSyncs(t); got != "2" {
		t.Errorf("%s last_sync rows", got)
	}
}
