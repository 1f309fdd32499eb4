package whmcsdb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/go-sql-driver/mysql"

	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// zone is a WHMCS time zone different from UTC, so DATETIME formatting in
// the right zone is tested too.
var zone = time.FixedZone("WHMCS", 2*3600)

// now is the tests' clock: 2025-06-01 12:00:00 in zone.
var now = time.Date(2025, 6, 1, 12, 0, 0, 0, zone)

const opTable = "tblDomainSyncOpenprovider"

// env is one test's database: the DB under test and a raw handle (empty sql_mode).
type env struct {
	dsn string
	db  *DB
	raw *sql.DB
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	dsn := whmcstest.NewDB(t)
	if opts.Location == nil {
		opts.Location = zone
	}
	ctx := context.Background()
	db, err := Open(ctx, dsn, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	db.now = func() time.Time { return now }
	t.Cleanup(func() { db.Close() })
	return &env{dsn: dsn, db: db, raw: whmcstest.Open(t, dsn)}
}

func (e *env) scalar(t *testing.T, q string, args ...any) string {
	t.Helper()
	return whmcstest.Scalar(t, e.raw, q, args...)
}

func date(y int, m time.Month, d int) civil.Date { return civil.Date{Year: y, Month: m, Day: d} }

func names(ds []Domain) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}

func TestOpenNeverShowsPassword(t *testing.T) {
	const pw = "Sup3r-S3cret_pw"
	base, err := mysql.ParseDSN(whmcstest.BaseDSN())
	if err != nil {
		t.Fatal(err)
	}
	wrongPw := base.Clone()
	wrongPw.User, wrongPw.Passwd, wrongPw.DBName = "domainsync_nobody", pw, "whmcs"
	unreachable := base.Clone()
	unreachable.Addr, unreachable.Passwd, unreachable.Timeout = "127.0.0.1:1", pw, time.Second
	tests := map[string]string{
		"wrong password":    wrongPw.FormatDSN(),
		"unreachable":       unreachable.FormatDSN(),
		"malformed address": "whmcs:" + pw + "@tcp(127.0.0.1:3306/whmcs",
		"bad parameter":     "whmcs:" + pw + "@tcp(127.0.0.1:3306)/whmcs?timeout=soon",
		"bad sql_mode":      "whmcs:" + pw + "@tcp(127.0.0.1:3306)/whmcs",
		"password in name":  "whmcs:" + pw + "@tcp(127.0.0.1:1)/" + pw + "?timeout=1s",
	}
	for name, dsn := range tests {
		t.Run(name, func(t *testing.T) {
			opts := Options{}
			if name == "bad sql_mode" {
				mode := "'; DROP TABLE x; --"
				opts.SQLMode = &mode
			}
			db, err := Open(context.Background(), dsn, opts)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if strings.Contains(err.Error(), pw) {
				t.Errorf("error shows the password: %v", err)
			}
			for e := err; e != nil; e = errors.Unwrap(e) {
				if strings.Contains(e.Error(), pw) {
					t.Errorf("wrapped error shows the password: %v", e)
				}
			}
		})
	}
}

func TestOpenSessionSettings(t *testing.T) {
	dsn := whmcstest.NewDB(t)
	strict := "STRICT_ALL_TABLES,NO_ZERO_DATE"
	tests := []struct {
		name    string
		opts    Options
		mode    string
		charset string
	}{
		{"WHMCS defaults", Options{}, "", "utf8"},
		{"configured", Options{SQLMode: &strict, Charset: "utf8mb4"}, "STRICT_ALL_TABLES,NO_ZERO_DATE", "utf8mb4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(context.Background(), dsn, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// Several pooled connections must all carry the settings.
			var conns []*sql.Conn
			for range 3 {
				c, err := db.SQL().Conn(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
			}
			for _, c := range conns {
				var mode, cs, tz, gtz, exp string
				err := c.QueryRowContext(context.Background(),
					"SELECT @@session.sql_mode, @@character_set_connection, @@session.time_zone, @@global.time_zone, CAST(DATE('2025-01-02') AS CHAR)").
					Scan(&mode, &cs, &tz, &gtz, &exp)
				if err != nil {
					t.Fatal(err)
				}
				if mode != tt.mode || !strings.HasPrefix(cs, tt.charset) || tz != gtz {
					t.Errorf("session sql_mode %q charset %q time_zone %q (global %q); want %q, %q, server default",
						mode, cs, tz, gtz, tt.mode, tt.charset)
				}
				c.Close()
			}
			if db.Name() == "" {
				t.Error("no database name")
			}
		})
	}
}

// seedBatch creates the selection fixture; it returns the ids by name.
func seedBatch(t *testing.T, e *env) map[string]int64 {
	t.Helper()
	whmcstest.CreateModuleSyncTable(t, e.raw, opTable)
	ids := map[string]int64{}
	add := func(name, registrar, status, lastSync string) {
		id := whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{UserID: 1, Domain: name, Registrar: registrar, Status: status})
		ids[name] = id
		if lastSync != "" {
			whmcstest.SetLastSync(t, e.raw, opTable, id, lastSync)
		}
	}
	add("a.com", "openprovider", "Active", "2025-06-01 11:00:00") // synced 1 h ago
	add("b.com", "openprovider", "Active", "2025-06-01 08:00:00") // 4 h ago
	add("c.com", "openprovider", "Active", "")                    // no row: never
	add("d.com", "openprovider", "Active", "0000-00-00 00:00:00") // the module's "never"
	add("e.com", "openprovider", "Cancelled", "")
	add("f.com", "enom", "Active", "")
	add("g.com", "OpenProvider", "Active", "2025-05-01 00:00:00")
	add("h.com", "openprovider", "Pending Transfer", "2025-05-31 00:00:00")
	return ids
}

func TestSelectBatch(t *testing.T) {
	e := newEnv(t, Options{})
	seedBatch(t, e)
	both := []string{"Active", "Pending Transfer"}
	tests := []struct {
		name string
		q    BatchQuery
		want []string
	}{
		{"interval: never synced first, then oldest", BatchQuery{Statuses: both, Interval: 2 * time.Hour}, []string{"c.com", "d.com", "g.com", "h.com", "b.com"}},
		{"limit", BatchQuery{Statuses: both, Interval: 2 * time.Hour, Limit: 3}, []string{"c.com", "d.com", "g.com"}},
		{"interval 0: every domain", BatchQuery{Statuses: both}, []string{"c.com", "d.com", "g.com", "h.com", "b.com", "a.com"}},
		{"status filter", BatchQuery{Statuses: []string{"Active"}, Interval: 2 * time.Hour}, []string{"c.com", "d.com", "g.com", "b.com"}},
		{"long interval", BatchQuery{Statuses: both, Interval: 48 * time.Hour}, []string{"c.com", "d.com", "g.com"}},
		{"names ignore interval and limit", BatchQuery{Statuses: both, Interval: 2 * time.Hour, Limit: 1, Names: []string{"A.COM", "b.com", "e.com", "f.com"}}, []string{"b.com", "a.com"}},
		{"other registrar", BatchQuery{Registrar: "enom", Statuses: both}, []string{"f.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Now = now
			if tt.q.Registrar == "" {
				tt.q.Registrar = "openprovider"
			}
			got, err := e.db.SelectBatch(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(got), tt.want) {
				t.Errorf("selected %v, want %v", names(got), tt.want)
			}
			n, err := e.db.CountDue(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if tt.q.Limit == 0 && n != len(tt.want) {
				t.Errorf("CountDue = %d, want %d", n, len(tt.want))
			}
		})
	}

	t.Run("CountDomains: the registrar's domains of the statuses, whatever the interval, names and limit", func(t *testing.T) {
		q := BatchQuery{Registrar: "openprovider", Statuses: both, Now: now, Interval: time.Hour, Limit: 1, Names: []string{"a.com"}}
		n, err := e.db.CountDomains(context.Background(), q)
		if err != nil || n != 6 {
			t.Errorf("CountDomains = %d, %v; want 6 (a, b, c, d, g and h.com)", n, err)
		}
		if _, err := e.db.CountDomains(context.Background(), BatchQuery{Registrar: "openprovider"}); err == nil {
			t.Error("CountDomains without statuses: no error")
		}
	})

	t.Run("--all: names in id order, then the domains by id in chunks", func(t *testing.T) {
		q := BatchQuery{Registrar: "openprovider", Statuses: both, Now: now}
		ids, err := e.db.SelectNames(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		var fromNames []string
		for i, d := range ids {
			fromNames = append(fromNames, d.Name)
			if i > 0 && d.ID <= ids[i-1].ID {
				t.Errorf("SelectNames not in id order: %v", ids)
			}
		}
		if got := slices.Sorted(slices.Values(fromNames)); !slices.Equal(got, []string{"a.com", "b.com", "c.com", "d.com", "g.com", "h.com"}) {
			t.Errorf("SelectNames = %v", ids)
		}
		q.ByID, q.Limit = true, 4
		var chunked []string
		for chunks := 1; ; chunks++ {
			got, err := e.db.SelectBatch(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			chunked = append(chunked, names(got)...)
			if len(got) < q.Limit || chunks > 3 {
				break
			}
			q.AfterID = got[len(got)-1].ID
		}
		if !slices.Equal(chunked, fromNames) {
			t.Errorf("by id in chunks of 4: %v; want %v", chunked, fromNames)
		}
	})

	t.Run("last_sync read in the WHMCS zone", func(t *testing.T) {
		got, err := e.db.SelectBatch(context.Background(), BatchQuery{Registrar: "openprovider", Statuses: both, Now: now, Names: []string{"b.com", "d.com"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || !got[0].LastSync.IsZero() || !got[1].LastSync.Equal(time.Date(2025, 6, 1, 8, 0, 0, 0, zone)) {
			t.Errorf("LastSync = %v", got)
		}
	})

	t.Run("CountDue after a batch", func(t *testing.T) {
		q := BatchQuery{Registrar: "openprovider", Statuses: both, Interval: 2 * time.Hour, Now: now, Limit: 2}
		batch, err := e.db.SelectBatch(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, d := range batch {
			ids = append(ids, d.ID)
		}
		if err := e.db.RecordLastSync(context.Background(), opTable, ids, now); err != nil {
			t.Fatal(err)
		}
		if n, err := e.db.CountDue(context.Background(), q); err != nil || n != 3 {
			t.Errorf("CountDue = %d, %v; want 3 remaining", n, err)
		}
	})

	t.Run("invalid queries", func(t *testing.T) {
		for name, q := range map[string]BatchQuery{
			"no registrar":   {Statuses: both, Now: now},
			"no statuses":    {Registrar: "openprovider", Now: now},
			"no clock":       {Registrar: "openprovider", Statuses: both, Interval: time.Hour},
			"negative limit": {Registrar: "openprovider", Statuses: both, Limit: -1},
			"empty names":    {Registrar: "openprovider", Statuses: both, Names: []string{" "}},
		} {
			if _, err := e.db.SelectBatch(context.Background(), q); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
	})
}

// TestSelectBatchNeverSyncedZeroDate: a row of the module's own sync table
// with last_sync = '0000-00-00 00:00:00' (created by the PHP module, never
// synced) ranks exactly like a domain without a row: never synced first,
// then lowest id, whatever the session sql_mode (zero dates are stored
// through the raw handle, whose sql_mode is empty, as the module's are).
func TestSelectBatchNeverSyncedZeroDate(t *testing.T) {
	strict := "STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE"
	for name, opts := range map[string]Options{"sql_mode ''": {}, "strict sql_mode": {SQLMode: &strict}} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, opts)
			whmcstest.CreateModuleSyncTable(t, e.raw, opTable)
			add := func(name, lastSync string) {
				id := whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{UserID: 1, Domain: name, Registrar: "openprovider", Status: "Active"})
				if lastSync != "" {
					whmcstest.SetLastSync(t, e.raw, opTable, id, lastSync)
				}
			}
			add("zero1.com", "0000-00-00 00:00:00") // lowest id: the module's "never"
			add("none1.com", "")                    // no row
			add("old.com", "2025-05-01 00:00:00")   // synced a month ago
			add("zero2.com", "0000-00-00 00:00:00")
			add("none2.com", "")
			add("partly.com", "2024-00-15 00:00:00") // partly zero: not a date, so never synced too
			never := []string{"zero1.com", "none1.com", "zero2.com", "none2.com", "partly.com"}
			for _, tt := range []struct {
				q    BatchQuery
				want []string
			}{
				{BatchQuery{Interval: 2 * time.Hour}, append(slices.Clone(never), "old.com")},
				{BatchQuery{}, append(slices.Clone(never), "old.com")},
				{BatchQuery{Interval: 2 * time.Hour, Limit: 2}, never[:2]},
				{BatchQuery{Interval: 2 * time.Hour, Limit: 3}, never[:3]},
			} {
				tt.q.Registrar, tt.q.Statuses, tt.q.Now = "openprovider", []string{"Active"}, now
				got, err := e.db.SelectBatch(context.Background(), tt.q)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(names(got), tt.want) {
					t.Errorf("interval %s limit %d: selected %v, want %v", tt.q.Interval, tt.q.Limit, names(got), tt.want)
				}
				for _, d := range got {
					if d.Name != "old.com" && (!d.LastSync.IsZero() || d.Invalid != nil) {
						t.Errorf("%s: LastSync %v, Invalid %v; want never synced, valid", d.Name, d.LastSync, d.Invalid)
					}
				}
			}
		})
	}
}

func TestSelectBatchWithoutSyncTable(t *testing.T) {
	e := newEnv(t, Options{})
	for _, n := range []string{"b.com", "a.com"} {
		whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{Domain: n, Registrar: "openprovider"})
	}
	got, err := e.db.SelectBatch(context.Background(), BatchQuery{Registrar: "openprovider", Statuses: []string{"Active"}, Interval: time.Hour, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(got), []string{"b.com", "a.com"}) || !got[0].LastSync.IsZero() {
		t.Errorf("selected %v", got)
	}
}

func TestSelectBatchDates(t *testing.T) {
	e := newEnv(t, Options{})
	rows := []struct {
		row             whmcstest.DomainRow
		reg, exp, due   civil.Date
		inv             civil.Date
		rawExp, rawDue  *string
		rawInv          *string
		doNotRenew, idp bool
	}{
		{
			row: whmcstest.DomainRow{Domain: "valid.com", RegistrationDate: "2020-01-15", ExpiryDate: "2026-01-15", NextDueDate: "2026-01-01", NextInvoiceDate: "2026-01-01", DoNotRenew: true, IDProtection: true},
			reg: date(2020, 1, 15), exp: date(2026, 1, 15), due: date(2026, 1, 1), inv: date(2026, 1, 1),
			rawExp: sp("2026-01-15"), rawDue: sp("2026-01-01"), rawInv: sp("2026-01-01"), doNotRenew: true, idp: true,
		},
		{
			row: whmcstest.DomainRow{Domain: "zero.com"},
			reg: NoDate, exp: NoDate, due: NoDate, inv: NoDate,
			rawExp: sp("0000-00-00"), rawDue: sp("0000-00-00"), rawInv: sp("0000-00-00"),
		},
		{
			row: whmcstest.DomainRow{Domain: "null.com", ExpiryDate: whmcstest.Null, RegistrationDate: "2021-02-28"},
			reg: date(2021, 2, 28), exp: NoDate, due: NoDate, inv: NoDate,
			rawExp: nil, rawDue: sp("0000-00-00"), rawInv: sp("0000-00-00"),
		},
	}
	for i := range rows {
		rows[i].row.Registrar = "openprovider"
		whmcstest.InsertDomain(t, e.raw, rows[i].row)
	}
	got, err := e.db.SelectBatch(context.Background(), BatchQuery{Registrar: "openprovider", Statuses: []string{"Active"}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("selected %v", names(got))
	}
	eqp := func(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	for i, w := range rows {
		d := got[i]
		if d.Name != w.row.Domain || d.RegistrationDate != w.reg || d.ExpiryDate != w.exp || d.NextDueDate != w.due || d.NextInvoiceDate != w.inv {
			t.Errorf("%s: dates %v %v %v %v; want %v %v %v %v", d.Name, d.RegistrationDate, d.ExpiryDate, d.NextDueDate, d.NextInvoiceDate, w.reg, w.exp, w.due, w.inv)
		}
		if !eqp(d.RawExpiryDate, w.rawExp) || !eqp(d.RawNextDueDate, w.rawDue) || !eqp(d.RawNextInvoiceDate, w.rawInv) {
			t.Errorf("%s: raw values differ", d.Name)
		}
		if d.DoNotRenew != w.doNotRenew || d.IDProtection != w.idp || d.Status != "Active" || d.RawStatus != "Active" || d.UserID != 0 || d.Registrar != "openprovider" {
			t.Errorf("%s: fields %+v", d.Name, d)
		}
	}

	// A partly zero date (stored without NO_ZERO_IN_DATE) in each column
	// makes that domain Invalid, naming the domain, the column and the
	// value; the batch and its other domains are read as usual.
	for _, col := range []string{"registrationdate", "expirydate", "nextduedate", "nextinvoicedate"} {
		t.Run("garbage "+col, func(t *testing.T) {
			whmcstest.Exec(t, e.dsn, "DELETE FROM tbldomains")
			row := whmcstest.DomainRow{Domain: "bad.com", Registrar: "openprovider"}
			switch col {
			case "registrationdate":
				row.RegistrationDate = "2024-00-15"
			case "expirydate":
				row.ExpiryDate = "2024-00-15"
			case "nextduedate":
				row.NextDueDate = "2024-00-15"
			case "nextinvoicedate":
				row.NextInvoiceDate = "2024-00-15"
			}
			whmcstest.InsertDomain(t, e.raw, row)
			whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{Domain: "good.com", Registrar: "openprovider", ExpiryDate: "2026-01-15"})
			got, err := e.db.SelectBatch(context.Background(), BatchQuery{Registrar: "openprovider", Statuses: []string{"Active"}, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].Name != "bad.com" || got[1].Name != "good.com" {
				t.Fatalf("selected %v", names(got))
			}
			if got[0].Invalid == nil {
				t.Fatal("bad.com: Invalid not set")
			}
			for _, want := range []string{"bad.com", col, "2024-00-15"} {
				if !strings.Contains(got[0].Invalid.Error(), want) {
					t.Errorf("Invalid %q does not name %q", got[0].Invalid, want)
				}
			}
			if got[1].Invalid != nil || got[1].ExpiryDate != date(2026, 1, 15) {
				t.Errorf("good.com: Invalid %v, expiry %v", got[1].Invalid, got[1].ExpiryDate)
			}
		})
	}
}

func TestSelectBatchNames(t *testing.T) {
	e := newEnv(t, Options{})
	for _, n := range []string{"bücher.de", "bucher.de", "Example.COM", "xn--mnchen-3ya.de"} {
		whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{Domain: n, Registrar: "openprovider"})
	}
	tests := []struct {
		names []string
		want  []string
	}{
		{[]string{"bücher.de"}, []string{"bücher.de"}},
		{[]string{"BÜCHER.DE"}, []string{"bücher.de"}},
		{[]string{"xn--bcher-kva.de"}, []string{"bücher.de"}},
		{[]string{"bucher.de"}, []string{"bucher.de"}}, // no accent folding
		{[]string{"example.com"}, []string{"Example.COM"}},
		{[]string{"münchen.de"}, []string{"xn--mnchen-3ya.de"}}, // stored in punycode
		{[]string{"nothere.de"}, nil},
	}
	for _, tt := range tests {
		got, err := e.db.SelectBatch(context.Background(), BatchQuery{Registrar: "openprovider", Statuses: []string{"Active"}, Names: tt.names, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names(got), tt.want) {
			t.Errorf("Names %v selected %v, want %v", tt.names, names(got), tt.want)
		}
	}
}

// seedInvoices creates two domains and their invoices:
//
//	inv single  Unpaid    Domain + PromoDomain of x          → both loaded, OnlyThisDomain
//	inv mixed   Unpaid    Domain of x + Hosting relid 99      → x's item loaded, not only
//	inv shared  Unpaid    Domain of x + Domain of y           → loaded for both, not only
//	inv addon   Unpaid    DomainAddonIDP of x                 → loaded, only
//	inv paid    Paid      Domain of x                         → not loaded
//	inv cancel  Cancelled Domain of x                         → not loaded
//	inv host    Unpaid    Hosting relid x                     → not loaded (not a domain item)
type invoiceFixture struct {
	x, y                                                   int64
	single, mixed, shared, addon, paid, cancelled, hosting int64
	items                                                  map[string]int64
}

func seedInvoices(t *testing.T, e *env) invoiceFixture {
	t.Helper()
	db := e.raw
	f := invoiceFixture{items: map[string]int64{}}
	f.x = whmcstest.InsertDomain(t, db, whmcstest.DomainRow{UserID: 5, Domain: "x.com", Registrar: "openprovider", ExpiryDate: "2025-07-15", NextDueDate: "2025-07-01", NextInvoiceDate: "2025-07-01", Reminders: "|30|"})
	f.y = whmcstest.InsertDomain(t, db, whmcstest.DomainRow{UserID: 5, Domain: "y.com", Registrar: "openprovider", NextDueDate: "2025-07-01"})
	inv := func(status string) int64 {
		return whmcstest.InsertInvoice(t, db, whmcstest.InvoiceRow{UserID: 5, Status: status, Date: "2025-06-01", DueDate: "2025-07-01"})
	}
	item := func(key string, invoice int64, typ string, rel int64) {
		f.items[key] = whmcstest.InsertItem(t, db, whmcstest.ItemRow{InvoiceID: invoice, UserID: 5, Type: typ, RelID: rel, DueDate: "2025-07-01"})
	}
	f.single, f.mixed, f.shared, f.addon = inv("Unpaid"), inv("Unpaid"), inv("Unpaid"), inv("Unpaid")
	f.paid, f.cancelled, f.hosting = inv("Paid"), inv("Cancelled"), inv("Unpaid")
	item("single", f.single, "Domain", f.x)
	item("single promo", f.single, "PromoDomain", f.x)
	item("mixed", f.mixed, "Domain", f.x)
	item("mixed hosting", f.mixed, "Hosting", 99)
	item("shared x", f.shared, "Domain", f.x)
	item("shared y", f.shared, "Domain", f.y)
	item("addon", f.addon, "DomainAddonIDP", f.x)
	item("paid", f.paid, "Domain", f.x)
	item("cancelled", f.cancelled, "Domain", f.x)
	item("hosting", f.hosting, "Hosting", f.x)
	return f
}

func selectOne(t *testing.T, e *env, name string) Domain {
	t.Helper()
	got, err := e.db.SelectBatch(context.Background(), BatchQuery{Registrar: "openprovider", Statuses: []string{"Active"}, Names: []string{name}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("selected %v", names(got))
	}
	return got[0]
}

func TestSelectBatchUnpaidItems(t *testing.T) {
	e := newEnv(t, Options{})
	f := seedInvoices(t, e)
	batch, err := e.db.SelectBatch(context.Background(), BatchQuery{Registrar: "openprovider", Statuses: []string{"Active"}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	type it struct {
		id, invoice int64
		typ         string
		only        bool
	}
	got := map[string][]it{}
	for _, d := range batch {
		for _, i := range d.UnpaidItems {
			if i.DueDate != date(2025, 7, 1) || i.InvoiceDueDate != date(2025, 7, 1) || *i.RawDue != "2025-07-01" || *i.RawInvoiceDue != "2025-07-01" {
				t.Errorf("%s item %d: dates %v %v", d.Name, i.ID, i.DueDate, i.InvoiceDueDate)
			}
			got[d.Name] = append(got[d.Name], it{i.ID, i.InvoiceID, i.Type, i.OnlyThisDomain})
		}
	}
	want := map[string][]it{
		"x.com": {
			{f.items["single"], f.single, "Domain", true},
			{f.items["single promo"], f.single, "PromoDomain", true},
			{f.items["mixed"], f.mixed, "Domain", false},
			{f.items["shared x"], f.shared, "Domain", false},
			{f.items["addon"], f.addon, "DomainAddonIDP", true},
		},
		"y.com": {{f.items["shared y"], f.shared, "Domain", false}},
	}
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("%s items\n got %+v\nwant %+v", name, got[name], w)
		}
	}
}

// moveAll plans the standard change for x.com: new expiry, due dates moved
// to 2026-07-01 with its unpaid items (invoices with it when it is their
// only domain), two log lines, last_sync.
func moveAll(d Domain) Change {
	exp, due := date(2026, 7, 15), date(2026, 7, 1)
	c := Change{Domain: d, ExpiryDate: &exp, NextDueDate: &due, NextInvoiceDate: &due,
		ActivityLog: []string{"Domain Sync: x.com expirydate 2025-07-15 → 2026-07-15", "Domain Sync: x.com nextduedate 2025-07-01 → 2026-07-01 😀"},
		SyncTable:   opTable, SyncTime: now}
	for _, i := range d.UnpaidItems {
		c.Items = append(c.Items, ItemMove{ItemID: i.ID, InvoiceID: i.InvoiceID, OldDue: i.RawDue, NewDue: due, MoveInvoice: i.OnlyThisDomain, OldInvoice: i.RawInvoiceDue})
	}
	return c
}

// snapshot is every value Apply may write, as text.
func snapshot(t *testing.T, e *env) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT GROUP_CONCAT(CONCAT_WS('/', id, expirydate, nextduedate, nextinvoicedate, status, reminders) ORDER BY id) FROM tbldomains",
		"SELECT GROUP_CONCAT(CONCAT_WS('/', id, duedate) ORDER BY id) FROM tblinvoiceitems",
		"SELECT GROUP_CONCAT(CONCAT_WS('/', id, duedate, status) ORDER BY id) FROM tblinvoices",
		"SELECT COUNT(*) FROM tblactivitylog",
		"SELECT COUNT(*) FROM " + opTable,
	} {
		b.WriteString(e.scalar(t, q) + "\n")
	}
	return b.String()
}

func TestApply(t *testing.T) {
	e := newEnv(t, Options{})
	f := seedInvoices(t, e)
	if _, err := e.db.EnsureSyncTable(context.Background(), "openprovider"); err != nil {
		t.Fatal(err)
	}
	x := selectOne(t, e, "x.com")
	if err := e.db.Apply(context.Background(), moveAll(x)); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ q, want string }{
		{"SELECT CONCAT_WS('/', expirydate, nextduedate, nextinvoicedate, status, reminders) FROM tbldomains WHERE id = ?", "2026-07-15/2026-07-01/2026-07-01/Active/"},
		{"SELECT CONCAT_WS('/', nextduedate, reminders) FROM tbldomains WHERE domain = 'y.com'", "2025-07-01/"},
		// Single-domain invoice: items and invoice move.
		{"SELECT GROUP_CONCAT(duedate ORDER BY id) FROM tblinvoiceitems WHERE invoiceid = " + itoa(f.single), "2026-07-01,2026-07-01"},
		{"SELECT duedate FROM tblinvoices WHERE id = " + itoa(f.single), "2026-07-01"},
		// Mixed and shared invoices: only x's item moves.
		{"SELECT GROUP_CONCAT(duedate ORDER BY id) FROM tblinvoiceitems WHERE invoiceid = " + itoa(f.mixed), "2026-07-01,2025-07-01"},
		{"SELECT duedate FROM tblinvoices WHERE id = " + itoa(f.mixed), "2025-07-01"},
		{"SELECT GROUP_CONCAT(duedate ORDER BY id) FROM tblinvoiceitems WHERE invoiceid = " + itoa(f.shared), "2026-07-01,2025-07-01"},
		{"SELECT duedate FROM tblinvoices WHERE id = " + itoa(f.shared), "2025-07-01"},
		{"SELECT duedate FROM tblinvoices WHERE id = " + itoa(f.addon), "2026-07-01"},
		// Paid, cancelled and non-domain items untouched.
		{"SELECT GROUP_CONCAT(duedate) FROM tblinvoiceitems WHERE invoiceid IN (" + itoa(f.paid) + "," + itoa(f.cancelled) + "," + itoa(f.hosting) + ")", "2025-07-01,2025-07-01,2025-07-01"},
		{"SELECT GROUP_CONCAT(duedate) FROM tblinvoices WHERE id IN (" + itoa(f.paid) + "," + itoa(f.cancelled) + "," + itoa(f.hosting) + ")", "2025-07-01,2025-07-01,2025-07-01"},
		// Activity log as WHMCS's cron writes it, text kept within 3-byte utf8.
		{"SELECT GROUP_CONCAT(CONCAT_WS('|', date, description, user, userid, ipaddr, user_id, admin_id) ORDER BY id SEPARATOR '\n') FROM tblactivitylog",
			"2025-06-01 12:00:00|Domain Sync: x.com expirydate 2025-07-15 → 2026-07-15|System|5||0|0\n" +
				"2025-06-01 12:00:00|Domain Sync: x.com nextduedate 2025-07-01 → 2026-07-01 \uFFFD|System|5||0|0"},
		{"SELECT CONCAT_WS('/', id, last_sync) FROM " + opTable, itoa(f.x) + "/2025-06-01 12:00:00"},
	}
	for _, c := range checks {
		var args []any
		if strings.Contains(c.q, "?") {
			args = append(args, f.x)
		}
		if got := e.scalar(t, c.q, args...); got != c.want {
			t.Errorf("%s\n got %q\nwant %q", c.q, got, c.want)
		}
	}

	t.Run("status only, reminders kept", func(t *testing.T) {
		y := selectOne(t, e, "y.com")
		whmcstest.Exec(t, e.dsn, "UPDATE tbldomains SET reminders = '|7|' WHERE id = "+itoa(f.y))
		y.RawStatus = "Active"
		st := "Expired"
		if err := e.db.Apply(context.Background(), Change{Domain: y, Status: &st}); err != nil {
			t.Fatal(err)
		}
		if got := e.scalar(t, "SELECT CONCAT_WS('/', status, reminders) FROM tbldomains WHERE id = ?", f.y); got != "Expired/|7|" {
			t.Errorf("got %q", got)
		}
	})

	t.Run("rejected before writing", func(t *testing.T) {
		before := snapshot(t, e)
		y := selectOne(t, e, "x.com")
		bad := "Deleted"
		zero := NoDate
		for name, c := range map[string]Change{
			"unknown status": {Domain: y, Status: &bad},
			"zero date":      {Domain: y, ExpiryDate: &zero},
			"zero sync time": {Domain: y, SyncTable: opTable},
			"bad table":      {Domain: y, SyncTable: "x`; DROP TABLE tbldomains", SyncTime: now},
			"bad item":       {Domain: y, Items: []ItemMove{{ItemID: 0, InvoiceID: 1, NewDue: date(2026, 1, 1)}}},
		} {
			err := e.db.Apply(context.Background(), c)
			if err == nil || !strings.Contains(err.Error(), "x.com") {
				t.Errorf("%s: error %v does not name the domain", name, err)
			}
		}
		if after := snapshot(t, e); after != before {
			t.Errorf("written:\n%s\nwas\n%s", after, before)
		}
	})
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func TestApplyConflicts(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(f invoiceFixture) string // the concurrent edit, between SelectBatch and Apply
		setup func(t *testing.T, e *env)    // optional
	}{
		{"admin edited the expiry date", func(f invoiceFixture) string {
			return "UPDATE tbldomains SET expirydate = '2027-01-01' WHERE id = " + itoa(f.x)
		}, nil},
		{"admin edited the next due date", func(f invoiceFixture) string {
			return "UPDATE tbldomains SET nextduedate = '2025-08-01' WHERE id = " + itoa(f.x)
		}, nil},
		{"expiry set to NULL", func(f invoiceFixture) string {
			return "UPDATE tbldomains SET expirydate = NULL WHERE id = " + itoa(f.x)
		}, nil},
		{"item due date edited", func(f invoiceFixture) string {
			return "UPDATE tblinvoiceitems SET duedate = '2025-07-02' WHERE id = " + itoa(f.items["mixed"])
		}, nil},
		{"invoice paid meanwhile", func(f invoiceFixture) string {
			return "UPDATE tblinvoices SET status = 'Paid' WHERE id = " + itoa(f.single)
		}, nil},
		{"invoice due date edited", func(f invoiceFixture) string {
			return "UPDATE tblinvoices SET duedate = '2025-07-05' WHERE id = " + itoa(f.single)
		}, nil},
		{"another client's item added to the invoice", func(f invoiceFixture) string {
			return "INSERT INTO tblinvoiceitems (invoiceid, userid, type, relid, description, taxed, paymentmethod, notes) VALUES (" +
				itoa(f.single) + ", 5, 'Hosting', 1, '', 0, '', '')"
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			f := seedInvoices(t, e)
			if _, err := e.db.EnsureSyncTable(context.Background(), "openprovider"); err != nil {
				t.Fatal(err)
			}
			x := selectOne(t, e, "x.com")
			whmcstest.Exec(t, e.dsn, tt.edit(f))
			before := snapshot(t, e)
			err := e.db.Apply(context.Background(), moveAll(x))
			if !errors.Is(err, ErrConflict) {
				t.Fatalf("Apply = %v, want ErrConflict", err)
			}
			if !strings.Contains(err.Error(), "x.com") {
				t.Errorf("error %q does not name the domain", err)
			}
			if after := snapshot(t, e); after != before {
				t.Errorf("written despite the conflict:\n%s\nwas\n%s", after, before)
			}
		})
	}
}

func TestApplyRollsBackOnFailure(t *testing.T) {
	e := newEnv(t, Options{})
	seedInvoices(t, e)
	if _, err := e.db.EnsureSyncTable(context.Background(), "openprovider"); err != nil {
		t.Fatal(err)
	}
	x := selectOne(t, e, "x.com")
	for _, tt := range []struct {
		name, breakIt, fixIt string
	}{
		{"activity log insert fails",
			"CREATE TRIGGER fail_log BEFORE INSERT ON tblactivitylog FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'log broken'",
			"DROP TRIGGER fail_log"},
		{"last_sync insert fails",
			"CREATE TRIGGER fail_sync BEFORE INSERT ON " + opTable + " FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'sync broken'",
			"DROP TRIGGER fail_sync"},
		{"activity log table gone",
			"RENAME TABLE tblactivitylog TO tblactivitylog_gone",
			"RENAME TABLE tblactivitylog_gone TO tblactivitylog"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The column list is cached from the first Apply: the failure
			// then happens inside the transaction.
			if err := e.db.LogActivity(context.Background(), 0, "warm up"); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, e)
			whmcstest.Exec(t, e.dsn, tt.breakIt)
			err := e.db.Apply(context.Background(), moveAll(x))
			whmcstest.Exec(t, e.dsn, tt.fixIt)
			if err == nil || errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "x.com") {
				t.Fatalf("Apply = %v, want a failure naming the domain", err)
			}
			if after := snapshot(t, e); after != before {
				t.Errorf("partly written:\n%s\nwas\n%s", after, before)
			}
		})
	}

	t.Run("item conflict after the domain update", func(t *testing.T) {
		before := snapshot(t, e)
		c := moveAll(x)
		c.Items[len(c.Items)-1].OldDue = sp("1999-01-01")
		err := e.db.Apply(context.Background(), c)
		if !errors.Is(err, ErrConflict) {
			t.Fatalf("Apply = %v, want ErrConflict", err)
		}
		if after := snapshot(t, e); after != before {
			t.Errorf("partly written:\n%s\nwas\n%s", after, before)
		}
	})
	t.Run("then it applies", func(t *testing.T) {
		if err := e.db.Apply(context.Background(), moveAll(x)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLogActivity(t *testing.T) {
	e := newEnv(t, Options{})
	if err := e.db.LogActivity(context.Background(), 42, "Domain Sync: FAI for x.com"); err != nil {
		t.Fatal(err)
	}
	if got := e.scalar(t, "SELECT CONCAT_WS('|', date, description, user, userid, ipaddr) FROM tblactivitylog"); got != "2025-06-01 12:00:00|Domain Sync: FAI for x.com|System|42|" {
		t.Errorf("got %q", got)
	}
	if err := e.db.LogActivity(context.Background(), 1, "  "); err == nil {
		t.Error("empty description accepted")
	}
	// A WHMCS 7 table without user_id/admin_id.
	e2 := newEnv(t, Options{})
	whmcstest.Exec(t, e2.dsn, "ALTER TABLE tblactivitylog DROP COLUMN user_id, DROP COLUMN admin_id")
	if err := e2.db.LogActivity(context.Background(), 1, "old table"); err != nil {
		t.Fatal(err)
	}
}

func TestLock(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	other, err := Open(ctx, e.dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	release, err := e.db.Lock(ctx, "sync")
	if err != nil {
		t.Fatal(err)
	}
	for name, db := range map[string]*DB{"another process": other, "the same pool": e.db} {
		if _, err := db.Lock(ctx, "sync"); !errors.Is(err, ErrLocked) {
			t.Errorf("%s: Lock = %v, want ErrLocked", name, err)
		}
	}
	rel2, err := other.Lock(ctx, "reconcile") // another name is independent
	if err != nil {
		t.Fatal(err)
	}
	rel2()
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := release(); err != nil {
		t.Errorf("second release: %v", err)
	}
	rel3, err := other.Lock(ctx, "sync")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	defer rel3()
	if got := e.scalar(t, "SELECT IS_FREE_LOCK(?)", LockName(e.db.Name(), "sync")); got != "0" {
		t.Errorf("IS_FREE_LOCK = %s while held", got)
	}

	// Held by a connection that dies: released by the server.
	ctx2, cancel := context.WithCancel(ctx)
	rel4, err := e.db.Lock(ctx2, "crash")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := rel4(); err != nil { // release still works after the run's context ended
		t.Errorf("release after cancel: %v", err)
	}
	if got := e.scalar(t, "SELECT IS_FREE_LOCK(?)", LockName(e.db.Name(), "crash")); got != "1" {
		t.Errorf("IS_FREE_LOCK = %s after release", got)
	}
}

func TestRecipients(t *testing.T) {
	e := newEnv(t, Options{})
	db := e.raw
	full := whmcstest.InsertRole(t, db, whmcstest.RoleRow{Name: "Full Administrator", SystemEmails: true, AccountEmails: true, SupportEmails: true})
	sales := whmcstest.InsertRole(t, db, whmcstest.RoleRow{Name: "Sales Operator", AccountEmails: true, SupportEmails: true})
	for _, a := range []whmcstest.AdminRow{
		{RoleID: full, FirstName: "Ada", LastName: "Admin", Email: " Ada@Example.COM "},
		{RoleID: full, FirstName: "Dis", LastName: "Abled", Email: "dis@example.com", Disabled: true},
		{RoleID: sales, FirstName: "Sal", LastName: "Es", Email: "sales@example.com"},
		{RoleID: full, FirstName: "No", LastName: "Mail", Email: "  "},
		{RoleID: full, FirstName: "Ada", LastName: "Again", Email: "ada@example.com"},
		{RoleID: full, FirstName: "Tom &amp; Co", LastName: "", Email: "tom@example.com"},
		{RoleID: 77, FirstName: "No", LastName: "Role", Email: "norole@example.com"},
	} {
		whmcstest.InsertAdmin(t, db, a)
	}
	got, err := e.db.Recipients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Recipient{{"Ada Admin", "ada@example.com"}, {"Tom & Co", "tom@example.com"}}
	if !slices.Equal(got, want) {
		t.Errorf("Recipients = %+v, want %+v", got, want)
	}
}

func TestEnsureSyncTableAndRecordLastSync(t *testing.T) {
	strict := "STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
	ctx := context.Background()
	t.Run("created, strict mode", func(t *testing.T) {
		e := newEnv(t, Options{SQLMode: &strict})
		table, err := e.db.EnsureSyncTable(ctx, "openprovider")
		if err != nil || table != opTable {
			t.Fatalf("EnsureSyncTable = %q, %v", table, err)
		}
		if again, err := e.db.EnsureSyncTable(ctx, "openprovider"); err != nil || again != table {
			t.Fatalf("second EnsureSyncTable = %q, %v", again, err)
		}
		if got := e.scalar(t, "SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", table); got != "InnoDB" {
			t.Errorf("engine %s", got)
		}
		ids := make([]int64, 2500) // three chunks
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		if err := e.db.RecordLastSync(ctx, table, ids, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := e.db.RecordLastSync(ctx, table, ids[:10], now); err != nil {
			t.Fatal(err)
		}
		if got := e.scalar(t, "SELECT CONCAT_WS('/', COUNT(*), SUM(last_sync = '2025-06-01 12:00:00'), MIN(last_sync)) FROM "+table); got != "2500/10/2025-06-01 11:00:00" {
			t.Errorf("rows %s", got)
		}
		for name, err := range map[string]error{
			"zero time": e.db.RecordLastSync(ctx, table, ids[:1], time.Time{}),
			"bad id":    e.db.RecordLastSync(ctx, table, []int64{0}, now),
			"bad table": e.db.RecordLastSync(ctx, "a b", ids[:1], now),
		} {
			if err == nil {
				t.Errorf("%s accepted", name)
			}
		}
	})
	t.Run("the module's table with zero datetimes, strict mode", func(t *testing.T) {
		e := newEnv(t, Options{SQLMode: &strict})
		whmcstest.CreateModuleSyncTable(t, e.raw, opTable)
		a := whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{Domain: "a.com", Registrar: "openprovider"})
		b := whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{Domain: "b.com", Registrar: "openprovider"})
		whmcstest.SetLastSync(t, e.raw, opTable, a, "0000-00-00 00:00:00")
		whmcstest.SetLastSync(t, e.raw, opTable, b, "0000-00-00 00:00:00")
		if table, err := e.db.EnsureSyncTable(ctx, "openprovider"); err != nil || table != opTable {
			t.Fatalf("EnsureSyncTable = %q, %v", table, err)
		}
		batch, err := e.db.SelectBatch(ctx, BatchQuery{Registrar: "openprovider", Statuses: []string{"Active"}, Interval: time.Hour, Now: now})
		if err != nil || len(batch) != 2 || !batch[0].LastSync.IsZero() {
			t.Fatalf("SelectBatch = %v, %v", batch, err)
		}
		if err := e.db.RecordLastSync(ctx, opTable, []int64{a}, now); err != nil {
			t.Fatal(err)
		}
		if got := e.scalar(t, "SELECT GROUP_CONCAT(last_sync ORDER BY id) FROM "+opTable); got != "2025-06-01 12:00:00,0000-00-00 00:00:00" {
			t.Errorf("rows %s", got)
		}
		// Apply under strict mode too, on a row holding zero dates.
		d := selectOne(t, e, "b.com")
		exp := date(2026, 1, 1)
		if err := e.db.Apply(ctx, Change{Domain: d, ExpiryDate: &exp, ActivityLog: []string{"x"}, SyncTable: opTable, SyncTime: now}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a table without the columns", func(t *testing.T) {
		e := newEnv(t, Options{})
		whmcstest.Exec(t, e.dsn, "CREATE TABLE tblDomainSyncOdr (domain_id int) ENGINE=InnoDB")
		if _, err := e.db.EnsureSyncTable(ctx, "odr"); err == nil || !strings.Contains(err.Error(), "tblDomainSyncOdr") {
			t.Errorf("EnsureSyncTable = %v", err)
		}
		if _, err := e.db.EnsureSyncTable(ctx, "--"); err == nil {
			t.Error("no name accepted")
		}
	})
}

func TestCheckEngines(t *testing.T) {
	ctx := context.Background()
	seed := func(t *testing.T, e *env) Domain {
		whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{Domain: "a.com", Registrar: "openprovider", ExpiryDate: "2025-01-01"})
		whmcstest.Exec(t, e.dsn, "ALTER TABLE tblactivitylog ENGINE=MyISAM")
		return selectOne(t, e, "a.com")
	}
	exp := date(2026, 1, 1)

	t.Run("refused", func(t *testing.T) {
		e := newEnv(t, Options{})
		d := seed(t, e)
		err := e.db.CheckEngines(ctx)
		if !errors.Is(err, ErrNotTransactional) || !strings.Contains(err.Error(), "tblactivitylog (MyISAM)") {
			t.Fatalf("CheckEngines = %v", err)
		}
		for name, err := range map[string]error{
			"Apply":          e.db.Apply(ctx, Change{Domain: d, ExpiryDate: &exp}),
			"LogActivity":    e.db.LogActivity(ctx, 0, "x"),
			"RecordLastSync": e.db.RecordLastSync(ctx, opTable, []int64{d.ID}, now),
		} {
			if !errors.Is(err, ErrNotTransactional) {
				t.Errorf("%s = %v, want refusal", name, err)
			}
		}
		if got := e.scalar(t, "SELECT expirydate FROM tbldomains"); got != "2025-01-01" {
			t.Errorf("written: %s", got)
		}
	})
	t.Run("writers check by themselves", func(t *testing.T) {
		e := newEnv(t, Options{})
		d := seed(t, e)
		if err := e.db.Apply(ctx, Change{Domain: d, ExpiryDate: &exp}); !errors.Is(err, ErrNotTransactional) {
			t.Errorf("Apply = %v, want refusal", err)
		}
	})
	t.Run("sync table engine", func(t *testing.T) {
		e := newEnv(t, Options{})
		whmcstest.Exec(t, e.dsn, "CREATE TABLE tblDomainSyncOpenprovider (id int unsigned primary key, last_sync datetime not null) ENGINE=MyISAM")
		whmcstest.Exec(t, e.dsn, "CREATE TABLE tblDomainSyncOpenprovider_old (id int) ENGINE=MyISAM")
		if err := e.db.CheckEngines(ctx); err != nil {
			t.Errorf("CheckEngines = %v; tables not written do not count", err)
		}
		if err := e.db.RecordLastSync(ctx, opTable, []int64{1}, now); !errors.Is(err, ErrNotTransactional) {
			t.Errorf("RecordLastSync = %v, want refusal", err)
		}
		if _, err := e.db.EnsureSyncTable(ctx, "openprovider"); !errors.Is(err, ErrNotTransactional) {
			t.Errorf("EnsureSyncTable = %v, want refusal", err)
		}
		if got := e.scalar(t, "SELECT COUNT(*) FROM "+opTable); got != "0" {
			t.Errorf("written: %s rows", got)
		}
	})
	t.Run("allowed with a warning", func(t *testing.T) {
		var logs bytes.Buffer
		e := newEnv(t, Options{AllowNonTransactional: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		d := seed(t, e)
		if err := e.db.CheckEngines(ctx); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "tblactivitylog (MyISAM)") {
			t.Errorf("no warning: %s", logs.String())
		}
		if err := e.db.Apply(ctx, Change{Domain: d, ExpiryDate: &exp, ActivityLog: []string{"x"}}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("not a WHMCS database", func(t *testing.T) {
		e := newEnv(t, Options{})
		whmcstest.Exec(t, e.dsn, "DROP TABLE tblinvoiceitems")
		if err := e.db.CheckEngines(ctx); err == nil || !strings.Contains(err.Error(), "tblinvoiceitems") {
			t.Errorf("CheckEngines = %v", err)
		}
	})
}

func TestSettings(t *testing.T) {
	e := newEnv(t, Options{})
	whmcstest.SetConfig(t, e.raw, "DomainSyncEnabled", "on")
	whmcstest.SetConfig(t, e.raw, "CompanyName", "Acme &amp; Co")
	got, err := e.db.Settings(context.Background(), "DomainSyncEnabled", "CompanyName", "Missing")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["DomainSyncEnabled"] != "on" || got["CompanyName"] != "Acme &amp; Co" {
		t.Errorf("Settings = %v", got)
	}
	whmcstest.InsertRegistrarSetting(t, e.raw, "openprovider", "Username", "enc1")
	whmcstest.InsertRegistrarSetting(t, e.raw, "openprovider", "Username", "enc2")
	whmcstest.InsertRegistrarSetting(t, e.raw, "enom", "Username", "other")
	rs, err := e.db.RegistrarSettings(context.Background(), "openprovider")
	if err != nil || len(rs) != 1 || rs["Username"] != "enc1" {
		t.Errorf("RegistrarSettings = %v, %v", rs, err)
	}
}
