//go:build demo

package cmd

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/report"
	"github.com/domainsync/domainsync/whmcsdb/embedded"
)

// The demo runs a real sync through runSync against the embedded engine and
// the simulator, prints the intro, the report and three commands, writes
// the WHMCS rows and pushes to the registrar.
func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	now := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	var rows map[string]string
	var simDomains []opsim.Domain
	err := runDemo(context.Background(), &demoOptions{
		IO:  &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Now: now,
		AfterSync: func(ctx context.Context, srv *embedded.Server, sim *opsim.Server) error {
			db, err := srv.Open()
			if err != nil {
				return err
			}
			defer db.Close()
			rs, err := db.QueryContext(ctx, "SELECT domain, status, expirydate, nextduedate FROM tbldomains")
			if err != nil {
				return err
			}
			defer rs.Close()
			rows = map[string]string{}
			for rs.Next() {
				var k, st, exp, due string
				if err := rs.Scan(&k, &st, &exp, &due); err != nil {
					return err
				}
				rows[k] = st + "/" + exp + "/" + due
			}
			simDomains = sim.Domains()
			return rs.Err()
		},
	})
	if err != nil {
		t.Fatalf("demo: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	got := out.String()
	for _, want := range []string{
		"50 domains", "37 domains agree with the registrar. 13 do not:",
		"Domain sync (openprovider)",
		"northwind-bakery.com  2026-04-19  2027-04-19",
		"oldtown-photo.net", "Pending Transfer  Active (transfer completed)",
		"summit-fitness.com", "cobalt-cloud.io", "ghost-travel.com", "rapid-auto.de", "violet-books.be", "fresh-garden.shop",
		"due_date_max_difference 100", "invoice #1",
		"The simulated Openprovider received 4 updates",
		"Try next:", "domainsync sync --dry-run",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The demo's report shows every section of the sync report.
	for _, sec := range report.NewSync("openprovider").Sections {
		if sec.ID == "contacts" { // ODR only
			continue
		}
		if !strings.Contains(got, sec.Title) {
			t.Errorf("output lacks the report section %q", sec.Title)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", got)
	}
	for name, want := range map[string]string{
		"oldtown-photo.net":    "Expired/2026-02-26/2026-02-12", // status only
		"northwind-bakery.com": "Active/2027-04-19/2027-04-05",  // expiry a year on, due already there
		"lakeside-studio.eu":   "Active/2026-12-25/2026-12-11",  // transfer completed, expiry from the registrar
		"quarry-legal.nl":      "Active/2026-09-26/2026-04-15",  // due date left alone
		"harbour-dental.co.uk": "Active/2026-04-25/2026-04-11",  // moved by 21 days
		"ghost-travel.com":     "Active/2026-05-09/2026-04-25",  // unchanged
		"fresh-garden.shop":    "Pending Registration/0000-00-00/2026-03-10",
	} {
		if !strings.HasPrefix(rows[name], want) {
			t.Errorf("tbldomains %s = %q, want prefix %q", name, rows[name], want)
		}
	}
	for _, d := range simDomains {
		if d.FullName() == "summit-fitness.com" && d.Autorenew != "off" {
			t.Errorf("summit-fitness.com autorenew at the registrar %q, want off", d.Autorenew)
		}
	}
	if strings.Contains(got+errOut.String(), opsim.DefaultPassword) {
		t.Error("the simulator's password was printed")
	}
}
