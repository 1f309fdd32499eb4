package sync

import (
	"slices"
	"testing"
	"time"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/whmcsdb"
)

var now = time.Date(2025, 6, 1, 10, 30, 0, 0, time.UTC)

func TestChange(t *testing.T) {
	s := settings()
	date := func(s string) *civil.Date { d := D(s); return &d }
	str := func(s string) *string { return &s }
	cases := []struct {
		name      string
		plan      DomainPlan
		want      whmcsdb.Change // Domain, SyncTable and SyncTime are checked separately
		hasChange bool
	}{
		{
			name: "nothing changed: only last_sync",
			plan: Plan(domain().build(), record().found(), s, today),
		},
		{
			name: "dates and invoice items",
			plan: Plan(domain().item(1, 100, "Domain", "2026-02-15", true).dueBoth("2026-02-15").build(), record().expiry("2026-03-05").found(), s, today),
			want: whmcsdb.Change{
				ExpiryDate:      date("2026-03-05"),
				NextDueDate:     date("2026-02-19"),
				NextInvoiceDate: date("2026-02-19"),
				Items: []whmcsdb.ItemMove{{ItemID: 1, InvoiceID: 100, OldDue: str("2026-02-15"), NewDue: D("2026-02-19"),
					MoveInvoice: true, OldInvoice: str("2026-02-15")}},
				ActivityLog: []string{
					"Domain Sync: example.com expiry date 2026-03-01 → 2026-03-05",
					"Domain Sync: example.com next due date 2026-02-15 → 2026-02-19",
					"Domain Sync: example.com next invoice date 2026-02-15 → 2026-02-19",
					"Domain Sync: example.com invoice 100 item 1 (Domain) due date 2026-02-15 → 2026-02-19",
					"Domain Sync: example.com invoice 100 due date 2026-02-15 → 2026-02-19",
				},
			},
			hasChange: true,
		},
		{
			name: "status and a filled due date",
			plan: Plan(domain().dueBoth("").build(), record().code("DEL").found(), s, today),
			want: whmcsdb.Change{
				NextDueDate:     date("2026-02-15"),
				NextInvoiceDate: date("2026-02-15"),
				Status:          str("Expired"),
				ActivityLog: []string{
					"Domain Sync: example.com status Active → Expired (registrar status DEL)",
					"Domain Sync: example.com next due date none → 2026-02-15",
					"Domain Sync: example.com next invoice date none → 2026-02-15",
				},
			},
			hasChange: true,
		},
		{
			name: "FAI: an activity-log line, no field",
			plan: Plan(domain().status(StatusPendingTransfer).build(), record().code("FAI").found(), s, today),
			want: whmcsdb.Change{
				ActivityLog: []string{"Domain Sync: example.com The domain name request has failed (registrar status FAI)"},
			},
			hasChange: true,
		},
		{
			name: "pushes are not written by the transaction",
			plan: Plan(domain().doNotRenew().build(), record().found(), s, today),
		},
		{
			name: "IDN: log lines use the Unicode name",
			plan: Plan(domain().name("xn--bcher-kva.example").build(), record().named("xn--bcher-kva.example").code("DEL").found(), s, today),
			want: whmcsdb.Change{
				Status:      str("Expired"),
				ActivityLog: []string{"Domain Sync: bücher.example status Active → Expired (registrar status DEL)"},
			},
			hasChange: true,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.plan.Change("tblDomainSyncOpenprovider", now)
			if got.SyncTable != "tblDomainSyncOpenprovider" || !got.SyncTime.Equal(now) {
				t.Errorf("last_sync: %q %v", got.SyncTable, got.SyncTime)
			}
			// The guards come from the domain as read.
			d := c.plan.Domain
			if got.Domain.ID != d.ID || got.Domain.RawExpiryDate != d.RawExpiryDate || got.Domain.RawNextDueDate != d.RawNextDueDate ||
				got.Domain.RawNextInvoiceDate != d.RawNextInvoiceDate || got.Domain.RawStatus != d.RawStatus {
				t.Errorf("guards not from the domain as read: %+v", got.Domain)
			}
			eqDate := func(what string, a, b *civil.Date) {
				if (a == nil) != (b == nil) || (a != nil && *a != *b) {
					t.Errorf("%s = %v, want %v", what, a, b)
				}
			}
			eqDate("ExpiryDate", got.ExpiryDate, c.want.ExpiryDate)
			eqDate("NextDueDate", got.NextDueDate, c.want.NextDueDate)
			eqDate("NextInvoiceDate", got.NextInvoiceDate, c.want.NextInvoiceDate)
			if (got.Status == nil) != (c.want.Status == nil) || (got.Status != nil && *got.Status != *c.want.Status) {
				t.Errorf("Status = %v, want %v", got.Status, c.want.Status)
			}
			if !slices.EqualFunc(got.Items, c.want.Items, func(a, b whmcsdb.ItemMove) bool {
				return a.ItemID == b.ItemID && a.InvoiceID == b.InvoiceID && *a.OldDue == *b.OldDue && a.NewDue == b.NewDue &&
					a.MoveInvoice == b.MoveInvoice && (a.OldInvoice == nil) == (b.OldInvoice == nil) && (a.OldInvoice == nil || *a.OldInvoice == *b.OldInvoice)
			}) {
				t.Errorf("Items = %+v, want %+v", got.Items, c.want.Items)
			}
			sameLines(t, got.ActivityLog, c.want.ActivityLog)
			if c.plan.HasDBChange() != c.hasChange {
				t.Errorf("HasDBChange = %v, want %v", c.plan.HasDBChange(), c.hasChange)
			}
		})
	}
}

func TestChangeDoesNotShareDates(t *testing.T) {
	p := Plan(domain().build(), record().expiry("2026-03-05").found(), settings(), today)
	c := p.Change("", now)
	*c.ExpiryDate = D("2000-01-01")
	if p.Expiry.New != D("2026-03-05") {
		t.Errorf("Change aliases the plan's dates")
	}
}

func TestString(t *testing.T) {
	p := Plan(domain().doNotRenew().build(), record().expiry("2027-03-01").found(), settings(), today)
	want := "example.com (Active, registrar ACT)\n" +
		"  expiry date 2026-03-01 → 2027-03-01\n" +
		"  push auto-renew default → off\n" +
		"  [not applied] next due date 2026-02-15 → 2027-02-15: due date move of 365 days exceeds due_date_max_difference 100\n"
	if got := p.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
