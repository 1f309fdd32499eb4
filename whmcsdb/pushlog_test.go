package whmcsdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

func TestLogPushIntent(t *testing.T) {
	ctx := context.Background()
	dsn := whmcstest.NewDB(t)
	db, err := whmcsdb.Open(ctx, dsn, whmcsdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func() int {
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM tblactivitylog").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const desc = "Domain Sync: example.com auto-renew off → default"
	lastSync := time.Now().Add(-time.Hour)

	id, err := db.LogPushIntent(ctx, 7, desc, lastSync)
	if err != nil || id == 0 || count() != 1 {
		t.Fatalf("first intent: id %d, err %v, rows %d", id, err, count())
	}
	// A rerun after a crash between the row and the write reuses the row.
	again, err := db.LogPushIntent(ctx, 7, desc, lastSync)
	if err != nil || again != 0 || count() != 1 {
		t.Fatalf("rerun: id %d, err %v, rows %d; want the row reused", again, err, count())
	}
	// Another client, or a row older than the domain's last sync, is not reused.
	if id2, err := db.LogPushIntent(ctx, 8, desc, lastSync); err != nil || id2 == 0 {
		t.Fatalf("other client: id %d, err %v", id2, err)
	}
	if id3, err := db.LogPushIntent(ctx, 7, desc, time.Now().Add(time.Hour)); err != nil || id3 == 0 {
		t.Fatalf("row older than last_sync: id %d, err %v", id3, err)
	}
	if count() != 3 {
		t.Fatalf("rows %d, want 3", count())
	}
	// A refused write takes its row back; id 0 is a no-op.
	if err := db.DeleteActivity(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteActivity(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if count() != 2 {
		t.Fatalf("rows %d after take-back, want 2", count())
	}
}
