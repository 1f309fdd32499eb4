package registrar

import "context"

// ContactRole is the role a contact plays for a domain.
type ContactRole string

const (
	RoleRegistrant ContactRole = "registrant"
	RoleAdmin      ContactRole = "admin" // ODR calls it "onsite"
	RoleTech       ContactRole = "tech"
)

// Contact is a registrar contact (person or organisation), normalized.
// Empty fields are "not sent" / "leave unchanged".
type Contact struct {
	ID          string // the registrar's id or handle; "" for a new contact
	FirstName   string
	LastName    string
	CompanyName string
	LegalForm   string // registrar's legal-form code (e.g. ODR "PERSOON")
	Email       string
	Phone       string // +CC.NUMBER
	Street      string
	HouseNumber string
	PostalCode  string
	City        string
	State       string
	Country     string // ISO 3166-1 alpha-2
}

// Contacts is implemented by registrars whose contacts are separate objects
// the sync can read, update, create and point domains at (ODR). It is
// optional: callers check with a type assertion.
type Contacts interface {
	// GetContact reads one contact by id. A missing contact is KindNotFound.
	GetContact(ctx context.Context, id string) (Contact, error)
	// UpdateContact writes c (c.ID must be set).
	UpdateContact(ctx context.Context, c Contact) error
	// CreateContact creates c and returns the new id.
	CreateContact(ctx context.Context, c Contact) (id string, err error)
	// SetDomainContacts points the domain's roles at the given contact ids;
	// roles not in the map are left unchanged.
	SetDomainContacts(ctx context.Context, rec Record, ids map[ContactRole]string) error
	// DomainsUsingContact lists every domain in the registrar account (the
	// whole portfolio, not a batch) that uses the contact in any role
	// (registrant, admin, tech): names in NormalizeName's ASCII form, each
	// once. It is all or nothing: a listing that could not be read
	// completely is an error, never a shorter list. Errors keep their Kind,
	// so account-level failures are recognised.
	DomainsUsingContact(ctx context.Context, id string) ([]string, error)
}
