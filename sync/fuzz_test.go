package sync

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/registrar"
)

func FuzzParseInterval(f *testing.F) {
	for _, s := range []string{"0", "2h", "1d", "1d12h", "1.5d", "12h1d", "-1d", "+2d30m", "", "d", "1dd", "1d-2h", "106751d23h", "106752d", ".5d", "1µs", "3d4h5m6s7ms8us9ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseInterval(s)
		if !strings.Contains(s, "d") {
			want, werr := time.ParseDuration(strings.TrimSpace(s))
			if (err == nil) != (werr == nil) || (err == nil && d != want) {
				t.Fatalf("ParseInterval(%q) = %v, %v; time.ParseDuration: %v, %v", s, d, err, want, werr)
			}
		}
		if err != nil || d < 0 {
			return
		}
		// Whatever parses, printed with whole days, parses back the same.
		days, rest := d/(24*time.Hour), d%(24*time.Hour)
		again := fmt.Sprintf("%dd%s", days, rest)
		if back, err := ParseInterval(again); err != nil || back != d {
			t.Fatalf("ParseInterval(%q) = %v; printed %q parses as %v, %v", s, d, again, back, err)
		}
	})
}

// FuzzPlan plans arbitrary domains and registrar answers under arbitrary
// valid settings and checks what must hold whatever the input.
func FuzzPlan(f *testing.F) {
	type seed struct {
		name, status, code, autoRenew, mapCode, mapTo string
		exp, due, inv, reg, regExp                    int32 // days since 2000-01-01, 0 = no date
		bits                                          uint16
		offset, maxDiff                               uint16
	}
	day := func(s string) int32 { return int32(D(s).DaysSince(D("2000-01-01"))) }
	seeds := []seed{
		{"example.com", "Active", "ACT", "default", "", "", day("2026-03-01"), day("2026-02-15"), day("2026-02-15"), day("2020-03-01"), day("2026-03-01"), 0xffff, 14, 100},
		{"example.com", "Active", "DEL", "off", "DEL", "Grace", day("2026-03-01"), day("2026-02-15"), 0, day("2020-03-01"), day("2027-03-01"), 0xfff0, 0, 100},
		{"bücher.example", "Pending Transfer", "ACT", "on", "", "", 0, 0, 0, day("2025-01-01"), day("2026-09-01"), 0x0f0f, 14, 0},
		{"example.com", "Pending Registration", "PEN", "", "", "", 0, 0, 0, 0, 0, 0x5555, 3, 60},
		{"example.com", "Grace", "RRQ", "default", "", "", day("2025-05-01"), day("2025-04-17"), day("2025-04-17"), day("2010-01-01"), day("1970-01-01"), 0xaaaa, 14, 100},
		{"example.com", "Cancelled", "FAI", "off", "", "", day("2026-03-01"), 1, 2, 3, day("2040-01-01"), 0x1234, 400, 400},
		{"localhost", "", "XYZ", "weird", "TRA", "Transferred Away", -5000, 99999, -1, 7, 8, 0xffff, 7, 7},
	}
	for _, s := range seeds {
		f.Add(s.name, s.status, s.code, s.autoRenew, s.mapCode, s.mapTo, s.exp, s.due, s.inv, s.reg, s.regExp, s.bits, s.offset, s.maxDiff)
	}
	epoch := D("2000-01-01")
	date := func(n int32) civil.Date {
		if n == 0 {
			return civil.Date{}
		}
		return epoch.AddDays(int(n))
	}
	f.Fuzz(func(t *testing.T, name, status, code, autoRenew, mapCode, mapTo string, exp, due, inv, reg, regExp int32, bits, offset, maxDiff uint16) {
		bit := func(i uint) bool { return bits&(1<<i) != 0 }
		s := DefaultSettings()
		s.ExpiryDate, s.Status, s.DueDate, s.Invoices, s.AutoRenew, s.IDProtection = bit(0), bit(1), bit(2), bit(3), bit(4), bit(5)
		s.DueDateOffset, s.DueDateMaxDifference = int(offset%1000), int(maxDiff%1000)
		if bit(6) {
			s.Statuses = WHMCSStatuses()
		}
		if mapCode != "" {
			s.StatusMap = map[string]string{mapCode: mapTo}
		}
		if s.Validate() != nil {
			return
		}
		b := domain().name(name).status(status).dueBoth("")
		b.d.ExpiryDate, b.d.NextDueDate, b.d.NextInvoiceDate, b.d.RegistrationDate = date(exp), date(due), date(inv), date(reg)
		b.d.DoNotRenew, b.d.IDProtection = bit(7), bit(8)
		b.item(1, 100, "Domain", "", bit(9))
		b.d.UnpaidItems[0].DueDate = date(due)
		d := b.build()
		r := record().code(code).autoRenew(registrar.AutoRenew(autoRenew)).expiryDate(date(regExp)).privacy(bit(10)).found()
		r.Record.PrivacyAllowed, r.Record.PrivacyKnown = bit(11), bit(12)
		if ascii, _, err := registrar.NormalizeName(name); err == nil {
			r.Record.Name = ascii
		}
		r.Found = !bit(13)

		p := Plan(d, r, s, today)

		if p.Expiry != nil && plausible(p.Expiry.New, d.RegistrationDate, today) != "" {
			t.Fatalf("implausible expiry planned: %s", p)
		}
		for _, c := range []*DateChange{p.NextDue, p.NextInvoice} {
			if c != nil && (c.New.IsZero() || !c.New.IsValid() || c.New == c.Old) {
				t.Fatalf("bad date change %+v: %s", c, p)
			}
		}
		if c := p.Status; c != nil {
			if _, ok := CanonicalStatus(c.New); !ok || c.New == StatusFraud || isTerminal(c.Old) || c.Old == c.New {
				t.Fatalf("bad status change %+v: %s", c, p)
			}
		}
		if (len(p.Pushes) > 0 || p.Changed()) && (p.Record == nil || len(p.LogOnly) > 0) {
			t.Fatalf("a change without a usable record: %s", p)
		}
		if len(p.Items) > 0 && p.NextDue == nil {
			t.Fatalf("items move without the due date: %s", p)
		}
		c := p.Change("tblDomainSyncOpenprovider", time.Time{})
		if len(c.ActivityLog) != len(p.changeLines())+len(p.LogOnly) {
			t.Fatalf("activity log %q for %s", c.ActivityLog, p)
		}
		d2, r2 := applied(p, r)
		if p2 := Plan(d2, r2, s, today); p2.Changed() {
			t.Fatalf("second run changes again:\nfirst %s\nsecond %s", p, p2)
		}
		held := HoldAll([]DomainPlan{p}, "held")
		if held[0].Changed() || held[0].HasDBChange() && len(p.LogOnly) == 0 {
			t.Fatalf("held plan still changes: %s", held[0])
		}
		_ = Guard([]DomainPlan{p, held[0]}, s, bit(14))
	})
}
