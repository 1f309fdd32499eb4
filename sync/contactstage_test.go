package sync

import (
	"context"
	"errors"
	"testing"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/report"
)

// The contacts stage on its own returns what it found and did, and
// reports nothing: planned, one plan per contact and nothing written; a
// real run, the contacts that may change updated (2001 and 2002 are used
// by domains of another client or none in WHMCS).
func TestCompareContacts(t *testing.T) {
	e := newPortfolioEnv(t)
	o := Options{DB: e.db, Registrar: e.reg, Contacts: ContactsUpdate}.withDefaults()
	c, err := compareContacts(context.Background(), o, e.domains, e.results, true)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Planned || len(c.Plans) != 4 || len(c.Stops) != 0 || len(c.Unread) != 0 || len(c.Done) != 4 {
		t.Fatalf("planned: %+v", c)
	}
	for i, p := range c.Plans {
		if p.Action != ContactUpdate || c.Done[i] || c.Outcome[i] != nil {
			t.Errorf("planned plan %s: %s, done %v, outcome %v", p.ContactID, p.Action, c.Done[i], c.Outcome[i])
		}
	}
	if n := e.count("PUT", "/contact/2003/", "") + e.count("GET", "/domain/", "filter"); n != 0 {
		t.Fatalf("a planned stage sent %d requests beyond the reads", n)
	}

	c, err = compareContacts(context.Background(), o, e.domains, e.results, false)
	if err != nil {
		t.Fatal(err)
	}
	done := map[string]bool{}
	for i, p := range c.Plans {
		done[p.ContactID] = c.Done[i]
	}
	if !done["2003"] || !done["2004"] || done["2001"] || done["2002"] {
		t.Errorf("contacts changed %v; want 2003 and 2004", done)
	}

	// Contacts off, or past the deadline: nothing.
	o.Contacts = ContactsOff
	if c, err := compareContacts(context.Background(), o, e.domains, e.results, false); err != nil || len(c.Plans) != 0 {
		t.Errorf("contacts off: %+v, %v", c, err)
	}
}

// The contacts stage's report: the contacts not compared, then the account
// failures (the first the run's account error unless it has one), then the
// differences; a run with an account error already does no contacts.
func TestReportContactsResult(t *testing.T) {
	o := Options{Registrar: &hookReg{}}.withDefaults()
	denied := errors.New("blocked")
	use := func(domain string) ContactUse {
		return ContactUse{Domain: domain, Record: registrar.Record{Registrant: "7"}, ClientID: 3}
	}
	res := &Result{Report: report.NewSync("openprovider")}
	reportContactsResult(res, o, contactsResult{
		Unread: []contactUnread{{Use: use("a.nl"), Err: errors.New("timeout")}, {Use: use("b.nl")}},
		Stops:  []contactStop{{What: "registrant contacts not changed", Err: denied}},
	})
	if got := rowsOf(res.Report, report.SectionErrors); got != "a.nl | registrant contact 7 not read: timeout\n(openprovider account) | registrant contacts not changed: blocked\n" {
		t.Errorf("error rows:\n%s", got)
	}
	if got := rowsOf(res.Report, report.SectionAttention); got != "b.nl | registrant contact not compared | WHMCS client #3 (tbldomains.userid) not found in tblclients\n" {
		t.Errorf("attention rows:\n%s", got)
	}
	if res.AccountErr != denied {
		t.Errorf("account error %v", res.AccountErr)
	}

	e := newPortfolioEnv(t)
	earlier := errors.New("earlier")
	res = &Result{Report: report.NewSync("odr"), AccountErr: earlier}
	before := len(e.sim.Requests())
	if err := syncContacts(context.Background(), Options{DB: e.db, Registrar: e.reg, Contacts: ContactsUpdate}, e.domains, e.results, res, false); err != nil {
		t.Fatal(err)
	}
	if n := len(e.sim.Requests()) - before; n != 0 || res.AccountErr != earlier {
		t.Errorf("after an account error: %d requests, account error %v", n, res.AccountErr)
	}
}
