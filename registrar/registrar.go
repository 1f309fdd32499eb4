// Package registrar is the registrar-neutral contract the sync rules depend
// on: a normalized domain record, error kinds, and the Registrar interface.
// Each registrar lives in its own sub-package (openprovider, odr) together
// with a simulated server for tests. Nothing here is registrar-specific.
package registrar

import (
	"context"

	"cloud.google.com/go/civil"
)

// Family groups registrar status codes into what they mean for WHMCS.
type Family string

const (
	FamilyActive     Family = "active"     // registered and live
	FamilyPending    Family = "pending"    // registration or transfer in progress
	FamilyDeleted    Family = "deleted"    // deleted (possibly still restorable)
	FamilyQuarantine Family = "quarantine" // in redemption / quarantine
	FamilyFailed     Family = "failed"     // the request failed at the registrar
	FamilyScheduled  Family = "delete-scheduled"
	FamilyUnknown    Family = "unknown" // a code this program does not know; kept, never guessed
)

// AutoRenew is the registrar's auto-renew setting as sent.
type AutoRenew string

const (
	AutoRenewUnknown AutoRenew = ""        // not sent by the registrar
	AutoRenewOn      AutoRenew = "on"      // renews regardless of account defaults
	AutoRenewOff     AutoRenew = "off"     // will not renew
	AutoRenewDefault AutoRenew = "default" // follows the reseller account's default (Openprovider)
)

// Record is what a registrar says about one domain, normalized.
type Record struct {
	Name        string // ASCII (punycode), lower case, no trailing dot
	UnicodeName string // Unicode form of Name
	ID          string // the registrar's own id for the domain (decimal for Openprovider)

	StatusCode string // status code exactly as sent (e.g. "ACT")
	StatusText string // what the code means, for reports
	// StatusReason is the registrar's own explanation of the status when
	// it sends one (ODR: why a transfer failed); "" when none.
	StatusReason string
	Family       Family

	Expiry civil.Date // the expiry used for sync; zero value = none sent

	AutoRenew      AutoRenew
	Privacy        bool // WHOIS privacy enabled
	PrivacyAllowed bool // whether the registrar allows privacy for this domain
	PrivacyKnown   bool // false when the registrar sent nothing about privacy

	QuarantineDate civil.Date // zero = unknown
	RestoreDate    civil.Date // zero = unknown
	Deleted        bool

	Registrant string // registrant contact handle, where the registrar has one

	// Invalid is set when the reply for this domain could not be decoded
	// completely (e.g. an impossible date). Nothing may be written from an
	// invalid record; the error names the domain, the field and the value.
	Invalid error
}

// Result is the outcome of looking up one name.
type Result struct {
	Record Record
	Found  bool
	// DeletedRecord is set when the name was not found among live domains
	// but exists among deleted ones.
	DeletedRecord *Record
	// Err is a per-domain failure (the registrar refused or sent an invalid
	// reply for this name). Account-level failures are returned by Lookup.
	Err error
}

// Registrar is what sync/ sees of a registrar.
type Registrar interface {
	// Name is the registrar's module name in WHMCS (e.g. "openprovider").
	Name() string
	// Login authenticates once per run. An error is account-level.
	Login(ctx context.Context) error
	// Lookup looks up the given ASCII names. The map has an entry for every
	// name. A non-nil error is account-level (auth, rate limit, maintenance,
	// unavailable) and means nothing may be written.
	Lookup(ctx context.Context, names []string) (map[string]Result, error)
	// List streams the whole portfolio, calling fn once per domain. total is
	// reported before the first record (or -1 when unknown).
	List(ctx context.Context, total func(int), fn func(Record) error) error
	// SetAutoRenew makes the domain renew (true) or not (false).
	SetAutoRenew(ctx context.Context, rec Record, renew bool) error
	// SetPrivacy enables or disables WHOIS privacy.
	SetPrivacy(ctx context.Context, rec Record, enabled bool) error
}
