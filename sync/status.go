package sync

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/domainsync/domainsync/registrar"
)

// The WHMCS domain statuses (tbldomains.status enum), exact spelling, in
// declaration order.
const (
	StatusPending             = "Pending"
	StatusPendingRegistration = "Pending Registration"
	StatusPendingTransfer     = "Pending Transfer"
	StatusActive              = "Active"
	StatusGrace               = "Grace"
	StatusRedemption          = "Redemption"
	StatusExpired             = "Expired"
	StatusCancelled           = "Cancelled"
	StatusFraud               = "Fraud"
	StatusTransferredAway     = "Transferred Away"
)

var whmcsStatuses = []string{
	StatusPending, StatusPendingRegistration, StatusPendingTransfer, StatusActive,
	StatusGrace, StatusRedemption, StatusExpired, StatusCancelled, StatusFraud,
	StatusTransferredAway,
}

// WHMCSStatuses returns the WHMCS domain statuses in enum order.
func WHMCSStatuses() []string { return slices.Clone(whmcsStatuses) }

// CanonicalStatus returns the exact WHMCS spelling of a status name matched
// case-insensitively, with surrounding blanks trimmed and inner runs of
// blanks read as one space ("pending  transfer" → "Pending Transfer"). The
// configuration accepts any such spelling (admins type "active" as often as
// "Active"); everything the program writes or compares uses the canonical form.
func CanonicalStatus(name string) (string, bool) {
	n := strings.Join(strings.Fields(name), " ")
	for _, s := range whmcsStatuses {
		if strings.EqualFold(n, s) {
			return s, true
		}
	}
	return "", false
}

// CodeFAI is the registrar status of a failed request. It is never mapped:
// the domain is left as it is and the failure is reported.
const CodeFAI = "FAI"

// FAIMessage is the report and activity-log text for a FAI domain.
const FAIMessage = "The domain name request has failed"

// defaultStatusMap is the mapping from the seed documentation
// (docs/configure_openprovider_cron_sync.md), not the 2.4+ code's
// DEL→Grace / REQ→Pending Transfer: WHMCS's own daily task moves domains
// through Grace and Redemption by days, and a finer WHMCS state is kept
// anyway (see planStatus).
var defaultStatusMap = map[string]string{
	"ACT": StatusActive,
	"DEL": StatusExpired,
	"PEN": StatusPending,
	"REQ": StatusPending,
	"RRQ": StatusPending,
	"SCH": StatusPending,
}

// DefaultStatusMap returns the built-in Openprovider code → WHMCS status map.
func DefaultStatusMap() map[string]string { return maps.Clone(defaultStatusMap) }

// StatusKept is the target of a registrar code that leaves the WHMCS status
// as it is (ODR's DELETE_SCHEDULED: the domain is still registered until
// the deletion happens). It is only ever a built-in target; status_map
// values must be WHMCS statuses.
const StatusKept = "(kept)"

// odrStatusMap is ODR's default map (docs/peers.md §1): REGISTERED is live,
// PENDING a pending state (Pending Registration / Pending Transfer are kept
// as they are), QUARANTINE the redemption period, DELETED expired (never
// Cancelled by itself), DELETE_SCHEDULED keeps the status (see Plan).
var odrStatusMap = map[string]string{
	"REGISTERED":       StatusActive,
	"PENDING":          StatusPending,
	"QUARANTINE":       StatusRedemption,
	"DELETED":          StatusExpired,
	"DELETE_SCHEDULED": StatusKept,
}

// rules are one registrar's built-in rules.
type rules struct {
	name      string
	statusMap map[string]string
	// renewOn is how the registrar shows auto-renew after a "renew" push:
	// Openprovider falls back to the account default, ODR is simply on.
	renewOn registrar.AutoRenew
	// transfers: a Pending Transfer domain in a state that is neither live
	// nor pending is a failed transfer (needs attention, or
	// TransferFailedStatus); a pending one is listed as waiting.
	transfers bool
	// scheduledCode is the code of a scheduled deletion ("" = none): the
	// status is kept and the domain needs attention while WHMCS expects it
	// to renew.
	scheduledCode string
	// noPrivacy: the registrar has no WHOIS privacy; nothing is compared,
	// and a domain with ID protection on in WHMCS needs attention.
	noPrivacy bool
}

var registrarRules = map[string]rules{
	"openprovider": {name: "openprovider", statusMap: defaultStatusMap, renewOn: registrar.AutoRenewDefault},
	"odr":          {name: "odr", statusMap: odrStatusMap, renewOn: registrar.AutoRenewOn, transfers: true, scheduledCode: "DELETE_SCHEDULED", noPrivacy: true},
}

// RegistrarDefaultStatusMap returns the built-in code → WHMCS status map of
// a registrar ("openprovider", "odr"; any case), Openprovider's for any
// other name. A StatusKept target leaves the WHMCS status as it is.
func RegistrarDefaultStatusMap(name string) map[string]string {
	return maps.Clone(rulesFor(name).statusMap)
}

// rulesFor returns the built-in rules of a registrar, Openprovider's for a
// name without its own.
func rulesFor(name string) rules {
	if r, ok := registrarRules[strings.ToLower(strings.TrimSpace(name))]; ok {
		return r
	}
	return registrarRules["openprovider"]
}

// rules returns the rules of s.Registrar (Openprovider's when unset).
func (s Settings) rules() rules { return rulesFor(s.Registrar) }

// statusCodeRE is what a plausible registrar status code looks like: a
// letter, then letters, digits, '_' or '-', 2–32 characters in all
// (Openprovider's are three upper-case letters; other registrars use words).
var statusCodeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{1,31}$`)

// canonicalCode is how status codes are compared: trimmed, upper case.
func canonicalCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// StatusFor returns the WHMCS status a registrar status code maps to with
// these settings: the status_map entry for the code (keys and values
// matched case-insensitively) or else the default map of s.Registrar
// (Openprovider's when unset). ok is false for an unknown code and for FAI,
// which is never mapped. StatusKept means "leave the status as it is".
func (s Settings) StatusFor(code string) (status string, ok bool) {
	return s.statusFor(code, rulesFor(s.Registrar))
}

func (s Settings) statusFor(code string, r rules) (status string, ok bool) {
	c := canonicalCode(code)
	if c == CodeFAI || c == "" {
		return "", false
	}
	for k, v := range s.StatusMap {
		if canonicalCode(k) == c {
			return CanonicalStatus(v)
		}
	}
	st, ok := r.statusMap[c]
	return st, ok
}

// selects reports whether status is among the selected statuses.
func (s Settings) selects(status string) bool {
	for _, v := range s.Statuses {
		if c, ok := CanonicalStatus(v); ok && c == status {
			return true
		}
	}
	return false
}

// isTerminal: statuses domainsync never changes by itself (a later sale,
// a fraud decision or a transfer out are WHMCS's and the admin's business).
func isTerminal(status string) bool {
	return status == StatusCancelled || status == StatusFraud || status == StatusTransferredAway
}

func isPendingFamily(status string) bool {
	return status == StatusPending || status == StatusPendingRegistration || status == StatusPendingTransfer
}

func isExpiredFamily(status string) bool {
	return status == StatusExpired || status == StatusGrace || status == StatusRedemption
}
