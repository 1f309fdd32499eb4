package sync

import (
	"fmt"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/report"
)

func wd(id int64, name, reg, status, expiry string) ReconcileDomain {
	return ReconcileDomain{ID: id, Name: name, Registrar: reg, Status: status, Expiry: D(expiry)}
}

func rr(name, code string, fam registrar.Family, expiry string) registrar.Record {
	return registrar.Record{Name: name, StatusCode: code, Family: fam, Expiry: D(expiry), Deleted: fam == registrar.FamilyDeleted}
}

func rows(rep *report.Report, id string) []string {
	var out []string
	for _, r := range rep.Section(id).Rows {
		out = append(out, strings.Join(r, " | "))
	}
	return out
}

func TestReconcile(t *testing.T) {
	odr := func(s *Settings) { s.Registrar = "odr" }
	tests := []struct {
		name  string
		whmcs []ReconcileDomain
		recs  []registrar.Record
		want  map[string][]string
	}{
		{"in agreement, names normalized (case, trailing dot, IDN)",
			[]ReconcileDomain{wd(1, "Example.NL.", "ODR", "Active", "2026-01-01"), wd(2, "bücher.nl", "odr", "Pending Transfer", "")},
			[]registrar.Record{rr("example.nl", "REGISTERED", registrar.FamilyActive, "2026-01-01"), rr("xn--bcher-kva.nl", "PENDING", registrar.FamilyPending, "")},
			nil},
		{"not in WHMCS; deleted at the registrar is not listed",
			nil,
			[]registrar.Record{rr("a.nl", "REGISTERED", registrar.FamilyActive, "2026-01-01"), rr("gone.nl", "DELETED", registrar.FamilyDeleted, "2020-01-01")},
			map[string][]string{SectionNotInWHMCS: {"a.nl | REGISTERED | 2026-01-01"}}},
		{"missing at the registrar, saying whether it exists as deleted; Cancelled is not expected",
			[]ReconcileDomain{wd(1, "gone.nl", "odr", "Active", "2026-01-01"), wd(2, "never.nl", "odr", "Expired", ""), wd(3, "old.nl", "odr", "Cancelled", ""), wd(4, "op.nl", "openprovider", "Active", "")},
			[]registrar.Record{rr("gone.nl", "DELETED", registrar.FamilyDeleted, "2020-01-01")},
			map[string][]string{SectionMissingAtRegistar: {"gone.nl | Active | 2026-01-01 | exists there as deleted (status DELETED)", "never.nl | Expired | no date | not found"}}},
		{"under another registrar in WHMCS",
			[]ReconcileDomain{wd(1, "moved.nl", "openprovider", "Active", "2026-01-01")},
			[]registrar.Record{rr("moved.nl", "REGISTERED", registrar.FamilyActive, "2026-01-01")},
			map[string][]string{SectionOtherRegistrar: {"moved.nl | openprovider | Active | REGISTERED"}}},
		{"expiry beyond the tolerance only",
			[]ReconcileDomain{wd(1, "a.nl", "odr", "Active", "2026-01-01"), wd(2, "b.nl", "odr", "Active", "2026-01-01"), wd(3, "c.nl", "odr", "Active", "")},
			[]registrar.Record{rr("a.nl", "REGISTERED", registrar.FamilyActive, "2026-01-03"), rr("b.nl", "REGISTERED", registrar.FamilyActive, "2025-12-01"), rr("c.nl", "REGISTERED", registrar.FamilyActive, "2026-01-01")},
			map[string][]string{SectionExpiryMismatch: {"b.nl | 2026-01-01 | 2025-12-01 | -31"}}},
		{"statuses: families agree, others disagree, unknown never agrees, scheduled deletion agrees",
			[]ReconcileDomain{wd(1, "a.nl", "odr", "Active", ""), wd(2, "b.nl", "odr", "Redemption", ""), wd(3, "c.nl", "odr", "Grace", ""), wd(4, "d.nl", "odr", "Active", ""), wd(5, "e.nl", "odr", "Active", ""), wd(6, "f.nl", "odr", "Cancelled", "")},
			[]registrar.Record{rr("a.nl", "QUARANTINE", registrar.FamilyQuarantine, ""), rr("b.nl", "QUARANTINE", registrar.FamilyQuarantine, ""), rr("c.nl", "QUARANTINE", registrar.FamilyQuarantine, ""),
				rr("d.nl", "LOCKED", registrar.FamilyUnknown, ""), rr("e.nl", "DELETE_SCHEDULED", registrar.FamilyScheduled, ""), rr("f.nl", "REGISTERED", registrar.FamilyActive, "")},
			map[string][]string{SectionStatusMismatch: {"a.nl | Active | QUARANTINE | Redemption", "d.nl | Active | LOCKED | (unknown registrar status)", "f.nl | Cancelled | REGISTERED | Active"}}},
		{"an old cancelled row next to the live one is not compared",
			[]ReconcileDomain{wd(1, "a.nl", "odr", "Cancelled", "2020-01-01"), wd(2, "a.nl", "odr", "Active", "2026-01-01")},
			[]registrar.Record{rr("a.nl", "REGISTERED", registrar.FamilyActive, "2026-01-01")},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReconciler(ReconcileOptions{Registrar: "odr", Modules: []string{"odr"}, Settings: settings(odr), ExpiryTolerance: 2})
			for _, d := range tt.whmcs {
				r.AddWHMCS(d)
			}
			for _, rec := range tt.recs {
				r.AddRecord(rec)
			}
			rep := r.Report()
			for _, id := range []string{SectionNotInWHMCS, SectionMissingAtRegistar, SectionOtherRegistrar, SectionExpiryMismatch, SectionStatusMismatch} {
				sameLines(t, rows(rep, id), tt.want[id])
			}
		})
	}
}

func TestReconcileSubjectAndCap(t *testing.T) {
	r := NewReconciler(ReconcileOptions{Registrar: "odr", Settings: settings(func(s *Settings) { s.Registrar = "odr" }), MaxRows: 2})
	r.AddWHMCS(wd(1, "missing.nl", "ODR", "Active", ""))
	r.AddWHMCS(wd(2, "bad name", "odr", "Active", ""))
	for i := range 3 {
		r.AddRecord(rr(fmt.Sprintf("n%d.nl", i), "REGISTERED", registrar.FamilyActive, "2026-01-01"))
	}
	rep := r.Report()
	if got, want := rep.Subject(), "Domain reconciliation (odr): 3 not in WHMCS, 1 missing at registrar"; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	if len(rep.Section(SectionNotInWHMCS).Rows) != 2 || r.Counts()[SectionNotInWHMCS] != 3 {
		t.Errorf("cap: %d rows, count %d", len(rep.Section(SectionNotInWHMCS).Rows), r.Counts()[SectionNotInWHMCS])
	}
	if !strings.Contains(strings.Join(rep.Notices, "\n"), "3 domains, the first 2 listed") || !strings.Contains(strings.Join(rep.Notices, "\n"), "1 WHMCS domains") {
		t.Errorf("notices %q", rep.Notices)
	}
}
