package sync

import (
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/odr"
)

// odrRecord is an ODR domain with status code (its family and text as the
// ODR client decodes them): on/off auto-renew, no privacy.
func odrRecord(code string, renew bool) *recordB {
	b := record().code(code)
	b.r.Family, b.r.StatusText = odr.StatusFamily(code)
	b.r.PrivacyKnown, b.r.PrivacyAllowed = false, false
	if renew {
		b.r.AutoRenew = registrar.AutoRenewOn
	} else {
		b.r.AutoRenew = registrar.AutoRenewOff
	}
	return b
}

func odrSettings(fn ...func(*Settings)) Settings {
	return settings(append([]func(*Settings){func(s *Settings) { s.Registrar = "odr" }}, fn...)...)
}

func TestODRStatusMap(t *testing.T) {
	s := odrSettings()
	for code, want := range map[string]string{
		"REGISTERED": StatusActive, "registered": StatusActive, "PENDING": StatusPending,
		"QUARANTINE": StatusRedemption, "DELETED": StatusExpired, "DELETE_SCHEDULED": StatusKept,
	} {
		if got, ok := s.StatusFor(code); !ok || got != want {
			t.Errorf("StatusFor(%s) = %q, %v; want %q", code, got, ok, want)
		}
	}
	for _, code := range []string{"ACT", "DEL", "FAI", "", "TRANSFERRED"} {
		if got, ok := s.StatusFor(code); ok {
			t.Errorf("odr StatusFor(%q) = %q, want unknown", code, got)
		}
	}
	// Overridable by status_map.
	s.StatusMap = map[string]string{"quarantine": "expired"}
	if got, _ := s.StatusFor("QUARANTINE"); got != StatusExpired {
		t.Errorf("status_map override: got %q", got)
	}
	// Openprovider's map is unchanged, and the default for other names.
	for _, name := range []string{"", "openprovider", "somethingelse"} {
		if got, ok := settings(func(s *Settings) { s.Registrar = name }).StatusFor("ACT"); !ok || got != StatusActive {
			t.Errorf("%q: StatusFor(ACT) = %q", name, got)
		}
	}
	if m := RegistrarDefaultStatusMap("ODR"); m["DELETED"] != StatusExpired || len(m) != 5 {
		t.Errorf("RegistrarDefaultStatusMap(ODR) = %v", m)
	}
}

func TestPlanODR(t *testing.T) {
	cancel := func(s *Settings) { s.TransferFailedStatus = "cancelled" }
	tests := []struct {
		name string
		d    *domainB
		r    registrar.Result
		s    Settings
		want []string
	}{
		{"registered, settled", domain().at("odr"), odrRecord("REGISTERED", true).found(), odrSettings(), []string{"no change"}},
		{"without Settings.Registrar the module name does not pick the rules", domain().at("ODR"), odrRecord("REGISTERED", true).found(), settings(),
			[]string{`error: unknown registrar status code "REGISTERED" (registered); nothing changed`}},
		{"quarantine → Redemption", domain().at("odr"), odrRecord("QUARANTINE", true).found(), odrSettings(),
			[]string{"status Active → Redemption (registrar status QUARANTINE)"}},
		{"deleted → Expired, never Cancelled", domain().at("odr"), odrRecord("DELETED", true).found(), odrSettings(),
			[]string{"status Active → Expired (registrar status DELETED)"}},
		{"deleted keeps Grace", domain().at("odr").status(StatusGrace), odrRecord("DELETED", true).found(), odrSettings(), []string{"no change"}},
		{"pending keeps Pending Registration", domain().at("odr").status(StatusPendingRegistration), odrRecord("PENDING", false).expiry("").found(), odrSettings(), []string{"no change"}},
		{"delete scheduled, WHMCS renews: attention, status kept, no push", domain().at("odr"), odrRecord("DELETE_SCHEDULED", false).found(), odrSettings(),
			[]string{"[needs attention] deletion scheduled at odr (registrar status DELETE_SCHEDULED): WHMCS still expects the domain to renew (do not renew is off); status kept"}},
		{"delete scheduled, do not renew: quiet", domain().at("odr").doNotRenew(), odrRecord("DELETE_SCHEDULED", false).found(), odrSettings(), []string{"no change"}},
		{"delete scheduled still moves the expiry", domain().at("odr").doNotRenew(), odrRecord("DELETE_SCHEDULED", false).expiry("2026-04-01").found(), odrSettings(),
			[]string{"expiry date 2026-03-01 → 2026-04-01", "next due date 2026-02-15 → 2026-03-18", "next invoice date 2026-02-15 → 2026-03-18"}},
		{"unknown code changes nothing", domain().at("odr"), odrRecord("LOCKED", true).expiry("2027-01-01").found(), odrSettings(),
			[]string{`error: unknown registrar status code "LOCKED" (unknown status); nothing changed`}},
		{"unknown code FAILED on a domain not in Pending Transfer stays an error", domain().at("odr"), odrRecord("FAILED", true).reason("auth code invalid").found(), odrSettings(),
			[]string{`error: unknown registrar status code "FAILED" (unknown status); nothing changed`}},
		{"transfer completed", domain().at("odr").status(StatusPendingTransfer).expiry("").dueBoth(""), odrRecord("REGISTERED", true).expiry("2026-09-01").found(), odrSettings(),
			[]string{"expiry date none → 2026-09-01", "status Pending Transfer → Active (registrar status REGISTERED, transfer completed)", "next due date none → 2026-08-18", "next invoice date none → 2026-08-18"}},
		{"transfer still pending: waiting", domain().at("odr").status(StatusPendingTransfer), odrRecord("PENDING", false).expiry("").found(), odrSettings(),
			[]string{"[waiting] transfer in progress at odr: registrar status PENDING"}},
		{"transfer not found yet: waiting", domain().at("odr").status(StatusPendingTransfer), registrar.Result{}, odrSettings(),
			[]string{"[waiting] not at odr yet: normal while the domain is Pending Transfer"}},
		{"transfer failed: attention, WHMCS unchanged", domain().at("odr").status(StatusPendingTransfer), odrRecord("DELETED", false).expiry("2024-01-01").found(), odrSettings(),
			[]string{"[needs attention] failed transfer: the transfer failed: registrar status DELETED (deleted); WHMCS not changed"}},
		{"transfer failed: only among deleted domains", domain().at("odr").status(StatusPendingTransfer), registrar.Result{DeletedRecord: &odrRecord("DELETED", false).r}, odrSettings(),
			[]string{"[needs attention] failed transfer: the transfer failed: registrar status DELETED (deleted); WHMCS not changed"}},
		{"transfer failed, quarantine", domain().at("odr").status(StatusPendingTransfer), odrRecord("QUARANTINE", false).found(), odrSettings(),
			[]string{"[needs attention] failed transfer: the transfer failed: registrar status QUARANTINE (in quarantine); WHMCS not changed"}},
		{"transfer failed with transfer_failed_status Cancelled", domain().at("odr").status(StatusPendingTransfer), odrRecord("DELETED", false).found(), odrSettings(cancel),
			[]string{"status Pending Transfer → Cancelled (registrar status DELETED)", "[needs attention] failed transfer: the transfer failed: registrar status DELETED (deleted); status set to Cancelled (sync.transfer_failed_status)"}},
		{"transfer FAILED: attention with ODR's status and reason, WHMCS unchanged", domain().at("odr").status(StatusPendingTransfer).expiry("").dueBoth(""),
			odrRecord("FAILED", false).expiry("").reason("auth code invalid").found(), odrSettings(),
			[]string{"[needs attention] failed transfer: the transfer failed: registrar status FAILED (auth code invalid); WHMCS not changed"}},
		{"transfer CANCELLED, no reason sent", domain().at("odr").status(StatusPendingTransfer), odrRecord("CANCELLED", false).expiry("").found(), odrSettings(),
			[]string{"[needs attention] failed transfer: the transfer failed: registrar status CANCELLED; WHMCS not changed"}},
		{"transfer rejected (any case) with transfer_failed_status Cancelled", domain().at("odr").status(StatusPendingTransfer), odrRecord("rejected", false).expiry("").reason("refused by the losing registrar").found(), odrSettings(cancel),
			[]string{"status Pending Transfer → Cancelled (registrar status REJECTED)", "[needs attention] failed transfer: the transfer failed: registrar status REJECTED (refused by the losing registrar); status set to Cancelled (sync.transfer_failed_status)"}},
		{"transfer failed with status off: WHMCS unchanged", domain().at("odr").status(StatusPendingTransfer), odrRecord("FAILED", false).expiry("").found(), odrSettings(cancel, func(s *Settings) { s.Status = false }),
			[]string{"[needs attention] failed transfer: the transfer failed: registrar status FAILED; WHMCS not changed"}},
		{"ID protection on in WHMCS: ODR has none", domain().at("odr").idProtection(), odrRecord("REGISTERED", true).found(), odrSettings(),
			[]string{"[needs attention] ID protection: odr has no WHOIS privacy; ID protection is on in WHMCS but nothing can be sent"}},
		{"Openprovider keeps its own transfer rule", domain().status(StatusPendingTransfer), record().code("DEL").found(), settings(),
			[]string{"status Pending Transfer → Expired (registrar status DEL)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sameLines(t, summary(Plan(tt.d.build(), tt.r, tt.s, today)), tt.want)
		})
	}
}

// TestPlanODRAutoRenew: WHMCS leads; a push only when ODR differs; the
// second run (after the push) changes nothing; never while not live.
func TestPlanODRAutoRenew(t *testing.T) {
	tests := []struct {
		doNotRenew, odrOn bool
		want              []string
	}{
		{false, true, []string{"no change"}},
		{false, false, []string{"push auto-renew off → on"}},
		{true, true, []string{"push auto-renew on → off"}},
		{true, false, []string{"no change"}},
	}
	for _, tt := range tests {
		b := domain().at("odr")
		if tt.doNotRenew {
			b = b.doNotRenew()
		}
		r := odrRecord("REGISTERED", tt.odrOn).found()
		p := Plan(b.build(), r, odrSettings(), today)
		name := "donotrenew=" + map[bool]string{false: "0", true: "1"}[tt.doNotRenew] + " odr=" + map[bool]string{false: "off", true: "on"}[tt.odrOn]
		t.Run(name, func(t *testing.T) {
			sameLines(t, summary(p), tt.want)
			for _, x := range p.Pushes {
				if x.Kind != PushAutoRenew || x.Renew == tt.doNotRenew {
					t.Errorf("push %+v: want Renew=%v", x, !tt.doNotRenew)
				}
			}
			d2, r2 := applied(p, r)
			if again := Plan(d2, r2, odrSettings(), today); len(again.Pushes) != 0 || again.Changed() {
				t.Errorf("second run: %s", again)
			}
			// Off switch and non-live states: nothing pushed.
			if q := Plan(b.build(), r, odrSettings(func(s *Settings) { s.AutoRenew = false }), today); len(q.Pushes) != 0 {
				t.Errorf("auto_renew off: pushes %v", q.Pushes)
			}
			for _, code := range []string{"PENDING", "QUARANTINE", "DELETED", "DELETE_SCHEDULED"} {
				rr := odrRecord(code, tt.odrOn).found()
				if q := Plan(b.build(), rr, odrSettings(), today); len(q.Pushes) != 0 {
					t.Errorf("%s: pushes %v", code, q.Pushes)
				}
			}
		})
	}
}

func TestTransferFailedStatusValidate(t *testing.T) {
	for v, ok := range map[string]bool{"": true, "Cancelled": true, " cancelled ": true, "Expired": false, "x": false} {
		err := settings(func(s *Settings) { s.TransferFailedStatus = v }).Validate()
		if (err == nil) != ok || (err != nil && !strings.Contains(err.Error(), "sync.transfer_failed_status")) {
			t.Errorf("%q: %v", v, err)
		}
	}
	if c := settings(func(s *Settings) { s.TransferFailedStatus = "CANCELLED" }).Canonical(); c.TransferFailedStatus != StatusCancelled {
		t.Errorf("Canonical: %q", c.TransferFailedStatus)
	}
}
