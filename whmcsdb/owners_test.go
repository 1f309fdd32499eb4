package whmcsdb

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// TestDomainOwners finds the WHMCS clients holding each name: any case,
// surrounding spaces, IDNs stored in Unicode or punycode, any registrar or
// status, several rows of one name; names WHMCS does not hold are absent;
// an accented letter is not its plain one.
func TestDomainOwners(t *testing.T) {
	e := newEnv(t, Options{})
	row := func(name string, user int64, reg, status string) {
		whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{Domain: name, UserID: user, Registrar: reg, Status: status})
	}
	row("Example.NL", 7, "odr", "Active")
	row(" spaced.nl ", 7, "odr", "Active")
	row("bücher.nl", 8, "odr", "Active")         // Unicode in WHMCS, punycode asked
	row("xn--mnchen-3ya.de", 9, "odr", "Active") // punycode in WHMCS, Unicode asked
	row("moved.nl", 7, "odr", "Cancelled")       // an old row of another client
	row("moved.nl", 8, "openprovider", "Active")
	row("moved.nl", 8, "odr", "Transferred Away")
	row("bucher.nl", 10, "odr", "Active") // not bücher.nl

	got, err := e.db.DomainOwners(context.Background(), []string{"example.nl", "spaced.nl", "xn--bcher-kva.nl", "münchen.de",
		"moved.nl", "unknown.nl", "", "example.nl"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int64{"example.nl": {7}, "spaced.nl": {7}, "xn--bcher-kva.nl": {8}, "münchen.de": {9}, "moved.nl": {7, 8}}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for n, ids := range want {
		if !slices.Equal(got[n], ids) {
			t.Errorf("%s: clients %v, want %v", n, got[n], ids)
		}
	}
	none, err := e.db.DomainOwners(context.Background(), nil)
	if err != nil || len(none) != 0 {
		t.Errorf("no names: %v, %v", none, err)
	}
}

// TestDomainOwnersChunked reads more names than one statement takes.
func TestDomainOwnersChunked(t *testing.T) {
	e := newEnv(t, Options{})
	var names []string
	for i := range ownersChunk + 500 { // one form each (ASCII = Unicode): two statements
		names = append(names, fmt.Sprintf("d%04d.nl", i))
	}
	whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{Domain: "d0000.nl", UserID: 1})
	whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{Domain: "D3499.NL", UserID: 2})
	got, err := e.db.DomainOwners(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !slices.Equal(got["d0000.nl"], []int64{1}) || !slices.Equal(got["d3499.nl"], []int64{2}) {
		t.Errorf("got %v", got)
	}
}
