package cmd

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar/odr/odrsim"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// setODRContacts sets registrars.odr.contacts in e's config (after withODR).
func setODRContacts(t *testing.T, e *e2e, mode string) {
	t.Helper()
	data := readFile(t, e.cfgPath)
	if i := strings.Index(data, "    contacts: "); i >= 0 {
		data = data[:i] + data[i+strings.Index(data[i:], "\n")+1:]
	}
	data = strings.Replace(data, "    modules: [odr, ODR]\n", "    modules: [odr, ODR]\n    contacts: "+mode+"\n", 1)
	if err := os.WriteFile(e.cfgPath, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSyncE2EODRContacts runs the three contact modes against odrsim:
// report changes nothing; update changes details in place but never a
// name; replace creates a new registrant; a contact shared by two WHMCS
// clients is never touched; mail goes to the configured recipient only.
// It also shows a PENDING domain without an expiry as waiting.
func TestSyncE2EODRContacts(t *testing.T) {
	e := newE2E(t, e2eOptions{Report: `to: ["ops@whmcs.test"]`})
	jan := whmcstest.InsertClient(t, e.db, whmcstest.ClientRow{FirstName: "Jan", LastName: "de Vries", Email: "jan@example.nl",
		Address1: "Hoofdstraat 12", City: "Amsterdam", PostCode: "1011 AA", Country: "NL", PhoneNumber: "+31.201234567"})
	piet := whmcstest.InsertClient(t, e.db, whmcstest.ClientRow{FirstName: "Piet", LastName: "Jansen", Email: "piet@example.nl",
		Address1: "Kerkweg 3", City: "Utrecht", PostCode: "3511 AB", Country: "NL", PhoneNumber: "+31.301234567"})
	contact := func(first, last, email, phone string) map[string]any {
		return map[string]any{"first_name": first, "last_name": last, "email": email, "phone": phone, "street": "Hoofdstraat",
			"house_number": "12", "city": "Amsterdam", "postal_code": "1011AA", "country": "NL", "organization_legal_form": "PERSOON"}
	}
	sim := withODR(t, e, odrsim.Options{
		Contacts: map[int64]map[string]any{
			2001: contact("Jan", "de Vries", "old@example.nl", "+31.209999999"), // details differ
			2002: contact("Klaas", "Bakker", "jan@example.nl", "+31.201234567"), // name differs
			2003: contact("Jan", "de Vries", "shared@example.nl", "+31.201234567"),
			2004: contact("Jan", "de Vries", "JAN@example.nl", "+31 20 123 4567"), // equal
		},
		Domains: []odrsim.Domain{
			{ID: 1, Name: "details.nl", Status: "REGISTERED", Expiration: "2027-01-01 00:00:00", Registrant: 2001},
			{ID: 2, Name: "owner.nl", Status: "REGISTERED", Expiration: "2027-01-01 00:00:00", Registrant: 2002},
			{ID: 3, Name: "shared-a.nl", Status: "REGISTERED", Expiration: "2027-01-01 00:00:00", Registrant: 2003},
			{ID: 4, Name: "shared-b.nl", Status: "REGISTERED", Expiration: "2027-01-01 00:00:00", Registrant: 2003},
			{ID: 5, Name: "equal.nl", Status: "REGISTERED", Expiration: "2027-01-01 00:00:00", Registrant: 2004},
			{ID: 6, Name: "pending.nl", Status: "PENDING", Expiration: ""},
		},
	}, "")
	row := func(name string, user int64) whmcstest.DomainRow {
		return whmcstest.DomainRow{Domain: name, UserID: user, Registrar: "odr", Status: "Active", ExpiryDate: "2027-01-01",
			NextDueDate: "2026-12-18", NextInvoiceDate: "2026-12-18", RegistrationDate: "2020-01-10"}
	}
	for _, r := range []whmcstest.DomainRow{row("details.nl", jan), row("owner.nl", jan), row("shared-a.nl", jan), row("shared-b.nl", piet), row("equal.nl", jan)} {
		e.domain(r)
	}
	e.domain(whmcstest.DomainRow{Domain: "pending.nl", UserID: jan, Registrar: "odr", Status: "Pending Registration", RegistrationDate: "2025-01-10"})
	args := []string{"--registrar", "odr", "--report", "text"}
	for _, d := range []string{"details.nl", "owner.nl", "shared-a.nl", "shared-b.nl", "equal.nl", "pending.nl"} {
		args = append(args, "--domain", d)
	}
	contactsOf := func() string {
		var b strings.Builder
		for _, id := range []int64{2001, 2002, 2003, 2004} {
			c, _ := sim.Contact(id)
			b.WriteString(strings.Join([]string{contactStr(c["first_name"]), contactStr(c["email"]), contactStr(c["phone"])}, "|") + "\n")
		}
		for _, n := range []string{"details.nl", "owner.nl", "shared-a.nl", "shared-b.nl", "equal.nl"} {
			d, _ := sim.Domain(n)
			b.WriteString(n + "=" + strconv.FormatInt(d.Registrant, 10) + "\n")
		}
		return b.String()
	}
	writes := func() int {
		n := 0
		for _, r := range sim.Requests() {
			if (r.Method == "PUT" || r.Method == "POST") && (strings.HasPrefix(r.Path, "/contact") || r.Path == "/domain/owner.nl/") {
				n++
			}
		}
		return n
	}
	before := contactsOf()

	// report (the default): differences listed, nothing changes.
	code, stdout, stderr := e.run(args...)
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	mustContain(t, "report stdout", stdout, "Registrant contact differs from the WHMCS client",
		"old@example.nl", "+31.209999999", "owner.nl", "Klaas Bakker", "shared-a.nl", "shared-b.nl")
	if strings.Count(stdout, "equal.nl") != 1 { // only its auto-renew row
		t.Error("equal.nl reported as different")
	}
	if strings.Contains(stdout, "Errors") {
		t.Errorf("errors reported (pending.nl has no expiry and no registrant yet, which is no error):\n%s", stdout)
	}
	if writes() != 0 || contactsOf() != before {
		t.Fatalf("report mode wrote to ODR: %d writes", writes())
	}
	get := sim.Count("GET", "/contact/2003/")
	if get != 1 {
		t.Errorf("shared contact read %d times in one run, want 1", get)
	}

	// update: details.nl's contact updated in place; owner.nl and the shared contact untouched.
	setODRContacts(t, e, "update")
	code, stdout, stderr = e.run(args...)
	if code != 0 {
		t.Fatalf("update: exit %d\n%s", code, stderr)
	}
	c1, _ := sim.Contact(2001)
	if c1["email"] != "jan@example.nl" || c1["phone"] != "+31.201234567" || c1["first_name"] != "Jan" {
		t.Errorf("contact 2001 after update: %v", c1)
	}
	mustContain(t, "update stdout", stdout, "updated in place", "details.nl", "never changes the owner", "used by domains of 2 WHMCS clients")
	if c2, _ := sim.Contact(2002); c2["first_name"] != "Klaas" {
		t.Errorf("update changed a name: %v", c2)
	}
	if c3, _ := sim.Contact(2003); c3["email"] != "shared@example.nl" {
		t.Errorf("update changed the shared contact: %v", c3)
	}
	if d, _ := sim.Domain("owner.nl"); d.Registrant != 2002 {
		t.Errorf("update repointed owner.nl to %d", d.Registrant)
	}
	// The run journal holds the contact change: one row per field, sent.
	if got := e.query("SELECT CONCAT(domain, ' ', detail, ' ', state) FROM tblDomainSyncJournalChanges WHERE field = 'contact' ORDER BY id"); len(got) == 0 ||
		!strings.HasPrefix(got[0], "details.nl ") || strings.Contains(strings.Join(got, ","), "planned") || strings.Contains(strings.Join(got, ","), "owner.nl") {
		t.Errorf("contact changes in the journal: %v", got)
	}

	// replace: owner.nl gets a new registrant holding the WHMCS client.
	setODRContacts(t, e, "replace")
	code, stdout, stderr = e.run(args...)
	if code != 0 {
		t.Fatalf("replace: exit %d\n%s", code, stderr)
	}
	d, _ := sim.Domain("owner.nl")
	nc, ok := sim.Contact(d.Registrant)
	if d.Registrant == 2002 || !ok || nc["first_name"] != "Jan" || nc["last_name"] != "de Vries" || nc["email"] != "jan@example.nl" {
		t.Errorf("owner.nl registrant %d: %v", d.Registrant, nc)
	}
	if c2, _ := sim.Contact(2002); c2["first_name"] != "Klaas" {
		t.Errorf("the old contact was changed: %v", c2)
	}
	if c3, _ := sim.Contact(2003); c3["email"] != "shared@example.nl" {
		t.Errorf("replace changed the shared contact: %v", c3)
	}
	for _, n := range []string{"shared-a.nl", "shared-b.nl"} {
		if d, _ := sim.Domain(n); d.Registrant != 2003 {
			t.Errorf("%s repointed to %d", n, d.Registrant)
		}
	}
	mustContain(t, "replace stdout", stdout, "new registrant contact was created", "owner.nl", "owner change and mail the old owner")

	// Mail only ever goes to the configured recipient.
	msgs := e.smtp.Messages()
	if len(msgs) == 0 {
		t.Fatal("no report mailed")
	}
	for _, m := range msgs {
		if len(m.To) != 1 || m.To[0] != "ops@whmcs.test" {
			t.Errorf("mail to %v", m.To)
		}
	}
}

func contactStr(v any) string {
	s, _ := v.(string)
	return s
}
