package cmd

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar/odr/odrsim"
	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// ODR domains under two module names (odr, ODR_Legacy) are synced in one
// batch, into the one table tblDomainSyncOdr, with
// registrars.odr.sync.batch_size overriding the top-level batch size while
// Openprovider keeps the top-level one; a look-alike module is left alone.
func TestSyncE2EODRModulesAndOverride(t *testing.T) {
	e := newE2E(t, e2eOptions{Sync: "batch_size: 2\n"})
	var simDomains []odrsim.Domain
	for i := range 5 {
		simDomains = append(simDomains, odrsim.Domain{ID: int64(i + 1), Name: fmt.Sprintf("d%d.nl", i), Status: "REGISTERED", AutoRenew: true, Expiration: "2027-03-01 00:00:00"})
	}
	withODR(t, e, odrsim.Options{Domains: simDomains}, "")
	data := readFile(t, e.cfgPath)
	override := "    modules: [odr, odr_legacy]\n    sync:\n      batch_size: 5\n"
	if !strings.Contains(data, "    modules: [odr, ODR]\n") {
		t.Fatal("withODR's modules line not found")
	}
	data = strings.Replace(data, "    modules: [odr, ODR]\n", override, 1)
	if err := os.WriteFile(e.cfgPath, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}

	var odrIDs []string
	for i, module := range []string{"odr", "ODR_Legacy", "odr", "odr_legacy", "ODR"} {
		id := e.domain(whmcstest.DomainRow{Domain: fmt.Sprintf("d%d.nl", i), Registrar: module, Status: "Active", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", NextInvoiceDate: "2027-02-15", RegistrationDate: "2020-01-10"})
		odrIDs = append(odrIDs, fmt.Sprint(id))
	}
	otherID := e.domain(whmcstest.DomainRow{Domain: "other.nl", Registrar: "odr_other", Status: "Active", ExpiryDate: "2027-03-01", NextDueDate: "2027-02-15", RegistrationDate: "2020-01-10"})
	for i := range 3 {
		name := fmt.Sprintf("op%d.com", i)
		e.opDomain(name, "ACT", "2026-05-01", "default")
		e.domain(whmcstest.DomainRow{Domain: name, Status: "Active", ExpiryDate: "2026-05-01", NextDueDate: "2026-04-17", NextInvoiceDate: "2026-04-17", RegistrationDate: "2020-01-10"})
	}

	code, stdout, stderr := e.runCmd("config", "--config", e.cfgPath)
	if code != 0 {
		t.Fatalf("config: exit %d\n%s", code, stderr)
	}
	mustContain(t, "config", stdout, "registrars.odr.sync.batch_size = 5  (file "+e.cfgPath+":", "sync.batch_size = 2  (file ", "registrars.odr.modules = [odr, odr_legacy]")
	if strings.Contains(stdout, "registrars.openprovider.sync.") {
		t.Errorf("config lists openprovider overrides that were not set:\n%s", stdout)
	}

	if code, _, stderr := e.run(); code != 0 {
		t.Fatalf("sync: exit %d\n%s", code, stderr)
	}
	if got := e.query("SELECT id FROM tblDomainSyncOdr ORDER BY id"); !slices.Equal(got, odrIDs) {
		t.Errorf("tblDomainSyncOdr ids %v, want all five ODR domains %v in one batch", got, odrIDs)
	}
	if got := e.query("SELECT id FROM tblDomainSyncOdr WHERE id = ?", otherID); len(got) != 0 {
		t.Error("the odr_other domain was synced as ODR's")
	}
	if got := e.query("SELECT COUNT(*) FROM tblDomainSyncOpenprovider"); len(got) != 1 || got[0] != "2" {
		t.Errorf("tblDomainSyncOpenprovider holds %v rows, want the top-level batch size 2", got)
	}
	if got := e.query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'tblDomainSyncOdr%'"); len(got) != 1 || got[0] != "1" {
		t.Errorf("sync tables for ODR: %v, want only tblDomainSyncOdr", got)
	}
}
