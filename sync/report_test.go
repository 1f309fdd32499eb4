package sync

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/report"
	"github.com/domainsync/domainsync/whmcsdb"
)

// sectionRows are a section's rows, each as "cell|cell|...".
func sectionRows(rep *report.Report, id string) []string {
	var out []string
	if s := rep.Section(id); s != nil {
		for _, r := range s.Rows {
			out = append(out, strings.Join(r, "|"))
		}
	}
	return out
}

// reportPlans: an expiry change (a), another (b), a push (c), a push that
// failed (d), a domain with a note only (e).
func reportPlans() []DomainPlan {
	rec := &registrar.Record{Name: "x"}
	exp := &DateChange{Old: civil.Date{Year: 2027, Month: 3, Day: 1}, New: civil.Date{Year: 2027, Month: 4, Day: 1}}
	push := []Push{{Kind: PushAutoRenew, Old: "off", New: "default", Renew: true}}
	return []DomainPlan{
		{UnicodeName: "a.com", Record: rec, Expiry: exp},
		{UnicodeName: "b.com", Record: rec, Expiry: exp},
		{UnicodeName: "c.com", Record: rec, Pushes: push},
		{UnicodeName: "d.com", Record: rec, Pushes: push},
		{Domain: whmcsdb.Domain{Name: "e.com"}, Notes: []Note{{Kind: NoteWaiting, Why: "not at the registrar yet"}}},
	}
}

// The plans and their outcomes as rows and totals: what was written (and
// only that) is shown; a conflict, a domain not started and a note are
// skipped; a push error fails the domain. Planned (dry run or held):
// the rows show the plan.
func TestBuildReport(t *testing.T) {
	outs := []outcome{
		{applied: true},
		{conflict: whmcsdb.ErrConflict},
		{pushed: []bool{true}},
		{pushed: []bool{false}, pushErrors: []string{"auto-renew not changed at the registrar: refused"}},
		{},
	}
	rep := report.NewSync("openprovider")
	buildReport(rep, reportPlans(), outs, false)
	if got := fmt.Sprint(sectionRows(rep, report.SectionExpiry)); !strings.Contains(got, "a.com") || strings.Contains(got, "b.com") {
		t.Errorf("expiry rows %s: want a.com's only", got)
	}
	if got := fmt.Sprint(sectionRows(rep, report.SectionAutoRenew)); !strings.Contains(got, "c.com") || strings.Contains(got, "d.com") {
		t.Errorf("auto-renew rows %s: want c.com's only", got)
	}
	if got := fmt.Sprint(sectionRows(rep, report.SectionErrors)); !strings.Contains(got, "d.com|auto-renew not changed") {
		t.Errorf("error rows %s", got)
	}
	if got := fmt.Sprint(sectionRows(rep, report.SectionAttention)); !strings.Contains(got, "b.com|not applied|") {
		t.Errorf("attention rows %s", got)
	}
	if got := fmt.Sprint(sectionRows(rep, report.SectionWaiting)); got != "[e.com|not at the registrar yet]" {
		t.Errorf("waiting rows %s", got)
	}
	if tot := rep.Totals; tot.Checked != 4 || tot.Changed != 2 || tot.Failed != 1 || tot.Skipped != 2 {
		t.Errorf("totals %+v; want 4 checked, 2 changed (a, c), 1 failed (d), 2 skipped (b, e)", tot)
	}

	outs[1] = outcome{notStarted: true}
	rep = report.NewSync("openprovider")
	buildReport(rep, reportPlans(), outs, false)
	if tot := rep.Totals; tot.Skipped != 2 {
		t.Errorf("not started: totals %+v", tot)
	}

	rep = report.NewSync("openprovider")
	buildReport(rep, reportPlans(), make([]outcome, 5), true)
	if n := len(sectionRows(rep, report.SectionExpiry)) + len(sectionRows(rep, report.SectionAutoRenew)); n != 4 || rep.Totals.Changed != 4 {
		t.Errorf("planned: %d rows, totals %+v; want the 4 changes", n, rep.Totals)
	}
}

// The report of the select and fetch stages: the --domain names not
// found and the invalid statuses are error rows; a fetch stopped by the
// deadline skips the whole selection, one by an account failure fails it.
func TestReportSelectionAndFetchStop(t *testing.T) {
	o := Options{Registrar: &hookReg{}, Names: []string{"here.com", "gone.com"}}.withDefaults()
	rep := report.NewSync("openprovider")
	reportSelection(rep, o, selection{Count: 2, Domains: []whmcsdb.Domain{{Name: "HERE.com"}},
		Invalid: []whmcsdb.Domain{{ID: 7, RawStatus: "Bogus"}}})
	rows := fmt.Sprint(sectionRows(rep, report.SectionErrors))
	if !strings.Contains(rows, "gone.com|not found in WHMCS") || strings.Contains(rows, "here.com") ||
		!strings.Contains(rows, `(tbldomains id 7)|tbldomains.status "Bogus" (id 7) is not a WHMCS status`) {
		t.Errorf("error rows %s", rows)
	}
	if rep.Totals.Selected != 2 || rep.Totals.Failed != 1 {
		t.Errorf("totals %+v", rep.Totals)
	}

	res := &Result{Report: report.NewSync("openprovider")}
	reportFetchStop(res, o, fetchResult{TimedOut: true}, 5)
	if !res.TimedOut || res.NotStarted != 5 || res.Report.Totals.Skipped != 5 || len(res.Report.Notices) != 1 || res.AccountErr != nil {
		t.Errorf("deadline: %+v, notices %v", res, res.Report.Notices)
	}

	denied := errors.New("access denied")
	res = &Result{Report: report.NewSync("openprovider")}
	reportFetchStop(res, o, fetchResult{AccountErr: denied}, 5)
	if res.AccountErr != denied || res.Report.Totals.Failed != 5 || fmt.Sprint(sectionRows(res.Report, report.SectionErrors)) != "[(openprovider account)|access denied]" {
		t.Errorf("account: %+v, rows %v", res, sectionRows(res.Report, report.SectionErrors))
	}
}

// The apply stage's counts go into the result; an account failure of the
// pushes is the run's account error with one row; the deadline's notice.
func TestReportAppliedAndDeadline(t *testing.T) {
	o := Options{Registrar: &hookReg{}}.withDefaults()
	res := &Result{Report: report.NewSync("openprovider")}
	denied := errors.New("blocked")
	reportApplied(res, o, applyResult{Applied: 3, Pushed: 2, NotStarted: 4, TimedOut: true, AccountErr: denied})
	if res.Applied != 3 || res.Pushed != 2 || res.NotStarted != 4 || !res.TimedOut || res.AccountErr != denied {
		t.Errorf("result %+v", res)
	}
	if got := fmt.Sprint(sectionRows(res.Report, report.SectionErrors)); got != "[(openprovider account)|registrar writes stopped: blocked]" {
		t.Errorf("rows %s", got)
	}
	reportDeadline(res)
	if len(res.Report.Notices) != 1 || !strings.Contains(res.Report.Notices[0], "4 domains or registrar writes not started") {
		t.Errorf("notices %v", res.Report.Notices)
	}
	quiet := &Result{Report: report.NewSync("openprovider")}
	reportDeadline(quiet)
	if len(quiet.Report.Notices) != 0 {
		t.Errorf("notices without a deadline: %v", quiet.Report.Notices)
	}
}
