package sync

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
)

// The fetch stage on its own: the registrar's answers; an account failure
// (nothing may be written); a read still running at the deadline (nothing
// is applied from it); the run's context cancelled (the one error).
func TestFetchBatch(t *testing.T) {
	answer := func(_ context.Context, names []string) (map[string]registrar.Result, error) {
		out := map[string]registrar.Result{}
		for _, n := range names {
			out[n] = record().named(n).found()
		}
		return out, nil
	}
	untilDone := func(ctx context.Context, _ []string) (map[string]registrar.Result, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	denied := &registrar.Error{Kind: registrar.KindAccessDenied, Registrar: "openprovider", Message: "IP not allowed"}
	ok := func(context.Context) error { return nil }
	past := time.Now().Add(-time.Second)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	for _, c := range []struct {
		name     string
		ctx      context.Context
		reg      *hookReg
		deadline time.Time
		results  int
		timedOut bool
		account  error
		err      error
	}{
		{name: "answers", reg: &hookReg{login: ok, lookup: answer}, results: 2},
		{name: "answers before the deadline", reg: &hookReg{login: ok, lookup: answer}, deadline: time.Now().Add(time.Hour), results: 2},
		{name: "login refused", reg: &hookReg{login: func(context.Context) error { return denied }}, account: denied},
		{name: "lookup refused", reg: &hookReg{login: ok, lookup: func(context.Context, []string) (map[string]registrar.Result, error) { return nil, denied }}, account: denied},
		{name: "deadline during the read", reg: &hookReg{login: ok, lookup: untilDone}, deadline: past, timedOut: true},
		{name: "cancelled", ctx: cancelled, reg: &hookReg{login: ok, lookup: untilDone}, err: context.Canceled},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := c.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			o := Options{Registrar: c.reg, Deadline: c.deadline}.withDefaults()
			f, err := fetchBatch(ctx, o, []string{"a.com", "b.com"}, 0)
			if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			if len(f.Results) != c.results || f.TimedOut != c.timedOut || !errors.Is(f.AccountErr, c.account) || (c.account == nil) != (f.AccountErr == nil) {
				t.Errorf("got %d results, timed out %v, account error %v; want %d, %v, %v", len(f.Results), f.TimedOut, f.AccountErr, c.results, c.timedOut, c.account)
			}
		})
	}
}
