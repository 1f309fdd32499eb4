package whmcsdb

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// One registrar (ODR) known under two module names: SelectBatch, CountDue,
// Status and InvalidStatusDomains see the domains of both names (in any
// case) through one sync table named after the registrar, and nothing of
// another module.
func TestSelectBatchSeveralModules(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	const table = "tblDomainSyncOdr"
	whmcstest.CreateModuleSyncTable(t, e.raw, table)
	add := func(name, module, status, lastSync string) {
		id := whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{UserID: 1, Domain: name, Registrar: module, Status: status})
		if lastSync != "" {
			whmcstest.SetLastSync(t, e.raw, table, id, lastSync)
		}
		if status == "" {
			if _, err := e.raw.Exec("UPDATE tbldomains SET status = '' WHERE id = ?", id); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("a.nl", "odr", "Active", "2025-06-01 11:00:00")        // synced 1 h ago: not due
	add("b.nl", "ODR_Legacy", "Active", "")                    // never
	add("c.nl", "odr", "Active", "2025-05-01 00:00:00")        // long ago
	add("d.nl", "odr_legacy", "Active", "2025-05-20 00:00:00") // less long ago
	add("e.nl", "openprovider", "Active", "")                  // another registrar
	add("f.nl", "odr_legacy2", "Active", "")                   // a name that only starts alike
	add("g.nl", "odr_legacy", "", "")                          // not a WHMCS status
	add("h.nl", "odr", "Cancelled", "")                        // not selected

	active := []string{"Active"}
	tests := []struct {
		name string
		q    BatchQuery
		want []string
	}{
		{"Registrars only", BatchQuery{Registrars: []string{"odr", "odr_legacy"}}, []string{"b.nl", "c.nl", "d.nl"}},
		{"Registrar and Registrars merged", BatchQuery{Registrar: "ODR", Registrars: []string{" Odr_Legacy ", "odr"}}, []string{"b.nl", "c.nl", "d.nl"}},
		{"limit across modules", BatchQuery{Registrars: []string{"odr", "odr_legacy"}, Limit: 2}, []string{"b.nl", "c.nl"}},
		{"one module", BatchQuery{Registrars: []string{"odr_legacy"}}, []string{"b.nl", "d.nl"}},
		{"names", BatchQuery{Registrars: []string{"odr", "odr_legacy"}, Names: []string{"a.nl", "d.nl", "e.nl"}}, []string{"d.nl", "a.nl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Statuses, tt.q.Interval, tt.q.Now, tt.q.SyncTable = active, 2*time.Hour, now, table
			got, err := e.db.SelectBatch(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(got), tt.want) {
				t.Errorf("selected %v, want %v", names(got), tt.want)
			}
			if tt.q.Limit > 0 || tt.q.Names != nil {
				return
			}
			n, err := e.db.CountDue(ctx, tt.q)
			if err != nil || n != len(tt.want) {
				t.Errorf("CountDue = %d, %v; want %d", n, err, len(tt.want))
			}
		})
	}

	t.Run("sync table from the first module name when not given", func(t *testing.T) {
		if got := (BatchQuery{Registrars: []string{" ", "ODR", "x"}}).syncTable(); got != table {
			t.Errorf("syncTable = %q, want %q", got, table)
		}
	})

	t.Run("Status", func(t *testing.T) {
		st, err := e.db.Status(ctx, BatchQuery{Registrars: []string{"odr", "odr_legacy"}, Statuses: active, Interval: 2 * time.Hour, Now: now, SyncTable: table}, 5)
		if err != nil {
			t.Fatal(err)
		}
		if st.Selected != 4 || st.Due != 3 || st.NeverSynced != 1 || st.SyncTable != table {
			t.Errorf("Status = %+v; want 4 selected, 3 due, 1 never synced, table %s", st, table)
		}
		if got := fmt.Sprint(st.ByStatus); got != "map[:1 Active:4 Cancelled:1]" {
			t.Errorf("ByStatus = %s", got)
		}
		if st.Registrar != "odr, odr_legacy" {
			t.Errorf("Registrar = %q, want the module names", st.Registrar)
		}
	})

	t.Run("InvalidStatusDomains", func(t *testing.T) {
		valid := []string{"Pending", "Pending Registration", "Pending Transfer", "Active", "Grace", "Redemption", "Expired", "Cancelled", "Fraud", "Transferred Away"}
		got, err := e.db.InvalidStatusDomains(ctx, []string{"ODR", "odr_legacy"}, valid)
		if err != nil || !slices.Equal(names(got), []string{"g.nl"}) {
			t.Errorf("InvalidStatusDomains = %v, %v; want [g.nl]", names(got), err)
		}
	})
}

func TestModuleNames(t *testing.T) {
	for _, tt := range []struct {
		in, want []string
	}{
		{nil, nil},
		{[]string{"", " "}, nil},
		{[]string{"ODR", " odr ", "Odr_Legacy", "odr_legacy"}, []string{"odr", "odr_legacy"}},
	} {
		if got := moduleNames(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("moduleNames(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
