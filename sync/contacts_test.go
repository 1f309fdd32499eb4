package sync

import (
	"slices"
	"testing"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/whmcsdb"
)

var testClient = whmcsdb.Client{ID: 7, FirstName: "Jan", LastName: "de Vries", Email: "Jan@Example.nl",
	Address1: "Hoofdstraat 12a", City: "Amsterdam", State: "Noord-Holland", PostCode: "1011 AA", Country: "nl", Phone: "+31.201234567"}

// odrContact is testClient as ODR holds it (other spelling, same data).
func odrContact() registrar.Contact {
	return registrar.Contact{ID: "24", FirstName: "Jan", LastName: " de  Vries", LegalForm: "PERSOON", Email: "jan@example.NL",
		Street: "Hoofdstraat", HouseNumber: "12a", City: "Amsterdam ", State: "Noord-Holland", PostalCode: "1011aa", Country: "NL", Phone: "+31 20 123 4567"}
}

func TestSameContactValue(t *testing.T) {
	tests := []struct {
		field, a, b string
		same        bool
	}{
		{FieldEmail, " Jan@Example.NL ", "jan@example.nl", true},
		{FieldEmail, "jan@example.nl", "jan@example.com", false},
		{FieldPhone, "+31.201234567", "+31 20 123 4567", true},
		{FieldPhone, "+31.201234567", "+31.201234568", false},
		{FieldCountry, " nl", "NL", true},
		{FieldCountry, "NL", "BE", false},
		{FieldPostcode, "1011 aa", "1011AA", true},
		{FieldName, "Jan  de Vries ", "Jan de Vries", true},
		{FieldName, "jan de vries", "Jan de Vries", false}, // names keep their case
		{FieldCity, "Amsterdam", "", false},
		{FieldState, "", "  ", true},
	}
	for _, tt := range tests {
		if got := SameContactValue(tt.field, tt.a, tt.b); got != tt.same {
			t.Errorf("SameContactValue(%s, %q, %q) = %v, want %v", tt.field, tt.a, tt.b, got, tt.same)
		}
	}
}

func TestSplitStreet(t *testing.T) {
	for in, want := range map[string][2]string{
		"Hoofdstraat 12a":    {"Hoofdstraat", "12a"},
		" Lange  Voorhout 9": {"Lange Voorhout", "9"},
		"Postbus":            {"Postbus", ""},
		"1e Dwarsstraat":     {"1e Dwarsstraat", ""},
		"":                   {"", ""},
	} {
		s, n := splitStreet(in)
		if s != want[0] || n != want[1] {
			t.Errorf("splitStreet(%q) = %q, %q; want %q, %q", in, s, n, want[0], want[1])
		}
	}
}

// TestPlanContact covers the four cases (equal, details differ, name
// differs, shared contact) in each of the three modes.
func TestPlanContact(t *testing.T) {
	details := odrContact()
	details.Email, details.Phone = "old@example.nl", "+31.209999999"
	renamed := odrContact()
	renamed.FirstName, renamed.LastName, renamed.Email = "Piet", "Jansen", "piet@example.nl"

	type want struct {
		action ContactAction
		why    bool // a reason why nothing changes
	}
	cases := []struct {
		name    string
		have    registrar.Contact
		clients int
		fields  []string
		modes   map[ContactMode]want
	}{
		{"equal", odrContact(), 1, nil, map[ContactMode]want{
			ContactsReport: {ContactEqual, false}, ContactsUpdate: {ContactEqual, false}, ContactsReplace: {ContactEqual, false}}},
		{"details differ", details, 1, []string{FieldEmail, FieldPhone}, map[ContactMode]want{
			ContactsReport: {ContactReport, false}, ContactsUpdate: {ContactUpdate, false}, ContactsReplace: {ContactUpdate, false}}},
		{"name differs", renamed, 1, []string{FieldName, FieldEmail}, map[ContactMode]want{
			ContactsReport: {ContactReport, false}, ContactsUpdate: {ContactReport, true}, ContactsReplace: {ContactReplace, false}}},
		{"shared contact", details, 2, []string{FieldEmail, FieldPhone}, map[ContactMode]want{
			ContactsReport: {ContactReport, false}, ContactsUpdate: {ContactReport, true}, ContactsReplace: {ContactReport, true}}},
		{"shared contact, name differs", renamed, 3, []string{FieldName, FieldEmail}, map[ContactMode]want{
			ContactsReport: {ContactReport, false}, ContactsUpdate: {ContactReport, true}, ContactsReplace: {ContactReport, true}}},
	}
	for _, c := range cases {
		for _, mode := range []ContactMode{ContactsReport, ContactsUpdate, ContactsReplace} {
			t.Run(c.name+"/"+string(mode), func(t *testing.T) {
				p := PlanContact(mode, testClient, c.have, c.clients)
				w := c.modes[mode]
				var fields []string
				for _, d := range p.Diffs {
					fields = append(fields, d.Field)
				}
				if !slices.Equal(fields, c.fields) {
					t.Errorf("diff fields %v, want %v", fields, c.fields)
				}
				if p.Action != w.action || (p.Why != "") != w.why {
					t.Fatalf("action %s why %q, want %s (why: %v)", p.Action, p.Why, w.action, w.why)
				}
				switch p.Action {
				case ContactUpdate:
					// In place: same id, name and legal form; WHMCS's details.
					if p.Want.ID != "24" || p.Want.FirstName != c.have.FirstName || p.Want.LastName != c.have.LastName ||
						p.Want.LegalForm != "PERSOON" || p.Want.Email != testClient.Email || p.Want.Phone != testClient.Phone ||
						p.Want.Street != "Hoofdstraat" || p.Want.HouseNumber != "12a" || p.Want.Country != "NL" {
						t.Errorf("update sends %+v", p.Want)
					}
				case ContactReplace:
					if p.Want.ID != "" || p.Want.FirstName != "Jan" || p.Want.LastName != "de Vries" || p.Want.Email != testClient.Email || p.Want.LegalForm != "PERSOON" {
						t.Errorf("replace creates %+v", p.Want)
					}
				default:
					if p.Want != (registrar.Contact{}) {
						t.Errorf("%s plan would send %+v", p.Action, p.Want)
					}
				}
			})
		}
	}
}

func TestCompareContactValues(t *testing.T) {
	have := odrContact()
	have.Country = "BE"
	got := CompareContact(testClient, have)
	if want := []ContactDiff{{Field: FieldCountry, WHMCS: "nl", Registrar: "BE"}}; !slices.Equal(got, want) {
		t.Errorf("diffs %+v, want %+v", got, want)
	}
	// A company only at ODR is an owner difference.
	have = odrContact()
	have.CompanyName = "Vries BV"
	if got := CompareContact(testClient, have); len(got) != 1 || got[0].Field != FieldCompany || got[0].WHMCS != "" {
		t.Errorf("company: %+v", got)
	}
}

// TestPlanContacts groups uses by (contact, client), counts clients per
// contact from the batch and the listing, and leaves out what was not read.
func TestPlanContacts(t *testing.T) {
	rec := func(name, reg string) registrar.Record { return registrar.Record{Name: name, Registrant: reg} }
	uses := []ContactUse{
		{Domain: "a.nl", Record: rec("a.nl", "24"), ClientID: 7},
		{Domain: "b.nl", Record: rec("b.nl", "24"), ClientID: 7},
		{Domain: "c.nl", Record: rec("c.nl", "30"), ClientID: 7},
		{Domain: "d.nl", Record: rec("d.nl", "30"), ClientID: 8},
		{Domain: "e.nl", Record: rec("e.nl", "40"), ClientID: 7}, // contact not read
		{Domain: "f.nl", Record: rec("f.nl", "24"), ClientID: 9}, // client not in WHMCS
	}
	counts := ContactClients(uses[:4], map[string][]int64{"24": {7}, "99": {1, 2}})
	if counts["24"] != 1 || counts["30"] != 2 || counts["99"] != 0 {
		t.Fatalf("counts %v", counts)
	}
	if c := ContactClients(uses[:1], map[string][]int64{"24": {5}}); c["24"] != 2 {
		t.Errorf("a listing owner does not count: %v", c)
	}
	details := odrContact()
	details.Email = "old@example.nl"
	c30 := odrContact()
	c30.ID = ""
	c30.Email = "x@example.nl"
	other := testClient
	other.ID = 8
	plans := PlanContacts(ContactsUpdate, uses, map[string]registrar.Contact{"24": details, "30": c30},
		map[int64]whmcsdb.Client{7: testClient, 8: other}, counts)
	if len(plans) != 3 {
		t.Fatalf("%d plans: %+v", len(plans), plans)
	}
	if p := plans[0]; p.ContactID != "24" || len(p.Uses) != 2 || p.Action != ContactUpdate {
		t.Errorf("plan 0: %+v", p)
	}
	for _, p := range plans[1:] {
		if p.ContactID != "30" || p.Action != ContactReport || p.Why == "" || p.Clients != 2 {
			t.Errorf("shared plan: %+v", p)
		}
	}
}

func FuzzSameContactValue(f *testing.F) {
	for _, s := range [][2]string{{"+31.201234567", "+31 20 123 4567"}, {"Jan@Example.NL", "jan@example.nl"}, {" nl", "NL"}, {"", "\u00a0"}, {"1011 aa", "1011AA"}} {
		f.Add(s[0], s[1])
	}
	fields := []string{FieldName, FieldCompany, FieldEmail, FieldAddress, FieldPostcode, FieldCity, FieldState, FieldCountry, FieldPhone}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, field := range fields {
			if !SameContactValue(field, a, a) {
				t.Fatalf("%s: %q differs from itself", field, a)
			}
			if SameContactValue(field, a, b) != SameContactValue(field, b, a) {
				t.Fatalf("%s: not symmetric for %q, %q", field, a, b)
			}
		}
		splitStreet(a)
		CompareContact(whmcsdb.Client{FirstName: a, Address1: b, Phone: a}, registrar.Contact{LastName: b, Street: a, Phone: b})
	})
}
