package cmd

import (
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar/odr/odrsim"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// TestSyncE2EODRContactSharedOutsideBatch: with contacts: update, a batch of
// one domain of client A whose contact is also used by a domain of client B
// outside the batch leaves the contact unchanged (no PUT /contact) and says
// why; the control, where only A's domains (one outside the batch) use the
// contact, updates it.
func TestSyncE2EODRContactSharedOutsideBatch(t *testing.T) {
	e := newE2E(t, e2eOptions{Report: `to: ["ops@whmcs.test"]`})
	jan := whmcstest.InsertClient(t, e.db, whmcstest.ClientRow{FirstName: "Jan", LastName: "de Vries", Email: "jan@example.nl",
		Address1: "Hoofdstraat 12", City: "Amsterdam", PostCode: "1011 AA", Country: "NL", PhoneNumber: "+31.201234567"})
	piet := whmcstest.InsertClient(t, e.db, whmcstest.ClientRow{FirstName: "Piet", LastName: "Jansen", Email: "piet@example.nl",
		Address1: "Kerkweg 3", City: "Utrecht", PostCode: "3511 AB", Country: "NL", PhoneNumber: "+31.301234567"})
	contact := func() map[string]any { // jan's name, an old e-mail address: a details difference
		return map[string]any{"first_name": "Jan", "last_name": "de Vries", "email": "old@example.nl", "phone": "+31.201234567",
			"street": "Hoofdstraat", "house_number": "12", "city": "Amsterdam", "postal_code": "1011AA", "country": "NL", "organization_legal_form": "PERSOON"}
	}
	dom := func(id int64, name string, registrant, tech int64) odrsim.Domain {
		return odrsim.Domain{ID: id, Name: name, Status: "REGISTERED", Expiration: "2027-01-01 00:00:00", Registrant: registrant, Onsite: registrant, Tech: tech}
	}
	sim := withODR(t, e, odrsim.Options{
		Contacts: map[int64]map[string]any{3001: contact(), 3002: contact(), 3999: {"first_name": "Piet", "last_name": "Jansen"}},
		Domains: []odrsim.Domain{
			dom(1, "jan-shared.nl", 3001, 3001), // A, in the batch
			dom(2, "piet.nl", 3999, 3001),       // B, outside the batch: uses 3001 as tech contact
			dom(3, "jan-own.nl", 3002, 3002),    // A, in the batch
			dom(4, "jan-other.nl", 3002, 3002),  // A, outside the batch
		},
	}, "")
	row := func(name string, user int64) whmcstest.DomainRow {
		return whmcstest.DomainRow{Domain: name, UserID: user, Registrar: "odr", Status: "Active", ExpiryDate: "2027-01-01",
			NextDueDate: "2026-12-18", NextInvoiceDate: "2026-12-18", RegistrationDate: "2020-01-10"}
	}
	e.domain(row("jan-shared.nl", jan))
	e.domain(row("piet.nl", piet))
	e.domain(row("jan-own.nl", jan))
	e.domain(row("jan-other.nl", jan))
	setODRContacts(t, e, "update")
	contactPuts := func(id string) int {
		n := 0
		for _, r := range sim.Requests() {
			if r.Method == "PUT" && r.Path == "/contact/"+id+"/" {
				n++
			}
		}
		return n
	}
	listings := func(id string) int {
		n := 0
		for _, r := range sim.Requests() {
			if r.Method == "GET" && r.Path == "/domain/" && strings.Contains(r.Query, "filter%5Bcontact%5D="+id+"&") {
				n++
			}
		}
		return n
	}

	// The batch: jan-shared.nl alone. Client B's piet.nl uses its contact.
	code, stdout, stderr := e.run("--registrar", "odr", "--report", "text", "--domain", "jan-shared.nl")
	if code != 0 {
		t.Fatalf("shared: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if n := contactPuts("3001"); n != 0 {
		t.Errorf("the contact shared with client B's piet.nl was written %d times", n)
	}
	if c, _ := sim.Contact(3001); c["email"] != "old@example.nl" {
		t.Errorf("contact 3001 changed: %v", c)
	}
	if n := listings("3001"); n != 1 {
		t.Errorf("contact 3001's domains listed %d times, want 1", n)
	}
	mustContain(t, "shared stdout", stdout, "jan-shared.nl", "registrant contact not changed", "2 WHMCS clients",
		"registrar's portfolio", "piet.nl", "old@example.nl")
	if strings.Contains(stdout, "updated in place") {
		t.Errorf("the report says the shared contact was updated:\n%s", stdout)
	}

	// The control: jan-own.nl alone; its contact is used only by client A's
	// domains (jan-other.nl is outside the batch).
	code, stdout, stderr = e.run("--registrar", "odr", "--report", "text", "--domain", "jan-own.nl")
	if code != 0 {
		t.Fatalf("control: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if n := contactPuts("3002"); n != 1 {
		t.Errorf("contact 3002 written %d times, want 1", n)
	}
	if c, _ := sim.Contact(3002); c["email"] != "jan@example.nl" || c["first_name"] != "Jan" {
		t.Errorf("contact 3002 after update: %v", c)
	}
	mustContain(t, "control stdout", stdout, "updated in place", "jan-own.nl")
	if strings.Contains(stdout, "not changed") {
		t.Errorf("the control reports a contact not changed:\n%s", stdout)
	}
	if n := contactPuts("3001"); n != 0 {
		t.Errorf("contact 3001 written by the control run")
	}

	// --all reads the listing, which carries no contacts: the report says
	// they were not compared, and no contact is read or written.
	before := len(sim.Requests())
	code, stdout, stderr = e.run("--registrar", "odr", "--report", "text", "--all")
	if code != 0 {
		t.Fatalf("--all: exit %d\n%s\n%s", code, stdout, stderr)
	}
	mustContain(t, "--all stdout", stdout, "registrant contacts were not compared", "--all run")
	for _, r := range sim.Requests()[before:] {
		if strings.HasPrefix(r.Path, "/contact/") {
			t.Errorf("--all sent %s %s", r.Method, r.Path)
		}
	}
}
