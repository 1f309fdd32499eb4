package sync

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	"github.com/domainsync/domainsync/whmcsdb"
)

// The plan stage over a batch (no database: the batch is in the
// selection): one plan per domain in batch order, in step or not; a name
// two rows hold is an error row for each; the contacts stage gets the
// whole batch.
func TestPlanBatchBatch(t *testing.T) {
	a := domain().build()
	b := domain().name("b.com").build()
	b.ID = 43
	dup1 := domain().name("dup.com").build()
	dup1.ID = 44
	dup2 := domain().name("DUP.com").build()
	dup2.ID = 45
	sel := selection{
		Domains: []whmcsdb.Domain{a, b, dup1, dup2},
		Count:   4,
		Want:    []string{"example.com", "b.com", "dup.com"},
		Dups:    map[string][]int64{"dup.com": {44, 45}},
	}
	results := map[string]registrar.Result{
		"example.com": record().expiry("2027-03-01").found(), // renewed: changes
		"b.com":       record().named("b.com").found(),       // in step
		"dup.com":     record().named("dup.com").found(),
	}
	o := Options{Registrar: &hookReg{}, Settings: DefaultSettings(), Now: stageNow}.withDefaults()
	p, err := planBatch(context.Background(), o, sel, results)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, pl := range p.Plans {
		got = append(got, fmt.Sprintf("%d:%v:%d", pl.Domain.ID, pl.Expiry != nil, len(pl.Errors)))
	}
	if strings.Join(got, " ") != "42:true:0 43:false:0 44:false:1 45:false:1" {
		t.Errorf("plans (id:expiry change:errors) %v", got)
	}
	if !strings.Contains(p.Plans[2].Errors[0], "WHMCS holds this domain 2 times (tbldomains ids [44 45])") {
		t.Errorf("duplicate row: %v", p.Plans[2].Errors)
	}
	if p.Quiet != nil || p.QuietChecked != 0 || len(p.ContactDomains) != 4 || p.ContactsWanted {
		t.Errorf("quiet %v (%d checked), %d contact domains, contacts wanted %v", p.Quiet, p.QuietChecked, len(p.ContactDomains), p.ContactsWanted)
	}
}

// The plan stage over --all (chunks read from WHMCS): a domain in step is
// kept as its id only (counted as checked when found), the others as
// plans in id order; a row without a registrar reply (renamed after the
// names were read) is left out altogether, for the next run.
func TestPlanBatchAll(t *testing.T) {
	defer func(n int) { AllChunk = n }(AllChunk)
	AllChunk = 2
	e := newRTEnv(t)
	e.add(t, 4)
	e.op.Update(opsim.FirstGeneratedID+1, func(d *opsim.Domain) { d.RenewalDate = "2027-03-01 00:00:00" }) // r2 in step
	o := e.options(1)
	o.All = true
	sel, f, _ := e.upTo(t, o)
	delete(f.Results, "r4.com")
	p, err := planBatch(context.Background(), o, sel, f.Results)
	if err != nil {
		t.Fatal(err)
	}
	if planIDs(p.Plans) != "[1 3]" || fmt.Sprint(p.Quiet) != "[2]" || p.QuietChecked != 1 {
		t.Errorf("plans %s, quiet %v (%d checked); want plans [1 3], quiet [2] (1 checked)", planIDs(p.Plans), p.Quiet, p.QuietChecked)
	}
	if p.ContactDomains != nil {
		t.Errorf("contact domains %d for a registrar without contacts", len(p.ContactDomains))
	}
}

func planIDs(plans []DomainPlan) string {
	var ids []int64
	for _, p := range plans {
		ids = append(ids, p.Domain.ID)
	}
	return fmt.Sprint(ids)
}
