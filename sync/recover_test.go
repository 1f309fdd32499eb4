package sync

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/report"
	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// finishPlanned, per case of a write an earlier run left planned: the
// registrar already holds it (row and journal only, no write), it still
// differs (sent once), the registrar refuses it (failed), no reply again
// (stays planned), the domain is gone (failed), a later write of the same
// setting went through (superseded), a contact change (compared anew);
// an undo run's write is logged as an undo and marks the row it puts back.
func TestFinishPlanned(t *testing.T) {
	e := newRTEnv(t)
	ctx := context.Background()
	db := e.db
	if err := db.EnsureJournal(ctx); err != nil {
		t.Fatal(err)
	}
	old, _ := db.StartRun(ctx, whmcsdb.JournalRun{Registrar: "openprovider", Command: "sync"})
	plan := func(run int64, domain, field, from, to string) int64 {
		id, err := db.JournalPlanned(ctx, whmcsdb.JournalChange{RunID: run, DomainID: int64(len(domain)), UserID: 3, Domain: domain,
			Field: field, Old: whmcsdb.Str(from), New: whmcsdb.Str(to)})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	plan(old, "held.com", whmcsdb.FieldAutoRenew, "off", "default")
	plan(old, "send.com", whmcsdb.FieldAutoRenew, "off", "default")
	plan(old, "refused.com", whmcsdb.FieldAutoRenew, "off", "default")
	plan(old, "noreply.com", whmcsdb.FieldAutoRenew, "off", "default")
	plan(old, "gone.com", whmcsdb.FieldAutoRenew, "off", "default")
	plan(old, "c.com", whmcsdb.FieldContact, "a@b", "c@d")
	superseded := plan(old, "later.com", whmcsdb.FieldAutoRenew, "off", "default")
	later := plan(old, "later.com", whmcsdb.FieldAutoRenew, "off", "default")
	if _, err := db.PushAccepted(ctx, later, 3, "", 0); err != nil {
		t.Fatal(err)
	}
	// An undo run's write, and the row it puts back.
	orig := plan(old, "undo.com", whmcsdb.FieldPrivacy, "off", "on")
	if _, err := db.PushAccepted(ctx, orig, 3, "", 0); err != nil {
		t.Fatal(err)
	}
	undo, _ := db.StartRun(ctx, whmcsdb.JournalRun{Registrar: "openprovider", Command: "undo --run 1", UndoOf: old})
	if _, err := db.JournalPlanned(ctx, whmcsdb.JournalChange{RunID: undo, DomainID: 8, UserID: 3, Domain: "undo.com",
		Field: whmcsdb.FieldPrivacy, RefID: orig, Old: whmcsdb.Str("on"), New: whmcsdb.Str("off")}); err != nil {
		t.Fatal(err)
	}

	rec := func(name string, ar registrar.AutoRenew) registrar.Result {
		return registrar.Result{Found: true, Record: registrar.Record{Name: name, UnicodeName: name, ID: "1", AutoRenew: ar, PrivacyKnown: true, Privacy: name == "undo.com"}}
	}
	var sent []string
	reg := &privacyReg{hookReg: hookReg{
		login: func(context.Context) error { return nil },
		lookup: func(_ context.Context, names []string) (map[string]registrar.Result, error) {
			out := map[string]registrar.Result{}
			for _, n := range names {
				switch n {
				case "held.com":
					out[n] = rec(n, registrar.AutoRenewDefault)
				case "gone.com":
					out[n] = registrar.Result{}
				default:
					out[n] = rec(n, registrar.AutoRenewOff)
				}
			}
			return out, nil
		},
		setAutoRenew: func(_ context.Context, r registrar.Record, _ bool) error {
			sent = append(sent, r.Name)
			switch r.Name {
			case "refused.com":
				return &registrar.Error{Kind: registrar.KindRefused, Registrar: "openprovider", Domain: r.Name, Message: "no"}
			case "noreply.com":
				return &registrar.Error{Kind: registrar.KindUnavailable, Registrar: "openprovider", Message: "reset"}
			}
			return nil
		},
	}}
	reg.setPrivacy = func(_ context.Context, r registrar.Record, on bool) error {
		sent = append(sent, r.Name)
		return nil
	}
	o := e.options(10)
	o.Registrar = reg
	now, _ := db.StartRun(ctx, whmcsdb.JournalRun{Registrar: "openprovider", Command: "sync"})
	rep := report.NewSync("openprovider")
	f, err := finishPlanned(ctx, o, now, rep)
	if err != nil {
		t.Fatal(err)
	}
	if f.Found != 8 || f.Held != 1 || f.Sent != 2 || f.Refused != 2 || f.Left != 1 || f.Superseded != 2 {
		t.Errorf("finished %+v", f)
	}
	if got := strings.Join(sent, ","); got != "send.com,refused.com,noreply.com,undo.com" {
		t.Errorf("sent %s", got)
	}
	states := whmcstest.Scalar(t, e.seed, "SELECT GROUP_CONCAT(CONCAT(domain, ':', state, ':', by_run) ORDER BY id) FROM "+whmcsdb.JournalChanges)
	want := strings.NewReplacer("N", itoa64(now), "U", itoa64(undo), "O", itoa64(old)).Replace(
		"held.com:sent:N,send.com:sent:N,refused.com:failed:N,noreply.com:planned:0,gone.com:failed:N,c.com:failed:N," +
			"later.com:failed:N,later.com:sent:0,undo.com:undone:U,undo.com:sent:N")
	if states != want {
		t.Errorf("journal\n got %s\nwant %s", states, want)
	}
	acts := whmcstest.Scalar(t, e.seed, "SELECT GROUP_CONCAT(description ORDER BY id SEPARATOR '|') FROM tblactivitylog")
	if acts != "Domain Sync: held.com auto-renew off → default|Domain Sync: send.com auto-renew off → default|"+
		"Domain Sync: undo of run "+itoa64(old)+": undo.com ID protection on → off" {
		t.Errorf("activity %s", acts)
	}
	_ = superseded
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// privacyReg is a hookReg whose privacy writes are hooked too.
type privacyReg struct {
	hookReg
	setPrivacy func(ctx context.Context, rec registrar.Record, on bool) error
}

func (p *privacyReg) SetPrivacy(ctx context.Context, rec registrar.Record, on bool) error {
	return p.setPrivacy(ctx, rec, on)
}

// An account failure while finishing leaves the writes not yet finished
// planned; those already settled (here one superseded) are not counted
// as left.
func TestFinishPlannedAccountStop(t *testing.T) {
	e := newRTEnv(t)
	ctx := context.Background()
	db := e.db
	if err := db.EnsureJournal(ctx); err != nil {
		t.Fatal(err)
	}
	old, _ := db.StartRun(ctx, whmcsdb.JournalRun{Registrar: "openprovider", Command: "sync"})
	plan := func(domain string) int64 {
		id, err := db.JournalPlanned(ctx, whmcsdb.JournalChange{RunID: old, DomainID: int64(len(domain)), UserID: 3, Domain: domain,
			Field: whmcsdb.FieldAutoRenew, Old: whmcsdb.Str("off"), New: whmcsdb.Str("default")})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	plan("later.com")
	if _, err := db.PushAccepted(ctx, plan("later.com"), 3, "", 0); err != nil {
		t.Fatal(err)
	}
	plan("a.com")
	plan("b.com")
	reg := &hookReg{
		login: func(context.Context) error { return nil },
		lookup: func(_ context.Context, names []string) (map[string]registrar.Result, error) {
			out := map[string]registrar.Result{}
			for _, n := range names {
				out[n] = registrar.Result{Found: true, Record: registrar.Record{Name: n, UnicodeName: n, ID: "1", AutoRenew: registrar.AutoRenewOff}}
			}
			return out, nil
		},
		setAutoRenew: func(context.Context, registrar.Record, bool) error {
			return &registrar.Error{Kind: registrar.KindAuth, Registrar: "openprovider", Message: "login refused"}
		},
	}
	o := e.options(10)
	o.Registrar = reg
	now, _ := db.StartRun(ctx, whmcsdb.JournalRun{Registrar: "openprovider", Command: "sync"})
	f, err := finishPlanned(ctx, o, now, report.NewSync("openprovider"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Found != 3 || f.Superseded != 1 || f.Left != 2 || !f.Stopped || f.Account == nil {
		t.Errorf("finished %+v; want 3 found, 1 superseded, 2 left, stopped", f)
	}
}
