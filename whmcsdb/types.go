// Package whmcsdb holds every SQL statement domainsync runs against a WHMCS
// database: connecting with WHMCS's session settings, selecting a batch,
// applying one domain's changes in one guarded transaction, the run lock, the
// report recipients, and reading WHMCS's configuration.php.
package whmcsdb

import (
	"errors"
	"time"

	"cloud.google.com/go/civil"
)

// NoDate is the value of a date column that holds NULL, 0000-00-00 or
// 0000-00-00 00:00:00: "no date", distinct from every real date.
var NoDate = civil.Date{}

// Domain is one tbldomains row as read for a sync batch.
type Domain struct {
	ID        int64
	UserID    int64  // tbldomains.userid, the client
	Name      string // tbldomains.domain exactly as stored (IDNs in Unicode)
	Registrar string // tbldomains.registrar
	Status    string // tbldomains.status ('' when the stored value is outside the enum)

	RegistrationDate civil.Date // NoDate when NULL or zero
	ExpiryDate       civil.Date
	NextDueDate      civil.Date
	NextInvoiceDate  civil.Date

	DoNotRenew   bool
	IDProtection bool

	// Raw values as read, used to guard writes (UPDATE ... WHERE col = raw).
	// A NULL column reads as nil.
	RawExpiryDate      *string
	RawNextDueDate     *string
	RawNextInvoiceDate *string
	RawStatus          string
	RawReminders       string // tbldomains.reminders (cleared when the expiry changes; journalled)

	LastSync time.Time // zero when never synced (no row, a zero datetime, or one that is not a date)

	// Invalid, when set, names a stored value of this row that is not what
	// its column holds (a date column holding "2024-00-15"): the row cannot
	// be trusted, so the sync writes nothing for this domain and reports
	// the error; the rest of the batch goes on.
	Invalid error

	// UnpaidItems are the domain's invoice items on Unpaid invoices
	// (loaded for the whole batch in one query).
	UnpaidItems []InvoiceItem
}

// InvoiceItem is one tblinvoiceitems row on an Unpaid invoice that bills a domain.
type InvoiceItem struct {
	ID        int64
	InvoiceID int64
	Type      string     // Domain, DomainRegister, DomainTransfer, PromoDomain, ...
	DueDate   civil.Date // tblinvoiceitems.duedate
	RawDue    *string    // raw value, for the guard

	InvoiceDueDate civil.Date // tblinvoices.duedate
	RawInvoiceDue  *string
	// OnlyThisDomain is true when every item on the invoice belongs to this
	// domain, so the invoice's own due date may move with it.
	OnlyThisDomain bool
}

// ItemMove moves one unpaid invoice item's due date (and, when MoveInvoice,
// its invoice's due date).
type ItemMove struct {
	ItemID      int64
	InvoiceID   int64
	OldDue      *string // raw value guarded on
	NewDue      civil.Date
	MoveInvoice bool
	OldInvoice  *string // raw tblinvoices.duedate guarded on (when MoveInvoice)
}

// Change is everything to write for one domain, built by sync from its plan.
// Nil pointers mean "leave unchanged". Apply writes it in one transaction,
// guarded by the raw values in Domain; any difference means an admin edited
// the row meanwhile and the change is skipped with ErrConflict.
type Change struct {
	Domain Domain // as read (guards come from its Raw* fields)

	ExpiryDate      *civil.Date // also resets reminders = '' when it changes
	NextDueDate     *civil.Date
	NextInvoiceDate *civil.Date
	Status          *string
	Items           []ItemMove

	// ActivityLog descriptions, one tblactivitylog row each (user 'System',
	// userid = the domain's client).
	ActivityLog []string

	// SyncTable and SyncTime record last_sync in the same transaction
	// (SyncTable "" = do not record).
	SyncTable string
	SyncTime  time.Time

	// Journal rows written in the same transaction (each with its RunID;
	// State applied for the WHMCS changes, planned for the registrar
	// writes that follow). When set, the journal tables must exist
	// (EnsureJournal).
	Journal []JournalChange
}

// ErrConflict means a guarded row no longer held the values the change was
// planned from; nothing was written for the domain.
var ErrConflict = errors.New("the row changed since it was read (edited meanwhile); nothing written")

// ErrLocked means another run holds the run lock.
var ErrLocked = errors.New("another domainsync run holds the lock")

// Recipient is an administrator who receives System Emails.
type Recipient struct {
	Name  string
	Email string
}
