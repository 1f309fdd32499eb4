package sync

// Contact sync (ODR only; the seed module's Contact Sync): the WHMCS client
// of each synced domain is compared with the domain's registrant contact at
// the registrar. The first half of this file is pure (normalising,
// comparing, planning); the contacts stage in contactstage.go does the
// I/O.

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/whmcsdb"
)

// ContactMode is registrars.odr.contacts.
type ContactMode string

const (
	ContactsOff     ContactMode = ""        // contacts are not compared
	ContactsReport  ContactMode = "report"  // differences are reported, nothing changes
	ContactsUpdate  ContactMode = "update"  // details (not name or company) are updated in place
	ContactsReplace ContactMode = "replace" // name or company differ: a new contact becomes the registrant
)

// Compared fields, as the report names them.
const (
	FieldName     = "name"
	FieldCompany  = "company"
	FieldEmail    = "email"
	FieldAddress  = "address"
	FieldPostcode = "postcode"
	FieldCity     = "city"
	FieldState    = "state"
	FieldCountry  = "country"
	FieldPhone    = "phone"
)

// ContactDiff is one field that differs: both values as stored.
type ContactDiff struct {
	Field     string
	WHMCS     string
	Registrar string
}

// ownerField reports whether a difference in field means another owner
// (name or company), which only "replace" acts on.
func ownerField(field string) bool { return field == FieldName || field == FieldCompany }

// collapse trims s and turns every run of white space into one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// digits keeps the digits of s: phone numbers compare on digits only
// ("+31.201234567" = "+31 20 123 4567").
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// normalizers say how each field is compared: trimmed, inner white space
// collapsed; e-mail case-insensitively; phone on digits; country codes and
// postcodes in upper case (postcodes without spaces: "1011 aa" = "1011AA").
var normalizers = map[string]func(string) string{
	FieldEmail:    func(s string) string { return strings.ToLower(strings.TrimSpace(s)) },
	FieldPhone:    digits,
	FieldCountry:  func(s string) string { return strings.ToUpper(strings.TrimSpace(s)) },
	FieldPostcode: func(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), "")) },
}

// SameContactValue reports whether two values of field are the same after
// normalisation.
func SameContactValue(field, a, b string) bool {
	norm := normalizers[field]
	if norm == nil {
		norm = collapse
	}
	return norm(a) == norm(b)
}

// clientFields are the WHMCS client's compared values, in report order.
func clientFields(c whmcsdb.Client) [][2]string {
	return [][2]string{
		{FieldName, collapse(c.FirstName + " " + c.LastName)},
		{FieldCompany, c.CompanyName},
		{FieldEmail, c.Email},
		{FieldAddress, c.Address1},
		{FieldPostcode, c.PostCode},
		{FieldCity, c.City},
		{FieldState, c.State},
		{FieldCountry, c.Country},
		{FieldPhone, c.Phone},
	}
}

// contactFields are the registrar contact's values of the same fields. The
// address is street and house number as one line, as WHMCS's address1.
func contactFields(c registrar.Contact) map[string]string {
	return map[string]string{
		FieldName:     collapse(c.FirstName + " " + c.LastName),
		FieldCompany:  c.CompanyName,
		FieldEmail:    c.Email,
		FieldAddress:  collapse(c.Street + " " + c.HouseNumber),
		FieldPostcode: c.PostalCode,
		FieldCity:     c.City,
		FieldState:    c.State,
		FieldCountry:  c.Country,
		FieldPhone:    c.Phone,
	}
}

// CompareContact lists the fields in which the registrar contact differs
// from the WHMCS client, in a fixed order. WHMCS's address2 is not
// compared (ODR has one street line).
func CompareContact(client whmcsdb.Client, have registrar.Contact) []ContactDiff {
	theirs := contactFields(have)
	var out []ContactDiff
	for _, f := range clientFields(client) {
		if !SameContactValue(f[0], f[1], theirs[f[0]]) {
			out = append(out, ContactDiff{Field: f[0], WHMCS: strings.TrimSpace(f[1]), Registrar: strings.TrimSpace(theirs[f[0]])})
		}
	}
	return out
}

// splitStreet splits WHMCS's address1 into street and house number: the
// last word when it starts with a digit ("Hoofdstraat 12a" → "Hoofdstraat",
// "12a"); otherwise the whole line is the street.
func splitStreet(address string) (street, number string) {
	a := collapse(address)
	i := strings.LastIndexByte(a, ' ')
	if i <= 0 {
		return a, ""
	}
	last := a[i+1:]
	if r := []rune(last); len(r) > 0 && unicode.IsDigit(r[0]) {
		return a[:i], last
	}
	return a, ""
}

// ClientContact is the registrar contact that holds the WHMCS client's
// data (ID and legal form empty).
func ClientContact(c whmcsdb.Client) registrar.Contact {
	street, number := splitStreet(c.Address1)
	return registrar.Contact{
		FirstName: collapse(c.FirstName), LastName: collapse(c.LastName), CompanyName: collapse(c.CompanyName),
		Email: strings.TrimSpace(c.Email), Phone: strings.TrimSpace(c.Phone), Street: street, HouseNumber: number,
		PostalCode: collapse(c.PostCode), City: collapse(c.City), State: collapse(c.State),
		Country: strings.ToUpper(strings.TrimSpace(c.Country)),
	}
}

// ContactAction is what a contact plan does.
type ContactAction string

const (
	ContactEqual   ContactAction = "equal"   // nothing differs
	ContactReport  ContactAction = "report"  // differences reported, nothing changes
	ContactUpdate  ContactAction = "update"  // the contact is updated in place
	ContactReplace ContactAction = "replace" // a new contact is created and made the registrant
)

// ContactUse is one domain of the batch whose registrant contact is known.
type ContactUse struct {
	Domain   string           // the name for the report (Unicode)
	Record   registrar.Record // Record.Registrant is the contact id
	ClientID int64            // tbldomains.userid
	DomainID int64            // tbldomains.id (for the run journal)
}

// ContactPlan is what happens to one registrar contact as used by the
// domains of one WHMCS client in the batch.
type ContactPlan struct {
	ContactID string
	ClientID  int64
	Uses      []ContactUse // the client's domains with this registrant, batch order
	// Clients is how many WHMCS clients' domains use the contact (the
	// batch's, and for a change the registrar's whole portfolio, see
	// CheckContactUsers); more than one means it is never changed.
	Clients int
	Diffs   []ContactDiff
	Action  ContactAction
	// Why says why a difference is not acted on (report only in update or
	// replace mode); "" otherwise.
	Why string
	// Err is why a change was not attempted because a check of it failed
	// (the registrar's listing of the domains using the contact); reported
	// as an error. nil otherwise.
	Err error
	// Want is what UpdateContact or CreateContact sends.
	Want registrar.Contact
}

// PlanContact decides what mode does about one contact (have) used by
// domains of the given WHMCS client; clients is the number of distinct WHMCS
// clients whose domains use the contact.
func PlanContact(mode ContactMode, client whmcsdb.Client, have registrar.Contact, clients int) ContactPlan {
	p := ContactPlan{ContactID: have.ID, ClientID: client.ID, Clients: clients, Diffs: CompareContact(client, have)}
	if len(p.Diffs) == 0 {
		p.Action = ContactEqual
		return p
	}
	owner := slices.ContainsFunc(p.Diffs, func(d ContactDiff) bool { return ownerField(d.Field) })
	p.Action = ContactReport
	switch {
	case mode != ContactsUpdate && mode != ContactsReplace:
		return p
	case clients > 1:
		p.Why = fmt.Sprintf("contact %s is used by domains of %d WHMCS clients; a shared contact is never changed", have.ID, clients)
		return p
	case owner && mode == ContactsUpdate:
		p.Why = "the name or company differs: contacts: update never changes the owner (contacts: replace would make a new contact the registrant)"
		return p
	case owner:
		p.Action = ContactReplace
		p.Want = ClientContact(client)
		if (p.Want.CompanyName == "") == (have.CompanyName == "") {
			p.Want.LegalForm = have.LegalForm
		}
		return p
	}
	p.Action = ContactUpdate
	p.Want = ClientContact(client)
	// Name, company and legal form stay as they are: only details change.
	p.Want.ID, p.Want.FirstName, p.Want.LastName = have.ID, have.FirstName, have.LastName
	p.Want.CompanyName, p.Want.LegalForm = have.CompanyName, have.LegalForm
	return p
}

// ContactClients counts, per contact id, the distinct WHMCS clients whose
// domains use it: the batch's uses plus owners, a map of contact id to
// more client ids known from elsewhere (nil when none).
func ContactClients(uses []ContactUse, owners map[string][]int64) map[string]int {
	sets := map[string]map[int64]bool{}
	add := func(id string, client int64) {
		if sets[id] == nil {
			sets[id] = map[int64]bool{}
		}
		sets[id][client] = true
	}
	for _, u := range uses {
		add(u.Record.Registrant, u.ClientID)
	}
	for id, cs := range owners {
		if sets[id] == nil {
			continue
		}
		for _, c := range cs {
			add(id, c)
		}
	}
	out := make(map[string]int, len(sets))
	for id, s := range sets {
		out[id] = len(s)
	}
	return out
}

// PlanContacts plans every (contact, client) pair of the batch in batch
// order. Uses whose contact could not be read (not in have) or whose client
// is not in clients are left out; the caller reports them.
func PlanContacts(mode ContactMode, uses []ContactUse, have map[string]registrar.Contact, clients map[int64]whmcsdb.Client, counts map[string]int) []ContactPlan {
	type key struct {
		id     string
		client int64
	}
	idx := map[key]int{}
	var out []ContactPlan
	for _, u := range uses {
		c, okC := have[u.Record.Registrant]
		cl, okCl := clients[u.ClientID]
		if !okC || !okCl {
			continue
		}
		k := key{u.Record.Registrant, u.ClientID}
		if i, seen := idx[k]; seen {
			out[i].Uses = append(out[i].Uses, u)
			continue
		}
		if c.ID == "" {
			c.ID = u.Record.Registrant
		}
		p := PlanContact(mode, cl, c, max(1, counts[u.Record.Registrant]))
		p.Uses = []ContactUse{u}
		idx[k] = len(out)
		out = append(out, p)
	}
	return out
}

// ContactUsers is what the registrar says about one contact: every domain
// of the account that uses it, in any role (ASCII names), or why that
// could not be listed.
type ContactUsers struct {
	Domains []string
	Err     error
}

// CheckContactUsers decides whether each planned change (update or
// replace) may go ahead, given the registrar's whole portfolio: every
// domain using the contact must be a WHMCS domain of the plan's client
// only. users holds, by contact id, what the registrar listed; owners, by
// ASCII domain name, the WHMCS clients holding each listed name (a name
// absent from it is not in WHMCS). A change is turned into a report-only
// plan (nothing sent) when:
//   - the contact was not listed (Why), or its listing failed (Err);
//   - the listing misses a batch domain known to use the contact: it
//     cannot be trusted to be complete (Why);
//   - a domain of another WHMCS client uses it (Why, Clients counts them);
//   - a domain WHMCS does not hold uses it: its owner is unknown (Why).
//
// Other plans are returned as they are; plans is not modified.
func CheckContactUsers(plans []ContactPlan, users map[string]ContactUsers, owners map[string][]int64) []ContactPlan {
	out := slices.Clone(plans)
	for i, p := range out {
		if p.Action != ContactUpdate && p.Action != ContactReplace {
			continue
		}
		refuse := func(why string, err error) {
			out[i].Action, out[i].Want, out[i].Why, out[i].Err = ContactReport, registrar.Contact{}, why, err
		}
		u, listed := users[p.ContactID]
		if !listed {
			refuse(fmt.Sprintf("the registrar's portfolio was not checked for other domains using contact %s (the run stopped first); it is not changed", p.ContactID), nil)
			continue
		}
		if u.Err != nil {
			refuse("", fmt.Errorf("the domains using contact %s could not be listed at the registrar, so it is not changed: %w", p.ContactID, u.Err))
			continue
		}
		listedNames := map[string]bool{}
		for _, n := range u.Domains {
			listedNames[lookupName(n)] = true
		}
		var missing []string
		for _, use := range p.Uses {
			if !listedNames[lookupName(use.Record.Name)] {
				missing = append(missing, use.Domain)
			}
		}
		if len(missing) > 0 {
			refuse(fmt.Sprintf("the registrar's list of the domains using contact %s does not name %s, which uses it: the list is incomplete, so the contact is not changed",
				p.ContactID, nameList(missing)), nil)
			continue
		}
		others := map[int64]bool{}
		var otherNames, unknown []string
		for _, n := range u.Domains {
			ids, inWHMCS := owners[n]
			if !inWHMCS || len(ids) == 0 {
				unknown = append(unknown, displayName(n))
				continue
			}
			foreign := false
			for _, id := range ids {
				if id != p.ClientID {
					others[id], foreign = true, true
				}
			}
			if foreign {
				otherNames = append(otherNames, displayName(n))
			}
		}
		var whys []string
		if len(others) > 0 {
			out[i].Clients = max(p.Clients, 1+len(others))
			whys = append(whys, fmt.Sprintf("contact %s is used by domains of %d WHMCS clients (found in the registrar's portfolio, of another client: %s); a shared contact is never changed",
				p.ContactID, out[i].Clients, nameList(otherNames)))
		}
		if len(unknown) > 0 {
			whys = append(whys, fmt.Sprintf("contact %s is also used by %d domain(s) at the registrar that WHMCS does not hold (%s): their owner is unknown, so the contact is never changed",
				p.ContactID, len(unknown), nameList(unknown)))
		}
		if len(whys) > 0 {
			refuse(strings.Join(whys, "; "), nil)
		}
	}
	return out
}

// displayName is the Unicode form of a registrar's ASCII name for the
// report (the name as given when it is not a valid one).
func displayName(ascii string) string {
	if _, uni, err := registrar.NormalizeName(ascii); err == nil {
		return uni
	}
	return ascii
}
