package openprovider

import "github.com/domainsync/domainsync/registrar"

// Openprovider reply codes the client acts on (docs/openprovider-api.md
// §11.2). The HTTP status of an error reply is not fixed (401, 500, even
// 200 have been seen), so the client decides on these codes alone.
const (
	CodeOK                 = 0
	CodeRateLimited        = 50    // "Calls limit has been reached"
	CodeAuthFailed         = 196   // bad credentials, or a bad or expired token
	CodeAgreementNotSigned = 197   // reseller has not signed the agreement
	CodeNoSignature        = 308   // no signature
	CodeContractNotSigned  = 309   // latest contract not signed
	CodeNotInAccount       = 320   // "The domain is not in your account"
	CodeWrongAutoRenew     = 347   // wrong auto-renew value
	CodeProhibitedStatus   = 366   // action prohibited for the current domain status
	CodeUnknownDomainError = 399   // unknown domain error
	CodeInvalidStatus      = 515   // bad status filter (e.g. lower case)
	CodeMaintenance        = 4005  // "Disabled for maintenance"
	CodeExcessiveUse       = 4007  // API access temporarily blocked (excessive use)
	CodeAccessDenied       = 10005 // IP not allowed, or blacklisted after too many identical calls
	CodeAccessDeniedCTE    = 10009 // the test environment's 10005
	CodeWPPLocked          = 19003 // WHOIS privacy cannot be combined with a lock
	CodeWPPNotAllowed      = 19006 // WHOIS privacy not supported for this TLD
	CodeWPPLegalPerson     = 19007 // WHOIS privacy not supported for legal persons
)

// kindOfCode maps a non-zero Openprovider code to an error kind.
func kindOfCode(code int) registrar.Kind {
	switch code {
	case CodeAuthFailed:
		return registrar.KindAuth
	case CodeAccessDenied, CodeAccessDeniedCTE,
		CodeAgreementNotSigned, CodeNoSignature, CodeContractNotSigned:
		return registrar.KindAccessDenied
	case CodeRateLimited, CodeExcessiveUse:
		return registrar.KindRateLimited
	case CodeMaintenance:
		return registrar.KindMaintenance
	case CodeNotInAccount:
		return registrar.KindNotFound
	case CodeWPPLocked, CodeWPPNotAllowed, CodeWPPLegalPerson,
		CodeProhibitedStatus, CodeWrongAutoRenew, CodeUnknownDomainError:
		return registrar.KindRefused
	}
	return registrar.KindOther
}
