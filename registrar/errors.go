package registrar

import (
	"errors"
	"fmt"
)

// Kind classifies a registrar error.
type Kind int

const (
	KindOther        Kind = iota
	KindNotFound          // the registrar said the domain is not there (only ever the registrar saying so)
	KindAuth              // authentication failed (bad credentials or a token refused twice)
	KindAccessDenied      // the account or IP is blocked
	KindRateLimited       // too many calls
	KindMaintenance       // the registrar is down for maintenance
	KindUnavailable       // transport failure, timeout, 5xx without an answer
	KindInvalidReply      // the reply could not be decoded or was incomplete
	KindRefused           // a per-domain refusal (e.g. privacy not allowed)
)

func (k Kind) String() string {
	switch k {
	case KindNotFound:
		return "not found"
	case KindAuth:
		return "authentication failed"
	case KindAccessDenied:
		return "access denied"
	case KindRateLimited:
		return "rate limited"
	case KindMaintenance:
		return "maintenance"
	case KindUnavailable:
		return "unavailable"
	case KindInvalidReply:
		return "invalid reply"
	case KindRefused:
		return "refused"
	}
	return "error"
}

// Error is a registrar error with a kind, the registrar's own code and
// message, and the domain it concerns (if any). It never holds secrets.
type Error struct {
	Kind      Kind
	Registrar string
	Code      int    // registrar's code (0 when none)
	Message   string // registrar's message or a description
	Domain    string // the domain concerned, "" for account-level errors
	Err       error  // underlying error
}

func (e *Error) Error() string {
	s := e.Registrar
	if s == "" {
		s = "registrar"
	}
	if e.Domain != "" {
		s += ": " + e.Domain
	}
	s += ": " + e.Kind.String()
	if e.Code != 0 {
		s += fmt.Sprintf(" (code %d)", e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil && (e.Message == "" || e.Err.Error() != e.Message) {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of err, KindOther when it is not a *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// IsAccountLevel reports whether err stops the whole run for the registrar
// (as opposed to failing one domain).
func IsAccountLevel(err error) bool {
	switch KindOf(err) {
	case KindAuth, KindAccessDenied, KindRateLimited, KindMaintenance:
		return true
	}
	return false
}

// PartialListError is returned by a portfolio listing that streamed every
// page it could read while some pages still failed after their retries:
// the domains on those pages were not seen, so a domain the listing did
// not hold may still exist. It is not account-level (an account-level
// failure stops the listing with that error instead).
type PartialListError struct {
	Registrar string
	Pages     int   // pages that could not be read
	Err       error // the first of their errors
}

func (e *PartialListError) Error() string {
	return fmt.Sprintf("%s: the listing is incomplete: %d page(s) could not be read: %v", e.Registrar, e.Pages, e.Err)
}

func (e *PartialListError) Unwrap() error { return e.Err }

// NotRead reports whether err is a read that failed without an answer
// about the domain (the registrar unreachable, failing or cut short after
// the retries): the domain's data was not read, which says nothing about
// the domain. Account-level failures are not included.
func NotRead(err error) bool {
	if err == nil || IsAccountLevel(err) {
		return false
	}
	var pl *PartialListError
	return errors.As(err, &pl) || KindOf(err) == KindUnavailable
}
