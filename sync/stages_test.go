package sync

import (
	"context"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
)

// Helpers of the per-stage tests (select_test.go, planbatch_test.go,
// apply_test.go, push_test.go, report_test.go, and fetchBatch and
// guardBatch in fetch_test.go and guard_test.go): each stage is called on
// its own, with the values the stage before would hand it.

// stageNow is the run clock of the stage tests.
var stageNow = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// options are the Options of a run of batch size batch against e, with
// the defaults Run fills in.
func (e *rtEnv) options(batch int) Options {
	s := DefaultSettings()
	s.BatchSize = batch
	return Options{DB: e.db, Registrar: e.reg, Settings: s, Now: stageNow, Location: time.UTC}.withDefaults()
}

// upTo runs the stages up to and including plan (no guard) and fails the
// test on any error.
func (e *rtEnv) upTo(t *testing.T, o Options) (selection, fetchResult, planResult) {
	t.Helper()
	ctx := context.Background()
	sel, err := selectDomains(ctx, o)
	if err != nil {
		t.Fatalf("select: %v", err)
	}
	f, err := fetchBatch(ctx, o, sel.Want, sel.Expect)
	if err != nil || f.TimedOut || f.AccountErr != nil {
		t.Fatalf("fetch: %v (%+v)", err, f)
	}
	p, err := planBatch(ctx, o, sel, f.Results)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return sel, f, p
}

// hookReg is a registrar whose calls can be replaced one by one; the
// others go to Registrar (nil: a call not replaced panics).
type hookReg struct {
	registrar.Registrar
	login        func(ctx context.Context) error
	lookup       func(ctx context.Context, names []string) (map[string]registrar.Result, error)
	setAutoRenew func(ctx context.Context, rec registrar.Record, renew bool) error
}

func (h *hookReg) Name() string {
	if h.Registrar == nil {
		return "openprovider"
	}
	return h.Registrar.Name()
}

func (h *hookReg) Login(ctx context.Context) error {
	if h.login != nil {
		return h.login(ctx)
	}
	return h.Registrar.Login(ctx)
}

func (h *hookReg) Lookup(ctx context.Context, names []string) (map[string]registrar.Result, error) {
	if h.lookup != nil {
		return h.lookup(ctx, names)
	}
	return h.Registrar.Lookup(ctx, names)
}

func (h *hookReg) SetAutoRenew(ctx context.Context, rec registrar.Record, renew bool) error {
	if h.setAutoRenew != nil {
		return h.setAutoRenew(ctx, rec, renew)
	}
	return h.Registrar.SetAutoRenew(ctx, rec, renew)
}
