package sync

import (
	"context"
	"log/slog"
	"testing"

	"github.com/domainsync/domainsync/registrar"
)

// listReg is a registrar whose listing is a fixed list of records and whose
// lookups find nothing.
type listReg struct {
	registrar.Registrar
	recs []registrar.Record
}

func (l *listReg) Name() string                { return "odr" }
func (l *listReg) Login(context.Context) error { return nil }
func (l *listReg) Lookup(_ context.Context, names []string) (map[string]registrar.Result, error) {
	out := map[string]registrar.Result{}
	for _, n := range names {
		out[n] = registrar.Result{}
	}
	return out, nil
}
func (l *listReg) List(_ context.Context, total func(int), fn func(registrar.Record) error) error {
	if total != nil {
		total(len(l.recs))
	}
	for _, r := range l.recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// TestFetchListedLiveAndDeleted: a listing (ODR's holds deleted domains)
// that holds a name twice, once deleted and once live (deleted, then
// registered again), gives the live record: it is the domain's status.
// Two deleted records give the better one; two live ones stay an error,
// whatever comes after them.
func TestFetchListedLiveAndDeleted(t *testing.T) {
	rec := func(name, id, code string) registrar.Record {
		r := registrar.Record{Name: name, UnicodeName: name, ID: id, StatusCode: code, Family: registrar.FamilyActive}
		if code == "DELETED" {
			r.Family, r.Deleted = registrar.FamilyDeleted, true
		}
		return r
	}
	reg := &listReg{recs: []registrar.Record{
		rec("again.nl", "1", "DELETED"), rec("again.nl", "9", "REGISTERED"),
		rec("later.nl", "8", "REGISTERED"), rec("later.nl", "2", "DELETED"),
		rec("gone.nl", "3", "DELETED"), rec("gone.nl", "7", "DELETED"),
		rec("twice.nl", "4", "REGISTERED"), rec("twice.nl", "5", "REGISTERED"), rec("twice.nl", "6", "DELETED"),
		rec("once.nl", "10", "DELETED"),
	}}
	o := Options{Registrar: reg, All: true, Logger: slog.New(slog.DiscardHandler)}
	out, err := fetch(context.Background(), o, []string{"again.nl", "later.nl", "gone.nl", "twice.nl", "once.nl"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, wantID := range map[string]string{"again.nl": "9", "later.nl": "8", "gone.nl": "7", "once.nl": "10"} {
		if r := out[name]; !r.Found || r.Err != nil || r.Record.ID != wantID {
			t.Errorf("%s: %+v, want found with id %s", name, r, wantID)
		}
	}
	if r := out["twice.nl"]; r.Found || r.Err == nil {
		t.Errorf("twice.nl: %+v, want the error of a name listed twice", r)
	}
}
