package cmd

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar/odr/odrsim"
	dsync "github.com/domainsync/domainsync/sync"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// TestSyncE2EODRDeletedIsExpired: a domain ODR's domain info returns with
// status DELETED has that status: an Active WHMCS domain becomes Expired
// (activity row, the report's status section, counted by the mass-change
// guard), Grace and Redemption are kept, and a name ODR does not return at
// all is still "not found". Both read paths (per-name lookups and the
// portfolio listing) say the same.
func TestSyncE2EODRDeletedIsExpired(t *testing.T) {
	for _, strategy := range []dsync.ReadStrategy{dsync.ReadLookup, dsync.ReadList} {
		t.Run(string(strategy), func(t *testing.T) {
			t.Setenv(dsync.ReadStrategyEnv, string(strategy))
			e := newE2E(t, e2eOptions{})
			var odr []odrsim.Domain
			gone := map[string]int64{}
			for i := 1; i <= 5; i++ {
				name := fmt.Sprintf("gone%d.nl", i)
				odr = append(odr, odrsim.Domain{ID: int64(i), Name: name, Status: "DELETED", Expiration: "2026-01-01 00:00:00"})
				gone[name] = e.domain(whmcstest.DomainRow{Domain: name, Registrar: "odr", Status: "Active", RegistrationDate: "2020-01-10",
					ExpiryDate: "2026-01-01", NextDueDate: "2025-12-18", NextInvoiceDate: "2025-12-18"})
			}
			odr = append(odr,
				odrsim.Domain{ID: 6, Name: "grace.nl", Status: "DELETED", Expiration: "2026-01-01 00:00:00"},
				odrsim.Domain{ID: 7, Name: "redemption.nl", Status: "DELETED", Expiration: "2026-01-01 00:00:00"})
			graceID := e.domain(whmcstest.DomainRow{Domain: "grace.nl", Registrar: "odr", Status: "Grace", RegistrationDate: "2020-01-10",
				ExpiryDate: "2026-01-01", NextDueDate: "2025-12-18", NextInvoiceDate: "2025-12-18"})
			redID := e.domain(whmcstest.DomainRow{Domain: "redemption.nl", Registrar: "odr", Status: "Redemption", RegistrationDate: "2020-01-10",
				ExpiryDate: "2026-01-01", NextDueDate: "2025-12-18", NextInvoiceDate: "2025-12-18"})
			absentID := e.domain(whmcstest.DomainRow{Domain: "absent.nl", Registrar: "odr", Status: "Active", RegistrationDate: "2020-01-10",
				ExpiryDate: "2026-01-01", NextDueDate: "2025-12-18", NextInvoiceDate: "2025-12-18"})
			withODR(t, e, odrsim.Options{Domains: odr}, "")

			// 5 of 8 domains would leave Active: the guard counts them and
			// holds the batch.
			before := e.billing()
			code, out, errOut := e.run("--registrar", "odr", "--report", "text")
			if code != 1 {
				t.Fatalf("first run: exit %d, want 1 (held)\n%s\n%s", code, out, errOut)
			}
			mustContain(t, "held run", out, "held: suspicious mass change: 5 of 8 domains", "would leave Active")
			if e.billing() != before {
				t.Error("a held batch changed WHMCS")
			}

			code, out, errOut = e.run("--registrar", "odr", "--report", "text", "--force")
			if code != 0 {
				t.Fatalf("--force: exit %d\n%s\n%s", code, out, errOut)
			}
			status := func(id int64) string { return e.query("SELECT status FROM tbldomains WHERE id = ?", id)[0] }
			act := strings.Join(e.activity(), "\n")
			for name, id := range gone {
				if got := status(id); got != "Expired" {
					t.Errorf("%s: status %s, want Expired", name, got)
				}
				mustContain(t, "activity log", act, "Domain Sync: "+name+" status Active → Expired")
				if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(name) + `\s+Active\s+Expired\s*$`).MatchString(out) {
					t.Errorf("%s is not in the report's status section as Active → Expired:\n%s", name, out)
				}
			}
			mustContain(t, "report", out, "Status (5)")
			if got := status(graceID); got != "Grace" {
				t.Errorf("grace.nl: %s, want Grace kept", got)
			}
			if got := status(redID); got != "Redemption" {
				t.Errorf("redemption.nl: %s, want Redemption kept", got)
			}
			if got := status(absentID); got != "Active" {
				t.Errorf("absent.nl: %s, want Active", got)
			}
			mustContain(t, "report", out, "absent.nl", "not found at odr")
			if strings.Contains(out, "exists among deleted domains") {
				t.Errorf("a DELETED domain reported as only among the deleted ones:\n%s", out)
			}
		})
	}
}

// TestSyncE2EODRFailedTransfer: a Pending Transfer domain whose ODR status
// is neither REGISTERED nor PENDING (FAILED, CANCELLED, REJECTED, …) is a
// failed transfer under "needs attention" with ODR's status and reason, not
// an error; WHMCS is unchanged unless transfer_failed_status is Cancelled.
// The same unknown code on a domain not in Pending Transfer stays an error.
func TestSyncE2EODRFailedTransfer(t *testing.T) {
	for _, cancel := range []bool{false, true} {
		t.Run(fmt.Sprintf("cancel=%v", cancel), func(t *testing.T) {
			o := e2eOptions{}
			if cancel {
				o.Sync = "transfer_failed_status: Cancelled"
			}
			e := newE2E(t, o)
			withODR(t, e, odrsim.Options{Domains: []odrsim.Domain{
				{ID: 1, Name: "xfer-failed.nl", Status: "FAILED", Reason: "Auth code invalid"},
				{ID: 2, Name: "xfer-cancelled.nl", Status: "CANCELLED"},
				{ID: 3, Name: "xfer-rejected.nl", Status: "rejected", Reason: "refused by the losing registrar"},
				{ID: 4, Name: "live-failed.nl", Status: "FAILED", Expiration: "2027-01-01 00:00:00"},
			}}, "")
			xfer := map[string]int64{}
			for _, n := range []string{"xfer-failed.nl", "xfer-cancelled.nl", "xfer-rejected.nl"} {
				xfer[n] = e.domain(whmcstest.DomainRow{Domain: n, Registrar: "odr", Type: "Transfer", Status: "Pending Transfer", RegistrationDate: "2025-01-10"})
			}
			liveID := e.domain(whmcstest.DomainRow{Domain: "live-failed.nl", Registrar: "odr", Status: "Active", RegistrationDate: "2020-01-10",
				ExpiryDate: "2026-01-01", NextDueDate: "2025-12-18", NextInvoiceDate: "2025-12-18"})

			code, out, errOut := e.run("--registrar", "odr", "--report", "text")
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			after := "WHMCS not changed"
			want := "Pending Transfer"
			if cancel {
				after, want = "status set to Cancelled (sync.transfer_failed_status)", "Cancelled"
			}
			mustContain(t, "report", out, "Not applied / needs attention (3)", "xfer-failed.nl     failed transfer",
				"the transfer failed: registrar status FAILED (Auth code invalid); "+after,
				"the transfer failed: registrar status CANCELLED; "+after,
				"the transfer failed: registrar status REJECTED (refused by the losing registrar); "+after,
				`live-failed.nl  unknown registrar status code "FAILED"`)
			for n, id := range xfer {
				if strings.Contains(out, n+"  unknown registrar status code") {
					t.Errorf("%s reported as an unknown status code:\n%s", n, out)
				}
				if got := e.query("SELECT status FROM tbldomains WHERE id = ?", id)[0]; got != want {
					t.Errorf("%s: status %s, want %s", n, got, want)
				}
			}
			if got := e.query("SELECT status, expirydate FROM tbldomains WHERE id = ?", liveID)[0]; got != "Active | 2026-01-01" {
				t.Errorf("live-failed.nl: %s, want unchanged", got)
			}
		})
	}
}
