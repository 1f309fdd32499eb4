package sync

import (
	"context"
	"fmt"
	"testing"

	"github.com/domainsync/domainsync/whmcsdb"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// The select stage's names: distinct registrar names in order (any case,
// the same name once), the rows of a name held more than once, and no
// name for a row whose name is not a domain name.
func TestSelectionNames(t *testing.T) {
	want, dups := selectionNames([]whmcsdb.DomainName{
		{ID: 5, Name: "b.com"}, {ID: 1, Name: "a.com"}, {ID: 2, Name: ""}, {ID: 7, Name: "A.COM"},
		{ID: 3, Name: "not a name"}, {ID: 4, Name: "a.com"}, {ID: 9, Name: "c.com"},
	})
	if fmt.Sprint(want) != "[b.com a.com c.com]" {
		t.Errorf("want %v", want)
	}
	if fmt.Sprint(dups) != "map[a.com:[1 4 7]]" {
		t.Errorf("dups %v", dups)
	}
}

// A batch: the oldest due domains up to the batch size, read whole, with
// the other rows of their names (a duplicate outside the batch is
// caught), the count of the batch alone, the last-sync table created; a
// domain with an invalid status is returned for the report.
func TestSelectDomainsBatch(t *testing.T) {
	e := newRTEnv(t)
	e.add(t, 3)
	whmcstest.InsertDomain(t, e.seed, whmcstest.DomainRow{UserID: 4, Domain: "R3.com", Registrar: "openprovider",
		RegistrationDate: "2020-01-01", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"}) // id 4
	whmcstest.InsertDomain(t, e.seed, whmcstest.DomainRow{UserID: 4, Domain: "odd.com", Registrar: "openprovider",
		RegistrationDate: "2020-01-01", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"}) // id 5
	if _, err := e.seed.Exec("UPDATE tbldomains SET status = '' WHERE id = 5"); err != nil {
		t.Fatal(err)
	}
	sel, err := selectDomains(context.Background(), e.options(3))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, d := range sel.Domains {
		ids = append(ids, d.ID)
	}
	if fmt.Sprint(ids) != "[1 2 3]" || sel.Count != 3 || sel.All {
		t.Errorf("batch ids %v, count %d, all %v; want [1 2 3], 3", ids, sel.Count, sel.All)
	}
	if fmt.Sprint(sel.Want) != "[r1.com r2.com r3.com]" || fmt.Sprint(sel.Dups) != "map[r3.com:[3 4]]" {
		t.Errorf("want %v, dups %v", sel.Want, sel.Dups)
	}
	if len(sel.Invalid) != 1 || sel.Invalid[0].ID != 5 {
		t.Errorf("invalid %v; want id 5", sel.Invalid)
	}
	if sel.Table != whmcsdb.SyncTableName("openprovider") || whmcstest.Scalar(t, e.seed, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '"+sel.Table+"'") != "1" {
		t.Errorf("last-sync table %q not created", sel.Table)
	}

	// --domain: exactly those names, no invalid-status query; a dry run
	// creates no table.
	e2 := newRTEnv(t)
	e2.add(t, 3)
	o := e2.options(1)
	o.Names, o.DryRun = []string{"r3.com", "r2.com"}, true
	sel, err = selectDomains(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sel.Count != 2 || sel.Invalid != nil || fmt.Sprint(sel.Want) != "[r2.com r3.com]" {
		t.Errorf("--domain: count %d, want %v, invalid %v", sel.Count, sel.Want, sel.Invalid)
	}
	if whmcstest.Scalar(t, e2.seed, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '"+sel.Table+"'") != "0" {
		t.Error("a dry run's select created the last-sync table")
	}
}

// --all: the names only (no domain held), every domain of the registrar
// whatever the batch size; each reads them in chunks of AllChunk, in id
// order, and leaves out a domain added after the names were read.
func TestSelectDomainsAll(t *testing.T) {
	defer func(n int) { AllChunk = n }(AllChunk)
	AllChunk = 2
	e := newRTEnv(t)
	e.add(t, 5)
	o := e.options(1)
	o.All = true
	sel, err := selectDomains(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sel.Domains != nil || sel.Count != 5 || sel.MaxID != 5 || len(sel.Want) != 5 || !sel.All {
		t.Fatalf("--all selection: %d domains held, count %d, max id %d, %d names", len(sel.Domains), sel.Count, sel.MaxID, len(sel.Want))
	}
	whmcstest.InsertDomain(t, e.seed, whmcstest.DomainRow{UserID: 3, Domain: "late.com", Registrar: "openprovider",
		RegistrationDate: "2020-01-01", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15"})
	var ids []int64
	if err := sel.each(context.Background(), e.db, func(d whmcsdb.Domain) { ids = append(ids, d.ID) }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids) != "[1 2 3 4 5]" {
		t.Errorf("each visited %v; want [1 2 3 4 5] (not the domain added after the names)", ids)
	}
}
