package sync

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/registrar"
)

type planCase struct {
	name string
	d    *domainB
	r    registrar.Result
	s    func(*Settings)
	want []string
}

func withPending(s *Settings)   { s.Statuses = append(s.Statuses, StatusPending) }
func withCancelled(s *Settings) { s.Statuses = append(s.Statuses, StatusCancelled) }

// The rules, one table per rule; every case is also re-planned after being
// applied (TestPlanSecondRunChangesNothing).
var planCases = map[string][]planCase{
	"expiry and due date": {
		{name: "unchanged", d: domain(), r: record().found(),
			want: []string{"no change"}},
		{name: "expiry moves a few days, due and invoice date follow", d: domain(), r: record().expiry("2026-03-05").found(),
			want: []string{
				"expiry date 2026-03-01 → 2026-03-05",
				"next due date 2026-02-15 → 2026-02-19",
				"next invoice date 2026-02-15 → 2026-02-19",
			}},
		{name: "renewed at the registrar: expiry updates, due move over the limit is not applied", d: domain(), r: record().expiry("2027-03-01").found(),
			want: []string{
				"expiry date 2026-03-01 → 2027-03-01",
				"[not applied] next due date 2026-02-15 → 2027-02-15: due date move of 365 days exceeds due_date_max_difference 100",
			}},
		{name: "offset 0: due date equals expiry", d: domain(), r: record().found(), s: func(s *Settings) { s.DueDateOffset = 0 },
			want: []string{
				"next due date 2026-02-15 → 2026-03-01",
				"next invoice date 2026-02-15 → 2026-03-01",
			}},
		{name: "offset 14: due date 14 days before expiry", d: domain().dueBoth("2026-03-01"), r: record().found(),
			want: []string{
				"next due date 2026-03-01 → 2026-02-15",
				"next invoice date 2026-03-01 → 2026-02-15",
			}},
		{name: "zero due date is filled", d: domain().dueBoth(""), r: record().found(),
			want: []string{
				"next due date none → 2026-02-15",
				"next invoice date none → 2026-02-15",
			}},
		{name: "zero due date is filled even with due_date off", d: domain().dueBoth(""), r: record().found(), s: func(s *Settings) { s.DueDate = false },
			want: []string{
				"next due date none → 2026-02-15",
				"next invoice date none → 2026-02-15",
			}},
		{name: "zero due date is filled without the max-difference check", d: domain().dueBoth("").expiry("2024-03-01"), r: record().expiry("2030-03-01").found(),
			want: []string{
				"expiry date 2024-03-01 → 2030-03-01",
				"next due date none → 2030-02-15",
				"next invoice date none → 2030-02-15",
			}},
		{name: "zero next invoice date alone is filled", d: domain().invoice(""), r: record().found(),
			want: []string{"next invoice date none → 2026-02-15"}},
		{name: "next invoice date differing alone follows the due date", d: domain().invoice("2026-03-10"), r: record().found(),
			want: []string{"next invoice date 2026-03-10 → 2026-02-15"}},
		{name: "next invoice date alone too far: not applied", d: domain().invoice("2027-02-15"), r: record().found(),
			want: []string{"[not applied] next invoice date 2027-02-15 → 2026-02-15: due date move of 365 days exceeds due_date_max_difference 100"}},
		{name: "max difference: exactly 100 days is applied", d: domain().dueBoth("2025-11-07"), r: record().found(),
			want: []string{
				"next due date 2025-11-07 → 2026-02-15",
				"next invoice date 2025-11-07 → 2026-02-15",
			}},
		{name: "max difference: 101 days later is not applied", d: domain().dueBoth("2025-11-06"), r: record().found(),
			want: []string{"[not applied] next due date 2025-11-06 → 2026-02-15: due date move of 101 days exceeds due_date_max_difference 100"}},
		{name: "max difference: 101 days earlier is not applied", d: domain().dueBoth("2026-05-27"), r: record().found(),
			want: []string{"[not applied] next due date 2026-05-27 → 2026-02-15: due date move of 101 days exceeds due_date_max_difference 100"}},
		{name: "max difference 0 allows only no move", d: domain().dueBoth("2026-02-14"), r: record().found(), s: func(s *Settings) { s.DueDateMaxDifference = 0 },
			want: []string{"[not applied] next due date 2026-02-14 → 2026-02-15: due date move of 1 days exceeds due_date_max_difference 0"}},
		{name: "due_date off: only the expiry moves", d: domain(), r: record().expiry("2026-03-05").found(), s: func(s *Settings) { s.DueDate = false },
			want: []string{"expiry date 2026-03-01 → 2026-03-05"}},
		{name: "expiry_date off: nothing from the registrar's date, due date from WHMCS's expiry", d: domain().dueBoth("2026-02-10"), r: record().expiry("2027-03-01").found(), s: func(s *Settings) { s.ExpiryDate = false },
			want: []string{
				"next due date 2026-02-10 → 2026-02-15",
				"next invoice date 2026-02-10 → 2026-02-15",
			}},
		{name: "expiry_date off and WHMCS expiry implausible: no due change", d: domain().expiry("1970-01-01").dueBoth("2026-02-10"), r: record().found(), s: func(s *Settings) { s.ExpiryDate = false },
			want: []string{"no change"}},
		{name: "expiry moving backwards is planned and flagged", d: domain(), r: record().expiry("2026-01-01").found(),
			want: []string{
				"expiry date 2026-03-01 → 2026-01-01",
				"next due date 2026-02-15 → 2025-12-18",
				"next invoice date 2026-02-15 → 2025-12-18",
				"[needs attention] expiry date 2026-03-01 → 2026-01-01: the expiry date moves backwards by 59 days",
			}},
		{name: "WHMCS expiry none is filled", d: domain().expiry(""), r: record().found(),
			want: []string{"expiry date none → 2026-03-01"}},
	},
	"implausible dates": {
		{name: "epoch date", d: domain(), r: record().expiry("1970-01-01").found(),
			want: []string{"error: implausible expiry date 1970-01-01 from registrar (field renewal_date): before 1985-01-01; expiry date not changed"}},
		{name: "1985-01-01 is plausible", d: domain().registered(""), r: record().expiry("1985-01-01").found(), s: func(s *Settings) { s.DueDate = false },
			want: []string{
				"expiry date 2026-03-01 → 1985-01-01",
				"[needs attention] expiry date 2026-03-01 → 1985-01-01: the expiry date moves backwards by 15034 days",
			}},
		{name: "more than 10 years ahead", d: domain(), r: record().expiry("2035-06-02").found(),
			want: []string{"error: implausible expiry date 2035-06-02 from registrar (field renewal_date): more than 10 years after today (2025-06-01); expiry date not changed"}},
		{name: "exactly 10 years ahead is plausible", d: domain(), r: record().expiry("2035-06-01").found(), s: func(s *Settings) { s.DueDate = false },
			want: []string{"expiry date 2026-03-01 → 2035-06-01"}},
		{name: "before the WHMCS registration date", d: domain().registered("2024-01-01"), r: record().expiry("2023-12-31").found(),
			want: []string{"error: implausible expiry date 2023-12-31 from registrar (field renewal_date): before the WHMCS registration date 2024-01-01; expiry date not changed"}},
		{name: "missing date", d: domain(), r: record().expiry("").found(),
			want: []string{"error: no expiry date from registrar (field renewal_date); expiry date not changed"}},
		{name: "not a calendar date", d: domain(), r: record().expiryDate(invalidDate).found(),
			want: []string{"error: implausible expiry date 2025-02-30 from registrar (field renewal_date): not a calendar date; expiry date not changed"}},
		{name: "missing date is normal for a pending registration", d: domain().status(StatusPendingRegistration).expiry("").dueBoth(""), r: record().code("PEN").expiry("").found(),
			want: []string{"no change"}},
		{name: "another registrar names its field generically", d: domain().at("odr"), r: record().expiry("1970-01-01").found(),
			want: []string{"error: implausible expiry date 1970-01-01 from registrar (field expiry date): before 1985-01-01; expiry date not changed"}},
	},
	"status": {
		{name: "ACT on Active: nothing", d: domain(), r: record().found(), want: []string{"no change"}},
		{name: "DEL on Active: Expired", d: domain(), r: record().code("DEL").found(),
			want: []string{"status Active → Expired (registrar status DEL)"}},
		{name: "DEL keeps Grace", d: domain().status(StatusGrace), r: record().code("DEL").found(), want: []string{"no change"}},
		{name: "DEL keeps Redemption", d: domain().status(StatusRedemption), r: record().code("DEL").found(), want: []string{"no change"}},
		{name: "DEL on Expired: nothing", d: domain().status(StatusExpired), r: record().code("DEL").found(), want: []string{"no change"}},
		{name: "PEN on Active: Pending is outside the selected statuses", d: domain(), r: record().code("PEN").found(),
			want: []string{"[not applied] status Active → Pending (registrar status PEN): Pending is not in sync.statuses: the domain would no longer be synced"}},
		{name: "PEN on Active with Pending selected: Pending", d: domain(), r: record().code("PEN").found(), s: withPending,
			want: []string{"status Active → Pending (registrar status PEN)"}},
		{name: "REQ on Active with Pending selected: Pending", d: domain(), r: record().code("REQ").found(), s: withPending,
			want: []string{"status Active → Pending (registrar status REQ)"}},
		{name: "SCH on Active with Pending selected: Pending", d: domain(), r: record().code("SCH").found(), s: withPending,
			want: []string{"status Active → Pending (registrar status SCH)"}},
		{name: "RRQ on Active with Pending selected: Pending", d: domain(), r: record().code("RRQ").found(), s: withPending,
			want: []string{"status Active → Pending (registrar status RRQ)"}},
		{name: "PEN keeps Pending Registration", d: domain().status(StatusPendingRegistration), r: record().code("PEN").found(), want: []string{"no change"}},
		{name: "REQ keeps Pending Registration", d: domain().status(StatusPendingRegistration), r: record().code("REQ").found(), want: []string{"no change"}},
		{name: "SCH keeps Pending Transfer", d: domain().status(StatusPendingTransfer), r: record().code("SCH").found(), want: []string{"no change"}},
		{name: "REQ keeps Pending Transfer", d: domain().status(StatusPendingTransfer), r: record().code("REQ").found(), want: []string{"no change"}},
		{name: "PEN keeps Pending Transfer even when Pending is selected", d: domain().status(StatusPendingTransfer), r: record().code("PEN").found(), s: withPending, want: []string{"no change"}},
		{name: "REQ on Pending: nothing", d: domain().status(StatusPending), r: record().code("REQ").found(), s: withPending, want: []string{"no change"}},
		{name: "RRQ keeps Redemption (restore in progress)", d: domain().status(StatusRedemption), r: record().code("RRQ").found(), s: withPending, want: []string{"no change"}},
		{name: "RRQ keeps Grace", d: domain().status(StatusGrace), r: record().code("RRQ").found(), s: withPending, want: []string{"no change"}},
		{name: "RRQ keeps Expired", d: domain().status(StatusExpired), r: record().code("RRQ").found(), s: withPending, want: []string{"no change"}},
		{name: "ACT on Pending (selected): Active", d: domain().status(StatusPending), r: record().found(), s: withPending,
			want: []string{"status Pending → Active (registrar status ACT)"}},
		{name: "ACT on Pending outside the selected statuses: not applied", d: domain().status(StatusPending), r: record().found(),
			want: []string{"[not applied] status Pending → Active (registrar status ACT): Pending is not in sync.statuses"}},
		{name: "ACT on Pending Registration: Active", d: domain().status(StatusPendingRegistration), r: record().found(),
			want: []string{"status Pending Registration → Active (registrar status ACT)"}},
		{name: "ACT on Expired: Active again", d: domain().status(StatusExpired), r: record().found(),
			want: []string{"status Expired → Active (registrar status ACT)"}},
		{name: "ACT on Grace: Active again", d: domain().status(StatusGrace), r: record().found(),
			want: []string{"status Grace → Active (registrar status ACT)"}},
		{name: "ACT on Redemption: Active again", d: domain().status(StatusRedemption), r: record().found(),
			want: []string{"status Redemption → Active (registrar status ACT)"}},
		{name: "Cancelled is never changed, noted when live", d: domain().status(StatusCancelled), r: record().autoRenew(registrar.AutoRenewOff).found(), s: withCancelled,
			want: []string{"[needs attention] status Cancelled → Active (registrar status ACT): Cancelled is never changed by domainsync, but the registrar says the domain is live"}},
		{name: "Cancelled and DEL: nothing to say", d: domain().status(StatusCancelled), r: record().code("DEL").found(), s: withCancelled, want: []string{"no change"}},
		{name: "Transferred Away is never changed", d: domain().status(StatusTransferredAway), r: record().found(), s: func(s *Settings) { s.Statuses = append(s.Statuses, StatusTransferredAway) },
			want: []string{"[needs attention] status Transferred Away → Active (registrar status ACT): Transferred Away is never changed by domainsync, but the registrar says the domain is live"}},
		{name: "Fraud is never changed", d: domain().status(StatusFraud), r: record().found(),
			want: []string{"[needs attention] status Fraud → Active (registrar status ACT): Fraud is never changed by domainsync, but the registrar says the domain is live"}},
		{name: "status_map overrides a code", d: domain(), r: record().code("DEL").found(), s: func(s *Settings) { s.StatusMap = map[string]string{"DEL": "Grace"} },
			want: []string{"status Active → Grace (registrar status DEL)"}},
		{name: "status_map matched case-insensitively", d: domain(), r: record().code("DEL").found(), s: func(s *Settings) { s.StatusMap = map[string]string{"del": "grace"} },
			want: []string{"status Active → Grace (registrar status DEL)"}},
		{name: "status_map adds a code (terminal targets may leave the selection)", d: domain(), r: record().code("TRA").found(), s: func(s *Settings) { s.StatusMap = map[string]string{"TRA": "Transferred Away"} },
			want: []string{"status Active → Transferred Away (registrar status TRA)"}},
		{name: "status off: nothing", d: domain(), r: record().code("DEL").found(), s: func(s *Settings) { s.Status = false }, want: []string{"no change"}},
		{name: "registrar code read case-insensitively", d: domain(), r: record().code(" del ").found(),
			want: []string{"status Active → Expired (registrar status DEL)"}},
	},
	"transfer completion": {
		{name: "Pending Transfer + ACT: Active, expiry and due date set in the same plan", d: domain().status(StatusPendingTransfer).expiry("").dueBoth(""), r: record().expiry("2026-09-01").found(),
			want: []string{
				"expiry date none → 2026-09-01",
				"status Pending Transfer → Active (registrar status ACT, transfer completed)",
				"next due date none → 2026-08-18",
				"next invoice date none → 2026-08-18",
			}},
		{name: "completion sets expiry and due date even with those rules off", d: domain().status(StatusPendingTransfer).expiry("2025-09-01").dueBoth("2025-08-18"), r: record().expiry("2025-10-01").found(),
			s: func(s *Settings) { s.ExpiryDate, s.DueDate = false, false },
			want: []string{
				"expiry date 2025-09-01 → 2025-10-01",
				"status Pending Transfer → Active (registrar status ACT, transfer completed)",
				"next due date 2025-08-18 → 2025-09-17",
				"next invoice date 2025-08-18 → 2025-09-17",
			}},
		{name: "completion without a usable expiry waits", d: domain().status(StatusPendingTransfer), r: record().expiry("").found(),
			want: []string{
				"[not applied] status Pending Transfer → Active: transfer completion waits for a usable expiry date from the registrar",
				"error: no expiry date from registrar (field renewal_date); expiry date not changed",
			}},
	},
	"FAI and unknown codes": {
		{name: "FAI changes nothing and is an error", d: domain().status(StatusPendingTransfer).doNotRenew(), r: record().code("FAI").expiry("2027-01-01").found(),
			want: []string{"error: The domain name request has failed"}},
		{name: "unknown code changes nothing and is an error", d: domain().doNotRenew(), r: record().code("XYZ").expiry("2027-01-01").found(),
			want: []string{`error: unknown registrar status code "XYZ" (active); nothing changed`}},
	},
	"not found and bad input": {
		{name: "not found", d: domain(), r: registrar.Result{},
			want: []string{"error: not found at openprovider (not among its deleted domains either); WHMCS not changed"}},
		{name: "not found, among deleted domains", d: domain(), r: registrar.Result{DeletedRecord: &record().code("DEL").r},
			want: []string{"error: not found at openprovider among live domains; it exists among deleted domains, status DEL; WHMCS not changed"}},
		{name: "Pending Transfer not there yet: waiting", d: domain().status(StatusPendingTransfer), r: registrar.Result{},
			want: []string{"[waiting] not at openprovider yet: normal while the domain is Pending Transfer"}},
		{name: "Pending Registration not there yet: waiting", d: domain().status(StatusPendingRegistration), r: registrar.Result{},
			want: []string{"[waiting] not at openprovider yet: normal while the domain is Pending Registration"}},
		{name: "lookup refused", d: domain(), r: registrar.Result{Err: &registrar.Error{Kind: registrar.KindRefused, Registrar: "openprovider", Domain: "example.com", Message: "no access"}},
			want: []string{"error: lookup at openprovider failed: openprovider: example.com: refused: no access; nothing changed"}},
		{name: "invalid record", d: domain(), r: record().expiry("2027-01-01").invalid(errors.New(`example.com: renewal_date "2025-13-45" is not a date`)).found(),
			want: []string{`error: invalid reply from openprovider: example.com: renewal_date "2025-13-45" is not a date; nothing changed`}},
		{name: "WHMCS row with a date that is not a date", d: domain().invalid(errors.New(`domain "example.com" (id 42): tbldomains.nextduedate: "2024-00-15" is not a date`)), r: record().expiry("2027-01-01").found(),
			want: []string{`error: WHMCS data: domain "example.com" (id 42): tbldomains.nextduedate: "2024-00-15" is not a date; nothing changed`}},
		{name: "record for another name", d: domain(), r: record().named("example.net").found(),
			want: []string{`error: openprovider answered for "example.net" instead of "example.com"; nothing changed`}},
		{name: "WHMCS name that is no domain", d: domain().name("localhost"), r: record().found(),
			want: []string{`error: WHMCS domain name: domain name "localhost" has no extension; nothing changed`}},
		{name: "WHMCS status outside the enum", d: domain().status(""), r: record().code("DEL").found(),
			want: []string{`error: WHMCS status "" (stored "") is not a WHMCS domain status; nothing changed`}},
		{name: "IDN stored in Unicode matches its punycode record", d: domain().name("Bücher.example"), r: record().named("xn--bcher-kva.example").expiry("2026-03-05").found(), s: func(s *Settings) { s.DueDate = false },
			want: []string{"expiry date 2026-03-01 → 2026-03-05"}},
	},
	"auto-renew": {
		{name: "renews, registrar off: push renew", d: domain(), r: record().autoRenew(registrar.AutoRenewOff).found(),
			want: []string{"push auto-renew off → default"}},
		{name: "renews, registrar default: nothing", d: domain(), r: record().autoRenew(registrar.AutoRenewDefault).found(), want: []string{"no change"}},
		{name: "renews, registrar on: nothing (never downgraded)", d: domain(), r: record().autoRenew(registrar.AutoRenewOn).found(), want: []string{"no change"}},
		{name: "renews, registrar sent nothing: noted", d: domain(), r: record().autoRenew(registrar.AutoRenewUnknown).found(),
			want: []string{`[needs attention] auto-renew: the registrar sent no known auto-renew value (""); not compared, nothing sent`}},
		{name: "do not renew, registrar off: nothing", d: domain().doNotRenew(), r: record().autoRenew(registrar.AutoRenewOff).found(), want: []string{"no change"}},
		{name: "do not renew, registrar default: push off", d: domain().doNotRenew(), r: record().autoRenew(registrar.AutoRenewDefault).found(),
			want: []string{"push auto-renew default → off"}},
		{name: "do not renew, registrar on: push off", d: domain().doNotRenew(), r: record().autoRenew(registrar.AutoRenewOn).found(),
			want: []string{"push auto-renew on → off"}},
		{name: "do not renew, registrar sent nothing: noted", d: domain().doNotRenew(), r: record().autoRenew(registrar.AutoRenewUnknown).found(),
			want: []string{`[needs attention] auto-renew: the registrar sent no known auto-renew value (""); not compared, nothing sent`}},
		{name: "auto_renew off: nothing", d: domain().doNotRenew(), r: record().found(), s: func(s *Settings) { s.AutoRenew = false }, want: []string{"no change"}},
		{name: "no push for a deleted domain", d: domain().doNotRenew(), r: record().code("DEL").found(),
			want: []string{"status Active → Expired (registrar status DEL)"}},
		{name: "no push for a pending domain", d: domain().status(StatusPendingTransfer).idProtection(), r: record().code("REQ").autoRenew(registrar.AutoRenewOff).found(), want: []string{"no change"}},
		{name: "push after a transfer completes", d: domain().status(StatusPendingTransfer).doNotRenew(), r: record().found(),
			want: []string{
				"status Pending Transfer → Active (registrar status ACT, transfer completed)",
				"push auto-renew default → off",
			}},
	},
	"ID protection": {
		{name: "wanted, off and allowed: push on", d: domain().idProtection(), r: record().found(),
			want: []string{"push ID protection off → on"}},
		{name: "wanted, off and not allowed: noted, not sent", d: domain().idProtection(), r: record().privacyNotAllowed().found(),
			want: []string{"[needs attention] ID protection off → on: the registrar does not allow WHOIS privacy for this domain; nothing sent"}},
		{name: "not wanted, on: push off", d: domain(), r: record().privacy(true).found(),
			want: []string{"push ID protection on → off"}},
		{name: "wanted and on: nothing", d: domain().idProtection(), r: record().privacy(true).found(), want: []string{"no change"}},
		{name: "not allowed and not wanted: nothing", d: domain(), r: record().privacyNotAllowed().found(), want: []string{"no change"}},
		{name: "registrar sent nothing: noted", d: domain().idProtection(), r: record().privacyUnknown().found(),
			want: []string{"[needs attention] ID protection: the registrar sent nothing about WHOIS privacy; not compared, nothing sent"}},
		{name: "id_protection off: nothing", d: domain().idProtection(), r: record().found(), s: func(s *Settings) { s.IDProtection = false }, want: []string{"no change"}},
	},
	"invoices": {
		{name: "unpaid items on the old due date move; the invoice moves once when it is only this domain's",
			d: domain().
				item(1, 100, "Domain", "2026-02-15", true).
				item(2, 100, "PromoDomain", "2026-02-15", true).
				item(3, 200, "Domain", "2026-02-15", false).
				item(4, 300, "Domain", "2025-02-15", true),
			r: record().expiry("2026-03-05").found(),
			want: []string{
				"expiry date 2026-03-01 → 2026-03-05",
				"next due date 2026-02-15 → 2026-02-19",
				"next invoice date 2026-02-15 → 2026-02-19",
				"invoice 100 item 1 (Domain) due date 2026-02-15 → 2026-02-19",
				"invoice 100 due date 2026-02-15 → 2026-02-19",
				"invoice 100 item 2 (PromoDomain) due date 2026-02-15 → 2026-02-19",
				"invoice 200 item 3 (Domain) due date 2026-02-15 → 2026-02-19",
			}},
		{name: "invoices off: items stay", d: domain().item(1, 100, "Domain", "2026-02-15", true), r: record().expiry("2026-03-05").found(), s: func(s *Settings) { s.Invoices = false },
			want: []string{
				"expiry date 2026-03-01 → 2026-03-05",
				"next due date 2026-02-15 → 2026-02-19",
				"next invoice date 2026-02-15 → 2026-02-19",
			}},
		{name: "due move not applied: items stay", d: domain().item(1, 100, "Domain", "2026-02-15", true), r: record().expiry("2027-03-01").found(),
			want: []string{
				"expiry date 2026-03-01 → 2027-03-01",
				"[not applied] next due date 2026-02-15 → 2027-02-15: due date move of 365 days exceeds due_date_max_difference 100",
			}},
		{name: "zero due date filled: no item is on a zero date", d: domain().dueBoth("").item(1, 100, "Domain", "2026-02-15", true), r: record().found(),
			want: []string{
				"next due date none → 2026-02-15",
				"next invoice date none → 2026-02-15",
			}},
	},
}

func TestPlan(t *testing.T) {
	for group, cases := range planCases {
		for _, c := range cases {
			t.Run(group+"/"+c.name, func(t *testing.T) {
				s := settings()
				if c.s != nil {
					c.s(&s)
				}
				p := Plan(c.d.build(), c.r, s, today)
				sameLines(t, summary(p), c.want)
			})
		}
	}
}

// Rule 7: a second run on the data the first one left changes nothing and
// pushes nothing.
func TestPlanSecondRunChangesNothing(t *testing.T) {
	for group, cases := range planCases {
		for _, c := range cases {
			t.Run(group+"/"+c.name, func(t *testing.T) {
				s := settings()
				if c.s != nil {
					c.s(&s)
				}
				p := Plan(c.d.build(), c.r, s, today)
				d2, r2 := applied(p, c.r)
				p2 := Plan(d2, r2, s, today)
				if p2.Changed() {
					t.Errorf("second run changes again:\n%s", p2)
				}
			})
		}
	}
}

var invalidDate = civil.Date{Year: 2025, Month: 2, Day: 30}

func TestPlanDetails(t *testing.T) {
	s := settings()
	t.Run("transfer completion is flagged", func(t *testing.T) {
		p := Plan(domain().status(StatusPendingTransfer).build(), record().found(), s, today)
		if p.Status == nil || !p.Status.TransferCompleted {
			t.Fatalf("status = %+v, want a completed transfer", p.Status)
		}
		if p.Record == nil || p.Record.ID != "1001" {
			t.Errorf("record not kept: %+v", p.Record)
		}
	})
	t.Run("pushes carry the values to send", func(t *testing.T) {
		p := Plan(domain().idProtection().build(), record().autoRenew(registrar.AutoRenewOff).found(), s, today)
		want := []Push{
			{Kind: PushAutoRenew, Old: "off", New: "default", Renew: true},
			{Kind: PushPrivacy, Old: "off", New: "on", Enabled: true},
		}
		if !slices.Equal(p.Pushes, want) {
			t.Errorf("pushes = %+v, want %+v", p.Pushes, want)
		}
		if got := p.Pushes[0].LogLine(p.UnicodeName); got != "Domain Sync: example.com auto-renew off → default" {
			t.Errorf("log line = %q", got)
		}
	})
	t.Run("item moves: guards and invoice ids", func(t *testing.T) {
		d := domain().
			item(1, 100, "Domain", "2026-02-15", true).
			item(2, 100, "PromoDomain", "2026-02-15", true).
			item(3, 200, "Domain", "2026-02-15", false).build()
		p := Plan(d, record().expiry("2026-03-05").found(), s, today)
		if got := p.InvoiceIDs(); !slices.Equal(got, []int64{100, 200}) {
			t.Errorf("invoice ids = %v", got)
		}
		moves := []bool{true, false, false}
		for i, m := range p.Items {
			if m.MoveInvoice != moves[i] || m.NewDue != D("2026-02-19") || m.OldDue != D("2026-02-15") ||
				m.ItemMove.OldDue != d.UnpaidItems[i].RawDue || (m.MoveInvoice && m.OldInvoice != d.UnpaidItems[i].RawInvoiceDue) {
				t.Errorf("item %d: %+v", i, m)
			}
		}
	})
	t.Run("FAI is logged without a change", func(t *testing.T) {
		p := Plan(domain().status(StatusPendingTransfer).build(), record().code("FAI").found(), s, today)
		want := []string{"Domain Sync: example.com The domain name request has failed (registrar status FAI)"}
		if !slices.Equal(p.LogOnly, want) || p.Changed() || !p.HasDBChange() {
			t.Errorf("LogOnly = %q, Changed %v, HasDBChange %v", p.LogOnly, p.Changed(), p.HasDBChange())
		}
	})
	t.Run("names normalized", func(t *testing.T) {
		p := Plan(domain().name(" Bücher.Example. ").build(), record().named("xn--bcher-kva.example").found(), s, today)
		if p.Name != "xn--bcher-kva.example" || p.UnicodeName != "bücher.example" || len(p.Errors) > 0 {
			t.Errorf("names %q %q, errors %q", p.Name, p.UnicodeName, p.Errors)
		}
	})
	t.Run("waiting mails nobody: no error, no change", func(t *testing.T) {
		p := Plan(domain().status(StatusPendingRegistration).build(), registrar.Result{}, s, today)
		if len(p.Errors) > 0 || p.Changed() || p.HasDBChange() || len(p.Notes) != 1 || p.Notes[0].Kind != NoteWaiting {
			t.Errorf("plan: %s", p)
		}
	})
	t.Run("an unknown code keeps its text out of the way when empty", func(t *testing.T) {
		r := record().code("ZZZ").found()
		r.Record.StatusText = ""
		p := Plan(domain().build(), r, s, today)
		if len(p.Errors) != 1 || !strings.Contains(p.Errors[0], `"ZZZ"; nothing changed`) {
			t.Errorf("errors: %q", p.Errors)
		}
	})
}
