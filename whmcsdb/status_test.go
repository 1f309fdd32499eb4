package whmcsdb

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// TestStatus counts by status, never synced, due, oldest last_sync and the
// recent run times, with the module's table holding a zero datetime.
func TestStatus(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	q := BatchQuery{Registrar: "openprovider", Statuses: []string{"Active", "Grace"}, Interval: 2 * time.Hour, Now: now}

	// No domains and no sync table: all zero, no error.
	st, err := e.db.Status(ctx, q, 10)
	if err != nil {
		t.Fatalf("Status (empty): %v", err)
	}
	if st.Selected != 0 || st.Due != 0 || st.SyncTable != "" || len(st.ByStatus) != 0 || !st.OldestSync.IsZero() {
		t.Fatalf("empty status = %+v", st)
	}

	add := func(name, reg, status string) int64 {
		return whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{Domain: name, Registrar: reg, Status: status})
	}
	a := add("a.com", "openprovider", "Active")
	b := add("b.com", "OpenProvider", "Active")
	c := add("c.com", "openprovider", "Active")
	add("d.com", "openprovider", "Active") // no row: never synced
	g := add("e.com", "openprovider", "Grace")
	x := add("f.com", "openprovider", "Cancelled") // not a synced status
	add("g.com", "enom", "Active")                 // another registrar

	// Before the table exists everything selected is never synced and due.
	st, err = e.db.Status(ctx, q, 10)
	if err != nil {
		t.Fatalf("Status (no table): %v", err)
	}
	if st.Selected != 5 || st.NeverSynced != 5 || st.Due != 5 || st.RecentSyncs != nil {
		t.Fatalf("no table: %+v", st)
	}

	whmcstest.CreateModuleSyncTable(t, e.raw, opTable)
	whmcstest.SetLastSync(t, e.raw, opTable, a, "2025-06-01 11:50:00") // fresh
	whmcstest.SetLastSync(t, e.raw, opTable, b, "2025-06-01 11:50:00") // same run
	whmcstest.SetLastSync(t, e.raw, opTable, c, "2025-06-01 09:40:00") // due (older than 2h)
	whmcstest.SetLastSync(t, e.raw, opTable, g, "0000-00-00 00:00:00") // the module's "never"
	whmcstest.SetLastSync(t, e.raw, opTable, x, "2020-01-01 00:00:00") // not selected: ignored

	st, err = e.db.Status(ctx, q, 10)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	wantBy := map[string]int{"Active": 4, "Grace": 1, "Cancelled": 1}
	if !maps.Equal(st.ByStatus, wantBy) {
		t.Errorf("ByStatus = %v, want %v", st.ByStatus, wantBy)
	}
	if st.SyncTable != opTable {
		t.Errorf("SyncTable = %q", st.SyncTable)
	}
	if st.Selected != 5 || st.NeverSynced != 2 || st.Due != 3 {
		t.Errorf("Selected/NeverSynced/Due = %d/%d/%d, want 5/2/3", st.Selected, st.NeverSynced, st.Due)
	}
	if want := time.Date(2025, 6, 1, 9, 40, 0, 0, zone); !st.OldestSync.Equal(want) {
		t.Errorf("OldestSync = %v, want %v", st.OldestSync, want)
	}
	want := []time.Time{time.Date(2025, 6, 1, 11, 50, 0, 0, zone), time.Date(2025, 6, 1, 9, 40, 0, 0, zone)}
	if len(st.RecentSyncs) != 2 || !st.RecentSyncs[0].Equal(want[0]) || !st.RecentSyncs[1].Equal(want[1]) {
		t.Errorf("RecentSyncs = %v, want %v", st.RecentSyncs, want)
	}
	if st, err = e.db.Status(ctx, q, 1); err != nil || len(st.RecentSyncs) != 1 {
		t.Errorf("recent=1: %v, %v", st.RecentSyncs, err)
	}

	// Interval 0: every selected domain is due.
	q.Interval = 0
	if st, err = e.db.Status(ctx, q, 0); err != nil || st.Due != 5 || st.RecentSyncs != nil {
		t.Errorf("interval 0: due %d, recent %v, err %v", st.Due, st.RecentSyncs, err)
	}
	// Bad query: named error.
	if _, err := e.db.Status(ctx, BatchQuery{Registrar: "openprovider", Now: now}, 0); err == nil {
		t.Error("Status without statuses: no error")
	}
}
