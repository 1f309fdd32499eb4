package sync

import (
	"regexp"
	"slices"
	"strings"
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

// DefaultStatusMap returns the built-in registrar code → WHMCS status map.
func DefaultStatusMap() map[string]string {
	m := make(map[string]string, len(defaultStatusMap))
	for k, v := range defaultStatusMap {
		m[k] = v
	}
	return m
}

// statusCodeRE is what a plausible registrar status code looks like: a
// letter, then letters, digits, '_' or '-', 2–32 characters in all
// (Openprovider's are three upper-case letters; other registrars use words).
var statusCodeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{1,31}$`)

// canonicalCode is how status codes are compared: trimmed, upper case.
func canonicalCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// StatusFor returns the WHMCS status a registrar status code maps to with
// these settings: the status_map entry for the code (keys and values
// matched case-insensitively) or else the default map. ok is false for an
// unknown code and for FAI, which is never mapped.
func (s Settings) StatusFor(code string) (status string, ok bool) {
	c := canonicalCode(code)
	if c == CodeFAI || c == "" {
		return "", false
	}
	for k, v := range s.StatusMap {
		if canonicalCode(k) == c {
			return CanonicalStatus(v)
		}
	}
	st, ok := defaultStatusMap[c]
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
